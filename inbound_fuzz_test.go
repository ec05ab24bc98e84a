package reactor

import (
	"bytes"
	"io"
	"testing"

	"github.com/reactorgo/reactor/internal/buffer"
)

// FuzzInbound drives a conn's inbound path as its loop does — a read lands in the
// shared loop buffer or behind leftovers, the handler consumes some with the Reader
// methods, the rest is kept — and checks it against a plain byte queue.
func FuzzInbound(f *testing.F) {
	f.Add([]byte{0, 40, 1, 3, 5, 0, 200, 2, 7, 4, 0, 3, 255})
	f.Add([]byte{0, 255, 5, 0, 255, 5, 3, 1, 2, 100, 6})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var (
			slab  buffer.Slab
			c     conn
			model []byte
			next  byte
		)
		loopBuf := make([]byte, 4096)
		for i := 0; i+1 < len(ops); i += 2 {
			arg := int(ops[i+1])
			switch ops[i] % 7 {
			case 0: // the callback ends, then a read of arg*13 bytes arrives
				c.keepUnread(&slab)
				for j := range loopBuf {
					loopBuf[j] = 0xEE // the loop buffer is reused
				}
				n := min(arg*13, len(loopBuf))
				for j := range n {
					loopBuf[j] = next
					next++
				}
				if len(c.inbound) > 0 {
					c.appendInbound(&slab, loopBuf[:n])
				} else {
					c.view = loopBuf[:n]
				}
				model = append(model, loopBuf[:n]...)
			case 1:
				b, err := c.Next(arg - 128)
				k := arg - 128
				if k <= 0 {
					k = len(model)
				}
				if k > len(model) {
					if err != io.ErrShortBuffer {
						t.Fatalf("Next(%d) with %d buffered: %v", arg-128, len(model), err)
					}
					break
				}
				if !bytes.Equal(b, model[:k]) {
					t.Fatalf("Next(%d) returned other bytes", arg-128)
				}
				model = model[k:]
			case 2:
				k := arg % 64
				if b, err := c.Peek(k); err == nil && !bytes.Equal(b, model[:len(b)]) {
					t.Fatalf("Peek(%d) returned other bytes", k)
				}
			case 3:
				d, _ := c.Discard(arg - 128)
				model = model[d:]
			case 4:
				p := make([]byte, arg)
				n, err := c.Read(p)
				if len(model) == 0 && err != io.ErrShortBuffer {
					t.Fatalf("Read on an empty buffer: %v", err)
				}
				if !bytes.Equal(p[:n], model[:n]) {
					t.Fatal("Read returned other bytes")
				}
				model = model[n:]
			case 5: // the callback returns (a Wake may follow, with no new bytes)
				c.keepUnread(&slab)
				for j := range loopBuf {
					loopBuf[j] = 0xEE // the loop buffer is reused
				}
			case 6:
				var w bytes.Buffer
				n, _ := c.WriteTo(&w)
				if !bytes.Equal(w.Bytes(), model[:n]) {
					t.Fatal("WriteTo wrote other bytes")
				}
				model = model[n:]
			}
			if c.InboundBuffered() != len(model) {
				t.Fatalf("InboundBuffered %d, model %d", c.InboundBuffered(), len(model))
			}
		}
		c.keepUnread(&slab)
		if !bytes.Equal(c.view, model) {
			t.Fatal("kept bytes differ from the model")
		}
	})
}
