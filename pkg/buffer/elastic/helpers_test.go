package elastic

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

// countReader returns a fixed count and error on every call.
type countReader struct {
	n   int
	err error
}

func (c countReader) Read([]byte) (int, error) { return c.n, c.err }

// quotaWriter accepts quota bytes in total, then short-writes, reporting err
// (which may be nil, against the io.Writer contract, as real code sometimes is).
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

// pattern returns n bytes that differ from those of neighbouring calls.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i)
	}
	return b
}

// newBuffer returns a Buffer with the given limit, failing the test on error.
func newBuffer(t testing.TB, maxStaticBytes int) *Buffer {
	t.Helper()
	mb, err := New(maxStaticBytes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mb.Release)
	return mb
}

// mustWrite writes p and fails the test on any surprise.
func mustWrite(t testing.TB, mb *Buffer, p []byte) {
	t.Helper()
	if n, err := mb.Write(p); n != len(p) || err != nil {
		t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
	}
}

// joined concatenates slices.
func joined(bs [][]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// checkInvariants compares everything observable about mb with the model and
// checks the ring's limit and the list's bookkeeping.
func checkInvariants(t testing.TB, mb *Buffer, model []byte) {
	t.Helper()
	if mb.Buffered() != len(model) || mb.IsEmpty() != (len(model) == 0) {
		t.Fatalf("Buffered %d, IsEmpty %t; model holds %d", mb.Buffered(), mb.IsEmpty(), len(model))
	}
	bs, err := mb.Peek(0)
	if err != nil {
		t.Fatalf("Peek(0): %v", err)
	}
	for i, b := range bs {
		if len(b) == 0 {
			t.Fatalf("Peek(0) slice %d of %d is empty", i, len(bs))
		}
	}
	if got := joined(bs); !bytes.Equal(got, model) {
		t.Fatalf("contents differ from the model:\n got %x\nwant %x", got, model)
	}
	if mb.ring.Buffered() > max(0, mb.maxStaticBytes) {
		t.Fatalf("ring holds %d bytes, over the limit of %d", mb.ring.Buffered(), mb.maxStaticBytes)
	}
	sum := 0
	for c := mb.list.head; c != nil; c = c.next {
		if c.off >= c.end {
			t.Fatal("the list holds an empty chunk")
		}
		sum += c.end - c.off
	}
	if sum != mb.list.bytes {
		t.Fatalf("list counts %d bytes but its chunks hold %d", mb.list.bytes, sum)
	}
}
