//go:build freebsd || dragonfly

package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FreeBSD's recvmmsg and sendmmsg are libc loops over recvmsg and sendmsg, not system
// calls (golang.org/x/sys/unix has no number for them), and DragonFly has neither.
// These loops do the same: each Mmsghdr's Hdr goes to the kernel as a struct msghdr,
// and Len is filled in as recvmmsg(2) would. Mmsghdr itself never reaches the kernel,
// so its layout need not match FreeBSD's struct mmsghdr (whose msg_len is a ssize_t).
// As with recvmmsg(2), an error after at least one message ends the batch early
// without being reported; the next call meets it again.

// Recvmmsg receives up to len(msgs) datagrams without blocking.
func Recvmmsg(fd int, msgs []Mmsghdr) (int, error) {
	return loopMsgs(unix.SYS_RECVMSG, "recvmsg", fd, msgs)
}

// Sendmmsg sends the datagrams described by msgs, returning how many went out.
func Sendmmsg(fd int, msgs []Mmsghdr) (int, error) {
	return loopMsgs(unix.SYS_SENDMSG, "sendmsg", fd, msgs)
}

func loopMsgs(trap uintptr, name string, fd int, msgs []Mmsghdr) (int, error) {
	for i := 0; i < len(msgs); {
		r, _, e := unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&msgs[i].Hdr)), unix.MSG_DONTWAIT)
		switch {
		case e == 0:
			msgs[i].Len = uint32(r)
			i++
			continue
		case e == unix.EINTR:
			continue
		case i > 0:
			return i, nil
		case e == unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError(name, e)
	}
	return len(msgs), nil
}
