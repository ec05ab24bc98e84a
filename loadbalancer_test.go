package reactor_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// placement is what OnOpen/OnClose report: which loop serves which client address.
type placement struct {
	loop   gnet.EventLoop
	remote string
}

// placementServer starts an engine whose OnOpen and OnClose report placements.
func placementServer(t testing.TB, opts ...gnet.Option) (s *testServer, opens, closes <-chan placement) {
	t.Helper()
	openCh, closeCh := make(chan placement, 64), make(chan placement, 64)
	s = startTCP(t, &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) {
			openCh <- placement{loop: c.EventLoop(), remote: c.RemoteAddr().String()}
			return nil, gnet.None
		},
		close: func(c gnet.Conn, _ error) gnet.Action {
			closeCh <- placement{loop: c.EventLoop(), remote: c.RemoteAddr().String()}
			return gnet.None
		},
	}, opts...)
	return s, openCh, closeCh
}

// dialPlaced dials one client and waits for the loop the engine put it on.
func dialPlaced(t testing.TB, s *testServer, d *net.Dialer, opens <-chan placement) (net.Conn, gnet.EventLoop) {
	t.Helper()
	conn := dialWith(t, d, s.network, s.addr)
	p := recv(t, opens, waitTimeout, "OnOpen")
	if p.remote != conn.LocalAddr().String() {
		t.Fatalf("OnOpen for %s, want %s", p.remote, conn.LocalAddr())
	}
	return conn, p.loop
}

// TestRoundRobin: 8 conns over 4 loops take turns, two per loop.
func TestRoundRobin(t *testing.T) {
	t.Parallel()
	s, opens, _ := placementServer(t, gnet.WithNumEventLoop(4), gnet.WithLoadBalancing(gnet.RoundRobin))
	var loops []gnet.EventLoop
	for range 8 {
		_, el := dialPlaced(t, s, &net.Dialer{}, opens)
		loops = append(loops, el)
	}
	for i := range 4 {
		for j := range 4 {
			if same := loops[i] == loops[j]; same != (i == j) {
				t.Fatalf("conns %d and %d on the same loop: %v; want 4 distinct loops for the first 4 conns", i, j, same)
			}
		}
		if loops[i] != loops[i+4] {
			t.Errorf("conn %d and conn %d on different loops, want the same (round robin)", i, i+4)
		}
	}
}

// TestLeastConnections: after all conns of one loop close, new conns go to that loop.
func TestLeastConnections(t *testing.T) {
	t.Parallel()
	s, opens, closes := placementServer(t, gnet.WithNumEventLoop(4), gnet.WithLoadBalancing(gnet.LeastConnections))
	perLoop := map[gnet.EventLoop][]net.Conn{}
	for range 8 {
		conn, el := dialPlaced(t, s, &net.Dialer{}, opens)
		perLoop[el] = append(perLoop[el], conn)
	}
	if len(perLoop) != 4 {
		t.Fatalf("8 conns spread over %d loops, want all 4", len(perLoop))
	}
	var emptied gnet.EventLoop
	for el, conns := range perLoop {
		if len(conns) != 2 {
			t.Fatalf("a loop got %d of 8 conns, want 2 each", len(conns))
		}
		emptied = el
	}
	for _, conn := range perLoop[emptied] {
		conn.Close()
	}
	for range 2 {
		if p := recv(t, closes, waitTimeout, "OnClose"); p.loop != emptied {
			t.Fatalf("OnClose on another loop than the conn's")
		}
	}
	waitFor(t, waitTimeout, "CountConnections() == 6", func() bool { return s.eng.CountConnections() == 6 })
	for i := range 2 {
		if _, el := dialPlaced(t, s, &net.Dialer{}, opens); el != emptied {
			t.Errorf("new conn %d went to a loop with 2 conns, want the emptied loop", i)
		}
	}
}

// TestSourceAddrHashSticky: conns from one client IP always land on the same loop, for
// any source port; 8 IPs spread over more than one of 4 loops.
func TestSourceAddrHashSticky(t *testing.T) {
	t.Parallel()
	s, opens, _ := placementServer(t, gnet.WithNumEventLoop(4), gnet.WithLoadBalancing(gnet.SourceAddrHash))
	loopOf := map[string]gnet.EventLoop{}
	distinct := map[gnet.EventLoop]bool{}
	for round := range 3 {
		for host := 2; host <= 9; host++ {
			ip := fmt.Sprintf("127.0.0.%d", host)
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 0}}
			conn, el := dialPlaced(t, s, d, opens)
			if prev, seen := loopOf[ip]; seen && prev != el {
				t.Errorf("round %d: %s (port %s) on another loop than before", round, ip, conn.LocalAddr())
			}
			loopOf[ip] = el
			distinct[el] = true
			if round == 1 {
				conn.Close() // stickiness must not depend on the other conns
			}
		}
	}
	if len(distinct) < 2 {
		t.Errorf("8 client IPs all hashed to one of 4 loops")
	}
}

// TestEventLoopSchedule: Schedule runs the runnable once, on the loop, after the delay.
func TestEventLoopSchedule(t *testing.T) {
	t.Parallel()
	const delay = 100 * time.Millisecond
	loopGID := make(chan uint64, 1)
	conns := make(chan gnet.Conn, 1)
	s := startTCP(t, &hooks{traffic: func(c gnet.Conn) gnet.Action {
		_, _ = c.Discard(-1)
		loopGID <- goroutineID()
		conns <- c
		return gnet.None
	}})
	write(t, s.dial(t), "x")
	want := recv(t, loopGID, waitTimeout, "OnTraffic")
	el := recv(t, conns, waitTimeout, "conn").EventLoop()

	ran := make(chan uint64, 2)
	start := time.Now()
	if err := el.Schedule(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		ran <- goroutineID()
		return nil
	}), delay); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	if got := recv(t, ran, waitTimeout, "scheduled runnable"); got != want {
		t.Errorf("runnable ran on goroutine %d, the loop is goroutine %d", got, want)
	}
	if d := time.Since(start); d < delay-5*time.Millisecond || d > delay+2*time.Second {
		t.Errorf("runnable ran %v after Schedule, want after %v", d, delay)
	}
	select {
	case <-ran:
		t.Error("scheduled runnable ran twice")
	case <-time.After(2 * delay):
	}
	if err := el.Schedule(context.Background(), nil, delay); !errors.Is(err, rerrors.ErrNilRunnable) {
		t.Errorf("Schedule(nil) = %v, want ErrNilRunnable", err)
	}
}

// TestEventLoopExecute: Execute runs the runnable on the conn's loop goroutine.
func TestEventLoopExecute(t *testing.T) {
	t.Parallel()
	loopGID := make(chan uint64, 1)
	conns := make(chan gnet.Conn, 1)
	s := startTCP(t, &hooks{traffic: func(c gnet.Conn) gnet.Action {
		_, _ = c.Discard(-1)
		loopGID <- goroutineID()
		conns <- c
		return gnet.None
	}})
	write(t, s.dial(t), "x")
	want := recv(t, loopGID, waitTimeout, "OnTraffic")
	el := recv(t, conns, waitTimeout, "conn").EventLoop()

	ran := make(chan uint64, 1)
	if err := el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		ran <- goroutineID()
		return nil
	})); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if got := recv(t, ran, waitTimeout, "runnable"); got != want {
		t.Errorf("runnable ran on goroutine %d, the loop is goroutine %d", got, want)
	}
	if err := el.Execute(context.Background(), nil); !errors.Is(err, rerrors.ErrNilRunnable) {
		t.Errorf("Execute(nil) = %v, want ErrNilRunnable", err)
	}
}
