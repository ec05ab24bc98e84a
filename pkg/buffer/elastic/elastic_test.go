package elastic

import (
	"bytes"
	"errors"
	"io"
	"testing"

	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

func TestNewRejectsNonPositiveLimits(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{0, -1, -4096} {
		if mb, err := New(limit); mb != nil || !errors.Is(err, rerrors.ErrNegativeSize) {
			t.Errorf("New(%d) = %v, %v; want nil, ErrNegativeSize", limit, mb, err)
		}
	}
}

// TestWriteSplitsAtTheLimit checks where written bytes land: the ring takes
// them up to the limit and the list takes the rest, in order.
func TestWriteSplitsAtTheLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		limit            int
		writes           []int
		wantRing         int
		wantList         int
		wantRingCapAtMax int
	}{
		{name: "fits in the ring", limit: 4096, writes: []int{100, 200}, wantRing: 300},
		{name: "exactly the limit", limit: 4096, writes: []int{4096}, wantRing: 4096},
		{name: "one large write spills", limit: 4096, writes: []int{5000}, wantRing: 4096, wantList: 904},
		{name: "later writes spill", limit: 1000, writes: []int{600, 600, 10}, wantRing: 1000, wantList: 210},
		{name: "small limit", limit: 1, writes: []int{3, 3}, wantRing: 1, wantList: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mb := newBuffer(t, tt.limit)
			var model []byte
			for i, n := range tt.writes {
				p := pattern(i, n)
				mustWrite(t, mb, p)
				model = append(model, p...)
			}
			if mb.ring.Buffered() != tt.wantRing || mb.list.bytes != tt.wantList {
				t.Fatalf("ring %d, list %d; want %d, %d", mb.ring.Buffered(), mb.list.bytes, tt.wantRing, tt.wantList)
			}
			checkInvariants(t, mb, model)
		})
	}
}

func TestWritev(t *testing.T) {
	t.Parallel()
	mb := newBuffer(t, 64)
	bs := [][]byte{pattern(1, 30), nil, pattern(2, 30), {}, pattern(3, 30)}
	n, err := mb.Writev(bs)
	if n != 90 || err != nil {
		t.Fatalf("Writev = %d, %v; want 90, nil", n, err)
	}
	if mb.ring.Buffered() != 64 {
		t.Fatalf("ring holds %d bytes, want the limit of 64", mb.ring.Buffered())
	}
	checkInvariants(t, mb, joined(bs))
}

func TestReadAcrossRingAndList(t *testing.T) {
	t.Parallel()
	data := pattern(4, 100)
	tests := []struct {
		name    string
		p       int
		wantN   int
		wantErr error
	}{
		{name: "empty p", p: 0, wantN: 0},
		{name: "ring only", p: 20, wantN: 20},
		{name: "into the list", p: 60, wantN: 60},
		{name: "everything", p: 100, wantN: 100},
		{name: "larger p gives no error", p: 500, wantN: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mb := newBuffer(t, 40)
			mustWrite(t, mb, data)
			p := make([]byte, tt.p)
			n, err := mb.Read(p)
			if n != tt.wantN || !errors.Is(err, tt.wantErr) || !bytes.Equal(p[:n], data[:n]) {
				t.Fatalf("Read(%d) = %d, %v, %x", tt.p, n, err, p[:n])
			}
			checkInvariants(t, mb, data[n:])
		})
	}
	mb := newBuffer(t, 40)
	if n, err := mb.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read on empty = %d, %v; want 0, io.EOF", n, err)
	}
}

func TestPeek(t *testing.T) {
	t.Parallel()
	data := pattern(5, 110)
	tests := []struct {
		name    string
		n       int
		want    int
		wantErr error
	}{
		{name: "all with zero", n: 0, want: 110},
		{name: "all with negative", n: -1, want: 110},
		{name: "within the ring", n: 50, want: 50},
		{name: "exactly the ring", n: 100, want: 100},
		{name: "into the list", n: 105, want: 105},
		{name: "exactly everything", n: 110, want: 110},
		{name: "more than buffered", n: 111, wantErr: io.ErrShortBuffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mb := newBuffer(t, 100)
			mustWrite(t, mb, data[:100]) // fills the ring
			mustWrite(t, mb, data[100:]) // ten bytes in the list
			bs, err := mb.Peek(tt.n)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Peek(%d) error = %v, want %v", tt.n, err, tt.wantErr)
			}
			if got := joined(bs); !bytes.Equal(got, data[:tt.want]) {
				t.Fatalf("Peek(%d) = %x, want %x", tt.n, got, data[:tt.want])
			}
			checkInvariants(t, mb, data)
		})
	}
	mb := newBuffer(t, 8)
	if bs, err := mb.Peek(0); bs != nil || err != nil {
		t.Fatalf("Peek(0) on empty = %q, %v; want nil, nil", bs, err)
	}
	if _, err := mb.Peek(1); !errors.Is(err, io.ErrShortBuffer) {
		t.Fatalf("Peek(1) on empty: %v, want io.ErrShortBuffer", err)
	}
}

func TestDiscard(t *testing.T) {
	t.Parallel()
	data := pattern(6, 90)
	tests := []struct {
		name string
		n    int
		want int
	}{
		{"negative", -1, 0},
		{"zero", 0, 0},
		{"ring part", 10, 10},
		{"whole ring", 32, 32},
		{"into the list", 50, 50},
		{"everything", 90, 90},
		{"more than buffered", 1000, 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mb := newBuffer(t, 32)
			mustWrite(t, mb, data)
			got, err := mb.Discard(tt.n)
			if got != tt.want || err != nil {
				t.Fatalf("Discard(%d) = %d, %v; want %d, nil", tt.n, got, err, tt.want)
			}
			checkInvariants(t, mb, data[tt.want:])
		})
	}
}

func TestReadFrom(t *testing.T) {
	t.Parallel()
	src := pattern(8, 5000)
	tests := []struct {
		name     string
		limit    int
		prefill  int
		r        io.Reader
		wantN    int
		wantErr  error
		wantRing int
	}{
		{name: "fits the ring", limit: 4096, r: &chunkReader{data: src[:1000], chunk: 300}, wantN: 1000, wantRing: 1000},
		{name: "stops the ring at the limit", limit: 2048, r: &chunkReader{data: src, chunk: 700}, wantN: 5000, wantRing: 2048},
		{name: "list already in use", limit: 16, prefill: 20, r: &chunkReader{data: src[:100], chunk: 64}, wantN: 100, wantRing: 16},
		{name: "ends exactly at the limit", limit: 1000, r: &chunkReader{data: src[:1000], chunk: 1000, together: true}, wantN: 1000, wantRing: 1000},
		{name: "error in the ring part", limit: 4096, r: &chunkReader{data: src[:10], chunk: 5, final: errSource}, wantN: 10, wantErr: errSource, wantRing: 10},
		{name: "error in the list part", limit: 100, r: &chunkReader{data: src[:300], chunk: 64, final: errSource}, wantN: 300, wantErr: errSource, wantRing: 100},
		{name: "nothing to read", limit: 100, r: &chunkReader{}, wantN: 0},
		{name: "stalled reader in the list", limit: 4, prefill: 4, r: countReader{}, wantErr: io.ErrNoProgress, wantRing: 4},
		{name: "impossible count in the list", limit: 4, prefill: 4, r: countReader{n: 1 << 30}, wantErr: errInvalidRead, wantRing: 4},
		{name: "negative count in the list", limit: 4, prefill: 8, r: countReader{n: -1}, wantErr: errInvalidRead, wantRing: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mb := newBuffer(t, tt.limit)
			prefill := pattern(9, tt.prefill)
			mustWrite(t, mb, prefill)
			n, err := mb.ReadFrom(tt.r)
			if n != int64(tt.wantN) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadFrom = %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			if mb.ring.Buffered() != tt.wantRing {
				t.Fatalf("ring holds %d bytes, want %d", mb.ring.Buffered(), tt.wantRing)
			}
			checkInvariants(t, mb, append(prefill, src[:tt.wantN]...))
		})
	}
}

func TestWriteTo(t *testing.T) {
	t.Parallel()
	data := pattern(10, 200)
	tests := []struct {
		name    string
		w       *quotaWriter
		wantN   int
		wantErr error
	}{
		{name: "everything", w: &quotaWriter{quota: 1000}, wantN: 200},
		{name: "fails in the ring", w: &quotaWriter{quota: 30, err: errSink}, wantN: 30, wantErr: errSink},
		{name: "fails in the list", w: &quotaWriter{quota: 150, err: errSink}, wantN: 150, wantErr: errSink},
		{name: "silent short write in the ring", w: &quotaWriter{quota: 30}, wantN: 30, wantErr: io.ErrShortWrite},
		{name: "silent short write in the list", w: &quotaWriter{quota: 150}, wantN: 150, wantErr: io.ErrShortWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mb := newBuffer(t, 64)
			mustWrite(t, mb, data)
			n, err := mb.WriteTo(tt.w)
			if n != int64(tt.wantN) || !errors.Is(err, tt.wantErr) || !bytes.Equal(tt.w.got.Bytes(), data[:tt.wantN]) {
				t.Fatalf("WriteTo = %d, %v (wrote %d bytes); want %d, %v", n, err, tt.w.got.Len(), tt.wantN, tt.wantErr)
			}
			checkInvariants(t, mb, data[tt.wantN:])
		})
	}
	for _, count := range []int{-1, 7} {
		mb := newBuffer(t, 4)
		mustWrite(t, mb, data[:10])
		if _, err := mb.Discard(4); err != nil { // leaves six bytes, all in the list
			t.Fatal(err)
		}
		if _, err := mb.WriteTo(countWriter{n: count}); !errors.Is(err, errInvalidWrite) {
			t.Fatalf("WriteTo with a writer claiming %d bytes: %v, want errInvalidWrite", count, err)
		}
		checkInvariants(t, mb, data[4:10])
	}
	if n, err := newBuffer(t, 64).WriteTo(io.Discard); n != 0 || err != nil {
		t.Fatalf("WriteTo on empty = %d, %v; want 0, nil", n, err)
	}
}

// TestGnetRegressions replays the inputs that expose the elastic defects
// noted on Peek and WriteTo in gnet v2.9.7.
func TestGnetRegressions(t *testing.T) {
	t.Parallel()
	mb := newBuffer(t, 64)
	data := pattern(11, 110)
	mustWrite(t, mb, data[:100])
	mustWrite(t, mb, data[100:])
	bs, err := mb.Peek(50)
	if err != nil || !bytes.Equal(joined(bs), data[:50]) {
		t.Fatalf("Peek(50) with 110 buffered = %x, %v", joined(bs), err)
	}

	mb = newBuffer(t, 8)
	mustWrite(t, mb, []byte("12345678"))
	mustWrite(t, mb, []byte("abc"))
	if _, err := mb.Discard(8); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if n, err := mb.WriteTo(&out); n != 3 || err != nil || out.String() != "abc" {
		t.Fatalf("WriteTo with a drained ring = %d, %v, %q; want 3, nil, \"abc\"", n, err, out.String())
	}
	checkInvariants(t, mb, nil)
}

func TestResetAndRelease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		newLimit  int
		wantLimit int
	}{
		{"keeps the limit", -1, 32},
		{"zero keeps the limit", 0, 32},
		{"adopts a new limit", 100, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mb := newBuffer(t, 32)
			mustWrite(t, mb, pattern(12, 50))
			mb.Reset(tt.newLimit)
			checkInvariants(t, mb, nil)
			if mb.maxStaticBytes != tt.wantLimit {
				t.Fatalf("limit %d after Reset(%d), want %d", mb.maxStaticBytes, tt.newLimit, tt.wantLimit)
			}
			p := pattern(13, 120)
			mustWrite(t, mb, p)
			checkInvariants(t, mb, p)
			mb.Release()
			checkInvariants(t, mb, nil)
			if mb.ring.rb != nil {
				t.Fatal("Release kept the ring")
			}
			mustWrite(t, mb, p) // still usable
			checkInvariants(t, mb, p)
		})
	}
}

// TestLimitCountsBytesNotCapacity checks that a ring with more capacity than
// the limit, left over from a larger limit or taken from the pool, still
// buffers no more than the limit.
func TestLimitCountsBytesNotCapacity(t *testing.T) {
	t.Parallel()
	mb := newBuffer(t, 4096)
	mustWrite(t, mb, pattern(14, 4096))
	mb.Reset(100)
	p := pattern(15, 1000)
	mustWrite(t, mb, p)
	if mb.ring.Buffered() != 100 || mb.list.bytes != 900 {
		t.Fatalf("ring %d, list %d; want 100 and 900", mb.ring.Buffered(), mb.list.bytes)
	}
	checkInvariants(t, mb, p)
}

func TestZeroValueBuffer(t *testing.T) {
	t.Parallel()
	var mb Buffer
	p := pattern(16, 700)
	mustWrite(t, &mb, p)
	checkInvariants(t, &mb, p)
	mb.Release()
}
