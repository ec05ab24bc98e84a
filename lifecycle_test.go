package reactor_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// afterGo wraps an OnTraffic that must run once, when the client's "go" has arrived.
func afterGo(fn func(c gnet.Conn) gnet.Action) func(c gnet.Conn) gnet.Action {
	return func(c gnet.Conn) gnet.Action {
		if c.InboundBuffered() < 2 {
			return gnet.None
		}
		_, _ = c.Discard(-1)
		return fn(c)
	}
}

// readAllPaced reads until EOF like a slow consumer: at most perTick bytes each tick.
// The conn's deadline bounds it; a reset or timeout is returned as the error.
func readAllPaced(conn net.Conn, sizeHint, perTick int, pace time.Duration) ([]byte, error) {
	tick := time.NewTicker(pace)
	defer tick.Stop()
	got := make([]byte, 0, sizeHint)
	buf := make([]byte, 16<<10)
	for {
		<-tick.C // a ticker always fires; the conn deadline bounds the loop
		for budget := perTick; budget > 0; {
			n, err := conn.Read(buf[:min(len(buf), budget)])
			got = append(got, buf[:n]...)
			budget -= n
			if err == io.EOF {
				return got, nil
			}
			if err != nil {
				return got, err
			}
		}
	}
}

// TestCloseDeliversAllBytes: whatever was written before a close reaches a slow reader
// before the FIN, and OnClose then runs once with a nil error.
func TestCloseDeliversAllBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		size     int
		trigger  bool // the client sends "go", which runs traffic
		open     func(c gnet.Conn, data []byte) ([]byte, gnet.Action)
		traffic  func(c gnet.Conn, data []byte) gnet.Action
		fromTest func(c gnet.Conn, data []byte, cbErr chan<- error) error // on the test goroutine
	}{
		{name: "Write+ActionClose/64MiB", size: 64 << 20, trigger: true,
			traffic: func(c gnet.Conn, data []byte) gnet.Action { _, _ = c.Write(data); return gnet.Close }},
		{name: "Writev+Close()", size: 4 << 20, trigger: true,
			traffic: func(c gnet.Conn, data []byte) gnet.Action {
				_, _ = c.Writev([][]byte{data[:len(data)/3], data[len(data)/3:]})
				_ = c.Close()
				return gnet.None
			}},
		{name: "OnOpen-out+ActionClose", size: 1 << 20,
			open: func(_ gnet.Conn, data []byte) ([]byte, gnet.Action) { return data, gnet.Close }},
		{name: "AsyncWrite+Close", size: 4 << 20,
			fromTest: func(c gnet.Conn, data []byte, _ chan<- error) error {
				return errors.Join(c.AsyncWrite(data, nil), c.Close())
			}},
		{name: "AsyncWritev+CloseWithCallback", size: 4 << 20,
			fromTest: func(c gnet.Conn, data []byte, cbErr chan<- error) error {
				return errors.Join(c.AsyncWritev([][]byte{data[:1], data[1:]}, nil),
					c.CloseWithCallback(func(_ gnet.Conn, err error) error { cbErr <- err; return nil }))
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := payload(uint64(tc.size), tc.size)
			conns := make(chan gnet.Conn, 1)
			closeErrs := make(chan error, 2)
			h := &hooks{
				open: func(c gnet.Conn) ([]byte, gnet.Action) {
					conns <- c
					if tc.open != nil {
						return tc.open(c, data)
					}
					return nil, gnet.None
				},
				close: func(_ gnet.Conn, err error) gnet.Action { closeErrs <- err; return gnet.None },
			}
			if tc.traffic != nil {
				h.traffic = afterGo(func(c gnet.Conn) gnet.Action { return tc.traffic(c, data) })
			}
			s := startTCP(t, h)
			client := dialWith(t, smallRecvBufDialer(32<<10), s.network, s.addr)
			if err := client.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			c := recv(t, conns, waitTimeout, "OnOpen")
			cbErr := make(chan error, 1)
			if tc.trigger {
				write(t, client, "go")
			}
			if tc.fromTest != nil {
				if err := tc.fromTest(c, data, cbErr); err != nil {
					t.Fatalf("write/close from the test goroutine: %v", err)
				}
			}
			got, err := readAllPaced(client, tc.size, 256<<10, time.Millisecond)
			if err != nil || len(got) != len(data) {
				t.Fatalf("client got %d of %d bytes, then %v (want all bytes, then EOF)", len(got), len(data), err)
			}
			if off := firstDiff(got, data); off >= 0 {
				t.Fatalf("received bytes differ at offset %d", off)
			}
			if err := recv(t, closeErrs, waitTimeout, "OnClose"); err != nil {
				t.Errorf("OnClose error %v, want nil for a clean close", err)
			}
			if tc.name == "AsyncWritev+CloseWithCallback" {
				if err := recv(t, cbErr, waitTimeout, "CloseWithCallback callback"); err != nil {
					t.Errorf("CloseWithCallback callback error %v, want nil", err)
				}
			}
			s.stop(t)
			if n := len(closeErrs); n != 0 {
				t.Errorf("OnClose ran %d more times", n)
			}
		})
	}
}

// TestPeerEOFFlushesPending: when the client half-closes, the server still sends the
// echo it owes, then closes cleanly.
func TestPeerEOFFlushesPending(t *testing.T) {
	t.Parallel()
	closeErrs := make(chan error, 2)
	s := startTCP(t, &hooks{
		traffic: echoTraffic,
		close:   func(_ gnet.Conn, err error) gnet.Action { closeErrs <- err; return gnet.None },
	})
	client := dialWith(t, smallRecvBufDialer(32<<10), s.network, s.addr)
	data := payload(7, 4<<20)
	werr := make(chan error, 1)
	go func() {
		_, err := client.Write(data)
		werr <- errors.Join(err, client.(*net.TCPConn).CloseWrite())
	}()
	got, err := readAllPaced(client, len(data), 64<<10, 2*time.Millisecond)
	if err != nil || len(got) != len(data) {
		t.Fatalf("client got %d of %d echoed bytes, then %v (want all, then EOF)", len(got), len(data), err)
	}
	if off := firstDiff(got, data); off >= 0 {
		t.Fatalf("echo differs at offset %d", off)
	}
	if err := recv(t, werr, waitTimeout, "client write"); err != nil {
		t.Fatalf("client write: %v", err)
	}
	if err := recv(t, closeErrs, waitTimeout, "OnClose"); err != nil {
		t.Errorf("OnClose error %v, want nil after peer EOF", err)
	}
}

// TestCleanCloseNilError: a peer that closes after reading everything, and a local
// Close, both end in OnClose(c, nil).
func TestCleanCloseNilError(t *testing.T) {
	t.Parallel()
	closeErrs := make(chan error, 4)
	s := startTCP(t, &hooks{
		traffic: func(c gnet.Conn) gnet.Action {
			buf, _ := c.Next(-1)
			_, _ = c.Write(buf)
			if string(buf) == "bye" {
				return gnet.Close
			}
			return gnet.None
		},
		close: func(_ gnet.Conn, err error) gnet.Action { closeErrs <- err; return gnet.None },
	})
	for _, msg := range []string{"hi", "bye"} { // "hi": the peer closes; "bye": the server does
		client := s.dial(t)
		write(t, client, msg)
		if got := readString(t, client, len(msg)); got != msg {
			t.Fatalf("echo %q, want %q", got, msg)
		}
		client.Close()
		if err := recv(t, closeErrs, waitTimeout, "OnClose"); err != nil {
			t.Errorf("OnClose after %q: %v, want nil", msg, err)
		}
	}
}

// TestDrainTimeout: a close that cannot deliver within WithDrainTimeout gives up and
// reports ErrDrainTimeout to OnClose.
func TestDrainTimeout(t *testing.T) {
	t.Parallel()
	const drain = 300 * time.Millisecond
	closing := make(chan time.Time, 1)
	closed := make(chan error, 2)
	s := startTCP(t, &hooks{
		traffic: afterGo(func(c gnet.Conn) gnet.Action {
			_, _ = c.Write(make([]byte, 32<<20))
			closing <- time.Now()
			return gnet.Close
		}),
		close: func(_ gnet.Conn, err error) gnet.Action { closed <- err; return gnet.None },
	}, gnet.WithDrainTimeout(drain))
	client := dialWith(t, smallRecvBufDialer(16<<10), s.network, s.addr)
	write(t, client, "go") // and never read
	start := recv(t, closing, waitTimeout, "Action Close")
	err := recv(t, closed, waitTimeout, "OnClose")
	elapsed := time.Since(start)
	if !errors.Is(err, rerrors.ErrDrainTimeout) {
		t.Errorf("OnClose error %v, want ErrDrainTimeout", err)
	}
	if elapsed < drain-20*time.Millisecond || elapsed > drain+3*time.Second {
		t.Errorf("OnClose ran %v after Action Close, want about the %v drain timeout", elapsed, drain)
	}
}

// TestOnCloseOncePerOpenUnderResets: 200 clients reset their conns mid-stream; every
// OnOpen is matched by exactly one OnClose with a non-nil error, and no fd leaks.
func TestOnCloseOncePerOpenUnderResets(t *testing.T) {
	checkFDLeaks(t)
	const clients = 200
	var opened, closed, cleanCloses, doubleCloses atomic.Int64
	s := startTCP(t, &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) {
			opened.Add(1)
			c.SetContext(new(atomic.Int32))
			return nil, gnet.None
		},
		traffic: echoTraffic,
		close: func(c gnet.Conn, err error) gnet.Action {
			closed.Add(1)
			if n, ok := c.Context().(*atomic.Int32); !ok || n.Add(1) != 1 {
				doubleCloses.Add(1)
			}
			if err == nil {
				cleanCloses.Add(1)
			}
			return gnet.None
		},
	}, gnet.WithNumEventLoop(2))
	data := payload(9, 16<<10)
	runClients(t, clients, ioTimeout, func(int) error {
		conn, err := net.DialTimeout(s.network, s.addr, ioTimeout)
		if err != nil {
			return err
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
			return err
		}
		if _, err := conn.Write(data); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if _, err := io.ReadFull(conn, make([]byte, 1<<10)); err != nil { // mid-stream: most of the echo is unread
			return fmt.Errorf("read: %w", err)
		}
		return conn.(*net.TCPConn).SetLinger(0) // Close now sends RST
	})
	waitFor(t, waitTimeout, fmt.Sprintf("OnClose for all %d conns", clients), func() bool {
		return opened.Load() == clients && closed.Load() == clients
	})
	if _, err := s.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	if o, c, d := opened.Load(), closed.Load(), doubleCloses.Load(); o != clients || c != clients || d != 0 {
		t.Errorf("after Stop: %d OnOpen, %d OnClose (%d conns closed twice); want %d, %d, 0", o, c, d, clients, clients)
	}
	if n := cleanCloses.Load(); n != 0 {
		t.Errorf("%d of %d reset conns reached OnClose with a nil error, want a reset error", n, clients)
	}
}

// TestShutdownAction: Shutdown returned from OnTraffic or OnTick stops the engine; Run
// returns nil, OnClose runs for the open conn and OnShutdown runs once, last.
func TestShutdownAction(t *testing.T) {
	t.Parallel()
	for _, from := range []string{"OnTraffic", "OnTick"} {
		t.Run(from, func(t *testing.T) {
			t.Parallel()
			var opened, closed, shutdowns, closedAtShutdown, ticks, ticksAtShutdown atomic.Int64
			var armed atomic.Bool // set once the conn is open, so the shutdown finds it
			h := &hooks{
				open:  func(gnet.Conn) ([]byte, gnet.Action) { opened.Add(1); return nil, gnet.None },
				close: func(gnet.Conn, error) gnet.Action { closed.Add(1); return gnet.None },
				shutdown: func(gnet.Engine) {
					shutdowns.Add(1)
					closedAtShutdown.Store(closed.Load())
				},
				traffic: func(c gnet.Conn) gnet.Action {
					if from == "OnTraffic" && c.InboundBuffered() >= len("shutdown") {
						return gnet.Shutdown
					}
					return gnet.None
				},
				tick: func() (time.Duration, gnet.Action) {
					n := ticks.Add(1)
					if from == "OnTick" && armed.Load() {
						ticksAtShutdown.Store(n)
						return 10 * time.Millisecond, gnet.Shutdown
					}
					return 10 * time.Millisecond, gnet.None
				},
			}
			s := startTCP(t, h, gnet.WithTicker(true))
			client := s.dial(t)
			waitFor(t, waitTimeout, "OnOpen", func() bool { return opened.Load() == 1 })
			if from == "OnTraffic" {
				write(t, client, "shutdown")
			}
			armed.Store(true)
			if err := s.waitRun(t, stopTimeout); err != nil {
				t.Errorf("Run after Shutdown from %s = %v, want nil", from, err)
			}
			if n, c := shutdowns.Load(), closedAtShutdown.Load(); n != 1 || c != 1 {
				t.Errorf("OnShutdown ran %d times, after %d OnClose; want once, after 1", n, c)
			}
			if n, last := ticks.Load(), ticksAtShutdown.Load(); from == "OnTick" && n != last {
				t.Errorf("OnTick ran %d times after returning Shutdown, want 0", n-last)
			}
			if _, err := client.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("client read after shutdown: %v, want EOF", err)
			}
		})
	}
}

// TestEngineStop: Stop closes every conn (OnClose before OnShutdown), Run returns nil
// and nothing leaks.
func TestEngineStop(t *testing.T) {
	checkFDLeaks(t)
	var opened, closed, shutdowns, closedAtShutdown atomic.Int64
	s := startTCP(t, &hooks{
		open:     func(gnet.Conn) ([]byte, gnet.Action) { opened.Add(1); return nil, gnet.None },
		traffic:  echoTraffic,
		close:    func(gnet.Conn, error) gnet.Action { closed.Add(1); return gnet.None },
		shutdown: func(gnet.Engine) { shutdowns.Add(1); closedAtShutdown.Store(closed.Load()) },
	}, gnet.WithNumEventLoop(3))
	conns := []net.Conn{s.dial(t), s.dial(t), s.dial(t)}
	runClients(t, len(conns), ioTimeout, func(i int) error { return echoRoundTrips(conns[i], [][]byte{[]byte("ping")}) })
	stopErr, runErr := s.stop(t)
	if stopErr != nil || runErr != nil {
		t.Errorf("Engine.Stop = %v, Run = %v; want nil, nil", stopErr, runErr)
	}
	if o, n, c := opened.Load(), shutdowns.Load(), closedAtShutdown.Load(); o != 3 || n != 1 || c != 3 {
		t.Errorf("%d OnOpen; OnShutdown ran %d times after %d OnClose; want 3, once, 3", o, n, c)
	}
	for i, conn := range conns {
		if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("client %d read after Stop: %v, want EOF", i, err)
		}
	}
	if err := s.eng.Stop(context.Background()); err == nil {
		t.Error("second Engine.Stop = nil, want an error")
	}
}

// TestEngineStopIsPrompt: Stop returns as soon as the loops are down, not on a poll.
func TestEngineStopIsPrompt(t *testing.T) {
	t.Parallel()
	s := startTCP(t, &hooks{traffic: echoTraffic}, gnet.WithNumEventLoop(4))
	conn := s.dial(t)
	if err := echoRoundTrips(conn, [][]byte{[]byte("ping")}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if stopErr, runErr := s.stop(t); stopErr != nil || runErr != nil {
		t.Errorf("Engine.Stop = %v, Run = %v", stopErr, runErr)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("Engine.Stop took %v; want it to return promptly (< 250ms)", d)
	}
}

// TestGlobalStop: the deprecated gnet.Stop finds the engine by the address given to Run.
func TestGlobalStop(t *testing.T) {
	t.Parallel()
	const protoAddr = "tcp://127.0.0.77:0" // an address no other test in the package runs on
	s := startServer(t, &hooks{traffic: echoTraffic}, protoAddr)
	if err := echoRoundTrips(s.dial(t), [][]byte{[]byte("ping")}); err != nil {
		t.Fatal(err)
	}
	err := callWithin(t, stopTimeout, "gnet.Stop", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		return gnet.Stop(ctx, protoAddr)
	})
	if err != nil {
		t.Errorf("gnet.Stop(%q) = %v, want nil", protoAddr, err)
	}
	if err := s.waitRun(t, stopTimeout); err != nil {
		t.Errorf("Run after gnet.Stop = %v, want nil", err)
	}
}

// TestOnTickCadence: with WithTicker(true) OnTick fires right after start and then
// after each returned delay: 15 ticks at 20ms take about 300ms.
func TestOnTickCadence(t *testing.T) {
	t.Parallel()
	const delay, count = 20 * time.Millisecond, 15
	var ticks atomic.Int64
	var bootAt, firstTickAt atomic.Int64 // UnixNano
	startTCP(t, &hooks{
		boot: func(gnet.Engine) gnet.Action { bootAt.Store(time.Now().UnixNano()); return gnet.None },
		tick: func() (time.Duration, gnet.Action) {
			if ticks.Add(1) == 1 {
				firstTickAt.Store(time.Now().UnixNano())
			}
			return delay, gnet.None
		},
	}, gnet.WithTicker(true))
	waitFor(t, waitTimeout, "the first tick", func() bool { return ticks.Load() > 0 })
	if d := time.Duration(firstTickAt.Load() - bootAt.Load()); d > 500*time.Millisecond {
		t.Errorf("first OnTick %v after OnBoot, want it right after start", d)
	}
	start, before := time.Now(), ticks.Load()
	waitFor(t, waitTimeout, fmt.Sprintf("%d more ticks", count), func() bool { return ticks.Load()-before >= count })
	if d, want := time.Since(start), count*delay; d < want/2 || d > 5*want {
		t.Errorf("%d ticks with a %v delay took %v, want about %v", count, delay, d, want)
	}
}

// TestWriteInOnTickIsSent: OnTick runs on loop 0, so it may Write to that loop's
// conns; what it writes is sent when it returns, not with the next event.
func TestWriteInOnTickIsSent(t *testing.T) {
	t.Parallel()
	var conn atomic.Pointer[gnet.Conn] // set by OnOpen; used by OnTick on the same loop
	var wrote atomic.Bool
	s := startTCP(t, &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) { conn.Store(&c); return nil, gnet.None },
		tick: func() (time.Duration, gnet.Action) {
			if c := conn.Load(); c != nil && !wrote.Load() {
				_, _ = (*c).Write([]byte("tick"))
				wrote.Store(true)
			}
			return 5 * time.Millisecond, gnet.None
		},
	}, gnet.WithTicker(true), gnet.WithNumEventLoop(1))
	client := s.dial(t) // sends nothing: only the flush after OnTick can send "tick"
	if got := readString(t, client, 4); got != "tick" {
		t.Errorf("client read %q, want %q", got, "tick")
	}
}

// TestOnTickRunsOnEventLoop: OnTick runs on the event loop's goroutine, not on a
// hidden one, so it may share state with the other callbacks without locks.
func TestOnTickRunsOnEventLoop(t *testing.T) {
	t.Parallel()
	var loopGID, onLoop, offLoop atomic.Int64
	s := startTCP(t, &hooks{
		traffic: func(c gnet.Conn) gnet.Action {
			_, _ = c.Discard(-1)
			loopGID.Store(int64(goroutineID()))
			_, _ = c.Write([]byte("k"))
			return gnet.None
		},
		tick: func() (time.Duration, gnet.Action) {
			if gid := loopGID.Load(); gid == int64(goroutineID()) {
				onLoop.Add(1)
			} else if gid != 0 {
				offLoop.Add(1)
			}
			return 5 * time.Millisecond, gnet.None
		},
	}, gnet.WithTicker(true))
	if err := echoRoundTrips(s.dial(t), [][]byte{[]byte("k")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, waitTimeout, "3 ticks after the first OnTraffic", func() bool { return onLoop.Load()+offLoop.Load() >= 3 })
	if n := offLoop.Load(); n != 0 {
		t.Errorf("%d of %d OnTick calls ran off the event loop goroutine", n, n+onLoop.Load())
	}
}
