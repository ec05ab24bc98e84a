package socket

import "net"

// HashAddr is HashSourceIP for a net.Addr, used when a caller registers a conn.
func HashAddr(a net.Addr) uint32 {
	switch a := a.(type) {
	case *net.TCPAddr:
		return hashIP(a.IP)
	case *net.UDPAddr:
		return hashIP(a.IP)
	}
	return 0
}

func hashIP(ip net.IP) uint32 {
	if ip4 := ip.To4(); ip4 != nil {
		return HashBytes(ip4)
	}
	return HashBytes(ip)
}

// HashBytes is 32-bit FNV-1a.
func HashBytes(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}
