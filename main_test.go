package reactor_test

import (
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine (an event loop, a ticker, an async
// writer) or any file descriptor outlives the tests: every engine started here is
// stopped by its test, and everything it opened must be closed by then. Tests that
// run alone also check descriptors one by one (checkFDLeaks); parallel tests share
// the process's count, so this is where they are checked.
func TestMain(m *testing.M) {
	if takeOver != nil {
		if code, ok := takeOver(); ok {
			os.Exit(code)
		}
	}
	// The runtime opens its own poller's descriptors on first use: count after that.
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
	before := countFDs()
	code := m.Run()
	if code == 0 {
		// Closes may still be racing the end of the last test: poll, bounded.
		after := countFDs()
		tick := time.NewTicker(10 * time.Millisecond)
		deadline := time.After(5 * time.Second)
	poll:
		for after > before {
			select {
			case <-tick.C:
				after = countFDs()
			case <-deadline:
				break poll
			}
		}
		tick.Stop()
		if after > before {
			fmt.Fprintf(os.Stderr, "file descriptors leaked: %d open before the tests, %d after\n", before, after)
			code = 1
		}
	}
	if code != 0 {
		os.Exit(code)
	}
	goleak.VerifyTestMain(exitCode(0))
}

// takeOver, when a platform's test file sets it, may run this process as something
// else: on Linux, the client process of TestManyConnections.
var takeOver func() (code int, ok bool)

// exitCode lets goleak.VerifyTestMain run its check after the tests already ran.
type exitCode int

func (c exitCode) Run() int { return int(c) }

func countFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}
