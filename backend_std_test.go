//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || reactor_std

package reactor_test

// What the portable backend does differently, by design (README, "Platforms").

import (
	"errors"
	"sync"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// TestStdBindToDeviceUnsupported: without raw socket options the portable backend
// cannot bind to a device, and says so instead of ignoring the option.
func TestStdBindToDeviceUnsupported(t *testing.T) {
	t.Parallel()
	done := make(chan error, 1)
	go func() { done <- gnet.Run(&hooks{}, "tcp://127.0.0.1:0", gnet.WithBindToDevice("lo")) }()
	select {
	case err := <-done:
		if !errors.Is(err, rerrors.ErrUnsupportedOp) {
			t.Fatalf("Run with WithBindToDevice: %v, want ErrUnsupportedOp", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run with WithBindToDevice did not return")
	}
}

// TestStdReusePortStillBalances: WithReusePort opens one listener here, and the load
// balancer still spreads connections over every loop.
func TestStdReusePortStillBalances(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		loops = map[gnet.EventLoop]int{}
	)
	h := &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) {
		mu.Lock()
		loops[c.EventLoop()]++
		mu.Unlock()
		return nil, gnet.None
	}, traffic: echoTraffic}
	s := startTCP(t, h, gnet.WithReusePort(true), gnet.WithNumEventLoop(2))
	runClients(t, 8, 30*time.Second, func(int) error {
		c := s.dial(t)
		defer c.Close()
		return echoRoundTrips(c, [][]byte{[]byte("hello")})
	})
	mu.Lock()
	defer mu.Unlock()
	if len(loops) != 2 || loops[nil] != 0 {
		t.Fatalf("8 conns were served by %d loops (%v), want both loops", len(loops), loops)
	}
}

// TestStdSocketAccess: on a system that has descriptors, Fd and Dup reach the
// socket under the net.Conn.
func TestStdSocketAccess(t *testing.T) {
	t.Parallel()
	type result struct {
		fd, dup int
		err     error
	}
	got := make(chan result, 1)
	s := startTCP(t, &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) {
		fd, err := c.Dup()
		got <- result{c.Fd(), fd, err}
		return nil, gnet.None
	}})
	c := s.dial(t)
	defer c.Close()
	select {
	case r := <-got:
		if r.err != nil {
			if errors.Is(r.err, rerrors.ErrUnsupportedOp) {
				return // no descriptors on this system: the documented answer
			}
			t.Fatalf("Dup: %v", r.err)
		}
		defer closeFD(r.dup)
		if r.fd < 0 || r.dup < 0 || r.fd == r.dup {
			t.Fatalf("Fd %d, Dup %d: want two distinct descriptors", r.fd, r.dup)
		}
	case <-time.After(waitTimeout):
		t.Fatal("OnOpen did not run")
	}
}
