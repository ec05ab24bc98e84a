package socket

import (
	"time"

	"golang.org/x/sys/unix"
)

// macOS counts SO_LINGER in clock ticks; SO_LINGER_SEC takes seconds and the kernel
// stores them as ticks in a short (<sys/socket.h>: "linger on close if data present
// (in ticks)" and "(in seconds)"). At 100 ticks a second a longer linger would wrap,
// so it is capped at 327 s.
const soLinger = unix.SO_LINGER_SEC

func lingerSeconds(secs int) int32 { return int32(min(secs, 327)) }

// macOS calls the keep-alive idle time TCP_KEEPALIVE (<netinet/tcp.h>); TCP_KEEPINTVL
// and TCP_KEEPCNT have their usual names.
func setKeepAlivePeriods(fd int, idle, interval time.Duration, count int) error {
	opts := keepAliveOpts{unix.TCP_KEEPALIVE, unix.TCP_KEEPINTVL, unix.TCP_KEEPCNT}
	return setKeepAliveTimes(fd, opts, idle, interval, count)
}
