package socket

import "net"

// Peer is the remote address of an accepted stream connection, held in 20 bytes
// without pointers. A server keeps one per connection for the connection's whole
// life, mostly without anyone asking for it; a *net.TCPAddr built at accept would
// cost 64 bytes of heap per connection (and two allocations) for nothing. Addr builds
// the net.Addr when it is wanted.
//
// Addresses Peer cannot hold — a named unix-domain peer, an IPv6 peer with a zone, a
// net.Addr a caller dialled or enrolled — are kept whole by the caller; Peer then
// records only their network. A Peer never changes after it is made, so any
// goroutine may read it.
type Peer struct {
	ip   [16]byte // IPv4 in ip[:4]
	port uint16
	net  PeerNet
	form peerForm
}

// PeerNet is the network of a connection's peer.
type PeerNet uint8

const (
	NetOther PeerNet = iota // an address type this package does not know, or none
	NetTCP
	NetUDP
	NetUnix
)

type peerForm uint8

const (
	formKept    peerForm = iota // the address is kept whole elsewhere (or there is none)
	formIPv4                    // ip[:4], port
	formIPv6                    // ip, port; no zone
	formUnnamed                 // an unnamed unix-domain socket, the usual unix client
)

// PeerOf records the network of an address kept whole: one a caller dialled or
// enrolled, whose identity RemoteAddr keeps.
func PeerOf(a net.Addr) Peer {
	switch a.(type) {
	case *net.TCPAddr:
		return Peer{net: NetTCP}
	case *net.UDPAddr:
		return Peer{net: NetUDP}
	case *net.UnixAddr:
		return Peer{net: NetUnix}
	}
	return Peer{}
}

// Net reports the peer's network.
func (p *Peer) Net() PeerNet { return p.net }

// Compact reports whether Addr can build the address; otherwise it is kept whole
// by whoever made the Peer.
func (p *Peer) Compact() bool { return p.form != formKept }

// tcpAddrBox puts a TCPAddr and its IP in one allocation.
type tcpAddrBox struct {
	a  net.TCPAddr
	ip [16]byte
}

// Addr builds the peer's address, a new value at each call; nil when it is kept
// elsewhere (see Compact). IPv4 addresses come in the 16-byte form of net.IPv4.
func (p *Peer) Addr() net.Addr {
	switch p.form {
	case formIPv4:
		b := &tcpAddrBox{}
		b.ip[10], b.ip[11] = 0xff, 0xff
		copy(b.ip[12:], p.ip[:4])
		b.a = net.TCPAddr{IP: b.ip[:], Port: int(p.port)}
		return &b.a
	case formIPv6:
		b := &tcpAddrBox{ip: p.ip}
		b.a = net.TCPAddr{IP: b.ip[:], Port: int(p.port)}
		return &b.a
	case formUnnamed:
		return &net.UnixAddr{Net: "unix"}
	}
	return nil
}
