-- The embedded event log: one partition per allocation domain, events hash-chained per partition.
-- Forward only: never edit this file once released; add 0002_… instead (the migrator refuses edits).

-- A domain keeps its partition forever; partitions are numbered 0, 1, 2… in order of first use.
CREATE TABLE partitions (
  domain      TEXT    PRIMARY KEY,
  "partition" INTEGER NOT NULL UNIQUE
) STRICT;

-- body is the whole event as JSON, exactly as hashed and as read back; the other columns copy
-- envelope fields so that operators can query the log with plain SQL.
CREATE TABLE events (
  "partition" INTEGER NOT NULL,
  "offset"    INTEGER NOT NULL,
  id          TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  domain      TEXT    NOT NULL,
  pool        TEXT    NOT NULL,
  at          TEXT    NOT NULL,
  body        TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  PRIMARY KEY ("partition", "offset")
) STRICT; -- a rowid table: event bodies are too large for WITHOUT ROWID to pay off

-- Append-only: history is never rewritten. Anyone bypassing these triggers is caught by the
-- hash chain (`ipledger verify`).
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'ipledger event log is append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'ipledger event log is append-only');
END;

-- Moving a domain to another partition would split its history across two chains.
CREATE TRIGGER partitions_no_update BEFORE UPDATE ON partitions
BEGIN
  SELECT RAISE(ABORT, 'ipledger partition assignments are permanent');
END;

CREATE TRIGGER partitions_no_delete BEFORE DELETE ON partitions
BEGIN
  SELECT RAISE(ABORT, 'ipledger partition assignments are permanent');
END;
