// Command netserver runs the same echo and HTTP plaintext servers as evserver
// on the standard library: one goroutine per connection, bufio for reads.
//
//	netserver -mode echo|http [-addr 127.0.0.1] [-port 9000] [-loops 1]
//
// -loops is accepted for a uniform command line and ignored (the Go runtime
// schedules the goroutines; GOMAXPROCS comes from the environment).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"

	"github.com/reactorgo/reactor/benchmarks/internal/httpbench"
)

const readBufSize = 16 << 10

// echo writes back whatever bufio read from the socket in one fill.
func echo(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, readBufSize)
	for {
		if _, err := r.Peek(1); err != nil { // blocks until one read has filled the buffer
			return
		}
		buf, _ := r.Peek(r.Buffered())
		if _, err := c.Write(buf); err != nil {
			return
		}
		r.Discard(len(buf))
	}
}

// serveHTTP answers every complete request buffered so far in one write.
func serveHTTP(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, readBufSize)
	for {
		if _, err := r.Peek(r.Buffered() + 1); err != nil { // read more bytes
			return
		}
		buf, _ := r.Peek(r.Buffered())
		n, used := httpbench.Split(buf)
		r.Discard(used)
		for n > 0 {
			k := min(n, httpbench.MaxBatch)
			if _, err := c.Write(httpbench.Batch(k)); err != nil {
				return
			}
			n -= k
		}
	}
}

func main() {
	mode := flag.String("mode", "echo", "echo or http")
	addr := flag.String("addr", "127.0.0.1", "listen address")
	port := flag.Int("port", 9000, "listen port")
	flag.Int("loops", 1, "ignored (goroutine per connection)")
	flag.Parse()

	var serve func(net.Conn)
	switch *mode {
	case "echo":
		serve = echo
	case "http":
		serve = serveHTTP
	default:
		fmt.Fprintf(os.Stderr, "unknown -mode %q\n", *mode)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", *addr, *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Printf("READY lib=net mode=%s pid=%d gomaxprocs=%d\n", *mode, os.Getpid(), runtime.GOMAXPROCS(0))
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			continue
		}
		go serve(c)
	}
}
