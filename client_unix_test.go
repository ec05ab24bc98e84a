//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor_test

// Client tests that build their peer from raw socket syscalls.

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

// TestClientDialTimeout dials a listener whose accept queue is full, so the
// handshake never completes, and expects the dial timeout.
func TestClientDialTimeout(t *testing.T) {
	t.Parallel()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.CloseOnExec(fd)
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	addr, err := sockName(fd)
	if err != nil {
		t.Fatal(err)
	}
	// Fill the backlog: once full, the kernel drops further SYNs.
	for range 4 {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			defer c.Close()
		}
	}
	cli := startClient(t, newCollector(), gnet.WithDialTimeout(300*time.Millisecond))
	start := time.Now()
	_, err = cli.Dial("tcp", addr)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Dial to a full backlog: %v, want a timeout", err)
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("Dial timeout error %v does not say Timeout()", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Dial took %v with a 300ms timeout", d)
	}
}
