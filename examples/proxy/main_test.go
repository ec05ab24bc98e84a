package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reactorgo/reactor"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startBackend runs a plain net echo server: the proxy is tested against a peer it
// did not write.
func startBackend(t testing.TB) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr)
}

func startProxy(t testing.TB, backend *net.TCPAddr) string {
	t.Helper()
	p := &proxy{backend: backend, booted: make(chan reactor.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- reactor.Run(p, "tcp://127.0.0.1:0", reactor.WithNumEventLoop(2)) }()
	var eng reactor.Engine
	select {
	case eng = <-p.booted:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("proxy did not boot")
	}
	fd, err := eng.Dup()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.FileListener(os.NewFile(uintptr(fd), "proxy"))
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
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

func TestProxyForwardsBothWays(t *testing.T) {
	addr := startProxy(t, startBackend(t))
	const clients = 8
	errs := make(chan error, clients)
	for i := range clients {
		go func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			msg := make([]byte, 1+rand.N(2<<20))
			for j := range msg {
				msg[j] = byte(i + j*7)
			}
			go c.Write(msg) // write and read at once: 2 MiB does not fit in socket buffers
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(c, got); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(got, msg) {
				errs <- io.ErrUnexpectedEOF
				return
			}
			errs <- nil
		}()
	}
	for range clients {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("proxied echo timed out")
		}
	}
}

func TestProxyClosesClientWhenBackendIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().(*net.TCPAddr)
	ln.Close()
	addr := startProxy(t, dead)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read from a proxy with no backend: %d, %v; want EOF", n, err)
	}
}
