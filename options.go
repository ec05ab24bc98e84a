package reactor

import (
	"crypto/tls"
	"fmt"
	"math/bits"
	"runtime"
	"time"

	"github.com/reactorgo/reactor/pkg/errors"
	"github.com/reactorgo/reactor/pkg/logging"
)

// MaxStreamBufferCap is the default ReadBufferCap and WriteBufferCap: 64 KiB.
var MaxStreamBufferCap = 64 * 1024

// MaxEventLoops is the most event loops one engine or client may run. Asking for more
// is an error wrapping ErrTooManyEventLoopThreads; reactor never caps silently.
const MaxEventLoops = 10000

const (
	minBufferCap        = 1024
	defaultDrainTimeout = 10 * time.Second
	defaultETChunk      = 1 << 20

	defaultAsyncWriteLimit     = 64 << 20
	defaultTLSHandshakeTimeout = 10 * time.Second
	defaultBusyPoll            = 50 * time.Microsecond
)

// LoadBalancing selects how accepted connections are spread over event loops.
type LoadBalancing int

const (
	// RoundRobin hands connections to the loops in turn.
	RoundRobin LoadBalancing = iota
	// LeastConnections picks the loop with the fewest open connections.
	LeastConnections
	// SourceAddrHash picks a loop by a hash of the peer's IP address, so that one
	// client's connections share a loop.
	SourceAddrHash
)

// TCPSocketOpt is the value of the TCP_NODELAY option.
type TCPSocketOpt int

const (
	// TCPNoDelay disables Nagle's algorithm: writes are sent at once (the default).
	TCPNoDelay TCPSocketOpt = iota
	// TCPDelay enables Nagle's algorithm.
	TCPDelay
)

// Options configures an engine or client. The zero value is valid and gives the
// documented defaults. Fields that apply only to servers say so.
type Options struct {
	// LB is the load-balancing algorithm for accepted connections. Server only.
	LB LoadBalancing
	// ReuseAddr sets SO_REUSEADDR on listeners. Server only.
	ReuseAddr bool
	// ReusePort sets SO_REUSEPORT and gives every loop its own listener, so the
	// kernel spreads connections instead of the load balancer. Server only.
	ReusePort bool
	// MulticastInterfaceIndex is the interface for multicast UDP listeners. Server only.
	MulticastInterfaceIndex int
	// BindToDevice binds listeners to a network interface (SO_BINDTODEVICE, Linux
	// only). Server only.
	BindToDevice string
	// Multicore runs one event loop per CPU instead of one in total.
	Multicore bool
	// NumEventLoop, when positive, sets the number of event loops and overrides
	// Multicore. It may not exceed MaxEventLoops.
	NumEventLoop int
	// ReadBufferCap is the size of each loop's read buffer: the most one read takes
	// from a socket. 0 means MaxStreamBufferCap; smaller values are raised to 1 KiB
	// and all are rounded up to a power of two.
	ReadBufferCap int
	// WriteBufferCap is normalised like ReadBufferCap and accepted for compatibility
	// with gnet. reactor's outbound queue has no static part: an idle connection holds
	// no outbound memory, and a busy one holds exactly what is queued.
	WriteBufferCap int
	// LockOSThread locks each event loop to its own OS thread.
	LockOSThread bool
	// Ticker enables EventHandler.OnTick.
	Ticker bool
	// TCPKeepAlive enables TCP keep-alive with this idle time. TCPKeepInterval
	// defaults to a fifth of it and TCPKeepCount to 5.
	TCPKeepAlive time.Duration
	// TCPKeepInterval is the time between keep-alive probes.
	TCPKeepInterval time.Duration
	// TCPKeepCount is the number of unanswered probes before the peer is dropped.
	TCPKeepCount int
	// TCPNoDelay sets TCP_NODELAY on every connection; the default is TCPNoDelay.
	TCPNoDelay TCPSocketOpt
	// SocketRecvBuffer sets SO_RCVBUF, in bytes.
	SocketRecvBuffer int
	// SocketSendBuffer sets SO_SNDBUF, in bytes.
	SocketSendBuffer int
	// LogPath makes the engine log to this file with LogLevel. Ignored when Logger
	// is set.
	LogPath string
	// LogLevel is the level of the logger created for LogPath.
	LogLevel logging.Level
	// Logger is the engine's logger. Each engine keeps its own; reactor never
	// replaces the package-level default of pkg/logging.
	Logger logging.Logger
	// EdgeTriggeredIO registers connections edge-triggered: each readiness event is
	// followed by reads and writes until the socket would block or
	// EdgeTriggeredIOChunk bytes have moved.
	EdgeTriggeredIO bool
	// EdgeTriggeredIOChunk bounds the bytes moved per connection per event in
	// edge-triggered mode (default 1 MiB, rounded up to a power of two); setting it
	// implies EdgeTriggeredIO.
	EdgeTriggeredIOChunk int

	// DrainTimeout bounds how long a closing connection (Close, Action Close, peer
	// EOF, engine stop) may take to deliver its queued outbound bytes before it is
	// closed anyway and OnClose gets ErrDrainTimeout. 0 means 10 s; negative means
	// no drain: queued bytes are dropped at once. reactor only.
	DrainTimeout time.Duration

	// DialTimeout bounds how long Client.Dial waits for a connection to be
	// established; 0 leaves it to the operating system. reactor only.
	DialTimeout time.Duration

	// IdleTimeout closes connections that have had no traffic in either direction
	// for this long; OnClose gets ErrIdleTimeout. 0 disables it. reactor only.
	IdleTimeout time.Duration

	// WriteBufferHighWater, when positive, bounds queued output per connection:
	// above it the connection stops reading (the kernel's receive window then slows
	// the peer) until the queue falls to WriteBufferLowWater. A handler that
	// implements BackpressureHandler hears of both changes. reactor only.
	WriteBufferHighWater int
	// WriteBufferLowWater is where reading resumes; see WriteBufferHighWater.
	WriteBufferLowWater int

	// MaxInboundBuffered, when positive, stops reading from a connection while it
	// keeps this many unread bytes (its handler is not consuming), so inbound memory
	// per connection stays under MaxInboundBuffered + ReadBufferCap. Reading resumes
	// once the handler consumes (for example after Conn.Wake). reactor only.
	MaxInboundBuffered int

	// AsyncWriteLimit bounds the bytes AsyncWrite and AsyncWritev may have queued
	// on one loop; past it they fail with ErrAsyncQueueFull. 0 means 64 MiB;
	// negative means no limit (gnet's behaviour). reactor only.
	AsyncWriteLimit int

	// MaxConnections, when positive, bounds the engine's open connections: further
	// ones are accepted and closed at once (so the listen backlog does not fill),
	// counted, and logged at most once a second. Server only; reactor only.
	MaxConnections int

	// TLSConfig serves every stream listener over TLS and, for a Client, makes
	// Dial and Register speak TLS (verification stays on unless the config turns it
	// off; an empty ServerName is taken from the dialled host). Handlers see
	// plaintext through the usual Conn methods. reactor only.
	TLSConfig *tls.Config
	// TLSListenerConfigs overrides TLSConfig per address given to Run or Rotate; a
	// nil value serves that address in plain text. reactor only.
	TLSListenerConfigs map[string]*tls.Config
	// TLSHandshakeTimeout bounds a TLS handshake; 0 means 10 s. reactor only.
	TLSHandshakeTimeout time.Duration

	// BusyPoll is how long a loop that has just handled events, and serves at most
	// 8 connections, keeps polling for more before it parks. Request/response peers
	// usually send their next request within it, and a poll costs far less than
	// parking and being woken again (tens of microseconds on virtual machines), so
	// latency drops several-fold; the price is up to this much CPU after each burst
	// of traffic. A loop with more connections parks at once: their events arrive
	// anyway and are cheaper handled in batches. A loop that stays idle parks once
	// the window has passed. 0 means 50µs; negative disables it. The portable
	// backend does not poll. reactor only.
	BusyPoll time.Duration
}

// Option sets one field of Options.
type Option func(opts *Options)

// WithOptions replaces all options at once.
func WithOptions(options Options) Option { return func(opts *Options) { *opts = options } }

// WithMulticore runs one event loop per CPU.
func WithMulticore(multicore bool) Option { return func(opts *Options) { opts.Multicore = multicore } }

// WithNumEventLoop sets the number of event loops, overriding WithMulticore.
func WithNumEventLoop(n int) Option { return func(opts *Options) { opts.NumEventLoop = n } }

// WithLoadBalancing picks the load-balancing algorithm.
func WithLoadBalancing(lb LoadBalancing) Option { return func(opts *Options) { opts.LB = lb } }

// WithReuseAddr sets SO_REUSEADDR on listeners.
func WithReuseAddr(reuseAddr bool) Option { return func(opts *Options) { opts.ReuseAddr = reuseAddr } }

// WithReusePort sets SO_REUSEPORT and gives every loop its own listener.
func WithReusePort(reusePort bool) Option { return func(opts *Options) { opts.ReusePort = reusePort } }

// WithReadBufferCap sets the per-loop read buffer size.
func WithReadBufferCap(n int) Option { return func(opts *Options) { opts.ReadBufferCap = n } }

// WithWriteBufferCap sets WriteBufferCap.
func WithWriteBufferCap(n int) Option { return func(opts *Options) { opts.WriteBufferCap = n } }

// WithLockOSThread locks each event loop to an OS thread.
func WithLockOSThread(lock bool) Option { return func(opts *Options) { opts.LockOSThread = lock } }

// WithTicker enables OnTick.
func WithTicker(ticker bool) Option { return func(opts *Options) { opts.Ticker = ticker } }

// WithTCPKeepAlive enables TCP keep-alive with the given idle time.
func WithTCPKeepAlive(d time.Duration) Option { return func(opts *Options) { opts.TCPKeepAlive = d } }

// WithTCPKeepInterval sets the interval between keep-alive probes.
func WithTCPKeepInterval(d time.Duration) Option {
	return func(opts *Options) { opts.TCPKeepInterval = d }
}

// WithTCPKeepCount sets the number of unanswered keep-alive probes tolerated.
func WithTCPKeepCount(n int) Option { return func(opts *Options) { opts.TCPKeepCount = n } }

// WithTCPNoDelay sets TCP_NODELAY.
func WithTCPNoDelay(v TCPSocketOpt) Option { return func(opts *Options) { opts.TCPNoDelay = v } }

// WithSocketRecvBuffer sets SO_RCVBUF.
func WithSocketRecvBuffer(n int) Option { return func(opts *Options) { opts.SocketRecvBuffer = n } }

// WithSocketSendBuffer sets SO_SNDBUF.
func WithSocketSendBuffer(n int) Option { return func(opts *Options) { opts.SocketSendBuffer = n } }

// WithLogPath makes the engine log to a file.
func WithLogPath(path string) Option { return func(opts *Options) { opts.LogPath = path } }

// WithLogLevel sets the level of the file logger.
func WithLogLevel(lvl logging.Level) Option { return func(opts *Options) { opts.LogLevel = lvl } }

// WithLogger gives the engine its own logger.
func WithLogger(logger logging.Logger) Option { return func(opts *Options) { opts.Logger = logger } }

// WithMulticastInterfaceIndex sets the interface for multicast UDP listeners.
func WithMulticastInterfaceIndex(idx int) Option {
	return func(opts *Options) { opts.MulticastInterfaceIndex = idx }
}

// WithBindToDevice binds listeners to a network interface (Linux only).
func WithBindToDevice(iface string) Option { return func(opts *Options) { opts.BindToDevice = iface } }

// WithEdgeTriggeredIO registers connections edge-triggered.
func WithEdgeTriggeredIO(et bool) Option { return func(opts *Options) { opts.EdgeTriggeredIO = et } }

// WithEdgeTriggeredIOChunk bounds the bytes moved per connection per edge-triggered
// event, and implies WithEdgeTriggeredIO(true).
func WithEdgeTriggeredIOChunk(chunk int) Option {
	return func(opts *Options) { opts.EdgeTriggeredIOChunk = chunk }
}

// WithDrainTimeout bounds how long a closing connection may take to deliver its
// queued bytes (reactor only; see Options.DrainTimeout).
func WithDrainTimeout(d time.Duration) Option { return func(opts *Options) { opts.DrainTimeout = d } }

// WithIdleTimeout closes connections idle for d (reactor only; see
// Options.IdleTimeout).
func WithIdleTimeout(d time.Duration) Option { return func(opts *Options) { opts.IdleTimeout = d } }

// WithWriteBufferWaterMarks pauses reading from a connection whose queued output
// exceeds high until it falls to low (reactor only; see Options.WriteBufferHighWater).
func WithWriteBufferWaterMarks(low, high int) Option {
	return func(opts *Options) { opts.WriteBufferLowWater, opts.WriteBufferHighWater = low, high }
}

// WithMaxInboundBuffered bounds each connection's unread input (reactor only; see
// Options.MaxInboundBuffered).
func WithMaxInboundBuffered(n int) Option { return func(opts *Options) { opts.MaxInboundBuffered = n } }

// WithAsyncWriteLimit bounds the bytes queued by AsyncWrite per loop (reactor only;
// see Options.AsyncWriteLimit).
func WithAsyncWriteLimit(n int) Option { return func(opts *Options) { opts.AsyncWriteLimit = n } }

// WithMaxConnections bounds the engine's open connections (reactor only; see
// Options.MaxConnections).
func WithMaxConnections(n int) Option { return func(opts *Options) { opts.MaxConnections = n } }

// WithTLSConfig serves stream listeners, or a Client's dials, over TLS (reactor
// only; see Options.TLSConfig).
func WithTLSConfig(cfg *tls.Config) Option { return func(opts *Options) { opts.TLSConfig = cfg } }

// WithTLSListenerConfig sets the TLS config of one address given to Run or Rotate,
// nil for plain text, so one engine can mix TLS and plain listeners (reactor only).
func WithTLSListenerConfig(protoAddr string, cfg *tls.Config) Option {
	return func(opts *Options) {
		if opts.TLSListenerConfigs == nil {
			opts.TLSListenerConfigs = make(map[string]*tls.Config)
		}
		opts.TLSListenerConfigs[protoAddr] = cfg
	}
}

// WithTLSHandshakeTimeout bounds TLS handshakes (reactor only).
func WithTLSHandshakeTimeout(d time.Duration) Option {
	return func(opts *Options) { opts.TLSHandshakeTimeout = d }
}

// WithBusyPoll sets how long a loop polls before it parks (reactor only; see
// Options.BusyPoll). A negative d disables polling.
func WithBusyPoll(d time.Duration) Option { return func(opts *Options) { opts.BusyPoll = d } }

// WithDialTimeout bounds Client.Dial (reactor only; see Options.DialTimeout).
func WithDialTimeout(d time.Duration) Option { return func(opts *Options) { opts.DialTimeout = d } }

// loadOptions applies opts over the defaults and checks the result. Every error wraps
// a sentinel of pkg/errors and names the offending value.
func loadOptions(opts ...Option) (*Options, error) {
	o := new(Options)
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if o.LB < RoundRobin || o.LB > SourceAddrHash {
		return nil, fmt.Errorf("%w: unknown load balancing %d", errors.ErrInvalidOption, o.LB)
	}
	if o.TCPNoDelay != TCPNoDelay && o.TCPNoDelay != TCPDelay {
		return nil, fmt.Errorf("%w: unknown TCPSocketOpt %d", errors.ErrInvalidOption, o.TCPNoDelay)
	}
	switch {
	case o.NumEventLoop > MaxEventLoops:
		return nil, fmt.Errorf("%w: %d event loops asked for, the limit is %d",
			errors.ErrTooManyEventLoopThreads, o.NumEventLoop, MaxEventLoops)
	case o.NumEventLoop > 0:
	case o.Multicore:
		o.NumEventLoop = min(runtime.NumCPU(), MaxEventLoops)
	default:
		o.NumEventLoop = 1
	}
	o.ReadBufferCap = bufferCap(o.ReadBufferCap)
	o.WriteBufferCap = bufferCap(o.WriteBufferCap)
	if o.EdgeTriggeredIOChunk > 0 {
		o.EdgeTriggeredIO = true
		o.EdgeTriggeredIOChunk = ceilPowerOfTwo(o.EdgeTriggeredIOChunk)
	} else if o.EdgeTriggeredIO {
		o.EdgeTriggeredIOChunk = defaultETChunk
	}
	if o.TCPKeepAlive > 0 {
		if o.TCPKeepInterval <= 0 {
			o.TCPKeepInterval = o.TCPKeepAlive / 5
		}
		if o.TCPKeepCount <= 0 {
			o.TCPKeepCount = 5
		}
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = defaultDrainTimeout
	}
	if o.WriteBufferHighWater > 0 && (o.WriteBufferLowWater < 0 || o.WriteBufferLowWater > o.WriteBufferHighWater) {
		return nil, fmt.Errorf("%w: write buffer water marks low %d, high %d: want 0 <= low <= high",
			errors.ErrInvalidOption, o.WriteBufferLowWater, o.WriteBufferHighWater)
	}
	if o.IdleTimeout < 0 || o.DialTimeout < 0 || o.MaxInboundBuffered < 0 {
		return nil, fmt.Errorf("%w: negative IdleTimeout, DialTimeout or MaxInboundBuffered", errors.ErrInvalidOption)
	}
	switch {
	case o.BusyPoll == 0:
		o.BusyPoll = defaultBusyPoll
	case o.BusyPoll < 0:
		o.BusyPoll = 0
	}
	if o.TLSHandshakeTimeout <= 0 {
		o.TLSHandshakeTimeout = defaultTLSHandshakeTimeout
	}
	switch {
	case o.AsyncWriteLimit == 0:
		o.AsyncWriteLimit = defaultAsyncWriteLimit
	case o.AsyncWriteLimit < 0:
		o.AsyncWriteLimit = 0 // unlimited
	}
	return o, nil
}

func bufferCap(n int) int {
	switch {
	case n <= 0:
		return MaxStreamBufferCap
	case n <= minBufferCap:
		return minBufferCap
	}
	return ceilPowerOfTwo(n)
}

func ceilPowerOfTwo(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}
