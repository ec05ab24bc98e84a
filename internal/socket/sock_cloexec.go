//go:build linux || freebsd || netbsd || openbsd || dragonfly

package socket

import "golang.org/x/sys/unix"

// sysSocket opens a close-on-exec socket, non-blocking when nonblock is set. The
// flags ride on the socket type, so the descriptor is never visible without them
// (socket(2): Linux since 2.6.27, FreeBSD 10.0, NetBSD 6.0, OpenBSD 5.7; DragonFly
// in every release Go supports). Errors are bare: the caller names the call.
func sysSocket(family, typ, proto int, nonblock bool) (int, error) {
	typ |= unix.SOCK_CLOEXEC
	if nonblock {
		typ |= unix.SOCK_NONBLOCK
	}
	return unix.Socket(family, typ, proto)
}
