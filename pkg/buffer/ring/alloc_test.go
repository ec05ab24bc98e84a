//go:build !race

// Allocation budgets are checked only without the race detector, which adds
// allocations of its own.

package ring

import (
	"io"
	"testing"
)

// TestSteadyStateDoesNotAllocate checks the event-loop pattern: once a buffer
// has the capacity its traffic needs, moving bytes through it is free of
// allocations, wrapped or not.
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		op   func(rb *Buffer, chunk, out []byte)
	}{
		{"Write then Read", func(rb *Buffer, chunk, out []byte) {
			_, _ = rb.Write(chunk)
			_, _ = rb.Read(out)
		}},
		{"WriteString then Peek and Discard", func(rb *Buffer, chunk, _ []byte) {
			_, _ = rb.WriteString("fourteen bytes")
			head, tail := rb.Peek(-1)
			_, _ = rb.Discard(len(head) + len(tail))
		}},
		{"WriteByte then ReadByte", func(rb *Buffer, _, _ []byte) {
			_ = rb.WriteByte('x')
			_, _ = rb.ReadByte()
		}},
		{"Write then WriteTo", func(rb *Buffer, chunk, _ []byte) {
			_, _ = rb.Write(chunk)
			_, _ = rb.WriteTo(io.Discard)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rb := New(256)
			chunk := make([]byte, 100)
			out := make([]byte, 100)
			// Leave some bytes unread so the operations cross the wrap point.
			_, _ = rb.Write(make([]byte, 37))
			tt.op(rb, chunk, out)
			allocs := testing.AllocsPerRun(1000, func() { tt.op(rb, chunk, out) })
			if allocs != 0 {
				t.Fatalf("%v allocations per run, want 0", allocs)
			}
		})
	}
}

func BenchmarkWriteRead(b *testing.B) {
	rb := New(4096)
	chunk := make([]byte, 1500)
	out := make([]byte, 1500)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = rb.Write(chunk)
		_, _ = rb.Read(out)
	}
}
