// Package buffer holds the byte storage of reactor's connections: a per-loop slab of
// power-of-two chunks and the outbound queue built from them.
//
// Nothing here is safe for concurrent use: each event loop owns one Slab, and the
// buffers of a connection are touched only by its loop. That is what lets a chunk go
// back to the slab without a lock or sync.Pool, and lets an idle connection hold no
// buffer at all.
package buffer

import "math/bits"

const (
	minShift = 9  // smallest chunk: 512 B
	maxShift = 20 // largest pooled chunk: 1 MiB; larger ones go to the garbage collector
	classes  = maxShift - minShift + 1

	// maxFreeBytes bounds what one slab keeps on its free lists per size class, so a
	// burst of large writes does not pin memory after it is over.
	maxFreeBytes = 4 << 20

	// maxFreeLists bounds the spare chunk lists a slab keeps: enough for every
	// connection of a busy loop that empties its queue at once to refill it without
	// allocating, little memory (a list is a few words).
	maxFreeLists = 1024
	// maxListCap: longer lists, left by a connection that once queued many chunks,
	// go to the garbage collector rather than staying pinned in the slab.
	maxListCap = 16
)

// Slab recycles chunks by size class, and the lists of chunks Outbound queues are
// made of.
type Slab struct {
	free  [classes][][]byte
	lists [][][]byte
}

// getList returns an empty chunk list with room for at least one chunk.
func (s *Slab) getList() [][]byte {
	if l := len(s.lists); l > 0 {
		b := s.lists[l-1]
		s.lists[l-1] = nil
		s.lists = s.lists[:l-1]
		return b
	}
	return make([][]byte, 0, 1)
}

// putList takes back a list whose chunks have all been returned or handed on.
func (s *Slab) putList(b [][]byte) {
	if c := cap(b); c == 0 || c > maxListCap || len(s.lists) >= maxFreeLists {
		return
	}
	clear(b[:cap(b)])
	s.lists = append(s.lists, b[:0])
}

// class returns the size class whose chunks hold n bytes, or -1 when n is larger than
// the biggest class.
func class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minShift
	if c >= classes {
		return -1
	}
	return c
}

// Get returns a chunk with len 0 and cap >= n.
func (s *Slab) Get(n int) []byte {
	c := class(n)
	if c < 0 {
		return make([]byte, 0, n)
	}
	if l := len(s.free[c]); l > 0 {
		b := s.free[c][l-1]
		s.free[c][l-1] = nil
		s.free[c] = s.free[c][:l-1]
		return b
	}
	return make([]byte, 0, 1<<(c+minShift))
}

// Put returns a chunk obtained from Get. Chunks of foreign sizes are dropped.
func (s *Slab) Put(b []byte) {
	n := cap(b)
	c := class(n)
	if c < 0 || n != 1<<(c+minShift) {
		return
	}
	if len(s.free[c])*n >= maxFreeBytes {
		return
	}
	s.free[c] = append(s.free[c], b[:0])
}
