//go:build linux || freebsd || netbsd || dragonfly

package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The calls below go through RawSyscall: the descriptors are non-blocking, so none of
// them can block, and skipping the scheduler's blocking-syscall hand-off is a
// measurable part of the per-message cost of an event loop. Only kernels whose system
// call numbers are a stable interface qualify: macOS and OpenBSD go through libc
// (io_libc.go), and OpenBSD 7.5 and later refuse system calls made from anywhere else.
//
// They use recvfrom, sendto and sendmsg with MSG_DONTWAIT rather than read, write and
// writev, because the flag makes each call non-blocking whatever the descriptor's
// flags say. A user who duplicates a connection (Conn.Dup) and calls os.File.Fd on
// the copy puts the shared file description into blocking mode; a raw call that
// blocked then would hold its thread where the runtime cannot stop it, and with it
// the whole process.

const sendFlags = unix.MSG_DONTWAIT | unix.MSG_NOSIGNAL

// Read reads into p. It returns (0, nil) at end of stream.
func Read(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		var r uintptr
		e := injected(OpRead, fd)
		if e == 0 {
			r, _, e = unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
				unix.MSG_DONTWAIT, 0, 0)
		}
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("read", e)
	}
}

// Write writes p, returning how much the kernel took.
func Write(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		var r uintptr
		e := injected(OpWrite, fd)
		if e == 0 {
			r, _, e = unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
				sendFlags, 0, 0)
		}
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("write", e)
	}
}

// Writev writes the buffers described by iov in order. The kernel accepts at most
// MaxIovecs entries per call.
func Writev(fd int, iov []unix.Iovec) (int, error) {
	if len(iov) == 0 {
		return 0, nil
	}
	var msg unix.Msghdr
	msg.Iov = &iov[0]
	msg.SetIovlen(len(iov))
	for {
		var r uintptr
		e := injected(OpWrite, fd)
		if e == 0 {
			r, _, e = unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), sendFlags)
		}
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("writev", e)
	}
}

// SendTo sends one datagram to the raw address to (of length tolen).
func SendTo(fd int, p []byte, to *unix.RawSockaddrAny, tolen uint32) (int, error) {
	var base unsafe.Pointer
	if len(p) > 0 {
		base = unsafe.Pointer(&p[0])
	}
	for {
		r, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(base), uintptr(len(p)),
			unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(to)), uintptr(tolen))
		switch e {
		case 0:
			return int(r), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("sendto", e)
	}
}
