package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Accept takes one pending connection from a listener. The peer address is written
// into *from; its family tells how to read it (see AddrFromRaw).
//
// NetBSD's accept4 is paccept(2): paccept(s, name, anamelen, sigmask, flags), where a
// NULL sigmask leaves the signal mask alone and flags takes SOCK_NONBLOCK and
// SOCK_CLOEXEC as accept4 does elsewhere (accept_accept4.go).
func Accept(fd int, from *unix.RawSockaddrAny) (int, error) {
	for {
		n := uint32(unix.SizeofSockaddrAny)
		// Not RawSyscall, for the reason given in accept_accept4.go.
		r, _, e := unix.Syscall6(unix.SYS_PACCEPT, uintptr(fd), uintptr(unsafe.Pointer(from)),
			uintptr(unsafe.Pointer(&n)), 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return -1, unix.EAGAIN
		}
		return -1, os.NewSyscallError("paccept", e)
	}
}
