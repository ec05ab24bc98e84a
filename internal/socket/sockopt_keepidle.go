//go:build linux || freebsd || netbsd || dragonfly

package socket

import (
	"time"

	"golang.org/x/sys/unix"
)

// The systems that, like Linux, count SO_LINGER in seconds and call the keep-alive
// idle time TCP_KEEPIDLE: socket(7) and tcp(7) on Linux, setsockopt(2) and tcp(4) on
// FreeBSD, NetBSD and DragonFly (which counted the keep-alive times in milliseconds
// before 5.8; older releases get times a thousand times too short). macOS and OpenBSD
// differ: sockopt_darwin.go, sockopt_openbsd.go.

const soLinger = unix.SO_LINGER

func lingerSeconds(secs int) int32 { return int32(secs) }

func setKeepAlivePeriods(fd int, idle, interval time.Duration, count int) error {
	opts := keepAliveOpts{unix.TCP_KEEPIDLE, unix.TCP_KEEPINTVL, unix.TCP_KEEPCNT}
	return setKeepAliveTimes(fd, opts, idle, interval, count)
}
