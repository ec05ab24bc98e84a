//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package extest

import (
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"
)

// closeFD closes a descriptor from Engine.Dup.
func closeFD(fd int) error { return unix.Close(fd) }

// ipSockName is the "ip:port" a socket fd is bound to.
func ipSockName(fd int) (string, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port)), nil
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port)), nil
	}
	return "", fmt.Errorf("listener bound to a %T, want an IP address", sa)
}
