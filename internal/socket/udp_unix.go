//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"net"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDPConfig holds the options of a UDP listener beyond ListenConfig.
type UDPConfig struct {
	ListenConfig
	// MulticastInterface is the interface index on which a multicast group address
	// is joined; 0 lets the kernel choose.
	MulticastInterface int
}

// ListenUDP opens a non-blocking UDP socket bound to address. A multicast group
// address is joined (IPv4 or IPv6) and bound so that only that group's datagrams
// arrive.
func ListenUDP(network, address string, cfg UDPConfig) (*Listener, error) {
	udpAddr, err := net.ResolveUDPAddr(network, address)
	if err != nil {
		return nil, err
	}
	family, sa, err := ipSockaddr(network, udpAddr.IP, udpAddr.Port, udpAddr.Zone)
	if err != nil {
		return nil, err
	}
	fd, err := sysSocket(family, unix.SOCK_DGRAM, unix.IPPROTO_UDP, true)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	fail := func(op string, err error) (*Listener, error) {
		unix.Close(fd)
		return nil, os.NewSyscallError(op, err)
	}
	if family == unix.AF_INET6 {
		if err := setV6Only(fd, network == "udp6"); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	if udpAddr.IP.IsMulticast() {
		cfg.ReuseAddr = true // every member of a group on this host binds the group address
		if err := joinGroup(fd, family, udpAddr.IP, cfg.MulticastInterface); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	if err := applyListenOptions(fd, cfg.ListenConfig); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return &Listener{Fd: fd, Network: network, Addr: toUDPAddr(SockaddrToAddr(network, bound))}, nil
}

func joinGroup(fd, family int, group net.IP, ifindex int) error {
	if family == unix.AF_INET {
		return joinIPv4Group(fd, group, ifindex)
	}
	mreq := &unix.IPv6Mreq{Interface: uint32(ifindex)}
	copy(mreq.Multiaddr[:], group.To16())
	if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

func toUDPAddr(a net.Addr) net.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		return &net.UDPAddr{IP: t.IP, Port: t.Port, Zone: t.Zone}
	}
	return a
}

// Mmsghdr is the struct mmsghdr of Linux and NetBSD; Go pads it exactly as C does.
// Elsewhere Recvmmsg and Sendmmsg loop over single messages (mmsg_loop.go,
// mmsg_libc.go), pass only Hdr to the kernel and fill Len themselves.
type Mmsghdr struct {
	Hdr unix.Msghdr
	Len uint32
}

// RawFromAddr converts a UDP or TCP address into a raw socket address for SendTo,
// choosing the family of the socket it will be sent on. The BSD sa_len byte is left
// zero: the BSD kernels set it from the length argument when they copy the address
// in, and macOS and OpenBSD rebuild the address from its family (mmsg_libc.go).
func RawFromAddr(a net.Addr, family int, to *unix.RawSockaddrAny) (uint32, error) {
	var (
		ip   net.IP
		port int
		zone string
	)
	switch a := a.(type) {
	case *net.UDPAddr:
		ip, port, zone = a.IP, a.Port, a.Zone
	case *net.TCPAddr:
		ip, port, zone = a.IP, a.Port, a.Zone
	default:
		return 0, &net.AddrError{Err: "unsupported address type", Addr: a.String()}
	}
	*to = unix.RawSockaddrAny{}
	if family == unix.AF_INET {
		ip4 := ip.To4()
		if ip4 == nil {
			return 0, &net.AddrError{Err: "non-IPv4 address on an IPv4 socket", Addr: ip.String()}
		}
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(to))
		p.Family = unix.AF_INET
		p.Port = htons(uint16(port))
		copy(p.Addr[:], ip4)
		return unix.SizeofSockaddrInet4, nil
	}
	p := (*unix.RawSockaddrInet6)(unsafe.Pointer(to))
	p.Family = unix.AF_INET6
	p.Port = htons(uint16(port))
	copy(p.Addr[:], ip.To16())
	if zone != "" {
		if ifi, err := net.InterfaceByName(zone); err == nil {
			p.Scope_id = uint32(ifi.Index)
		}
	}
	return unix.SizeofSockaddrInet6, nil
}

// Family reports the address family of a socket.
func Family(fd int) int {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return unix.AF_UNSPEC
	}
	switch sa.(type) {
	case *unix.SockaddrInet4:
		return unix.AF_INET
	case *unix.SockaddrInet6:
		return unix.AF_INET6
	}
	return unix.AF_UNIX
}

// UDPAddrFromRaw is AddrFromRaw for a datagram's sender.
func UDPAddrFromRaw(rsa *unix.RawSockaddrAny) net.Addr { return toUDPAddr(AddrFromRaw(rsa)) }
