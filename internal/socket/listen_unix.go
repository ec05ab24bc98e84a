//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"errors"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// ListenTCP opens a non-blocking TCP listener. address is host:port; an empty host
// listens on every interface, as in package net.
func ListenTCP(network, address string, cfg ListenConfig) (*Listener, error) {
	tcpAddr, err := net.ResolveTCPAddr(network, address)
	if err != nil {
		return nil, err
	}
	family, sa, err := ipSockaddr(network, tcpAddr.IP, tcpAddr.Port, tcpAddr.Zone)
	if err != nil {
		return nil, err
	}
	fd, err := sysSocket(family, unix.SOCK_STREAM, unix.IPPROTO_TCP, true)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if family == unix.AF_INET6 {
		// tcp6 means IPv6 only; "tcp" on a wildcard address takes both families, as net does.
		if err := setV6Only(fd, network == "tcp6"); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	ln, err := listenFd(fd, network, sa, cfg)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

// ListenUnix opens a non-blocking unix stream listener at path. A stale socket file
// (one nobody accepts on) is removed and replaced; a live one gives EADDRINUSE.
func ListenUnix(path string, cfg ListenConfig) (*Listener, error) {
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	fd, err := sysSocket(unix.AF_UNIX, unix.SOCK_STREAM, 0, true)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	cfg.ReusePort = false // not meaningful for unix sockets
	cfg.ReuseAddr = false
	ln, err := listenFd(fd, "unix", &unix.SockaddrUnix{Name: path}, cfg)
	if err != nil {
		return nil, err
	}
	ln.Path = path
	return ln, nil
}

// removeStaleSocket deletes path when it is a socket file that refuses connections.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 {
		return nil // absent, or not a socket: bind reports what is wrong
	}
	probe, err := sysSocket(unix.AF_UNIX, unix.SOCK_STREAM, 0, false)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(probe)
	err = unix.Connect(probe, &unix.SockaddrUnix{Name: path})
	if errors.Is(err, unix.ECONNREFUSED) {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	if err == nil {
		return os.NewSyscallError("bind", unix.EADDRINUSE)
	}
	return nil
}

func listenFd(fd int, network string, sa unix.Sockaddr, cfg ListenConfig) (*Listener, error) {
	fail := func(op string, err error) (*Listener, error) {
		unix.Close(fd)
		return nil, os.NewSyscallError(op, err)
	}
	if err := applyListenOptions(fd, cfg); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = maxListenerBacklog()
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return fail("listen", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return &Listener{Fd: fd, Network: network, Addr: SockaddrToAddr(network, bound)}, nil
}

// applyListenOptions sets the options that must precede bind.
func applyListenOptions(fd int, cfg ListenConfig) error {
	if cfg.ReuseAddr {
		if err := setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return err
		}
	}
	if cfg.ReusePort {
		if err := setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return err
		}
	}
	if cfg.RecvBuffer > 0 {
		if err := setInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, cfg.RecvBuffer); err != nil {
			return err
		}
	}
	if cfg.SendBuffer > 0 {
		if err := setInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, cfg.SendBuffer); err != nil {
			return err
		}
	}
	if cfg.BindToDevice != "" {
		return bindToDevice(fd, cfg.BindToDevice)
	}
	return nil
}

// Close closes the listening socket and removes a unix listener's socket file.
func (ln *Listener) Close() error {
	err := unix.Close(ln.Fd)
	if ln.Path != "" {
		os.Remove(ln.Path)
	}
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// ipSockaddr picks the address family as package net does: IPv4 for a network
// ending in 4 and for an IPv4 address, IPv6 (dual-stack for tcp and udp) otherwise.
func ipSockaddr(network string, ip net.IP, port int, zone string) (int, unix.Sockaddr, error) {
	only4, only6 := strings.HasSuffix(network, "4"), strings.HasSuffix(network, "6")
	ip4 := ip.To4()
	wildcard := len(ip) == 0 || ip.IsUnspecified()
	switch {
	case only4 && ip4 == nil && !wildcard:
		return 0, nil, &net.AddrError{Err: "non-IPv4 address", Addr: ip.String()}
	case only6 && ip4 != nil && !wildcard:
		return 0, nil, &net.AddrError{Err: "non-IPv6 address", Addr: ip.String()}
	case only4 || (!only6 && ip4 != nil && !wildcard) || (!only6 && wildcard && !dualStack()):
		sa := &unix.SockaddrInet4{Port: port}
		if ip4 != nil {
			copy(sa.Addr[:], ip4)
		}
		return unix.AF_INET, sa, nil
	}
	sa := &unix.SockaddrInet6{Port: port}
	if !wildcard {
		copy(sa.Addr[:], ip.To16())
	}
	if zone != "" {
		if ifi, err := net.InterfaceByName(zone); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return unix.AF_INET6, sa, nil
}

// dualStack reports whether this host can open IPv6 sockets that take IPv4 as well
// (IPV6_V6ONLY off). A wildcard "tcp" or "udp" listener falls back to IPv4 where it
// cannot: without IPv6, and on OpenBSD, where ip6(4) says IPV6_V6ONLY is always on.
var dualStack = sync.OnceValue(func() bool {
	fd, err := sysSocket(unix.AF_INET6, unix.SOCK_STREAM, 0, false)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0) == nil
})

// setV6Only makes an IPv6 socket IPv6-only, or dual-stack where the system allows it;
// where it does not, the socket stays IPv6-only (ipSockaddr has already chosen IPv4
// for the wildcard address, the one case in which the difference shows).
func setV6Only(fd int, only bool) error {
	if !only && !dualStack() {
		return nil
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, boolInt(only)); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// SockaddrToAddr converts a kernel address to the net.Addr package net would report.
func SockaddrToAddr(network string, sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: sa.Port}
	case *unix.SockaddrInet6:
		a := &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	if network == "unix" {
		return &net.UnixAddr{Net: "unix"}
	}
	return nil
}
