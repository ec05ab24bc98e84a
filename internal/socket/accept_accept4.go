//go:build linux || freebsd || dragonfly

package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// accept4(2) takes the flags of the new descriptor, so that it is never visible
// without close-on-exec. Linux, FreeBSD (10.0 and later) and DragonFly share its
// signature; NetBSD calls it paccept (accept_netbsd.go).

// Accept takes one pending connection from a listener. The peer address is written
// into *from; its family tells how to read it (see AddrFromRaw).
func Accept(fd int, from *unix.RawSockaddrAny) (int, error) {
	for {
		n := uint32(unix.SizeofSockaddrAny)
		// Not RawSyscall: a listener's file description can be put into blocking
		// mode from outside (os.File.Fd on a copy from Engine.Dup), and a blocked
		// accept must not hold a thread the runtime cannot stop.
		var r uintptr
		e := injected(OpAccept, fd)
		if e == 0 {
			r, _, e = unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(from)),
				uintptr(unsafe.Pointer(&n)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		}
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return -1, unix.EAGAIN
		}
		return -1, os.NewSyscallError("accept4", e)
	}
}
