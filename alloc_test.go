//go:build !race

package reactor_test

import (
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"

	gnet "github.com/reactorgo/reactor"
)

// writevEcho echoes through Writev with a reused iovec, so that the handler itself
// allocates nothing and any allocation measured belongs to the engine.
type writevEcho struct {
	hooks // the other callbacks
	iov   [][]byte
}

func (h *writevEcho) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	half := len(buf) / 2
	h.iov = append(h.iov[:0], buf[:half], buf[half:])
	_, _ = c.Writev(h.iov)
	return gnet.None
}

// TestZeroAllocs: steady-state round trips of 64 B (queued, then flushed) and 4 KiB
// (sent at once) allocate nothing anywhere in the process. runtime.MemStats counts
// every goroutine, so the event loop is included; the test is not parallel so that
// no other test's allocations are counted.
func TestZeroAllocs(t *testing.T) {
	for _, size := range []int{64, 4 << 10} {
		t.Run(fmt.Sprintf("%dB", size), func(t *testing.T) { testZeroAllocs(t, size) })
	}
}

func testZeroAllocs(t *testing.T, size int) {
	msg := make([]byte, size)
	for i := range msg {
		msg[i] = byte(i)
	}
	iov := [][]byte{msg[:10], msg[10:]}
	var callbacks atomic.Int64
	var callback gnet.AsyncCallback = func(gnet.Conn, error) error { callbacks.Add(1); return nil }
	for _, tc := range []struct {
		name    string
		handler func(conns chan<- gnet.Conn) gnet.EventHandler
		send    func(client net.Conn, c gnet.Conn) error // one message to the client, by either side
	}{
		{name: "echo/Write",
			handler: func(conns chan<- gnet.Conn) gnet.EventHandler {
				return &hooks{open: sendConn(conns), traffic: echoTraffic}
			},
			send: func(client net.Conn, _ gnet.Conn) error { _, err := client.Write(msg); return err }},
		{name: "echo/Writev",
			handler: func(conns chan<- gnet.Conn) gnet.EventHandler {
				return &writevEcho{hooks: hooks{open: sendConn(conns)}}
			},
			send: func(client net.Conn, _ gnet.Conn) error { _, err := client.Write(msg); return err }},
		{name: "AsyncWrite from another goroutine",
			handler: func(conns chan<- gnet.Conn) gnet.EventHandler { return &hooks{open: sendConn(conns)} },
			send:    func(_ net.Conn, c gnet.Conn) error { return c.AsyncWrite(msg, callback) }},
		{name: "AsyncWritev from another goroutine",
			handler: func(conns chan<- gnet.Conn) gnet.EventHandler { return &hooks{open: sendConn(conns)} },
			send:    func(_ net.Conn, c gnet.Conn) error { return c.AsyncWritev(iov, callback) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conns := make(chan gnet.Conn, 1)
			s := startTCP(t, tc.handler(conns))
			client := s.dial(t) // its deadline is set once here, not per round trip
			c := recv(t, conns, waitTimeout, "OnOpen")
			got := make([]byte, len(msg))
			var ioErr error // AllocsPerRun gives no way to return an error
			roundTrip := func() {
				if ioErr != nil {
					return
				}
				if ioErr = tc.send(client, c); ioErr == nil {
					_, ioErr = io.ReadFull(client, got)
				}
			}
			for range 100 { // warm up: buffers, pools, the runtime poller
				roundTrip()
			}
			allocs := testing.AllocsPerRun(1000, roundTrip)
			if ioErr != nil {
				t.Fatalf("round trip: %v", ioErr)
			}
			if allocs != 0 {
				t.Errorf("round trip of %d B: %v allocations, want 0", len(msg), allocs)
			}
			if string(got) != string(msg) {
				t.Errorf("client got %x, want %x", got, msg)
			}
		})
	}
}
