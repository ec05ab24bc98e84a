package reactor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

// Bounds for every wait in this package. They are generous on purpose: the suite runs
// under -race on two cores, and a bound only has to turn a hang into a failure.
const (
	bootTimeout = 5 * time.Second  // Run → OnBoot
	stopTimeout = 10 * time.Second // Engine.Stop and Run returning afterwards
	ioTimeout   = 20 * time.Second // client conn deadline
	waitTimeout = 10 * time.Second // callbacks reporting over channels
)

// hooks is an EventHandler built from optional functions; a nil function behaves like
// BuiltinEventEngine. The functions are set before the engine starts and never change.
type hooks struct {
	gnet.BuiltinEventEngine
	boot     func(eng gnet.Engine) gnet.Action
	open     func(c gnet.Conn) ([]byte, gnet.Action)
	traffic  func(c gnet.Conn) gnet.Action
	close    func(c gnet.Conn, err error) gnet.Action
	tick     func() (time.Duration, gnet.Action)
	shutdown func(eng gnet.Engine)
}

func (h *hooks) OnBoot(eng gnet.Engine) gnet.Action {
	if h.boot == nil {
		return gnet.None
	}
	return h.boot(eng)
}

func (h *hooks) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	if h.open == nil {
		return nil, gnet.None
	}
	return h.open(c)
}

func (h *hooks) OnTraffic(c gnet.Conn) gnet.Action {
	if h.traffic == nil {
		return gnet.None
	}
	return h.traffic(c)
}

func (h *hooks) OnClose(c gnet.Conn, err error) gnet.Action {
	if h.close == nil {
		return gnet.None
	}
	return h.close(c, err)
}

func (h *hooks) OnTick() (time.Duration, gnet.Action) {
	if h.tick == nil {
		return time.Second, gnet.None
	}
	return h.tick()
}

func (h *hooks) OnShutdown(eng gnet.Engine) {
	if h.shutdown != nil {
		h.shutdown(eng)
	}
}

// echoTraffic echoes everything buffered; it is the OnTraffic of most servers here.
func echoTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	_, _ = c.Write(buf)
	return gnet.None
}

// bootSignal wraps a handler and reports the Engine once OnBoot has run. With
// learnAddr it also reads the listener's bound address there, on the goroutine that
// runs the engine, so the dup never races with the engine closing its listener.
type bootSignal struct {
	gnet.EventHandler
	learnAddr bool
	booted    chan bootResult
}

type bootResult struct {
	eng  gnet.Engine
	addr string
	err  error
}

func (b *bootSignal) OnBoot(eng gnet.Engine) gnet.Action {
	action := b.EventHandler.OnBoot(eng)
	res := bootResult{eng: eng}
	if b.learnAddr {
		res.addr, res.err = boundAddr(eng)
	}
	b.booted <- res
	return action
}

// OnBackpressure forwards to the wrapped handler, so that wrapping it does not hide
// reactor's optional BackpressureHandler interface.
func (b *bootSignal) OnBackpressure(c gnet.Conn, paused bool) gnet.Action {
	if bp, ok := b.EventHandler.(gnet.BackpressureHandler); ok {
		return bp.OnBackpressure(c, paused)
	}
	return gnet.None
}

// boundAddr is the "ip:port" of the engine's only listener.
func boundAddr(eng gnet.Engine) (string, error) {
	// reactor says it (Engine.Addrs); run against gnet, the suite asks a duplicate.
	if a, ok := any(eng).(interface{ Addrs() []net.Addr }); ok {
		if addrs := a.Addrs(); len(addrs) == 1 {
			return addrs[0].String(), nil
		}
		return "", fmt.Errorf("Engine.Addrs: want one address, have %v", a.Addrs())
	}
	fd, err := eng.Dup()
	if err != nil {
		return "", fmt.Errorf("Engine.Dup: %w", err)
	}
	defer closeFD(fd)
	return sockName(fd)
}

// listenerAddr is the address of the engine's i-th listener, given to Rotate as
// network and addr: from Engine.Addrs on reactor, from a duplicate on gnet.
func listenerAddr(t testing.TB, eng gnet.Engine, i int, network, addr string) string {
	t.Helper()
	if a, ok := any(eng).(interface{ Addrs() []net.Addr }); ok {
		addrs := a.Addrs()
		if i >= len(addrs) {
			t.Fatalf("Engine.Addrs() = %v: no listener %d", addrs, i)
		}
		return addrs[i].String()
	}
	fd, err := eng.DupListener(network, addr)
	if err != nil {
		t.Fatalf("DupListener(%s, %s): %v", network, addr, err)
	}
	defer closeFD(fd)
	name, err := sockName(fd)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// testServer is an engine started by startServer or startEngine.
type testServer struct {
	eng      gnet.Engine
	network  string // "tcp" or "unix"
	addr     string // dialable address
	runErr   chan error
	returned bool // Run has returned; only touched on the test goroutine
	result   error
}

// startServer runs h on protoAddr in a goroutine, waits for OnBoot and registers a
// cleanup that stops the engine and waits for Run to return.
func startServer(t testing.TB, h gnet.EventHandler, protoAddr string, opts ...gnet.Option) *testServer {
	t.Helper()
	path, isUnix := strings.CutPrefix(protoAddr, "unix://")
	boot := &bootSignal{EventHandler: h, learnAddr: !isUnix}
	s := startBooting(t, boot, func(h gnet.EventHandler) error { return gnet.Run(h, protoAddr, opts...) })
	if isUnix {
		s.network, s.addr = "unix", path
	} else {
		s.network = "tcp"
	}
	return s
}

// startTCP is startServer on an ephemeral loopback port.
func startTCP(t testing.TB, h gnet.EventHandler, opts ...gnet.Option) *testServer {
	t.Helper()
	return startServer(t, h, "tcp://127.0.0.1:0", opts...)
}

// startEngine calls run (gnet.Run or gnet.Rotate) in a goroutine and waits for OnBoot.
func startEngine(t testing.TB, h gnet.EventHandler, run func(gnet.EventHandler) error) *testServer {
	t.Helper()
	return startBooting(t, &bootSignal{EventHandler: h}, run)
}

func startBooting(t testing.TB, boot *bootSignal, run func(gnet.EventHandler) error) *testServer {
	t.Helper()
	s := &testServer{runErr: make(chan error, 1)}
	boot.booted = make(chan bootResult, 1)
	go func() { s.runErr <- runCatchingPanic(func() error { return run(boot) }) }()
	var res bootResult
	select {
	case res = <-boot.booted:
	case err := <-s.runErr:
		t.Fatalf("Run returned before OnBoot: %v", err)
	case <-time.After(bootTimeout):
		t.Fatalf("OnBoot did not run within %v", bootTimeout)
	}
	s.eng, s.addr = res.eng, res.addr
	t.Cleanup(func() {
		if s.returned {
			return
		}
		if _, err := s.stop(t); err != nil {
			t.Errorf("Run returned %v after Engine.Stop, want nil", err)
		}
	})
	if res.err != nil {
		t.Fatalf("learning the listen address in OnBoot: %v", res.err)
	}
	return s
}

// stop calls Engine.Stop (bounded) and waits for Run to return.
func (s *testServer) stop(t testing.TB) (stopErr, runErr error) {
	t.Helper()
	stopErr = callWithin(t, stopTimeout, "Engine.Stop", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		return s.eng.Stop(ctx)
	})
	return stopErr, s.waitRun(t, stopTimeout)
}

// waitRun waits up to d for Run to return and gives its error.
func (s *testServer) waitRun(t testing.TB, d time.Duration) error {
	t.Helper()
	if !s.returned {
		select {
		case s.result = <-s.runErr:
			s.returned = true
		case <-time.After(d):
			t.Fatalf("Run did not return within %v", d)
		}
	}
	return s.result
}

// dial connects a client to s with a deadline and closes it when the test ends.
func (s *testServer) dial(t testing.TB) net.Conn {
	t.Helper()
	return dialWith(t, &net.Dialer{Timeout: ioTimeout}, s.network, s.addr)
}

func dialWith(t testing.TB, d *net.Dialer, network, addr string) net.Conn {
	t.Helper()
	conn, err := d.Dial(network, addr)
	if err != nil {
		t.Fatalf("dial %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		t.Fatalf("SetDeadline: %v", err)
	}
	return conn
}

// smallRecvBufDialer dials with a small SO_RCVBUF set before connect, so that the
// advertised window stays small and the server's writes hit EAGAIN early.
func smallRecvBufDialer(size int) *net.Dialer {
	return &net.Dialer{
		Timeout: ioTimeout,
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = setRecvBuf(fd, size)
			})
			return errors.Join(err, serr)
		},
	}
}

// unixSocketPath is a fresh socket path short enough for sun_path (108 bytes).
func unixSocketPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "x.sock")
}

// runCatchingPanic turns a panic in fn into an error, so that a broken engine fails
// one test instead of killing the test binary.
func runCatchingPanic(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn()
}

// callWithin runs fn in a goroutine and fails the test if it does not return within d.
func callWithin(t testing.TB, d time.Duration, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- runCatchingPanic(fn) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return nil
	}
}

// recv receives one value from ch or fails the test after d.
func recv[T any](t testing.TB, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s", d, what)
		var zero T
		return zero
	}
}

// waitFor polls cond until it holds or fails the test after d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// runClients runs fn(0..n-1) concurrently and reports their errors on the test goroutine.
func runClients(t testing.TB, n int, d time.Duration, fn func(i int) error) {
	t.Helper()
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- runCatchingPanic(func() error { return fn(i) }) }()
	}
	deadline := time.After(d)
	failed := 0
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				failed++
				if failed <= 5 {
					t.Errorf("client: %v", err)
				}
			}
		case <-deadline:
			t.Fatalf("clients did not finish within %v", d)
		}
	}
	if failed > 5 {
		t.Errorf("... %d clients failed in total", failed)
	}
}

// payload is n deterministic pseudo-random bytes.
func payload(seed uint64, n int) []byte {
	b := make([]byte, n)
	src := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	_, _ = src.Read(b)
	return b
}

// logUniformSize draws a size in [1, limit] whose logarithm is uniform, so that small
// and large payloads are both common.
func logUniformSize(rng *rand.Rand, limit int) int {
	n := int(math.Exp(rng.Float64() * math.Log(float64(limit))))
	return min(limit, max(1, n))
}

// echoRoundTrips writes each payload while reading its echo and compares the bytes.
func echoRoundTrips(conn net.Conn, payloads [][]byte) error {
	var got []byte
	for i, p := range payloads {
		if cap(got) < len(p) {
			got = make([]byte, len(p))
		}
		got = got[:len(p)]
		werr := make(chan error, 1)
		go func() { _, err := conn.Write(p); werr <- err }()
		_, rerr := io.ReadFull(conn, got)
		if err := <-werr; err != nil { // bounded by the conn deadline
			return fmt.Errorf("%s: payload %d (%d B): write: %w", conn.LocalAddr(), i, len(p), err)
		}
		if rerr != nil {
			return fmt.Errorf("%s: payload %d (%d B): read echo: %w", conn.LocalAddr(), i, len(p), rerr)
		}
		if off := firstDiff(got, p); off >= 0 {
			return fmt.Errorf("%s: payload %d (%d B): echo differs at offset %d", conn.LocalAddr(), i, len(p), off)
		}
	}
	return nil
}

func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// goroutineID parses the current goroutine's id from its stack header; tests use it to
// check which goroutine runs a callback.
func goroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	fields := bytes.Fields(buf[:n]) // "goroutine 123 [running]:"
	if len(fields) < 2 {
		return 0
	}
	id, _ := strconv.ParseUint(string(fields[1]), 10, 64)
	return id
}

var netpollOnce sync.Once

// checkFDLeaks records the number of open fds and, when the test ends (after the
// server's cleanup, since it must be called before startServer), asserts that the
// count came back. It must not be used by parallel tests: the count is process-wide.
func checkFDLeaks(t testing.TB) {
	t.Helper()
	netpollOnce.Do(func() { // the runtime poller's own fds live forever; create them first
		if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
			ln.Close()
		}
	})
	before := openFDs(t)
	t.Cleanup(func() {
		var now []string
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(5 * time.Second)
		for {
			if now = openFDs(t); len(now) <= len(before) {
				return
			}
			select {
			case <-tick.C:
			case <-deadline:
				t.Errorf("fd leak: %d fds open before the test, %d after Stop: before %v, after %v",
					len(before), len(now), before, now)
				return
			}
		}
	})
}

// openFDs lists the targets of /proc/self/fd entries.
func openFDs(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("read /proc/self/fd: %v", err)
	}
	fds := make([]string, 0, len(entries))
	for _, e := range entries {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		fds = append(fds, e.Name()+"->"+target)
	}
	return fds
}
