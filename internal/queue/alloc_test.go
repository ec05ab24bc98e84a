//go:build !race

// The race detector makes sync.Pool drop items at random, so allocation
// budgets are only checked without it.

package queue

import "testing"

// pushPopAllocs returns the average allocations of f after warm-up.
func pushPopAllocs(t testing.TB, f func()) float64 {
	t.Helper()
	for range 100 {
		f()
	}
	return testing.AllocsPerRun(1000, f)
}

func TestPushPopZeroAllocs(t *testing.T) {
	q := New[int]()
	if a := pushPopAllocs(t, func() {
		q.Push(1)
		if _, ok := q.Pop(); !ok {
			t.Fatal("Pop after Push reported empty")
		}
	}); a != 0 {
		t.Fatalf("Push+Pop allocates %v times per run, want 0", a)
	}
}

func TestBurstZeroAllocs(t *testing.T) {
	type task struct {
		fn  func()
		arg any
	}
	q := New[task]()
	fn := func() {}
	if a := pushPopAllocs(t, func() {
		for range 64 {
			q.Push(task{fn: fn})
		}
		for range 64 {
			if _, ok := q.Pop(); !ok {
				t.Fatal("Pop reported empty during drain")
			}
		}
	}); a != 0 {
		t.Fatalf("64 Push + 64 Pop allocate %v times per run, want 0", a)
	}
}
