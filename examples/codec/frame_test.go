package main

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeFrame(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		payload string
		n       int
		err     error
	}{
		{"empty buffer", nil, "", 0, nil},
		{"partial header", []byte{0, 0, 0}, "", 0, nil},
		{"empty payload", []byte{0, 0, 0, 0}, "", 4, nil},
		{"whole frame", []byte{0, 0, 0, 2, 'h', 'i'}, "hi", 6, nil},
		{"frame and more", []byte{0, 0, 0, 1, 'a', 0, 0}, "a", 5, nil},
		{"partial payload", []byte{0, 0, 0, 3, 'a', 'b'}, "", 0, nil},
		{"at the limit", append([]byte{0, 0, 0, 8}, "12345678"...), "12345678", 12, nil},
		{"over the limit", []byte{0, 0, 0, 9}, "", 0, errFrameTooLarge},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff}, "", 0, errFrameTooLarge},
	} {
		payload, n, err := decodeFrame(tc.in, 8)
		if string(payload) != tc.payload || n != tc.n || !errors.Is(err, tc.err) {
			t.Errorf("%s: decodeFrame = %q, %d, %v; want %q, %d, %v", tc.name, payload, n, err, tc.payload, tc.n, tc.err)
		}
	}
}

// FuzzDecode checks that decoding never panics or reads past its input, that a
// stream decodes the same whether whole or one byte at a time, and that what
// appendFrame encodes decodes back.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0}, []byte("payload"))
	f.Add([]byte{0, 0, 1}, []byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1}, []byte{0, 0, 0, 4})
	f.Fuzz(func(t *testing.T, stream, payload []byte) {
		const maxPayload = 64
		// Round trip.
		frame := appendFrame(nil, payload)
		got, n, err := decodeFrame(frame, 1<<20)
		if err != nil || n != len(frame) || !bytes.Equal(got, payload) {
			t.Fatalf("appendFrame(%q) = %q decodes to %q, %d, %v", payload, frame, got, n, err)
		}
		if _, n, _ := decodeFrame(frame[:len(frame)-1], 1<<20); n != 0 {
			t.Fatalf("a frame missing its last byte decoded with n = %d", n)
		}
		// Arbitrary streams: whole and bytewise agree.
		whole, errWhole := decodeAll(stream, len(stream), maxPayload)
		bytewise, errBytewise := decodeAll(stream, 1, maxPayload)
		if !equalFrames(whole, bytewise) || (errWhole == nil) != (errBytewise == nil) {
			t.Fatalf("whole: %q, %v; byte by byte: %q, %v", whole, errWhole, bytewise, errBytewise)
		}
		for _, p := range whole {
			if len(p) > maxPayload {
				t.Fatalf("payload of %d bytes over the limit %d", len(p), maxPayload)
			}
		}
	})
}

// decodeAll decodes every frame of stream, revealed step bytes at a time as a
// connection's buffer grows.
func decodeAll(stream []byte, step, maxPayload int) ([][]byte, error) {
	var frames [][]byte
	start := 0
	for avail := min(step, len(stream)); ; avail = min(avail+step, len(stream)) {
		for {
			payload, n, err := decodeFrame(stream[start:avail], maxPayload)
			if err != nil {
				return frames, err
			}
			if n == 0 {
				break
			}
			if start+n > avail {
				panic("decodeFrame went past its input")
			}
			frames = append(frames, payload)
			start += n
		}
		if avail == len(stream) {
			return frames, nil
		}
	}
}

func equalFrames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
