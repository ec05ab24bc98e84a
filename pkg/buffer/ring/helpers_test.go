package ring

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

var (
	errSource = errors.New("source failed")
	errSink   = errors.New("sink failed")
)

// chunkReader hands out data at most chunk bytes per Read, then ends with
// final (io.EOF when nil). With together set, the final error arrives with the
// last data rather than on the following call; io.Reader allows both.
type chunkReader struct {
	data     []byte
	chunk    int
	final    error
	together bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	end := c.final
	if end == nil {
		end = io.EOF
	}
	if len(c.data) == 0 {
		return 0, end
	}
	n := copy(p[:min(len(p), c.chunk)], c.data)
	c.data = c.data[n:]
	if len(c.data) == 0 && c.together {
		return n, end
	}
	return n, nil
}

// countReader returns a fixed count and error on every call, to model
// broken or stalled readers.
type countReader struct {
	n   int
	err error
}

func (c countReader) Read([]byte) (int, error) { return c.n, c.err }

// quotaWriter accepts quota bytes in total, then short-writes. It reports
// err with the short write, or nothing when err is nil, which the io.Writer
// contract forbids but real code still meets.
type quotaWriter struct {
	quota int
	err   error
	got   bytes.Buffer
}

func (q *quotaWriter) Write(p []byte) (int, error) {
	if len(p) <= q.quota {
		q.quota -= len(p)
		return q.got.Write(p)
	}
	n, _ := q.got.Write(p[:q.quota])
	q.quota = 0
	return n, q.err
}

// countWriter reports a fixed count without storing anything.
type countWriter struct{ n int }

func (c countWriter) Write([]byte) (int, error) { return c.n, nil }

// pattern returns n bytes that differ from those of neighbouring calls, so a
// byte copied to the wrong place shows up in comparisons.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i)
	}
	return b
}

// contents returns the unread bytes via Peek.
func contents(rb *Buffer) []byte {
	head, tail := rb.Peek(0)
	return append(append([]byte{}, head...), tail...)
}

// wrappedBuffer returns a buffer of the given capacity (a power of two) whose
// unread bytes are data, stored from index offset on, so that they wrap when
// they pass the end. One filler byte stays unread while data is written
// because emptying the buffer would move the read index back to 0; hence data
// must leave one byte free when offset > 0.
func wrappedBuffer(t testing.TB, capacity, offset int, data []byte) *Buffer {
	t.Helper()
	if offset < 0 || offset >= capacity || len(data) > capacity || (offset > 0 && len(data) == capacity) {
		t.Fatalf("cannot place %d bytes at %d in a buffer of %d", len(data), offset, capacity)
	}
	rb := New(capacity)
	if offset > 0 {
		mustWrite(t, rb, make([]byte, offset))
		mustDiscard(t, rb, offset-1)
	}
	mustWrite(t, rb, data)
	if offset > 0 {
		mustDiscard(t, rb, 1)
	}
	if rb.Cap() != capacity || (len(data) > 0 && rb.r != offset) || !bytes.Equal(contents(rb), data) {
		t.Fatalf("setting up: cap %d (want %d), r %d (want %d), contents %x (want %x)",
			rb.Cap(), capacity, rb.r, offset, contents(rb), data)
	}
	return rb
}

// mustDiscard discards exactly n bytes.
func mustDiscard(t testing.TB, rb *Buffer, n int) {
	t.Helper()
	if d, err := rb.Discard(n); d != n || err != nil {
		t.Fatalf("Discard(%d) = %d, %v", n, d, err)
	}
}

// mustWrite writes p and fails the test on any surprise.
func mustWrite(t testing.TB, rb *Buffer, p []byte) {
	t.Helper()
	if n, err := rb.Write(p); n != len(p) || err != nil {
		t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
	}
}

// checkInvariants compares everything observable about rb with the model.
func checkInvariants(t testing.TB, rb *Buffer, model []byte) {
	t.Helper()
	if rb.Buffered() != len(model) {
		t.Fatalf("Buffered() = %d, model holds %d", rb.Buffered(), len(model))
	}
	if rb.Available() != rb.Cap()-len(model) || rb.Len() != rb.Cap() {
		t.Fatalf("Available %d, Len %d, Cap %d with %d buffered", rb.Available(), rb.Len(), rb.Cap(), len(model))
	}
	if rb.IsEmpty() != (len(model) == 0) || rb.IsFull() != (len(model) > 0 && len(model) == rb.Cap()) {
		t.Fatalf("IsEmpty %t, IsFull %t with %d of %d buffered", rb.IsEmpty(), rb.IsFull(), len(model), rb.Cap())
	}
	if got := contents(rb); !bytes.Equal(got, model) {
		t.Fatalf("contents differ from the model:\n got %x\nwant %x", got, model)
	}
}
