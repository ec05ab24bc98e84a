package main

import (
	"bytes"
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reactorgo/reactor"
	"github.com/reactorgo/reactor/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// booted reports the engine from OnBoot, for the test to learn the port.
type booted struct {
	echoServer
	ch chan reactor.Engine
}

func (b *booted) OnBoot(eng reactor.Engine) reactor.Action {
	b.ch <- eng
	return reactor.None
}

func startEcho(t testing.TB) string {
	t.Helper()
	s := &booted{ch: make(chan reactor.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- reactor.Run(s, "tcp://127.0.0.1:0") }()
	var eng reactor.Engine
	select {
	case eng = <-s.ch:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("echo did not boot")
	}
	addr, err := extest.ListenerAddr(eng) // not os.NewFile: Fd() would make the listener blocking
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		<-done
	})
	return addr
}

// TestEchoWithNetcat talks to the example as its README does, with OpenBSD netcat.
func TestEchoWithNetcat(t *testing.T) {
	addr := startEcho(t)
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nc", "-q1", host, port)
	msg := strings.Repeat("hello, reactor\n", 1000)
	cmd.Stdin = strings.NewReader(msg)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nc: %v (is netcat-openbsd installed? .ci/install-example-deps.sh installs it)", err)
	}
	if !bytes.Equal(out, []byte(msg)) {
		t.Fatalf("nc got %d bytes back, want %d", len(out), len(msg))
	}
}
