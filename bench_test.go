package reactor_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

type benchEcho struct {
	gnet.BuiltinEventEngine
	booted chan gnet.Engine
}

func (s *benchEcho) OnBoot(eng gnet.Engine) gnet.Action { s.booted <- eng; return gnet.None }

func (s *benchEcho) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return gnet.None
}

// startBenchEcho runs an echo engine and returns its TCP address.
func startBenchEcho(b *testing.B, opts ...gnet.Option) string {
	b.Helper()
	srv := &benchEcho{booted: make(chan gnet.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- gnet.Run(srv, "tcp://127.0.0.1:0", opts...) }()
	var eng gnet.Engine
	select {
	case eng = <-srv.booted:
	case err := <-done:
		b.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		b.Fatal("engine did not boot")
	}
	addr, err := boundAddr(eng)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			b.Errorf("Stop: %v", err)
		}
		<-done
	})
	return addr
}

// benchmarkEcho measures request/response round trips of size bytes over conns
// connections in parallel: the read, dispatch and write of one event per message.
func benchmarkEcho(b *testing.B, size, conns int, opts ...gnet.Option) {
	addr := startBenchEcho(b, opts...)
	clients := make([]net.Conn, conns)
	for i := range clients {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i, c := range clients {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, in := make([]byte, size), make([]byte, size)
			c.SetDeadline(time.Now().Add(time.Minute))
			for range n {
				if _, err := c.Write(out); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, in); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{64, 4096} {
		for _, conns := range []int{1, 16} {
			b.Run(fmt.Sprintf("%dB/conns=%d", size, conns), func(b *testing.B) { benchmarkEcho(b, size, conns) })
		}
	}
	b.Run("64B/conns=16/no-busy-poll", func(b *testing.B) {
		benchmarkEcho(b, 64, 16, gnet.WithBusyPoll(-1))
	})
	b.Run("64B/conns=16/edge-triggered", func(b *testing.B) {
		benchmarkEcho(b, 64, 16, gnet.WithEdgeTriggeredIO(true))
	})
	// The price of an idle timeout per event: a store of the loop clock, and a timer
	// that re-arms lazily once per timeout period.
	b.Run("64B/conns=16/idle-timeout", func(b *testing.B) {
		benchmarkEcho(b, 64, 16, gnet.WithIdleTimeout(time.Minute))
	})
}
