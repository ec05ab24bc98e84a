package reactor

import (
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
