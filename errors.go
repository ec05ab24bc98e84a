package reactor

import (
	"errors"
	"syscall"
)

// errIs reports whether err is, or wraps, the errno target. Socket errors arrive
// wrapped once in *os.SyscallError by the layers below.
func errIs(err error, target syscall.Errno) bool { return errors.Is(err, target) }
