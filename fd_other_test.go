//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package reactor_test

// The helpers of fd_unix_test.go for the systems without unix descriptors: there the
// portable backend's Dup methods fail with ErrUnsupportedOp, so no test gets a
// descriptor to hand to these, and each says so instead of guessing.

import (
	"fmt"

	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// errNoFD is what every descriptor helper returns on these systems.
var errNoFD = fmt.Errorf("no descriptors on this system: %w", rerrors.ErrUnsupportedOp)

// closeFD closes a descriptor from Engine.Dup, Engine.DupListener or Conn.Dup.
func closeFD(fd int) error { return fmt.Errorf("close(%d): %w", fd, errNoFD) }

// sockName is the address a socket fd is bound to: "ip:port" or a unix path.
func sockName(fd int) (string, error) { return "", fmt.Errorf("getsockname(%d): %w", fd, errNoFD) }

// setRecvBuf sets SO_RCVBUF on a socket given by a syscall.RawConn's Control.
func setRecvBuf(fd uintptr, size int) error {
	return fmt.Errorf("setsockopt(%d, SO_RCVBUF, %d): %w", fd, size, errNoFD)
}
