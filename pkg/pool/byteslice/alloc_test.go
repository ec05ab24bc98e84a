//go:build !race

// The race detector makes sync.Pool drop items at random, so allocation
// budgets only hold in ordinary builds.

package byteslice

import "testing"

func TestGetPutDoNotAllocate(t *testing.T) {
	sizes := []int{1, 7, 512, 4096, 65536}
	for _, size := range sizes {
		var p Pool
		p.Put(p.Get(size)) // warm the class
		allocs := testing.AllocsPerRun(1000, func() {
			p.Put(p.Get(size))
		})
		if allocs != 0 {
			t.Errorf("Get/Put of %d bytes: %v allocs per run, want 0", size, allocs)
		}
	}
}

func BenchmarkGetPut(b *testing.B) {
	var p Pool
	b.ReportAllocs()
	for b.Loop() {
		p.Put(p.Get(4096))
	}
}
