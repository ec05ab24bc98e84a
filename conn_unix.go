//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !reactor_std

package reactor

import (
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/internal/poller"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
)

// connIO: with a poller, a connection is its descriptor and needs nothing more.
type connIO struct{}

// localAddr is looked up on first use: most servers never ask, and getsockname on
// every accept would be a syscall per connection for nothing.
func (c *conn) localAddr() net.Addr {
	if c.kind == packetConn {
		return c.x.packets.ln.Addr
	}
	x := c.extra()
	if x.local == nil && c.state != connClosed {
		if sa, err := unix.Getsockname(int(c.fd)); err == nil {
			x.local = socket.SockaddrToAddr(c.network(), sa)
		}
	}
	return x.local
}

// remoteAddr is built on first use and kept: for an accepted connection from peer,
// for a received datagram from its sender, so that neither costs an allocation
// unless the handler asks who is on the other end. Loop only.
func (c *conn) remoteAddr() net.Addr {
	if c.remote == nil {
		switch {
		case c.kind == packetConn:
			ps := c.x.packets
			c.remote = socket.UDPAddrFromRaw(&ps.inAddr[ps.cur])
		case c.peer.Compact():
			c.remote = c.peer.Addr()
		}
	}
	return c.remote
}

// sockopt runs a socket-option call unless the connection is closed, in which case
// its descriptor number may already belong to someone else.
func (c *conn) sockopt(op string, fn func(fd int) error) error {
	if c.closed.Load() {
		return c.anyOpError(op, errors.ErrConnClosed)
	}
	if err := fn(int(c.fd)); err != nil {
		return c.anyOpError(op, err)
	}
	return nil
}

func (c *conn) Fd() int { return int(c.fd) }

func (c *conn) Dup() (int, error) {
	fd := -1
	err := c.sockopt("dup", func(cfd int) (err error) {
		fd, err = socket.Dup(cfd)
		return err
	})
	return fd, err
}

func (c *conn) SetReadBuffer(size int) error {
	return c.sockopt("set read buffer", func(fd int) error { return socket.SetRecvBuffer(fd, size) })
}

func (c *conn) SetWriteBuffer(size int) error {
	return c.sockopt("set write buffer", func(fd int) error { return socket.SetSendBuffer(fd, size) })
}

func (c *conn) SetLinger(secs int) error {
	return c.sockopt("set linger", func(fd int) error { return socket.SetLinger(fd, secs) })
}

func (c *conn) SetNoDelay(noDelay bool) error {
	if !c.isTCP() {
		return c.anyOpError("set nodelay", errors.ErrUnsupportedOp)
	}
	return c.sockopt("set nodelay", func(fd int) error { return socket.SetNoDelay(fd, noDelay) })
}

func (c *conn) SetKeepAlivePeriod(d time.Duration) error {
	if !c.isTCP() {
		return c.anyOpError("set keepalive", errors.ErrUnsupportedOp)
	}
	if d <= 0 {
		return c.anyOpError("set keepalive", errors.ErrInvalidOption)
	}
	return c.sockopt("set keepalive", func(fd int) error { return socket.SetKeepAlive(fd, true, d, d, 9) })
}

func (c *conn) SetKeepAlive(enabled bool, idle, intvl time.Duration, cnt int) error {
	if !c.isTCP() {
		return c.anyOpError("set keepalive", errors.ErrUnsupportedOp)
	}
	if enabled && (idle < time.Second || intvl < time.Second || cnt < 1) {
		return c.anyOpError("set keepalive", errors.ErrInvalidOption)
	}
	return c.sockopt("set keepalive", func(fd int) error {
		return socket.SetKeepAlive(fd, enabled, idle, intvl, cnt)
	})
}

// serveConn handles one readiness event of a connection: queued output first, then
// input.
func (el *eventloop) serveConn(c *conn, ev *poller.Event) {
	if c.state == connConnecting {
		el.finishDial(c)
		return
	}
	if ev.Writable() && c.outbound.Len() > 0 {
		if err := el.flush(c); err != nil {
			el.closeNow(c, err)
			return
		}
	}
	if (c.state != connOpen && c.state != connHandshaking) || c.readPaused || !ev.Readable() {
		return
	}
	el.read(c)
}

// read reads once (level-triggered) or until the socket is drained or the chunk is
// spent (edge-triggered), running OnTraffic for each read.
func (el *eventloop) read(c *conn) {
	budget := el.eng.opts.EdgeTriggeredIOChunk
	for {
		n, err := socket.Read(int(c.fd), el.buf)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			el.closeNow(c, err)
			return
		case n == 0 && c.kind == datagramConn:
			return // an empty datagram: nothing to show
		case n == 0:
			el.closeConn(c, nil) // EOF: deliver what is queued, then close cleanly
			return
		}
		c.lastActive = el.clock
		switch {
		case c.isTLS():
			el.tlsInput(c, el.buf[:n])
		case len(c.inbound) > 0:
			c.appendInbound(&el.slab, el.buf[:n])
			el.traffic(c)
		default:
			c.view = el.buf[:n]
			el.traffic(c)
		}
		if budget == 0 || n < len(el.buf) || (c.state != connOpen && c.state != connHandshaking) || c.readPaused {
			return // level-triggered, drained, closing or paused
		}
		if budget -= n; budget <= 0 {
			el.pending = append(el.pending, c) // more input: finish it next iteration
			return
		}
	}
}

// readPending continues edge-triggered reads that hit their chunk budget or were
// resumed after a pause.
func (el *eventloop) readPending() bool {
	if len(el.pending) == 0 {
		return false
	}
	list := el.pending
	el.pending = nil
	for i, c := range list {
		list[i] = nil
		// A handshaking TLS conn counts too: edge-triggered, nothing else would
		// ever read what is left in its socket.
		if (c.state == connOpen || c.state == connHandshaking) && !c.readPaused {
			el.read(c)
		}
	}
	return len(el.pending) > 0
}

// flush writes queued output with one write or writev per call until the socket is
// full or the queue is empty. A remainder waits for write readiness, so queued bytes
// always leave without another call; a draining connection closes once empty.
func (el *eventloop) flush(c *conn) error {
	for c.outbound.Len() > 0 {
		el.io.iov = c.outbound.Peek(el.io.iov[:0], socket.MaxIovecs)
		want := 0
		for _, b := range el.io.iov {
			want += len(b)
		}
		var (
			n   int
			err error
		)
		if len(el.io.iov) == 1 {
			n, err = socket.Write(int(c.fd), el.io.iov[0])
		} else {
			n, err = socket.Writev(int(c.fd), el.iovecs())
		}
		clear(el.io.iov)
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			return err
		}
		c.outbound.Discard(&el.slab, n)
		c.lastActive = el.clock
		if n < want {
			break // the socket buffer is full: wait for readiness instead of EAGAIN
		}
	}
	c.writeArmed = c.outbound.Len() > 0
	if !c.writeArmed && c.state == connDraining {
		el.finishClose(c, nil)
		return nil
	}
	if el.eng.opts.WriteBufferHighWater > 0 {
		el.checkWaterMarks(c)
	}
	return el.updateInterest(c)
}

// writeDirect sends p straight from the caller's slice (see directWriteMin) and
// returns what the socket did not take. An error is not reported here: the caller
// queues the unsent bytes, and the flush after the callback meets the error again
// and closes the connection there, outside the handler's callback.
func (el *eventloop) writeDirect(c *conn, p []byte) []byte {
	n, err := socket.Write(int(c.fd), p)
	if err != nil {
		return p
	}
	c.lastActive = el.clock
	return p[n:]
}

// writevDirect is writeDirect for Writev: it reports how many bytes of bs the
// socket took, 0 on an error.
func (el *eventloop) writevDirect(c *conn, bs [][]byte) int {
	el.io.iov = el.io.iov[:0]
	for _, b := range bs {
		if len(el.io.iov) == socket.MaxIovecs {
			break
		}
		if len(b) > 0 {
			el.io.iov = append(el.io.iov, b)
		}
	}
	n, err := socket.Writev(int(c.fd), el.iovecs())
	clear(el.io.iov)
	if err != nil {
		return 0
	}
	c.lastActive = el.clock
	return n
}

// flushNow is Conn.Flush: flush writes at once already.
func (el *eventloop) flushNow(c *conn) error { return el.flush(c) }

func (el *eventloop) iovecs() []unix.Iovec {
	v := el.io.iovecs[:0]
	for _, b := range el.io.iov {
		iov := unix.Iovec{Base: unsafe.SliceData(b)}
		iov.SetLen(len(b))
		v = append(v, iov)
	}
	el.io.iovecs = v
	return v
}

// updateInterest registers what a level-triggered connection waits for: input unless
// it is closing or paused, output while bytes are queued. Edge-triggered connections
// are registered for both once, and a pause only stops the reads.
func (el *eventloop) updateInterest(c *conn) error {
	if el.eng.opts.EdgeTriggeredIO || c.state == connClosed || c.state == connConnecting {
		return nil
	}
	var want poller.Interest
	if (c.state == connOpen || c.state == connHandshaking) && !c.readPaused {
		want |= poller.Readable
	}
	if c.writeArmed {
		want |= poller.Writable
	}
	if uint8(want) == c.interest {
		return nil
	}
	if err := el.poller.Modify(int(c.fd), want); err != nil {
		return err
	}
	c.interest = uint8(want)
	return nil
}

// release takes c's descriptor from the poller and closes it. After a clean close
// the unread input is discarded first (see discardInput).
func (el *eventloop) release(c *conn, err error) error {
	el.poller.Delete(int(c.fd))
	if err == nil {
		el.discardInput(int(c.fd))
	}
	if cerr := socket.Close(int(c.fd)); cerr != nil && err == nil {
		err = cerr
	}
	el.conns.Remove(int(c.fd), c)
	return err
}

// readingChanged applies a pause or resume of reading. An edge-triggered conn that
// resumes is read at once: no new edge will come for the bytes already there.
func (el *eventloop) readingChanged(c *conn) error {
	if err := el.updateInterest(c); err != nil {
		return err
	}
	if !c.readPaused && el.eng.opts.EdgeTriggeredIO {
		el.pending = append(el.pending, c)
	}
	return nil
}

// discardInput reads what the peer sent and nobody will read: closing a socket with
// unread input makes the kernel send RST, which can destroy the output still in
// flight to the peer.
func (el *eventloop) discardInput(fd int) {
	for i := 0; i < 4; i++ {
		n, err := socket.Read(fd, el.buf)
		if err != nil || n < len(el.buf) {
			return
		}
	}
}
