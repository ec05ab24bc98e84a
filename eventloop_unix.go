//go:build linux

package reactor

import (
	"fmt"
	"net"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/internal/poller"
	"github.com/reactorgo/reactor/internal/queue"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
)

const (
	initialEvents   = 128
	maxEvents       = 4096
	acceptsPerEvent = 64 // fairness: a connect storm must not starve established conns
	acceptBackoff   = 100 * time.Millisecond
)

// loopListener is a listening socket served by a loop: a stream listener to accept
// on, or a UDP socket whose datagrams the loop reads.
type loopListener struct {
	*socket.Listener
	packets *packetSource
}

type ioScratch struct {
	iov    [][]byte
	iovecs []unix.Iovec
	from   unix.RawSockaddrAny
}

func newEventLoop(eng *engine, idx int) (*eventloop, error) {
	p, err := poller.Open()
	if err != nil {
		return nil, err
	}
	return &eventloop{
		idx:     idx,
		eng:     eng,
		handler: eng.handler,
		poller:  p,
		events:  make([]poller.Event, initialEvents),
		buf:     make([]byte, eng.opts.ReadBufferCap),
		tasks:   queue.New[*task](),
		epoch:   time.Now(),
	}, nil
}

// run is the loop: wait, dispatch, run tasks and timers, until the engine stops and
// the last connection is gone.
func (el *eventloop) run() {
	if el.eng.opts.LockOSThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	defer el.exit()
	more := false
	for {
		n, err := el.poller.Wait(el.events, el.waitTimeout(more))
		if err != nil {
			el.eng.logger.Errorf("reactor: event loop %d stops: %v", el.idx, err)
			el.eng.stop()
			return
		}
		for i := range el.events[:n] {
			ev := &el.events[i]
			switch fd := ev.Fd(); {
			case el.poller.IsWake(ev):
				el.poller.DrainWake()
				el.wakePending.Store(false)
			case el.listener(fd) != nil:
				if ln := el.listener(fd); ln.packets != nil {
					el.readPackets(ln.packets)
				} else {
					el.acceptLoop(ln.Listener)
				}
			default:
				if fd < len(el.conns) && el.conns[fd] != nil {
					el.serveConn(el.conns[fd], ev)
				}
			}
		}
		if n == len(el.events) && n < maxEvents {
			el.events = make([]poller.Event, 2*n)
		}
		more = el.runTasks()
		if el.timers.Len() > 0 {
			el.timers.RunExpired(el.now())
		}
		more = el.readPending() || more
		if el.stopping.Load() && el.stopDone() {
			return
		}
	}
}

func (el *eventloop) waitTimeout(busy bool) time.Duration {
	if busy || len(el.pending) > 0 {
		return 0
	}
	when, ok := el.timers.Next()
	if !ok {
		return -1
	}
	return max(time.Duration(when-el.now()), 0)
}

// stopDone carries out a stop request and reports whether the loop may exit: when its
// listeners are closed, no acceptor can hand it more descriptors, and its connections
// are gone.
func (el *eventloop) stopDone() bool {
	if !el.stopSeen {
		el.stopSeen = true
		for _, ln := range el.lns {
			el.poller.Delete(ln.Fd)
			el.eng.closeListener(ln.Listener)
		}
		el.lns = nil
		for _, c := range el.conns {
			switch {
			case c == nil:
			case c.state == connConnecting:
				el.failDial(c, errors.ErrEngineShutdown)
			default:
				el.closeConn(c, nil)
			}
		}
	}
	return el.connCount.Load() == 0 && el.eng.openListeners.Load() == 0 && el.tasks.Len() == 0
}

// exit releases the loop once it has stopped: queued work gets an error, handed-over
// descriptors are closed.
func (el *eventloop) exit() {
	el.exited.Store(true)
	for {
		t, ok := el.tasks.Pop()
		if !ok {
			break
		}
		switch t.kind {
		case taskOpen:
			el.openTask(t) // closes the descriptor: the loop is stopping
		case taskWrite, taskWritev, taskWake, taskClose:
			el.callback(t.cb, t.c, errors.ErrEngineShutdown)
		}
		putTask(t)
	}
	for _, c := range el.conns {
		if c != nil {
			el.failDial(c, errors.ErrEngineShutdown)
			el.finishClose(c, errors.ErrEngineShutdown)
		}
	}
}

func (el *eventloop) listener(fd int) *loopListener {
	for _, ln := range el.lns {
		if ln.Fd == fd {
			return ln
		}
	}
	return nil
}

// acceptLoop takes pending connections and hands each to the loop the load balancer
// picks.
func (el *eventloop) acceptLoop(ln *socket.Listener) {
	for i := 0; i < acceptsPerEvent; i++ {
		fd, err := socket.Accept(ln.Fd, &el.io.from)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			el.acceptFailed(ln.Fd, err)
			return
		}
		if err := el.eng.configureConn(fd, ln); err != nil {
			el.eng.logger.Warnf("reactor: configure accepted conn: %v", err)
		}
		remote := socket.AddrFromRaw(&el.io.from)
		target := el // with SO_REUSEPORT the kernel has balanced already
		if !el.eng.opts.ReusePort {
			target = el.eng.lb.next(socket.HashSourceIP(&el.io.from))
		}
		el.eng.lb.opened(target)
		if target == el {
			el.openConn(fd, remote, nil, nil)
			continue
		}
		t := getTask(taskOpen)
		t.fd, t.remote = fd, remote
		if err := target.enqueue(t); err != nil {
			el.eng.lb.closed(target)
			socket.Close(fd)
		}
	}
}

// acceptFailed handles an accept error. Running out of descriptors must neither spin
// (the pending connection keeps the listener readable) nor stop accepting for good,
// so the listener is paused briefly.
func (el *eventloop) acceptFailed(lnfd int, err error) {
	if errIs(err, unix.ECONNABORTED) || errIs(err, unix.EPERM) {
		return
	}
	el.eng.logger.Errorf("reactor: %v: %v", errors.ErrAcceptSocket, err)
	if errIs(err, unix.EMFILE) || errIs(err, unix.ENFILE) || errIs(err, unix.ENOBUFS) || errIs(err, unix.ENOMEM) {
		if el.poller.Modify(lnfd, 0) == nil {
			el.after(acceptBackoff, func() {
				if el.listener(lnfd) != nil {
					el.poller.Modify(lnfd, poller.Readable)
				}
			})
		}
	}
}

func (el *eventloop) openTask(t *task) {
	if el.stopSeen || el.exited.Load() {
		el.eng.lb.closed(el)
		socket.Close(t.fd)
		if t.result != nil {
			t.result <- RegisteredResult{Err: errors.ErrEngineShutdown}
		}
		return
	}
	if t.dial != nil {
		el.startConnecting(t)
		return
	}
	var v any
	if t.ctx != nil {
		v = FromContext(t.ctx)
	}
	el.openConn(t.fd, t.remote, v, t.result)
}

func (el *eventloop) newConn(fd int, remote net.Addr, ctxv any) *conn {
	c := &conn{fd: fd, loop: el, remote: remote, ctx: ctxv}
	if _, ok := remote.(*net.UDPAddr); ok {
		c.kind = datagramConn
	}
	return c
}

// connInterest is what an open connection is registered for.
func (el *eventloop) connInterest() poller.Interest {
	if el.eng.opts.EdgeTriggeredIO {
		return poller.Readable | poller.Writable | poller.EdgeTriggered
	}
	return poller.Readable
}

// track makes c findable by its descriptor.
func (el *eventloop) track(c *conn) {
	for c.fd >= len(el.conns) {
		el.conns = append(el.conns, make([]*conn, max(len(el.conns), 64))...)
	}
	el.conns[c.fd] = c
}

// openConn registers a new connection and runs OnOpen.
func (el *eventloop) openConn(fd int, remote net.Addr, ctxv any, result chan RegisteredResult) {
	c := el.newConn(fd, remote, ctxv)
	if err := el.poller.Add(fd, el.connInterest()); err != nil {
		el.eng.lb.closed(el)
		socket.Close(fd)
		if result != nil {
			result <- RegisteredResult{Err: err}
		} else {
			el.eng.logger.Errorf("reactor: register conn: %v", err)
		}
		return
	}
	el.track(c)
	el.activate(c, result)
}

// activate counts an open connection, runs OnOpen and reports the conn to whoever
// dialled or enrolled it.
func (el *eventloop) activate(c *conn, result chan RegisteredResult) {
	el.connCount.Add(1)
	out, action := el.handler.OnOpen(c)
	if len(out) > 0 && c.state == connOpen {
		if c.kind == streamConn {
			c.outbound.Write(&el.slab, out)
			el.markDirty(c)
		} else {
			c.writeDatagram(out, nil)
		}
	}
	el.flushDirty()
	if result != nil {
		result <- RegisteredResult{Conn: c}
	}
	el.handleAction(c, action)
}

// serveConn handles one readiness event of a connection: queued output first, then
// input.
func (el *eventloop) serveConn(c *conn, ev *poller.Event) {
	if c.state == connConnecting {
		el.finishDial(c)
		return
	}
	if ev.Writable() && c.outbound.Len() > 0 {
		if err := el.flush(c); err != nil {
			el.closeNow(c, err)
			return
		}
	}
	if c.state != connOpen || !ev.Readable() {
		return
	}
	el.read(c)
}

// read reads once (level-triggered) or until the socket is drained or the chunk is
// spent (edge-triggered), running OnTraffic for each read.
func (el *eventloop) read(c *conn) {
	budget := el.eng.opts.EdgeTriggeredIOChunk
	for {
		n, err := socket.Read(c.fd, el.buf)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			el.closeNow(c, err)
			return
		case n == 0 && c.kind == datagramConn:
			return // an empty datagram: nothing to show
		case n == 0:
			el.closeConn(c, nil) // EOF: deliver what is queued, then close cleanly
			return
		}
		if len(c.inbound) > 0 {
			c.appendInbound(&el.slab, el.buf[:n])
		} else {
			c.view = el.buf[:n]
		}
		el.traffic(c)
		if budget == 0 || n < len(el.buf) || c.state != connOpen {
			return // level-triggered, drained, or closing
		}
		if budget -= n; budget <= 0 {
			el.pending = append(el.pending, c) // more input: finish it next iteration
			return
		}
	}
}

// traffic runs OnTraffic, keeps what it left unread and sends what it wrote.
func (el *eventloop) traffic(c *conn) {
	action := el.handler.OnTraffic(c)
	if c.kind == streamConn {
		c.keepUnread(&el.slab)
	} else {
		c.view = nil // a datagram's unread bytes go with it
	}
	el.flushDirty()
	el.handleAction(c, action)
}

// readPending continues edge-triggered reads that hit their chunk budget.
func (el *eventloop) readPending() bool {
	if len(el.pending) == 0 {
		return false
	}
	list := el.pending
	el.pending = nil
	for i, c := range list {
		list[i] = nil
		if c.state == connOpen {
			el.read(c)
		}
	}
	return len(el.pending) > 0
}

// flush writes queued output with one write or writev per call until the socket is
// full or the queue is empty, arming write readiness for a remainder and disarming
// it when the queue drains. A draining connection closes when its queue is empty.
func (el *eventloop) flush(c *conn) error {
	for c.outbound.Len() > 0 {
		el.io.iov = c.outbound.Peek(el.io.iov[:0], socket.MaxIovecs)
		want := 0
		for _, b := range el.io.iov {
			want += len(b)
		}
		var (
			n   int
			err error
		)
		if len(el.io.iov) == 1 {
			n, err = socket.Write(c.fd, el.io.iov[0])
		} else {
			n, err = socket.Writev(c.fd, el.iovecs())
		}
		clear(el.io.iov)
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			return err
		}
		c.outbound.Discard(&el.slab, n)
		if n < want {
			break // the socket buffer is full: wait for readiness instead of EAGAIN
		}
	}
	if c.outbound.Len() > 0 {
		return el.armWrite(c, true)
	}
	if c.state == connDraining {
		el.finishClose(c, nil)
		return nil
	}
	return el.armWrite(c, false)
}

func (el *eventloop) iovecs() []unix.Iovec {
	v := el.io.iovecs[:0]
	for _, b := range el.io.iov {
		iov := unix.Iovec{Base: unsafe.SliceData(b)}
		iov.SetLen(len(b))
		v = append(v, iov)
	}
	el.io.iovecs = v
	return v
}

// armWrite turns write readiness on or off for a level-triggered connection.
// Edge-triggered connections are registered for both directions once.
func (el *eventloop) armWrite(c *conn, on bool) error {
	if el.eng.opts.EdgeTriggeredIO || c.writeArmed == on || c.state == connClosed {
		return nil
	}
	interest := poller.Interest(0)
	if c.state == connOpen {
		interest = poller.Readable
	}
	if on {
		interest |= poller.Writable
	}
	if err := el.poller.Modify(c.fd, interest); err != nil {
		return err
	}
	c.writeArmed = on
	return nil
}

// closeConn closes c cleanly: queued output is delivered first (bounded by the drain
// timeout), then the socket is closed and OnClose runs with err.
func (el *eventloop) closeConn(c *conn, err error) {
	if c.state != connOpen {
		return
	}
	if err != nil || c.outbound.Len() == 0 || el.eng.opts.DrainTimeout < 0 {
		el.finishClose(c, err)
		return
	}
	c.state = connDraining
	c.view = nil
	c.timer = el.after(el.eng.opts.DrainTimeout, func() {
		el.finishClose(c, fmt.Errorf("%w: %d bytes unsent", errors.ErrDrainTimeout, c.outbound.Len()))
	})
	if !el.eng.opts.EdgeTriggeredIO {
		// Stop reading: the handler is done with this connection, and the peer's
		// unread input is discarded at close.
		if perr := el.poller.Modify(c.fd, poller.Writable); perr != nil {
			el.finishClose(c, perr)
			return
		}
		c.writeArmed = true
	}
	if ferr := el.flush(c); ferr != nil {
		el.finishClose(c, ferr)
	}
}

// closeNow closes c without delivering queued output, after an I/O error.
func (el *eventloop) closeNow(c *conn, err error) {
	if c.state != connClosed {
		el.finishClose(c, err)
	}
}

// finishClose releases c and runs OnClose; it runs exactly once per connection.
func (el *eventloop) finishClose(c *conn, err error) {
	if c.state == connClosed {
		return
	}
	c.state = connClosed
	c.closed.Store(true)
	el.timers.Cancel(c.timer)
	el.poller.Delete(c.fd)
	if err == nil {
		el.discardInput(c.fd)
	}
	if cerr := socket.Close(c.fd); cerr != nil && err == nil {
		err = cerr
	}
	el.conns[c.fd] = nil
	el.connCount.Add(-1)
	el.eng.lb.closed(el)
	c.outbound.Reset(&el.slab)
	if c.inbound != nil {
		el.slab.Put(c.inbound)
	}
	c.inbound, c.view = nil, nil
	action := el.handler.OnClose(c, err)
	for _, cb := range c.onClosed {
		el.callback(cb, c, nil)
	}
	c.onClosed = nil
	if action == Shutdown {
		el.eng.stop()
	}
}

// discardInput reads what the peer sent and nobody will read: closing a socket with
// unread input makes the kernel send RST, which can destroy the output still in
// flight to the peer.
func (el *eventloop) discardInput(fd int) {
	for i := 0; i < 4; i++ {
		n, err := socket.Read(fd, el.buf)
		if err != nil || n < len(el.buf) {
			return
		}
	}
}
