//go:build linux && !reactor_std

package reactor_test

// Listener features of the poller backend on Linux: SO_REUSEPORT's balancing and
// SO_BINDTODEVICE. The portable backend refuses WithBindToDevice and serves each
// address with one listener (see backend_std_test.go).

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

func TestUDPReusePortSpreadsOverLoops(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		loops = map[gnet.EventLoop]int{}
	)
	h := &hooks{traffic: func(c gnet.Conn) gnet.Action {
		mu.Lock()
		loops[c.EventLoop()]++
		mu.Unlock()
		return echoTraffic(c)
	}}
	s := startServer(t, h, "udp://127.0.0.1:0", gnet.WithReusePort(true), gnet.WithNumEventLoop(2))
	runClients(t, 32, 30*time.Second, func(i int) error {
		c, err := net.Dial("udp", s.addr)
		if err != nil {
			return err
		}
		defer c.Close()
		return udpRoundTrip(c, []byte(fmt.Sprint("ping ", i)))
	})
	mu.Lock()
	defer mu.Unlock()
	// The kernel hashes each source port to one of the two sockets: 32 senders all
	// landing on one has probability 2^-31.
	if len(loops) != 2 {
		t.Fatalf("datagrams from 32 senders were served by %d loops, want 2", len(loops))
	}
}

// TestBindToDevice binds the listener to the loopback interface (SO_BINDTODEVICE
// needs CAP_NET_RAW, which the test runs have as root).
func TestBindToDevice(t *testing.T) {
	t.Parallel()
	s := startTCP(t, &hooks{traffic: echoTraffic}, gnet.WithBindToDevice("lo"))
	if err := echoRoundTrips(s.dial(t), [][]byte{[]byte("bound to lo")}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- gnet.Run(&hooks{}, "tcp://127.0.0.1:0", gnet.WithBindToDevice("no-such-if0")) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run bound to a missing interface succeeded")
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run bound to a missing interface did not fail")
	}
}
