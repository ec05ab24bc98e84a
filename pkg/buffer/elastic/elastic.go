// Package elastic provides the outbound buffer of a connection: a ring buffer
// for the common case, backed by a linked list of chunks once the ring
// reaches a configured size.
//
// A ring keeps its storage in one piece, so it is cheap while a peer reads
// promptly. When a peer falls behind, growing the ring would copy everything
// pending at every doubling and leave an oversized array behind; the list
// instead grows without copying and frees each chunk as soon as it is sent.
//
// A Buffer is not safe for concurrent use; in reactor each one belongs to a
// single event loop.
package elastic

import (
	"io"

	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// Buffer is a byte queue that fills a RingBuffer up to a size limit and
// appends whatever does not fit to a list of chunks. Bytes always leave in
// the order they arrived: the ring holds the older ones, and new data goes
// to the ring only while the list is empty.
//
// Slices returned by Peek alias the buffer's storage and are valid only until
// the next call that writes, consumes or resets.
type Buffer struct {
	maxStaticBytes int
	ring           RingBuffer
	list           list
}

// New returns an empty Buffer whose ring holds up to maxStaticBytes bytes
// before data spills into the list. The ring is only allocated on the first
// write. A maxStaticBytes of zero or less yields errors.ErrNegativeSize.
func New(maxStaticBytes int) (*Buffer, error) {
	if maxStaticBytes <= 0 {
		return nil, rerrors.ErrNegativeSize
	}
	return &Buffer{maxStaticBytes: maxStaticBytes}, nil
}

// ringRoom returns how many more bytes may go to the ring: none while the
// list holds data, or bytes would overtake it, and otherwise enough to bring
// the ring to maxStaticBytes. The limit counts buffered bytes, not capacity:
// rings come from a shared pool, so a ring's capacity says nothing about
// this buffer.
func (mb *Buffer) ringRoom() int {
	if !mb.list.empty() {
		return 0
	}
	return max(0, mb.maxStaticBytes-mb.ring.Buffered())
}

// Write appends p. It always accepts all of p and never fails.
//
// gnet lets one large Write grow the ring past the limit, and lets a ring
// whose capacity exceeds the limit fill up; here the ring never buffers more
// than the limit and the rest goes to the list.
func (mb *Buffer) Write(p []byte) (n int, err error) {
	k := min(len(p), mb.ringRoom())
	if k > 0 {
		_, _ = mb.ring.Write(p[:k])
	}
	if k < len(p) {
		mb.list.push(p[k:])
	}
	return len(p), nil
}

// Writev appends each slice of bs in order, as consecutive Writes would, and
// returns the total length. It never fails.
func (mb *Buffer) Writev(bs [][]byte) (int, error) {
	n := 0
	for _, b := range bs {
		m, _ := mb.Write(b)
		n += m
	}
	return n, nil
}

// Read moves up to len(p) bytes into p. An empty buffer yields io.EOF
// (unless p is empty too); a partial read is never combined with an error.
//
// gnet returns io.EOF together with the data whenever p is larger than what
// is buffered; since more data may still be written, that EOF was misleading
// and is not reproduced.
func (mb *Buffer) Read(p []byte) (n int, err error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _ = mb.ring.Read(p)
	n += mb.list.read(p[n:])
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Peek returns the next n bytes without consuming them, in as many slices as
// they are stored in; empty slices are left out. When n <= 0 it returns every
// buffered byte (nothing, with a nil error, if the buffer is empty). When n
// exceeds Buffered it returns io.ErrShortBuffer.
//
// gnet also returns io.ErrShortBuffer when n is available but larger than the
// part of the data held in the list; this Peek returns the n bytes.
func (mb *Buffer) Peek(n int) ([][]byte, error) {
	buffered := mb.Buffered()
	switch {
	case n > buffered:
		return nil, io.ErrShortBuffer
	case n <= 0:
		n = buffered
	}
	if n == 0 {
		return nil, nil
	}
	out := make([][]byte, 0, 4)
	head, tail := mb.ring.Peek(n)
	for _, s := range [2][]byte{head, tail} {
		if len(s) > 0 {
			out = append(out, s)
			n -= len(s)
		}
	}
	return mb.list.peek(out, n), nil
}

// Discard consumes up to n bytes without copying them and reports how many
// it dropped. It never fails; a non-positive n does nothing.
func (mb *Buffer) Discard(n int) (discarded int, err error) {
	if n <= 0 {
		return 0, nil
	}
	discarded, _ = mb.ring.Discard(n)
	discarded += mb.list.discard(n - discarded)
	return discarded, nil
}

// ReadFrom appends data read from r until r returns io.EOF, which is not
// reported, or another error, which is. The data fills the ring up to its
// limit and continues in the list.
//
// gnet reads everything into the ring whenever the ring is below its limit,
// however much r has to give; that defeats the limit for large transfers.
func (mb *Buffer) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	if room := mb.ringRoom(); room > 0 {
		lr := &io.LimitedReader{R: r, N: int64(room)}
		m, err := mb.ring.ReadFrom(lr)
		n += m
		// With budget left, the ring stopped because r ended or failed.
		if err != nil || lr.N > 0 {
			return n, err
		}
	}
	m, err := mb.list.readFrom(r)
	return n + m, err
}

// WriteTo writes the buffered bytes to w, consuming what w accepts. It stops
// at the first error, or with io.ErrShortWrite when w takes fewer bytes than
// offered without saying why. An empty buffer writes nothing and returns a
// nil error.
//
// gnet returns ring.ErrIsEmpty whenever the ring is empty, even when the list
// still holds data, which then is never written; here the list is always
// written once the ring is drained.
func (mb *Buffer) WriteTo(w io.Writer) (n int64, err error) {
	if !mb.ring.IsEmpty() {
		if n, err = mb.ring.WriteTo(w); err != nil {
			return n, err
		}
	}
	m, err := mb.list.writeTo(w)
	return n + m, err
}

// Buffered returns the number of bytes waiting to be read.
func (mb *Buffer) Buffered() int {
	return mb.ring.Buffered() + mb.list.bytes
}

// IsEmpty reports whether nothing is waiting to be read.
func (mb *Buffer) IsEmpty() bool {
	return mb.ring.IsEmpty() && mb.list.empty()
}

// Reset drops all buffered bytes, keeping the ring's storage for reuse but
// freeing the list, and adopts maxStaticBytes as the new limit if it is
// positive (otherwise the limit is unchanged).
func (mb *Buffer) Reset(maxStaticBytes int) {
	mb.ring.Reset()
	mb.list.reset()
	if maxStaticBytes > 0 {
		mb.maxStaticBytes = maxStaticBytes
	}
}

// Release drops all buffered bytes and gives every piece of storage back to
// the pools; call it when the connection closes. The Buffer remains usable.
func (mb *Buffer) Release() {
	mb.ring.Done()
	mb.list.reset()
}
