//go:build !race

package main

import (
	"testing"

	"github.com/reactorgo/reactor"
)

// fakeConn is the part of reactor.Conn that OnTraffic uses, over byte slices; any
// other method panics (the embedded interface is nil).
type fakeConn struct {
	reactor.Conn
	in, out []byte
	ctx     any
}

func (c *fakeConn) Peek(n int) ([]byte, error) {
	if n <= 0 || n > len(c.in) {
		return c.in, nil
	}
	return c.in[:n], nil
}

func (c *fakeConn) Discard(n int) (int, error) {
	c.in = c.in[n:]
	return n, nil
}

func (c *fakeConn) Write(p []byte) (int, error) {
	c.out = append(c.out, p...)
	return len(p), nil
}

func (c *fakeConn) Context() any       { return c.ctx }
func (c *fakeConn) SetContext(ctx any) { c.ctx = ctx }

const pipelined = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n" +
	"GET /json HTTP/1.1\r\nHost: localhost\r\n\r\n" +
	"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"

// serveOnce runs OnTraffic over in, as one read of a keep-alive connection.
func serveOnce(s *server, c *fakeConn, in []byte) {
	c.in, c.out = in, c.out[:0]
	s.OnTraffic(c)
}

// TestServeAllocs budgets the hot path at zero allocations per request once a
// connection is warm: parsing, routing and writing the response.
func TestServeAllocs(t *testing.T) {
	s := newServer(config{})
	c := &fakeConn{}
	s.OnOpen(c)
	in := []byte(pipelined)
	serveOnce(s, c, in)
	if got := string(c.out); len(got) == 0 || len(c.in) != 0 {
		t.Fatalf("warm-up: %d bytes left unread, response %q", len(c.in), got)
	}
	if allocs := testing.AllocsPerRun(1000, func() { serveOnce(s, c, in) }); allocs != 0 {
		t.Fatalf("%v allocations per pipelined batch, want 0", allocs)
	}
}

func BenchmarkPlaintext(b *testing.B) {
	s := newServer(config{})
	c := &fakeConn{}
	s.OnOpen(c)
	in := []byte("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		serveOnce(s, c, in)
	}
}
