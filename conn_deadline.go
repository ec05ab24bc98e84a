package reactor

// Timeouts: deadlines set from any goroutine, and the idle timeout.

import (
	"os"
	"sync/atomic"
	"time"

	"github.com/reactorgo/reactor/internal/timer"
	"github.com/reactorgo/reactor/pkg/errors"
)

// connDeadlines are a connection's deadlines, as wall-clock UnixNano (0: none),
// settable from any goroutine; armedAt is when the loop's deadline timer is armed
// (0: not armed). Most connections never get a deadline, so this is made by the
// first setter rather than carried by every conn.
type connDeadlines struct {
	read, write, armedAt atomic.Int64
	timer                *timer.Timer // loop only
}

// deadlines returns c.dl, making it if no goroutine has yet. Any goroutine.
func (c *conn) deadlines() *connDeadlines {
	if d := c.dl.Load(); d != nil {
		return d
	}
	c.dl.CompareAndSwap(nil, new(connDeadlines))
	return c.dl.Load()
}

func (c *conn) SetDeadline(t time.Time) error { return c.setDeadline("set deadline", t, true, true) }
func (c *conn) SetReadDeadline(t time.Time) error {
	return c.setDeadline("set read deadline", t, true, false)
}
func (c *conn) SetWriteDeadline(t time.Time) error {
	return c.setDeadline("set write deadline", t, false, true)
}

// setDeadline stores a deadline from any goroutine. The loop's deadline timer reads
// the stored values whenever it fires, so moving a deadline later (the usual case:
// extending it after each message) needs nothing more; only a deadline earlier than
// the armed timer sends the loop a task to re-arm it.
func (c *conn) setDeadline(op string, t time.Time, read, write bool) error {
	if c.kind == packetConn {
		return c.anyOpError(op, errors.ErrUnsupportedOp)
	}
	if c.closed.Load() {
		return c.anyOpError(op, errors.ErrConnClosed)
	}
	var v int64
	if !t.IsZero() {
		v = max(t.UnixNano(), 1)
	}
	d := c.dl.Load()
	if d == nil {
		if v == 0 {
			return nil // clearing a deadline never set
		}
		d = c.deadlines()
	}
	if read {
		d.read.Store(v)
	}
	if write {
		d.write.Store(v)
	}
	if at := d.armedAt.Load(); v != 0 && (at == 0 || v < at) {
		return c.loop.submit(taskDeadline, c, nil, nil, nil)
	}
	return nil
}

// writeExpired reports whether the write deadline has passed; writes then fail, as
// they do on a net.Conn.
func (c *conn) writeExpired() bool {
	d := c.dl.Load()
	if d == nil {
		return false
	}
	w := d.write.Load()
	return w != 0 && time.Now().UnixNano() >= w
}

// startIdleTimer arms the idle timeout of a new connection. Traffic only stores the
// loop clock in lastActive; the timer re-arms itself from it when it fires, so the
// timeout costs nothing per event.
func (el *eventloop) startIdleTimer(c *conn) {
	d := int64(el.eng.opts.IdleTimeout)
	c.lastActive = el.clock
	x := c.extra()
	x.idle = timer.New(func() {
		if c.state != connOpen {
			return
		}
		if el.clock-c.lastActive >= d {
			el.closeConn(c, errors.ErrIdleTimeout)
			return
		}
		el.timers.Schedule(x.idle, c.lastActive+d)
	})
	el.timers.Schedule(x.idle, c.lastActive+d)
}

// checkDeadlines enforces c's deadlines and arms its deadline timer for the next one.
// A read deadline closes c when it passes; a write deadline closes c when it passes
// with output still queued. Other goroutines change deadlines through atomics, and
// only a deadline earlier than the armed timer needs a task to get here (see
// conn.setDeadline): the timer re-reads the atomics whenever it fires.
func (el *eventloop) checkDeadlines(c *conn) {
	if c.state != connOpen && c.state != connDraining {
		return
	}
	dl := c.dl.Load()
	if dl == nil {
		return // no deadline was ever set
	}
	dl.armedAt.Store(0) // re-evaluating: setters must now ask for a task
	now := time.Now().UnixNano()
	r, w := dl.read.Load(), dl.write.Load()
	if c.state == connOpen && r != 0 && now >= r {
		el.closeNow(c, c.opError("read", os.ErrDeadlineExceeded))
		return
	}
	if w != 0 && now >= w && c.outbound.Len() > 0 {
		el.closeNow(c, c.opError("write", os.ErrDeadlineExceeded))
		return
	}
	next := int64(0)
	for _, d := range [2]int64{r, w} {
		if d > now && (next == 0 || d < next) {
			next = d
		}
	}
	if next == 0 {
		el.timers.Cancel(dl.timer)
		return
	}
	if dl.timer == nil {
		dl.timer = timer.New(func() { el.checkDeadlines(c) })
	}
	el.timers.Schedule(dl.timer, el.now()+(next-now))
	dl.armedAt.Store(next)
}
