//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !reactor_std

package reactor

import (
	"context"
	stderrors "errors"
	"net"
	"syscall"

	"github.com/reactorgo/reactor/internal/poller"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
)

// bind opens b's listeners and registers each with the loop that accepts on it:
// every loop its own with SO_REUSEPORT, otherwise loop 0 for all.
func (eng *engine) bind(b *boundAddr) error {
	for _, el := range eng.loops {
		if b.ln != nil && (!eng.opts.ReusePort || b.network == "unix") {
			break
		}
		addr := b.address
		if b.ln != nil {
			addr = b.ln.Addr.String() // port 0: the other loops join the port the first got
		}
		ln, err := eng.listen(b.network, addr)
		if err != nil {
			return err
		}
		if b.ln == nil {
			b.ln = ln
		}
		if err := el.poller.Add(ln.Fd, poller.Readable); err != nil {
			return err
		}
		lln := &loopListener{Listener: ln, tls: b.tls}
		if ln.Network[:3] == "udp" {
			lln.packets = newPacketSource(el, ln)
		}
		el.lns = append(el.lns, lln)
	}
	return nil
}

// listenSocket opens a listening socket with the engine's options.
func (eng *engine) listenSocket(network, address string) (*socket.Listener, error) {
	cfg := socket.ListenConfig{
		// As package net does: a restarted server must not wait out TIME_WAIT.
		ReuseAddr:    true,
		ReusePort:    eng.opts.ReusePort,
		RecvBuffer:   eng.opts.SocketRecvBuffer,
		SendBuffer:   eng.opts.SocketSendBuffer,
		BindToDevice: eng.opts.BindToDevice,
	}
	var (
		ln  *socket.Listener
		err error
	)
	switch network[:3] {
	case "uni":
		ln, err = socket.ListenUnix(address, cfg)
	case "udp":
		ln, err = socket.ListenUDP(network, address, socket.UDPConfig{
			ListenConfig: cfg, MulticastInterface: eng.opts.MulticastInterfaceIndex})
	default:
		ln, err = socket.ListenTCP(network, address, cfg)
	}
	return ln, err
}

// configureConn applies the per-connection socket options to an accepted socket.
func (eng *engine) configureConn(fd int, ln *socket.Listener) error {
	if ln.Network == "unix" {
		return nil
	}
	return eng.configureTCP(fd)
}

// configureTCP applies the TCP options to an accepted or dialled socket.
func (eng *engine) configureTCP(fd int) error {
	if eng.opts.TCPNoDelay == TCPNoDelay {
		if err := socket.SetNoDelay(fd, true); err != nil {
			return err
		}
	}
	if eng.opts.TCPKeepAlive > 0 {
		err := socket.SetKeepAlive(fd, true, eng.opts.TCPKeepAlive, eng.opts.TCPKeepInterval, eng.opts.TCPKeepCount)
		if stderrors.Is(err, errors.ErrUnsupportedOp) {
			return nil // keep-alive is on; the system (OpenBSD) has no per-socket timing
		}
		return err
	}
	return nil
}

// Enroll implements EventLoop.
func (el *eventloop) Enroll(ctx context.Context, c net.Conn) (<-chan RegisteredResult, error) {
	if c == nil {
		return nil, errors.ErrInvalidNetConn
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, errors.ErrInvalidNetConn
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(s uintptr) { fd, dupErr = socket.Dup(int(s)) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, dupErr
	}
	remote := c.RemoteAddr()
	c.Close() // the duplicate keeps the connection open; it is the loop's now
	t := getTask(taskOpen)
	t.fd, t.remote, t.ctx = fd, remote, ctx
	result := make(chan RegisteredResult, 1)
	t.result = result
	el.eng.connOpened(el)
	if err := el.enqueue(t); err != nil {
		el.eng.connClosed(el)
		socket.Close(fd)
		return nil, err
	}
	return result, nil
}

// listener is a listening socket of the engine.
type listener = socket.Listener

func (b *boundAddr) dup() (int, error) {
	fd, err := socket.Dup(b.ln.Fd)
	if err != nil {
		return -1, &net.OpError{Op: "dup", Net: b.network, Addr: b.ln.Addr, Err: err}
	}
	return fd, nil
}
