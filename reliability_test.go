package reactor_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
	"github.com/reactorgo/reactor/pkg/logging"
)

// countingLogger records how many lines were logged at Error and Warn level.
type countingLogger struct{ errors, warns, debugs atomic.Int32 }

func (l *countingLogger) Debugf(string, ...any) { l.debugs.Add(1) }
func (l *countingLogger) Infof(string, ...any)  {}
func (l *countingLogger) Warnf(string, ...any)  { l.warns.Add(1) }
func (l *countingLogger) Errorf(string, ...any) { l.errors.Add(1) }
func (l *countingLogger) Fatalf(string, ...any) {}

var _ logging.Logger = (*countingLogger)(nil)

// TestPanicInCallbackClosesOnlyThatConn: a panic in OnTraffic (or OnOpen, or an
// AsyncWrite callback) closes that connection with ErrCallbackPanic and is logged;
// the loop and the other connections keep working.
func TestPanicInCallbackClosesOnlyThatConn(t *testing.T) {
	t.Parallel()
	logger := &countingLogger{}
	h := &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) {
			if c.RemoteAddr().(*net.TCPAddr).IP.Equal(net.IPv4(127, 0, 0, 3)) {
				panic("OnOpen goes wrong")
			}
			return nil, gnet.None
		},
		traffic: func(c gnet.Conn) gnet.Action {
			buf, _ := c.Peek(-1)
			switch string(buf) {
			case "panic":
				panic("the handler goes wrong")
			case "async":
				c.Discard(-1)
				c.AsyncWrite([]byte("x"), func(gnet.Conn, error) error { panic("the callback goes wrong") })
				return gnet.None
			}
			return echoTraffic(c)
		},
	}
	closed := closeRecorder(h)
	s := startTCP(t, h, gnet.WithLogger(logger))
	healthy := s.dial(t)
	for _, trigger := range []string{"panic", "async"} {
		victim := s.dial(t)
		write(t, victim, trigger)
		if err := recv(t, closed, waitTimeout, "OnClose of the panicking conn"); !errors.Is(err, rerrors.ErrCallbackPanic) {
			t.Fatalf("%s: OnClose error %v, want ErrCallbackPanic", trigger, err)
		}
		io.Copy(io.Discard, victim) // the client sees the close (EOF or reset)
		if err := echoRoundTrips(healthy, [][]byte{[]byte("still served after " + trigger)}); err != nil {
			t.Fatalf("healthy conn after a %s: %v", trigger, err)
		}
	}
	victim := dialWith(t, &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 3)}, Timeout: ioTimeout}, "tcp", s.addr)
	if n, err := victim.Read(make([]byte, 1)); err == nil {
		t.Fatalf("a conn whose OnOpen panicked read %d bytes", n)
	}
	if err := echoRoundTrips(healthy, [][]byte{[]byte("and after OnOpen")}); err != nil {
		t.Fatal(err)
	}
	// A client can see its conn close before the loop has logged why.
	waitFor(t, waitTimeout, "3 panics logged at Error level", func() bool { return logger.errors.Load() >= 3 })
}

// TestPanicSparesTheRestOfTheBatch: a panic in one connection's OnTraffic must not
// cost the connections whose input came in the same batch of events their turn:
// edge-triggered, no second event would come for them.
func TestPanicSparesTheRestOfTheBatch(t *testing.T) {
	t.Parallel()
	hold, held := make(chan struct{}), make(chan struct{}, 1)
	h := &hooks{traffic: func(c gnet.Conn) gnet.Action {
		buf, _ := c.Peek(-1)
		switch string(buf) {
		case "hold": // keeps the loop busy while the next batch gathers
			c.Discard(-1)
			held <- struct{}{}
			<-hold
			return gnet.None
		case "panic":
			panic("the handler goes wrong")
		}
		return echoTraffic(c)
	}}
	s := startTCP(t, h, gnet.WithEdgeTriggeredIO(true), gnet.WithNumEventLoop(1), gnet.WithLogger(&countingLogger{}))
	blocker, victim, other := s.dial(t), s.dial(t), s.dial(t)
	for _, c := range []net.Conn{victim, other} { // both registered before the loop is held
		if err := echoRoundTrips(c, [][]byte{[]byte("open")}); err != nil {
			t.Fatal(err)
		}
	}
	write(t, blocker, "hold")
	recv(t, held, waitTimeout, "the loop to be held")
	write(t, victim, "panic") // on loopback the input is queued when write returns
	write(t, other, "spared")
	close(hold)
	other.SetReadDeadline(time.Now().Add(ioTimeout))
	got := make([]byte, len("spared"))
	if _, err := io.ReadFull(other, got); err != nil || string(got) != "spared" {
		t.Fatalf("the conn served after the panic in its batch read %q, %v", got, err)
	}
	victim.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := victim.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the panicking conn read %d bytes", n)
	}
}

// TestMaxConnections: past the limit, connections are accepted and closed at once,
// and a place frees up when a connection closes.
func TestMaxConnections(t *testing.T) {
	t.Parallel()
	logger := &countingLogger{}
	s := startTCP(t, &hooks{traffic: echoTraffic}, gnet.WithMaxConnections(3), gnet.WithNumEventLoop(2), gnet.WithLogger(logger))
	var kept []net.Conn
	for range 3 {
		c := s.dial(t)
		if err := echoRoundTrips(c, [][]byte{[]byte("in")}); err != nil {
			t.Fatalf("conn within the limit: %v", err)
		}
		kept = append(kept, c)
	}
	for range 5 {
		extra := s.dial(t)
		extra.Write([]byte("x"))
		if n, err := extra.Read(make([]byte, 1)); err == nil {
			t.Fatalf("a conn past the limit was served (%d bytes)", n)
		}
	}
	waitFor(t, waitTimeout, "the refused connections to be logged", func() bool { return logger.warns.Load() > 0 })
	kept[0].Close()
	waitFor(t, waitTimeout, "the closed conn to free its place", func() bool { return s.eng.CountConnections() == 2 })
	if err := echoRoundTrips(s.dial(t), [][]byte{[]byte("room again")}); err != nil {
		t.Fatalf("conn after one closed: %v", err)
	}
}

// TestOneByteAtATime: a peer that sends one byte per segment (TCP_NODELAY, a write
// per byte) still gets whole lines back from a line-framing handler, and the
// leftovers kept between events stay byte-exact.
func TestOneByteAtATime(t *testing.T) {
	t.Parallel()
	lineEcho := func(c gnet.Conn) gnet.Action {
		for {
			buf, _ := c.Peek(-1)
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				return gnet.None
			}
			line, _ := c.Next(i + 1)
			c.Write(line)
		}
	}
	s := startTCP(t, &hooks{traffic: lineEcho})
	c := s.dial(t)
	c.(*net.TCPConn).SetNoDelay(true)
	var want []byte
	for i := range 20 {
		want = append(want, payloadLine(i)...)
	}
	go func() {
		for _, b := range want {
			if _, err := c.Write([]byte{b}); err != nil {
				return // the reader reports it
			}
		}
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read back %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("lines differ at byte %d", firstDiff(got, want))
	}
}

// payloadLine is a line of printable bytes of varying length.
func payloadLine(i int) []byte {
	line := make([]byte, 10+i*7)
	for j := range line {
		line[j] = 'a' + byte((i+j)%26)
	}
	return append(line, '\n')
}
