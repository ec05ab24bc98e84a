package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// parseAll feeds in to a fresh Parser in one piece.
func parseAll(p *Parser, in []byte) (int, error) {
	return p.Parse(in)
}

// parseBytewise feeds in to p one more byte per call, as a connection receiving one
// byte per read would, and returns the first result that is not "need more".
func parseBytewise(p *Parser, in []byte) (int, error) {
	for i := 1; i <= len(in); i++ {
		n, err := p.Parse(in[:i])
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, nil
}

func TestParse(t *testing.T) {
	const host = "Host: example.com\r\n"
	tests := []struct {
		name   string
		in     string
		status int    // expected ParseError status; 0 for success or "need more"
		n      int    // expected length of the request; -1 means len(in); 0 need more
		method string // checked on success
		path   string
		body   string
		keep   bool
	}{
		{name: "simple GET", in: "GET /plaintext HTTP/1.1\r\n" + host + "\r\n", n: -1,
			method: "GET", path: "/plaintext", keep: true},
		{name: "query stripped", in: "GET /json?x=1&y=2 HTTP/1.1\r\n" + host + "\r\n", n: -1,
			method: "GET", path: "/json", keep: true},
		{name: "absolute form", in: "GET http://example.com/json?q HTTP/1.1\r\n" + host + "\r\n", n: -1,
			method: "GET", path: "/json", keep: true},
		{name: "leading empty lines", in: "\r\n\r\nGET / HTTP/1.1\r\n" + host + "\r\n", n: -1,
			method: "GET", path: "/", keep: true},
		{name: "HTTP/1.0 closes", in: "GET / HTTP/1.0\r\n\r\n", n: -1, method: "GET", path: "/"},
		{name: "HTTP/1.0 keep-alive", in: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", n: -1,
			method: "GET", path: "/", keep: true},
		{name: "connection close", in: "GET / HTTP/1.1\r\n" + host + "Connection: foo, close\r\n\r\n", n: -1,
			method: "GET", path: "/"},
		{name: "content-length body", in: "POST /echo HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello", n: -1,
			method: "POST", path: "/echo", body: "hello", keep: true},
		{name: "repeated identical content-length", in: "POST / HTTP/1.1\r\n" + host + "Content-Length: 2, 2\r\nContent-Length: 2\r\n\r\nhi", n: -1,
			method: "POST", path: "/", body: "hi", keep: true},
		{name: "pipelined: first request only", in: "GET /a HTTP/1.1\r\n" + host + "\r\nGET /b HTTP/1.1\r\n" + host + "\r\n",
			n: len("GET /a HTTP/1.1\r\n" + host + "\r\n"), method: "GET", path: "/a", keep: true},
		{name: "chunked body", in: "POST /echo HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n" +
			"5\r\nhello\r\n1;ext=1\r\n,\r\n6 \r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n", n: -1,
			method: "POST", path: "/echo", body: "hello, world", keep: true},
		{name: "chunked upper-case hex", in: "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: Chunked\r\n\r\n" +
			"A\r\n0123456789\r\n0\r\n\r\n", n: -1, method: "POST", path: "/", body: "0123456789", keep: true},
		{name: "obs-text in value", in: "GET / HTTP/1.1\r\n" + host + "X: caf\xc3\xa9\r\n\r\n", n: -1,
			method: "GET", path: "/", keep: true},
		{name: "incomplete head", in: "GET / HTTP/1.1\r\n" + host},
		{name: "incomplete body", in: "POST / HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\nabc"},
		{name: "incomplete chunk", in: "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhel"},

		{name: "no version", in: "GET /\r\n\r\n", status: 400},
		{name: "lower-case version", in: "GET / http/1.1\r\n" + host + "\r\n", status: 400},
		{name: "HTTP/2.0", in: "GET / HTTP/2.0\r\n" + host + "\r\n", status: 505},
		{name: "HTTP/1.2", in: "GET / HTTP/1.2\r\n" + host + "\r\n", status: 505},
		{name: "two spaces", in: "GET  / HTTP/1.1\r\n" + host + "\r\n", status: 400},
		{name: "space in target", in: "GET /a b HTTP/1.1\r\n" + host + "\r\n", status: 400},
		{name: "bad method", in: "G(T / HTTP/1.1\r\n" + host + "\r\n", status: 400},
		{name: "bare LF", in: "GET / HTTP/1.1\n" + host + "\r\n", status: 400},
		{name: "bare CR", in: "GET / HTTP/1.1\r" + host + "\r\n", status: 400},
		{name: "space before colon", in: "GET / HTTP/1.1\r\n" + host + "X-A : b\r\n\r\n", status: 400},
		{name: "no colon", in: "GET / HTTP/1.1\r\n" + host + "X-A\r\n\r\n", status: 400},
		{name: "control char in value", in: "GET / HTTP/1.1\r\n" + host + "X: a\x01b\r\n\r\n", status: 400},
		{name: "folding", in: "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", status: 400},
		{name: "missing host", in: "GET / HTTP/1.1\r\n\r\n", status: 400},
		{name: "two hosts", in: "GET / HTTP/1.1\r\n" + host + host + "\r\n", status: 400},
		{name: "negative content-length", in: "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", status: 400},
		{name: "conflicting content-length", in: "POST / HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", status: 400},
		{name: "huge content-length", in: "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999999\r\n\r\n", status: 400},
		{name: "body too large", in: "POST / HTTP/1.1\r\n" + host + "Content-Length: 2000000\r\n\r\n", status: 413},
		{name: "CL and TE", in: "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
		{name: "TE in HTTP/1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
		{name: "gzip TE", in: "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n", status: 501},
		{name: "bad chunk size", in: "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400},
		{name: "chunk without CRLF", in: "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n2\r\nabcd", status: 400},
		{name: "chunk size overflow", in: "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", status: 400},
		{name: "chunked too large", in: "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n200000\r\n", status: 413},
		{name: "expectation", in: "POST / HTTP/1.1\r\n" + host + "Expect: something\r\n\r\n", status: 417},
		{name: "header too large", in: "GET / HTTP/1.1\r\n" + host + "X: " + strings.Repeat("a", 9000) + "\r\n\r\n", status: 431},
		{name: "request line too long", in: "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n\r\n", status: 414},
		{name: "too many headers", in: "GET / HTTP/1.1\r\n" + host + strings.Repeat("X: y\r\n", maxHeaders) + "\r\n", status: 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantN := tt.n
			if wantN < 0 {
				wantN = len(tt.in)
			}
			for _, mode := range []struct {
				name  string
				parse func(*Parser, []byte) (int, error)
			}{{"whole", parseAll}, {"bytewise", parseBytewise}} {
				var p Parser
				n, err := mode.parse(&p, []byte(tt.in))
				if tt.status != 0 {
					var pe *ParseError
					if !errors.As(err, &pe) || pe.Status != tt.status {
						t.Fatalf("%s: Parse = %d, %v; want status %d", mode.name, n, err, tt.status)
					}
					continue
				}
				if err != nil || n != wantN {
					t.Fatalf("%s: Parse = %d, %v; want %d, nil", mode.name, n, err, wantN)
				}
				if n == 0 {
					continue
				}
				r := &p.Request
				if string(r.Method) != tt.method || string(r.Path) != tt.path || string(r.Body) != tt.body || r.KeepAlive != tt.keep {
					t.Fatalf("%s: got method %q path %q body %q keep-alive %v; want %q %q %q %v", mode.name,
						r.Method, r.Path, r.Body, r.KeepAlive, tt.method, tt.path, tt.body, tt.keep)
				}
			}
		})
	}
}

func TestParseSequence(t *testing.T) {
	// One Parser serves a connection's requests one after another.
	var p Parser
	in := []byte("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"GET /json HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nxyz" +
		"GET /plaintext HTTP/1.0\r\n\r\n")
	var got []string
	for len(in) > 0 {
		n, err := p.Parse(in)
		if err != nil || n == 0 {
			t.Fatalf("Parse = %d, %v with %q left", n, err, in)
		}
		r := &p.Request
		host, _ := r.Header("HOST")
		got = append(got, fmt.Sprintf("%s %s %q host=%q continue=%v keep=%v", r.Method, r.Path, r.Body, host, r.ExpectContinue, r.KeepAlive))
		in = in[n:]
	}
	want := []string{
		`POST /echo "abc" host="h" continue=false keep=true`,
		`GET /json "xyz" host="h" continue=true keep=true`,
		`GET /plaintext "" host="" continue=false keep=false`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseHeadCompleteBeforeBody(t *testing.T) {
	var p Parser
	in := []byte("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	if n, err := p.Parse(in); n != 0 || err != nil {
		t.Fatalf("Parse(head) = %d, %v; want 0, nil", n, err)
	}
	if !p.HeadComplete() || !p.Request.ExpectContinue {
		t.Fatalf("HeadComplete = %v, ExpectContinue = %v; want true, true", p.HeadComplete(), p.Request.ExpectContinue)
	}
	// The body arrives in a later read, into a buffer at another address.
	in = append(bytes.Clone(in), "data"...)
	n, err := p.Parse(in)
	if n != len(in) || err != nil || string(p.Request.Body) != "data" || string(p.Request.Method) != "POST" {
		t.Fatalf("Parse = %d, %v, body %q method %q", n, err, p.Request.Body, p.Request.Method)
	}
}

// FuzzParse checks that the parser never panics, that feeding a request all at once
// or one byte per call gives the same answer, and that what it accepts is consistent.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
		"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nT: v\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
		"\r\nGET http://h/x?y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
		"GET / HTTP/1.1\nHost: h\n\n",
		"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/9.9\r\n\r\n",
		"\r0\r",                         // a stray CR seen whole and byte by byte
		strings.Repeat("0", 600) + "\n", // over the limit and a bare LF: the limit shows first
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var whole, bytewise Parser
		whole.MaxHeaderBytes, bytewise.MaxHeaderBytes = 512, 512
		whole.MaxBodyBytes, bytewise.MaxBodyBytes = 1024, 1024
		n1, err1 := parseAll(&whole, in)
		n2, err2 := parseBytewise(&bytewise, in)
		if n1 != n2 || err1 != err2 {
			t.Fatalf("whole: %d, %v; bytewise: %d, %v", n1, err1, n2, err2)
		}
		if err1 != nil {
			if _, ok := err1.(*ParseError); !ok {
				t.Fatalf("error %v is not a *ParseError", err1)
			}
			return
		}
		if n1 == 0 {
			return
		}
		if n1 > len(in) {
			t.Fatalf("n = %d > len(in) = %d", n1, len(in))
		}
		r1, r2 := &whole.Request, &bytewise.Request
		if !bytes.Equal(r1.Method, r2.Method) || !bytes.Equal(r1.Target, r2.Target) || !bytes.Equal(r1.Body, r2.Body) ||
			r1.KeepAlive != r2.KeepAlive || len(r1.Headers) != len(r2.Headers) {
			t.Fatalf("whole and bytewise requests differ: %+v vs %+v", r1, r2)
		}
		if len(r1.Body) > whole.MaxBodyBytes {
			t.Fatalf("body of %d bytes accepted, limit %d", len(r1.Body), whole.MaxBodyBytes)
		}
		if !isToken(r1.Method) || len(r1.Target) == 0 || r1.Minor > 1 {
			t.Fatalf("accepted a bad request line: %q %q 1.%d", r1.Method, r1.Target, r1.Minor)
		}
		if !r1.chunked && n1 != headLen(in)+len(r1.Body) {
			t.Fatalf("n = %d, head + body = %d + %d", n1, headLen(in), len(r1.Body))
		}
		// The rest of the input parses as the next request, from a clean state.
		whole.Parse(in[n1:])
	})
}

// headLen is the length of the head at the start of in: optional empty lines, then
// everything up to and including the first blank line.
func headLen(in []byte) int {
	skip := 0
	for len(in)-skip >= 2 && in[skip] == '\r' && in[skip+1] == '\n' {
		skip += 2
	}
	return skip + bytes.Index(in[skip:], []byte("\r\n\r\n")) + 4
}
