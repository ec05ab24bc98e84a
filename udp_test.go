package reactor_test

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

// udpRoundTrip sends msg from c and waits for the echo, resending on loss (rare on
// loopback, but UDP promises nothing).
func udpRoundTrip(c net.Conn, msg []byte) error {
	buf := make([]byte, len(msg)+1)
	for attempt := 0; attempt < 5; attempt++ {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			continue
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(buf[:n], msg) {
			return fmt.Errorf("echo %q, want %q", buf[:n], msg)
		}
		return nil
	}
	return fmt.Errorf("no echo for %q after 5 attempts", msg)
}

func TestUDPEchoManySenders(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		senders = map[string]bool{}
		opens   atomic.Int32
	)
	h := &hooks{
		open: func(gnet.Conn) ([]byte, gnet.Action) { opens.Add(1); return nil, gnet.None },
		traffic: func(c gnet.Conn) gnet.Action {
			mu.Lock()
			senders[c.RemoteAddr().String()] = true
			mu.Unlock()
			return echoTraffic(c)
		},
	}
	s := startServer(t, h, "udp://127.0.0.1:0")
	const clients, messages = 16, 40
	locals := make([]string, clients)
	runClients(t, clients, 30*time.Second, func(i int) error {
		c, err := net.Dial("udp", s.addr)
		if err != nil {
			return err
		}
		defer c.Close()
		locals[i] = c.LocalAddr().String()
		for m := range messages {
			if err := udpRoundTrip(c, payload(uint64(i*1000+m), 1+(i*m)%1400)); err != nil {
				return err
			}
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	for _, l := range locals {
		if !senders[l] {
			t.Errorf("RemoteAddr never reported client %s (saw %d senders)", l, len(senders))
		}
	}
	if n := opens.Load(); n != 0 {
		t.Errorf("OnOpen ran %d times for datagrams; a UDP listener has no connections", n)
	}
}

func TestUDPSendToAndWriteErrors(t *testing.T) {
	t.Parallel()
	streamErr := make(chan error, 1)
	h := &hooks{traffic: func(c gnet.Conn) gnet.Action {
		msg, _ := c.Next(-1)
		reply := append([]byte("to:"), msg...)
		if _, err := c.SendTo(reply, c.RemoteAddr()); err != nil {
			streamErr <- err
		}
		return gnet.None
	}}
	s := startServer(t, h, "udp://127.0.0.1:0")
	c, err := net.Dial("udp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "to:x" {
		t.Fatalf("SendTo reply = %q, %v", buf[:n], err)
	}
	select {
	case err := <-streamErr:
		t.Fatalf("SendTo: %v", err)
	default:
	}
}

func TestRotateMixedProtocols(t *testing.T) {
	t.Parallel()
	path := unixSocketPath(t)
	h := &hooks{traffic: echoTraffic}
	addrs := []string{"tcp://127.0.0.1:0", "udp://127.0.0.1:0", "unix://" + path}
	s := startEngine(t, h, func(h gnet.EventHandler) error { return gnet.Rotate(h, addrs, gnet.WithNumEventLoop(2)) })
	tcpAddr, udpAddr := listenerAddr(t, s.eng, 0, "tcp", "127.0.0.1:0"), listenerAddr(t, s.eng, 1, "udp", "127.0.0.1:0")
	for _, target := range []struct{ network, addr string }{{"tcp", tcpAddr}, {"unix", path}} {
		c := dialWith(t, &net.Dialer{Timeout: ioTimeout}, target.network, target.addr)
		if err := echoRoundTrips(c, [][]byte{[]byte("over " + target.network)}); err != nil {
			t.Fatalf("%s echo: %v", target.network, err)
		}
	}
	uc, err := net.Dial("udp", udpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	if err := udpRoundTrip(uc, []byte("over udp")); err != nil {
		t.Fatal(err)
	}
}
