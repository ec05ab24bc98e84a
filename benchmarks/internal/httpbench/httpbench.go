// Package httpbench holds the HTTP plaintext logic shared by every benchmark
// server: a minimal request splitter that copes with pipelining and a fixed
// response. It is deliberately tiny so that the benchmark measures the network
// library, not the HTTP code; every server (reactor, gnet, net) runs exactly it.
package httpbench

import "bytes"

// Response is the fixed reply to every request: 200, Content-Length, no Date.
var Response = []byte("HTTP/1.1 200 OK\r\n" +
	"Server: reactor-bench\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"\r\n" +
	"Hello, World!")

// MaxBatch is the number of responses Batch can return in one slice.
const MaxBatch = 64

var batch = bytes.Repeat(Response, MaxBatch)

var crlfcrlf = []byte("\r\n\r\n")

// Split scans b for complete requests, each ending with an empty line
// ("\r\n\r\n"; requests carry no body). It returns the number of complete
// requests and the number of bytes they occupy; b[consumed:] is an incomplete
// request that must be kept until more bytes arrive.
func Split(b []byte) (requests, consumed int) {
	for {
		i := bytes.Index(b[consumed:], crlfcrlf)
		if i < 0 {
			return
		}
		consumed += i + len(crlfcrlf)
		requests++
	}
}

// Batch returns n responses (1 <= n <= MaxBatch) back to back in one slice.
// The slice is shared and read-only.
func Batch(n int) []byte {
	return batch[:n*len(Response)]
}
