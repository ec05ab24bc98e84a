//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Connect starts a non-blocking connection to addr over network (tcp*, udp* or
// unix). done reports whether it completed at once; otherwise the socket becomes
// writable when the outcome is known, and ConnectResult tells what it was.
func Connect(network string, addr net.Addr) (fd int, done bool, err error) {
	var (
		family, typ int
		sa          unix.Sockaddr
	)
	switch a := addr.(type) {
	case *net.TCPAddr:
		typ = unix.SOCK_STREAM
		family, sa, err = ipSockaddr(network, a.IP, a.Port, a.Zone)
	case *net.UDPAddr:
		typ = unix.SOCK_DGRAM
		family, sa, err = ipSockaddr(network, a.IP, a.Port, a.Zone)
	case *net.UnixAddr:
		typ, family, sa = unix.SOCK_STREAM, unix.AF_UNIX, &unix.SockaddrUnix{Name: a.Name}
	default:
		return -1, false, &net.AddrError{Err: "unsupported address type", Addr: addr.String()}
	}
	if err != nil {
		return -1, false, err
	}
	if sa, ok := sa.(*unix.SockaddrInet6); ok && isZero(sa.Addr[:]) {
		sa.Addr[15] = 1 // dialling the wildcard means this host, as in package net
	}
	if sa, ok := sa.(*unix.SockaddrInet4); ok && isZero(sa.Addr[:]) {
		sa.Addr = [4]byte{127, 0, 0, 1}
	}
	fd, err = sysSocket(family, typ, 0, true)
	if err != nil {
		return -1, false, os.NewSyscallError("socket", err)
	}
	if family == unix.AF_INET6 {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
	}
	for {
		err = unix.Connect(fd, sa)
		if err != unix.EINTR {
			break
		}
	}
	switch err {
	case nil:
		return fd, true, nil
	case unix.EINPROGRESS:
		return fd, false, nil
	}
	unix.Close(fd)
	return -1, false, os.NewSyscallError("connect", err)
}

// ConnectResult reports the outcome of a connection started by Connect, once the
// socket is writable.
func ConnectResult(fd int) error {
	e, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	if e != 0 {
		return os.NewSyscallError("connect", unix.Errno(e))
	}
	return nil
}

// PeerAddr returns the peer address of a connected socket.
func PeerAddr(fd int, network string) net.Addr {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return nil
	}
	a := SockaddrToAddr(network, sa)
	if network[:3] == "udp" {
		return toUDPAddr(a)
	}
	return a
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
