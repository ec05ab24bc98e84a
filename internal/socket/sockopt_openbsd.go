package socket

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/pkg/errors"
)

// OpenBSD counts SO_LINGER in seconds (setsockopt(2)).
const soLinger = unix.SO_LINGER

func lingerSeconds(secs int) int32 { return int32(secs) }

// setKeepAlivePeriods fails: OpenBSD has no per-socket keep-alive times, only the
// system-wide sysctls net.inet.tcp.keepidle and net.inet.tcp.keepintvl (tcp(4)).
// SO_KEEPALIVE itself is set by then and works with the system's times.
func setKeepAlivePeriods(int, time.Duration, time.Duration, int) error {
	return fmt.Errorf("socket: per-socket TCP keep-alive times (OpenBSD has only the net.inet.tcp.keepidle sysctl): %w", errors.ErrUnsupportedOp)
}
