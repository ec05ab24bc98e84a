package httpbench

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	req := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	cases := []struct {
		in      string
		n, used int
	}{
		{"", 0, 0},
		{"GET / HTTP/1.1\r\nHost", 0, 0},
		{req, 1, len(req)},
		{req + req + req, 3, 3 * len(req)},
		{req + req + "GET / HT", 2, 2 * len(req)},
	}
	for _, c := range cases {
		n, used := Split([]byte(c.in))
		if n != c.n || used != c.used {
			t.Errorf("Split(%q) = %d,%d want %d,%d", c.in, n, used, c.n, c.used)
		}
	}
}

func TestBatch(t *testing.T) {
	for n := 1; n <= MaxBatch; n++ {
		if !bytes.Equal(Batch(n), bytes.Repeat(Response, n)) {
			t.Fatalf("Batch(%d) wrong", n)
		}
	}
	if !bytes.Contains(Response, []byte("Content-Length: 13\r\n")) || !bytes.HasSuffix(Response, []byte("\r\n\r\nHello, World!")) {
		t.Fatal("bad response")
	}
}

// loadgen -m http verifies every reply against its own copy of Response (C has no
// way to import it): the two must not drift apart.
func TestLoadgenExpectsResponse(t *testing.T) {
	src, err := os.ReadFile("../../loadgen/loadgen.c")
	if err != nil {
		t.Fatal(err)
	}
	def := regexp.MustCompile(`(?m)^#define HTTP_RESPONSE((?:.*\\\n)*.*)$`).FindSubmatch(src)
	if def == nil {
		t.Fatal("loadgen.c: no #define HTTP_RESPONSE")
	}
	var got strings.Builder
	for _, lit := range regexp.MustCompile(`"(?:[^"\\]|\\.)*"`).FindAll(def[1], -1) {
		s, err := strconv.Unquote(string(lit))
		if err != nil {
			t.Fatalf("loadgen.c: HTTP_RESPONSE literal %s: %v", lit, err)
		}
		got.WriteString(s)
	}
	if got.String() != string(Response) {
		t.Fatalf("loadgen.c HTTP_RESPONSE = %q, want httpbench.Response %q", got.String(), Response)
	}
}
