//go:build amd64 || arm64 || riscv64 || ppc64 || ppc64le || s390x || loong64 || mips64 || mips64le

package reactor

import (
	"testing"
	"unsafe"

	"github.com/reactorgo/reactor/internal/buffer"
	"github.com/reactorgo/reactor/internal/socket"
)

// TestConnSize: every connection is one conn, so its size is the memory of an idle
// connection; 192 bytes is a Go size class, and one field more would round the
// allocation up to the next (208). Move rarely used state to connExtra instead.
// The limits are for 64-bit words, hence the build tag.
func TestConnSize(t *testing.T) {
	for _, s := range []struct {
		name       string
		got, limit uintptr
	}{
		{"conn", unsafe.Sizeof(conn{}), 192},
		{"buffer.Outbound", unsafe.Sizeof(buffer.Outbound{}), 40},
		{"socket.Peer", unsafe.Sizeof(socket.Peer{}), 20},
	} {
		if s.got > s.limit {
			t.Errorf("%s is %d bytes, more than %d", s.name, s.got, s.limit)
		}
	}
}
