package reactor_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// collector is a client handler that forwards every inbound byte to a channel and
// counts opens and closes.
type collector struct {
	gnet.BuiltinEventEngine
	data            chan []byte
	opened, closed  atomic.Int32
	booted, stopped atomic.Bool
}

func newCollector() *collector { return &collector{data: make(chan []byte, 1024)} }

func (h *collector) OnBoot(gnet.Engine) gnet.Action { h.booted.Store(true); return gnet.None }
func (h *collector) OnShutdown(gnet.Engine)         { h.stopped.Store(true) }
func (h *collector) OnOpen(gnet.Conn) ([]byte, gnet.Action) {
	h.opened.Add(1)
	return nil, gnet.None
}
func (h *collector) OnClose(gnet.Conn, error) gnet.Action { h.closed.Add(1); return gnet.None }
func (h *collector) OnTraffic(c gnet.Conn) gnet.Action {
	b, _ := c.Next(-1)
	h.data <- bytes.Clone(b)
	return gnet.None
}

// readAll gathers n bytes from the collector.
func (h *collector) readAll(t testing.TB, n int) []byte {
	t.Helper()
	var got []byte
	for len(got) < n {
		got = append(got, recv(t, h.data, waitTimeout, "client OnTraffic")...)
	}
	return got
}

func startClient(t testing.TB, h gnet.EventHandler, opts ...gnet.Option) *gnet.Client {
	t.Helper()
	cli, err := gnet.NewClient(h, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if err := cli.Start(); err != nil {
		t.Fatalf("Client.Start: %v", err)
	}
	t.Cleanup(func() {
		callWithin(t, stopTimeout, "Client.Stop", func() error { cli.Stop(); return nil })
	})
	return cli
}

func TestClientDialEcho(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, proto string }{
		{"tcp", "tcp://127.0.0.1:0"}, {"udp", "udp://127.0.0.1:0"}, {"unix", "unix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proto, network := tc.proto, tc.name
			if tc.name == "unix" {
				proto = "unix://" + unixSocketPath(t)
			}
			s := startServer(t, &hooks{traffic: echoTraffic}, proto)
			addr := s.addr
			h := newCollector()
			cli := startClient(t, h, gnet.WithNumEventLoop(2))
			c, err := cli.DialContext(network, addr, "my context")
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			if got := h.opened.Load(); got != 1 {
				t.Fatalf("Dial returned before OnOpen (opened=%d)", got)
			}
			msg := payload(7, 1000)
			done := make(chan error, 1)
			if err := c.AsyncWrite(msg, func(c gnet.Conn, err error) error {
				if c.Context() != "my context" {
					err = errors.Join(err, errors.New("context not set by DialContext"))
				}
				done <- err
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := recv(t, done, waitTimeout, "AsyncWrite callback"); err != nil {
				t.Fatal(err)
			}
			if got := h.readAll(t, len(msg)); !bytes.Equal(got, msg) {
				t.Fatalf("echo differs at %d", firstDiff(got, msg))
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, waitTimeout, "OnClose of the client conn", func() bool { return h.closed.Load() == 1 })
		})
	}
}

func TestClientDialErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	h := newCollector()
	cli := startClient(t, h)
	_, err = cli.Dial("tcp", closedAddr)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial to a closed port: %v, want ECONNREFUSED", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		t.Fatalf("Dial error %T is not a dial *net.OpError", err)
	}
	if _, err := cli.Dial("tcp", "no-port"); err == nil {
		t.Fatal("Dial to an address without a port succeeded")
	}
	if _, err := cli.Dial("sctp", "127.0.0.1:1"); err == nil {
		t.Fatal("Dial over an unknown network succeeded")
	}
	if h.opened.Load() != 0 || h.closed.Load() != 0 {
		t.Fatalf("failed dials ran OnOpen %d / OnClose %d times, want 0", h.opened.Load(), h.closed.Load())
	}
}

func TestClientLifecycle(t *testing.T) {
	t.Parallel()
	s := startServer(t, &hooks{traffic: echoTraffic}, "tcp://127.0.0.1:0")
	h := newCollector()
	cli, err := gnet.NewClient(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Dial("tcp", s.addr); err == nil {
		t.Fatal("Dial before Start succeeded")
	}
	if err := cli.Start(); err != nil || !h.booted.Load() {
		t.Fatalf("Start: %v, OnBoot ran: %v", err, h.booted.Load())
	}
	for range 3 {
		if _, err := cli.Dial("tcp", s.addr); err != nil {
			t.Fatal(err)
		}
	}
	nc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := cli.EnrollContext(nc, 42)
	if err != nil || ec.Context() != 42 {
		t.Fatalf("EnrollContext: %v", err)
	}
	if err := callWithin(t, stopTimeout, "Client.Stop", cli.Stop); err != nil {
		t.Fatal(err)
	}
	if o, c := h.opened.Load(), h.closed.Load(); o != 4 || c != 4 || !h.stopped.Load() {
		t.Fatalf("after Stop: opened %d, closed %d, OnShutdown %v; want 4, 4, true", o, c, h.stopped.Load())
	}
	if err := cli.Stop(); !errors.Is(err, rerrors.ErrEngineInShutdown) {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestEngineRegisterDialsAndEnrolls(t *testing.T) {
	t.Parallel()
	backend := startServer(t, &hooks{traffic: echoTraffic}, "tcp://127.0.0.1:0")
	opened := make(chan gnet.Conn, 4)
	got := make(chan []byte, 16)
	front := startServer(t, &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) { opened <- c; return nil, gnet.None },
		traffic: func(c gnet.Conn) gnet.Action {
			b, _ := c.Next(-1)
			got <- bytes.Clone(b)
			return gnet.None
		},
	}, "tcp://127.0.0.1:0", gnet.WithLoadBalancing(gnet.LeastConnections))
	backendAddr, err := net.ResolveTCPAddr("tcp", backend.addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	nc, err := net.Dial("tcp", backend.addr)
	if err != nil {
		t.Fatal(err)
	}
	for name, rctx := range map[string]context.Context{
		"addr": gnet.NewNetAddrContext(gnet.NewContext(ctx, "dialled"), backendAddr),
		"conn": gnet.NewNetConnContext(gnet.NewContext(ctx, "enrolled"), nc),
	} {
		ch, err := front.eng.Register(rctx)
		if err != nil {
			t.Fatalf("Register(%s): %v", name, err)
		}
		res := recv(t, ch, waitTimeout, "RegisteredResult")
		if res.Err != nil {
			t.Fatalf("Register(%s) result: %v", name, res.Err)
		}
		c := recv(t, opened, waitTimeout, "OnOpen of a registered conn")
		if c != res.Conn {
			t.Fatalf("Register(%s): result conn is not the opened one", name)
		}
		c.AsyncWrite([]byte("hi "+name), nil)
		if b := recv(t, got, waitTimeout, "echo through the registered conn"); string(b) != "hi "+name {
			t.Fatalf("Register(%s) echo: %q", name, b)
		}
	}
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	ch, err := front.eng.Register(gnet.NewNetAddrContext(expired, backendAddr))
	if err == nil {
		if res := recv(t, ch, waitTimeout, "result of an expired Register"); res.Err == nil {
			// The connect may complete at once on loopback; that is a success, not a hang.
			res.Conn.Close()
		}
	}
}
