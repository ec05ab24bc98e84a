//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || reactor_std

package reactor

import (
	"errors"
	"net"

	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// packetSource serves a UDP listener: a goroutine reads one datagram at a time and
// waits while the loop shows it to OnTraffic through one reused conn.
type packetSource struct {
	ln     *listener
	c      conn
	buf    []byte
	resume chan struct{}
}

func newPacketSource(el *eventloop, ln *listener) *packetSource {
	ps := &packetSource{ln: ln, resume: make(chan struct{}, 1)}
	ps.c = conn{fd: -1, loop: el, kind: packetConn, x: &connExtra{local: ln.Addr, packets: ps}}
	ps.buf = make([]byte, min(el.eng.opts.ReadBufferCap, 1<<16))
	return ps
}

func (ps *packetSource) closed() bool { return ps.ln.isClosed() }

// next lets the reader take the next datagram.
func (ps *packetSource) next() { ps.resume <- struct{}{} }

// readPackets is a UDP listener's reader goroutine, until the listener closes.
func (el *eventloop) readPackets(ps *packetSource) {
	for {
		n, from, err := ps.ln.pc.ReadFrom(ps.buf)
		if err != nil {
			if ps.closed() || errors.Is(err, net.ErrClosed) {
				return
			}
			el.eng.logger.Warnf("reactor: read datagrams on %v: %v", ps.ln.Addr, err)
			continue
		}
		t := getTask(taskPacket)
		t.c, t.buf, t.remote = &ps.c, ps.buf[:n], from
		if el.enqueue(t) != nil {
			return
		}
		select {
		case <-ps.resume:
		case <-ps.ln.closed:
			return
		}
	}
}

// writeDatagram sends p (or bs, joined) as one datagram: a reply to the sender of a
// received datagram, or on a client's connected UDP conn. UDP writes do not wait for
// the peer, so they are made on the loop.
func (c *conn) writeDatagram(p []byte, bs [][]byte) (int, error) {
	if c.kind != packetConn && c.state != connOpen {
		return 0, c.opError("write", rerrors.ErrConnClosed)
	}
	if bs != nil {
		p = nil
		for _, b := range bs {
			p = append(p, b...)
		}
	}
	var (
		n   int
		err error
	)
	if c.kind == packetConn {
		n, err = c.x.packets.ln.pc.WriteTo(p, c.remote)
	} else {
		n, err = c.x.nc.Write(p)
	}
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

// sendTo sends a datagram to addr.
func (c *conn) sendTo(p []byte, addr net.Addr) (int, error) {
	var pc net.PacketConn
	if c.kind == packetConn {
		pc = c.x.packets.ln.pc
	} else if c.state != connOpen {
		return 0, c.opError("sendto", rerrors.ErrConnClosed)
	} else if u, ok := c.x.nc.(*net.UDPConn); ok {
		pc = u
	} else {
		return 0, c.opError("sendto", rerrors.ErrUnsupportedOp)
	}
	n, err := pc.WriteTo(p, addr)
	if err != nil {
		return 0, c.opError("sendto", err)
	}
	return n, nil
}

func (c *conn) remoteAddr() net.Addr { return c.remote }
