package ring

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
// growth steps.
func (s *script) size() int {
	v := s.next()
	if v >= 240 {
		return (v - 239) * 300
	}
	return v
}

// FuzzBuffer drives a Buffer and a plain byte-slice queue with the same
// operations and requires both to hold identical bytes after every step.
func FuzzBuffer(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{4, 0, 20, 3, 7, 0, 6, 6, 3, 0, 9, 5, 3})
	f.Add([]byte{1, 0, 3, 6, 2, 0, 2, 2, 3, 5, 0, 6, 2, 0, 4, 1, 0})
	f.Add([]byte{3, 0, 200, 6, 150, 7, 250, 3, 0, 8, 40, 1, 8, 255, 0})
	f.Add([]byte{2, 7, 40, 2, 1, 6, 39, 7, 250, 17, 1, 8, 20, 0, 4, 0, 5, 20})
	f.Add([]byte{0, 0, 255, 3, 10, 0, 240, 6, 0, 9, 10, 9, 11, 10, 11, 1})
	f.Add([]byte{5, 7, 100, 3, 2, 4, 90, 7, 200, 2, 3, 8, 255, 7, 1, 1, 5, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &script{in: in}
		rb := New(s.next() % 70)
		var model []byte
		seed := 0
		for step := 0; s.more() && step < 500 && len(model) <= maxModel; step++ {
			seed++
			switch op := s.next() % 12; op {
			case 0: // Write
				p := pattern(seed, s.size())
				if n, err := rb.Write(p); n != len(p) || err != nil {
					t.Fatalf("Write(%d) = %d, %v", len(p), n, err)
				}
				model = append(model, p...)
			case 1: // WriteString
				p := pattern(seed, s.size())
				if n, err := rb.WriteString(string(p)); n != len(p) || err != nil {
					t.Fatalf("WriteString(%d) = %d, %v", len(p), n, err)
				}
				model = append(model, p...)
			case 2: // WriteByte
				c := byte(s.next())
				if err := rb.WriteByte(c); err != nil {
					t.Fatal(err)
				}
				model = append(model, c)
			case 3: // Read
				p := make([]byte, s.size())
				n, err := rb.Read(p)
				want := min(len(p), len(model))
				switch {
				case len(p) > 0 && len(model) == 0:
					if !errors.Is(err, ErrIsEmpty) {
						t.Fatalf("Read on empty = %d, %v", n, err)
					}
				case err != nil || n != want || !bytes.Equal(p[:n], model[:n]):
					t.Fatalf("Read(%d) = %d, %v; want %d bytes %x, got %x", len(p), n, err, want, model[:want], p[:n])
				}
				model = model[n:]
			case 4: // ReadByte
				c, err := rb.ReadByte()
				if len(model) == 0 {
					if !errors.Is(err, ErrIsEmpty) {
						t.Fatalf("ReadByte on empty: %v", err)
					}
					break
				}
				if err != nil || c != model[0] {
					t.Fatalf("ReadByte = %d, %v; want %d", c, err, model[0])
				}
				model = model[1:]
			case 5: // Peek
				n := s.size() - 20
				head, tail := rb.Peek(n)
				want := len(model)
				if n > 0 && n < want {
					want = n
				}
				got := append(append([]byte{}, head...), tail...)
				if !bytes.Equal(got, model[:want]) || (len(tail) > 0 && len(head) == 0) {
					t.Fatalf("Peek(%d) = %x|%x, want %x", n, head, tail, model[:want])
				}
			case 6: // Discard
				n := s.size() - 5
				d, err := rb.Discard(n)
				want := max(0, min(n, len(model)))
				if d != want || err != nil {
					t.Fatalf("Discard(%d) = %d, %v; want %d", n, d, err, want)
				}
				model = model[d:]
			case 7: // ReadFrom
				data := pattern(seed, s.size())
				r := &chunkReader{data: data, chunk: 1 + s.next()%64*8, together: s.next()%2 == 0}
				var wantErr error
				if s.next()%3 == 0 {
					r.final, wantErr = errSource, errSource
				}
				n, err := rb.ReadFrom(r)
				if n != int64(len(data)) || !errors.Is(err, wantErr) {
					t.Fatalf("ReadFrom(%d bytes) = %d, %v; want error %v", len(data), n, err, wantErr)
				}
				model = append(model, data...)
			case 8: // WriteTo
				w := &quotaWriter{quota: s.size()}
				if s.next()%2 == 0 {
					w.err = errSink
				}
				n, err := rb.WriteTo(w)
				if int(n) != w.got.Len() || !bytes.Equal(w.got.Bytes(), model[:n]) {
					t.Fatalf("WriteTo wrote %x and reported %d; want a prefix of %x", w.got.Bytes(), n, model)
				}
				switch {
				case len(model) == 0:
					if !errors.Is(err, ErrIsEmpty) {
						t.Fatalf("WriteTo on empty: %v", err)
					}
				case int(n) == len(model):
					if err != nil {
						t.Fatalf("complete WriteTo failed: %v", err)
					}
				case w.err != nil && !errors.Is(err, errSink), w.err == nil && !errors.Is(err, io.ErrShortWrite):
					t.Fatalf("WriteTo stopped after %d of %d bytes with %v", n, len(model), err)
				}
				model = model[n:]
			case 9: // Bytes
				if got := rb.Bytes(); !bytes.Equal(got, model) || (got == nil) != (len(model) == 0) {
					t.Fatalf("Bytes() = %x, want %x", got, model)
				}
			case 10: // Reset
				rb.Reset()
				model = model[:0]
			case 11: // Read into an empty slice never consumes or fails
				if n, err := rb.Read(nil); n != 0 || err != nil {
					t.Fatalf("Read(nil) = %d, %v", n, err)
				}
			}
			checkInvariants(t, rb, model)
		}
	})
}
