//go:build darwin || openbsd

package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// macOS and OpenBSD are called through libc, as golang.org/x/sys/unix does for them:
// their system call numbers are not a stable interface, and OpenBSD 7.5 and later
// kill a process that makes a system call from outside libc. So these functions use
// the wrappers of x/sys instead of RawSyscall (io_syscall.go). The wrappers take the
// scheduler's blocking-syscall path and, for accept and the datagram calls, convert
// addresses to unix.Sockaddr values, which allocates: a few small allocations per
// accepted connection and per datagram that Linux does not make.

// Accept takes one pending connection from a listener. The peer address is written
// into *from; its family tells how to read it (see AddrFromRaw).
//
// macOS has no accept4 (accept(2)), and x/sys does not expose OpenBSD's, so the new
// descriptor is made close-on-exec and non-blocking with fcntl(2) after accept(2).
// The race this leaves is accepted on purpose: a fork(2) on another thread between
// the two calls gives the child a copy of the connection that survives its exec, so
// closing the connection here does not close it for the peer until that child exits.
// Holding syscall.ForkLock would close the window for os/exec but could stall the
// event loop behind a slow fork; reactor's loops never wait for other goroutines.
func Accept(fd int, from *unix.RawSockaddrAny) (int, error) {
	for {
		nfd, sa, err := unix.Accept(fd)
		switch err {
		case nil:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return -1, unix.EAGAIN
		default:
			return -1, os.NewSyscallError("accept", err)
		}
		unix.CloseOnExec(nfd)
		if err := unix.SetNonblock(nfd, true); err != nil {
			unix.Close(nfd)
			return -1, os.NewSyscallError("fcntl", err)
		}
		*from = unix.RawSockaddrAny{}
		putSockaddr(sa, from)
		return nfd, nil
	}
}

// Read reads into p. It returns (0, nil) at end of stream.
func Read(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("read", err)
	}
}

// Write writes p, returning how much the kernel took.
func Write(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Write(fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("write", err)
	}
}

// writevChunk is how many buffers go to one writev: x/sys converts up to 8 [][]byte
// entries into iovecs without allocating.
const writevChunk = 8

// Writev writes the buffers described by iov in order. x/sys takes [][]byte, so the
// iovecs are turned back into slices, writevChunk at a time; a short write ends the
// call, as it would end a single writev.
func Writev(fd int, iov []unix.Iovec) (int, error) {
	var bufs [writevChunk][]byte
	total := 0
	for len(iov) > 0 {
		k, want := min(len(iov), writevChunk), 0
		for i := range k {
			bufs[i] = unsafe.Slice(iov[i].Base, iov[i].Len)
			want += len(bufs[i])
		}
		n, err := unix.Writev(fd, bufs[:k])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil && total > 0:
			return total, nil // reported by the next call
		case err == unix.EAGAIN:
			return 0, unix.EAGAIN
		case err != nil:
			return 0, os.NewSyscallError("writev", err)
		}
		total += n
		if n < want {
			break
		}
		iov = iov[k:]
	}
	return total, nil
}
