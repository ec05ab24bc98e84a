//go:build !race && (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !reactor_std

package reactor_test

import (
	"net"
	"testing"
	"time"
)

// TestUDPZeroAllocs: serving a datagram (recvmmsg batch, OnTraffic, reply queued and
// sent with sendmmsg) allocates nothing in steady state.
func TestUDPZeroAllocs(t *testing.T) {
	s := startServer(t, &hooks{traffic: echoTraffic}, "udp://127.0.0.1:0")
	c, err := net.Dial("udp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	msg, buf := make([]byte, 64), make([]byte, 128)
	roundTrip := func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		roundTrip()
	}
	if n := testing.AllocsPerRun(1000, roundTrip); n != 0 {
		t.Fatalf("UDP echo allocates %v times per datagram, want 0", n)
	}
}
