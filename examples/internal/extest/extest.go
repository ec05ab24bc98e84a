// Package extest holds the test harness the examples share: it starts an example's
// engine on a free loopback port and runs the external clients the examples are
// tested against. Each example is a main package of its own, so the harness cannot
// live in one of their test files.
package extest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// Every wait in these tests is bounded; the bounds are generous because the suite
// runs under -race on two cores.
const (
	BootTimeout   = 10 * time.Second
	StopTimeout   = 15 * time.Second
	ClientTimeout = 60 * time.Second
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
	addr, err := ListenerAddr(eng)
	b.booted <- bootResult{eng, addr, err}
	return action
}

// ListenerAddr is the "ip:port" of eng's only listener (the port the kernel picked
// for ":0"), from Engine.Addrs, checked against a duplicate of the listener where
// the system has descriptors.
func ListenerAddr(eng reactor.Engine) (string, error) {
	addrs := eng.Addrs()
	if len(addrs) != 1 {
		return "", fmt.Errorf("Engine.Addrs: want one address, have %v", addrs)
	}
	fd, err := eng.Dup()
	if errors.Is(err, rerrors.ErrUnsupportedOp) {
		return addrs[0].String(), nil // no descriptors here (Windows)
	}
	if err != nil {
		return "", err
	}
	defer closeFD(fd)
	// Getsockname on the copy, not net.FileListener(os.NewFile(fd)): an os.File that
	// put a descriptor into non-blocking mode hands it back in blocking mode from
	// Fd, and the copy shares its file description with the engine's listener.
	name, err := ipSockName(fd)
	if err == nil && name != addrs[0].String() {
		err = fmt.Errorf("Engine.Addrs says %s, the listener is bound to %s", addrs[0], name)
	}
	return name, err
}

// StartServer runs h on a free loopback TCP port and returns its address; the engine
// is stopped when the test ends.
func StartServer(t testing.TB, h reactor.EventHandler, opts ...reactor.Option) string {
	t.Helper()
	return StartOn(t, h, "tcp://127.0.0.1:0", opts...)
}

// StartOn is StartServer on protoAddr (one address, port 0: "udp://127.0.0.1:0").
func StartOn(t testing.TB, h reactor.EventHandler, protoAddr string, opts ...reactor.Option) string {
	t.Helper()
	b := &booter{EventHandler: h, booted: make(chan bootResult, 1)}
	done := make(chan error, 1)
	go func() { done <- reactor.Run(b, protoAddr, opts...) }()
	var res bootResult
	select {
	case res = <-b.booted:
	case err := <-done:
		t.Fatalf("Run returned before OnBoot: %v", err)
	case <-time.After(BootTimeout):
		t.Fatalf("no OnBoot within %v", BootTimeout)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), StopTimeout)
		defer cancel()
		if err := res.eng.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(StopTimeout):
			t.Errorf("Run did not return within %v of Stop", StopTimeout)
		}
	})
	if res.err != nil {
		t.Fatalf("learning the bound address: %v", res.err)
	}
	return res.addr
}

// Run runs an external client with a deadline and returns its standard output. A
// missing client fails the test: CI installs them (.ci/install-example-deps.sh).
func Run(t testing.TB, stdin []byte, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not installed (run .ci/install-example-deps.sh): %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ClientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: no result within %v", name, strings.Join(args, " "), ClientTimeout)
	}
	return out.String(), errOut.String(), err
}

func MustRun(t testing.TB, stdin []byte, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := Run(t, stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, stderr
}
