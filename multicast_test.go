package reactor_test

import (
	"net"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

// TestUDPMulticast serves a multicast group joined on the loopback interface and
// sends to the group from a plain UDP socket.
func TestUDPMulticast(t *testing.T) {
	t.Parallel()
	lo, err := net.InterfaceByName("lo")
	if err != nil || lo.Flags&net.FlagMulticast == 0 {
		t.Skipf("the loopback interface does not do multicast here (flags %v, err %v): "+
			"multicast needs `ip link set lo multicast on`", flagsOf(lo), err)
	}
	got := make(chan string, 4)
	h := &hooks{traffic: func(c gnet.Conn) gnet.Action {
		b, _ := c.Next(-1)
		got <- string(b)
		return gnet.None
	}}
	const group = "239.255.42.99"
	s := startServer(t, h, "udp://"+group+":0", gnet.WithMulticastInterfaceIndex(lo.Index))
	_, port, _ := net.SplitHostPort(s.addr)
	dst, err := net.ResolveUDPAddr("udp4", net.JoinHostPort(group, port))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, dst)
	if err != nil {
		t.Skipf("no route for multicast over loopback here: %v", err)
	}
	defer c.Close()
	deadline := time.After(waitTimeout)
	for {
		if _, err := c.Write([]byte("to the group")); err != nil {
			t.Fatalf("send to group: %v", err)
		}
		select {
		case m := <-got:
			if m != "to the group" {
				t.Fatalf("group datagram %q", m)
			}
			return
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("no datagram sent to the group reached the engine")
		}
	}
}

func flagsOf(ifi *net.Interface) net.Flags {
	if ifi == nil {
		return 0
	}
	return ifi.Flags
}
