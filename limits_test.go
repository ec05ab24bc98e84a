package reactor_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// TestWaterMarksPauseReading: a client that sends without reading makes an echo
// server's queued output pass the high mark; the server stops reading (so its queue
// stays bounded and the client's writes block on the TCP window) until the client
// reads, and a BackpressureHandler hears of both changes.
func TestWaterMarksPauseReading(t *testing.T) {
	t.Parallel()
	const low, high = 64 << 10, 256 << 10
	var maxQueued atomic.Int64
	events := make(chan bool, 16)
	h := &backpressureHooks{hooks: hooks{traffic: func(c gnet.Conn) gnet.Action {
		echoTraffic(c)
		if n := int64(c.OutboundBuffered()); n > maxQueued.Load() {
			maxQueued.Store(n)
		}
		return gnet.None
	}}, events: events}
	s := startTCP(t, h, gnet.WithWriteBufferWaterMarks(low, high), gnet.WithSocketSendBuffer(64<<10))
	c := s.dial(t)
	// Write until the window closes: the server has stopped reading.
	chunk := make([]byte, 64<<10)
	sent := 0
	c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	for {
		n, err := c.Write(chunk)
		sent += n
		if err != nil {
			break
		}
		if sent > 256<<20 {
			t.Fatal("256 MiB went in without the server pausing")
		}
	}
	if !recv(t, events, waitTimeout, "OnBackpressure(paused)") {
		t.Fatal("first OnBackpressure reported paused=false")
	}
	if q := maxQueued.Load(); q > high+int64(gnet.MaxStreamBufferCap) {
		t.Fatalf("queued output reached %d bytes, want at most high + one read (%d)", q, high+gnet.MaxStreamBufferCap)
	}
	// Read everything back: the server resumes and echoes all that was sent.
	c.SetDeadline(time.Now().Add(ioTimeout))
	go func() { c.Write(chunk[:1]) }() // wake the loop's read side after the resume
	got, err := io.ReadAtLeast(c, make([]byte, sent+1), sent)
	if err != nil || got < sent {
		t.Fatalf("read back %d of %d bytes: %v", got, sent, err)
	}
	if recv(t, events, waitTimeout, "OnBackpressure(resumed)") {
		t.Fatal("second OnBackpressure reported paused=true")
	}
}

type backpressureHooks struct {
	hooks
	events chan bool
}

func (h *backpressureHooks) OnBackpressure(_ gnet.Conn, paused bool) gnet.Action {
	select {
	case h.events <- paused:
	default:
	}
	return gnet.None
}

// TestMaxInboundBuffered: a handler that does not consume keeps at most the limit
// plus one read buffered; the peer is held back, and Wake resumes reading.
func TestMaxInboundBuffered(t *testing.T) {
	t.Parallel()
	const limit = 128 << 10
	var (
		consume   atomic.Bool
		maxUnread atomic.Int64
		conns     = make(chan gnet.Conn, 1)
		received  atomic.Int64
	)
	h := &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) { conns <- c; return nil, gnet.None },
		traffic: func(c gnet.Conn) gnet.Action {
			if n := int64(c.InboundBuffered()); n > maxUnread.Load() {
				maxUnread.Store(n)
			}
			if consume.Load() {
				n, _ := c.Discard(-1)
				received.Add(int64(n))
			}
			return gnet.None
		},
	}
	s := startTCP(t, h, gnet.WithMaxInboundBuffered(limit), gnet.WithSocketRecvBuffer(32<<10))
	c := s.dial(t)
	sc := recv(t, conns, waitTimeout, "OnOpen")
	const total = 16 << 20
	writeDone := make(chan int, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(ioTimeout))
		n, _ := c.Write(make([]byte, total))
		writeDone <- n
	}()
	select {
	case n := <-writeDone:
		t.Fatalf("the client wrote all %d bytes to a server that is not reading", n)
	case <-time.After(300 * time.Millisecond):
	}
	if m := maxUnread.Load(); m > limit+int64(gnet.MaxStreamBufferCap) {
		t.Fatalf("server buffered %d unread bytes, want at most %d", m, limit+gnet.MaxStreamBufferCap)
	}
	consume.Store(true)
	sc.Wake(nil)
	if n := recv(t, writeDone, ioTimeout, "the client's write after the resume"); n != total {
		t.Fatalf("client wrote %d of %d", n, total)
	}
	waitFor(t, waitTimeout, "every byte consumed", func() bool { return received.Load() == total })
}

// TestAsyncWriteLimit fills a loop's async queue while the loop is busy, then checks
// the error and that everything accepted is delivered.
func TestAsyncWriteLimit(t *testing.T) {
	t.Parallel()
	conns := make(chan gnet.Conn, 1)
	h := &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) { conns <- c; return nil, gnet.None }}
	s := startTCP(t, h, gnet.WithAsyncWriteLimit(1<<20))
	c := s.dial(t)
	sc := recv(t, conns, waitTimeout, "OnOpen")
	release := make(chan struct{})
	sc.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		<-release // hold the loop so the queue fills (a test only: never block a loop)
		return nil
	}))
	chunk := make([]byte, 400<<10)
	var accepted int
	var fullErr error
	for range 4 {
		if err := sc.AsyncWrite(chunk, nil); err != nil {
			fullErr = err
			break
		}
		accepted += len(chunk)
	}
	close(release)
	if !errors.Is(fullErr, rerrors.ErrAsyncQueueFull) || accepted != 800<<10 {
		t.Fatalf("after %d bytes accepted: %v, want ErrAsyncQueueFull after 800 KiB", accepted, fullErr)
	}
	if _, err := io.ReadFull(c, make([]byte, accepted)); err != nil {
		t.Fatalf("reading what was accepted: %v", err)
	}
	if err := sc.AsyncWrite(chunk, nil); err != nil {
		t.Fatalf("AsyncWrite after the queue drained: %v", err)
	}
}

// TestStopDrainBoundedByContext: Stop waits for drains only as long as its context.
func TestStopDrainBoundedByContext(t *testing.T) {
	t.Parallel()
	opened := make(chan struct{}, 1)
	h := &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) {
		c.Write(make([]byte, 32<<20)) // the client never reads it
		opened <- struct{}{}
		return nil, gnet.None
	}}
	closed := closeRecorder(h)
	s := startTCP(t, h, gnet.WithDrainTimeout(time.Minute))
	s.dial(t)
	recv(t, opened, waitTimeout, "OnOpen")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.eng.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop: %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Stop took %v with a 200ms context", d)
	}
	if err := recv(t, closed, waitTimeout, "OnClose of the draining conn"); !errors.Is(err, rerrors.ErrDrainTimeout) {
		t.Fatalf("OnClose error %v, want ErrDrainTimeout", err)
	}
	if err := s.waitRun(t, waitTimeout); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestProxyHeapStaysBounded forwards bytes from a fast sender to a slow reader
// through a proxy-like handler using water marks, the inbound limit and
// OnBackpressure, and samples the heap: it must stay under a fixed bound however
// much is forwarded.
func TestProxyHeapStaysBounded(t *testing.T) {
	total := int64(1 << 30)
	if raceEnabled || testing.Short() {
		total = 128 << 20
	}
	h := &forwarder{}
	s := startTCP(t, h, gnet.WithWriteBufferWaterMarks(256<<10, 1<<20), gnet.WithMaxInboundBuffered(1<<20))
	sender, reader := s.dial(t), s.dial(t) // the first conn is the sender
	sender.SetDeadline(time.Now().Add(2 * time.Minute))
	reader.SetDeadline(time.Now().Add(2 * time.Minute))

	// Measure growth over a baseline taken after a collection, so garbage that other
	// tests left behind does not count.
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	runtime.GC()
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // heap sampler
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if v := sample[0].Value.Uint64() - min(base, sample[0].Value.Uint64()); v > peak.Load() {
				peak.Store(v)
			}
		}
	}()
	go func() { // fast sender
		defer wg.Done()
		chunk := make([]byte, 256<<10)
		for sent := int64(0); sent < total; sent += int64(len(chunk)) {
			if _, err := sender.Write(chunk); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32<<10) // slow reader: small reads
	var got int64
	for got < total {
		n, err := reader.Read(buf)
		got += int64(n)
		if err != nil {
			t.Fatalf("reader got %d of %d bytes: %v", got, total, err)
		}
	}
	close(stop)
	wg.Wait()
	const bound = 32 << 20
	if p := peak.Load(); p > bound {
		t.Fatalf("heap grew by %d MiB while forwarding %d MiB, want under %d MiB", p>>20, total>>20, bound>>20)
	}
	t.Logf("forwarded %d MiB; heap grew by at most %.1f MiB", total>>20, float64(peak.Load())/(1<<20))
}

// forwarder pairs the first two conns: everything the first sends goes to the second.
// When the second's queue passes the high mark, the first is left unread (the
// inbound limit then stops reading it); when it drains, the first is woken.
type forwarder struct {
	gnet.BuiltinEventEngine
	mu       sync.Mutex // only OnOpen runs before both exist; one loop serves both
	from, to gnet.Conn
	paused   bool
}

func (f *forwarder) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.from == nil {
		f.from = c
	} else {
		f.to = c
		f.from.Wake(nil)
	}
	return nil, gnet.None
}

func (f *forwarder) OnTraffic(c gnet.Conn) gnet.Action {
	f.mu.Lock()
	from, to, paused := f.from, f.to, f.paused
	f.mu.Unlock()
	if c != from || to == nil || paused {
		return gnet.None
	}
	buf, _ := c.Next(-1)
	to.Write(buf)
	return gnet.None
}

func (f *forwarder) OnBackpressure(c gnet.Conn, paused bool) gnet.Action {
	f.mu.Lock()
	f.paused = paused
	from := f.from
	f.mu.Unlock()
	if !paused {
		from.Wake(nil)
	}
	return gnet.None
}
