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

	"github.com/reactorgo/reactor/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEchoWithNetcat talks to the example as its README does, with OpenBSD netcat.
func TestEchoWithNetcat(t *testing.T) {
	addr := extest.StartServer(t, &echoServer{addr: "tcp://127.0.0.1:0"})
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
