// Package goroutine provides the worker pool reactor programs use to move
// blocking work off their event loops. Running such work on a loop goroutine
// would stall every connection the loop serves; spawning a goroutine per task
// instead costs a stack allocation each time, which a pool of reusable
// workers (github.com/panjf2000/ants) avoids.
package goroutine

import (
	"runtime/debug"
	"time"

	"github.com/panjf2000/ants/v2"

	"github.com/reactorgo/reactor/pkg/logging"
)

const (
	// DefaultAntsPoolSize is the worker limit of pools made by Default,
	// 256Ki workers: high enough that only a runaway producer reaches it.
	DefaultAntsPoolSize = 1 << 18

	// ExpiryDuration is how long a worker may sit idle before the pool stops
	// it, so a burst does not leave its goroutines around forever.
	ExpiryDuration = 10 * time.Second

	// Nonblocking makes Submit on a full pool fail at once with
	// ants.ErrPoolOverload instead of waiting for a worker. An event loop
	// must never block, so waiting is not an option for it.
	Nonblocking = true
)

// Pool is ants' pool; an alias lets programs use the whole ants API on it.
type Pool = ants.Pool

// DefaultWorkerPool is a pool shared by the whole process, made by Default.
// It exists from program start, so its two housekeeping goroutines run even
// if it is never used.
var DefaultWorkerPool = Default()

// Default returns a new pool with DefaultAntsPoolSize workers, ExpiryDuration
// and Nonblocking. A task that panics does not take the process down: the
// panic and its stack are logged at ErrorLevel on the default logger and the
// worker is replaced. The caller owns the pool and should Release it when done.
func Default() *Pool {
	opts := ants.Options{
		ExpiryDuration: ExpiryDuration,
		Nonblocking:    Nonblocking,
		Logger:         antsLogger{},
		PanicHandler:   logPanic,
	}
	// NewPool fails only for a negative expiry or a pre-allocated pool of
	// unlimited size; neither is possible with the options above.
	p, _ := ants.NewPool(DefaultAntsPoolSize, ants.WithOptions(opts))
	return p
}

// logPanic runs in the deferred recovery of the worker whose task panicked,
// so the stack it captures still shows where the panic started.
func logPanic(v any) {
	logging.Errorf("goroutine pool: task panicked: %v\n%s", v, debug.Stack())
}

// antsLogger routes ants' own messages to the default logger, looking it up
// on each call so that SetDefaultLoggerAndFlusher also covers pools made
// before it was called, DefaultWorkerPool included. ants only uses its logger
// to report failures, hence ErrorLevel.
type antsLogger struct{}

// Printf implements ants.Logger.
func (antsLogger) Printf(format string, args ...any) {
	logging.Errorf(format, args...)
}
