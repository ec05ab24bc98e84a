//go:build linux

package reactor_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// ipCmd runs one iproute2/tc command as part of a test's network set-up.
func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v: %s (the test needs root and iproute2, as CI has)", args, err, out)
	}
}

// TestPeerVanishesWithoutFIN puts a client in a network namespace of the test's own,
// joined to this one by a veth pair, then takes the namespace's end of the link down:
// the peer is gone without a FIN or a reset, which loopback cannot show. The
// server must notice through its deadlines and idle timeout, close the connection
// with one OnClose, and keep serving.
func TestPeerVanishesWithoutFIN(t *testing.T) {
	ns := fmt.Sprintf("rvan%d", os.Getpid()%100000)
	subnet := fmt.Sprintf("10.254.%d", os.Getpid()%250)
	serverIP, clientIP := subnet+".1", subnet+".2"
	ipCmd(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	ipCmd(t, "ip", "link", "add", ns+"a", "type", "veth", "peer", "name", ns+"b")
	t.Cleanup(func() { exec.Command("ip", "link", "del", ns+"a").Run() })
	ipCmd(t, "ip", "link", "set", ns+"b", "netns", ns)
	ipCmd(t, "ip", "addr", "add", serverIP+"/30", "dev", ns+"a")
	ipCmd(t, "ip", "link", "set", ns+"a", "up")
	ipCmd(t, "ip", "netns", "exec", ns, "ip", "addr", "add", clientIP+"/30", "dev", ns+"b")
	ipCmd(t, "ip", "netns", "exec", ns, "ip", "link", "set", ns+"b", "up")

	opened := make(chan gnet.Conn, 1)
	closed := make(chan error, 4)
	s := startServer(t, &hooks{
		open:    func(c gnet.Conn) ([]byte, gnet.Action) { opened <- c; return nil, gnet.None },
		traffic: echoTraffic,
		close:   func(_ gnet.Conn, err error) gnet.Action { closed <- err; return gnet.None },
	}, "tcp://"+serverIP+":0", gnet.WithIdleTimeout(3*time.Second))

	// The client: netcat inside the namespace, its input held open by a pipe.
	pr, pw := io.Pipe()
	defer pw.Close()
	host, port := splitHostPort(t, s.addr)
	nc := exec.Command("ip", "netns", "exec", ns, "nc", host, port)
	nc.Stdin, nc.Stdout = pr, io.Discard
	if err := nc.Start(); err != nil {
		t.Fatalf("netcat in the namespace: %v", err)
	}
	t.Cleanup(func() { nc.Process.Kill(); nc.Wait() })
	c := recv(t, opened, waitTimeout, "OnOpen of the client in the namespace")
	if _, err := pw.Write([]byte("still here\n")); err != nil {
		t.Fatal(err)
	}

	// The peer vanishes: its end of the link goes down, so nothing gets through.
	ipCmd(t, "ip", "netns", "exec", ns, "ip", "link", "set", ns+"b", "down")
	start := time.Now()
	c.AsyncWrite(payload(3, 1<<20), nil) // never acknowledged
	c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	err := recv(t, closed, waitTimeout, "OnClose of the vanished peer")
	if !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, rerrors.ErrIdleTimeout) {
		t.Fatalf("OnClose error %v, want a deadline or idle timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the vanished peer was noticed after %v", d)
	}
	t.Logf("noticed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	select {
	case err := <-closed:
		t.Fatalf("a second OnClose: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if s.eng.CountConnections() != 0 {
		t.Fatalf("%d connections still counted", s.eng.CountConnections())
	}
}

func splitHostPort(t testing.TB, addr string) (string, string) {
	t.Helper()
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i], addr[i+1:]
		}
	}
	t.Fatalf("no port in %q", addr)
	return "", ""
}
