// Command evserver is the benchmark server written once against the gnet v2
// API. Built with -tags gnet it runs on gnet v2.9.7, without it on reactor;
// lib_gnet.go / lib_reactor.go differ only in their import line and withTLS.
//
//	evserver -mode echo|http [-addr 127.0.0.1] [-port 9000] [-loops 1] [-tls]
//
// -tls serves the same handlers over TLS 1.3 with a self-signed ECDSA P-256
// certificate made at startup (internal/benchcert); only the reactor build has
// it, the gnet build refuses the flag.
//
// GOMAXPROCS is taken from the environment (Go's default behaviour).
package main

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime"

	"github.com/reactorgo/reactor/benchmarks/internal/benchcert"
	"github.com/reactorgo/reactor/benchmarks/internal/httpbench"
)

// echoServer writes back whatever it reads.
type echoServer struct {
	BuiltinEventEngine
}

func (s *echoServer) OnBoot(Engine) Action {
	ready()
	return None
}

func (s *echoServer) OnTraffic(c Conn) Action {
	buf, _ := c.Next(-1)
	if _, err := c.Write(buf); err != nil {
		return Close
	}
	return None
}

// httpServer answers every complete request in the inbound buffer with the
// fixed response, handling pipelined requests in one pass.
type httpServer struct {
	BuiltinEventEngine
}

func (s *httpServer) OnBoot(Engine) Action {
	ready()
	return None
}

func (s *httpServer) OnTraffic(c Conn) Action {
	buf, _ := c.Peek(-1)
	n, used := httpbench.Split(buf)
	if n == 0 {
		if len(buf) > 64<<10 { // no request terminator in 64 KiB: not our client
			return Close
		}
		return None
	}
	c.Discard(used)
	for n > 0 {
		k := min(n, httpbench.MaxBatch)
		if _, err := c.Write(httpbench.Batch(k)); err != nil {
			return Close
		}
		n -= k
	}
	return None
}

// libName is derived from the imported package so the two lib files stay
// identical but for their import line.
var libName = reflect.TypeOf(BuiltinEventEngine{}).PkgPath()

var (
	mode   = flag.String("mode", "echo", "echo or http")
	useTLS = flag.Bool("tls", false, "serve over TLS 1.3 (self-signed ECDSA P-256 certificate; reactor build only)")
)

func ready() {
	fmt.Printf("READY lib=%s mode=%s tls=%t pid=%d gomaxprocs=%d\n", libName, *mode, *useTLS, os.Getpid(), runtime.GOMAXPROCS(0))
}

func main() {
	addr := flag.String("addr", "127.0.0.1", "listen address")
	port := flag.Int("port", 9000, "listen port")
	loops := flag.Int("loops", 1, "number of event loops")
	flag.Parse()

	var h EventHandler
	switch *mode {
	case "echo":
		h = &echoServer{}
	case "http":
		h = &httpServer{}
	default:
		fmt.Fprintf(os.Stderr, "unknown -mode %q\n", *mode)
		os.Exit(2)
	}
	opts := []Option{
		withMulticore(*loops > 1),
		withNumEventLoop(*loops),
		withTCPNoDelay(TCPNoDelay),
	}
	if *useTLS {
		cfg, err := benchcert.Config()
		if err != nil {
			fmt.Fprintln(os.Stderr, "tls:", err)
			os.Exit(1)
		}
		opt, err := withTLS(cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "-tls:", err)
			os.Exit(2)
		}
		opts = append(opts, opt)
	}
	if err := run(h, fmt.Sprintf("tcp://%s:%d", *addr, *port), opts...); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}
