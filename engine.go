package reactor

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
	"github.com/reactorgo/reactor/pkg/logging"
)

// Engine is a handle on a running engine, given to OnBoot and OnShutdown. It is a
// small value; copies refer to the same engine and are safe from any goroutine.
type Engine struct {
	eng *engine
}

// Validate reports whether the engine is running: ErrEmptyEngine for a zero Engine,
// ErrEngineInShutdown once it is stopping.
func (e Engine) Validate() error {
	if e.eng == nil {
		return errors.ErrEmptyEngine
	}
	if e.eng.stopping.Load() {
		return errors.ErrEngineInShutdown
	}
	return nil
}

// CountConnections returns the number of open connections, or -1 for an invalid
// Engine.
func (e Engine) CountConnections() (count int) {
	if e.Validate() != nil {
		return -1
	}
	for _, el := range e.eng.loops {
		count += int(el.connCount.Load())
	}
	return count
}

// Dup returns a duplicate of the listener's descriptor, which the caller must close.
// It needs an engine with exactly one listening address; see DupListener.
func (e Engine) Dup() (fd int, err error) {
	if err := e.Validate(); err != nil {
		return -1, err
	}
	if len(e.eng.bound) != 1 {
		return -1, fmt.Errorf("reactor: dup: %w: the engine listens on %d addresses, use DupListener",
			errors.ErrUnsupportedOp, len(e.eng.bound))
	}
	return e.eng.bound[0].dup()
}

// DupListener is Dup for the listener of one network and address, as given to Run or
// Rotate (without the scheme) or as bound.
func (e Engine) DupListener(network, addr string) (int, error) {
	if err := e.Validate(); err != nil {
		return -1, err
	}
	for _, b := range e.eng.bound {
		if b.network == network && (b.address == addr || b.ln.Addr.String() == addr) {
			return b.dup()
		}
	}
	return -1, fmt.Errorf("reactor: dup listener %s://%s: %w", network, addr, errors.ErrInvalidNetworkAddress)
}

// Addrs returns the addresses the engine listens on, one per address given to Run
// or Rotate and in that order, with the port the system picked where port 0 was
// asked for. Any goroutine. reactor only: gnet has just Dup and DupListener, which
// need a descriptor (the portable backend has none on Windows).
func (e Engine) Addrs() []net.Addr {
	if e.Validate() != nil {
		return nil
	}
	addrs := make([]net.Addr, len(e.eng.bound))
	for i, b := range e.eng.bound {
		addrs[i] = b.ln.Addr
	}
	return addrs
}

// Register serves a connection on a loop chosen by the load balancer. ctx carries
// either a net.Conn (NewNetConnContext), which is enrolled, or a net.Addr
// (NewNetAddrContext), which is dialled; the net.Conn wins when both are present.
func (e Engine) Register(ctx context.Context) (<-chan RegisteredResult, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if c, ok := FromNetConnContext(ctx); ok {
		if c == nil {
			return nil, errors.ErrInvalidNetConn
		}
		return e.eng.lb.next(socket.HashAddr(c.RemoteAddr())).Enroll(ctx, c)
	}
	if a, ok := FromNetAddrContext(ctx); ok && a != nil {
		return e.eng.lb.next(socket.HashAddr(a)).Register(ctx, a)
	}
	return nil, errors.ErrInvalidNetConn
}

// Stop stops the engine gracefully: listeners close at once, connections deliver
// their queued bytes and close, OnClose runs for each, then OnShutdown. The drains
// are bounded by the drain timeout and by ctx: when ctx ends first, what is still
// draining is closed at once (OnClose gets ErrDrainTimeout) and Stop returns ctx's
// error while the loops finish. A second Stop gives ErrEngineInShutdown. Do not call
// Stop from a callback: return Shutdown instead.
func (e Engine) Stop(ctx context.Context) error {
	if e.eng == nil {
		return errors.ErrEmptyEngine
	}
	if !e.eng.stop() {
		return errors.ErrEngineInShutdown
	}
	select {
	case <-e.eng.done:
		return nil
	case <-ctx.Done():
		e.eng.abort()
		return ctx.Err()
	}
}

// Run serves eventHandler on protoAddr until the engine stops. protoAddr is
// scheme://address, with scheme tcp, tcp4, tcp6 or unix: "tcp://127.0.0.1:9000",
// "unix:///tmp/app.sock". Port 0 picks a free port (see Engine.Dup to learn it).
func Run(eventHandler EventHandler, protoAddr string, opts ...Option) error {
	return Rotate(eventHandler, []string{protoAddr}, opts...)
}

// Rotate is Run over several addresses served by one engine.
func Rotate(eventHandler EventHandler, addrs []string, opts ...Option) error {
	if eventHandler == nil {
		return fmt.Errorf("reactor: run: %w: nil EventHandler", errors.ErrInvalidOption)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("reactor: run: %w: no address", errors.ErrInvalidNetworkAddress)
	}
	o, err := loadOptions(opts...)
	if err != nil {
		return err
	}
	eng := newEngine(eventHandler, o)
	eng.protoAddrs = addrs
	if err := eng.setLogger(); err != nil {
		return err
	}
	return eng.run()
}

// Stop stops the engine that serves protoAddr.
//
// Deprecated: when several engines share an address (SO_REUSEPORT) it reaches only
// the last one started. Use Engine.Stop.
func Stop(ctx context.Context, protoAddr string) error {
	registry.Lock()
	eng := registry.m[protoAddr]
	registry.Unlock()
	if eng == nil {
		return errors.ErrEngineInShutdown
	}
	return Engine{eng}.Stop(ctx)
}

// registry maps the addresses given to Run and Rotate to their engines, for Stop.
var registry = struct {
	sync.Mutex
	m map[string]*engine
}{m: make(map[string]*engine)}

// engine is what Run builds: listeners, loops, and the stop machinery.
type engine struct {
	opts       *Options
	handler    EventHandler
	logger     logging.Logger
	flushLog   func() error
	protoAddrs []string
	bound      []*boundAddr // one per address given to Run or Rotate
	loops      []*eventloop
	lb         loadBalancer

	backpressure BackpressureHandler // the handler, if it implements it

	conns        atomic.Int64 // open connections, including accepted ones not yet registered
	rejected     atomic.Int64 // refused by WithMaxConnections since the last log line
	rejectLogged atomic.Int64 // UnixNano of that line
	tlsFailures  atomic.Int64 // failed TLS handshakes

	lnMu          sync.Mutex
	listeners     []*listener // every open listener, for cleanup
	openListeners atomic.Int32

	stopping atomic.Bool
	aborting atomic.Bool    // Stop's context ended: stop waiting for drains
	wg       sync.WaitGroup // the loop goroutines
	done     chan struct{}  // closed when Run is about to return
}

// boundAddr is one address the engine listens on; with SO_REUSEPORT every loop has
// its own listener for it and ln is the first.
type boundAddr struct {
	network, address string
	ln               *listener
	tls              *tls.Config // nil: plain text
}

func newEngine(h EventHandler, o *Options) *engine {
	eng := &engine{opts: o, handler: h, done: make(chan struct{})}
	eng.backpressure, _ = h.(BackpressureHandler)
	return eng
}

func (eng *engine) setLogger() error {
	switch {
	case eng.opts.Logger != nil:
		eng.logger = eng.opts.Logger
	case eng.opts.LogPath != "":
		l, flush, err := logging.New(eng.opts.LogPath, eng.opts.LogLevel)
		if err != nil {
			return fmt.Errorf("reactor: open log file: %w", err)
		}
		eng.logger, eng.flushLog = l, flush
	default:
		eng.logger = logging.GetDefaultLogger()
	}
	return nil
}

// run listens, boots, serves until stopped, and cleans up.
func (eng *engine) run() (err error) {
	defer eng.cleanup()
	if err := eng.open(); err != nil {
		return err
	}
	if eng.handler.OnBoot(Engine{eng}) == Shutdown {
		return nil
	}
	registry.Lock()
	for _, a := range eng.protoAddrs {
		registry.m[a] = eng
	}
	registry.Unlock()

	eng.start()
	eng.wg.Wait()
	eng.handler.OnShutdown(Engine{eng})
	return nil
}

// start launches the loops and the ticker.
func (eng *engine) start() {
	for _, el := range eng.loops {
		eng.wg.Add(1)
		go func() {
			defer eng.wg.Done()
			el.run()
		}()
	}
	if eng.opts.Ticker {
		eng.loops[0].Execute(context.Background(), RunnableFunc(eng.tick))
	}
}

// tick runs OnTick on loop 0 and re-arms itself on that loop's timer queue, so that
// OnTick never runs concurrently with loop 0's other callbacks.
func (eng *engine) tick(context.Context) error {
	el := eng.loops[0]
	if el.stopping.Load() {
		return nil
	}
	delay, action := eng.handler.OnTick()
	if action == Shutdown {
		eng.stop()
		return nil
	}
	el.after(delay, func() { eng.tick(context.Background()) })
	return nil
}

// connOpened counts a connection a loop takes on (dialled or enrolled); accepted
// ones are counted by admit and the acceptor. connClosed undoes either, once per
// connection.
func (eng *engine) connOpened(el *eventloop) {
	eng.conns.Add(1)
	eng.lb.opened(el)
}

func (eng *engine) connClosed(el *eventloop) {
	eng.conns.Add(-1)
	eng.lb.closed(el)
}

// admit counts an accepted connection, refusing it past WithMaxConnections. Refusals
// are logged at most once a second, with their count.
func (eng *engine) admit() bool {
	n, limit := eng.conns.Add(1), eng.opts.MaxConnections
	if limit <= 0 || n <= int64(limit) {
		return true
	}
	eng.conns.Add(-1)
	eng.rejected.Add(1)
	now := time.Now().UnixNano()
	if last := eng.rejectLogged.Load(); now-last >= int64(time.Second) && eng.rejectLogged.CompareAndSwap(last, now) {
		eng.logger.Warnf("reactor: %v: refused %d connections past the limit of %d",
			errors.ErrTooManyConnections, eng.rejected.Swap(0), limit)
	}
	return false
}

// abort gives up the drains of a stopping engine.
func (eng *engine) abort() {
	eng.aborting.Store(true)
	eng.wakeAll()
}

func (eng *engine) wakeAll() {
	for _, el := range eng.loops {
		if err := el.wake(); err != nil && !eng.aborting.Load() {
			eng.logger.Errorf("reactor: wake event loop %d: %v", el.idx, err)
		}
	}
}

// stop asks every loop to stop; it reports false when the engine was stopping already.
func (eng *engine) stop() bool {
	if !eng.stopping.CompareAndSwap(false, true) {
		return false
	}
	for _, el := range eng.loops {
		el.stopping.Store(true)
		if err := el.wake(); err != nil {
			eng.logger.Errorf("reactor: wake event loop %d: %v", el.idx, err)
		}
	}
	return true
}

func (eng *engine) closeListener(ln *listener) {
	eng.lnMu.Lock()
	defer eng.lnMu.Unlock()
	for i, l := range eng.listeners {
		if l == ln {
			eng.listeners = append(eng.listeners[:i], eng.listeners[i+1:]...)
			ln.Close()
			if eng.openListeners.Add(-1) == 0 {
				// Loops with nothing left wait for this before they exit.
				for _, el := range eng.loops {
					el.wake()
				}
			}
			return
		}
	}
}

func (eng *engine) cleanup() {
	eng.stopping.Store(true)
	registry.Lock()
	for _, a := range eng.protoAddrs {
		if registry.m[a] == eng {
			delete(registry.m, a)
		}
	}
	registry.Unlock()
	eng.lnMu.Lock()
	for _, ln := range eng.listeners {
		ln.Close()
	}
	eng.listeners = nil
	eng.openListeners.Store(0)
	eng.lnMu.Unlock()
	for _, el := range eng.loops {
		el.exited.Store(true)
		el.closeIO()
	}
	if eng.flushLog != nil {
		eng.flushLog()
	}
	close(eng.done)
}

// open creates the loops and the listeners.
func (eng *engine) open() error {
	eng.lb = newLoadBalancer(eng.opts.LB)
	for i := 0; i < eng.opts.NumEventLoop; i++ {
		el, err := newEventLoop(eng, i)
		if err != nil {
			return err
		}
		eng.loops = append(eng.loops, el)
		eng.lb.add(el)
	}
	for _, pa := range eng.protoAddrs {
		network, address, err := parseProtoAddr(pa)
		if err != nil {
			return err
		}
		b := &boundAddr{network: network, address: address, tls: eng.opts.TLSConfig}
		if cfg, ok := eng.opts.TLSListenerConfigs[pa]; ok {
			b.tls = cfg
		}
		if network[:3] == "udp" {
			b.tls = nil // datagrams are not a stream: TLS does not apply (DTLS is another protocol)
		}
		if err := eng.bind(b); err != nil {
			return err
		}
		eng.bound = append(eng.bound, b)
	}
	return nil
}

// listen opens a listener and keeps it for cleanup.
func (eng *engine) listen(network, address string) (*listener, error) {
	ln, err := eng.listenSocket(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: stringAddr{network, address}, Err: err}
	}
	eng.lnMu.Lock()
	eng.listeners = append(eng.listeners, ln)
	eng.lnMu.Unlock()
	eng.openListeners.Add(1)
	return ln, nil
}

// parseProtoAddr splits "scheme://address".
func parseProtoAddr(protoAddr string) (network, address string, err error) {
	network, address, ok := strings.Cut(protoAddr, "://")
	if !ok || network == "" || address == "" {
		return "", "", fmt.Errorf("reactor: %q: %w: want scheme://address", protoAddr, errors.ErrInvalidNetworkAddress)
	}
	switch network = strings.ToLower(network); network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix":
		return network, address, nil
	}
	return "", "", fmt.Errorf("reactor: %q: %w", protoAddr, errors.ErrUnsupportedProtocol)
}

// stringAddr is a net.Addr for an address that could not be resolved or bound.
type stringAddr struct{ network, address string }

func (a stringAddr) Network() string { return a.network }
func (a stringAddr) String() string  { return a.address }
