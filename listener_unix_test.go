//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor_test

// Listener tests that leave a socket file behind with raw socket syscalls.

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

// TestUnixStaleSocketIsReplaced: a socket file left behind by a dead process (bound,
// never unlinked, nobody accepting) is replaced; a live one is refused.
func TestUnixStaleSocketIsReplaced(t *testing.T) {
	t.Parallel()
	path := unixSocketPath(t)
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	syscall.Close(fd) // the file stays: a stale socket
	s := startServer(t, &hooks{traffic: echoTraffic}, "unix://"+path)
	if err := echoRoundTrips(s.dial(t), [][]byte{[]byte("over a replaced socket file")}); err != nil {
		t.Fatal(err)
	}

	live := unixSocketPath(t)
	ln, err := net.Listen("unix", live)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() { done <- gnet.Run(&hooks{}, "unix://"+live) }()
	select {
	case err := <-done:
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("Run on a socket someone listens on: %v, want EADDRINUSE", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run on a live socket path did not fail")
	}
}
