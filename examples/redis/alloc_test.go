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

// serveOnce runs OnTraffic over in, as one read of a connection.
func serveOnce(s *server, c *fakeConn, in []byte) {
	c.in, c.out = in, c.out[:0]
	s.OnTraffic(c)
}

// TestGetSetAllocs budgets GET and SET of an existing key, pipelined as
// redis-benchmark -P sends them, at zero allocations once the connection is warm.
func TestGetSetAllocs(t *testing.T) {
	s := newServer(0)
	c := &fakeConn{}
	s.OnOpen(c)
	var in []byte
	for range 8 {
		in = append(in, encode([][]byte{[]byte("SET"), []byte("key:__rand_int__"), []byte("VXK")})...)
		in = append(in, encode([][]byte{[]byte("GET"), []byte("key:__rand_int__")})...)
	}
	in = append(in, "get key:__rand_int__\r\n"...)
	serveOnce(s, c, in)
	if len(c.in) != 0 || len(c.out) != 8*(5+9)+9 {
		t.Fatalf("warm-up: %d bytes left unread, replies %q", len(c.in), c.out)
	}
	if allocs := testing.AllocsPerRun(1000, func() { serveOnce(s, c, in) }); allocs != 0 {
		t.Fatalf("%v allocations per batch of GET and SET, want 0", allocs)
	}
}

func BenchmarkGetSet(b *testing.B) {
	s := newServer(0)
	c := &fakeConn{}
	s.OnOpen(c)
	in := append(encode([][]byte{[]byte("SET"), []byte("key:__rand_int__"), []byte("VXK")}),
		encode([][]byte{[]byte("GET"), []byte("key:__rand_int__")})...)
	b.ReportAllocs()
	for b.Loop() {
		serveOnce(s, c, in)
	}
}
