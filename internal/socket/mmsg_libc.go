//go:build darwin || openbsd

package socket

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Neither macOS nor (through x/sys) OpenBSD offers recvmmsg or sendmmsg, and x/sys
// exposes no recvmsg or sendmsg that takes a struct msghdr. These loops receive or
// send one datagram at a time with Recvfrom and Sendto and translate to and from the
// same Mmsghdr slice, so that callers do not change: Hdr.Name and Hdr.Namelen get the
// sender, Len the size. Each message must have exactly one iovec, as reactor's do.
// As with recvmmsg(2), an error after at least one message ends the batch early
// without being reported; the next call meets it again.

// Recvmmsg receives up to len(msgs) datagrams without blocking.
func Recvmmsg(fd int, msgs []Mmsghdr) (int, error) {
	for i := 0; i < len(msgs); {
		h := &msgs[i].Hdr
		n, from, err := unix.Recvfrom(fd, iovBytes(h), unix.MSG_DONTWAIT)
		switch {
		case err == nil:
			msgs[i].Len = uint32(n)
			if h.Name != nil {
				h.Namelen = putSockaddr(from, (*unix.RawSockaddrAny)(unsafe.Pointer(h.Name)))
			}
			i++
			continue
		case err == unix.EINTR:
			continue
		case i > 0:
			return i, nil
		case err == unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("recvfrom", err)
	}
	return len(msgs), nil
}

// Sendmmsg sends the datagrams described by msgs, returning how many went out.
func Sendmmsg(fd int, msgs []Mmsghdr) (int, error) {
	for i := 0; i < len(msgs); {
		h := &msgs[i].Hdr
		p := iovBytes(h)
		err := unix.Sendto(fd, p, unix.MSG_DONTWAIT, sockaddrFromRaw((*unix.RawSockaddrAny)(unsafe.Pointer(h.Name))))
		switch {
		case err == nil:
			msgs[i].Len = uint32(len(p)) // a datagram goes whole or not at all
			i++
			continue
		case err == unix.EINTR:
			continue
		case i > 0:
			return i, nil
		case err == unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("sendto", err)
	}
	return len(msgs), nil
}

// SendTo sends one datagram to the raw address to (of length tolen).
func SendTo(fd int, p []byte, to *unix.RawSockaddrAny, _ uint32) (int, error) {
	for {
		err := unix.Sendto(fd, p, unix.MSG_DONTWAIT, sockaddrFromRaw(to))
		switch err {
		case nil:
			return len(p), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		}
		return 0, os.NewSyscallError("sendto", err)
	}
}

// iovBytes is the single buffer a message header describes.
func iovBytes(h *unix.Msghdr) []byte {
	if h.Iov == nil || h.Iovlen != 1 {
		return nil
	}
	return unsafe.Slice(h.Iov.Base, h.Iov.Len)
}

// putSockaddr writes sa into rsa in the kernel's layout and returns its length.
func putSockaddr(sa unix.Sockaddr, rsa *unix.RawSockaddrAny) uint32 {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		*p = unix.RawSockaddrInet4{Len: unix.SizeofSockaddrInet4, Family: unix.AF_INET, Port: htons(uint16(sa.Port)), Addr: sa.Addr}
		return unix.SizeofSockaddrInet4
	case *unix.SockaddrInet6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		*p = unix.RawSockaddrInet6{Len: unix.SizeofSockaddrInet6, Family: unix.AF_INET6, Port: htons(uint16(sa.Port)), Addr: sa.Addr, Scope_id: sa.ZoneId}
		return unix.SizeofSockaddrInet6
	case *unix.SockaddrUnix:
		p := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
		*p = unix.RawSockaddrUnix{Len: unix.SizeofSockaddrUnix, Family: unix.AF_UNIX}
		for i := 0; i < len(sa.Name) && i < len(p.Path)-1; i++ {
			p.Path[i] = int8(sa.Name[i])
		}
		return unix.SizeofSockaddrUnix
	}
	rsa.Addr.Family = unix.AF_UNSPEC
	return 0
}

// sockaddrFromRaw is the inverse of putSockaddr for the IP families; nil (for a
// connected socket, or an address it does not know) sends without an address.
func sockaddrFromRaw(rsa *unix.RawSockaddrAny) unix.Sockaddr {
	if rsa == nil {
		return nil
	}
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return &unix.SockaddrInet4{Port: int(ntohs(p.Port)), Addr: p.Addr}
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		return &unix.SockaddrInet6{Port: int(ntohs(p.Port)), ZoneId: p.Scope_id, Addr: p.Addr}
	}
	return nil
}
