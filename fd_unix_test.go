//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor_test

// Descriptor helpers for the systems with unix descriptors; fd_other_test.go has the
// same helpers for the rest, where Dup has no descriptor to give.

import (
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"
)

// closeFD closes a descriptor from Engine.Dup, Engine.DupListener or Conn.Dup.
func closeFD(fd int) error { return unix.Close(fd) }

// sockName is the address a socket fd is bound to: "ip:port" or a unix path.
func sockName(fd int) (string, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", fmt.Errorf("getsockname(%d): %w", fd, err)
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port)), nil
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port)), nil
	case *unix.SockaddrUnix:
		return sa.Name, nil
	}
	return "", fmt.Errorf("getsockname(%d): unexpected address type %T", fd, sa)
}

// setRecvBuf sets SO_RCVBUF on a socket given by a syscall.RawConn's Control.
func setRecvBuf(fd uintptr, size int) error {
	return unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, size)
}
