package goroutine_test

import (
	"time"

	"github.com/panjf2000/ants/v2"

	"github.com/reactorgo/reactor/pkg/pool/goroutine"
)

// These declarations pin the exported API to gnet v2.9.7's pkg/pool/goroutine:
// a change to any name, type or kind of declaration breaks the build.
var (
	_ func() *goroutine.Pool = goroutine.Default
	_ *ants.Pool             = (*goroutine.Pool)(nil)
	_ *goroutine.Pool        = goroutine.DefaultWorkerPool

	// Untyped constants in gnet, so they must convert to any numeric or
	// boolean type; ExpiryDuration is a typed time.Duration.
	_ int32         = goroutine.DefaultAntsPoolSize
	_ uint64        = goroutine.DefaultAntsPoolSize
	_ time.Duration = goroutine.ExpiryDuration
	_ bool          = goroutine.Nonblocking
)

// Never called: DefaultWorkerPool must stay an assignable variable.
func _() { goroutine.DefaultWorkerPool = goroutine.Default() }
