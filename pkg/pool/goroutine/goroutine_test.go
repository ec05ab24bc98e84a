package goroutine

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjf2000/ants/v2"
	"go.uber.org/goleak"

	"github.com/reactorgo/reactor/pkg/logging"
)

// TestMain fails the run if a test leaves goroutines behind. The goroutines
// alive before the tests start (DefaultWorkerPool's and ants' own default
// pool's) are expected to outlive them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}

// newPool returns a pool from Default that is released when the test ends.
func newPool(t testing.TB) *Pool {
	t.Helper()
	p := Default()
	if p == nil {
		t.Fatal("Default returned nil")
	}
	t.Cleanup(func() {
		if err := p.ReleaseTimeout(5 * time.Second); err != nil {
			t.Errorf("releasing the pool: %v", err)
		}
	})
	return p
}

// recorder is a concurrency-safe logging.Logger that keeps error entries.
type recorder struct {
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Debugf(string, ...any) {}
func (r *recorder) Infof(string, ...any)  {}
func (r *recorder) Warnf(string, ...any)  {}
func (r *recorder) Fatalf(string, ...any) {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// recordDefault installs a recorder as the default logger for one test.
func recordDefault(t testing.TB) *recorder {
	t.Helper()
	logger, flusher := logging.GetDefaultLogger(), logging.GetDefaultFlusher()
	t.Cleanup(func() { logging.SetDefaultLoggerAndFlusher(logger, flusher) })
	rec := &recorder{}
	logging.SetDefaultLoggerAndFlusher(rec, nil)
	return rec
}

func TestConstants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		got, want any
	}{
		{"DefaultAntsPoolSize", DefaultAntsPoolSize, 262144},
		{"ExpiryDuration", ExpiryDuration, 10 * time.Second},
		{"Nonblocking", Nonblocking, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestDefaultPoolRunsTasks(t *testing.T) {
	t.Parallel()
	p := newPool(t)
	if p.Cap() != DefaultAntsPoolSize {
		t.Fatalf("Cap() = %d, want %d", p.Cap(), DefaultAntsPoolSize)
	}
	const tasks = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := make(map[int]bool)
	for i := range tasks {
		wg.Add(1)
		err := p.Submit(func() {
			defer wg.Done()
			mu.Lock()
			seen[i] = true
			mu.Unlock()
		})
		if err != nil {
			wg.Done()
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	wg.Wait()
	if len(seen) != tasks {
		t.Fatalf("%d of %d tasks ran", len(seen), tasks)
	}
}

// TestDefaultPoolDoesNotBlock shrinks a pool to one busy worker: a further
// Submit must fail at once rather than wait.
func TestDefaultPoolDoesNotBlock(t *testing.T) {
	t.Parallel()
	p := newPool(t)
	p.Tune(1)
	release := make(chan struct{})
	started := make(chan struct{})
	if err := p.Submit(func() { close(started); <-release }); err != nil {
		t.Fatal(err)
	}
	<-started
	defer close(release)

	done := make(chan error, 1)
	go func() { done <- p.Submit(func() {}) }()
	select {
	case err := <-done:
		if !errors.Is(err, ants.ErrPoolOverload) {
			t.Fatalf("Submit on a full pool = %v, want ants.ErrPoolOverload", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Submit on a full pool blocked")
	}
}

// TestPanicIsLogged is not parallel: it replaces the default logger.
func TestPanicIsLogged(t *testing.T) {
	rec := recordDefault(t)
	p := newPool(t)
	if err := p.Submit(func() { panic("kaboom") }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.snapshot()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	got := rec.snapshot()
	if len(got) != 1 || !strings.Contains(got[0], "kaboom") || !strings.Contains(got[0], "goroutine_test.go") {
		t.Fatalf("logged %q; want one entry naming the panic value and where it happened", got)
	}

	// The pool keeps working after a panic.
	ran := make(chan struct{})
	if err := p.Submit(func() { close(ran) }); err != nil {
		t.Fatal(err)
	}
	<-ran
}

// TestAntsMessagesReachDefaultLogger is not parallel: it replaces the default logger.
func TestAntsMessagesReachDefaultLogger(t *testing.T) {
	rec := recordDefault(t)
	antsLogger{}.Printf("worker %s", "gone")
	if got := rec.snapshot(); len(got) != 1 || got[0] != "worker gone" {
		t.Fatalf("logged %q, want [\"worker gone\"]", got)
	}
}

// TestDefaultWorkerPool submits nothing: a worker of the shared pool would
// idle for ExpiryDuration and be reported by goleak.
func TestDefaultWorkerPool(t *testing.T) {
	t.Parallel()
	if DefaultWorkerPool == nil || DefaultWorkerPool.IsClosed() {
		t.Fatal("DefaultWorkerPool is not an open pool")
	}
	if c := DefaultWorkerPool.Cap(); c != DefaultAntsPoolSize {
		t.Fatalf("DefaultWorkerPool.Cap() = %d, want %d", c, DefaultAntsPoolSize)
	}
}
