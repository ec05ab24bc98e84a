package reactor_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// echoLoad describes the clients of one echo test.
type echoLoad struct {
	conns   int    // concurrent client conns
	perConn int    // payloads sent one after another on each conn
	maxSize int    // payload sizes are log-uniform in [1, maxSize]
	seed    uint64 // payload contents and sizes derive from it
}

// runEchoLoad dials load.conns clients to s and checks every echoed byte. The first
// conn's first payload is 1 B and the second conn's is maxSize, so both ends of the
// range are always covered.
func runEchoLoad(t testing.TB, s *testServer, load echoLoad) {
	t.Helper()
	rng := rand.New(rand.NewPCG(load.seed, 0))
	payloads := make([][][]byte, load.conns)
	for i := range payloads {
		for j := range load.perConn {
			size := logUniformSize(rng, load.maxSize)
			switch {
			case i == 0 && j == 0:
				size = 1
			case i == 1 && j == 0:
				size = load.maxSize
			}
			payloads[i] = append(payloads[i], payload(load.seed+uint64(i*load.perConn+j), size))
		}
	}
	conns := make([]net.Conn, load.conns)
	for i := range conns {
		conns[i] = s.dial(t)
	}
	runClients(t, load.conns, ioTimeout, func(i int) error {
		return echoRoundTrips(conns[i], payloads[i])
	})
}

func TestEchoMatrix(t *testing.T) {
	t.Parallel()
	layouts := []struct {
		name string
		opts []gnet.Option
	}{
		{name: "1loop"},
		{name: "multicore", opts: []gnet.Option{gnet.WithMulticore(true)}},
		{name: "4loops", opts: []gnet.Option{gnet.WithNumEventLoop(4)}},
	}
	triggers := []struct {
		name string
		opts []gnet.Option
	}{
		{name: "level"},
		{name: "edge", opts: []gnet.Option{gnet.WithEdgeTriggeredIO(true)}},
		{name: "edge-chunk4096", opts: []gnet.Option{gnet.WithEdgeTriggeredIO(true), gnet.WithEdgeTriggeredIOChunk(4096)}},
	}
	balancers := []struct {
		name string
		lb   gnet.LoadBalancing
	}{
		{name: "RoundRobin", lb: gnet.RoundRobin},
		{name: "LeastConnections", lb: gnet.LeastConnections},
		{name: "SourceAddrHash", lb: gnet.SourceAddrHash},
	}
	seed := uint64(1)
	for _, layout := range layouts {
		for _, trigger := range triggers {
			for _, balancer := range balancers {
				seed++
				load := echoLoad{conns: 12, perConn: 3, maxSize: 512 << 10, seed: seed}
				opts := append(append([]gnet.Option{gnet.WithLoadBalancing(balancer.lb)}, layout.opts...), trigger.opts...)
				t.Run(layout.name+"/"+trigger.name+"/"+balancer.name, func(t *testing.T) {
					t.Parallel()
					s := startTCP(t, &hooks{traffic: echoTraffic}, opts...)
					runEchoLoad(t, s, load)
				})
			}
		}
	}
}

// TestEchoLargePayloads is the one test with the full 1 B – 4 MiB range over 50 conns.
func TestEchoLargePayloads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []gnet.Option
	}{
		{name: "level", opts: []gnet.Option{gnet.WithMulticore(true)}},
		{name: "edge-chunk4096", opts: []gnet.Option{gnet.WithMulticore(true), gnet.WithEdgeTriggeredIOChunk(4096)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startTCP(t, &hooks{traffic: echoTraffic}, tc.opts...)
			runEchoLoad(t, s, echoLoad{conns: 50, perConn: 2, maxSize: 4 << 20, seed: 100})
		})
	}
}

// TestEchoUnix serves a unix socket like tcp, leaks no fd, and removes the socket file
// when the engine stops.
func TestEchoUnix(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []gnet.Option
	}{
		{name: "level"},
		{name: "edge-multicore", opts: []gnet.Option{gnet.WithEdgeTriggeredIO(true), gnet.WithMulticore(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkFDLeaks(t)
			path := unixSocketPath(t)
			s := startServer(t, &hooks{traffic: echoTraffic}, "unix://"+path, tc.opts...)
			runEchoLoad(t, s, echoLoad{conns: 10, perConn: 3, maxSize: 512 << 10, seed: 200})
			if _, err := s.stop(t); err != nil {
				t.Fatalf("Run returned %v after Engine.Stop, want nil", err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("socket file %s after stop: Stat error %v, want not-exist", path, err)
			}
		})
	}
}

// TestEngineCountConnections follows opens and closes.
func TestEngineCountConnections(t *testing.T) {
	t.Parallel()
	s := startTCP(t, &hooks{traffic: echoTraffic}, gnet.WithNumEventLoop(2))
	conns := make([]net.Conn, 5)
	for i := range conns {
		conns[i] = s.dial(t)
	}
	waitFor(t, waitTimeout, "CountConnections() == 5", func() bool { return s.eng.CountConnections() == 5 })
	conns[0].Close()
	conns[1].Close()
	waitFor(t, waitTimeout, "CountConnections() == 3", func() bool { return s.eng.CountConnections() == 3 })
	if err := s.eng.Validate(); err != nil {
		t.Errorf("Validate on a running engine: %v", err)
	}
	if _, err := s.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := s.eng.Validate(); err == nil {
		t.Error("Validate on a stopped engine: nil, want an error")
	}
}

// TestRunAddressErrors: bad addresses give gnet's sentinels, never a panic or a server.
func TestRunAddressErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, addr string
		want       error
	}{
		{name: "no scheme", addr: "127.0.0.1:0", want: rerrors.ErrInvalidNetworkAddress},
		{name: "empty", addr: "", want: rerrors.ErrInvalidNetworkAddress},
		{name: "tcp without host", addr: "tcp://", want: rerrors.ErrInvalidNetworkAddress},
		{name: "unix without path", addr: "unix://", want: rerrors.ErrInvalidNetworkAddress},
		{name: "quic", addr: "quic://127.0.0.1:0", want: rerrors.ErrUnsupportedProtocol},
		{name: "sctp", addr: "sctp://127.0.0.1:0", want: rerrors.ErrUnsupportedProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runExpectingError(t, tc.addr)
			if !errors.Is(err, tc.want) {
				t.Errorf("Run(%q) = %v, want an error wrapping %v", tc.addr, err, tc.want)
			}
		})
	}
}

// runExpectingError runs an engine that shuts itself down in OnBoot, so that a Run
// which wrongly accepts its arguments still returns (with nil).
func runExpectingError(t testing.TB, addr string, opts ...gnet.Option) error {
	t.Helper()
	h := &hooks{boot: func(gnet.Engine) gnet.Action { return gnet.Shutdown }}
	return callWithin(t, stopTimeout, fmt.Sprintf("Run(%q)", addr), func() error {
		return gnet.Run(h, addr, opts...)
	})
}

// TestRunWithShutdownInOnBoot: Shutdown from OnBoot makes Run return nil at once.
func TestRunWithShutdownInOnBoot(t *testing.T) {
	t.Parallel()
	start := time.Now()
	if err := runExpectingError(t, "tcp://127.0.0.1:0"); err != nil {
		t.Errorf("Run with OnBoot returning Shutdown = %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %v to honour Shutdown from OnBoot", d)
	}
}

// TestRunOptionErrors: out-of-range options give an error naming the problem, never a
// panic, a silent cap or a running engine.
func TestRunOptionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []gnet.Option
		want error
	}{
		{name: "too many loops", opts: []gnet.Option{gnet.WithNumEventLoop(gnet.MaxEventLoops + 1)}, want: rerrors.ErrTooManyEventLoopThreads},
		{name: "unknown load balancer", opts: []gnet.Option{gnet.WithLoadBalancing(gnet.LoadBalancing(42))}, want: rerrors.ErrInvalidOption},
		{name: "negative load balancer", opts: []gnet.Option{gnet.WithLoadBalancing(gnet.LoadBalancing(-1))}, want: rerrors.ErrInvalidOption},
		{name: "unknown TCPSocketOpt", opts: []gnet.Option{gnet.WithTCPNoDelay(gnet.TCPSocketOpt(7))}, want: rerrors.ErrInvalidOption},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := runExpectingError(t, "tcp://127.0.0.1:0", tc.opts...); !errors.Is(err, tc.want) {
				t.Errorf("Run = %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
}

// TestReadFromFlushNoStall: a ReadFrom+Flush that fills the socket leaves the rest
// pending and must send it as the client drains, without further events from the client.
func TestReadFromFlushNoStall(t *testing.T) {
	t.Parallel()
	type flushObs struct {
		n       int64
		err     error
		pending int
	}
	data := payload(8, 8<<20)
	flushed := make(chan flushObs, 1)
	s := startTCP(t, &hooks{traffic: afterGo(func(c gnet.Conn) gnet.Action {
		var obs flushObs
		obs.n, obs.err = c.ReadFrom(bytes.NewReader(data))
		obs.err = errors.Join(obs.err, c.Flush())
		obs.pending = c.OutboundBuffered()
		flushed <- obs
		return gnet.None
	})})
	client := dialWith(t, smallRecvBufDialer(16<<10), s.network, s.addr)
	if err := client.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	write(t, client, "go")
	obs := recv(t, flushed, waitTimeout, "ReadFrom+Flush") // the client has not read yet
	if obs.n != int64(len(data)) || obs.err != nil {
		t.Fatalf("ReadFrom+Flush = %d, %v; want %d, nil", obs.n, obs.err, len(data))
	}
	if obs.pending == 0 {
		t.Fatal("precondition: nothing pending after Flush to a client that does not read")
	}
	got := make([]byte, len(data))
	if n, err := io.ReadFull(client, got); err != nil {
		t.Fatalf("client got %d of %d bytes (%d were pending after Flush): %v", n, len(data), obs.pending, err)
	}
	if off := firstDiff(got, data); off >= 0 {
		t.Fatalf("bytes differ at offset %d", off)
	}
}

// TestWriteAfterClose: writes to a closed conn fail with ErrConnClosed, directly or
// through the AsyncWrite callback.
func TestWriteAfterClose(t *testing.T) {
	t.Parallel()
	closed := make(chan gnet.Conn, 1)
	writeErr := make(chan error, 1)
	s := startTCP(t, &hooks{close: func(c gnet.Conn, _ error) gnet.Action {
		_, err := c.Write([]byte("late"))
		writeErr <- err
		closed <- c
		return gnet.None
	}})
	s.dial(t).Close()
	c := recv(t, closed, waitTimeout, "OnClose")
	if err := recv(t, writeErr, waitTimeout, "Write in OnClose"); !errors.Is(err, rerrors.ErrConnClosed) {
		t.Errorf("Write in OnClose = %v, want ErrConnClosed", err)
	}
	for name, async := range map[string]func(cb gnet.AsyncCallback) error{
		"AsyncWrite":  func(cb gnet.AsyncCallback) error { return c.AsyncWrite([]byte("late"), cb) },
		"AsyncWritev": func(cb gnet.AsyncCallback) error { return c.AsyncWritev([][]byte{[]byte("la"), []byte("te")}, cb) },
	} {
		cbErr := make(chan error, 1)
		err := async(func(_ gnet.Conn, err error) error { cbErr <- err; return nil })
		if err == nil {
			err = recv(t, cbErr, waitTimeout, name+" callback")
		}
		if !errors.Is(err, rerrors.ErrConnClosed) {
			t.Errorf("%s after close: %v, want ErrConnClosed from the call or its callback", name, err)
		}
	}
}

// TestEngineAddrs: Addrs names every listener in the order given to Rotate, with the
// ports picked for ":0", and each name is dialable. (reactor only: gnet has no
// such method; the suite learns addresses from Dup there.)
func TestEngineAddrs(t *testing.T) {
	t.Parallel()
	protoAddrs := []string{"udp://127.0.0.1:0", "tcp://127.0.0.1:0"}
	s := startEngine(t, &hooks{traffic: echoTraffic}, func(h gnet.EventHandler) error {
		return gnet.Rotate(h, protoAddrs, gnet.WithNumEventLoop(2))
	})
	addrs := s.eng.Addrs()
	if len(addrs) != 2 {
		t.Fatalf("Addrs() = %v, want 2 addresses", addrs)
	}
	u, ok := addrs[0].(*net.UDPAddr)
	if !ok || u.Port == 0 {
		t.Fatalf("Addrs()[0] = %#v, want the UDP listener's address with its port", addrs[0])
	}
	tc, ok := addrs[1].(*net.TCPAddr)
	if !ok || tc.Port == 0 {
		t.Fatalf("Addrs()[1] = %#v, want the TCP listener's address with its port", addrs[1])
	}
	d := &net.Dialer{Timeout: ioTimeout}
	if err := echoRoundTrips(dialWith(t, d, "tcp", tc.String()), [][]byte{[]byte("over tcp")}); err != nil {
		t.Fatal(err)
	}
	if err := udpRoundTrip(dialWith(t, d, "udp", u.String()), []byte("over udp")); err != nil {
		t.Fatal(err)
	}
	if got := (gnet.Engine{}).Addrs(); got != nil {
		t.Fatalf("Addrs of an empty Engine = %v, want nil", got)
	}
}
