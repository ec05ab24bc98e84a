package timer

import "testing"

// BenchmarkHeapAddCancel is the cost a per-connection timer (a drain timeout, later
// an idle timeout) adds to each connection: one Add and one Cancel among many.
func BenchmarkHeapAddCancel(b *testing.B) {
	var h Heap
	for i := range 10000 {
		h.Add(int64(i*7919%10000), func() {})
	}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i++
		h.Cancel(h.Add(i%10000, nil))
	}
}
