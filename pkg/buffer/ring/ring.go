// Package ring provides a growable circular byte buffer. Event loops keep one
// per connection to hold bytes between socket reads and the handler: a ring
// reuses its storage in place, so a connection with steady traffic stops
// allocating once its buffer has reached the working size.
//
// A Buffer is not safe for concurrent use; in reactor each one belongs to a
// single event loop.
package ring

import (
	"errors"
	"io"
	"math"

	"github.com/reactorgo/reactor/pkg/pool/byteslice"
)

const (
	// MinRead is the smallest free space ReadFrom offers a reader; the buffer
	// grows when it has less, and otherwise does not grow.
	MinRead = 512

	// DefaultBufferSize is the capacity given to a buffer that has none when
	// it first needs room, unless the data already requires more.
	DefaultBufferSize = 1024

	// maxIdleReads bounds how many reads in a row ReadFrom accepts that
	// return no data and no error before giving up, as bufio does, so a
	// broken reader cannot spin the event loop forever.
	maxIdleReads = 100
)

// ErrIsEmpty is returned by Read, ReadByte and WriteTo when the buffer holds
// no data, letting callers tell "nothing buffered" apart from a failure.
var ErrIsEmpty = errors.New("ring: buffer is empty")

var (
	errInvalidRead  = errors.New("ring: reader returned an impossible count")
	errInvalidWrite = errors.New("ring: writer returned an impossible count")
)

// Buffer is a circular byte queue that grows on demand. The zero value is an
// empty buffer without storage, which it acquires on the first write.
//
// Slices returned by Peek alias the buffer's storage. They stay valid only
// until the next call that writes to, grows or resets the buffer, because
// growing hands the old storage to a pool for reuse elsewhere.
type Buffer struct {
	buf []byte // storage; len(buf) is the capacity
	r   int    // index of the oldest unread byte
	n   int    // number of unread bytes
}

// New returns a buffer with room for at least size bytes, rounded up to a
// power of two by the byteslice pool its storage comes from. A size of zero
// or less defers the allocation to the first write, which suits connections
// that may never receive anything.
func New(size int) *Buffer {
	if size <= 0 {
		return &Buffer{}
	}
	b := byteslice.Get(size)
	return &Buffer{buf: b[:cap(b)]}
}

// Peek returns the next n unread bytes without consuming them, or all of them
// when n <= 0 or n exceeds Buffered. The bytes come as two slices because
// they may wrap around the end of the storage; tail is nil when they do not.
// Both are nil when the buffer is empty.
func (rb *Buffer) Peek(n int) (head []byte, tail []byte) {
	if rb.n == 0 {
		return nil, nil
	}
	if n <= 0 || n > rb.n {
		n = rb.n
	}
	return rb.span(n)
}

// span returns the first n unread bytes, 0 < n <= rb.n, as up to two slices.
func (rb *Buffer) span(n int) (head, tail []byte) {
	first := min(n, len(rb.buf)-rb.r)
	head = rb.buf[rb.r : rb.r+first]
	if n > first {
		tail = rb.buf[:n-first]
	}
	return head, tail
}

// consume drops the first k unread bytes, 0 <= k <= rb.n. An emptied buffer
// restarts at index 0, so the next data is stored in one piece.
func (rb *Buffer) consume(k int) {
	rb.n -= k
	if rb.n == 0 {
		rb.r = 0
		return
	}
	rb.r += k
	if rb.r >= len(rb.buf) {
		rb.r -= len(rb.buf)
	}
}

// Discard consumes up to n unread bytes without copying them and reports how
// many it dropped. It never fails; the error result exists for the sake of
// the usual Discard signature. A non-positive n does nothing.
func (rb *Buffer) Discard(n int) (discarded int, err error) {
	if n <= 0 {
		return 0, nil
	}
	discarded = min(n, rb.n)
	rb.consume(discarded)
	return discarded, nil
}

// Read moves up to len(p) unread bytes into p. It returns ErrIsEmpty when
// there is nothing to read and p is not empty; it never returns io.EOF,
// because an empty buffer may be refilled.
func (rb *Buffer) Read(p []byte) (n int, err error) {
	if len(p) == 0 {
		return 0, nil
	}
	if rb.n == 0 {
		return 0, ErrIsEmpty
	}
	head, tail := rb.span(min(len(p), rb.n))
	n = copy(p, head)
	n += copy(p[n:], tail)
	rb.consume(n)
	return n, nil
}

// ReadByte consumes and returns the next unread byte, or ErrIsEmpty.
func (rb *Buffer) ReadByte() (b byte, err error) {
	if rb.n == 0 {
		return 0, ErrIsEmpty
	}
	b = rb.buf[rb.r]
	rb.consume(1)
	return b, nil
}

// Write appends p, growing the buffer as needed, so it always accepts all of
// p and never fails. p is only read.
func (rb *Buffer) Write(p []byte) (n int, err error) {
	return write(rb, p)
}

// WriteString appends s like Write, without first converting it to a slice.
func (rb *Buffer) WriteString(s string) (int, error) {
	return write(rb, s)
}

// write serves both Write and WriteString, since copy accepts either source.
func write[T []byte | string](rb *Buffer, p T) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	rb.reserve(len(p))
	// After reserve the free space is at least len(p) bytes, starting at the
	// write index and possibly wrapping to index 0: the first copy fills up
	// to the end of the storage and the second continues at the start. When
	// the unread bytes themselves wrap, the free space is one run and the
	// first copy takes everything.
	w := rb.writeIndex()
	k := copy(rb.buf[w:], p)
	copy(rb.buf, p[k:])
	rb.n += len(p)
	return len(p), nil
}

// WriteByte appends c, growing the buffer if it is full. It never fails.
func (rb *Buffer) WriteByte(c byte) error {
	rb.reserve(1)
	rb.buf[rb.writeIndex()] = c
	rb.n++
	return nil
}

// writeIndex returns where the next byte goes.
func (rb *Buffer) writeIndex() int {
	w := rb.r + rb.n
	if w >= len(rb.buf) {
		w -= len(rb.buf)
	}
	return w
}

// Buffered returns the number of unread bytes.
func (rb *Buffer) Buffered() int { return rb.n }

// Len returns the size of the storage, which is the same as Cap; gnet
// provides both names.
func (rb *Buffer) Len() int { return len(rb.buf) }

// Cap returns how many bytes the buffer can hold before it has to grow.
func (rb *Buffer) Cap() int { return len(rb.buf) }

// Available returns how many bytes can be written before the buffer has to grow.
func (rb *Buffer) Available() int { return len(rb.buf) - rb.n }

// IsFull reports whether the next write will grow the buffer. A buffer
// without storage is empty, not full.
func (rb *Buffer) IsFull() bool { return rb.n > 0 && rb.n == len(rb.buf) }

// IsEmpty reports whether there is nothing to read.
func (rb *Buffer) IsEmpty() bool { return rb.n == 0 }

// Reset discards all unread bytes but keeps the storage for reuse.
func (rb *Buffer) Reset() { rb.r, rb.n = 0, 0 }

// Bytes returns a copy of the unread bytes, or nil if there are none. The
// bytes stay in the buffer; the copy is the caller's to keep.
func (rb *Buffer) Bytes() []byte {
	if rb.n == 0 {
		return nil
	}
	out := make([]byte, rb.n)
	head, tail := rb.span(rb.n)
	copy(out[copy(out, head):], tail)
	return out
}

// ReadFrom appends data read from r until r returns io.EOF, which is not
// reported, or another error, which is. The buffer grows whenever less than
// MinRead bytes are free.
//
// gnet's version of this method stores the data of a short read at the wrong
// offset when the free space wraps, and marks a buffer non-empty even when
// nothing was read; this one reads into each free run in turn and counts only
// the bytes actually received.
func (rb *Buffer) ReadFrom(r io.Reader) (n int64, err error) {
	idle := 0
	for {
		if rb.Available() < MinRead {
			rb.grow(rb.n + MinRead)
		}
		// The free space is [w, r) when the unread bytes reach the end of the
		// storage, and otherwise [w, end) followed by [0, r); read into its
		// first run only, and come back for the rest.
		w, end := rb.writeIndex(), len(rb.buf)
		if rb.r+rb.n >= len(rb.buf) {
			end = rb.r
		}
		m, rerr := r.Read(rb.buf[w:end])
		if m < 0 || m > end-w {
			return n, errInvalidRead
		}
		rb.n += m
		n += int64(m)
		switch {
		case rerr == io.EOF:
			return n, nil
		case rerr != nil:
			return n, rerr
		case m > 0:
			idle = 0
		default:
			if idle++; idle >= maxIdleReads {
				return n, io.ErrNoProgress
			}
		}
	}
}

// WriteTo writes the unread bytes to w, consuming what w accepts. It stops at
// the first error, or with io.ErrShortWrite when w takes fewer bytes than
// offered without saying why. An empty buffer yields ErrIsEmpty, as in gnet,
// which makes io.Copy from an empty Buffer fail: check IsEmpty first.
func (rb *Buffer) WriteTo(w io.Writer) (int64, error) {
	if rb.n == 0 {
		return 0, ErrIsEmpty
	}
	var total int64
	for rb.n > 0 {
		head, _ := rb.span(rb.n)
		m, err := w.Write(head)
		if m < 0 || m > len(head) {
			return total, errInvalidWrite
		}
		rb.consume(m)
		total += int64(m)
		if err != nil {
			return total, err
		}
		if m < len(head) {
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}

// reserve makes room for k more bytes.
func (rb *Buffer) reserve(k int) {
	if len(rb.buf)-rb.n < k {
		rb.grow(rb.n + k)
	}
}

// grow moves the unread bytes, unwrapped, to new storage of at least need
// bytes and returns the old storage to the byteslice pool. Capacities double:
// the pool rounds every request up to a power of two anyway, so a gentler
// growth factor would save no memory.
func (rb *Buffer) grow(need int) {
	size := len(rb.buf)
	if size == 0 {
		size = max(need, DefaultBufferSize)
	}
	for size < need {
		if size > math.MaxInt/2 {
			size = need
			break
		}
		size *= 2
	}
	nb := byteslice.Get(size)
	nb = nb[:cap(nb)]
	if rb.n > 0 {
		head, tail := rb.span(rb.n)
		copy(nb[copy(nb, head):], tail)
	}
	byteslice.Put(rb.buf)
	rb.buf, rb.r = nb, 0
}
