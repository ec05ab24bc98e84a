//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package extest

import (
	"fmt"

	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// errNoFD: on these systems Engine.Dup has no descriptor to give, so these helpers
// are never handed one.
var errNoFD = fmt.Errorf("no descriptors on this system: %w", rerrors.ErrUnsupportedOp)

// closeFD closes a descriptor from Engine.Dup.
func closeFD(fd int) error { return fmt.Errorf("close(%d): %w", fd, errNoFD) }

// ipSockName is the "ip:port" a socket fd is bound to.
func ipSockName(fd int) (string, error) {
	return "", fmt.Errorf("getsockname(%d): %w", fd, errNoFD)
}
