package bytebuffer_test

import (
	"testing"

	"github.com/valyala/bytebufferpool"

	"github.com/reactorgo/reactor/pkg/pool/bytebuffer"
)

// These assignments pin the exported API to gnet v2.9.7's pkg/pool/bytebuffer.
// Assigning to Get and Put also proves they stay variables, as in gnet.
var (
	_ func() *bytebuffer.ByteBuffer = bytebuffer.Get
	_ func(*bytebuffer.ByteBuffer)  = bytebuffer.Put
	_ *bytebufferpool.ByteBuffer    = (*bytebuffer.ByteBuffer)(nil)
)

// Never called: it only has to compile, which it does while Get and Put are
// assignable variables.
func _() {
	bytebuffer.Get = bytebufferpool.Get
	bytebuffer.Put = bytebufferpool.Put
}

func TestGetPut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
	}{
		{name: "empty", content: ""},
		{name: "short", content: "hello"},
		{name: "long", content: string(make([]byte, 10000))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := bytebuffer.Get()
			if b.Len() != 0 {
				t.Fatalf("Get returned a buffer holding %d bytes", b.Len())
			}
			if _, err := b.WriteString(tt.content); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.content {
				t.Fatalf("buffer holds %q, want %q", b.String(), tt.content)
			}
			bytebuffer.Put(b)
		})
	}
}

func TestPutNil(t *testing.T) {
	t.Parallel()
	bytebuffer.Put(nil) // must not panic
}
