//go:build linux

package reactor

import (
	"net"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor/internal/socket"
	"github.com/reactorgo/reactor/pkg/errors"
)

// localAddr is looked up on first use: most servers never ask, and getsockname on
// every accept would be a syscall per connection for nothing.
func (c *conn) localAddr() net.Addr {
	if c.local == nil && c.state != connClosed {
		if sa, err := unix.Getsockname(c.fd); err == nil {
			c.local = socket.SockaddrToAddr(c.network(), sa)
		}
	}
	return c.local
}

// sockopt runs a socket-option call unless the connection is closed, in which case
// its descriptor number may already belong to someone else.
func (c *conn) sockopt(op string, fn func(fd int) error) error {
	if c.closed.Load() {
		return c.opError(op, errors.ErrConnClosed)
	}
	if err := fn(c.fd); err != nil {
		return c.opError(op, err)
	}
	return nil
}

func (c *conn) isTCP() bool { _, ok := c.remote.(*net.TCPAddr); return ok }

func (c *conn) Fd() int { return c.fd }

func (c *conn) Dup() (int, error) {
	fd := -1
	err := c.sockopt("dup", func(cfd int) (err error) {
		fd, err = socket.Dup(cfd)
		return err
	})
	return fd, err
}

func (c *conn) SetReadBuffer(size int) error {
	return c.sockopt("set read buffer", func(fd int) error { return socket.SetRecvBuffer(fd, size) })
}

func (c *conn) SetWriteBuffer(size int) error {
	return c.sockopt("set write buffer", func(fd int) error { return socket.SetSendBuffer(fd, size) })
}

func (c *conn) SetLinger(secs int) error {
	return c.sockopt("set linger", func(fd int) error { return socket.SetLinger(fd, secs) })
}

func (c *conn) SetNoDelay(noDelay bool) error {
	if !c.isTCP() {
		return c.opError("set nodelay", errors.ErrUnsupportedOp)
	}
	return c.sockopt("set nodelay", func(fd int) error { return socket.SetNoDelay(fd, noDelay) })
}

func (c *conn) SetKeepAlivePeriod(d time.Duration) error {
	if !c.isTCP() {
		return c.opError("set keepalive", errors.ErrUnsupportedOp)
	}
	if d <= 0 {
		return c.opError("set keepalive", errors.ErrInvalidOption)
	}
	return c.sockopt("set keepalive", func(fd int) error { return socket.SetKeepAlive(fd, true, d, d, 9) })
}

func (c *conn) SetKeepAlive(enabled bool, idle, intvl time.Duration, cnt int) error {
	if !c.isTCP() {
		return c.opError("set keepalive", errors.ErrUnsupportedOp)
	}
	if enabled && (idle < time.Second || intvl < time.Second || cnt < 1) {
		return c.opError("set keepalive", errors.ErrInvalidOption)
	}
	return c.sockopt("set keepalive", func(fd int) error {
		return socket.SetKeepAlive(fd, enabled, idle, intvl, cnt)
	})
}
