//go:build linux || netbsd

package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvmmsg(2) and sendmmsg(2) move a batch of datagrams per system call. Linux and
// NetBSD (since 7.0) have them with the same signature and the same struct mmsghdr;
// golang.org/x/sys/unix has their numbers for both and for no other system here.

// Recvmmsg receives up to len(msgs) datagrams without blocking.
func Recvmmsg(fd int, msgs []Mmsghdr) (int, error) {
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&msgs[0])),
			uintptr(len(msgs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("recvmmsg", e)
	}
}

// Sendmmsg sends the datagrams described by msgs, returning how many went out.
func Sendmmsg(fd int, msgs []Mmsghdr) (int, error) {
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(fd), uintptr(unsafe.Pointer(&msgs[0])),
			uintptr(len(msgs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("sendmmsg", e)
	}
}
