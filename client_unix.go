//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !reactor_std

package reactor

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"time"

	"github.com/reactorgo/reactor/internal/poller"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
)

// dialContext connects; with tlsCfg a client TLS handshake follows before OnOpen.
func (el *eventloop) dialContext(ctx context.Context, network string, addr net.Addr, timeout time.Duration, tlsCfg *tls.Config) (<-chan RegisteredResult, error) {
	if el.exited.Load() || el.stopping.Load() {
		return nil, errors.ErrEngineShutdown
	}
	fd, done, err := socket.Connect(network, addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: addr, Err: err}
	}
	if strings.HasPrefix(network, "tcp") {
		if err := el.eng.configureTCP(fd); err != nil {
			socket.Close(fd)
			return nil, &net.OpError{Op: "dial", Net: network, Addr: addr, Err: err}
		}
	}
	result := make(chan RegisteredResult, 1)
	t := getTask(taskOpen)
	t.fd, t.remote, t.ctx, t.result = fd, addr, ctx, result
	t.tls, t.tlsClient = tlsCfg, true
	if !done {
		t.dial = &dialing{network: network, result: result, tls: tlsCfg}
		if dl := dialDeadline(ctx, timeout); !dl.IsZero() {
			t.delay = max(time.Until(dl), 1) // already past: fail on the loop's first look
		}
	}
	el.eng.connOpened(el)
	if err := el.enqueue(t); err != nil {
		el.eng.connClosed(el)
		socket.Close(fd)
		return nil, err
	}
	return result, nil
}

// startConnecting registers a socket whose connect is in progress; it becomes
// writable when the outcome is known.
func (el *eventloop) startConnecting(t *task) {
	c := el.newConn(t.fd, socket.Peer{}, t.remote, FromContext(t.ctx))
	c.state = connConnecting
	c.extra().dial = t.dial
	if err := el.poller.Add(int(c.fd), poller.Writable); err != nil {
		el.failDial(c, err)
		return
	}
	el.conns.Add(int(c.fd), c)
	if t.delay > 0 {
		c.x.timer = el.after(t.delay, func() { el.failDial(c, errDialTimeout) })
	}
	if t.ctx != nil && t.ctx.Done() != nil {
		ctx := t.ctx
		c.x.dial.stop = context.AfterFunc(ctx, func() {
			el.Execute(context.Background(), RunnableFunc(func(context.Context) error {
				el.failDial(c, ctx.Err())
				return nil
			}))
		})
	}
}

// finishDial completes a connect once the socket reports writable.
func (el *eventloop) finishDial(c *conn) {
	if err := socket.ConnectResult(int(c.fd)); err != nil {
		el.failDial(c, err)
		return
	}
	if err := el.poller.Modify(int(c.fd), el.connInterest()); err != nil {
		el.failDial(c, err)
		return
	}
	d := c.x.dial
	c.x.dial = nil
	if d.stop != nil {
		d.stop()
	}
	el.timers.Cancel(c.x.timer)
	c.state = connOpen
	c.interest = uint8(el.connInterest())
	if d.tls != nil {
		el.startTLS(c, d.tls, true, d.result)
		return
	}
	el.activate(c, d.result)
}

// failDial abandons a connect in progress and reports err to the dialler. The conn
// never opened, so no OnClose follows.
func (el *eventloop) failDial(c *conn, err error) {
	if c.state != connConnecting {
		return
	}
	c.state = connClosed
	c.closed.Store(true)
	d := c.x.dial
	el.timers.Cancel(c.x.timer)
	if d.stop != nil {
		d.stop()
	}
	el.poller.Delete(int(c.fd))
	socket.Close(int(c.fd))
	el.conns.Remove(int(c.fd), c)
	el.eng.connClosed(el)
	d.result <- RegisteredResult{Err: &net.OpError{Op: "dial", Net: d.network, Addr: c.remoteAddr(), Err: err}}
}
