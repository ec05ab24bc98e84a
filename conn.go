package reactor

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"

	"github.com/reactorgo/reactor/internal/buffer"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/internal/timer"
	"github.com/reactorgo/reactor/internal/tlsconn"
	"github.com/reactorgo/reactor/pkg/errors"
)

type connState uint8

const (
	connOpen        connState = iota
	connDraining              // closing: delivering queued outbound bytes, reading stopped
	connClosed                // OnClose has run, or OnOpen never will
	connConnecting            // a dial in progress: no OnOpen yet
	connHandshaking           // a TLS handshake in progress: no OnOpen yet
)

type connKind uint8

const (
	streamConn   connKind = iota // TCP or unix stream
	datagramConn                 // connected UDP socket (a client's)
	packetConn                   // a datagram received on a UDP listener, valid only in OnTraffic
)

// conn is a connection. Every field is owned by the loop except the atomics and those
// fixed when the conn is made (loop, fd, kind, peer), which other goroutines may read.
// Rarely used state lives in x, allocated on first use by the loop, and deadlines in
// dl, allocated by the first setter: an idle connection is one 192-byte object (see
// TestConnSize), which matters to a server holding many of them.
type conn struct {
	loop *eventloop
	x    *connExtra
	ctx  any

	// inbound keeps unread bytes between events, in a slab chunk; nil when there are
	// none, so an idle connection holds no read buffer. view is what the Reader
	// methods see: during OnTraffic it may alias the loop's shared read buffer.
	inbound  []byte
	view     []byte
	outbound buffer.Outbound

	// remote is the peer's address as a net.Addr. For an accepted connection it is
	// built from peer on the first RemoteAddr (loop only); an address peer cannot
	// hold is set here when the conn is made and never changes (see peerAddr).
	remote net.Addr
	dl     atomic.Pointer[connDeadlines]

	lastActive int64 // loop clock of the last traffic, for the idle timeout

	fd     int32
	closed atomic.Bool // mirrors state == connClosed for other goroutines
	kind   connKind
	state  connState

	dirty      bool  // queued on loop.dirty for a flush after the callback
	writeArmed bool  // queued output is waiting for write readiness
	viewOwned  bool  // view aliases inbound rather than the loop's read buffer
	readPaused bool  // reading is paused: pauses != 0
	pauses     uint8 // why reading is paused (pauseOutbound, pauseInbound)
	interest   uint8 // what the poller has registered (level-triggered mode)

	peer socket.Peer
}

// connExtra is the state few connections need.
type connExtra struct {
	connIO // the platform's per-connection I/O state (empty with a poller)

	local    net.Addr
	onClosed []AsyncCallback  // CloseWithCallback callbacks, run after OnClose
	dial     *dialing         // set while connecting
	timer    *timer.Timer     // drain timeout, or dial timeout while connecting
	idle     *timer.Timer     // the idle-timeout timer, re-armed lazily
	packets  *packetSource    // the UDP listener a packetConn belongs to
	tls      *tlsconn.Session // set for TLS connections
}

// isTLS reports whether c's bytes are encrypted. Loop only.
func (c *conn) isTLS() bool { return c.x != nil && c.x.tls != nil }

// directWriteMin is the smallest Write sent at once when nothing is queued ahead of
// it, instead of being copied into the queue and sent after the callback. A large
// write gains little from joining later writes into one syscall, and saves a copy
// of itself; a small one is cheap to copy and often followed by more (a response
// header, then its body; pipelined replies), which then leave in one writev.
const directWriteMin = 2 << 10

// queue adds plaintext to the outbound queue, encrypting it on a TLS connection:
// the queue, and so the water marks and the write deadline, are about the bytes
// that go on the wire. Loop only.
func (c *conn) queue(p []byte) error {
	if c.isTLS() {
		return c.x.tls.Encrypt(p)
	}
	c.outbound.Write(&c.loop.slab, p)
	return nil
}

// extra returns c.x, allocating it. Loop only.
func (c *conn) extra() *connExtra {
	if c.x == nil {
		c.x = new(connExtra)
	}
	return c.x
}

func (c *conn) Read(p []byte) (int, error) {
	if len(c.view) == 0 {
		return 0, io.ErrShortBuffer
	}
	n := copy(p, c.view)
	c.view = c.view[n:]
	return n, nil
}

func (c *conn) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(c.view)
	c.view = c.view[n:]
	return int64(n), err
}

func (c *conn) Next(n int) ([]byte, error) {
	b, err := c.Peek(n)
	if err == nil {
		c.view = c.view[len(b):]
	}
	return b, err
}

func (c *conn) Peek(n int) ([]byte, error) {
	if n <= 0 {
		n = len(c.view)
	}
	if n > len(c.view) {
		return nil, io.ErrShortBuffer
	}
	return c.view[:n:n], nil
}

func (c *conn) Discard(n int) (int, error) {
	if n <= 0 || n > len(c.view) {
		n = len(c.view)
	}
	c.view = c.view[n:]
	return n, nil
}

func (c *conn) InboundBuffered() int { return len(c.view) }

// keepUnread moves the bytes the handler left unread into the connection's own
// chunk, since the loop's read buffer is reused by the next event.
func (c *conn) keepUnread(s *buffer.Slab) {
	switch {
	case len(c.view) == 0:
		if c.inbound != nil {
			s.Put(c.inbound)
			c.inbound = nil
		}
		c.view, c.viewOwned = nil, false
		return
	case c.viewOwned:
		c.inbound = c.inbound[:copy(c.inbound[:cap(c.inbound)], c.view)]
	default:
		c.inbound = append(s.Get(len(c.view)), c.view...)
	}
	c.view, c.viewOwned = c.inbound, true
}

// appendInbound adds freshly read bytes behind the unread ones.
func (c *conn) appendInbound(s *buffer.Slab, p []byte) {
	if need := len(c.inbound) + len(p); need > cap(c.inbound) {
		grown := append(s.Get(need), c.inbound...)
		s.Put(c.inbound)
		c.inbound = grown
	}
	c.inbound = append(c.inbound, p...)
	c.view, c.viewOwned = c.inbound, true
}

func (c *conn) Write(p []byte) (int, error) {
	if c.kind != streamConn {
		return c.writeDatagram(p, nil)
	}
	if c.state != connOpen {
		return 0, c.opError("write", errors.ErrConnClosed)
	}
	if c.writeExpired() {
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	n := len(p)
	if n >= directWriteMin && c.outbound.Len() == 0 && !c.isTLS() {
		if p = c.loop.writeDirect(c, p); len(p) == 0 {
			return n, nil
		}
	}
	if err := c.queue(p); err != nil {
		return 0, c.opError("write", err)
	}
	c.loop.markDirty(c)
	return n, nil
}

func (c *conn) Writev(bs [][]byte) (int, error) {
	if c.kind != streamConn {
		return c.writeDatagram(nil, bs)
	}
	if c.state != connOpen {
		return 0, c.opError("writev", errors.ErrConnClosed)
	}
	if c.writeExpired() {
		return 0, c.opError("writev", os.ErrDeadlineExceeded)
	}
	n, total, skip := 0, 0, 0
	for _, b := range bs {
		total += len(b)
	}
	if total >= directWriteMin && c.outbound.Len() == 0 && !c.isTLS() {
		sent := c.loop.writevDirect(c, bs)
		if sent == total {
			return total, nil
		}
		n = sent
		for len(bs) > 0 && sent >= len(bs[0]) { // drop the slices the socket took
			sent -= len(bs[0])
			bs = bs[1:]
		}
		skip = sent // and the head of the next one
	}
	for i, b := range bs {
		if i == 0 {
			b = b[skip:]
		}
		if err := c.queue(b); err != nil {
			c.loop.markDirty(c)
			return n, c.opError("writev", err)
		}
		n += len(b)
	}
	c.loop.markDirty(c)
	return n, nil
}

func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if c.kind != streamConn {
		return 0, c.opError("readfrom", errors.ErrUnsupportedOp)
	}
	if c.state != connOpen {
		return 0, c.opError("readfrom", errors.ErrConnClosed)
	}
	if c.isTLS() {
		n, err := io.Copy(writerFunc(c.queue), r)
		c.loop.markDirty(c)
		return n, err
	}
	n, err := c.outbound.ReadFrom(&c.loop.slab, r)
	c.loop.markDirty(c)
	return n, err
}

func (c *conn) Flush() error {
	if c.kind != streamConn {
		return nil // datagrams leave when written
	}
	if c.state == connClosed {
		return c.opError("flush", errors.ErrConnClosed)
	}
	if err := c.loop.flushNow(c); err != nil {
		c.loop.closeNow(c, err)
		return err
	}
	return nil
}

func (c *conn) OutboundBuffered() int { return c.outbound.Len() }

func (c *conn) SendTo(buf []byte, addr net.Addr) (int, error) {
	if c.kind == streamConn {
		return 0, c.opError("sendto", errors.ErrUnsupportedOp)
	}
	if addr == nil {
		return 0, c.opError("sendto", errors.ErrInvalidNetworkAddress)
	}
	return c.sendTo(buf, addr)
}

// AsyncWrite on a received datagram (packetConn) sends at once, as gnet does: such a
// conn is valid only inside OnTraffic, so there is nothing to defer to.
func (c *conn) AsyncWrite(buf []byte, callback AsyncCallback) error {
	if c.kind == packetConn {
		_, err := c.writeDatagram(buf, nil)
		return c.loop.syncCallback(callback, c, err)
	}
	return c.loop.submit(taskWrite, c, buf, nil, callback)
}

func (c *conn) AsyncWritev(bs [][]byte, callback AsyncCallback) error {
	if c.kind == packetConn {
		_, err := c.writeDatagram(nil, bs)
		return c.loop.syncCallback(callback, c, err)
	}
	return c.loop.submit(taskWritev, c, nil, bs, callback)
}

func (c *conn) Context() any         { return c.ctx }
func (c *conn) SetContext(ctx any)   { c.ctx = ctx }
func (c *conn) EventLoop() EventLoop { return c.loop }
func (c *conn) RemoteAddr() net.Addr { return c.remoteAddr() }
func (c *conn) LocalAddr() net.Addr  { return c.localAddr() }
func (c *conn) Close() error         { return c.CloseWithCallback(nil) }
func (c *conn) Wake(cb AsyncCallback) error {
	if c.kind == packetConn {
		return c.anyOpError("wake", errors.ErrUnsupportedOp)
	}
	return c.loop.submit(taskWake, c, nil, nil, cb)
}

// CloseWithCallback on a received datagram only runs the callback: the listener's
// socket is the engine's, not the datagram's.
func (c *conn) CloseWithCallback(cb AsyncCallback) error {
	if c.kind == packetConn {
		return c.loop.syncCallback(cb, c, nil)
	}
	return c.loop.submit(taskClose, c, nil, nil, cb)
}

// writerFunc adapts a queueing function to io.Writer, for io.Copy.
type writerFunc func([]byte) error

func (f writerFunc) Write(p []byte) (int, error) {
	if err := f(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// opError gives an error its context once, at the public API, as package net does.
// Loop only: it reads state the loop changes; other goroutines use anyOpError.
func (c *conn) opError(op string, err error) error {
	var local net.Addr
	if c.x != nil {
		local = c.x.local
	}
	return &net.OpError{Op: op, Net: c.network(), Source: local, Addr: c.remoteAddr(), Err: err}
}

// anyOpError is opError for any goroutine: it reads only what is fixed when the conn
// is made, so it builds the peer's address afresh (an error path) and leaves out the
// local one, which the loop looks up lazily.
func (c *conn) anyOpError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network(), Addr: c.peerAddr(), Err: err}
}

// peerAddr is the peer's address for any goroutine: the one kept whole when the conn
// was made, else a new one built from peer (nil for a received datagram, whose
// sender changes with each one).
func (c *conn) peerAddr() net.Addr {
	if c.kind == packetConn {
		return nil
	}
	if c.peer.Compact() {
		return c.peer.Addr()
	}
	return c.remote // set before the conn was shared and never changed since
}

func (c *conn) isTCP() bool { return c.peer.Net() == socket.NetTCP }

func (c *conn) network() string {
	switch {
	case c.kind != streamConn:
		return "udp"
	case c.peer.Net() == socket.NetUnix:
		return "unix"
	}
	return "tcp"
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
	err = el.release(c, err)
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
	if err := el.readingChanged(c); err != nil {
		el.closeNow(c, err)
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
