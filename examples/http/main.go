// Command http is an HTTP/1.1 server on reactor with keep-alive and pipelining. Its
// request parser (parse.go) works on the bytes the connection has buffered, so a
// request split over many reads waits in the Conn until it is complete.
//
//	go run ./examples/http -port 8080 -multicore
//	curl http://127.0.0.1:8080/plaintext
//
// With -tls it serves HTTPS instead, the TLS records handled on the event loops.
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reactorgo/reactor"
	"github.com/reactorgo/reactor/examples/internal/selfsigned"
)

// config is what the flags set; the tests build servers from it too.
type config struct {
	maxHeaderBytes int
	maxBodyBytes   int
}

type server struct {
	reactor.BuiltinEventEngine
	cfg  config
	date atomic.Pointer[[]byte] // the Date header's value, renewed by OnTick
	pool sync.Pool              // of *session, reused across connections
}

// session is the per-connection state, kept as the Conn's context.
type session struct {
	parser    Parser
	continued bool   // "100 Continue" already sent for the current request
	out       []byte // scratch space for building a response
}

// jsonBody is the /json response. It is encoded once: the server's job here is to
// show the event loop, not to measure encoding/json.
var jsonBody = func() []byte {
	b, err := json.Marshal(struct {
		Message string `json:"message"`
	}{"Hello, World!"})
	if err != nil {
		panic(err)
	}
	return b
}()

var (
	plaintextBody = []byte("Hello, World!")
	continue100   = []byte("HTTP/1.1 100 Continue\r\n\r\n")
)

func newServer(cfg config) *server {
	s := &server{cfg: cfg}
	s.pool.New = func() any {
		return &session{parser: Parser{MaxHeaderBytes: cfg.maxHeaderBytes, MaxBodyBytes: cfg.maxBodyBytes}}
	}
	s.renewDate()
	return s
}

const dateFormat = "Mon, 02 Jan 2006 15:04:05 GMT" // RFC 9110 IMF-fixdate

func (s *server) renewDate() {
	b := time.Now().UTC().AppendFormat(make([]byte, 0, len(dateFormat)), dateFormat)
	s.date.Store(&b)
}

// OnTick renews the Date header once a second, so requests never format a time.
func (s *server) OnTick() (time.Duration, reactor.Action) {
	s.renewDate()
	return time.Second, reactor.None
}

func (s *server) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	c.SetContext(s.pool.Get())
	return nil, reactor.None
}

func (s *server) OnClose(c reactor.Conn, _ error) reactor.Action {
	if ss, ok := c.Context().(*session); ok {
		c.SetContext(nil)
		ss.parser.Reset()
		ss.continued = false
		s.pool.Put(ss)
	}
	return reactor.None
}

// OnTraffic answers every complete request buffered, in order (pipelining). A partial
// request stays in the Conn's buffer until the rest arrives.
func (s *server) OnTraffic(c reactor.Conn) reactor.Action {
	ss := c.Context().(*session)
	for {
		buf, _ := c.Peek(-1)
		if len(buf) == 0 {
			return reactor.None
		}
		n, err := ss.parser.Parse(buf)
		if err != nil {
			pe := err.(*ParseError)
			s.writeResponse(c, ss, pe.Status, "text/plain; charset=utf-8", "", []byte(pe.Reason+"\n"), false, false)
			return reactor.Close // the framing of what follows is lost
		}
		if n == 0 {
			req := &ss.parser.Request
			if ss.parser.HeadComplete() && req.ExpectContinue && !ss.continued {
				c.Write(continue100)
				ss.continued = true
			}
			return reactor.None
		}
		keepAlive := s.serve(c, ss, &ss.parser.Request)
		c.Discard(n)
		ss.continued = false
		if !keepAlive {
			return reactor.Close
		}
	}
}

// serve answers one request and reports whether the connection stays open.
func (s *server) serve(c reactor.Conn, ss *session, req *Request) bool {
	get := string(req.Method) == "GET"
	head := string(req.Method) == "HEAD"
	switch string(req.Path) {
	case "/plaintext":
		if get || head {
			s.writeResponse(c, ss, 200, "text/plain", "", plaintextBody, head, req.KeepAlive)
			return req.KeepAlive
		}
		return s.notAllowed(c, ss, req, "GET, HEAD")
	case "/json":
		if get || head {
			s.writeResponse(c, ss, 200, "application/json", "", jsonBody, head, req.KeepAlive)
			return req.KeepAlive
		}
		return s.notAllowed(c, ss, req, "GET, HEAD")
	case "/echo":
		if string(req.Method) == "POST" {
			s.writeResponse(c, ss, 200, "application/octet-stream", "", req.Body, false, req.KeepAlive)
			return req.KeepAlive
		}
		return s.notAllowed(c, ss, req, "POST")
	}
	s.writeResponse(c, ss, 404, "text/plain; charset=utf-8", "", []byte("not found\n"), head, req.KeepAlive)
	return req.KeepAlive
}

func (s *server) notAllowed(c reactor.Conn, ss *session, req *Request, allow string) bool {
	s.writeResponse(c, ss, 405, "text/plain; charset=utf-8", allow, []byte("method not allowed\n"),
		string(req.Method) == "HEAD", req.KeepAlive)
	return req.KeepAlive
}

// writeResponse queues a whole response with one Write. Responses to HTTP/1.0
// requests say HTTP/1.1 too, as RFC 9110 section 6.2 asks of a server; keep-alive for
// them is announced with "Connection: keep-alive".
func (s *server) writeResponse(c reactor.Conn, ss *session, status int, contentType, allow string,
	body []byte, omitBody, keepAlive bool) {
	out := append(ss.out[:0], "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	out = append(out, statusText(status)...)
	out = append(out, "\r\nServer: reactor\r\nDate: "...)
	out = append(out, *s.date.Load()...)
	out = append(out, "\r\nContent-Type: "...)
	out = append(out, contentType...)
	out = append(out, "\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	if allow != "" {
		out = append(out, "\r\nAllow: "...)
		out = append(out, allow...)
	}
	switch {
	case !keepAlive:
		out = append(out, "\r\nConnection: close"...)
	case ss.parser.Request.Minor == 0:
		out = append(out, "\r\nConnection: keep-alive"...)
	}
	out = append(out, "\r\n\r\n"...)
	inline := !omitBody && len(body) <= 4<<10 // small bodies join the head
	if inline {
		out = append(out, body...)
	}
	c.Write(out)
	if !omitBody && !inline {
		c.Write(body) // large: copied once, into the Conn, not into out first
	}
	ss.out = out[:0]
}

func statusText(status int) string {
	switch status {
	case 200:
		return "OK"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 417:
		return "Expectation Failed"
	case 431:
		return "Request Header Fields Too Large"
	case 501:
		return "Not Implemented"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Unknown"
}

// tlsConfig serves cert, announcing HTTP/1.1 by ALPN (a client offering h2 too, as
// curl does, then knows to speak HTTP/1.1).
func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
}

func main() {
	port := flag.Int("port", 8080, "TCP port to listen on")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	loops := flag.Int("loops", 0, "number of event loops (overrides -multicore when > 0)")
	maxHeader := flag.Int("max-header", defaultMaxHeaderBytes, "largest request head in bytes (431 beyond)")
	maxBody := flag.Int("max-body", defaultMaxBodyBytes, "largest request body in bytes (413 beyond)")
	useTLS := flag.Bool("tls", false, "serve HTTPS")
	certFile := flag.String("cert", "", "with -tls: PEM certificate file (default: a new self-signed one)")
	keyFile := flag.String("key", "", "with -tls: PEM private key file of -cert")
	flag.Parse()

	addr := fmt.Sprintf("tcp://:%d", *port)
	opts := []reactor.Option{
		reactor.WithMulticore(*multicore),
		reactor.WithNumEventLoop(*loops),
		reactor.WithTicker(true),
	}
	scheme := "http"
	if !*useTLS && (*certFile != "" || *keyFile != "") {
		log.Fatal("-cert and -key need -tls")
	}
	if *useTLS {
		cert, certPath, err := selfsigned.Load(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		if *certFile == "" {
			log.Printf("self-signed certificate for localhost and 127.0.0.1: %s", certPath)
			log.Printf("try: curl --cacert %s https://127.0.0.1:%d/plaintext", certPath, *port)
		}
		opts = append(opts, reactor.WithTLSConfig(tlsConfig(cert)))
		scheme = "https"
	}
	log.Printf("%s server on %s", scheme, addr)
	srv := newServer(config{maxHeaderBytes: *maxHeader, maxBodyBytes: *maxBody})
	err := reactor.Run(srv, addr, opts...)
	if err != nil {
		log.Fatal(err)
	}
}
