package buffer

// Outbound is a FIFO of bytes waiting to be written to a socket, stored as a list of
// slab chunks. Appending copies (callers may reuse their slices at once); writing out
// hands the chunks to writev without copying again. An empty Outbound holds no chunk.
type Outbound struct {
	chunks [][]byte // chunks[0][head:] is the oldest unsent data
	head   int
	size   int
}

// minChunk is the size of the first chunk of a small write: big enough that a burst of
// small writes in one callback lands in one chunk, small enough to be cheap per conn.
const minChunk = 4 << 10

// Len reports the number of bytes queued.
func (o *Outbound) Len() int { return o.size }

// Write appends a copy of p.
func (o *Outbound) Write(s *Slab, p []byte) {
	o.size += len(p)
	for len(p) > 0 {
		if n := len(o.chunks); n > 0 {
			last := o.chunks[n-1]
			if room := cap(last) - len(last); room > 0 {
				k := copy(last[len(last):cap(last)], p)
				o.chunks[n-1] = last[:len(last)+k]
				p = p[k:]
				continue
			}
		}
		size := len(p)
		if size < minChunk {
			size = minChunk
		}
		if size > 1<<maxShift {
			size = 1 << maxShift
		}
		o.chunks = append(o.chunks, s.Get(size))
	}
}

// Peek appends the queued data, oldest first, as at most max slices to dst.
func (o *Outbound) Peek(dst [][]byte, max int) [][]byte {
	for i, c := range o.chunks {
		if i == max {
			break
		}
		if i == 0 {
			c = c[o.head:]
		}
		dst = append(dst, c)
	}
	return dst
}

// Discard drops the n oldest bytes (those a write just sent), returning emptied
// chunks to the slab.
func (o *Outbound) Discard(s *Slab, n int) {
	if n >= o.size {
		o.Reset(s)
		return
	}
	o.size -= n
	for n > 0 {
		first := o.chunks[0][o.head:]
		if n < len(first) {
			o.head += n
			return
		}
		n -= len(first)
		s.Put(o.chunks[0])
		o.chunks[0] = nil
		o.chunks = o.chunks[1:]
		o.head = 0
	}
}

// Reset drops everything queued and returns the chunks to the slab.
func (o *Outbound) Reset(s *Slab) {
	for i, c := range o.chunks {
		s.Put(c)
		o.chunks[i] = nil
	}
	o.chunks = nil
	o.head, o.size = 0, 0
}
