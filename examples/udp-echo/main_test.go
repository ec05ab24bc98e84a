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

// TestUDPEchoWithNetClient talks to the example with package net's UDP client.
func TestUDPEchoWithNetClient(t *testing.T) {
	addr := extest.StartOn(t, &udpEcho{}, "udp://127.0.0.1:0")
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 2048)
	for i := range 50 {
		msg := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i*20)
		var got []byte
		for attempt := 0; attempt < 5 && got == nil; attempt++ { // UDP may drop
			c.Write(msg)
			c.SetReadDeadline(time.Now().Add(time.Second))
			if n, err := c.Read(buf); err == nil {
				got = buf[:n]
			}
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("datagram %d: echo %q, want %d bytes", i, got, len(msg))
		}
	}
}

// TestUDPEchoWithNetcat uses the OpenBSD netcat, a client this project did not write.
func TestUDPEchoWithNetcat(t *testing.T) {
	addr := extest.StartOn(t, &udpEcho{}, "udp://127.0.0.1:0")
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nc", "-u", "-w1", host, port)
	cmd.Stdin = strings.NewReader("hello over udp\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nc: %v (is netcat-openbsd installed? .ci/install-example-deps.sh installs it)", err)
	}
	if got := string(out); got != "hello over udp\n" {
		t.Fatalf("nc got %q", got)
	}
}
