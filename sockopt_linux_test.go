//go:build linux

package reactor_test

// The socket options are read back with Linux's option names; other systems spell
// some of them differently (TCP_KEEPALIVE on macOS, SO_LINGER_SEC for seconds).

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	gnet "github.com/reactorgo/reactor"
)

// TestConnSocketOptions: the Socket methods return nil on TCP and really set the
// options, as getsockopt on a dup of the fd shows.
func TestConnSocketOptions(t *testing.T) {
	t.Parallel()
	conns := make(chan gnet.Conn, 1)
	s := startTCP(t, &hooks{open: sendConn(conns)})
	s.dial(t)
	c := recv(t, conns, waitTimeout, "OnOpen")
	if c.Fd() <= 0 {
		t.Fatalf("Fd() = %d", c.Fd())
	}
	fd, err := c.Dup()
	if err != nil {
		t.Fatalf("Dup: %v", err)
	}
	defer unix.Close(fd)
	if fd == c.Fd() {
		t.Fatalf("Dup returned the conn's own fd %d", fd)
	}
	getInt := func(level, opt int) int {
		v, err := unix.GetsockoptInt(fd, level, opt)
		if err != nil {
			t.Fatalf("getsockopt(%d, %d): %v", level, opt, err)
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		set   func() error
		check func() bool
	}{
		{name: "SetNoDelay(false)", set: func() error { return c.SetNoDelay(false) },
			check: func() bool { return getInt(unix.IPPROTO_TCP, unix.TCP_NODELAY) == 0 }},
		{name: "SetNoDelay(true)", set: func() error { return c.SetNoDelay(true) },
			check: func() bool { return getInt(unix.IPPROTO_TCP, unix.TCP_NODELAY) != 0 }},
		{name: "SetKeepAlive(true, 2s, 3s, 4)", set: func() error { return c.SetKeepAlive(true, 2*time.Second, 3*time.Second, 4) },
			check: func() bool {
				return getInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0 && getInt(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE) == 2 &&
					getInt(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL) == 3 && getInt(unix.IPPROTO_TCP, unix.TCP_KEEPCNT) == 4
			}},
		{name: "SetKeepAlivePeriod(5s)", set: func() error { return c.SetKeepAlivePeriod(5 * time.Second) },
			check: func() bool {
				return getInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0 && getInt(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE) == 5
			}},
		{name: "SetLinger(3)", set: func() error { return c.SetLinger(3) },
			check: func() bool {
				l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER)
				return err == nil && l.Onoff != 0 && l.Linger == 3
			}},
		{name: "SetLinger(-1)", set: func() error { return c.SetLinger(-1) },
			check: func() bool {
				l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER)
				return err == nil && l.Onoff == 0
			}},
		{name: "SetReadBuffer(64 KiB)", set: func() error { return c.SetReadBuffer(64 << 10) },
			check: func() bool { return getInt(unix.SOL_SOCKET, unix.SO_RCVBUF) >= 64<<10 }},
		{name: "SetWriteBuffer(64 KiB)", set: func() error { return c.SetWriteBuffer(64 << 10) },
			check: func() bool { return getInt(unix.SOL_SOCKET, unix.SO_SNDBUF) >= 64<<10 }},
	} {
		if err := tc.set(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else if !tc.check() {
			t.Errorf("%s returned nil but getsockopt shows the option unchanged", tc.name)
		}
	}
}
