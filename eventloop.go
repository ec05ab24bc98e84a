package reactor

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reactorgo/reactor/internal/buffer"
	"github.com/reactorgo/reactor/internal/fdtable"
	"github.com/reactorgo/reactor/internal/queue"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/internal/timer"
	"github.com/reactorgo/reactor/pkg/errors"
)

// EventLoop is one event loop of an engine or client. Register, Enroll, Execute and
// Schedule may be called from any goroutine; Close only from the loop itself.
type EventLoop interface {
	// Register dials addr and serves the new connection on this loop; the result
	// arrives on the returned channel once OnOpen has run. A value stored in ctx with
	// NewContext becomes the connection's context.
	Register(ctx context.Context, addr net.Addr) (<-chan RegisteredResult, error)
	// Enroll moves an established net.Conn onto this loop. With a poller the
	// net.Conn is closed and the loop serves a duplicate of its descriptor; the
	// portable backend serves the net.Conn itself.
	Enroll(ctx context.Context, c net.Conn) (<-chan RegisteredResult, error)
	// Execute runs runnable on the loop as soon as it can.
	Execute(ctx context.Context, runnable Runnable) error
	// Schedule runs runnable on the loop once, after delay. (gnet does not implement
	// this; reactor does.)
	Schedule(ctx context.Context, runnable Runnable, delay time.Duration) error
	// Close closes a connection of this loop, as Conn.Close does but at once. Loop only.
	Close(Conn) error
}

// maxTasksPerWake bounds the queued tasks one iteration runs, so that a flood of
// AsyncWrite calls cannot keep a loop from its sockets.
const maxTasksPerWake = 4096

type taskKind uint8

const (
	taskWrite taskKind = iota
	taskWritev
	taskWake
	taskClose
	taskRun
	taskSchedule
	taskOpen     // a descriptor handed over by the acceptor or by Enroll
	taskDeadline // a deadline was moved earlier than the armed timer
	taskTLSOut   // bytes a TLS handshake (on its own goroutine) sends
	taskTLSDone  // a TLS handshake has finished
	taskIO       // the first of the portable backend's own kinds (eventloop_std.go)
)

// task is work sent to a loop from another goroutine (or from the loop to itself).
type task struct {
	kind      taskKind
	c         *conn
	buf       []byte
	bufs      [][]byte
	cb        AsyncCallback
	ctx       context.Context
	run       Runnable
	delay     time.Duration
	size      int // bytes an AsyncWrite holds against the loop's limit
	fd        int
	peer      socket.Peer // taskOpen of an accepted conn: its peer's address...
	remote    net.Addr    // ... or the address kept whole (see newConn)
	result    chan RegisteredResult
	dial      *dialing    // taskOpen of a connect still in progress
	tls       *tls.Config // taskOpen of a connection to serve over TLS
	tlsClient bool        // ... as the client side
	err       error
	nc        net.Conn // the portable backend: a connection to serve, or the one of an I/O task
	n         int      // the portable backend: bytes an I/O task moved
}

var taskPool = sync.Pool{New: func() any { return new(task) }}

func getTask(kind taskKind) *task {
	t := taskPool.Get().(*task)
	t.kind = kind
	return t
}

func putTask(t *task) {
	*t = task{}
	taskPool.Put(t)
}

// eventloop owns a poller and the connections registered with it. Its fields are
// touched only by its own goroutine, except those marked atomic.
type eventloop struct {
	idx     int
	eng     *engine
	handler EventHandler
	buf     []byte              // the read buffer shared by every connection of the loop
	conns   fdtable.Table[conn] // by descriptor (the portable backend numbers its conns itself)
	slab    buffer.Slab
	timers  timer.Heap
	epoch   time.Time
	dirty   []*conn // connections written to during the current callback
	pending []*conn // edge-triggered connections with input left to read
	tlsBuf  []byte  // plaintext scratch for TLS connections, made on first use
	lns     []*loopListener

	tasks       *queue.MPSC[*task]
	wakePending atomic.Bool
	stopping    atomic.Bool // the engine asked this loop to stop
	exited      atomic.Bool
	connCount   atomic.Int32
	asyncBytes  atomic.Int64 // bytes queued by AsyncWrite and not yet taken

	clock     int64 // el.now() when the current iteration started: the cheap clock of events
	stopSeen  bool  // stopping has been acted on
	abortSeen bool  // the engine's aborting has been acted on
	flushing  bool  // flushDirty is running
	hot       bool  // the last wait found events: spin a little before parking
	lbIndex   int   // position in the least-connections heap

	loopIO // what the platform's I/O needs: the poller, or the fallback's channels
}

func (el *eventloop) now() int64 { return int64(time.Since(el.epoch)) }

// after schedules fn on the loop after d. It reads the clock afresh: el.clock may be
// a long callback old.
func (el *eventloop) after(d time.Duration, fn func()) *timer.Timer {
	return el.timers.Add(el.now()+int64(d), fn)
}

// submit queues a connection task built from a pooled task value. Bytes queued by
// AsyncWrite count against the loop's limit until the loop takes them.
func (el *eventloop) submit(kind taskKind, c *conn, buf []byte, bufs [][]byte, cb AsyncCallback) error {
	size := len(buf)
	for _, b := range bufs {
		size += len(b)
	}
	if limit := el.eng.opts.AsyncWriteLimit; size > 0 && limit > 0 {
		// One write larger than the limit still goes through when nothing else is
		// queued; otherwise it could never be sent.
		if total := el.asyncBytes.Add(int64(size)); total > int64(limit) && total != int64(size) {
			el.asyncBytes.Add(-int64(size))
			return c.anyOpError("async write", errors.ErrAsyncQueueFull)
		}
	}
	t := getTask(kind)
	t.c, t.buf, t.bufs, t.cb, t.size = c, buf, bufs, cb, size
	if err := el.enqueue(t); err != nil {
		el.asyncBytes.Add(-int64(size))
		return err
	}
	return nil
}

// enqueue hands t to the loop from any goroutine. Many enqueues between two
// iterations of the loop cost one wake-up write.
func (el *eventloop) enqueue(t *task) error {
	if el.exited.Load() {
		putTask(t)
		return errors.ErrEngineShutdown
	}
	el.tasks.Push(t)
	if el.wakePending.CompareAndSwap(false, true) {
		return el.wake()
	}
	return nil
}

// runTasks runs queued tasks; it reports whether some were left for the next round.
func (el *eventloop) runTasks() bool {
	for i := 0; i < maxTasksPerWake; i++ {
		t, ok := el.tasks.Pop()
		if !ok {
			return false
		}
		el.runTaskSafely(t)
		if t.size > 0 && el.eng.opts.AsyncWriteLimit > 0 {
			el.asyncBytes.Add(-int64(t.size))
		}
		putTask(t)
	}
	return el.tasks.Len() > 0
}

func (el *eventloop) runTaskSafely(t *task) {
	defer el.recoverPanic(t.c)
	el.runTask(t)
}

// recoverPanic, deferred around each event, task and timer, turns a panic in a user
// callback into the end of one connection instead of the process: c (if any) is
// closed with an error wrapping ErrCallbackPanic, and the panic is logged with its
// stack. The loop and its other connections go on.
func (el *eventloop) recoverPanic(c *conn) {
	r := recover()
	if r == nil {
		return
	}
	el.flushing = false // the panic may have come from inside flushDirty
	el.eng.logger.Errorf("reactor: event loop %d: panic in a callback: %v\n%s", el.idx, r, debug.Stack())
	if c == nil || c.kind == packetConn || c.state == connClosed || c.state == connConnecting {
		return
	}
	defer el.recoverPanic(nil) // OnClose may panic too
	el.closeNow(c, fmt.Errorf("%w: %v", errors.ErrCallbackPanic, r))
}

func (el *eventloop) runTask(t *task) {
	c := t.c
	switch t.kind {
	case taskWrite, taskWritev:
		var err error
		if c.state != connOpen {
			err = c.opError("write", errors.ErrConnClosed)
		} else if c.writeExpired() {
			err = c.opError("write", os.ErrDeadlineExceeded)
		} else {
			if t.kind == taskWrite {
				err = c.queue(t.buf)
			} else {
				for _, b := range t.bufs {
					if err = c.queue(b); err != nil {
						break
					}
				}
			}
			el.markDirty(c)
			el.flushDirty()
		}
		el.callback(t.cb, c, err)
	case taskWake:
		if c.state != connOpen {
			el.callback(t.cb, c, c.opError("wake", errors.ErrConnClosed))
			return
		}
		el.traffic(c)
		el.callback(t.cb, c, nil)
	case taskClose:
		if c.state == connClosed {
			el.callback(t.cb, c, c.opError("close", errors.ErrConnClosed))
			return
		}
		if t.cb != nil {
			c.extra().onClosed = append(c.x.onClosed, t.cb)
		}
		el.closeConn(c, nil)
	case taskRun:
		el.runnable(t.ctx, t.run)
	case taskSchedule:
		ctx, run := t.ctx, t.run
		el.after(t.delay, func() { el.runnable(ctx, run) })
	case taskOpen:
		el.openTask(t)
	case taskDeadline:
		el.checkDeadlines(c)
	case taskTLSOut:
		if c.state != connClosed {
			c.outbound.Write(&el.slab, t.buf)
			el.markDirty(c)
			el.flushDirty()
		}
	case taskTLSDone:
		el.finishHandshake(c, t.err)
	default:
		el.runIOTask(t)
	}
}

func (el *eventloop) runnable(ctx context.Context, r Runnable) {
	if err := r.Run(ctx); err != nil {
		el.eng.logger.Debugf("reactor: runnable on event loop %d: %v", el.idx, err)
	}
	el.flushDirty()
}

// syncCallback runs cb for an operation that completed at once and returns the
// operation's error.
func (el *eventloop) syncCallback(cb AsyncCallback, c *conn, err error) error {
	if cb != nil {
		if cerr := cb(c, err); cerr != nil {
			el.eng.logger.Debugf("reactor: callback on event loop %d: %v", el.idx, cerr)
		}
	}
	return err
}

func (el *eventloop) callback(cb AsyncCallback, c *conn, err error) {
	if cb == nil {
		return
	}
	if cerr := cb(c, err); cerr != nil {
		el.eng.logger.Debugf("reactor: async callback on event loop %d: %v", el.idx, cerr)
	}
	el.flushDirty()
}

// markDirty remembers c for the flush that follows the current callback.
func (el *eventloop) markDirty(c *conn) {
	if !c.dirty {
		c.dirty = true
		el.dirty = append(el.dirty, c)
	}
}

// flushDirty sends what callbacks wrote: one write or writev per connection. It is
// not re-entered: a callback run by a close below (OnClose) may write to other
// connections, which this same pass then picks up.
func (el *eventloop) flushDirty() {
	if el.flushing {
		return
	}
	el.flushing = true
	defer func() { el.flushing = false }()
	for i := 0; i < len(el.dirty); i++ {
		c := el.dirty[i]
		el.dirty[i] = nil
		c.dirty = false
		switch {
		case c.state == connClosed:
			continue
		case c.writeArmed: // waiting for write readiness: that event flushes
			if el.eng.opts.WriteBufferHighWater > 0 {
				el.checkWaterMarks(c)
			}
			continue
		case c.outbound.Len() == 0:
			continue
		}
		if err := el.flush(c); err != nil {
			el.closeNow(c, err)
		}
	}
	el.dirty = el.dirty[:0]
}

// handleAction applies what a callback asked for.
func (el *eventloop) handleAction(c *conn, action Action) {
	switch action {
	case Close:
		if c != nil {
			el.closeConn(c, nil)
		}
	case Shutdown:
		el.eng.stop()
	}
}

// Execute implements EventLoop.
func (el *eventloop) Execute(ctx context.Context, runnable Runnable) error {
	if runnable == nil {
		return errors.ErrNilRunnable
	}
	t := getTask(taskRun)
	t.ctx, t.run = ctx, runnable
	return el.enqueue(t)
}

// Schedule implements EventLoop.
func (el *eventloop) Schedule(ctx context.Context, runnable Runnable, delay time.Duration) error {
	if runnable == nil {
		return errors.ErrNilRunnable
	}
	t := getTask(taskSchedule)
	t.ctx, t.run, t.delay = ctx, runnable, delay
	return el.enqueue(t)
}

// Close implements EventLoop.
func (el *eventloop) Close(c Conn) error {
	cc, ok := c.(*conn)
	if !ok || cc.loop != el {
		return fmt.Errorf("reactor: close: %w: the conn does not belong to this event loop", errors.ErrUnsupportedOp)
	}
	if cc.state == connClosed {
		return cc.opError("close", errors.ErrConnClosed)
	}
	el.closeConn(cc, nil)
	return nil
}

// traffic runs OnTraffic, keeps what it left unread and sends what it wrote.
func (el *eventloop) traffic(c *conn) {
	action := el.handler.OnTraffic(c)
	if c.kind == streamConn {
		c.keepUnread(&el.slab)
		if limit := el.eng.opts.MaxInboundBuffered; limit > 0 {
			el.pauseReading(c, pauseInbound, len(c.inbound) >= limit)
		}
	} else {
		c.view = nil // a datagram's unread bytes go with it
	}
	el.flushDirty()
	el.handleAction(c, action)
}

// stopDone carries out a stop request and reports whether the loop may exit: when its
// listeners are closed, no acceptor can hand it more descriptors, and its connections
// are gone.
func (el *eventloop) stopDone() bool {
	if el.eng.aborting.Load() && !el.abortSeen {
		// Stop's context ended: what is still draining is given up.
		el.abortSeen = true
		el.conns.Each(func(c *conn) {
			if c.state == connDraining {
				el.finishClose(c, fmt.Errorf("%w: engine stop: %d bytes unsent", errors.ErrDrainTimeout, c.outbound.Len()))
			}
		})
	}
	if !el.stopSeen {
		el.stopSeen = true
		el.closeListeners()
		el.conns.Each(func(c *conn) {
			switch c.state {
			case connConnecting:
				el.failDial(c, errors.ErrEngineShutdown)
			case connHandshaking:
				el.finishClose(c, errors.ErrEngineShutdown)
			default:
				el.closeConn(c, nil)
			}
		})
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
	el.conns.Each(func(c *conn) {
		el.failDial(c, errors.ErrEngineShutdown)
		el.finishClose(c, errors.ErrEngineShutdown)
	})
}

// onOpen runs OnOpen, recovering a panic as recoverPanic does.
func (el *eventloop) onOpen(c *conn) (out []byte, action Action, err error) {
	defer func() {
		if r := recover(); r != nil {
			el.eng.logger.Errorf("reactor: event loop %d: panic in OnOpen: %v\n%s", el.idx, r, debug.Stack())
			err = fmt.Errorf("%w: %v", errors.ErrCallbackPanic, r)
		}
	}()
	out, action = el.handler.OnOpen(c)
	return out, action, nil
}

// activate counts an open connection, runs OnOpen and reports the conn to whoever
// dialled or enrolled it.
func (el *eventloop) activate(c *conn, result chan RegisteredResult) {
	el.connCount.Add(1)
	if el.eng.opts.IdleTimeout > 0 {
		el.startIdleTimer(c)
	}
	out, action, err := el.onOpen(c)
	if err != nil {
		el.closeNow(c, err)
		if result != nil {
			result <- RegisteredResult{Err: err}
		}
		return
	}
	if len(out) > 0 && c.state == connOpen {
		if c.kind == streamConn {
			if err := c.queue(out); err != nil {
				el.closeNow(c, err)
			}
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

// runTimersSafely fires the due timers: OnTick, timeouts, and whatever callbacks
// they run (OnClose), whose writes are sent before the loop waits again.
func (el *eventloop) runTimersSafely() {
	defer el.recoverPanic(nil)
	el.timers.RunExpired(el.clock)
	el.flushDirty()
}

func (el *eventloop) stopDoneSafely() bool {
	defer el.recoverPanic(nil)
	return el.stopDone()
}

func (el *eventloop) packetTraffic(c *conn) {
	defer el.recoverPanic(nil) // a datagram has no connection to close
	action := el.handler.OnTraffic(c)
	c.view = nil
	if action == Shutdown {
		el.eng.stop()
	}
}
