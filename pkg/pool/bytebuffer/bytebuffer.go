// Package bytebuffer exposes github.com/valyala/bytebufferpool under gnet's
// names. Handlers that build replies piece by piece can borrow a growable
// buffer instead of allocating one per message; the pool calibrates itself to
// the sizes actually used, so recycled buffers rarely need to grow.
package bytebuffer

import "github.com/valyala/bytebufferpool"

// ByteBuffer is bytebufferpool's buffer; an alias keeps values interchangeable
// with code that uses bytebufferpool directly.
type ByteBuffer = bytebufferpool.ByteBuffer

// Get and Put are variables rather than functions because gnet declares them
// that way; keeping the same kind of declaration keeps every use of them
// compiling, including reassignment in tests.
var (
	// Get borrows an empty buffer from the shared pool.
	Get = bytebufferpool.Get

	// Put hands a buffer back to the shared pool; the caller must not use it
	// afterwards. A nil buffer is ignored so that cleanup paths need no check.
	Put = func(b *ByteBuffer) {
		if b == nil {
			return
		}
		bytebufferpool.Put(b)
	}
)
