package main

// Tests and fuzz targets for the pipe's input handling. The agent here is a stand-in on a unix
// socket in t.TempDir(): the real agent (Node) is exercised with this binary by
// test/e2e/pipeConformance.e2e.test.ts, byte for byte against the TypeScript pipe.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// execBody is what the pipe sends to POST /v1/cni/exec.
type execBody struct {
	Command    string            `json:"command"`
	Env        map[string]string `json:"env"`
	Stdin      string            `json:"stdin"`
	StdinError *string           `json:"stdinError"`
}

// echoAgent answers every call with exit code 3 and stdout "echo\n", and records the last body.
type echoAgent struct {
	socket string
	mu     sync.Mutex
	last   execBody
	calls  int
}

func startEcho(tb testing.TB) *echoAgent {
	agent := &echoAgent{socket: filepath.Join(tb.TempDir(), "agent.sock")}
	listener, err := net.Listen("unix", agent.socket)
	if err != nil {
		tb.Fatal(err)
	}
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body execBody
		if r.URL.Path != "/v1/cni/exec" || json.NewDecoder(r.Body).Decode(&body) != nil {
			w.WriteHeader(400)
			return
		}
		agent.mu.Lock()
		agent.last, agent.calls = body, agent.calls+1
		agent.mu.Unlock()
		io.WriteString(w, `{"exitCode":3,"stdout":"echo\n","stderr":"log\n"}`)
	})}
	go server.Serve(listener)
	tb.Cleanup(func() { server.Close() })
	return agent
}

// rawAgent answers every connection with exactly `reply` once it has read the request head.
func rawAgent(tb testing.TB, reply []byte) string {
	socket := filepath.Join(tb.TempDir(), "raw.sock")
	listener, err := net.Listen("unix", socket)
	if err != nil {
		tb.Fatal(err)
	}
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				http.ReadRequest(bufio.NewReader(conn))
				conn.Write(reply)
			}()
		}
	}()
	tb.Cleanup(func() { listener.Close() })
	return socket
}

func invoke(env []string, stdin []byte) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(env, bytes.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestVersionsFileIsOneNonEmptyList(t *testing.T) {
	var file struct {
		SupportedVersions []string `json:"supportedVersions"`
	}
	if err := json.Unmarshal(versionsJSON, &file); err != nil || len(file.SupportedVersions) == 0 {
		t.Fatalf("versions.json: %v %v", err, file)
	}
}

func TestVersionIsAnsweredWithoutTheAgent(t *testing.T) {
	code, stdout, _ := invoke([]string{"CNI_COMMAND=VERSION", "IPLEDGER_SOCKET=/nonexistent/agent.sock"}, []byte(`{"cniVersion":"0.4.0"}`))
	want := `{"cniVersion":"0.4.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}` + "\n"
	if code != 0 || stdout != want {
		t.Fatalf("got %d %q", code, stdout)
	}
}

func TestForwardsEnvironmentAndRawStdin(t *testing.T) {
	agent := startEcho(t)
	stdin := []byte(`{"cniVersion":"1.0.0","ipam":{"type":"ipledger"}}`)
	code, stdout, stderr := invoke([]string{"CNI_COMMAND=ADD", "CNI_IFNAME=net1", "HOME=/root", "IPLEDGER_SOCKET=" + agent.socket, "NOEQUALS"}, stdin)
	if code != 3 || stdout != "echo\n" || stderr != "log\n" {
		t.Fatalf("got %d %q %q", code, stdout, stderr)
	}
	decoded, _ := base64.StdEncoding.DecodeString(agent.last.Stdin)
	if agent.last.Command != "ADD" || !bytes.Equal(decoded, stdin) || agent.last.Env["HOME"] != "" || agent.last.Env["CNI_IFNAME"] != "net1" {
		t.Fatalf("sent %+v", agent.last)
	}
}

func TestUnreachableIsCode11NamingTheSocket(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.sock")
	code, stdout, _ := invoke([]string{"CNI_COMMAND=ADD", "IPLEDGER_SOCKET=" + missing}, []byte(`{"cniVersion":"1.0.0"}`))
	want := `{"cniVersion":"1.0.0","code":11,"msg":"cannot reach the ipledger agent at ` + missing +
		`: no socket exists at that path; start the agent (ipledger agent) or fix ipam.socket","details":"ENOENT: connect ENOENT ` + missing + `"}` + "\n"
	if code != 1 || stdout != want {
		t.Fatalf("got %d %q", code, stdout)
	}
}

func TestSilentAgentIsCode11AtTheDeadline(t *testing.T) {
	// A listener that never accepts: the kernel completes the connect, nobody ever answers.
	socket := filepath.Join(t.TempDir(), "silent.sock")
	listener, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	started := time.Now()
	code, stdout, _ := invoke([]string{"CNI_COMMAND=ADD", "IPLEDGER_AGENT_TIMEOUT_MS=300", "IPLEDGER_SOCKET=" + socket}, []byte(`{}`))
	if code != 1 || !strings.Contains(stdout, `"code":11`) || !strings.Contains(stdout, "no answer within 300 ms") {
		t.Fatalf("got %d %q", code, stdout)
	}
	if elapsed := time.Since(started); elapsed < 250*time.Millisecond {
		t.Fatalf("gave up after %v, before the deadline", elapsed)
	}
}

func TestQuoteSpellsLikeJSONStringify(t *testing.T) {
	for in, want := range map[string]string{"a\"b\\c": `"a\"b\\c"`, "\n\t\b\f\r": `"\n\t\b\f\r"`, "\x01\x1f": `"\u0001\u001f"`, "<&>\u2028é": "\"<&>\u2028é\""} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzStdin: any stdin, command and timeout variable. The pipe never panics; VERSION prints one
// JSON answer; everything else reaches the agent with stdin cut at 1 MiB + 1 byte and only
// CNI_*/IPLEDGER_* variables, and prints the agent's stdout, or one code-11 document.
func FuzzStdin(f *testing.F) {
	for _, seed := range []string{"", "{", `{"cniVersion":"1.0.0","ipam":{"agent_timeout_seconds":0.001}}`, `[[[[[[[[`, "null",
		`{"cniVersion":"1.1.0","ipam":7}`, strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "\xff\xfe{\"cniVersion\":\"\xc3\"}"} {
		f.Add([]byte(seed), "ADD", "")
	}
	f.Add(bytes.Repeat([]byte("x"), maxStdin+10), "ADD", "5")
	f.Add([]byte(`{"cniVersion":"0.4.0"}`), "VERSION", "")
	f.Add([]byte(`{}`), "DEL", "-1")
	agent := startEcho(f)
	f.Fuzz(func(t *testing.T, stdin []byte, command, timeout string) {
		if socket := text(object(object(stdin)["ipam"])["socket"]); socket != "" || strings.ContainsAny(command+timeout, "\x00") {
			t.Skip("the input names its own socket: the fuzzer talks only to its stand-in agent")
		}
		env := []string{"CNI_COMMAND=" + command, "IPLEDGER_AGENT_TIMEOUT_MS=" + timeout, "IPLEDGER_SOCKET=" + agent.socket, "SECRET=x"}
		agent.mu.Lock()
		before := agent.calls
		agent.mu.Unlock()
		code, stdout, _ := invoke(env, stdin)
		agent.mu.Lock()
		defer agent.mu.Unlock()
		if command == "VERSION" {
			var answer struct{ SupportedVersions []string }
			if code != 0 || json.Unmarshal([]byte(stdout), &answer) != nil || len(answer.SupportedVersions) == 0 || agent.calls != before {
				t.Fatalf("VERSION: %d %q (calls %d→%d)", code, stdout, before, agent.calls)
			}
			return
		}
		if code == 1 && strings.Contains(stdout, `"code":11`) && strings.Count(stdout, "\n") == 1 && json.Valid([]byte(stdout)) {
			return // the deadline (a tiny IPLEDGER_AGENT_TIMEOUT_MS) passed first
		}
		sent, _ := base64.StdEncoding.DecodeString(agent.last.Stdin)
		// JSON carries text: an invalid UTF-8 byte in a variable arrives as U+FFFD, as Node decodes it too.
		if code != 3 || stdout != "echo\n" || !bytes.Equal(sent, stdin[:min(len(stdin), maxStdin+1)]) || agent.last.Env["SECRET"] != "" || agent.last.Command != string([]rune(command)) {
			t.Fatalf("forwarded %d %q; sent %d bytes of %d, env %v", code, stdout, len(sent), len(stdin), agent.last.Env)
		}
	})
}

// FuzzAnswer: whatever comes back on the socket, the pipe prints either a well-formed answer's
// stdout or one code-11 document, and nothing of a bad answer.
func FuzzAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 33\r\n\r\n{\"exitCode\":0,\"stdout\":\"hello\\n\"}"))
	f.Add([]byte("HTTP/1.1 404 Not Found\r\n\r\n{}"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n{\"exitCode\":0,\"stdout\":\"{\\\"ips"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n{\"exitCode\":300,\"stdout\":\"\"}"))
	f.Add([]byte("HTTP/1.1"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, reply []byte) {
		socket := rawAgent(t, reply)
		code, stdout, _ := invoke([]string{"CNI_COMMAND=ADD", "IPLEDGER_AGENT_TIMEOUT_MS=2000", "IPLEDGER_SOCKET=" + socket}, []byte(`{"cniVersion":"1.0.0"}`))
		_, content, _ := strings.Cut(string(reply), "\r\n\r\n")
		var answer struct {
			ExitCode int
			Stdout   string
		}
		forwarded := json.Unmarshal([]byte(content), &answer) == nil && code == answer.ExitCode && stdout == answer.Stdout
		eleven := code == 1 && strings.HasPrefix(stdout, `{"cniVersion":"1.0.0","code":11,`) && strings.Count(stdout, "\n") == 1 && json.Valid([]byte(stdout))
		if !forwarded && !eleven {
			t.Fatalf("reply %q gave %d %q", reply, code, stdout)
		}
	})
}

// FuzzQuote: quote is valid JSON that reads back as the input, with no raw control characters.
func FuzzQuote(f *testing.F) {
	for _, seed := range []string{"", "a\"b", "\\", "\x00\x1f\x7f", "\u2028\u2029", "<script>&", "é😀"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := quote(in)
		var back string
		if err := json.Unmarshal([]byte(out), &back); err != nil {
			t.Fatalf("quote(%q) = %s is not JSON: %v", in, out, err)
		}
		if utf8.ValidString(in) && back != in {
			t.Fatalf("quote(%q) reads back as %q", in, back)
		}
		if strings.ContainsFunc(out, func(r rune) bool { return r < 0x20 }) {
			t.Fatalf("quote(%q) = %q holds a raw control character", in, out)
		}
	})
}
