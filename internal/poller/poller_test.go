//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package poller

import (
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func openPoller(tb testing.TB) *Poller {
	tb.Helper()
	p, err := Open()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

func pipe(tb testing.TB) (r, w int) {
	tb.Helper()
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil { // Pipe2 does not exist on macOS
		tb.Fatal(err)
	}
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// TestReadinessAndInterest walks one descriptor through the contract: readable
// when data arrives, silent after Delete, writable only while asked for.
func TestReadinessAndInterest(t *testing.T) {
	p := openPoller(t)
	r, w := pipe(t)
	events := make([]Event, 8)
	if err := p.Add(r, Readable); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Wait(events, 0); n != 0 || err != nil {
		t.Fatalf("Wait on an empty pipe: %d, %v", n, err)
	}
	unix.Write(w, []byte("x"))
	n, err := p.Wait(events, time.Second)
	if err != nil || n != 1 || events[0].Fd() != r || !events[0].Readable() || events[0].Writable() {
		t.Fatalf("Wait after a write: n=%d err=%v fd=%d", n, err, events[0].Fd())
	}
	if err := p.Add(w, Writable); err != nil {
		t.Fatal(err)
	}
	if n, _ := p.Wait(events, time.Second); n != 2 {
		t.Fatalf("want the readable and the writable end, got %d events", n)
	}
	if err := p.Modify(w, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(r); err != nil {
		t.Fatal(err)
	}
	if n, _ := p.Wait(events, 10*time.Millisecond); n != 0 {
		t.Fatalf("%d events after Delete and Modify(0)", n)
	}
}

// TestWaitTimesOutAndWakes: a Wait with a timeout returns after it, and Wake from
// another goroutine ends an unbounded one.
func TestWaitTimesOutAndWakes(t *testing.T) {
	p := openPoller(t)
	events := make([]Event, 8)
	start := time.Now()
	if n, err := p.Wait(events, 30*time.Millisecond); n != 0 || err != nil {
		t.Fatalf("Wait with nothing registered: %d, %v", n, err)
	}
	if d := time.Since(start); d < 25*time.Millisecond || d > 5*time.Second {
		t.Fatalf("a 30ms Wait took %v", d)
	}
	go p.Wake()
	done := make(chan int, 1)
	go func() {
		n, _ := p.Wait(events, -1)
		done <- n
	}()
	select {
	case n := <-done:
		if n != 1 || !p.IsWake(&events[0]) {
			t.Fatalf("woken Wait returned %d events, wake=%v", n, p.IsWake(&events[0]))
		}
	case <-time.After(5 * time.Second):
		p.Wake()
		t.Fatal("Wake did not end Wait")
	}
	p.DrainWake()
	if n, _ := p.Wait(events, 0); n != 0 {
		t.Fatal("the wake-up was still pending after DrainWake")
	}
}

func TestWakeAfterClose(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wake(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Wake after Close: %v, want os.ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
