//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || reactor_std

package reactor

import (
	"context"
	"crypto/tls"
	stderrors "errors"
	"net"
	"time"

	"github.com/reactorgo/reactor/pkg/errors"
)

// dialContext connects with package net, bounded by timeout and ctx and given up when
// the engine stops; with tlsCfg a client TLS handshake follows before OnOpen.
func (el *eventloop) dialContext(ctx context.Context, network string, addr net.Addr, timeout time.Duration, tlsCfg *tls.Config) (<-chan RegisteredResult, error) {
	if el.exited.Load() || el.stopping.Load() {
		return nil, errors.ErrEngineShutdown
	}
	result := make(chan RegisteredResult, 1)
	el.eng.connOpened(el)
	go func() {
		dctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(el.stopDials, cancel)
		defer stop()
		d := net.Dialer{Timeout: timeout, KeepAlive: -1}
		nc, err := d.DialContext(dctx, network, addr.String())
		if err == nil {
			err = el.eng.configureConn(nc)
			if err != nil {
				nc.Close()
			}
		}
		if err != nil {
			el.eng.connClosed(el)
			result <- RegisteredResult{Err: &net.OpError{Op: "dial", Net: network, Addr: addr, Err: dialCause(ctx, err)}}
			return
		}
		t := getTask(taskOpen)
		t.nc, t.ctx, t.result = nc, ctx, result
		t.tls, t.tlsClient = tlsCfg, true
		if err := el.enqueue(t); err != nil {
			el.eng.connClosed(el)
			nc.Close()
			result <- RegisteredResult{Err: err}
		}
	}()
	return result, nil
}

// dialCause is the reason a dial failed, as the poller backend reports it: a timeout
// is errDialTimeout, a cancelled ctx its error, a stopped engine ErrEngineShutdown.
func dialCause(ctx context.Context, err error) error {
	var oe *net.OpError
	if stderrors.As(err, &oe) {
		err = oe.Err
	}
	switch {
	case ctx.Err() == context.Canceled:
		return ctx.Err()
	case stderrors.Is(err, context.Canceled):
		return errors.ErrEngineShutdown
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return errDialTimeout
	}
	return err
}
