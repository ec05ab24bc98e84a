package ring_test

import (
	"io"

	"github.com/reactorgo/reactor/pkg/buffer/ring"
)

// These assignments pin the exported API to gnet v2.9.7's pkg/buffer/ring: a
// change to any signature breaks the build before it can break a user.
var (
	_ func(int) *ring.Buffer                       = ring.New
	_ func(*ring.Buffer, int) ([]byte, []byte)     = (*ring.Buffer).Peek
	_ func(*ring.Buffer, int) (int, error)         = (*ring.Buffer).Discard
	_ func(*ring.Buffer, []byte) (int, error)      = (*ring.Buffer).Read
	_ func(*ring.Buffer) (byte, error)             = (*ring.Buffer).ReadByte
	_ func(*ring.Buffer, []byte) (int, error)      = (*ring.Buffer).Write
	_ func(*ring.Buffer, byte) error               = (*ring.Buffer).WriteByte
	_ func(*ring.Buffer, string) (int, error)      = (*ring.Buffer).WriteString
	_ func(*ring.Buffer) int                       = (*ring.Buffer).Buffered
	_ func(*ring.Buffer) int                       = (*ring.Buffer).Len
	_ func(*ring.Buffer) int                       = (*ring.Buffer).Cap
	_ func(*ring.Buffer) int                       = (*ring.Buffer).Available
	_ func(*ring.Buffer) []byte                    = (*ring.Buffer).Bytes
	_ func(*ring.Buffer, io.Reader) (int64, error) = (*ring.Buffer).ReadFrom
	_ func(*ring.Buffer, io.Writer) (int64, error) = (*ring.Buffer).WriteTo
	_ func(*ring.Buffer) bool                      = (*ring.Buffer).IsFull
	_ func(*ring.Buffer) bool                      = (*ring.Buffer).IsEmpty
	_ func(*ring.Buffer)                           = (*ring.Buffer).Reset
	_ error                                        = ring.ErrIsEmpty

	// gnet declares the constants untyped.
	_ int32 = ring.MinRead
	_ int64 = ring.DefaultBufferSize
	_       = [1]struct{}{}[ring.MinRead-512]
	_       = [1]struct{}{}[ring.DefaultBufferSize-1024]

	// The standard interfaces gnet's Buffer satisfies.
	_ io.ReadWriter   = (*ring.Buffer)(nil)
	_ io.ByteReader   = (*ring.Buffer)(nil)
	_ io.ByteWriter   = (*ring.Buffer)(nil)
	_ io.StringWriter = (*ring.Buffer)(nil)
	_ io.ReaderFrom   = (*ring.Buffer)(nil)
	_ io.WriterTo     = (*ring.Buffer)(nil)
)
