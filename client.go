package reactor

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reactorgo/reactor/pkg/errors"
)

// Client serves outbound connections on event loops of its own, with the same
// EventHandler callbacks as an engine: OnBoot at Start, OnOpen once a dial completes,
// OnTraffic, OnClose, OnTick, OnShutdown at Stop.
type Client struct {
	eng     *engine
	started atomic.Bool
	stopped atomic.Bool
}

// NewClient creates a client; Start runs it. Server-only options are ignored.
func NewClient(eh EventHandler, opts ...Option) (cli *Client, err error) {
	if eh == nil {
		return nil, fmt.Errorf("reactor: new client: %w: nil EventHandler", errors.ErrInvalidOption)
	}
	o, err := loadOptions(opts...)
	if err != nil {
		return nil, err
	}
	eng := newEngine(eh, o)
	if err := eng.setLogger(); err != nil {
		return nil, err
	}
	if err := eng.open(); err != nil {
		eng.cleanup()
		return nil, err
	}
	return &Client{eng: eng}, nil
}

// Start runs OnBoot and starts the event loops.
func (cli *Client) Start() error {
	if !cli.started.CompareAndSwap(false, true) {
		return fmt.Errorf("reactor: client start: %w: already started", errors.ErrUnsupportedOp)
	}
	if cli.eng.handler.OnBoot(Engine{cli.eng}) == Shutdown {
		cli.stopped.Store(true)
		cli.eng.cleanup()
		return nil
	}
	cli.eng.start()
	return nil
}

// Stop closes every connection (delivering queued bytes, as Close does), stops the
// loops and runs OnShutdown. It waits for all of that.
func (cli *Client) Stop() error {
	if !cli.started.Load() || !cli.stopped.CompareAndSwap(false, true) {
		return errors.ErrEngineInShutdown
	}
	cli.eng.stop()
	cli.eng.wg.Wait()
	cli.eng.handler.OnShutdown(Engine{cli.eng})
	cli.eng.cleanup()
	return nil
}

// Dial connects to address over network (tcp, tcp4, tcp6, udp, udp4, udp6 or unix)
// and returns once OnOpen has run. The connect itself does not block an event loop:
// it is registered with the poller (the portable backend dials on a goroutine). It
// fails after WithDialTimeout if set.
func (cli *Client) Dial(network, address string) (Conn, error) {
	return cli.DialContext(network, address, nil)
}

// DialContext is Dial that also sets the connection's context (Conn.Context) to ctx
// before OnOpen runs.
func (cli *Client) DialContext(network, address string, ctx any) (Conn, error) {
	if err := cli.usable(); err != nil {
		return nil, err
	}
	addr, err := resolveAddr(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: stringAddr{network, address}, Err: err}
	}
	var tlsCfg *tls.Config
	if cfg := cli.eng.opts.TLSConfig; cfg != nil && !strings.HasPrefix(network, "udp") {
		tlsCfg = cfg
		if cfg.ServerName == "" { // verify (and send SNI for) the host that was dialled
			host, _, _ := net.SplitHostPort(address)
			tlsCfg = cfg.Clone()
			tlsCfg.ServerName = host
		}
	}
	el := cli.eng.lb.next(0)
	result, err := el.dial(network, addr, ctx, cli.eng.opts.DialTimeout, tlsCfg)
	if err != nil {
		return nil, err
	}
	r := <-result
	return r.Conn, r.Err
}

// Enroll moves an established net.Conn (TCP, UDP or unix) onto the client's loops;
// with a poller the net.Conn itself is closed and the loop serves a duplicate of its
// descriptor (the portable backend serves the net.Conn itself).
func (cli *Client) Enroll(c net.Conn) (Conn, error) { return cli.EnrollContext(c, nil) }

// EnrollContext is Enroll that also sets the connection's context.
func (cli *Client) EnrollContext(c net.Conn, ctx any) (Conn, error) {
	if err := cli.usable(); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.ErrInvalidNetConn
	}
	var cctx context.Context = context.Background()
	if ctx != nil {
		cctx = NewContext(cctx, ctx)
	}
	result, err := cli.eng.lb.next(0).Enroll(cctx, c)
	if err != nil {
		return nil, err
	}
	r := <-result
	return r.Conn, r.Err
}

func (cli *Client) usable() error {
	if !cli.started.Load() || cli.stopped.Load() {
		return fmt.Errorf("reactor: client: %w: not running", errors.ErrEngineShutdown)
	}
	return nil
}

// resolveAddr turns network and address into the net.Addr to connect to.
func resolveAddr(network, address string) (net.Addr, error) {
	switch {
	case strings.HasPrefix(network, "tcp"):
		return net.ResolveTCPAddr(network, address)
	case strings.HasPrefix(network, "udp"):
		return net.ResolveUDPAddr(network, address)
	case network == "unix":
		return net.ResolveUnixAddr(network, address)
	}
	return nil, errors.ErrUnsupportedProtocol
}

// dialing is the state of a connection whose connect is in progress.
type dialing struct {
	network string
	result  chan RegisteredResult
	stop    func() bool // unregisters the context watch
	tls     *tls.Config // a client TLS handshake follows the connect
}

// dialDeadline is the earlier of the timeout and ctx's deadline, or zero for none.
func dialDeadline(ctx context.Context, timeout time.Duration) time.Time {
	var d time.Time
	if timeout > 0 {
		d = time.Now().Add(timeout)
	}
	if ctx != nil {
		if cd, ok := ctx.Deadline(); ok && (d.IsZero() || cd.Before(d)) {
			d = cd
		}
	}
	return d
}

// Register implements EventLoop: a non-blocking connect registered with this loop,
// bounded by ctx's deadline and cancelled with ctx.
func (el *eventloop) Register(ctx context.Context, addr net.Addr) (<-chan RegisteredResult, error) {
	if addr == nil {
		return nil, errors.ErrInvalidNetworkAddress
	}
	return el.dialContext(ctx, addr.Network(), addr, el.eng.opts.DialTimeout, nil)
}

var errDialTimeout = &timeoutError{}

// timeoutError is the dial timeout; like net's, it says Timeout() and matches
// os.ErrDeadlineExceeded.
type timeoutError struct{}

func (*timeoutError) Error() string   { return "i/o timeout" }
func (*timeoutError) Timeout() bool   { return true }
func (*timeoutError) Temporary() bool { return true }
func (*timeoutError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded || target == context.DeadlineExceeded
}

// dial connects to addr and hands the connection to el; the returned channel
// delivers the conn once OnOpen has run, or the connect error.
func (el *eventloop) dial(network string, addr net.Addr, value any, timeout time.Duration, tlsCfg *tls.Config) (<-chan RegisteredResult, error) {
	ctx := context.Background()
	if value != nil {
		ctx = NewContext(ctx, value)
	}
	return el.dialContext(ctx, network, addr, timeout, tlsCfg)
}
