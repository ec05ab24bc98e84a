package elastic_test

import (
	"io"

	"github.com/reactorgo/reactor/pkg/buffer/elastic"
)

// These assignments pin the exported API to gnet v2.9.7's pkg/buffer/elastic:
// a change to any signature breaks the build before it can break a user.
var (
	_ func(int) (*elastic.Buffer, error)              = elastic.New
	_ func(*elastic.Buffer, []byte) (int, error)      = (*elastic.Buffer).Read
	_ func(*elastic.Buffer, int) ([][]byte, error)    = (*elastic.Buffer).Peek
	_ func(*elastic.Buffer, int) (int, error)         = (*elastic.Buffer).Discard
	_ func(*elastic.Buffer, []byte) (int, error)      = (*elastic.Buffer).Write
	_ func(*elastic.Buffer, [][]byte) (int, error)    = (*elastic.Buffer).Writev
	_ func(*elastic.Buffer, io.Reader) (int64, error) = (*elastic.Buffer).ReadFrom
	_ func(*elastic.Buffer, io.Writer) (int64, error) = (*elastic.Buffer).WriteTo
	_ func(*elastic.Buffer) int                       = (*elastic.Buffer).Buffered
	_ func(*elastic.Buffer) bool                      = (*elastic.Buffer).IsEmpty
	_ func(*elastic.Buffer, int)                      = (*elastic.Buffer).Reset
	_ func(*elastic.Buffer)                           = (*elastic.Buffer).Release

	_ func(*elastic.RingBuffer)                           = (*elastic.RingBuffer).Done
	_ func(*elastic.RingBuffer, int) ([]byte, []byte)     = (*elastic.RingBuffer).Peek
	_ func(*elastic.RingBuffer, int) (int, error)         = (*elastic.RingBuffer).Discard
	_ func(*elastic.RingBuffer, []byte) (int, error)      = (*elastic.RingBuffer).Read
	_ func(*elastic.RingBuffer) (byte, error)             = (*elastic.RingBuffer).ReadByte
	_ func(*elastic.RingBuffer, []byte) (int, error)      = (*elastic.RingBuffer).Write
	_ func(*elastic.RingBuffer, byte) error               = (*elastic.RingBuffer).WriteByte
	_ func(*elastic.RingBuffer, string) (int, error)      = (*elastic.RingBuffer).WriteString
	_ func(*elastic.RingBuffer, io.Reader) (int64, error) = (*elastic.RingBuffer).ReadFrom
	_ func(*elastic.RingBuffer, io.Writer) (int64, error) = (*elastic.RingBuffer).WriteTo
	_ func(*elastic.RingBuffer) int                       = (*elastic.RingBuffer).Buffered
	_ func(*elastic.RingBuffer) int                       = (*elastic.RingBuffer).Len
	_ func(*elastic.RingBuffer) int                       = (*elastic.RingBuffer).Cap
	_ func(*elastic.RingBuffer) int                       = (*elastic.RingBuffer).Available
	_ func(*elastic.RingBuffer) []byte                    = (*elastic.RingBuffer).Bytes
	_ func(*elastic.RingBuffer) bool                      = (*elastic.RingBuffer).IsFull
	_ func(*elastic.RingBuffer) bool                      = (*elastic.RingBuffer).IsEmpty
	_ func(*elastic.RingBuffer)                           = (*elastic.RingBuffer).Reset

	// The standard interfaces gnet's types satisfy.
	_ io.ReadWriter   = (*elastic.Buffer)(nil)
	_ io.ReaderFrom   = (*elastic.Buffer)(nil)
	_ io.WriterTo     = (*elastic.Buffer)(nil)
	_ io.ReadWriter   = (*elastic.RingBuffer)(nil)
	_ io.ByteReader   = (*elastic.RingBuffer)(nil)
	_ io.ByteWriter   = (*elastic.RingBuffer)(nil)
	_ io.StringWriter = (*elastic.RingBuffer)(nil)
	_ io.ReaderFrom   = (*elastic.RingBuffer)(nil)
	_ io.WriterTo     = (*elastic.RingBuffer)(nil)
)
