package elastic

import (
	"io"
	"sync"

	"github.com/reactorgo/reactor/pkg/buffer/ring"
)

// maxPooledCap is the largest ring capacity worth recycling. A ring that grew
// beyond it during a burst is left to the garbage collector, so that the next
// connection to take a ring from the pool does not inherit the burst's memory
// for its whole lifetime.
const maxPooledCap = 64 * 1024

// rings recycles ring buffers among RingBuffers, so idle connections hold no
// ring at all and busy ones rarely allocate a new one.
var rings sync.Pool

func getRing() *ring.Buffer {
	if rb, ok := rings.Get().(*ring.Buffer); ok {
		return rb
	}
	return ring.New(0)
}

func putRing(rb *ring.Buffer) {
	if rb.Cap() > maxPooledCap {
		return
	}
	rb.Reset()
	rings.Put(rb)
}

// RingBuffer is a ring.Buffer that holds storage only while it has data: the
// ring is taken from a shared pool on the first write and returned as soon as
// a read, discard or WriteTo empties it. With many mostly idle connections
// that keeps memory proportional to the data in flight rather than to the
// number of connections.
//
// The zero value is ready to use. Methods mirror ring.Buffer; those that
// report on storage (Len, Cap, Available) return 0 while none is held. Slices
// from Peek alias the ring and are invalid after the next call that consumes
// or writes data, since the ring may go back to the pool.
type RingBuffer struct {
	rb *ring.Buffer
}

// instance returns the ring, taking one from the pool if needed.
func (b *RingBuffer) instance() *ring.Buffer {
	if b.rb == nil {
		b.rb = getRing()
	}
	return b.rb
}

// releaseIfEmpty gives the ring back once it holds nothing.
func (b *RingBuffer) releaseIfEmpty() {
	if b.rb != nil && b.rb.IsEmpty() {
		putRing(b.rb)
		b.rb = nil
	}
}

// Done returns the ring to the pool, dropping any unread bytes. The
// RingBuffer stays usable and takes a new ring when next written to.
func (b *RingBuffer) Done() {
	if b.rb != nil {
		putRing(b.rb)
		b.rb = nil
	}
}

// Peek is ring.Buffer.Peek; it returns nil slices while no ring is held.
func (b *RingBuffer) Peek(n int) (head []byte, tail []byte) {
	if b.rb == nil {
		return nil, nil
	}
	return b.rb.Peek(n)
}

// Discard is ring.Buffer.Discard. Like it, and unlike gnet's version, it does
// not fail when there is nothing to discard: it returns 0 and a nil error
// whether or not a ring is held.
func (b *RingBuffer) Discard(n int) (int, error) {
	if b.rb == nil {
		return 0, nil
	}
	defer b.releaseIfEmpty()
	return b.rb.Discard(n)
}

// Read is ring.Buffer.Read, including ring.ErrIsEmpty when nothing is buffered.
func (b *RingBuffer) Read(p []byte) (int, error) {
	if b.rb == nil {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, ring.ErrIsEmpty
	}
	defer b.releaseIfEmpty()
	return b.rb.Read(p)
}

// ReadByte is ring.Buffer.ReadByte.
func (b *RingBuffer) ReadByte() (byte, error) {
	if b.rb == nil {
		return 0, ring.ErrIsEmpty
	}
	defer b.releaseIfEmpty()
	return b.rb.ReadByte()
}

// Write is ring.Buffer.Write; an empty p does not take a ring.
func (b *RingBuffer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return b.instance().Write(p)
}

// WriteByte is ring.Buffer.WriteByte.
func (b *RingBuffer) WriteByte(c byte) error {
	return b.instance().WriteByte(c)
}

// WriteString is ring.Buffer.WriteString; an empty s does not take a ring.
func (b *RingBuffer) WriteString(s string) (int, error) {
	if len(s) == 0 {
		return 0, nil
	}
	return b.instance().WriteString(s)
}

// ReadFrom is ring.Buffer.ReadFrom; the ring is given back if nothing arrived.
func (b *RingBuffer) ReadFrom(r io.Reader) (int64, error) {
	defer b.releaseIfEmpty()
	return b.instance().ReadFrom(r)
}

// WriteTo is ring.Buffer.WriteTo, including ring.ErrIsEmpty when nothing is
// buffered.
func (b *RingBuffer) WriteTo(w io.Writer) (int64, error) {
	if b.rb == nil {
		return 0, ring.ErrIsEmpty
	}
	defer b.releaseIfEmpty()
	return b.rb.WriteTo(w)
}

// Buffered is ring.Buffer.Buffered.
func (b *RingBuffer) Buffered() int {
	if b.rb == nil {
		return 0
	}
	return b.rb.Buffered()
}

// Len is ring.Buffer.Len, or 0 while no ring is held.
func (b *RingBuffer) Len() int {
	if b.rb == nil {
		return 0
	}
	return b.rb.Len()
}

// Cap is ring.Buffer.Cap, or 0 while no ring is held.
func (b *RingBuffer) Cap() int {
	if b.rb == nil {
		return 0
	}
	return b.rb.Cap()
}

// Available is ring.Buffer.Available, or 0 while no ring is held; writes
// succeed regardless, taking a ring as needed.
func (b *RingBuffer) Available() int {
	if b.rb == nil {
		return 0
	}
	return b.rb.Available()
}

// Bytes is ring.Buffer.Bytes: a copy of the unread bytes, or nil.
func (b *RingBuffer) Bytes() []byte {
	if b.rb == nil {
		return nil
	}
	return b.rb.Bytes()
}

// IsFull is ring.Buffer.IsFull; without a ring the buffer is empty, not full.
func (b *RingBuffer) IsFull() bool {
	return b.rb != nil && b.rb.IsFull()
}

// IsEmpty is ring.Buffer.IsEmpty.
func (b *RingBuffer) IsEmpty() bool {
	return b.rb == nil || b.rb.IsEmpty()
}

// Reset drops the unread bytes but keeps the ring, for callers about to
// refill it; use Done to give the ring back instead.
func (b *RingBuffer) Reset() {
	if b.rb != nil {
		b.rb.Reset()
	}
}
