package elastic

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// script turns fuzz input into a sequence of small numbers.
type script struct{ in []byte }

func (s *script) more() bool { return len(s.in) > 0 }

func (s *script) next() int {
	if len(s.in) == 0 {
		return 0
	}
	v := int(s.in[0])
	s.in = s.in[1:]
	return v
}

// maxModel ends a script once this much is buffered: every step compares the whole
// contents with the model, so a script that kept growing them would cost time
// quadratic in its length (a fuzzer-grown input of large writes took seconds and
// stalled the fuzzing), and every chunk and growth step is reached well below it.
const maxModel = 128 << 10

// size draws a length that is usually small but sometimes spans several
// chunks or ring growth steps.
func (s *script) size() int {
	v := s.next()
	if v >= 240 {
		return (v - 239) * 700
	}
	return v
}

// FuzzBuffer drives a Buffer and a plain byte-slice queue with the same
// operations and requires both to hold identical bytes after every step.
func FuzzBuffer(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{10, 0, 50, 0, 50, 1, 3, 20, 30, 40, 3, 70, 4, 30, 5, 40})
	f.Add([]byte{1, 6, 250, 7, 100, 1, 2, 4, 0, 0, 2, 0, 8})
	f.Add([]byte{64, 0, 255, 2, 200, 4, 10, 6, 100, 7, 3, 3, 5, 0, 1, 6, 0, 0})
	f.Add([]byte{200, 1, 4, 100, 100, 100, 100, 5, 150, 9, 4, 2, 0, 2, 241, 6, 1, 0})
	f.Add([]byte{3, 6, 240, 20, 0, 7, 33, 1, 4, 5, 6, 12, 1, 8, 70, 1, 9})
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &script{in: in}
		mb, err := New(1 + s.next()*8)
		if err != nil {
			t.Fatal(err)
		}
		defer mb.Release()
		var model []byte
		seed := 0
		for step := 0; s.more() && step < 300 && len(model) <= maxModel; step++ {
			seed++
			switch op := s.next() % 10; op {
			case 0: // Write
				p := pattern(seed, s.size())
				if n, err := mb.Write(p); n != len(p) || err != nil {
					t.Fatalf("Write(%d) = %d, %v", len(p), n, err)
				}
				model = append(model, p...)
			case 1: // Writev
				bs := make([][]byte, s.next()%5)
				want := 0
				for i := range bs {
					bs[i] = pattern(seed+i, s.size())
					want += len(bs[i])
				}
				if n, err := mb.Writev(bs); n != want || err != nil {
					t.Fatalf("Writev(%d bytes) = %d, %v", want, n, err)
				}
				model = append(model, joined(bs)...)
			case 2: // Read
				p := make([]byte, s.size())
				n, err := mb.Read(p)
				want := min(len(p), len(model))
				switch {
				case len(p) > 0 && len(model) == 0:
					if n != 0 || err != io.EOF {
						t.Fatalf("Read on empty = %d, %v", n, err)
					}
				case err != nil || n != want || !bytes.Equal(p[:n], model[:n]):
					t.Fatalf("Read(%d) = %d, %v; want %x, got %x", len(p), n, err, model[:want], p[:n])
				}
				model = model[n:]
			case 3: // Peek
				n := s.size() - 10
				bs, err := mb.Peek(n)
				if n > len(model) {
					if !errors.Is(err, io.ErrShortBuffer) {
						t.Fatalf("Peek(%d) of %d: %v, want io.ErrShortBuffer", n, len(model), err)
					}
					break
				}
				want := len(model)
				if n > 0 {
					want = n
				}
				if got := joined(bs); err != nil || !bytes.Equal(got, model[:want]) {
					t.Fatalf("Peek(%d) = %x, %v; want %x", n, got, err, model[:want])
				}
			case 4: // Discard
				n := s.size() - 5
				d, err := mb.Discard(n)
				if want := max(0, min(n, len(model))); d != want || err != nil {
					t.Fatalf("Discard(%d) = %d, %v; want %d", n, d, err, want)
				}
				model = model[d:]
			case 5: // ReadFrom
				data := pattern(seed, s.size())
				r := &chunkReader{data: data, chunk: 1 + s.next()%64*16, together: s.next()%2 == 0}
				var wantErr error
				if s.next()%3 == 0 {
					r.final, wantErr = errSource, errSource
				}
				n, err := mb.ReadFrom(r)
				if n != int64(len(data)) || !errors.Is(err, wantErr) {
					t.Fatalf("ReadFrom(%d bytes) = %d, %v; want error %v", len(data), n, err, wantErr)
				}
				model = append(model, data...)
			case 6: // WriteTo
				w := &quotaWriter{quota: s.size()}
				if s.next()%2 == 0 {
					w.err = errSink
				}
				n, err := mb.WriteTo(w)
				if int(n) != w.got.Len() || !bytes.Equal(w.got.Bytes(), model[:n]) {
					t.Fatalf("WriteTo wrote %x and reported %d; want a prefix of %x", w.got.Bytes(), n, model)
				}
				switch {
				case int(n) == len(model):
					if err != nil {
						t.Fatalf("complete WriteTo failed: %v", err)
					}
				case w.err != nil && !errors.Is(err, errSink), w.err == nil && !errors.Is(err, io.ErrShortWrite):
					t.Fatalf("WriteTo stopped after %d of %d bytes with %v", n, len(model), err)
				}
				model = model[n:]
			case 7: // Reset, possibly with a new limit
				mb.Reset(s.next()*8 - 100)
				model = model[:0]
			case 8: // Release
				mb.Release()
				model = model[:0]
			case 9: // Peek everything and discard part of it, as a flush would
				bs, err := mb.Peek(-1)
				if err != nil || !bytes.Equal(joined(bs), model) {
					t.Fatalf("Peek(-1) = %x, %v; want %x", joined(bs), err, model)
				}
				k := min(len(model), s.size())
				if d, err := mb.Discard(k); d != k || err != nil {
					t.Fatalf("Discard(%d) = %d, %v", k, d, err)
				}
				model = model[k:]
			}
			checkInvariants(t, mb, model)
		}
	})
}
