//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || reactor_std

package reactor

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/reactorgo/reactor/pkg/errors"
)

// listener is a listening socket of the engine, from package net.
type listener struct {
	Network string
	Addr    net.Addr
	ln      net.Listener   // stream listeners
	pc      net.PacketConn // UDP

	once   sync.Once
	closed chan struct{} // closed by Close, for the goroutines serving it
}

func (ln *listener) Close() (err error) {
	ln.once.Do(func() {
		close(ln.closed)
		if ln.ln != nil {
			err = ln.ln.Close()
		} else {
			err = ln.pc.Close()
		}
	})
	return err
}

func (ln *listener) isClosed() bool {
	select {
	case <-ln.closed:
		return true
	default:
		return false
	}
}

func (ln *listener) rawConn() (syscall.RawConn, error) {
	var v any = ln.ln
	if ln.ln == nil {
		v = ln.pc
	}
	if sc, ok := v.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupportedOp
}

func (b *boundAddr) dup() (int, error) {
	fd, err := dupRaw(b.ln.rawConn())
	if err != nil {
		return -1, &net.OpError{Op: "dup", Net: b.network, Addr: b.ln.Addr, Err: err}
	}
	return fd, nil
}

// bind opens b's one listener, served by loop 0's goroutines: without a poller,
// SO_REUSEPORT has nothing to spread, and the load balancer picks the loop of every
// connection.
func (eng *engine) bind(b *boundAddr) error {
	ln, err := eng.listen(b.network, b.address)
	if err != nil {
		return err
	}
	b.ln = ln
	el := eng.loops[0]
	lln := &loopListener{listener: ln, tls: b.tls}
	if ln.pc != nil {
		lln.packets = newPacketSource(el, ln)
	}
	el.lns = append(el.lns, lln)
	return nil
}

// listenSocket opens a listener with package net.
func (eng *engine) listenSocket(network, address string) (*listener, error) {
	if eng.opts.BindToDevice != "" {
		return nil, fmt.Errorf("bind to device: %w", errors.ErrUnsupportedOp)
	}
	lc := net.ListenConfig{KeepAlive: -1} // keep-alive only when asked, as with a poller
	ln := &listener{Network: network, closed: make(chan struct{})}
	switch network {
	case "udp", "udp4", "udp6":
		pc, err := eng.listenUDP(lc, network, address)
		if err != nil {
			return nil, err
		}
		ln.pc, ln.Addr = pc, pc.LocalAddr()
		if u, ok := pc.(*net.UDPConn); ok {
			setBuffers(u, eng.opts.SocketRecvBuffer, eng.opts.SocketSendBuffer)
		}
		return ln, nil
	case "unix":
		removeStaleSocket(address)
	}
	l, err := lc.Listen(context.Background(), network, address)
	if err != nil {
		return nil, err
	}
	ln.ln, ln.Addr = l, l.Addr()
	return ln, nil
}

// listenUDP binds a UDP socket; a multicast address is joined on the configured
// interface.
func (eng *engine) listenUDP(lc net.ListenConfig, network, address string) (net.PacketConn, error) {
	ua, err := net.ResolveUDPAddr(network, address)
	if err != nil {
		return nil, err
	}
	if ua.IP.IsMulticast() {
		var ifi *net.Interface
		if idx := eng.opts.MulticastInterfaceIndex; idx != 0 {
			if ifi, err = net.InterfaceByIndex(idx); err != nil {
				return nil, err
			}
		}
		return net.ListenMulticastUDP(network, ifi, ua)
	}
	return lc.ListenPacket(context.Background(), network, address)
}

// removeStaleSocket removes a unix socket file nobody listens on any more, so that a
// restarted server can bind again; a live one is left for Listen to refuse.
func removeStaleSocket(path string) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 {
		return
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return
	}
	os.Remove(path)
}

func setBuffers(v any, recv, send int) {
	if b, ok := v.(interface{ SetReadBuffer(int) error }); ok && recv > 0 {
		b.SetReadBuffer(recv)
	}
	if b, ok := v.(interface{ SetWriteBuffer(int) error }); ok && send > 0 {
		b.SetWriteBuffer(send)
	}
}

// configureConn applies the per-connection options to an accepted or dialled
// connection. package net turns TCP_NODELAY on by default, so it is set either way.
func (eng *engine) configureConn(nc net.Conn) error {
	setBuffers(nc, eng.opts.SocketRecvBuffer, eng.opts.SocketSendBuffer)
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	if err := tc.SetNoDelay(eng.opts.TCPNoDelay == TCPNoDelay); err != nil {
		return err
	}
	if ka := eng.opts.TCPKeepAlive; ka > 0 {
		return tc.SetKeepAliveConfig(net.KeepAliveConfig{
			Enable: true, Idle: ka, Interval: eng.opts.TCPKeepInterval, Count: eng.opts.TCPKeepCount})
	}
	return nil
}

// Enroll implements EventLoop. Without a poller the loop serves c itself (it is
// not duplicated and closed as with a poller), so any net.Conn will do.
func (el *eventloop) Enroll(ctx context.Context, c net.Conn) (<-chan RegisteredResult, error) {
	if c == nil {
		return nil, errors.ErrInvalidNetConn
	}
	t := getTask(taskOpen)
	t.nc, t.ctx = c, ctx
	result := make(chan RegisteredResult, 1)
	t.result = result
	el.eng.connOpened(el)
	if err := el.enqueue(t); err != nil {
		el.eng.connClosed(el)
		c.Close()
		return nil, err
	}
	return result, nil
}
