// Package byteslice recycles byte slices through size classes so that the hot
// paths of an event loop (socket reads, buffer growth) stop feeding the garbage
// collector with short-lived allocations.
//
// Every slice handed out by Get has a power-of-two capacity; that lets Put file
// a returned slice by its capacity alone, with no bookkeeping per slice.
package byteslice

import (
	"math/bits"
	"sync"
	"unsafe"
)

// intBits is the width of int: 32 or 64.
const intBits = 32 << (^uint(0) >> 63)

// classes is the number of size classes: class k holds arrays of exactly 1<<k
// bytes, so the largest pooled array is 1<<31 bytes (1<<30 where int has 32
// bits, keeping every class size a positive int). Larger requests are rare
// enough that pooling them would only pin memory.
const classes = 31 + intBits/64

// maxPooled is the size of the largest class and so the largest length Get
// serves from the free lists.
const maxPooled = 1 << (classes - 1)

// Pool is a set of size-classed free lists. The zero value is ready to use.
// A Pool must not be copied after first use because it embeds sync.Pool.
type Pool struct {
	free [classes]sync.Pool
}

var shared Pool

// Get returns a slice of length size from the package-wide pool; see Pool.Get.
func Get(size int) []byte { return shared.Get(size) }

// Put hands buf back to the package-wide pool; see Pool.Put.
func Put(buf []byte) { shared.Put(buf) }

// Get returns a slice whose length is size and whose capacity is size rounded
// up to a power of two. Its contents are unspecified: a recycled slice keeps
// whatever its previous owner wrote. A size of zero or less yields nil, and
// sizes above 1<<31 (1<<30 on 32-bit platforms) are allocated
// directly and never pooled.
func (p *Pool) Get(size int) []byte {
	if size <= 0 {
		return nil
	}
	if size > maxPooled {
		return make([]byte, size)
	}
	k := classFor(size)
	// The free lists hold the address of the first byte of each array rather
	// than a slice: a pointer fits in an interface without being boxed, which
	// keeps both Get and Put free of allocations.
	if first, ok := p.free[k].Get().(*byte); ok {
		return unsafe.Slice(first, 1<<k)[:size]
	}
	return make([]byte, size, 1<<k)
}

// Put makes buf's backing array available to later Get calls; the caller must
// not touch buf, or any slice sharing its array, afterwards. Slices that did
// not come from Get are accepted too: they are filed under the largest class
// their capacity can fully serve, so a recycled array is never read past its end.
func (p *Pool) Put(buf []byte) {
	c := cap(buf)
	if c == 0 || c > maxPooled {
		return
	}
	// Floor of log2: the class whose size c is guaranteed to cover.
	k := bits.Len(uint(c)) - 1
	p.free[k].Put(unsafe.SliceData(buf))
}

// classFor returns the smallest k with 1<<k >= size, for 1 <= size <= maxPooled.
func classFor(size int) int {
	return bits.Len(uint(size - 1))
}
