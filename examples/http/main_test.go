package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reactorgo/reactor"
)

func startHTTP(t testing.TB, cfg config) string {
	t.Helper()
	return startServer(t, newServer(cfg), reactor.WithNumEventLoop(2), reactor.WithTicker(true))
}

// TestCurlKeepAlive: curl sends several requests over one connection (num_connects
// is 1 for the first transfer and 0 after) and gets the right bodies.
func TestCurlKeepAlive(t *testing.T) {
	addr := startHTTP(t, config{})
	base := "http://" + addr
	out, _ := mustRun(t, nil, "curl", "-sS", "--http1.1",
		"-w", " [%{http_code} %{content_type} connects=%{num_connects}]\n",
		base+"/plaintext", base+"/json", base+"/plaintext?x=1", base+"/missing")
	want := "Hello, World! [200 text/plain connects=1]\n" +
		`{"message":"Hello, World!"} [200 application/json connects=0]` + "\n" +
		"Hello, World! [200 text/plain connects=0]\n" +
		"not found\n [404 text/plain; charset=utf-8 connects=0]\n"
	if out != want {
		t.Fatalf("curl printed\n%s\nwant\n%s", out, want)
	}
}

// TestCurlPost: a POST body comes back from /echo, sent with Content-Length, with
// chunked transfer coding, and large enough for curl to ask for 100-continue.
func TestCurlPost(t *testing.T) {
	addr := startHTTP(t, config{})
	url := "http://" + addr + "/echo"

	out, _ := mustRun(t, nil, "curl", "-sS", "--data-binary", "hello, reactor", url)
	if out != "hello, reactor" {
		t.Fatalf("Content-Length POST echoed %q", out)
	}

	body := bytes.Repeat([]byte("chunky "), 3000)
	out, _ = mustRun(t, body, "curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", url)
	if out != string(body) {
		t.Fatalf("chunked POST echoed %d bytes, want %d", len(out), len(body))
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 32<<10) // 512 KiB
	start := time.Now()
	out, errOut := mustRun(t, big, "curl", "-sS", "-v", "-H", "Expect: 100-continue", "--data-binary", "@-", url)
	if out != string(big) {
		t.Fatalf("large POST echoed %d bytes, want %d", len(out), len(big))
	}
	if !strings.Contains(errOut, "HTTP/1.1 100 Continue") {
		t.Fatalf("no 100 Continue in curl's trace:\n%s", errOut)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Logf("large POST took %v: did curl wait for its 100-continue timeout?", d)
	}

	out, _ = mustRun(t, nil, "curl", "-sS", "-w", "%{http_code}", "--data-binary", "x", "http://"+addr+"/plaintext")
	if !strings.HasSuffix(out, "405") {
		t.Fatalf("POST /plaintext: %q, want a 405", out)
	}
}

// TestCurlMalformed: requests curl can be made to send wrongly get 400, 431 or 413,
// and the server closes those connections.
func TestCurlMalformed(t *testing.T) {
	addr := startHTTP(t, config{maxBodyBytes: 1000})
	base := "http://" + addr
	for _, tc := range []struct {
		name string
		args []string
		code string
	}{
		{"space in target", []string{"--request-target", "/plain text", base + "/"}, "400"},
		{"space in header name", []string{"-H", "Bad Header: x", base + "/plaintext"}, "400"},
		{"header too large", []string{"-H", "X-Big: " + strings.Repeat("b", 9000), base + "/plaintext"}, "431"},
		{"body too large", []string{"--data-binary", strings.Repeat("p", 2000), base + "/echo"}, "413"},
		{"unsupported coding", []string{"-H", "Transfer-Encoding: gzip", "--data-binary", "x", base + "/echo"}, "501"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-sS", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}"}, tc.args...)
			out, _ := mustRun(t, nil, "curl", args...)
			if !strings.HasSuffix(out, tc.code) {
				t.Fatalf("curl printed %q; want status %s", out, tc.code)
			}
			if !strings.Contains(out, "Connection: close") {
				t.Fatalf("error response without Connection: close:\n%s", out)
			}
		})
	}
}

// TestCurlConnectionClose: "Connection: close" and HTTP/1.0 make curl open a new
// connection per request, and the responses say so.
func TestCurlConnectionClose(t *testing.T) {
	addr := startHTTP(t, config{})
	url := "http://" + addr + "/plaintext"
	for _, args := range [][]string{
		{"-H", "Connection: close", "--http1.1"},
		{"--http1.0"},
	} {
		args = append([]string{"-sS", "-D", "-", "-w", "[connects=%{num_connects}]\n"}, args...)
		out, _ := mustRun(t, nil, "curl", append(args, url, url)...)
		if strings.Count(out, "[connects=1]") != 2 || strings.Count(out, "Connection: close") != 2 {
			t.Fatalf("curl %v printed:\n%s\nwant two responses with Connection: close on two connections", args, out)
		}
	}
	// HTTP/1.0 with keep-alive asked for keeps the connection.
	out, _ := mustRun(t, nil, "curl", "-sS", "--http1.0", "-H", "Connection: keep-alive",
		"-D", "-", "-w", "[connects=%{num_connects}]\n", url, url)
	if !strings.Contains(out, "[connects=0]") || !strings.Contains(out, "Connection: keep-alive") {
		t.Fatalf("HTTP/1.0 keep-alive:\n%s", out)
	}
}

// TestCurlPipelined: curl's telnet mode is a raw TCP client; it sends three requests
// in one write and prints the three responses, the last of which closes.
func TestCurlPipelined(t *testing.T) {
	addr := startHTTP(t, config{})
	reqs := "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\npipe" +
		"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	out, _ := mustRun(t, []byte(reqs), "curl", "-sS", "telnet://"+addr)
	r := bufio.NewReader(strings.NewReader(out))
	for _, want := range []string{"Hello, World!", "pipe", `{"message":"Hello, World!"}`} {
		if body := readResponse(t, r); body != want {
			t.Fatalf("body %q, want %q; output:\n%s", body, want, out)
		}
	}
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Fatalf("%q after the last response", rest)
	}
}

var (
	wrkRequests   = regexp.MustCompile(`(\d+) requests in`)
	wrkSocketErrs = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx     = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// checkWrk parses wrk's report: some requests, no socket errors, no non-2xx.
func checkWrk(t testing.TB, out string) int {
	t.Helper()
	m := wrkRequests.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no request count in wrk's output:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	if n == 0 {
		t.Fatalf("wrk made no request:\n%s", out)
	}
	if m := wrkSocketErrs.FindStringSubmatch(out); m != nil {
		t.Fatalf("wrk saw socket errors (connect %s, read %s, write %s, timeout %s):\n%s", m[1], m[2], m[3], m[4], out)
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		t.Fatalf("wrk saw %s non-2xx responses:\n%s", m[1], out)
	}
	return n
}

// TestWrk: two seconds of wrk against /plaintext and /json, then with 16 requests
// pipelined per write (pipeline.lua), without a socket error or a non-2xx answer.
func TestWrk(t *testing.T) {
	addr := startHTTP(t, config{})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"plaintext", []string{"http://" + addr + "/plaintext"}},
		{"json", []string{"http://" + addr + "/json"}},
		{"pipelined", []string{"-s", "pipeline.lua", "http://" + addr + "/plaintext", "--", "16"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-t", "2", "-c", "32", "-d", "2s", "--timeout", "5s"}, tc.args...)
			out, _ := mustRun(t, nil, "wrk", args...)
			n := checkWrk(t, out)
			t.Logf("wrk %s: %d requests", tc.name, n)
		})
	}
}

// TestSplitRequests: requests cut into small pieces, sent with pauses so each piece
// is its own read, are answered once complete, in order.
func TestSplitRequests(t *testing.T) {
	addr := startHTTP(t, config{})
	conn, err := net.DialTimeout("tcp", addr, bootTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(clientTimeout))
	reqs := "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
	for i := 0; i < len(reqs); i += 7 {
		if _, err := conn.Write([]byte(reqs[i:min(i+7, len(reqs))])); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	r := bufio.NewReader(conn)
	for _, want := range []string{"Hello, World!", "abcde", "xyz"} {
		body := readResponse(t, r)
		if body != want {
			t.Fatalf("body %q, want %q", body, want)
		}
	}
}

// readResponse reads one response with a Content-Length and returns its body.
func readResponse(t testing.TB, r *bufio.Reader) string {
	t.Helper()
	length := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading response head: %v", err)
		}
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if length < 0 {
		t.Fatal("response without Content-Length")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(body)
}

func Example_request() {
	// The parser on its own: one request, complete in the buffer.
	var p Parser
	n, err := p.Parse([]byte("GET /json?pretty HTTP/1.1\r\nHost: example.com\r\n\r\n"))
	fmt.Println(n, err, string(p.Request.Method), string(p.Request.Path), p.Request.KeepAlive)
	// Output: 48 <nil> GET /json true
}
