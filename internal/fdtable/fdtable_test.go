package fdtable

import (
	"math/rand/v2"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestAgainstMap drives a Table and a map with the same random operations.
func TestAgainstMap(t *testing.T) {
	t.Parallel()
	var tab Table[int]
	model := map[int]*int{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		fd := rng.IntN(3 * pageLen)
		switch rng.IntN(3) {
		case 0:
			v := new(int)
			*v = i
			tab.Add(fd, v)
			model[fd] = v
		case 1:
			if v := model[fd]; v != nil && rng.IntN(2) == 0 {
				tab.Remove(fd, v)
				delete(model, fd)
			} else {
				tab.Remove(fd, new(int)) // not the value held: must not clear it
			}
		}
		if got := tab.Get(fd); got != model[fd] {
			t.Fatalf("step %d: Get(%d) = %p, want %p", i, fd, got, model[fd])
		}
	}
	seen := 0
	tab.Each(func(v *int) {
		seen++
		if model[findFD(t, &tab, v)] != v {
			t.Fatalf("Each gave %p, not in the model", v)
		}
	})
	if seen != len(model) {
		t.Fatalf("Each visited %d values, the model holds %d", seen, len(model))
	}
	if tab.Get(-1) != nil || tab.Get(1<<30) != nil {
		t.Fatal("Get outside the table is not nil")
	}
}

func findFD(t *testing.T, tab *Table[int], v *int) int {
	t.Helper()
	for fd := range 3 * pageLen {
		if tab.Get(fd) == v {
			return fd
		}
	}
	t.Fatalf("%p not found", v)
	return -1
}

// TestEachMayRemove: fn may remove the value it is given.
func TestEachMayRemove(t *testing.T) {
	t.Parallel()
	var tab Table[int]
	for fd := range 1000 {
		tab.Add(fd, new(int))
	}
	tab.Each(func(v *int) {
		for fd := range 1000 {
			if tab.Get(fd) == v {
				tab.Remove(fd, v)
			}
		}
	})
	n := 0
	tab.Each(func(*int) { n++ })
	if n != 0 {
		t.Fatalf("%d values left after removing each", n)
	}
}
