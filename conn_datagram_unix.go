//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !reactor_std

package reactor

import (
	"net"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
)

// packetBatch is how many datagrams one recvmmsg or sendmmsg moves.
const packetBatch = 16

// packetSource serves a UDP listener on one loop. Datagrams arrive in batches; each
// is shown to OnTraffic through one reused conn, and the replies written during a
// batch leave together with one sendmmsg. Nothing here allocates per datagram.
type packetSource struct {
	ln     *socket.Listener
	family int
	c      conn

	in     [packetBatch]socket.Mmsghdr
	inIov  [packetBatch]unix.Iovec
	inAddr [packetBatch]unix.RawSockaddrAny
	bufs   [packetBatch][]byte
	cur    int // the datagram OnTraffic is looking at

	out     [packetBatch]socket.Mmsghdr
	outIov  [packetBatch]unix.Iovec
	outAddr [packetBatch]unix.RawSockaddrAny
	outEnd  [packetBatch]int // end of each queued datagram in arena
	outN    int
	arena   []byte
}

func newPacketSource(el *eventloop, ln *socket.Listener) *packetSource {
	ps := &packetSource{ln: ln, family: socket.Family(ln.Fd)}
	ps.c = conn{fd: int32(ln.Fd), loop: el, kind: packetConn, x: &connExtra{local: ln.Addr, packets: ps}}
	slot := min(el.eng.opts.ReadBufferCap, 1<<16)
	for i := range ps.in {
		ps.bufs[i] = make([]byte, slot)
		ps.inIov[i].Base = &ps.bufs[i][0]
		ps.inIov[i].SetLen(slot)
		h := &ps.in[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&ps.inAddr[i]))
		h.Iov = &ps.inIov[i]
		h.SetIovlen(1)
		o := &ps.out[i].Hdr
		o.Name = (*byte)(unsafe.Pointer(&ps.outAddr[i]))
		o.Iov = &ps.outIov[i]
		o.SetIovlen(1)
	}
	return ps
}

// readPackets serves the datagrams waiting on a UDP listener, a few batches at most
// so that one busy socket cannot starve the loop's other work.
func (el *eventloop) readPackets(ps *packetSource) {
	for range 4 {
		for i := range ps.in {
			ps.in[i].Hdr.Namelen = unix.SizeofSockaddrAny
			ps.in[i].Hdr.Flags = 0
		}
		n, err := socket.Recvmmsg(ps.ln.Fd, ps.in[:])
		if err != nil {
			if err != unix.EAGAIN {
				el.eng.logger.Warnf("reactor: read datagrams on %v: %v", ps.ln.Addr, err)
			}
			break
		}
		c := &ps.c
		for i := range n {
			ps.cur = i
			c.view, c.remote = ps.bufs[i][:ps.in[i].Len], nil
			el.packetTraffic(c)
		}
		el.flushPackets(ps)
		if n < packetBatch {
			break
		}
	}
}

// queue adds a reply datagram; the address is either the current sender's (to == nil)
// or to's.
func (ps *packetSource) queue(el *eventloop, p []byte, bs [][]byte, to net.Addr) (int, error) {
	if ps.outN == packetBatch {
		el.flushPackets(ps)
	}
	i := ps.outN
	if to == nil {
		ps.outAddr[i] = ps.inAddr[ps.cur]
		ps.out[i].Hdr.Namelen = ps.in[ps.cur].Hdr.Namelen
	} else {
		n, err := socket.RawFromAddr(to, ps.family, &ps.outAddr[i])
		if err != nil {
			return 0, err
		}
		ps.out[i].Hdr.Namelen = n
	}
	start := len(ps.arena)
	ps.arena = append(ps.arena, p...)
	for _, b := range bs {
		ps.arena = append(ps.arena, b...)
	}
	ps.outEnd[i] = len(ps.arena)
	ps.outN++
	return len(ps.arena) - start, nil
}

// flushPackets sends the queued replies. A UDP socket whose send buffer is full drops
// what it cannot take, as the network itself may.
func (el *eventloop) flushPackets(ps *packetSource) {
	start := 0
	for i := range ps.outN {
		b := ps.arena[start:ps.outEnd[i]]
		ps.outIov[i].Base = unsafe.SliceData(b)
		ps.outIov[i].SetLen(len(b))
		start = ps.outEnd[i]
	}
	for sent := 0; sent < ps.outN; {
		n, err := socket.Sendmmsg(ps.ln.Fd, ps.out[sent:ps.outN])
		if err != nil {
			if err != unix.EAGAIN {
				el.eng.logger.Warnf("reactor: send datagrams on %v: %v", ps.ln.Addr, err)
			}
			break
		}
		sent += n
	}
	ps.outN, ps.arena = 0, ps.arena[:0]
}

// writeDatagram sends p (or bs, joined) as one datagram: a reply to the sender for a
// received datagram, or on the connected socket of a client's UDP conn.
func (c *conn) writeDatagram(p []byte, bs [][]byte) (int, error) {
	if c.kind == packetConn {
		n, err := c.x.packets.queue(c.loop, p, bs, nil)
		if err != nil {
			return 0, c.opError("write", err)
		}
		return n, nil
	}
	if c.state != connOpen {
		return 0, c.opError("write", errors.ErrConnClosed)
	}
	var (
		n   int
		err error
	)
	if bs == nil {
		n, err = socket.Write(int(c.fd), p)
	} else {
		el := c.loop
		el.io.iov = append(el.io.iov[:0], bs...)
		n, err = socket.Writev(int(c.fd), el.iovecs())
		clear(el.io.iov)
	}
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

// sendTo sends a datagram to addr.
func (c *conn) sendTo(p []byte, addr net.Addr) (int, error) {
	if c.kind == packetConn {
		n, err := c.x.packets.queue(c.loop, p, nil, addr)
		if err != nil {
			return 0, c.opError("sendto", err)
		}
		return n, nil
	}
	if c.state != connOpen {
		return 0, c.opError("sendto", errors.ErrConnClosed)
	}
	var to unix.RawSockaddrAny
	tolen, err := socket.RawFromAddr(addr, socket.Family(int(c.fd)), &to)
	if err == nil {
		var n int
		if n, err = socket.SendTo(int(c.fd), p, &to, tolen); err == nil {
			return n, nil
		}
	}
	return 0, c.opError("sendto", err)
}
