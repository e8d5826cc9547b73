module github.com/ipledger/ipledger/plugin/native

go 1.26
