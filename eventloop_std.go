//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || reactor_std

package reactor

// The portable backend. Where reactor has no poller (Windows, plan9, wasip1, ...),
// and on any system built with -tags reactor_std, the event loops run on package net:
// a reader goroutine per connection blocks in Read and hands each chunk to the owning
// loop as a task, waiting for the loop before it reads again, and a writer goroutine
// takes the loop's queued output one chunk at a time. Callbacks still run only on the
// loop, a connection's never concurrently, and OnTraffic sees the same buffered
// Reader, so handlers cannot tell the difference. What it costs: two goroutines and a
// read buffer per connection, a task and a wake-up per read and per write, and one
// copy of the output. README.md lists what it lacks.

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"runtime"
	"time"

	"github.com/reactorgo/reactor/internal/queue"
	"github.com/reactorgo/reactor/internal/socket"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// Kinds of the portable backend's I/O tasks.
const (
	taskInput  = taskIO + iota // a reader goroutine read t.buf, then t.err
	taskOutput                 // a writer goroutine wrote t.n bytes, then t.err
	taskPacket                 // a datagram t.buf from t.remote on a UDP listener
)

const (
	maxReadChunk  = 16 << 10 // a reader goroutine's buffer, at most
	maxWriteChunk = 64 << 10 // what one writer Write takes, at most
	// closeLinger bounds how long a cleanly closed connection keeps reading (and
	// dropping) what the peer still sends: closing with unread input makes the
	// kernel reset the connection, which can destroy output still in flight.
	closeLinger   = 250 * time.Millisecond
	acceptBackoff = 100 * time.Millisecond
	flushWait     = time.Millisecond // how long Conn.Flush waits for a full socket
)

// loopIO is what a portable loop waits on: its wake-up channel and one timer.
type loopIO struct {
	wakeCh chan struct{}
	timer  *time.Timer
	free   []int32  // numbers of closed conns, for reuse
	nextID int32    // the next number never used
	iov    [][]byte // scratch for flush

	stopDials  context.Context // ended when the loop stops: dials in flight give up
	cancelDial context.CancelFunc
}

// loopListener is a listener whose connections or datagrams this loop's goroutines
// take in: an acceptor goroutine, or a UDP packet reader.
type loopListener struct {
	*listener
	packets *packetSource
	tls     *tls.Config
}

func newEventLoop(eng *engine, idx int) (*eventloop, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	stopDials, cancel := context.WithCancel(context.Background())
	return &eventloop{
		idx:     idx,
		eng:     eng,
		handler: eng.handler,
		tasks:   queue.New[*task](),
		epoch:   time.Now(),
		loopIO:  loopIO{wakeCh: make(chan struct{}, 1), timer: t, stopDials: stopDials, cancelDial: cancel},
	}, nil
}

func (el *eventloop) wake() error {
	select {
	case el.wakeCh <- struct{}{}:
	default: // a wake-up is pending already
	}
	return nil
}

func (el *eventloop) closeIO() {
	el.timer.Stop()
	el.cancelDial()
}

// run is the loop: tasks (which carry all I/O here) and timers, until the engine
// stops and the last connection is gone.
func (el *eventloop) run() {
	if el.eng.opts.LockOSThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	defer el.exit()
	for _, ln := range el.lns {
		if ln.packets != nil {
			go el.readPackets(ln.packets)
		} else {
			go el.acceptLoop(ln)
		}
	}
	for {
		// Cleared before the queue is read: a task pushed after this point wakes
		// the loop again, one pushed before it is found below.
		el.wakePending.Store(false)
		el.clock = el.now()
		more := el.runTasks()
		if el.timers.Len() > 0 {
			el.clock = el.now()
			el.runTimersSafely()
		}
		if el.stopping.Load() && el.stopDoneSafely() {
			return
		}
		if !more {
			el.park()
		}
	}
}

// park waits for a task or for the next timer.
func (el *eventloop) park() {
	when, ok := el.timers.Next()
	if !ok {
		<-el.wakeCh
		return
	}
	d := time.Duration(when - el.now())
	if d <= 0 {
		return
	}
	el.timer.Reset(d)
	select {
	case <-el.wakeCh:
	case <-el.timer.C:
	}
	el.timer.Stop()
}

func (el *eventloop) runIOTask(t *task) {
	switch t.kind {
	case taskInput:
		el.input(t.c, t.buf, t.err)
	case taskOutput:
		el.written(t.c, t.n, t.err)
	case taskPacket:
		ps := t.c.x.packets
		if !ps.closed() {
			c := &ps.c
			c.view, c.remote = t.buf, t.remote
			el.packetTraffic(c)
			c.remote = nil
			ps.next()
		}
	}
}

// closeListeners stops taking connections in: closing a listener ends its
// goroutine, and dials in flight give up (their callers get ErrEngineShutdown).
func (el *eventloop) closeListeners() {
	el.cancelDial()
	for _, ln := range el.lns {
		el.eng.closeListener(ln.listener)
	}
	el.lns = nil
}

// acceptLoop takes connections from ln and hands each to the loop the load balancer
// picks, until ln is closed.
func (el *eventloop) acceptLoop(ln *loopListener) {
	eng := el.eng
	for {
		nc, err := ln.ln.Accept()
		if err != nil {
			if ln.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			eng.logger.Errorf("reactor: %v: %v", rerrors.ErrAcceptSocket, err)
			select { // out of descriptors, most likely: do not spin
			case <-time.After(acceptBackoff):
			case <-ln.closed:
				return
			}
			continue
		}
		if !eng.admit() {
			nc.Close()
			continue
		}
		if err := eng.configureConn(nc); err != nil {
			eng.logger.Warnf("reactor: configure accepted conn: %v", err)
		}
		target := eng.lb.next(socket.HashAddr(nc.RemoteAddr()))
		eng.lb.opened(target)
		t := getTask(taskOpen)
		t.nc, t.tls = nc, ln.tls
		if err := target.enqueue(t); err != nil {
			eng.connClosed(target)
			nc.Close()
		}
	}
}

// track numbers c, standing in for a descriptor, and makes it findable by that
// number: conns is how the portable code walks a loop's connections.
func (el *eventloop) track(c *conn) {
	if n := len(el.free); n > 0 {
		c.fd, el.free = el.free[n-1], el.free[:n-1]
	} else {
		c.fd = el.nextID
		el.nextID++
	}
	el.conns.Add(int(c.fd), c)
}

func (el *eventloop) untrack(c *conn) {
	el.conns.Remove(int(c.fd), c)
	el.free = append(el.free, c.fd)
}

func (el *eventloop) openTask(t *task) {
	if el.stopSeen || el.exited.Load() {
		el.eng.connClosed(el)
		t.nc.Close()
		if t.result != nil {
			t.result <- RegisteredResult{Err: rerrors.ErrEngineShutdown}
		}
		return
	}
	var v any
	if t.ctx != nil {
		v = FromContext(t.ctx)
	}
	el.openConn(t.nc, v, t.result, t.tls, t.tlsClient)
}

// openConn starts serving nc: its reader goroutine first, then the TLS handshake or
// OnOpen. The reader's first chunk is a task, so it cannot overtake OnOpen.
func (el *eventloop) openConn(nc net.Conn, ctxv any, result chan RegisteredResult, tlsCfg *tls.Config, tlsClient bool) {
	c := &conn{loop: el, remote: nc.RemoteAddr(), ctx: ctxv, x: &connExtra{}}
	switch nc.(type) {
	case *net.UDPConn:
		c.kind = datagramConn
	case *net.UnixConn:
		if c.remote == nil { // an unnamed peer, as in the poller backend
			c.remote = &net.UnixAddr{Net: "unix"}
		}
	}
	c.peer = socket.PeerOf(c.remote) // the address stays whole: peer only names its network
	s := &c.x.connIO
	s.nc, s.resume, s.done = nc, make(chan struct{}, 1), make(chan struct{})
	el.track(c)
	go el.readLoop(c, s, make([]byte, min(el.eng.opts.ReadBufferCap, maxReadChunk)))
	if tlsCfg != nil {
		el.startTLS(c, tlsCfg, tlsClient, result)
		return
	}
	el.activate(c, result)
}

// input takes a chunk the reader goroutine read, and lets it read again unless
// reading is paused or the connection is closing.
func (el *eventloop) input(c *conn, p []byte, err error) {
	if c.state != connOpen && c.state != connHandshaking {
		return
	}
	if len(p) > 0 {
		c.lastActive = el.clock
		switch {
		case c.isTLS():
			el.tlsInput(c, p)
		case len(c.inbound) > 0 && c.kind == streamConn:
			c.appendInbound(&el.slab, p)
			el.traffic(c)
		default:
			c.view = p
			el.traffic(c)
		}
	}
	switch {
	case c.state != connOpen && c.state != connHandshaking:
	case err == io.EOF:
		el.closeConn(c, nil) // deliver what is queued, then close cleanly
	case err != nil:
		el.closeNow(c, err)
	default:
		c.x.waiting = true
		el.resumeReader(c)
	}
}

// failDial: a portable dial completes off the loop, so no conn is ever connecting.
func (el *eventloop) failDial(*conn, error) {}
