package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/reactorgo/reactor/examples/internal/extest"
)

// TestMain fails the package if a goroutine (an event loop, a client's reader)
// outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The shared harness, under the names these tests use.
var (
	startServer = extest.StartServer
	run         = extest.Run
	mustRun     = extest.MustRun
)

const (
	bootTimeout   = extest.BootTimeout
	stopTimeout   = extest.StopTimeout
	clientTimeout = extest.ClientTimeout
)
