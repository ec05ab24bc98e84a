package buffer

import "io"

// Outbound is a FIFO of bytes waiting to be written to a socket, stored as a list of
// slab chunks. Appending copies (callers may reuse their slices at once); writing out
// hands the chunks to writev without copying again. An empty Outbound holds no chunk.
//
// Every connection embeds one, so it is kept to 40 bytes: the list of chunks comes
// from the slab (see Slab.getList) while there is queued data, instead of being
// backed by an array inside the Outbound that idle connections would carry too.
type Outbound struct {
	chunks [][]byte // chunks[0][head:] is the oldest unsent data
	head   int
	size   int
}

// grow appends a chunk for at least n bytes.
func (o *Outbound) grow(s *Slab, n int) {
	if o.chunks == nil {
		o.chunks = s.getList()
	}
	o.chunks = append(o.chunks, s.Get(n))
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
		o.grow(s, size)
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
	if o.chunks != nil {
		s.putList(o.chunks)
	}
	o.chunks = nil
	o.head, o.size = 0, 0
}

// readChunk is the chunk size ReadFrom reads into.
const readChunk = 16 << 10

// ReadFrom appends everything read from r until io.EOF, reading straight into the
// queue's chunks. It returns the bytes added and the first error other than io.EOF.
func (o *Outbound) ReadFrom(s *Slab, r io.Reader) (int64, error) {
	var total int64
	for {
		n := len(o.chunks)
		if n == 0 || len(o.chunks[n-1]) == cap(o.chunks[n-1]) {
			o.grow(s, readChunk)
			n++
		}
		last := o.chunks[n-1]
		k, err := r.Read(last[len(last):cap(last)])
		o.chunks[n-1] = last[:len(last)+k]
		o.size += k
		total += int64(k)
		if err == io.EOF {
			o.dropEmptyTail(s)
			return total, nil
		}
		if err != nil {
			o.dropEmptyTail(s)
			return total, err
		}
	}
}

// dropEmptyTail returns an unused last chunk, so an empty queue holds no chunk.
func (o *Outbound) dropEmptyTail(s *Slab) {
	if n := len(o.chunks); n > 0 && len(o.chunks[n-1]) == 0 && !(n == 1 && o.head > 0) {
		s.Put(o.chunks[n-1])
		o.chunks[n-1] = nil
		o.chunks = o.chunks[:n-1]
		if len(o.chunks) == 0 {
			s.putList(o.chunks)
			o.chunks, o.head = nil, 0
		}
	}
}
