package ring

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestNewCapacity(t *testing.T) {
	t.Parallel()
	tests := []struct{ size, want int }{
		{-5, 0}, {0, 0}, {1, 1}, {3, 4}, {64, 64}, {1000, 1024}, {1025, 2048},
	}
	for _, tt := range tests {
		rb := New(tt.size)
		if rb.Cap() != tt.want || rb.Len() != tt.want || rb.Available() != tt.want {
			t.Errorf("New(%d): Cap %d Len %d Available %d, want %d", tt.size, rb.Cap(), rb.Len(), rb.Available(), tt.want)
		}
		checkInvariants(t, rb, nil)
	}
}

func TestGrowth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		capacity int
		prefill  int // bytes written before the measured write
		write    int
		wantCap  int
	}{
		{name: "zero buffer gets the default", capacity: 0, write: 10, wantCap: DefaultBufferSize},
		{name: "zero buffer sized to a large write", capacity: 0, write: 3000, wantCap: 4096},
		{name: "fits exactly", capacity: 64, prefill: 60, write: 4, wantCap: 64},
		{name: "one byte over doubles", capacity: 64, prefill: 64, write: 1, wantCap: 128},
		{name: "large write skips doublings", capacity: 64, prefill: 10, write: 1000, wantCap: 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rb := New(tt.capacity)
			model := pattern(1, tt.prefill)
			mustWrite(t, rb, model)
			more := pattern(2, tt.write)
			mustWrite(t, rb, more)
			if rb.Cap() != tt.wantCap {
				t.Fatalf("Cap() = %d, want %d", rb.Cap(), tt.wantCap)
			}
			checkInvariants(t, rb, append(model, more...))
		})
	}
}

func TestZeroValueIsUsable(t *testing.T) {
	t.Parallel()
	var rb Buffer
	checkInvariants(t, &rb, nil)
	if err := rb.WriteByte('x'); err != nil {
		t.Fatal(err)
	}
	if rb.Cap() != DefaultBufferSize {
		t.Fatalf("Cap() = %d after the first write, want %d", rb.Cap(), DefaultBufferSize)
	}
	checkInvariants(t, &rb, []byte("x"))
}

func TestPeek(t *testing.T) {
	t.Parallel()
	data := []byte("0123456789")
	tests := []struct {
		name       string
		offset     int
		n          int
		head, tail string
	}{
		{name: "contiguous, all", offset: 0, n: 0, head: "0123456789"},
		{name: "contiguous, negative means all", offset: 2, n: -1, head: "0123456789"},
		{name: "contiguous, part", offset: 2, n: 4, head: "0123"},
		{name: "contiguous, too many", offset: 0, n: 99, head: "0123456789"},
		{name: "wrapped, all", offset: 12, n: 0, head: "0123", tail: "456789"},
		{name: "wrapped, within head", offset: 12, n: 3, head: "012"},
		{name: "wrapped, exactly head", offset: 12, n: 4, head: "0123"},
		{name: "wrapped, into tail", offset: 12, n: 6, head: "0123", tail: "45"},
		{name: "ends at the boundary", offset: 6, n: 0, head: "0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rb := wrappedBuffer(t, 16, tt.offset, data)
			head, tail := rb.Peek(tt.n)
			if string(head) != tt.head || string(tail) != tt.tail || (tt.tail == "" && tail != nil) {
				t.Fatalf("Peek(%d) = %q, %q (tail nil: %t); want %q, %q", tt.n, head, tail, tail == nil, tt.head, tt.tail)
			}
			checkInvariants(t, rb, data) // Peek consumes nothing
		})
	}
	if head, tail := New(8).Peek(0); head != nil || tail != nil {
		t.Fatalf("Peek on an empty buffer = %q, %q; want nil, nil", head, tail)
	}
}

func TestDiscard(t *testing.T) {
	t.Parallel()
	data := []byte("abcdefghij")
	tests := []struct {
		name string
		n    int
		want int
	}{
		{"negative", -3, 0},
		{"zero", 0, 0},
		{"some", 3, 3},
		{"across the wrap", 7, 7},
		{"all", 10, 10},
		{"more than buffered", 50, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rb := wrappedBuffer(t, 16, 11, data)
			got, err := rb.Discard(tt.n)
			if got != tt.want || err != nil {
				t.Fatalf("Discard(%d) = %d, %v; want %d, nil", tt.n, got, err, tt.want)
			}
			checkInvariants(t, rb, data[tt.want:])
			if rb.IsEmpty() && rb.r != 0 {
				t.Fatalf("an emptied buffer keeps read index %d; want 0", rb.r)
			}
		})
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	data := []byte("abcdefghij")
	tests := []struct {
		name   string
		offset int
		p      int
		want   string
	}{
		{name: "empty p", offset: 0, p: 0, want: ""},
		{name: "part, contiguous", offset: 0, p: 4, want: "abcd"},
		{name: "part, wrapped", offset: 13, p: 5, want: "abcde"},
		{name: "all, wrapped", offset: 13, p: 10, want: "abcdefghij"},
		{name: "larger p", offset: 13, p: 64, want: "abcdefghij"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rb := wrappedBuffer(t, 16, tt.offset, data)
			p := make([]byte, tt.p)
			n, err := rb.Read(p)
			if err != nil || string(p[:n]) != tt.want {
				t.Fatalf("Read(%d bytes) = %q, %v; want %q", tt.p, p[:n], err, tt.want)
			}
			checkInvariants(t, rb, data[n:])
		})
	}
}

func TestEmptyBuffer(t *testing.T) {
	t.Parallel()
	for _, rb := range []*Buffer{New(0), New(16)} {
		if n, err := rb.Read(make([]byte, 4)); n != 0 || !errors.Is(err, ErrIsEmpty) {
			t.Errorf("Read = %d, %v; want 0, ErrIsEmpty", n, err)
		}
		if n, err := rb.Read(nil); n != 0 || err != nil {
			t.Errorf("Read(nil) = %d, %v; want 0, nil", n, err)
		}
		if _, err := rb.ReadByte(); !errors.Is(err, ErrIsEmpty) {
			t.Errorf("ReadByte error = %v; want ErrIsEmpty", err)
		}
		if n, err := rb.WriteTo(io.Discard); n != 0 || !errors.Is(err, ErrIsEmpty) {
			t.Errorf("WriteTo = %d, %v; want 0, ErrIsEmpty", n, err)
		}
		if rb.Bytes() != nil {
			t.Errorf("Bytes() = %q; want nil", rb.Bytes())
		}
	}
}

func TestByteAndStringWrites(t *testing.T) {
	t.Parallel()
	rb := wrappedBuffer(t, 8, 5, []byte("ab"))
	if n, err := rb.WriteString("cdef"); n != 4 || err != nil {
		t.Fatalf("WriteString = %d, %v", n, err)
	}
	for _, c := range []byte("ghi") { // the last byte forces growth
		if err := rb.WriteByte(c); err != nil {
			t.Fatal(err)
		}
	}
	checkInvariants(t, rb, []byte("abcdefghi"))
	var got []byte
	for !rb.IsEmpty() {
		c, err := rb.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if string(got) != "abcdefghi" {
		t.Fatalf("ReadByte sequence = %q", got)
	}
	if n, err := rb.WriteString(""); n != 0 || err != nil {
		t.Fatalf("WriteString(\"\") = %d, %v", n, err)
	}
}

func TestFullAndReset(t *testing.T) {
	t.Parallel()
	rb := wrappedBuffer(t, 8, 3, []byte("1234567"))
	mustWrite(t, rb, []byte("8"))
	if !rb.IsFull() || rb.Cap() != 8 {
		t.Fatalf("IsFull %t, Cap %d; want a full buffer of 8", rb.IsFull(), rb.Cap())
	}
	checkInvariants(t, rb, []byte("12345678"))
	rb.Reset()
	checkInvariants(t, rb, nil)
	if rb.Cap() != 8 {
		t.Fatalf("Reset changed the capacity to %d", rb.Cap())
	}
}

func TestBytesIsACopy(t *testing.T) {
	t.Parallel()
	rb := wrappedBuffer(t, 8, 6, []byte("wxyz"))
	b := rb.Bytes()
	if string(b) != "wxyz" {
		t.Fatalf("Bytes() = %q", b)
	}
	b[0] = '!'
	checkInvariants(t, rb, []byte("wxyz"))
}

func TestReadFrom(t *testing.T) {
	t.Parallel()
	src := pattern(7, 3000)
	tests := []struct {
		name     string
		capacity int
		offset   int
		prefill  int
		r        io.Reader
		wantN    int
		wantErr  error
	}{
		{name: "into a zero buffer", r: &chunkReader{data: src, chunk: 4096}, wantN: 3000},
		{name: "one byte at a time", capacity: 1024, r: &chunkReader{data: src[:700], chunk: 1}, wantN: 700},
		{name: "short reads into wrapped free space", capacity: 2048, offset: 1000, prefill: 500,
			r: &chunkReader{data: src[:10], chunk: 3}, wantN: 10},
		{name: "short reads around the end", capacity: 2048, offset: 2040, prefill: 20,
			r: &chunkReader{data: src, chunk: 5}, wantN: 3000},
		{name: "data arrives with EOF", capacity: 1024, r: &chunkReader{data: src[:100], chunk: 64, together: true}, wantN: 100},
		{name: "error after data", capacity: 1024, r: &chunkReader{data: src[:100], chunk: 64, final: errSource}, wantN: 100, wantErr: errSource},
		{name: "error with data", capacity: 1024, r: &chunkReader{data: src[:100], chunk: 64, final: errSource, together: true}, wantN: 100, wantErr: errSource},
		{name: "nothing to read", capacity: 0, r: &chunkReader{}, wantN: 0},
		{name: "stalled reader", capacity: 1024, prefill: 3, r: countReader{}, wantErr: io.ErrNoProgress},
		{name: "negative count", capacity: 1024, r: countReader{n: -1}, wantErr: errInvalidRead},
		{name: "count beyond the slice", capacity: 1024, r: countReader{n: 1 << 20}, wantErr: errInvalidRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rb *Buffer
			prefill := pattern(3, tt.prefill)
			if tt.capacity == 0 {
				rb = New(0)
			} else {
				rb = wrappedBuffer(t, tt.capacity, tt.offset, prefill)
			}
			n, err := rb.ReadFrom(tt.r)
			if n != int64(tt.wantN) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadFrom = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			checkInvariants(t, rb, append(prefill, src[:tt.wantN]...))
		})
	}
}

func TestWriteTo(t *testing.T) {
	t.Parallel()
	data := []byte("the quick brown fox")
	tests := []struct {
		name    string
		offset  int
		w       *quotaWriter
		wantN   int
		wantErr error
	}{
		{name: "contiguous, all", offset: 0, w: &quotaWriter{quota: 100}, wantN: 19},
		{name: "wrapped, all", offset: 24, w: &quotaWriter{quota: 100}, wantN: 19},
		{name: "stops inside head", offset: 24, w: &quotaWriter{quota: 5, err: errSink}, wantN: 5, wantErr: errSink},
		{name: "stops inside tail", offset: 24, w: &quotaWriter{quota: 12, err: errSink}, wantN: 12, wantErr: errSink},
		{name: "silent short write", offset: 24, w: &quotaWriter{quota: 3}, wantN: 3, wantErr: io.ErrShortWrite},
		{name: "silent short write in tail", offset: 24, w: &quotaWriter{quota: 10}, wantN: 10, wantErr: io.ErrShortWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rb := wrappedBuffer(t, 32, tt.offset, data)
			n, err := rb.WriteTo(tt.w)
			if n != int64(tt.wantN) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("WriteTo = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			if !bytes.Equal(tt.w.got.Bytes(), data[:tt.wantN]) {
				t.Fatalf("writer got %q, want %q", tt.w.got.Bytes(), data[:tt.wantN])
			}
			checkInvariants(t, rb, data[tt.wantN:])
		})
	}
}

func TestWriteToRejectsImpossibleCounts(t *testing.T) {
	t.Parallel()
	for _, count := range []int{-1, 1000} {
		rb := wrappedBuffer(t, 16, 0, []byte("abc"))
		if _, err := rb.WriteTo(countWriter{n: count}); !errors.Is(err, errInvalidWrite) {
			t.Errorf("count %d: error %v, want errInvalidWrite", count, err)
		}
		checkInvariants(t, rb, []byte("abc"))
	}
}

// TestGnetReadFromRegressions covers the two ReadFrom defects noted on the
// method, with the exact inputs that expose them in gnet v2.9.7.
func TestGnetReadFromRegressions(t *testing.T) {
	t.Parallel()
	rb := New(0)
	if _, err := rb.ReadFrom(strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, rb, nil)

	rb = New(2048)
	mustWrite(t, rb, bytes.Repeat([]byte("."), 1500))
	mustDiscard(t, rb, 1000)
	if _, err := rb.ReadFrom(&chunkReader{data: []byte("abcdefghij"), chunk: 3}); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, rb, []byte(strings.Repeat(".", 500)+"abcdefghij"))
}
