//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || reactor_std

package reactor

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/reactorgo/reactor/internal/socket"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// connIO is a portable connection's link to its goroutines. The loop owns every field
// but nc, which the reader and writer goroutines use too (a net.Conn allows that).
type connIO struct {
	nc      net.Conn
	resume  chan struct{} // lets the reader read again (capacity 1)
	done    chan struct{} // closed when the loop lets go of the connection
	waiting bool          // the reader has handed over a chunk and waits for resume
	wr      chan []byte   // the writer's next chunk; nil until the first write
	wbuf    []byte        // the chunk, a copy of the head of outbound
	writing bool          // the writer has the chunk
}

// readLoop is a connection's reader goroutine. It reads into buf, hands the chunk to
// the loop and waits until the loop is done with it: the loop may show buf to
// OnTraffic without copying, and a paused connection stops being read, so the
// kernel's receive window slows the peer down as it does with a poller.
func (el *eventloop) readLoop(c *conn, s *connIO, buf []byte) {
	for {
		n, err := s.nc.Read(buf)
		select {
		case <-s.done:
			return
		default:
		}
		t := getTask(taskInput)
		t.c, t.buf, t.err = c, buf[:n], err
		if el.enqueue(t) != nil || err != nil {
			return
		}
		select {
		case <-s.resume:
		case <-s.done:
			return
		}
	}
}

// resumeReader lets a waiting reader read again, unless reading is paused.
func (el *eventloop) resumeReader(c *conn) {
	s := &c.x.connIO
	if s.waiting && !c.readPaused && (c.state == connOpen || c.state == connHandshaking) {
		s.waiting = false
		s.resume <- struct{}{}
	}
}

func (el *eventloop) readingChanged(c *conn) error {
	el.resumeReader(c)
	return nil
}

// flush hands the head of the queued output to the writer goroutine unless it has a
// chunk already; the rest follows when that one is written. A draining connection
// closes once its queue is empty.
func (el *eventloop) flush(c *conn) error {
	s := &c.x.connIO
	if s.writing {
		return nil
	}
	if c.outbound.Len() == 0 {
		c.writeArmed = false
		if c.state == connDraining {
			el.finishClose(c, nil)
			return nil
		}
	} else {
		s.wbuf = s.wbuf[:0]
		el.iov = c.outbound.Peek(el.iov[:0], 64)
		for _, b := range el.iov {
			if len(s.wbuf)+len(b) > maxWriteChunk && len(s.wbuf) > 0 {
				break
			}
			s.wbuf = append(s.wbuf, b...)
		}
		clear(el.iov)
		if s.wr == nil {
			s.wr = make(chan []byte, 1)
			go el.writeLoop(c, s)
		}
		s.writing, c.writeArmed = true, true
		s.wr <- s.wbuf
	}
	if el.eng.opts.WriteBufferHighWater > 0 {
		el.checkWaterMarks(c)
	}
	return nil
}

// writeDirect: the portable backend writes only from its writer goroutine, so every
// write is queued.
func (el *eventloop) writeDirect(_ *conn, p []byte) []byte { return p }

func (el *eventloop) writevDirect(*conn, [][]byte) int { return 0 }

// flushNow is Conn.Flush: what the socket takes within flushWait is written on the
// loop, as a poller's flush would; the rest goes to the writer goroutine.
func (el *eventloop) flushNow(c *conn) error {
	s := &c.x.connIO
	if s.writing || c.outbound.Len() == 0 {
		return el.flush(c)
	}
	s.nc.SetWriteDeadline(time.Now().Add(flushWait))
	defer s.nc.SetWriteDeadline(time.Time{})
	for c.outbound.Len() > 0 {
		el.iov = c.outbound.Peek(el.iov[:0], 64)
		bufs := net.Buffers(el.iov)
		n, err := bufs.WriteTo(s.nc)
		clear(el.iov)
		c.outbound.Discard(&el.slab, int(n))
		if n > 0 {
			c.lastActive = el.clock
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			return err
		}
	}
	return el.flush(c)
}

// writeLoop is a connection's writer goroutine: it writes each chunk the loop hands
// it and reports back, until the loop lets go of the connection.
func (el *eventloop) writeLoop(c *conn, s *connIO) {
	for {
		select {
		case p := <-s.wr:
			n, err := s.nc.Write(p)
			t := getTask(taskOutput)
			t.c, t.n, t.err = c, n, err
			if el.enqueue(t) != nil {
				return
			}
		case <-s.done:
			return
		}
	}
}

// written takes the writer's report: the bytes leave the queue, and the next chunk
// goes out.
func (el *eventloop) written(c *conn, n int, err error) {
	s := &c.x.connIO
	s.writing = false
	if c.state == connClosed {
		return
	}
	c.outbound.Discard(&el.slab, n)
	if n > 0 {
		c.lastActive = el.clock
	}
	if err != nil {
		el.closeNow(c, err)
		return
	}
	if err := el.flush(c); err != nil {
		el.closeNow(c, err)
	}
}

// release lets go of c's goroutines and closes it. After a clean close the write
// side is shut first and what the peer still sends is read and dropped for a
// moment (see closeLinger) before the connection closes; the loop does not wait.
func (el *eventloop) release(c *conn, err error) error {
	s := &c.x.connIO
	el.untrack(c)
	close(s.done)
	if cw, ok := s.nc.(interface{ CloseWrite() error }); ok && err == nil && c.kind == streamConn {
		if cerr := cw.CloseWrite(); cerr == nil {
			s.nc.SetReadDeadline(time.Now().Add(closeLinger))
			go lingerClose(s.nc)
			return nil
		}
	}
	if cerr := s.nc.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// lingerClose reads and drops input until the peer closes or the read deadline
// passes, then closes nc.
func lingerClose(nc net.Conn) {
	var buf [512]byte
	for {
		if _, err := nc.Read(buf[:]); err != nil {
			break
		}
	}
	nc.Close()
}

func (c *conn) localAddr() net.Addr {
	switch {
	case c.kind == packetConn:
		return c.x.packets.ln.Addr
	case c.x.local == nil:
		c.x.local = c.x.nc.LocalAddr()
	}
	return c.x.local
}

// rawConn is the socket under c, when the system gives access to it.
func (c *conn) rawConn() (syscall.RawConn, error) {
	var v any = c.x.nc
	if c.kind == packetConn {
		v = c.x.packets.ln.pc
	}
	sc, ok := v.(syscall.Conn)
	if !ok {
		return nil, rerrors.ErrUnsupportedOp
	}
	return sc.SyscallConn()
}

// Fd returns the socket's descriptor (a handle on Windows) while the connection is
// open, and -1 otherwise or where the system hides it.
func (c *conn) Fd() int {
	fd := -1
	if rc, err := c.rawConn(); err == nil && !c.closed.Load() {
		rc.Control(func(s uintptr) { fd = int(s) })
	}
	return fd
}

func (c *conn) Dup() (int, error) {
	if c.closed.Load() {
		return -1, c.anyOpError("dup", rerrors.ErrConnClosed)
	}
	fd, err := dupRaw(c.rawConn())
	if err != nil {
		return -1, c.anyOpError("dup", err)
	}
	return fd, nil
}

// dupRaw duplicates the descriptor under rc, where the system can (not on Windows).
func dupRaw(rc syscall.RawConn, err error) (int, error) {
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(s uintptr) { fd, derr = socket.Dup(int(s)) }); err != nil {
		return -1, err
	}
	return fd, derr
}

// sockopt runs fn on the connection's net.Conn (or a UDP listener's PacketConn)
// unless the connection is closed.
func (c *conn) sockopt(op string, fn func(v any) error) error {
	if c.closed.Load() {
		return c.anyOpError(op, rerrors.ErrConnClosed)
	}
	var v any = c.x.nc
	if c.kind == packetConn {
		v = c.x.packets.ln.pc
	}
	if err := fn(v); err != nil {
		return c.anyOpError(op, err)
	}
	return nil
}

func (c *conn) SetReadBuffer(size int) error {
	return c.sockopt("set read buffer", func(v any) error {
		if b, ok := v.(interface{ SetReadBuffer(int) error }); ok {
			return b.SetReadBuffer(size)
		}
		return rerrors.ErrUnsupportedOp
	})
}

func (c *conn) SetWriteBuffer(size int) error {
	return c.sockopt("set write buffer", func(v any) error {
		if b, ok := v.(interface{ SetWriteBuffer(int) error }); ok {
			return b.SetWriteBuffer(size)
		}
		return rerrors.ErrUnsupportedOp
	})
}

// tcpOpt runs fn on a TCP connection's *net.TCPConn.
func (c *conn) tcpOpt(op string, fn func(*net.TCPConn) error) error {
	return c.sockopt(op, func(v any) error {
		if tc, ok := v.(*net.TCPConn); ok {
			return fn(tc)
		}
		return rerrors.ErrUnsupportedOp
	})
}

func (c *conn) SetLinger(secs int) error {
	return c.tcpOpt("set linger", func(tc *net.TCPConn) error { return tc.SetLinger(secs) })
}

func (c *conn) SetNoDelay(noDelay bool) error {
	return c.tcpOpt("set nodelay", func(tc *net.TCPConn) error { return tc.SetNoDelay(noDelay) })
}

func (c *conn) SetKeepAlivePeriod(d time.Duration) error {
	if !c.isTCP() {
		return c.anyOpError("set keepalive", rerrors.ErrUnsupportedOp)
	}
	if d <= 0 {
		return c.anyOpError("set keepalive", rerrors.ErrInvalidOption)
	}
	return c.SetKeepAlive(true, d, d, 9)
}

func (c *conn) SetKeepAlive(enabled bool, idle, intvl time.Duration, cnt int) error {
	if !c.isTCP() {
		return c.anyOpError("set keepalive", rerrors.ErrUnsupportedOp)
	}
	if enabled && (idle < time.Second || intvl < time.Second || cnt < 1) {
		return c.anyOpError("set keepalive", rerrors.ErrInvalidOption)
	}
	return c.tcpOpt("set keepalive", func(tc *net.TCPConn) error {
		return tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: enabled, Idle: idle, Interval: intvl, Count: cnt})
	})
}
