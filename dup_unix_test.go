//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor_test

// Engine.Dup and Engine.DupListener hand out descriptors, which only the systems with
// unix descriptors have: elsewhere both fail with ErrUnsupportedOp.

import (
	"testing"

	"golang.org/x/sys/unix"

	gnet "github.com/reactorgo/reactor"
)

// TestEngineDup checks that the dup'd listener fd is a working, independent copy.
func TestEngineDup(t *testing.T) {
	checkFDLeaks(t)
	s := startTCP(t, &hooks{traffic: echoTraffic})
	fd, err := s.eng.Dup()
	if err != nil {
		t.Fatalf("Dup: %v", err)
	}
	if got, err := sockName(fd); err != nil || got != s.addr {
		t.Errorf("dup'd fd bound to %s (%v), want %s", got, err, s.addr)
	}
	if typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || typ != 1 {
		t.Errorf("dup'd fd SO_ACCEPTCONN = %d, %v; want a listening socket", typ, err)
	}
	if err := unix.Close(fd); err != nil {
		t.Errorf("close dup'd fd: %v", err)
	}
	// Closing the copy must leave the engine's listener serving.
	runEchoLoad(t, s, echoLoad{conns: 2, perConn: 2, maxSize: 1024, seed: 300})
}

// TestRotateDupListener serves two listeners at once and duplicates each by the
// network and address given to Rotate.
func TestRotateDupListener(t *testing.T) {
	checkFDLeaks(t)
	path := unixSocketPath(t)
	addrs := []string{"tcp://127.0.0.1:0", "unix://" + path}
	s := startEngine(t, &hooks{traffic: echoTraffic}, func(h gnet.EventHandler) error {
		return gnet.Rotate(h, addrs, gnet.WithNumEventLoop(2))
	})
	if fd, err := s.eng.Dup(); err == nil {
		unix.Close(fd)
		t.Error("Dup with two listeners: nil error, want one (use DupListener)")
	}
	if fd, err := s.eng.DupListener("tcp", "127.0.0.1:1"); err == nil {
		unix.Close(fd)
		t.Error(`DupListener("tcp", "127.0.0.1:1"): nil error for an address the engine does not serve`)
	}
	for i, ln := range []struct{ network, addr string }{{network: "tcp", addr: "127.0.0.1:0"}, {network: "unix", addr: path}} {
		fd, err := s.eng.DupListener(ln.network, ln.addr)
		if err != nil {
			t.Fatalf("DupListener(%q, %q): %v", ln.network, ln.addr, err)
		}
		bound, err := sockName(fd)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Close(fd); err != nil {
			t.Errorf("close dup'd fd: %v", err)
		}
		if ln.network == "unix" && bound != path {
			t.Errorf("unix listener bound to %q, want %q", bound, path)
		}
		if a := s.eng.Addrs(); len(a) != 2 || a[i].String() != bound {
			t.Errorf("Engine.Addrs() = %v, want %s at %d (as the duplicate is bound)", a, bound, i)
		}
		srv := &testServer{eng: s.eng, network: ln.network, addr: bound}
		runEchoLoad(t, srv, echoLoad{conns: 3, perConn: 2, maxSize: 64 << 10, seed: 400})
	}
}
