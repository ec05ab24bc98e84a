package reactor_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine (an event loop, a ticker, an async
// writer) outlives the tests: every engine started here is stopped by its test.
// Re-executed as the client process of TestManyConnections, it runs that instead.
func TestMain(m *testing.M) {
	if addr := os.Getenv(loadClientEnv); addr != "" {
		os.Exit(loadClient(addr))
	}
	goleak.VerifyTestMain(m)
}
