package timer

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHeapFiresInDeadlineOrder(t *testing.T) {
	t.Parallel()
	var (
		h     Heap
		fired []int64
		want  []int64
	)
	r := rand.New(rand.NewPCG(1, 2))
	cancelled := map[*Timer]bool{}
	var timers []*Timer
	for range 500 {
		when := r.Int64N(1000)
		tm := h.Add(when, func() { fired = append(fired, when) })
		timers = append(timers, tm)
	}
	for i, tm := range timers {
		if i%3 == 0 {
			h.Cancel(tm)
			h.Cancel(tm) // twice is harmless
			cancelled[tm] = true
		} else {
			want = append(want, tm.when)
		}
	}
	slices.Sort(want)
	if n := h.RunExpired(499); n != len(fired) {
		t.Fatalf("RunExpired reported %d, fired %d", n, len(fired))
	}
	h.RunExpired(1000)
	if !slices.Equal(fired, want) {
		t.Fatalf("fired %d timers out of order or wrongly: first %v", len(fired), fired[:min(5, len(fired))])
	}
	for tm := range cancelled {
		if tm.Pending() {
			t.Fatal("a cancelled timer is still pending")
		}
	}
	if _, ok := h.Next(); ok || h.Len() != 0 {
		t.Fatal("heap not empty after every timer fired")
	}
}

func TestRunExpiredDoesNotRunTimersAddedByCallbacks(t *testing.T) {
	t.Parallel()
	var h Heap
	calls := 0
	var rearm func()
	rearm = func() {
		calls++
		h.Add(0, rearm) // due at once: must wait for the next RunExpired
	}
	h.Add(0, rearm)
	h.RunExpired(10)
	if calls != 1 {
		t.Fatalf("one RunExpired ran the re-arming timer %d times", calls)
	}
	if when, ok := h.Next(); !ok || when != 0 {
		t.Fatal("the re-armed timer is not pending")
	}
}

func TestScheduleMovesAPendingTimer(t *testing.T) {
	t.Parallel()
	var (
		h     Heap
		fired []string
	)
	a := New(func() { fired = append(fired, "a") })
	b := h.Add(20, func() { fired = append(fired, "b") })
	h.Schedule(a, 30)
	h.Schedule(a, 10) // earlier: moves up
	h.Schedule(b, 40) // later: moves down
	if h.Len() != 2 {
		t.Fatalf("Len = %d after rescheduling, want 2", h.Len())
	}
	h.RunExpired(100)
	if !slices.Equal(fired, []string{"a", "b"}) || a.Pending() || b.Pending() {
		t.Fatalf("fired %v", fired)
	}
	h.Schedule(a, 5) // re-arm a fired timer
	if when, ok := h.Next(); !ok || when != 5 || a.When() != 5 {
		t.Fatal("a fired timer could not be armed again")
	}
}
