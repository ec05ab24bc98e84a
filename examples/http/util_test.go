package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"github.com/reactorgo/reactor"
)

// TestMain fails the package if a goroutine (an event loop, a client's reader)
// outlives the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Every wait in these tests is bounded; the bounds are generous because the suite
// runs under -race on two cores.
const (
	bootTimeout   = 10 * time.Second
	stopTimeout   = 15 * time.Second
	clientTimeout = 60 * time.Second
)

// booter reports the engine and its bound address once OnBoot has run.
type booter struct {
	reactor.EventHandler
	booted chan bootResult
}

type bootResult struct {
	eng  reactor.Engine
	addr string
	err  error
}

func (b *booter) OnBoot(eng reactor.Engine) reactor.Action {
	action := b.EventHandler.OnBoot(eng)
	addr, err := listenerAddr(eng)
	b.booted <- bootResult{eng, addr, err}
	return action
}

// listenerAddr learns the port the kernel picked from a duplicate of the listener.
// It asks the socket directly: wrapping the fd in an os.File would call Fd(), which
// switches the file description, shared with the engine's listener, to blocking.
func listenerAddr(eng reactor.Engine) (string, error) {
	fd, err := eng.Dup()
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", os.NewSyscallError("getsockname", err)
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port)), nil
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port)), nil
	}
	return "", fmt.Errorf("listener bound to a %T, want an IP address", sa)
}

// startServer runs h on a free loopback port and returns its address; the engine is
// stopped when the test ends.
func startServer(t testing.TB, h reactor.EventHandler, opts ...reactor.Option) string {
	t.Helper()
	b := &booter{EventHandler: h, booted: make(chan bootResult, 1)}
	done := make(chan error, 1)
	go func() { done <- reactor.Run(b, "tcp://127.0.0.1:0", opts...) }()
	var res bootResult
	select {
	case res = <-b.booted:
	case err := <-done:
		t.Fatalf("Run returned before OnBoot: %v", err)
	case <-time.After(bootTimeout):
		t.Fatalf("no OnBoot within %v", bootTimeout)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := res.eng.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(stopTimeout):
			t.Errorf("Run did not return within %v of Stop", stopTimeout)
		}
	})
	if res.err != nil {
		t.Fatalf("learning the bound address: %v", res.err)
	}
	return res.addr
}

// run runs an external client with a deadline and returns its standard output. A
// missing client fails the test: CI installs them (.ci/install-example-deps.sh).
func run(t testing.TB, stdin []byte, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not installed (run .ci/install-example-deps.sh): %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: no result within %v", name, strings.Join(args, " "), clientTimeout)
	}
	return out.String(), errOut.String(), err
}

func mustRun(t testing.TB, stdin []byte, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := run(t, stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, stderr
}
