package reactor_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine (an event loop, a ticker, an async
// writer) outlives the tests: every engine started here is stopped by its test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
