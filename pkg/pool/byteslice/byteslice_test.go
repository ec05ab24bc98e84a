package byteslice

import (
	"sync"
	"testing"
)

func TestGetLengthAndCapacity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int
		wantNil bool
		wantCap int
	}{
		{name: "negative", size: -7, wantNil: true},
		{name: "zero", size: 0, wantNil: true},
		{name: "one", size: 1, wantCap: 1},
		{name: "two", size: 2, wantCap: 2},
		{name: "three rounds up", size: 3, wantCap: 4},
		{name: "exact power", size: 4096, wantCap: 4096},
		{name: "just above power", size: 4097, wantCap: 8192},
		{name: "just below power", size: 65535, wantCap: 65536},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p Pool
			b := p.Get(tt.size)
			if tt.wantNil {
				if b != nil {
					t.Fatalf("Get(%d) = len %d, want nil", tt.size, len(b))
				}
				return
			}
			if len(b) != tt.size || cap(b) != tt.wantCap {
				t.Fatalf("Get(%d): len %d cap %d, want len %d cap %d", tt.size, len(b), cap(b), tt.size, tt.wantCap)
			}
			p.Put(b)
		})
	}
}

func TestClassFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size, want int
	}{
		{1, 0}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {1023, 10}, {1024, 10}, {1025, 11},
		{maxPooled / 2, classes - 2}, {maxPooled/2 + 1, classes - 1}, {maxPooled, classes - 1},
	}
	for _, tt := range tests {
		if got := classFor(tt.size); got != tt.want {
			t.Errorf("classFor(%d) = %d, want %d", tt.size, got, tt.want)
		}
	}
}

// TestPutForeignSlices covers slices that Get never produced: Put must file
// them so that a later Get can use the whole class size without overrunning
// the array.
func TestPutForeignSlices(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		buf  []byte
		get  int
	}{
		{name: "odd capacity", buf: make([]byte, 3, 100), get: 64},
		{name: "capacity one above class", buf: make([]byte, 0, 65), get: 64},
		{name: "sub-slice of a larger array", buf: make([]byte, 512)[10:20], get: 256},
		{name: "empty with capacity", buf: make([]byte, 0, 8), get: 8},
		{name: "nil", buf: nil, get: 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var p Pool
			p.Put(tt.buf)
			b := p.Get(tt.get)
			if len(b) != tt.get || cap(b) < tt.get {
				t.Fatalf("Get(%d) after Put: len %d cap %d", tt.get, len(b), cap(b))
			}
			// Touch every byte up to the capacity: the race detector and the
			// bounds checks would catch a reconstructed slice that is too long.
			full := b[:cap(b)]
			for i := range full {
				full[i] = byte(i)
			}
		})
	}
}

// TestConcurrentOwnership checks that no two goroutines ever hold the same
// array: each fills its slice with its own id and verifies it before Put.
func TestConcurrentOwnership(t *testing.T) {
	t.Parallel()
	var (
		p  Pool
		wg sync.WaitGroup
	)
	for id := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				b := p.Get(1 + (i*37+id)%3000)
				for j := range b {
					b[j] = byte(id)
				}
				for j := range b {
					if b[j] != byte(id) {
						t.Errorf("goroutine %d: byte %d overwritten with %d", id, j, b[j])
						return
					}
				}
				p.Put(b)
			}
		})
	}
	wg.Wait()
}

func TestPackageLevelFunctions(t *testing.T) {
	t.Parallel()
	b := Get(100)
	if len(b) != 100 || cap(b) != 128 {
		t.Fatalf("Get(100): len %d cap %d, want 100/128", len(b), cap(b))
	}
	Put(b)
}
