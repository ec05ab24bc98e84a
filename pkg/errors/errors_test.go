package errors

import (
	"strings"
	"testing"
)

// TestSentinelsAreDistinct: every sentinel is its own value with reactor's prefix, so
// errors.Is never confuses two of them.
func TestSentinelsAreDistinct(t *testing.T) {
	all := []error{ErrEmptyEngine, ErrEngineShutdown, ErrEngineInShutdown, ErrAcceptSocket,
		ErrTooManyEventLoopThreads, ErrUnsupportedProtocol, ErrUnsupportedTCPProtocol,
		ErrUnsupportedUDPProtocol, ErrUnsupportedUDSProtocol, ErrUnsupportedOp, ErrNegativeSize,
		ErrNoIPv4AddressOnInterface, ErrInvalidNetworkAddress, ErrInvalidNetConn, ErrNilRunnable,
		ErrInvalidOption, ErrConnClosed, ErrDrainTimeout, ErrIdleTimeout, ErrAsyncQueueFull,
		ErrCallbackPanic, ErrTooManyConnections}
	seen := map[string]bool{}
	for _, err := range all {
		msg := err.Error()
		if !strings.HasPrefix(msg, "reactor: ") {
			t.Errorf("%q lacks the reactor: prefix", msg)
		}
		if seen[msg] {
			t.Errorf("two sentinels say %q", msg)
		}
		seen[msg] = true
	}
}
