package reactor

import (
	"context"
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
