package buffer

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// drain reads an Outbound the way a flush does: Peek, then Discard what was "sent".
func drain(tb testing.TB, o *Outbound, s *Slab, maxIov, maxSend int) []byte {
	tb.Helper()
	var out []byte
	for o.Len() > 0 {
		sent := 0
		for _, b := range o.Peek(nil, maxIov) {
			k := min(len(b), maxSend-sent)
			out = append(out, b[:k]...)
			sent += k
			if sent == maxSend {
				break
			}
		}
		if sent == 0 {
			tb.Fatalf("Peek returned nothing with Len %d", o.Len())
		}
		o.Discard(s, sent)
	}
	return out
}

func TestOutboundKeepsOrderAcrossChunks(t *testing.T) {
	t.Parallel()
	var (
		s    Slab
		o    Outbound
		want []byte
	)
	for i, n := range []int{1, 100, minChunk, 3 * minChunk, 7, 2 << 20, 0, 513} {
		p := bytes.Repeat([]byte{byte('a' + i)}, n)
		o.Write(&s, p)
		want = append(want, p...)
	}
	if o.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", o.Len(), len(want))
	}
	got := drain(t, &o, &s, 3, 10000)
	if !bytes.Equal(got, want) {
		t.Fatalf("drained bytes differ from written bytes (len %d vs %d)", len(got), len(want))
	}
	if o.chunks != nil || o.Len() != 0 {
		t.Fatalf("an empty Outbound still holds %d chunks", len(o.chunks))
	}
}

func TestOutboundReadFrom(t *testing.T) {
	t.Parallel()
	var (
		s Slab
		o Outbound
	)
	o.Write(&s, []byte("head:"))
	src := bytes.Repeat([]byte("0123456789"), 5000)
	n, err := o.ReadFrom(&s, iotest.OneByteReader(bytes.NewReader(src[:100])))
	if err != nil || n != 100 {
		t.Fatalf("ReadFrom = %d, %v; want 100, nil", n, err)
	}
	n, err = o.ReadFrom(&s, bytes.NewReader(src[100:]))
	if err != nil || n != int64(len(src)-100) {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	want := append([]byte("head:"), src...)
	if got := drain(t, &o, &s, 1024, 1<<30); !bytes.Equal(got, want) {
		t.Fatal("ReadFrom bytes differ")
	}
	n, err = o.ReadFrom(&s, iotest.ErrReader(io.ErrUnexpectedEOF))
	if err != io.ErrUnexpectedEOF || n != 0 || o.chunks != nil {
		t.Fatalf("failing reader: n=%d err=%v chunks=%d", n, err, len(o.chunks))
	}
}

func TestSlabRecyclesBySizeClass(t *testing.T) {
	t.Parallel()
	var s Slab
	for _, tc := range []struct{ ask, capacity int }{
		{1, 512}, {512, 512}, {513, 1024}, {4096, 4096}, {1 << 20, 1 << 20}, {1<<20 + 1, 1<<20 + 1},
	} {
		b := s.Get(tc.ask)
		if len(b) != 0 || cap(b) != tc.capacity {
			t.Errorf("Get(%d): len %d cap %d, want 0 and %d", tc.ask, len(b), cap(b), tc.capacity)
		}
		s.Put(b)
	}
	b := s.Get(4096)
	b = append(b, 'x')
	s.Put(b)
	if again := s.Get(4000); cap(again) != 4096 || len(again) != 0 || &again[:1][0] != &b[0] {
		t.Error("a returned chunk was not reused")
	}
}

// FuzzOutbound checks the queue against a plain byte slice under random
// interleavings of writes, ReadFrom, partial sends and resets.
func FuzzOutbound(f *testing.F) {
	f.Add([]byte{0, 10, 1, 3, 0, 200, 2, 1, 3, 0})
	f.Add([]byte{0, 255, 0, 255, 0, 255, 1, 17, 4, 1, 2})
	f.Add([]byte{4, 0, 7, 1, 1, 1, 3, 2})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var (
			s     Slab
			o     Outbound
			model []byte
			next  byte
		)
		fill := func(n int) []byte {
			p := make([]byte, n)
			for i := range p {
				p[i] = next
				next++
			}
			return p
		}
		// A bound on the script keeps each run short (the fuzzer grows inputs): the
		// queue's chunk boundaries are all reached well within it.
		for i := 0; i+1 < len(ops) && i < 512 && len(model) <= 1<<20; i += 2 {
			arg := int(ops[i+1])
			switch ops[i] % 5 {
			case 0: // write, sometimes large
				p := fill(arg * (1 + arg%7) * 13)
				o.Write(&s, p)
				model = append(model, p...)
			case 1: // send part of what is queued
				iov := o.Peek(nil, 1+arg%4)
				var flat []byte
				for _, b := range iov {
					flat = append(flat, b...)
				}
				if !bytes.Equal(flat, model[:len(flat)]) {
					t.Fatalf("Peek shows bytes out of order")
				}
				k := min(len(flat), arg*37)
				o.Discard(&s, k)
				model = model[k:]
			case 2:
				p := fill(arg * 11)
				if _, err := o.ReadFrom(&s, bytes.NewReader(p)); err != nil {
					t.Fatal(err)
				}
				model = append(model, p...)
			case 3:
				o.Reset(&s)
				model = model[:0]
			case 4:
				o.Discard(&s, o.Len()+arg)
				model = model[:0]
			}
			if o.Len() != len(model) {
				t.Fatalf("Len %d, model %d", o.Len(), len(model))
			}
		}
		if got := drain(t, &o, &s, 5, 1000); !bytes.Equal(got, model) {
			t.Fatalf("final contents differ")
		}
	})
}
