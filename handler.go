package reactor

import (
	"context"
	"io"
	"net"
	"time"
)

// Action tells the engine what to do after a callback returns.
type Action int

const (
	// None continues as usual.
	None Action = iota
	// Close closes the connection, after its queued outbound bytes are delivered.
	Close
	// Shutdown stops the whole engine, as Engine.Stop does.
	Shutdown
)

// EventHandler receives the events of an engine or client. Every method runs on an
// event-loop goroutine; see the package documentation for the order of calls and for
// what may be done from other goroutines.
type EventHandler interface {
	// OnBoot runs once, when the listeners are open and before any connection is
	// served. Returning Shutdown stops the engine before it serves anything.
	OnBoot(eng Engine) (action Action)

	// OnShutdown runs once, after every loop has stopped and every OnClose has run.
	OnShutdown(eng Engine)

	// OnOpen runs when a connection is accepted or dialled. out, if not empty, is
	// sent before anything written later.
	OnOpen(c Conn) (out []byte, action Action)

	// OnClose runs exactly once for every connection whose OnOpen ran, after the
	// socket is closed. err is nil for a clean close (a local Close, or EOF from the
	// peer) and otherwise the error that ended the connection.
	OnClose(c Conn, err error) (action Action)

	// OnTraffic runs when inbound bytes are buffered, or when Conn.Wake is called.
	// Read them with the Reader methods; unread bytes stay for the next call.
	OnTraffic(c Conn) (action Action)

	// OnTick runs on the first event loop immediately after start (with WithTicker)
	// and again after each returned delay.
	OnTick() (delay time.Duration, action Action)
}

// BuiltinEventEngine implements every EventHandler method as a no-op; embed it and
// override what you need.
type BuiltinEventEngine struct{}

// OnBoot does nothing.
func (*BuiltinEventEngine) OnBoot(_ Engine) (action Action) { return }

// OnShutdown does nothing.
func (*BuiltinEventEngine) OnShutdown(_ Engine) {}

// OnOpen does nothing.
func (*BuiltinEventEngine) OnOpen(_ Conn) (out []byte, action Action) { return }

// OnClose does nothing.
func (*BuiltinEventEngine) OnClose(_ Conn, _ error) (action Action) { return }

// OnTraffic does nothing; unread bytes stay buffered.
func (*BuiltinEventEngine) OnTraffic(_ Conn) (action Action) { return }

// OnTick does nothing and asks not to be called again for a long time.
func (*BuiltinEventEngine) OnTick() (delay time.Duration, action Action) { return }

// BackpressureHandler is an optional interface of an EventHandler. With
// WithWriteBufferWaterMarks, OnBackpressure runs when a connection's queued output
// rises above the high mark (paused is true: reactor has stopped reading from it) and
// when it falls back to the low mark (paused is false). A proxy uses it to stop and
// resume reading from the other side (by leaving its input unread, with
// WithMaxInboundBuffered, and waking it later). reactor only.
type BackpressureHandler interface {
	OnBackpressure(c Conn, paused bool) (action Action)
}

// AsyncCallback receives the result of an asynchronous operation. It runs on the
// connection's event loop, so it must not block. Its error is logged, nothing more.
type AsyncCallback func(c Conn, err error) error

// Runnable is work run on an event loop by Execute or Schedule. Run must not block.
type Runnable interface {
	Run(ctx context.Context) error
}

// RunnableFunc adapts a function to Runnable.
type RunnableFunc func(ctx context.Context) error

// Run calls fn(ctx).
func (fn RunnableFunc) Run(ctx context.Context) error { return fn(ctx) }

// RegisteredResult is what Register and Enroll deliver once a connection is on a loop.
type RegisteredResult struct {
	Conn Conn
	Err  error
}

type (
	connCtxKey    struct{}
	netConnCtxKey struct{}
	netAddrCtxKey struct{}
)

// NewContext returns ctx carrying v, for Register and Enroll to set as the new
// connection's context (Conn.Context).
func NewContext(ctx context.Context, v any) context.Context {
	return context.WithValue(ctx, connCtxKey{}, v)
}

// FromContext returns the value stored by NewContext, or nil.
func FromContext(ctx context.Context) any { return ctx.Value(connCtxKey{}) }

// NewNetConnContext returns ctx carrying c, for Engine.Register.
func NewNetConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, netConnCtxKey{}, c)
}

// FromNetConnContext returns the net.Conn stored by NewNetConnContext.
func FromNetConnContext(ctx context.Context) (net.Conn, bool) {
	c, ok := ctx.Value(netConnCtxKey{}).(net.Conn)
	return c, ok
}

// NewNetAddrContext returns ctx carrying a, for Engine.Register.
func NewNetAddrContext(ctx context.Context, a net.Addr) context.Context {
	return context.WithValue(ctx, netAddrCtxKey{}, a)
}

// FromNetAddrContext returns the net.Addr stored by NewNetAddrContext.
func FromNetAddrContext(ctx context.Context) (net.Addr, bool) {
	a, ok := ctx.Value(netAddrCtxKey{}).(net.Addr)
	return a, ok
}

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
// the callback returns. A Write or Writev of 2 KiB or more with nothing queued ahead
// of it is sent at once instead, as gnet sends every write, which saves copying it;
// order is kept either way. A write the kernel takes only partly leaves the rest
// queued with write readiness armed, so queued bytes always go out without another
// call. An error of an immediate write is not returned by Write: it closes the
// connection when the callback returns, as a failed flush does.
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
