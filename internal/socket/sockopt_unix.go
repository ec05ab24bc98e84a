//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

func setInt(fd, level, opt, v int) error {
	if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SetNoDelay turns Nagle's algorithm off (true) or on (false).
func SetNoDelay(fd int, noDelay bool) error {
	return setInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, boolInt(noDelay))
}

// SetRecvBuffer sets SO_RCVBUF.
func SetRecvBuffer(fd, size int) error { return setInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, size) }

// SetSendBuffer sets SO_SNDBUF.
func SetSendBuffer(fd, size int) error { return setInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, size) }

// SetLinger sets SO_LINGER; secs < 0 restores the default background close.
func SetLinger(fd, secs int) error {
	l := unix.Linger{}
	if secs >= 0 {
		l.Onoff, l.Linger = 1, lingerSeconds(secs)
	}
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, soLinger, &l); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// SetKeepAlive enables or disables TCP keep-alive; when enabling, idle and interval
// are rounded up to whole seconds (the kernel's unit) and count must be positive.
func SetKeepAlive(fd int, enabled bool, idle, interval time.Duration, count int) error {
	if !enabled {
		return setInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 0)
	}
	if err := setInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1); err != nil {
		return err
	}
	return setKeepAlivePeriods(fd, idle, interval, count)
}

// keepAliveOpts names the three per-socket keep-alive options of a system.
type keepAliveOpts struct{ idle, interval, count int }

// setKeepAliveTimes sets the three per-socket keep-alive parameters.
func setKeepAliveTimes(fd int, opts keepAliveOpts, idle, interval time.Duration, count int) error {
	if err := setInt(fd, unix.IPPROTO_TCP, opts.idle, seconds(idle)); err != nil {
		return err
	}
	if err := setInt(fd, unix.IPPROTO_TCP, opts.interval, seconds(interval)); err != nil {
		return err
	}
	return setInt(fd, unix.IPPROTO_TCP, opts.count, count)
}

func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
