//go:build linux

package reactor_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// raiseFileLimit lifts the soft descriptor limit towards want, as a load test of many
// connections must, and reports what it got.
func raiseFileLimit(t testing.TB, want uint64) uint64 {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	old := lim
	if want > lim.Max { // root may raise the hard limit too (CAP_SYS_RESOURCE)
		raised := syscall.Rlimit{Cur: want, Max: want}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
			return want
		}
	}
	lim.Cur = min(max(lim.Cur, want), lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
	return lim.Cur
}

func heapBytes() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestManyConnections holds 10,000 concurrent connections (2,000 under the race
// detector) on two loops, opened by a client process of its own (this test binary
// re-executed), so that this process holds only the server side: the heap it reports
// per idle connection is the server's. While all are open a sample of 500 echoes
// correctly; then the client exits and the count returns to zero.
func TestManyConnections(t *testing.T) {
	n := 10000
	if raceEnabled {
		n = 2000
	}
	if got := raiseFileLimit(t, uint64(n+1000)); got < uint64(n+200) {
		t.Fatalf("need %d descriptors for %d connections, the hard limit allows %d", n+200, n, got)
	}
	s := startTCP(t, &hooks{traffic: echoTraffic}, gnet.WithNumEventLoop(2), gnet.WithLoadBalancing(gnet.LeastConnections))
	before := heapBytes()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), loadClientEnv+"="+s.addr, fmt.Sprintf("%s=%d", loadCountEnv, n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	expect := func(want string) {
		t.Helper()
		if !lines.Scan() || lines.Text() != want {
			t.Fatalf("client process said %q (%v), want %q", lines.Text(), lines.Err(), want)
		}
	}
	expect("open")
	waitFor(t, 60*time.Second, "every connection open on the server", func() bool { return s.eng.CountConnections() == n })
	after := heapBytes()
	t.Logf("%d idle connections: server heap %.0f bytes per connection", n, float64(after-min(before, after))/float64(n))
	fmt.Fprintln(stdin, "echo")
	expect("echoed")
	stdin.Close() // the client closes everything and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client process: %v", err)
	}
	waitFor(t, 60*time.Second, "every connection closed on the server", func() bool { return s.eng.CountConnections() == 0 })
}

func init() {
	takeOver = func() (int, bool) {
		if addr := os.Getenv(loadClientEnv); addr != "" {
			return loadClient(addr), true
		}
		return 0, false
	}
}

const (
	loadClientEnv = "REACTOR_TEST_LOAD_CLIENT" // the server address, in the client process
	loadCountEnv  = "REACTOR_TEST_LOAD_CONNS"
)

// loadClient is the client process of TestManyConnections: it opens the
// connections, says "open", echoes on a sample when told "echo" and says "echoed",
// and closes everything when its standard input ends. It returns the exit status.
func loadClient(addr string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "load client:", err); return 1 }
	n, err := strconv.Atoi(os.Getenv(loadCountEnv))
	if err != nil {
		return fail(err)
	}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	d := net.Dialer{Timeout: 30 * time.Second}
	for range n {
		c, err := d.Dial("tcp", addr)
		if err != nil {
			return fail(err)
		}
		conns = append(conns, c)
	}
	fmt.Println("open")
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() || in.Text() != "echo" {
		return fail(errors.New("no echo command"))
	}
	var wg sync.WaitGroup
	var failed atomic.Value
	for i, idx := range rand.Perm(n)[:500] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := conns[idx]
			c.SetDeadline(time.Now().Add(30 * time.Second))
			if err := echoRoundTrips(c, [][]byte{payload(uint64(i), 1+i*13)}); err != nil {
				failed.Store(err)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return fail(err)
	}
	fmt.Println("echoed")
	for in.Scan() { // wait for the parent to close our input
	}
	return 0
}

// TestStopWhileStreaming stops the engine while 500 connections (100 under the race
// detector) each receive 256 KiB: every byte the server queued before Stop arrives,
// or its loss is reported to OnClose.
func TestStopWhileStreaming(t *testing.T) {
	n := 500
	if raceEnabled {
		n = 100
	}
	raiseFileLimit(t, uint64(2*n+500))
	const size = 256 << 10
	data := payload(77, size)
	var opened, lossReported atomic.Int32
	h := &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) {
			opened.Add(1)
			c.Write(data)
			return nil, gnet.None
		},
		close: func(_ gnet.Conn, err error) gnet.Action {
			if errors.Is(err, rerrors.ErrDrainTimeout) {
				lossReported.Add(1)
			}
			return gnet.None
		},
	}
	s := startTCP(t, h, gnet.WithNumEventLoop(2), gnet.WithDrainTimeout(30*time.Second))
	var complete atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(60 * time.Second))
			got, err := io.ReadAll(c) // to EOF: the server closes after the drain
			switch {
			case err != nil:
				errs <- err
			case len(got) == size:
				complete.Add(1)
			default:
				errs <- errors.New("short stream without a reported loss")
			}
		}()
	}
	waitFor(t, 60*time.Second, "every OnOpen", func() bool { return opened.Load() == int32(n) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.eng.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	wg.Wait()
	close(errs)
	var failures []error
	for err := range errs {
		failures = append(failures, err)
	}
	if got, lost := int(complete.Load()), int(lossReported.Load()); got+lost != n || len(failures) > lost {
		t.Fatalf("%d of %d streams complete, %d losses reported, client errors %v", got, n, lost, errors.Join(failures...))
	}
}
