package elastic

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/reactorgo/reactor/pkg/buffer/ring"
)

// TestRingBufferWithoutRing checks every method on a RingBuffer that holds no
// ring: none of them may take one except those that add data.
func TestRingBufferWithoutRing(t *testing.T) {
	t.Parallel()
	var b RingBuffer
	checks := []struct {
		name string
		ok   bool
	}{
		{"Buffered", b.Buffered() == 0},
		{"Len", b.Len() == 0},
		{"Cap", b.Cap() == 0},
		{"Available", b.Available() == 0},
		{"Bytes", b.Bytes() == nil},
		{"IsFull", !b.IsFull()},
		{"IsEmpty", b.IsEmpty()},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s on an empty RingBuffer gave an unexpected result", c.name)
		}
	}
	if head, tail := b.Peek(0); head != nil || tail != nil {
		t.Errorf("Peek = %q, %q", head, tail)
	}
	if n, err := b.Discard(5); n != 0 || err != nil {
		t.Errorf("Discard = %d, %v; want 0, nil", n, err)
	}
	if n, err := b.Read(make([]byte, 4)); n != 0 || !errors.Is(err, ring.ErrIsEmpty) {
		t.Errorf("Read = %d, %v; want 0, ErrIsEmpty", n, err)
	}
	if n, err := b.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	if _, err := b.ReadByte(); !errors.Is(err, ring.ErrIsEmpty) {
		t.Errorf("ReadByte: %v; want ErrIsEmpty", err)
	}
	if n, err := b.WriteTo(io.Discard); n != 0 || !errors.Is(err, ring.ErrIsEmpty) {
		t.Errorf("WriteTo = %d, %v; want 0, ErrIsEmpty", n, err)
	}
	if n, err := b.Write(nil); n != 0 || err != nil {
		t.Errorf("Write(nil) = %d, %v", n, err)
	}
	if n, err := b.WriteString(""); n != 0 || err != nil {
		t.Errorf("WriteString(\"\") = %d, %v", n, err)
	}
	if n, err := b.ReadFrom(&chunkReader{}); n != 0 || err != nil {
		t.Errorf("ReadFrom(empty) = %d, %v", n, err)
	}
	b.Reset()
	b.Done()
	if b.rb != nil {
		t.Fatal("an operation without data left a ring behind")
	}
}

// TestRingBufferReturnsRingWhenDrained checks that each consuming method
// gives the ring back once nothing is left, and not before.
func TestRingBufferReturnsRingWhenDrained(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		drain func(b *RingBuffer) error
	}{
		{"Read", func(b *RingBuffer) error { _, err := b.Read(make([]byte, 64)); return err }},
		{"Discard", func(b *RingBuffer) error { _, err := b.Discard(64); return err }},
		{"WriteTo", func(b *RingBuffer) error { _, err := b.WriteTo(io.Discard); return err }},
		{"ReadByte", func(b *RingBuffer) error {
			for !b.IsEmpty() {
				if _, err := b.ReadByte(); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b RingBuffer
			if _, err := b.WriteString("hello"); err != nil {
				t.Fatal(err)
			}
			if err := b.WriteByte('!'); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Write([]byte(" world")); err != nil {
				t.Fatal(err)
			}
			if b.rb == nil || b.Cap() == 0 || b.Available() != b.Cap()-12 || b.IsFull() {
				t.Fatal("writing did not take a ring")
			}
			if head, tail := b.Peek(6); string(head)+string(tail) != "hello!" {
				t.Fatalf("Peek(6) = %q, %q", head, tail)
			}
			if got := b.Bytes(); string(got) != "hello! world" || b.Buffered() != 12 {
				t.Fatalf("Bytes() = %q, Buffered() = %d", got, b.Buffered())
			}
			if err := tt.drain(&b); err != nil {
				t.Fatal(err)
			}
			if b.rb != nil || !b.IsEmpty() {
				t.Fatal("draining kept the ring")
			}
		})
	}
}

func TestRingBufferKeepsRingWhileDataRemains(t *testing.T) {
	t.Parallel()
	var b RingBuffer
	if n, err := b.ReadFrom(bytes.NewReader([]byte("abcdef"))); n != 6 || err != nil {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	if n, err := b.Discard(2); n != 2 || err != nil || b.rb == nil {
		t.Fatalf("Discard(2) = %d, %v, ring kept: %t", n, err, b.rb != nil)
	}
	b.Reset()
	if b.rb == nil || !b.IsEmpty() {
		t.Fatal("Reset should empty the ring but keep it")
	}
	b.Done()
	if b.rb != nil {
		t.Fatal("Done kept the ring")
	}
}

func TestPutRingDropsLargeRings(t *testing.T) {
	t.Parallel()
	big := ring.New(maxPooledCap * 2)
	_, _ = big.Write([]byte("x"))
	putRing(big) // must not be pooled; nothing observable except no Reset
	if big.Buffered() != 1 {
		t.Fatal("an oversized ring was reset, so it was meant for the pool")
	}
}
