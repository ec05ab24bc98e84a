// Command netserver runs the same echo and HTTP plaintext servers as evserver
// on the standard library: one goroutine per connection, bufio for reads.
//
//	netserver -mode echo|http [-addr 127.0.0.1] [-port 9000] [-loops 1] [-tls]
//
// -tls wraps the listener in crypto/tls (tls.NewListener) with the same
// configuration as evserver -tls (internal/benchcert: TLS 1.3, self-signed
// ECDSA P-256); the handlers are unchanged and see plaintext.
//
// -loops is accepted for a uniform command line and ignored (the Go runtime
// schedules the goroutines; GOMAXPROCS comes from the environment).
package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/reactorgo/reactor/benchmarks/internal/benchcert"
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

// handshakeFailures counts failed TLS handshakes; the first few are logged,
// as reactor logs its own.
var handshakeFailures atomic.Int64

// handle runs serve on c; with -tls the handshake is done first (serve's
// first read would do it anyway) so that a failure shows up in the log.
func handle(c net.Conn, serve func(net.Conn)) {
	if tc, ok := c.(*tls.Conn); ok {
		if err := tc.Handshake(); err != nil {
			if handshakeFailures.Add(1) <= 5 {
				fmt.Fprintf(os.Stderr, "tls handshake with %v: %v\n", c.RemoteAddr(), err)
			}
			c.Close()
			return
		}
	}
	serve(c)
}

func main() {
	mode := flag.String("mode", "echo", "echo or http")
	addr := flag.String("addr", "127.0.0.1", "listen address")
	port := flag.Int("port", 9000, "listen port")
	flag.Int("loops", 1, "ignored (goroutine per connection)")
	useTLS := flag.Bool("tls", false, "serve over TLS 1.3 (crypto/tls, self-signed ECDSA P-256 certificate)")
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
	if *useTLS {
		cfg, err := benchcert.Config()
		if err != nil {
			fmt.Fprintln(os.Stderr, "tls:", err)
			os.Exit(1)
		}
		ln = tls.NewListener(ln, cfg)
	}
	fmt.Printf("READY lib=net mode=%s tls=%t pid=%d gomaxprocs=%d\n", *mode, *useTLS, os.Getpid(), runtime.GOMAXPROCS(0))
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			continue
		}
		go handle(c, serve)
	}
}
