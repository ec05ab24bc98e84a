package elastic

import (
	"errors"
	"io"

	"github.com/reactorgo/reactor/pkg/pool/byteslice"
)

const (
	// minChunk is the smallest chunk the list allocates. Small writes are
	// packed into the spare room of the last chunk, so a stream of short
	// messages becomes a few large slices for writev rather than many tiny ones.
	minChunk = 512
	// readChunk is the chunk size ReadFrom allocates when the last chunk is
	// nearly full: large enough to take a socket read in one call.
	readChunk = 16 * 1024
	// maxIdleReads bounds the reads in a row that bring neither data nor an
	// error before ReadFrom gives up, so a broken reader cannot spin forever.
	maxIdleReads = 100
)

var (
	errInvalidRead  = errors.New("elastic: reader returned an impossible count")
	errInvalidWrite = errors.New("elastic: writer returned an impossible count")
)

// chunk is one piece of list storage, borrowed from the byteslice pool.
type chunk struct {
	mem  []byte // the whole pooled array, so it can be returned intact
	off  int    // start of the unread bytes
	end  int    // end of the unread bytes; mem[end:] is free
	next *chunk
}

func newChunk(size int) *chunk {
	mem := byteslice.Get(max(size, minChunk))
	return &chunk{mem: mem[:cap(mem)]}
}

func (c *chunk) unread() []byte { return c.mem[c.off:c.end] }

// list is the overflow queue behind the ring: a singly linked list of chunks
// that grows without ever copying what it already holds.
type list struct {
	head, tail *chunk
	bytes      int
}

func (l *list) empty() bool { return l.head == nil }

func (l *list) append(c *chunk) {
	if l.tail == nil {
		l.head = c
	} else {
		l.tail.next = c
	}
	l.tail = c
	l.bytes += c.end - c.off
}

// dropHead frees the first chunk.
func (l *list) dropHead() {
	c := l.head
	l.head = c.next
	if l.head == nil {
		l.tail = nil
	}
	l.bytes -= c.end - c.off
	byteslice.Put(c.mem)
}

// push copies p to the end of the list.
func (l *list) push(p []byte) {
	if t := l.tail; t != nil {
		k := copy(t.mem[t.end:], p)
		t.end += k
		l.bytes += k
		p = p[k:]
	}
	if len(p) > 0 {
		c := newChunk(len(p))
		c.end = copy(c.mem, p)
		l.append(c)
	}
}

// peek appends to dst slices covering the first n bytes (all when n exceeds
// the list).
func (l *list) peek(dst [][]byte, n int) [][]byte {
	for c := l.head; c != nil && n > 0; c = c.next {
		u := c.unread()
		if len(u) > n {
			u = u[:n]
		}
		dst = append(dst, u)
		n -= len(u)
	}
	return dst
}

// read moves up to len(p) bytes into p.
func (l *list) read(p []byte) int {
	n := 0
	for l.head != nil && n < len(p) {
		n += l.consume(copy(p[n:], l.head.unread()))
	}
	return n
}

// consume drops k bytes from the first chunk, freeing it once it is used up.
func (l *list) consume(k int) int {
	c := l.head
	c.off += k
	l.bytes -= k
	if c.off == c.end {
		l.dropHead()
	}
	return k
}

// discard drops up to n bytes and reports how many it dropped.
func (l *list) discard(n int) int {
	d := 0
	for l.head != nil && d < n {
		d += l.consume(min(n-d, l.head.end-l.head.off))
	}
	return d
}

// readFrom appends data from r until io.EOF, which it does not report, or
// another error, which it does. Data lands in the last chunk's spare room
// first; a chunk allocated for a read that brings nothing is freed at once.
func (l *list) readFrom(r io.Reader) (int64, error) {
	var total int64
	idle := 0
	for {
		c := l.tail
		fresh := c == nil || len(c.mem)-c.end < minChunk
		if fresh {
			c = newChunk(readChunk)
		}
		m, err := r.Read(c.mem[c.end:])
		if m < 0 || m > len(c.mem)-c.end {
			if fresh {
				byteslice.Put(c.mem)
			}
			return total, errInvalidRead
		}
		c.end += m
		total += int64(m)
		switch {
		case fresh && m > 0:
			l.append(c)
		case fresh:
			byteslice.Put(c.mem)
		default:
			l.bytes += m
		}
		switch {
		case err == io.EOF:
			return total, nil
		case err != nil:
			return total, err
		case m > 0:
			idle = 0
		default:
			if idle++; idle >= maxIdleReads {
				return total, io.ErrNoProgress
			}
		}
	}
}

// writeTo writes the list to w, consuming what w accepts, and stops at the
// first error or short write.
func (l *list) writeTo(w io.Writer) (int64, error) {
	var total int64
	for l.head != nil {
		u := l.head.unread()
		m, err := w.Write(u)
		if m < 0 || m > len(u) {
			return total, errInvalidWrite
		}
		total += int64(l.consume(m))
		if err != nil {
			return total, err
		}
		if m < len(u) {
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}

// reset frees every chunk.
func (l *list) reset() {
	for l.head != nil {
		l.dropHead()
	}
}
