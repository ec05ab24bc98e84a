package socket

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysSocket opens a close-on-exec socket, non-blocking when nonblock is set. macOS
// has no SOCK_CLOEXEC or SOCK_NONBLOCK, so the flags are set with fcntl(2) after
// socket(2). Holding syscall.ForkLock for reading in between keeps the descriptor out
// of children started by os/exec, which forks under the write lock. This runs when
// listening or dialling, never on an event loop, so waiting for a fork is acceptable
// here (Accept, which does run on a loop, takes no lock: see io_libc.go).
func sysSocket(family, typ, proto int, nonblock bool) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, proto)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if nonblock {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}
