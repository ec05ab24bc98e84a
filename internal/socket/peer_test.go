//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"net"
	"reflect"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestPeerFromRaw: a Peer builds the same address AddrFromRaw does, or, when it
// cannot hold it, hands the address over whole; either way the network is known.
func TestPeerFromRaw(t *testing.T) {
	var v4, v6, v6zone, unnamed, named unix.RawSockaddrAny
	p4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&v4))
	p4.Family, p4.Port, p4.Addr = unix.AF_INET, htons(8080), [4]byte{10, 1, 2, 3}
	p6 := (*unix.RawSockaddrInet6)(unsafe.Pointer(&v6))
	p6.Family, p6.Port = unix.AF_INET6, htons(443)
	copy(p6.Addr[:], net.ParseIP("2001:db8::7"))
	v6zone = v6
	(*unix.RawSockaddrInet6)(unsafe.Pointer(&v6zone)).Scope_id = 1
	(*unix.RawSockaddrUnix)(unsafe.Pointer(&unnamed)).Family = unix.AF_UNIX
	pn := (*unix.RawSockaddrUnix)(unsafe.Pointer(&named))
	pn.Family = unix.AF_UNIX
	for i, b := range []byte("/tmp/peer.sock") {
		pn.Path[i] = int8(b)
	}
	for _, tc := range []struct {
		name    string
		rsa     *unix.RawSockaddrAny
		compact bool
		net     PeerNet
	}{
		{"IPv4", &v4, true, NetTCP},
		{"IPv6", &v6, true, NetTCP},
		{"IPv6 with zone", &v6zone, false, NetTCP},
		{"unnamed unix", &unnamed, true, NetUnix},
		{"named unix", &named, false, NetUnix},
	} {
		p, whole := PeerFromRaw(tc.rsa)
		if p.Compact() != tc.compact || p.Net() != tc.net || (whole == nil) != tc.compact {
			t.Fatalf("%s: compact %v net %d whole %v; want compact %v net %d", tc.name, p.Compact(), p.Net(), whole, tc.compact, tc.net)
		}
		got := whole
		if p.Compact() {
			got = p.Addr()
		}
		if want := AddrFromRaw(tc.rsa); !reflect.DeepEqual(got, want) || got.String() != want.String() {
			t.Fatalf("%s: built %#v, AddrFromRaw gives %#v", tc.name, got, want)
		}
	}
	if p := PeerOf(&net.UDPAddr{}); p.Compact() || p.Net() != NetUDP || p.Addr() != nil {
		t.Fatalf("PeerOf(UDPAddr) = %+v", p)
	}
}

// TestPeerAddrAllocs: building an IPv4 peer's address is one allocation, the
// TCPAddr and its IP together.
func TestPeerAddrAllocs(t *testing.T) {
	var rsa unix.RawSockaddrAny
	p4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&rsa))
	p4.Family, p4.Addr = unix.AF_INET, [4]byte{127, 0, 0, 1}
	p, _ := PeerFromRaw(&rsa)
	var sink net.Addr
	if n := testing.AllocsPerRun(100, func() { sink = p.Addr() }); n != 1 {
		t.Fatalf("Addr allocates %v times, want 1", n)
	}
	_ = sink
}
