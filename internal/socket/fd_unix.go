//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"os"

	"golang.org/x/sys/unix"
)

// MaxIovecs is the kernel's IOV_MAX: 1024 on Linux and in <sys/syslimits.h> or
// <limits.h> of macOS and each BSD.
const MaxIovecs = 1024

// Close closes fd.
func Close(fd int) error {
	if err := unix.Close(fd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// Dup returns a close-on-exec duplicate of fd.
func Dup(fd int) (int, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("fcntl", err)
	}
	return nfd, nil
}

// ShutdownWrite sends FIN after whatever the socket still has queued.
func ShutdownWrite(fd int) error {
	if err := unix.Shutdown(fd, unix.SHUT_WR); err != nil {
		return os.NewSyscallError("shutdown", err)
	}
	return nil
}
