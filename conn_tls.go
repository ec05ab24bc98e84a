package reactor

import (
	"crypto/tls"
	"errors"
	"net"

	"github.com/reactorgo/reactor/internal/tlsconn"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// startTLS begins the TLS handshake of a new connection. It runs on a goroutine of
// its own (it blocks, and public-key work would stall the loop), fed by the loop's
// reads; its output and its end come back to the loop as tasks. OnOpen runs only
// once it succeeds. result, for a dialled connection, gets the outcome.
func (el *eventloop) startTLS(c *conn, cfg *tls.Config, client bool, result chan RegisteredResult) {
	c.state = connHandshaking
	x := c.extra()
	sink := func(p []byte) { // on the handshake goroutine: hand a copy to the loop
		t := getTask(taskTLSOut)
		t.c, t.buf = c, append([]byte(nil), p...)
		el.enqueue(t)
	}
	if client {
		x.tls = tlsconn.NewClient(cfg, sink)
	} else {
		x.tls = tlsconn.NewServer(cfg, sink)
	}
	if result != nil {
		x.dial = &dialing{result: result}
	}
	sess, timeout := x.tls, el.eng.opts.TLSHandshakeTimeout
	go func() {
		err := sess.Handshake(timeout)
		t := getTask(taskTLSDone)
		t.c, t.err = c, err
		if el.enqueue(t) != nil {
			sess.Close()
		}
	}()
}

// finishHandshake opens a connection whose handshake succeeded, or drops one whose
// handshake failed: that one never opened, so no callback hears of it; the failure
// is logged and counted.
func (el *eventloop) finishHandshake(c *conn, err error) {
	if c.state != connHandshaking {
		return // closed meanwhile (peer gone, engine stopping)
	}
	if err != nil {
		el.finishClose(c, err) // logs, counts, and tells a dialler
		return
	}
	var result chan RegisteredResult
	if d := c.x.dial; d != nil {
		result, c.x.dial = d.result, nil
	}
	c.x.tls.LoopMode(func(p []byte) {
		c.outbound.Write(&el.slab, p)
		el.markDirty(c)
	})
	c.state = connOpen
	el.activate(c, result)
	if c.state == connOpen {
		el.tlsDecrypt(c) // application data may have come in with the handshake's end
	}
}

// handshakeFailed logs and counts a handshake that did not complete, whatever ended
// it (its own error, the peer closing, a timeout), and gives the error to a Dial
// waiting for it. The connection never opened, so no callback hears of it. A peer
// that closed without sending a byte did not try a handshake (a TCP health check, a
// port probe such as wrk's first connection): that is logged at debug level only
// and not counted.
func (el *eventloop) handshakeFailed(c *conn, err error) {
	probe := err == nil && c.x.dial == nil && !c.x.tls.Fed()
	if err == nil {
		err = errPeerClosedHandshake
	}
	if d := c.x.dial; d != nil {
		c.x.dial = nil
		d.result <- RegisteredResult{Err: &net.OpError{Op: "handshake", Net: "tcp", Addr: c.remoteAddr(), Err: err}}
	}
	if errors.Is(err, rerrors.ErrEngineShutdown) {
		return
	}
	if probe {
		el.eng.logger.Debugf("reactor: TLS: %v closed without sending anything", c.remoteAddr())
		return
	}
	el.eng.tlsFailures.Add(1)
	el.eng.logger.Warnf("reactor: TLS handshake with %v: %v", c.remoteAddr(), err)
}

var errPeerClosedHandshake = errors.New("the peer closed the connection during the handshake")

// tlsInput takes ciphertext just read: the handshake goroutine consumes it while
// the handshake runs, the loop decrypts it afterwards.
func (el *eventloop) tlsInput(c *conn, p []byte) {
	c.x.tls.Feed(p)
	if c.state == connOpen {
		el.tlsDecrypt(c)
	}
}

// tlsDecrypt turns every whole record received into plaintext behind the unread
// input and runs OnTraffic if there is any. The peer's close_notify closes the
// connection cleanly, a bad record with the error.
func (el *eventloop) tlsDecrypt(c *conn) {
	if el.tlsBuf == nil {
		el.tlsBuf = make([]byte, tlsconn.MaxPlaintext)
	}
	before := len(c.inbound)
	if cap(c.inbound)-before < tlsconn.MaxPlaintext {
		grown := append(el.slab.Get(before+tlsconn.MaxPlaintext), c.inbound...)
		if c.inbound != nil {
			el.slab.Put(c.inbound)
		}
		c.inbound = grown
	}
	in, eof, err := c.x.tls.Decrypt(c.inbound, el.tlsBuf)
	c.inbound = in
	if err != nil {
		el.closeNow(c, err)
		return
	}
	if len(c.inbound) > before {
		c.view, c.viewOwned = c.inbound, true
		el.traffic(c)
	} else if len(c.inbound) == 0 {
		el.slab.Put(c.inbound)
		c.inbound = nil
	}
	if eof {
		el.closeConn(c, nil)
	}
}

// TLSConnectionState reports the negotiated TLS parameters of c, and false when c is
// not a TLS connection. Call it from c's event loop. reactor only.
func TLSConnectionState(c Conn) (tls.ConnectionState, bool) {
	cc, ok := c.(*conn)
	if !ok || !cc.isTLS() || cc.state == connHandshaking {
		return tls.ConnectionState{}, false
	}
	return cc.x.tls.State(), true
}
