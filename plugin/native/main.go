// Command ipledger-cni, the CNI executable on each node, is a pipe: it forwards the call (the CNI_*
// and IPLEDGER_* environment, the raw stdin) to the ipledger agent's unix socket and prints the
// agent's answer with its exit code. It decides only VERSION (a runtime probes it with the agent
// down) and code 11 when the agent is not reached in time. See docs/cni-pipe.md. No net/http: a
// raw HTTP/1.1 exchange keeps the binary small and quick to start.
package main

import (
	"cmp"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed versions.json
var versionsJSON []byte

const (
	maxStdin      = 1 << 20 // the agent refuses more; one byte over is all it needs to say so
	maxAnswer     = 4 << 20 // the agent's answers are small; more means something else is listening
	defaultSocket = "/run/ipledger/agent.sock"
	defaultMillis = 5000
)

// The versions from versions.json, oldest first, so the last is the newest.
var known struct{ SupportedVersions []string }

// answer is the agent's reply to POST /v1/cni/exec: what the runtime must see.
type answer struct {
	ExitCode *int    `json:"exitCode"`
	Stdout   *string `json:"stdout"`
	Stderr   string  `json:"stderr"`
}

// failure says why the agent was not reached: the reason goes into msg, details as they are.
type failure struct{ reason, details string }

// Node's names for the errors a connect can meet, so both pipes print the same bytes.
var errnoNames = map[syscall.Errno]string{syscall.ENOENT: "ENOENT", syscall.ECONNREFUSED: "ECONNREFUSED",
	syscall.EACCES: "EACCES", syscall.EPERM: "EPERM", syscall.ENOTSOCK: "ENOTSOCK", syscall.ENOTDIR: "ENOTDIR",
	syscall.EINVAL: "EINVAL", syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.ELOOP: "ELOOP"}

var reasons = map[string]string{"ENOENT": "no socket exists at that path", "ECONNREFUSED": "nothing is listening on the socket",
	"EACCES": "permission denied (the agent's socket is root-only)", "EPERM": "permission denied (the agent's socket is root-only)",
	"ENOTSOCK": "the path is not a socket"}

func main() {
	var stdin io.Reader = os.Stdin
	if info, err := os.Stdin.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
		stdin = strings.NewReader("") // a terminal: nobody piped a config, so read nothing rather than wait
	}
	os.Exit(run(os.Environ(), stdin, os.Stdout, os.Stderr))
}

// run is one invocation and returns the exit code. stdout is written once, when the outcome is
// known, so a failure never leaves half an answer behind.
func run(environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if json.Unmarshal(versionsJSON, &known) != nil || len(known.SupportedVersions) == 0 {
		panic("versions.json holds no supportedVersions") // a build defect the tests catch
	}
	latest := known.SupportedVersions[len(known.SupportedVersions)-1]
	env := map[string]string{}
	for _, pair := range environ {
		name, value, _ := strings.Cut(pair, "=")
		if strings.HasPrefix(name, "CNI_") || strings.HasPrefix(name, "IPLEDGER_") {
			env[name] = value
		}
	}
	raw, readErr := io.ReadAll(io.LimitReader(stdin, maxStdin+1))
	config := object(raw)
	if readErr != nil || len(raw) > maxStdin {
		config = nil
	}
	named := text(config["cniVersion"])
	if env["CNI_COMMAND"] == "VERSION" {
		list, _ := json.Marshal(known.SupportedVersions) // plain version strings: the same bytes as JSON.stringify
		io.WriteString(stdout, `{"cniVersion":`+quote(cmp.Or(named, latest))+`,"supportedVersions":`+string(list)+"}\n")
		return 0
	}
	ipam := object(config["ipam"])
	socket := cmp.Or(text(ipam["socket"]), env["IPLEDGER_SOCKET"], defaultSocket)
	millis := timeoutMillis(env["IPLEDGER_AGENT_TIMEOUT_MS"], ipam["agent_timeout_seconds"])
	request := map[string]any{"command": env["CNI_COMMAND"], "env": env, "stdin": base64.StdEncoding.EncodeToString(raw)}
	if readErr != nil {
		request["stdinError"] = readErr.Error()
	}
	body, _ := json.Marshal(request)
	reply, fail := exchange(socket, body, millis)
	if fail == nil {
		io.WriteString(stdout, *reply.Stdout)
		io.WriteString(stderr, reply.Stderr)
		return *reply.ExitCode
	}
	if !slices.Contains(known.SupportedVersions, named) {
		named = latest // errors speak the config's version when it is one we know
	}
	msg := "cannot reach the ipledger agent at " + socket + ": " + fail.reason + "; start the agent (ipledger agent) or fix ipam.socket"
	io.WriteString(stdout, `{"cniVersion":`+quote(named)+`,"code":11,"msg":`+quote(msg)+`,"details":`+quote(fail.details)+"}\n")
	io.WriteString(stderr, `{"time":`+quote(time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))+`,"level":"error","component":"ipledger-cni","verb":`+
		quote(env["CNI_COMMAND"])+`,"containerId":`+quote(env["CNI_CONTAINERID"])+`,"ifName":`+quote(env["CNI_IFNAME"])+`,"code":11,"msg":`+quote(msg)+"}\n")
	return 1
}

// exchange sends one request and reads the whole answer before the deadline. The socket's send
// timeout bounds the connect (a full backlog blocks it); the deadline bounds everything after.
func exchange(socket string, body []byte, millis int64) (*answer, *failure) {
	timeout := time.Duration(millis) * time.Millisecond
	late := &failure{fmt.Sprintf("no answer within %d ms", millis), fmt.Sprintf("ETIMEDOUT: no complete answer within %d ms", millis)}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err == nil {
		limit := syscall.NsecToTimeval(timeout.Nanoseconds())
		syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &limit)
		if err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: socket}); err != nil {
			syscall.Close(fd)
		}
	}
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINPROGRESS) {
		return nil, late
	} else if errno, _ := err.(syscall.Errno); err != nil {
		name := cmp.Or(errnoNames[errno], "errno "+strconv.Itoa(int(errno)))
		reason := cmp.Or(reasons[name], "connection failed (connect "+name+" "+socket+")")
		return nil, &failure{reason, name + ": connect " + name + " " + socket}
	}
	syscall.SetNonblock(fd, true) // so the runtime's poller, and with it the deadline, governs the file
	conn := os.NewFile(uintptr(fd), socket)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	request := fmt.Sprintf("POST /v1/cni/exec HTTP/1.1\r\nHost: ipledger\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	_, err = io.WriteString(conn, request)
	var whole []byte
	if err == nil {
		whole, err = io.ReadAll(io.LimitReader(conn, maxAnswer+1))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, late
	}
	// With "Connection: close" the body is all that follows the head; a cut one fails to parse.
	header, content, complete := strings.Cut(string(whole), "\r\n\r\n")
	if err != nil || !complete {
		return nil, &failure{"the connection closed before the answer was complete", ""}
	}
	_, status, _ := strings.Cut(header, " ")
	status, _, _ = strings.Cut(status, " ")
	var reply answer
	if status != "200" || len(whole) > maxAnswer || json.Unmarshal([]byte(content), &reply) != nil ||
		reply.ExitCode == nil || reply.Stdout == nil || *reply.ExitCode < 0 || *reply.ExitCode > 255 {
		return nil, &failure{"it answered HTTP " + status + " with something that is not a CNI answer (an older agent? roll out the agent DaemonSet)", ""}
	}
	return &reply, nil
}

// timeoutMillis: IPLEDGER_AGENT_TIMEOUT_MS, else ipam.agent_timeout_seconds, else 5 s. Invalid
// values fall through here; the agent names them in its answer.
func timeoutMillis(override string, seconds json.RawMessage) int64 {
	if ms, err := strconv.ParseInt(override, 10, 64); err == nil && ms > 0 {
		return min(ms, math.MaxInt32)
	}
	var value float64
	if json.Unmarshal(seconds, &value) == nil && value > 0 {
		return int64(min(math.Ceil(value*1000), math.MaxInt32))
	}
	return defaultMillis
}

// object is raw as a JSON object, nil when it is not one; text is raw as a string, "" when not one.
func object(raw []byte) (value map[string]json.RawMessage) {
	json.Unmarshal(raw, &value) // on an error value stays nil: syntax is checked before decoding
	return value
}

func text(raw json.RawMessage) (value string) {
	json.Unmarshal(raw, &value)
	return value
}

// quote spells s as JavaScript's JSON.stringify does, so both pipes print the same bytes.
func quote(s string) string {
	var out strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			out.WriteString(`\` + string(r))
		case r < 0x20:
			out.WriteString(cmp.Or(map[rune]string{'\b': `\b`, '\t': `\t`, '\n': `\n`, '\f': `\f`, '\r': `\r`}[r], fmt.Sprintf(`\u%04x`, r)))
		default:
			out.WriteRune(r)
		}
	}
	return `"` + out.String() + `"`
}
