//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !reactor_std

package reactor_test

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	"github.com/reactorgo/reactor/internal/poller"
	"github.com/reactorgo/reactor/internal/socket"
)

// These tests inject syscall failures through socket.SetFault. The hook is process-
// wide, so they do not run in parallel (the package's parallel tests wait for them).

// TestAcceptFailuresPauseAndRecover: running out of descriptors or buffers on accept
// must neither spin (the pending connection keeps the listener readable) nor stop
// accepting for good.
func TestAcceptFailuresPauseAndRecover(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS} {
		t.Run(errno.Error(), func(t *testing.T) {
			s := startTCP(t, &hooks{traffic: echoTraffic})
			var failing atomic.Bool
			var calls atomic.Int32
			failing.Store(true)
			defer socket.SetFault(func(op socket.Op, fd int) syscall.Errno {
				if op == socket.OpAccept && failing.Load() {
					calls.Add(1)
					return errno
				}
				return 0
			})()
			c := s.dial(t) // waits in the backlog while accept fails
			waitFor(t, waitTimeout, "a failing accept", func() bool { return calls.Load() > 0 })
			// Watch for 400ms: a spinning acceptor would try thousands of times; the
			// 100ms pause allows a handful.
			watch := time.NewTimer(400 * time.Millisecond)
			<-watch.C
			if n := calls.Load(); n > 20 {
				t.Fatalf("%d accept attempts in 400ms: the acceptor spins", n)
			}
			failing.Store(false)
			if err := echoRoundTrips(c, [][]byte{[]byte("served after " + errno.Error())}); err != nil {
				t.Fatalf("the pending connection was never served: %v", err)
			}
		})
	}
}

// serverFd records the descriptor of the server side of the first conn.
func serverFdHooks() (*hooks, *atomic.Int64, chan error) {
	var fd atomic.Int64
	fd.Store(-1)
	closed := make(chan error, 4)
	return &hooks{
		open:    func(c gnet.Conn) ([]byte, gnet.Action) { fd.Store(int64(c.Fd())); return nil, gnet.None },
		traffic: echoTraffic,
		close:   func(_ gnet.Conn, err error) gnet.Action { closed <- err; return gnet.None },
	}, &fd, closed
}

// dialServerFd starts a server with hooks from serverFdHooks, connects to it and
// waits until OnOpen has published the server side's descriptor.
func dialServerFd(t testing.TB, h *hooks, fd *atomic.Int64) net.Conn {
	t.Helper()
	c := startTCP(t, h).dial(t)
	waitFor(t, waitTimeout, "OnOpen", func() bool { return fd.Load() >= 0 })
	return c
}

// TestInjectedReadErrors: EINTR is retried transparently; ECONNRESET closes the conn
// with that error, exactly once.
func TestInjectedReadErrors(t *testing.T) {
	h, fd, closed := serverFdHooks()
	c := dialServerFd(t, h, fd)
	var interrupts, resets atomic.Int32
	var reset atomic.Bool
	defer socket.SetFault(func(op socket.Op, f int) syscall.Errno {
		if op != socket.OpRead || int64(f) != fd.Load() {
			return 0
		}
		if reset.Load() {
			resets.Add(1)
			return syscall.ECONNRESET
		}
		if interrupts.Add(1) <= 3 {
			return syscall.EINTR
		}
		return 0
	})()
	if err := echoRoundTrips(c, [][]byte{[]byte("through three EINTRs")}); err != nil {
		t.Fatal(err)
	}
	reset.Store(true)
	write(t, c, "this read fails")
	if err := recv(t, closed, waitTimeout, "OnClose after ECONNRESET"); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("OnClose error %v, want ECONNRESET", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("a second OnClose: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestInjectedWriteErrors: EAGAIN leaves the bytes queued until the socket takes
// them (nothing lost); EPIPE closes the conn with that error, exactly once.
func TestInjectedWriteErrors(t *testing.T) {
	h, fd, closed := serverFdHooks()
	c := dialServerFd(t, h, fd)
	var busy atomic.Int32
	var broken atomic.Bool
	defer socket.SetFault(func(op socket.Op, f int) syscall.Errno {
		if op != socket.OpWrite || int64(f) != fd.Load() {
			return 0
		}
		if broken.Load() {
			return syscall.EPIPE
		}
		if busy.Add(1) <= 5 {
			return syscall.EAGAIN
		}
		return 0
	})()
	msg := payload(5, 300<<10)
	if err := echoRoundTrips(c, [][]byte{msg}); err != nil {
		t.Fatalf("echo through five EAGAINs: %v", err)
	}
	if busy.Load() < 5 {
		t.Fatalf("only %d writes were attempted", busy.Load())
	}
	broken.Store(true)
	write(t, c, "the reply cannot be written")
	if err := recv(t, closed, waitTimeout, "OnClose after EPIPE"); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("OnClose error %v, want EPIPE", err)
	}
	var buf [1]byte
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := c.Read(buf[:]); err == nil {
		t.Fatalf("the client read %d bytes from a conn closed on EPIPE", n)
	}
}

// TestInjectedErrorOnDirectWrite: a large Write with nothing queued goes to the
// socket at once (nothing is left buffered); when that write fails with EPIPE, the
// bytes are queued, Write still succeeds, and the conn closes with EPIPE after the
// callback, as a failed flush of queued bytes does.
func TestInjectedErrorOnDirectWrite(t *testing.T) {
	h, fd, closed := serverFdHooks()
	wrote := make(chan string, 2)
	h.traffic = func(c gnet.Conn) gnet.Action {
		if c.InboundBuffered() < 4<<10 {
			return gnet.None // one Write per whole message
		}
		buf, _ := c.Next(-1)
		n, err := c.Write(buf)
		wrote <- fmt.Sprint(n, " ", err, " buffered ", c.OutboundBuffered())
		return gnet.None
	}
	c := dialServerFd(t, h, fd)
	var broken atomic.Bool
	var failed atomic.Int32
	defer socket.SetFault(func(op socket.Op, f int) syscall.Errno {
		if op != socket.OpWrite || int64(f) != fd.Load() || !broken.Load() {
			return 0
		}
		failed.Add(1)
		return syscall.EPIPE
	})()
	msg := payload(7, 4<<10)
	if err := echoRoundTrips(c, [][]byte{msg}); err != nil {
		t.Fatalf("echo: %v", err)
	}
	if got, want := recv(t, wrote, waitTimeout, "Write"), "4096 <nil> buffered 0"; got != want {
		t.Fatalf("healthy Write: %s, want %s", got, want)
	}
	broken.Store(true)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if got, want := recv(t, wrote, waitTimeout, "Write"), "4096 <nil> buffered 4096"; got != want {
		t.Fatalf("Write meeting EPIPE: %s, want %s", got, want)
	}
	if err := recv(t, closed, waitTimeout, "OnClose after EPIPE"); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("OnClose error %v, want EPIPE", err)
	}
	if n := failed.Load(); n < 2 {
		t.Fatalf("%d failed writes; want the direct write and the flush", n)
	}
}

// TestRegisterFailure: when the poller refuses a new connection (epoll_ctl fails,
// say ENOMEM), that connection is closed without OnOpen, the failure is logged, and
// the engine keeps serving the next one.
func TestRegisterFailure(t *testing.T) {
	logger := &countingLogger{}
	var opens atomic.Int32
	s := startTCP(t, &hooks{
		open:    func(gnet.Conn) ([]byte, gnet.Action) { opens.Add(1); return nil, gnet.None },
		traffic: echoTraffic,
	}, gnet.WithLogger(logger))
	var refuse atomic.Bool
	refuse.Store(true)
	defer poller.SetFault(func(fd int, in poller.Interest) syscall.Errno {
		if refuse.Load() {
			return syscall.ENOMEM
		}
		return 0
	})()
	victim := s.dial(t)
	victim.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := victim.Read(make([]byte, 1)); err == nil {
		t.Fatalf("a conn the poller refused read %d bytes", n)
	}
	// The client can see the close before the loop has logged why: wait for the log.
	waitFor(t, ioTimeout, "the refused registration to be logged", func() bool { return logger.errors.Load() > 0 })
	if opens.Load() != 0 {
		t.Fatalf("refused registration: OnOpen ran %d times", opens.Load())
	}
	refuse.Store(false)
	if err := echoRoundTrips(s.dial(t), [][]byte{[]byte("registered")}); err != nil {
		t.Fatal(err)
	}
}
