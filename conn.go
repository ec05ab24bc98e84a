package reactor

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/reactorgo/reactor/internal/buffer"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/internal/timer"
	"github.com/reactorgo/reactor/internal/tlsconn"
	"github.com/reactorgo/reactor/pkg/errors"
)

// Reader reads a connection's inbound bytes. Its methods are for the connection's
// event loop only: call them inside EventHandler callbacks or loop tasks.
type Reader interface {
	io.Reader
	io.WriterTo

	// Next returns the next n bytes and consumes them. n <= 0 means all buffered
	// bytes; fewer than n buffered gives io.ErrShortBuffer. The slice is valid only
	// until the callback returns.
	Next(n int) (buf []byte, err error)
	// Peek is Next without consuming.
	Peek(n int) (buf []byte, err error)
	// Discard consumes n bytes; n <= 0 or n >= InboundBuffered discards everything.
	Discard(n int) (discarded int, err error)
	// InboundBuffered reports how many bytes can be read now.
	InboundBuffered() int
}

// Writer queues outbound bytes. Write, Writev, ReadFrom, Flush, OutboundBuffered and
// SendTo are for the connection's event loop only; AsyncWrite and AsyncWritev may be
// called from any goroutine.
//
// Writes made during a callback are collected and sent with one write or writev when
// the callback returns. A write the kernel takes only partly leaves the rest queued
// with write readiness armed, so queued bytes always go out without another call.
type Writer interface {
	io.Writer     // loop only; returns len(p) once the bytes are queued or sent
	io.ReaderFrom // loop only; queues everything read from r until io.EOF

	// SendTo sends a datagram to addr; on a stream connection it gives ErrUnsupportedOp.
	SendTo(buf []byte, addr net.Addr) (n int, err error)
	// Writev is Write for several slices.
	Writev(bs [][]byte) (n int, err error)
	// Flush sends queued bytes now instead of when the callback returns.
	Flush() error
	// OutboundBuffered reports how many bytes are queued and not yet sent.
	OutboundBuffered() int
	// AsyncWrite queues buf from any goroutine. The loop takes ownership of buf until
	// callback (if not nil) runs on the loop with the result.
	AsyncWrite(buf []byte, callback AsyncCallback) (err error)
	// AsyncWritev is AsyncWrite for several slices.
	AsyncWritev(bs [][]byte, callback AsyncCallback) (err error)
}

// Socket manipulates the connection's file descriptor. Its methods may be called
// from any goroutine while the connection is open.
type Socket interface {
	// Fd returns the descriptor; it stays owned by reactor.
	Fd() int
	// Dup returns a close-on-exec duplicate the caller must close.
	Dup() (int, error)
	// SetReadBuffer sets SO_RCVBUF.
	SetReadBuffer(size int) error
	// SetWriteBuffer sets SO_SNDBUF.
	SetWriteBuffer(size int) error
	// SetLinger sets SO_LINGER: secs < 0 restores the default background close,
	// 0 discards unsent data and resets on close, > 0 waits up to secs.
	SetLinger(secs int) error
	// SetKeepAlivePeriod enables keep-alive with idle time and interval d.
	SetKeepAlivePeriod(d time.Duration) error
	// SetKeepAlive sets every keep-alive parameter; idle, intvl and cnt must be
	// positive when enabled.
	SetKeepAlive(enabled bool, idle, intvl time.Duration, cnt int) error
	// SetNoDelay sets TCP_NODELAY.
	SetNoDelay(noDelay bool) error
}

// Conn is a connection served by an event loop.
//
// Unless a method says otherwise, call it only from the connection's event loop (in
// callbacks). Wake, Close, CloseWithCallback, AsyncWrite, AsyncWritev, EventLoop and
// the Socket methods are safe from any goroutine.
type Conn interface {
	Reader
	Writer
	Socket

	// Context returns the value set by SetContext. Loop only.
	Context() (ctx any)
	// EventLoop returns the connection's loop. Any goroutine.
	EventLoop() EventLoop
	// SetContext attaches a value to the connection. Loop only.
	SetContext(ctx any)
	// LocalAddr is the local address. Loop only.
	LocalAddr() net.Addr
	// RemoteAddr is the peer's address. Loop only.
	RemoteAddr() net.Addr
	// Wake makes the loop call OnTraffic for this connection, then callback.
	// Any goroutine.
	Wake(callback AsyncCallback) error
	// CloseWithCallback closes the connection as Close does and runs callback on the
	// loop once it is closed. Any goroutine.
	CloseWithCallback(callback AsyncCallback) error
	// Close delivers the bytes already written, then closes the connection and runs
	// OnClose. It returns at once. Any goroutine.
	Close() error
	// SetDeadline sets both deadlines. Any goroutine. (gnet: ErrUnsupportedOp.)
	SetDeadline(t time.Time) error
	// SetReadDeadline closes the connection when t passes, as a blocked Read on a
	// net.Conn would fail; OnClose gets an error matching os.ErrDeadlineExceeded.
	// Extend it after each message to bound the time between messages. A zero t
	// clears it. Any goroutine.
	SetReadDeadline(t time.Time) error
	// SetWriteDeadline closes the connection when t passes with output still queued
	// (the peer is not reading), and makes later writes fail with
	// os.ErrDeadlineExceeded. A zero t clears it. Any goroutine.
	SetWriteDeadline(t time.Time) error
}

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
	if err := c.queue(p); err != nil {
		return 0, c.opError("write", err)
	}
	c.loop.markDirty(c)
	return len(p), nil
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
	n := 0
	for _, b := range bs {
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
	if err := c.loop.flush(c); err != nil {
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

func (c *conn) network() string {
	switch {
	case c.kind != streamConn:
		return "udp"
	case c.peer.Net() == socket.NetUnix:
		return "unix"
	}
	return "tcp"
}
