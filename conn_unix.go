//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"fmt"
	"net"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/internal/poller"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/internal/timer"
	"github.com/reactorgo/reactor/pkg/errors"
)

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

func (c *conn) isTCP() bool { return c.peer.Net() == socket.NetTCP }

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

// traffic runs OnTraffic, keeps what it left unread and sends what it wrote.
func (el *eventloop) traffic(c *conn) {
	action := el.handler.OnTraffic(c)
	if c.kind == streamConn {
		c.keepUnread(&el.slab)
		if limit := el.eng.opts.MaxInboundBuffered; limit > 0 {
			el.pauseReading(c, pauseInbound, len(c.inbound) >= limit)
		}
	} else {
		c.view = nil // a datagram's unread bytes go with it
	}
	el.flushDirty()
	el.handleAction(c, action)
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

// Reasons for pausing reads; a connection reads again when none holds.
const (
	pauseOutbound = 1 << iota // queued output above the high water mark
	pauseInbound              // unread input at MaxInboundBuffered
)

// pauseReading sets or clears one reason to stop reading from c. Stopping reading
// leaves the bytes in the kernel, whose receive window then slows the peer down.
func (el *eventloop) pauseReading(c *conn, reason uint8, on bool) {
	was := c.readPaused
	if on {
		c.pauses |= reason
	} else {
		c.pauses &^= reason
	}
	c.readPaused = c.pauses != 0
	if was == c.readPaused {
		return
	}
	if err := el.updateInterest(c); err != nil {
		el.closeNow(c, err)
		return
	}
	if was && el.eng.opts.EdgeTriggeredIO {
		el.pending = append(el.pending, c) // no new edge will come for bytes already there
	}
}

// checkWaterMarks pauses reading when queued output passes the high water mark and
// resumes it at the low one, telling a BackpressureHandler about each change.
func (el *eventloop) checkWaterMarks(c *conn) {
	n, paused := c.outbound.Len(), c.pauses&pauseOutbound != 0
	switch {
	case !paused && n > el.eng.opts.WriteBufferHighWater:
		el.pauseReading(c, pauseOutbound, true)
	case paused && n <= el.eng.opts.WriteBufferLowWater:
		el.pauseReading(c, pauseOutbound, false)
	default:
		return
	}
	if bp := el.eng.backpressure; bp != nil && c.state == connOpen {
		el.handleAction(c, bp.OnBackpressure(c, !paused))
	}
}

// closeConn closes c cleanly: queued output is delivered first (bounded by the drain
// timeout), then the socket is closed and OnClose runs with err.
func (el *eventloop) closeConn(c *conn, err error) {
	if c.state == connHandshaking {
		el.finishClose(c, err) // never opened: nothing to deliver, nobody to tell
		return
	}
	if c.state != connOpen {
		return
	}
	if err == nil && c.isTLS() {
		c.x.tls.CloseNotify() // the peer learns the stream ended here, not truncated
	}
	if err != nil || c.outbound.Len() == 0 || el.eng.opts.DrainTimeout < 0 {
		el.finishClose(c, err)
		return
	}
	c.state = connDraining
	c.view = nil
	c.extra().timer = el.after(el.eng.opts.DrainTimeout, func() {
		el.finishClose(c, fmt.Errorf("%w: %d bytes unsent", errors.ErrDrainTimeout, c.outbound.Len()))
	})
	if ferr := el.flush(c); ferr != nil {
		el.finishClose(c, ferr)
	}
}

// closeNow closes c without delivering queued output, after an I/O error.
func (el *eventloop) closeNow(c *conn, err error) {
	if c.state != connClosed {
		el.finishClose(c, err)
	}
}

// finishClose releases c and runs OnClose; it runs exactly once per connection.
func (el *eventloop) finishClose(c *conn, err error) {
	if c.state == connClosed || c.state == connConnecting {
		return
	}
	opened := c.state != connHandshaking
	c.state = connClosed
	c.closed.Store(true)
	var onClosed []AsyncCallback
	if x := c.x; x != nil {
		el.timers.Cancel(x.idle)
		el.timers.Cancel(x.timer)
		onClosed, x.onClosed = x.onClosed, nil
	}
	if d := c.dl.Load(); d != nil {
		el.timers.Cancel(d.timer)
	}
	el.poller.Delete(int(c.fd))
	if err == nil {
		el.discardInput(int(c.fd))
	}
	if cerr := socket.Close(int(c.fd)); cerr != nil && err == nil {
		err = cerr
	}
	el.conns.remove(c)
	el.eng.connClosed(el)
	c.outbound.Reset(&el.slab)
	if c.inbound != nil {
		el.slab.Put(c.inbound)
	}
	c.inbound, c.view = nil, nil
	if c.isTLS() {
		c.x.tls.Close() // releases a handshake still waiting for input
	}
	if !opened {
		el.handshakeFailed(c, err)
		return // OnOpen never ran, so OnClose does not either
	}
	el.connCount.Add(-1)
	action := el.handler.OnClose(c, err)
	for _, cb := range onClosed {
		el.callback(cb, c, nil)
	}
	if action == Shutdown {
		el.eng.stop()
	}
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

// startIdleTimer arms the idle timeout of a new connection. Traffic only stores the
// loop clock in lastActive; the timer re-arms itself from it when it fires, so the
// timeout costs nothing per event.
func (el *eventloop) startIdleTimer(c *conn) {
	d := int64(el.eng.opts.IdleTimeout)
	c.lastActive = el.clock
	x := c.extra()
	x.idle = timer.New(func() {
		if c.state != connOpen {
			return
		}
		if el.clock-c.lastActive >= d {
			el.closeConn(c, errors.ErrIdleTimeout)
			return
		}
		el.timers.Schedule(x.idle, c.lastActive+d)
	})
	el.timers.Schedule(x.idle, c.lastActive+d)
}

// checkDeadlines enforces c's deadlines and arms its deadline timer for the next one.
// A read deadline closes c when it passes; a write deadline closes c when it passes
// with output still queued. Other goroutines change deadlines through atomics, and
// only a deadline earlier than the armed timer needs a task to get here (see
// conn.setDeadline): the timer re-reads the atomics whenever it fires.
func (el *eventloop) checkDeadlines(c *conn) {
	if c.state != connOpen && c.state != connDraining {
		return
	}
	dl := c.dl.Load()
	if dl == nil {
		return // no deadline was ever set
	}
	dl.armedAt.Store(0) // re-evaluating: setters must now ask for a task
	now := time.Now().UnixNano()
	r, w := dl.read.Load(), dl.write.Load()
	if c.state == connOpen && r != 0 && now >= r {
		el.closeNow(c, c.opError("read", os.ErrDeadlineExceeded))
		return
	}
	if w != 0 && now >= w && c.outbound.Len() > 0 {
		el.closeNow(c, c.opError("write", os.ErrDeadlineExceeded))
		return
	}
	next := int64(0)
	for _, d := range [2]int64{r, w} {
		if d > now && (next == 0 || d < next) {
			next = d
		}
	}
	if next == 0 {
		el.timers.Cancel(dl.timer)
		return
	}
	if dl.timer == nil {
		dl.timer = timer.New(func() { el.checkDeadlines(c) })
	}
	el.timers.Schedule(dl.timer, el.now()+(next-now))
	dl.armedAt.Store(next)
}
