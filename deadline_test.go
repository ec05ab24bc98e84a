package reactor_test

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// closeRecorder reports every OnClose error on a channel.
func closeRecorder(h *hooks) chan error {
	ch := make(chan error, 256)
	h.close = func(_ gnet.Conn, err error) gnet.Action { ch <- err; return gnet.None }
	return ch
}

func TestReadDeadlineClosesSilentPeer(t *testing.T) {
	t.Parallel()
	h := &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) {
		c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
		return nil, gnet.None
	}}
	closed := closeRecorder(h)
	s := startTCP(t, h)
	start := time.Now()
	c := s.dial(t)
	err := recv(t, closed, waitTimeout, "OnClose after the read deadline")
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("OnClose error %v, want os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("closed after %v, before the 150ms deadline", d)
	}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read after the deadline: %v, want EOF", err)
	}
}

func TestReadDeadlineExtendedPerMessage(t *testing.T) {
	t.Parallel()
	extend := func(c gnet.Conn) { c.SetReadDeadline(time.Now().Add(150 * time.Millisecond)) }
	h := &hooks{
		open:    func(c gnet.Conn) ([]byte, gnet.Action) { extend(c); return nil, gnet.None },
		traffic: func(c gnet.Conn) gnet.Action { extend(c); return echoTraffic(c) },
	}
	closed := closeRecorder(h)
	c := startTCP(t, h).dial(t)
	for range 8 { // 8 x 50ms: past the first deadline several times over
		if err := echoRoundTrips(c, [][]byte{[]byte("still here")}); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-closed:
			t.Fatalf("conn closed while chatting: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := recv(t, closed, waitTimeout, "OnClose once the peer falls silent"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("OnClose error %v", err)
	}
}

func TestDeadlineClearedAndMovedFromAnotherGoroutine(t *testing.T) {
	t.Parallel()
	conns := make(chan gnet.Conn, 1)
	h := &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) {
		c.SetDeadline(time.Now().Add(100 * time.Millisecond))
		c.SetDeadline(time.Time{}) // cleared at once: must not fire
		conns <- c
		return nil, gnet.None
	}}
	closed := closeRecorder(h)
	s := startTCP(t, h)
	s.dial(t)
	c := recv(t, conns, waitTimeout, "OnOpen")
	select {
	case err := <-closed:
		t.Fatalf("a cleared deadline closed the conn: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	// From this goroutine: a far deadline, then an earlier one that must win.
	if err := c.SetReadDeadline(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, closed, waitTimeout, "OnClose after the earlier deadline"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("OnClose error %v", err)
	}
	if err := c.SetDeadline(time.Now()); !errors.Is(err, rerrors.ErrConnClosed) {
		t.Fatalf("SetDeadline on a closed conn: %v", err)
	}
}

func TestWriteDeadlineWithUnreadOutput(t *testing.T) {
	t.Parallel()
	h := &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) {
		c.Write(make([]byte, 32<<20)) // far more than socket buffers hold: the peer never reads
		c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		return nil, gnet.None
	}}
	closed := closeRecorder(h)
	s := startTCP(t, h)
	s.dial(t) // never reads
	err := recv(t, closed, waitTimeout, "OnClose after the write deadline")
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("OnClose error %v, want os.ErrDeadlineExceeded", err)
	}
}

func TestWriteAfterWriteDeadlineFails(t *testing.T) {
	t.Parallel()
	result := make(chan error, 1)
	h := &hooks{traffic: func(c gnet.Conn) gnet.Action {
		c.Discard(-1)
		c.SetWriteDeadline(time.Now().Add(-time.Second)) // already past
		_, err := c.Write([]byte("late"))
		result <- err
		c.SetWriteDeadline(time.Time{})
		return gnet.None
	}}
	c := startTCP(t, h).dial(t)
	c.Write([]byte("go"))
	if err := recv(t, result, waitTimeout, "Write result"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write after the write deadline: %v", err)
	}
}

// TestDeadlineRacesWithTraffic sets and moves deadlines from other goroutines while
// data flows, on many conns at once. Whatever wins each race, every conn gets exactly
// one OnClose, with nil or a deadline error, and no byte is echoed wrongly.
func TestDeadlineRacesWithTraffic(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		open   = map[gnet.Conn]bool{}
		closes atomic.Int32
		bad    = make(chan error, 64)
	)
	h := &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) {
			mu.Lock()
			open[c] = true
			last := time.Duration(1+len(open)%30) * time.Millisecond
			mu.Unlock()
			go func() { // race the loop: deadlines from another goroutine
				for i := range 20 {
					c.SetReadDeadline(time.Now().Add(time.Duration(5+i%7) * time.Millisecond))
					c.SetReadDeadline(time.Now().Add(time.Second))
				}
				c.SetReadDeadline(time.Now().Add(last))
			}()
			return nil, gnet.None
		},
		traffic: echoTraffic,
		close: func(c gnet.Conn, err error) gnet.Action {
			closes.Add(1)
			mu.Lock()
			wasOpen := open[c]
			delete(open, c)
			mu.Unlock()
			if !wasOpen {
				bad <- errors.New("OnClose for a conn that is not open (twice?)")
			}
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
				var opErr *net.OpError
				if !errors.As(err, &opErr) { // resets from the client closing are fine
					bad <- err
				}
			}
			return gnet.None
		},
	}
	s := startTCP(t, h, gnet.WithNumEventLoop(2))
	const clients = 40
	runClients(t, clients, 30*time.Second, func(i int) error {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ioTimeout))
		msg := payload(uint64(i), 512)
		got := make([]byte, len(msg))
		for range 50 {
			if _, err := c.Write(msg); err != nil {
				return nil // the deadline closed it: allowed
			}
			if _, err := io.ReadFull(c, got); err != nil {
				return nil
			}
			if string(got) != string(msg) {
				return errors.New("echo corrupted")
			}
		}
		return nil
	})
	waitFor(t, waitTimeout, "an OnClose for every conn", func() bool { return closes.Load() == clients })
	select {
	case err := <-bad:
		t.Fatal(err)
	default:
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	h := &hooks{traffic: echoTraffic}
	closed := closeRecorder(h)
	s := startTCP(t, h, gnet.WithIdleTimeout(200*time.Millisecond))
	idle := s.dial(t)
	busy := s.dial(t)
	pace := time.NewTicker(40 * time.Millisecond) // the busy client's pace
	defer pace.Stop()
	for start := time.Now(); time.Since(start) < 600*time.Millisecond; <-pace.C {
		if err := echoRoundTrips(busy, [][]byte{[]byte("ping")}); err != nil {
			t.Fatalf("busy conn: %v", err)
		}
	}
	if err := recv(t, closed, time.Second, "OnClose of the idle conn"); !errors.Is(err, rerrors.ErrIdleTimeout) {
		t.Fatalf("OnClose error %v, want ErrIdleTimeout", err)
	}
	if _, err := idle.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle client read: %v, want EOF", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("the busy conn was closed too: %v", err)
	default:
	}
}
