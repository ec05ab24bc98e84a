//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// AddrFromRaw converts an address filled in by Accept. Unix-domain peers are usually
// unnamed; they get a UnixAddr with an empty name, as in package net.
func AddrFromRaw(rsa *unix.RawSockaddrAny) net.Addr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return &net.TCPAddr{IP: net.IPv4(p.Addr[0], p.Addr[1], p.Addr[2], p.Addr[3]), Port: int(ntohs(p.Port))}
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		a := &net.TCPAddr{IP: append(net.IP(nil), p.Addr[:]...), Port: int(ntohs(p.Port))}
		if p.Scope_id != 0 {
			if ifi, err := net.InterfaceByIndex(int(p.Scope_id)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	case unix.AF_UNIX:
		p := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
		n := 0
		for n < len(p.Path) && p.Path[n] != 0 {
			n++
		}
		name := make([]byte, n)
		for i := range name {
			name[i] = byte(p.Path[i])
		}
		return &net.UnixAddr{Name: string(name), Net: "unix"}
	}
	return nil
}

// PeerFromRaw converts the address Accept filled in for a stream connection into
// a Peer. It returns the address whole, as AddrFromRaw builds it, only when a Peer
// cannot hold it: an IPv6 peer with a zone or a named unix-domain peer, both rare.
func PeerFromRaw(rsa *unix.RawSockaddrAny) (Peer, net.Addr) {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		peer := Peer{port: ntohs(p.Port), net: NetTCP, form: formIPv4}
		copy(peer.ip[:4], p.Addr[:])
		return peer, nil
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		if p.Scope_id != 0 {
			return Peer{net: NetTCP}, AddrFromRaw(rsa)
		}
		return Peer{ip: p.Addr, port: ntohs(p.Port), net: NetTCP, form: formIPv6}, nil
	case unix.AF_UNIX:
		// An abstract name starts with a NUL byte and so reads as unnamed, as it
		// does in AddrFromRaw.
		if (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa)).Path[0] != 0 {
			return Peer{net: NetUnix}, AddrFromRaw(rsa)
		}
		return Peer{net: NetUnix, form: formUnnamed}, nil
	}
	return Peer{}, nil
}

// HashSourceIP hashes the peer's IP address (not its port, which changes with every
// connection) with FNV-1a, so that one client keeps landing on one loop. It does not
// allocate. Unix-domain peers all hash alike.
func HashSourceIP(rsa *unix.RawSockaddrAny) uint32 {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return HashBytes(p.Addr[:])
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		if isV4Mapped(p.Addr[:]) {
			return HashBytes(p.Addr[12:])
		}
		return HashBytes(p.Addr[:])
	}
	return 0
}

func isV4Mapped(a []byte) bool {
	for _, b := range a[:10] {
		if b != 0 {
			return false
		}
	}
	return a[10] == 0xff && a[11] == 0xff
}

func ntohs(v uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&v))
	return uint16(b[0])<<8 | uint16(b[1])
}

func htons(v uint16) uint16 { return ntohs(v) }
