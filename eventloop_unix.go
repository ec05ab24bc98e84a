//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !reactor_std

package reactor

import (
	"crypto/tls"
	"net"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/internal/poller"
	"github.com/reactorgo/reactor/internal/queue"
	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
)

const (
	// busyPollMaxConns: a loop with more open connections parks at once. Polling
	// pays when a few peers answer in lock-step; with many, events keep arriving
	// anyway, and parking lets them gather into one batch (with 100 pipelining HTTP
	// clients, polling cost 15% more CPU per request and gained nothing).
	busyPollMaxConns = 8
	initialEvents    = 128
	maxEvents        = 4096
	acceptsPerEvent  = 64 // fairness: a connect storm must not starve established conns
	acceptBackoff    = 100 * time.Millisecond
)

// loopListener is a listening socket served by a loop: a stream listener to accept
// on, or a UDP socket whose datagrams the loop reads.
type loopListener struct {
	*socket.Listener
	packets *packetSource
	tls     *tls.Config // serve accepted connections over TLS
}

// reusePortBalances: Linux spreads connections over listeners sharing a port with
// SO_REUSEPORT. The BSDs and macOS give them all to one listener, so there the load
// balancer still picks the loop.
const reusePortBalances = runtime.GOOS == "linux"

// loopIO is the poller side of an event loop.
type loopIO struct {
	poller *poller.Poller
	events []poller.Event
	io     ioScratch // iovecs, accept address
}

// runIOTask: with a poller, I/O needs no tasks.
func (el *eventloop) runIOTask(*task) {}

func (el *eventloop) wake() error { return el.poller.Wake() }

// closeIO releases the poller once the loop has exited.
func (el *eventloop) closeIO() { el.poller.Close() }

// closeListeners stops accepting: the loop's listeners leave the poller and close.
func (el *eventloop) closeListeners() {
	for _, ln := range el.lns {
		el.poller.Delete(ln.Fd)
		el.eng.closeListener(ln.Listener)
	}
	el.lns = nil
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
		loopIO:  loopIO{poller: p, events: make([]poller.Event, initialEvents)},
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
		n, err := el.wait(el.waitTimeout(more))
		el.clock = el.now()
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
					el.acceptLoop(ln)
				}
			default:
				if c := el.conns.Get(fd); c != nil {
					el.serveConnSafely(c, ev)
				}
			}
		}
		if n == len(el.events) && n < maxEvents {
			el.events = make([]poller.Event, 2*n)
		}
		more = el.runTasks()
		if el.timers.Len() > 0 {
			el.runTimersSafely()
		}
		more = el.readPending() || more
		if el.stopping.Load() && el.stopDoneSafely() {
			return
		}
	}
}

func (el *eventloop) serveConnSafely(c *conn, ev *poller.Event) {
	defer el.recoverPanic(c)
	el.serveConn(c, ev)
}

// wait returns ready events, waiting at most timeout. A loop that just handled
// events first polls for up to Options.BusyPoll before it parks (see there).
func (el *eventloop) wait(timeout time.Duration) (int, error) {
	n, err := el.poller.Wait(el.events, 0)
	if n != 0 || err != nil || timeout == 0 {
		el.hot = n != 0
		return n, err
	}
	if spin := el.eng.opts.BusyPoll; el.hot && spin > 0 && el.connCount.Load() <= busyPollMaxConns {
		el.hot = false
		if timeout > 0 {
			spin = min(spin, timeout)
		}
		until := el.now() + int64(spin)
		for el.now() < until {
			// Let other goroutines of this process (clients of a proxy, handlers'
			// workers) run between polls: the spin must only use idle CPU.
			runtime.Gosched()
			if n, err = el.poller.Wait(el.events, 0); n != 0 || err != nil {
				el.hot = true
				return n, err
			}
		}
	}
	n, err = el.poller.Wait(el.events, timeout)
	el.hot = n != 0
	return n, err
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
func (el *eventloop) acceptLoop(ln *loopListener) {
	for i := 0; i < acceptsPerEvent; i++ {
		fd, err := socket.Accept(ln.Fd, &el.io.from)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			el.acceptFailed(ln.Fd, err)
			return
		}
		if !el.eng.admit() {
			socket.Close(fd) // accepted and closed at once, so the backlog does not fill
			continue
		}
		if err := el.eng.configureConn(fd, ln.Listener); err != nil {
			el.eng.logger.Warnf("reactor: configure accepted conn: %v", err)
		}
		peer, whole := socket.PeerFromRaw(&el.io.from)
		target := el // with SO_REUSEPORT on Linux the kernel has balanced already
		if !el.eng.opts.ReusePort || !reusePortBalances {
			target = el.eng.lb.next(socket.HashSourceIP(&el.io.from))
		}
		el.eng.lb.opened(target) // counted as the pick is made, so bursts spread evenly
		if target == el {
			el.openConn(fd, peer, whole, nil, nil, ln.tls, false)
			continue
		}
		t := getTask(taskOpen)
		t.fd, t.peer, t.remote, t.tls = fd, peer, whole, ln.tls
		if err := target.enqueue(t); err != nil {
			el.eng.connClosed(target)
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
		el.eng.connClosed(el)
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
	el.openConn(t.fd, t.peer, t.remote, v, t.result, t.tls, t.tlsClient)
}

// newConn makes a conn for fd. Its peer's address is either peer, built only when
// asked for, or whole: one accept could not make compact, or a dialled or enrolled
// conn's, kept as given.
func (el *eventloop) newConn(fd int, peer socket.Peer, whole net.Addr, ctxv any) *conn {
	if whole != nil {
		peer = socket.PeerOf(whole)
	}
	c := &conn{fd: int32(fd), loop: el, remote: whole, ctx: ctxv, peer: peer}
	if peer.Net() == socket.NetUDP {
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

// openConn registers a new connection and runs OnOpen.
func (el *eventloop) openConn(fd int, peer socket.Peer, whole net.Addr, ctxv any, result chan RegisteredResult, tlsCfg *tls.Config, tlsClient bool) {
	c := el.newConn(fd, peer, whole, ctxv)
	if err := el.poller.Add(fd, el.connInterest()); err != nil {
		el.eng.connClosed(el)
		socket.Close(fd)
		if result != nil {
			result <- RegisteredResult{Err: err}
		} else {
			el.eng.logger.Errorf("reactor: register conn: %v", err)
		}
		return
	}
	el.conns.Add(int(c.fd), c)
	c.interest = uint8(el.connInterest())
	if tlsCfg != nil {
		el.startTLS(c, tlsCfg, tlsClient, result)
		return
	}
	el.activate(c, result)
}
