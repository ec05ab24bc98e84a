package buffer

import (
	"fmt"
	"testing"
)

// BenchmarkOutbound measures queueing a reply and sending it in one piece, the
// per-message work of a request/response server.
func BenchmarkOutbound(b *testing.B) {
	for _, size := range []int{64, 4 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("write+send/%dB", size), func(b *testing.B) {
			var (
				s Slab
				o Outbound
			)
			p := make([]byte, size)
			iov := make([][]byte, 0, 8)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				o.Write(&s, p)
				iov = o.Peek(iov[:0], 8)
				o.Discard(&s, o.Len())
			}
		})
	}
}
