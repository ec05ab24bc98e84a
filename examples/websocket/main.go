// Command websocket is a WebSocket echo and chat server on reactor, with the
// protocol work done by github.com/gobwas/ws: the upgrade, frame headers, header
// checks, unmasking and close codes. Everything is read from the bytes a connection
// has buffered, so the event loop never waits for a client.
//
//	go run ./examples/websocket -port 8090
//	open http://127.0.0.1:8090/        # a page that talks to /ws (echo) or /chat
package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/reactorgo/reactor"
)

//go:embed index.html
var indexHTML []byte

const (
	defaultMaxMessage = 1 << 20 // 1 MiB
	maxHandshake      = 8 << 10
)

type server struct {
	reactor.BuiltinEventEngine
	maxMessage int

	mu   sync.Mutex // chat members join and leave on every loop
	chat map[reactor.Conn]struct{}
}

func newServer(maxMessage int) *server {
	return &server{maxMessage: maxMessage, chat: make(map[reactor.Conn]struct{})}
}

// session is a connection's state, kept as its context.
type session struct {
	upgraded bool
	chat     bool // on /chat: messages go to every member

	// A fragmented message in progress: its opcode (0 when none) and payload so far.
	msgOp ws.OpCode
	msg   []byte

	// Scratch space reused for every frame header read and written.
	hdrIn  [ws.MaxHeaderSize]byte
	hdrOut [ws.MaxHeaderSize]byte
	reader bytes.Reader
}

func (s *server) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	c.SetContext(&session{})
	return nil, reactor.None
}

func (s *server) OnClose(c reactor.Conn, _ error) reactor.Action {
	if ss, _ := c.Context().(*session); ss != nil && ss.chat {
		s.mu.Lock()
		delete(s.chat, c)
		s.mu.Unlock()
	}
	return reactor.None
}

func (s *server) OnTraffic(c reactor.Conn) reactor.Action {
	ss := c.Context().(*session)
	if !ss.upgraded {
		done, action := s.handshake(c, ss)
		if !done || action != reactor.None {
			return action
		}
	}
	for {
		buf, _ := c.Peek(-1)
		n, action := s.frame(c, ss, buf)
		if n == 0 || action != reactor.None {
			return action
		}
		c.Discard(n)
	}
}

// handshake answers the HTTP request at the start of the buffer once its head is
// complete: the WebSocket upgrade on /ws and /chat, the page on /. It reports whether
// the connection is now a WebSocket.
func (s *server) handshake(c reactor.Conn, ss *session) (upgraded bool, action reactor.Action) {
	buf, _ := c.Peek(-1)
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		if len(buf) > maxHandshake {
			return false, httpError(c, http.StatusRequestHeaderFieldsTooLarge)
		}
		return false, reactor.None // wait for the rest of the head
	}
	head := buf[:end+4]
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
	if err != nil {
		return false, httpError(c, http.StatusBadRequest)
	}
	if !strings.EqualFold(req.Header.Get("Upgrade"), "websocket") {
		return false, s.serveHTTP(c, req)
	}
	switch req.URL.Path {
	case "/ws":
	case "/chat":
		ss.chat = true
	default:
		return false, httpError(c, http.StatusNotFound)
	}
	// ws.Upgrader reads the head again (from memory) and writes the 101 response, or
	// an HTTP error for a bad handshake, into the Conn.
	rw := struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(head), c}
	if _, err := (ws.Upgrader{}).Upgrade(rw); err != nil {
		return false, reactor.Close
	}
	c.Discard(len(head))
	ss.upgraded = true
	if ss.chat {
		s.mu.Lock()
		s.chat[c] = struct{}{}
		s.mu.Unlock()
	}
	return true, reactor.None
}

// serveHTTP answers a plain HTTP request: the page on /, 404 elsewhere. It closes
// the connection after the response, which keeps this part small.
func (s *server) serveHTTP(c reactor.Conn, req *http.Request) reactor.Action {
	if req.URL.Path != "/" {
		return httpError(c, http.StatusNotFound)
	}
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n", len(indexHTML))
	if req.Method != http.MethodHead {
		c.Write(indexHTML)
	}
	return reactor.Close
}

func httpError(c reactor.Conn, status int) reactor.Action {
	body := http.StatusText(status) + "\n"
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
	return reactor.Close
}

// frame handles the frame at the start of buf. It returns the frame's length once
// the whole frame is buffered (0 while it is not) and what to do with the connection.
func (s *server) frame(c reactor.Conn, ss *session, buf []byte) (int, reactor.Action) {
	size := headerSize(buf)
	if size == 0 || len(buf) < size {
		return 0, reactor.None
	}
	ss.reader.Reset(buf[:size])
	h, err := ws.ReadHeaderBuffer(&ss.reader, ss.hdrIn[:0])
	if err != nil {
		return 0, s.fail(c, ss, ws.StatusProtocolError, "bad frame header")
	}
	state := ws.StateServerSide
	if ss.msgOp != 0 {
		state = state.Set(ws.StateFragmented)
	}
	if err := ws.CheckHeader(h, state); err != nil {
		return 0, s.fail(c, ss, ws.StatusProtocolError, err.Error())
	}
	if h.Length < 0 { // a 64-bit length with its top bit set
		return 0, s.fail(c, ss, ws.StatusProtocolError, "bad frame length")
	}
	if !h.OpCode.IsControl() {
		sofar := 0
		if ss.msgOp != 0 {
			sofar = len(ss.msg)
		}
		if h.Length > int64(s.maxMessage-sofar) {
			return 0, s.fail(c, ss, ws.StatusMessageTooBig, "message too big")
		}
	}
	n := size + int(h.Length)
	if len(buf) < n {
		return 0, reactor.None // the payload is still arriving; it waits in the Conn
	}
	// The payload is unmasked in place: these bytes are discarded after this frame.
	payload := buf[size:n:n]
	ws.Cipher(payload, h.Mask, 0)

	switch h.OpCode {
	case ws.OpPing:
		s.writeFrame(c, ss, ws.OpPong, payload)
	case ws.OpPong:
		// Unsolicited pongs are allowed and ignored.
	case ws.OpClose:
		return n, s.closeHandshake(c, ss, payload)
	case ws.OpText, ws.OpBinary:
		if h.Fin {
			return n, s.message(c, ss, h.OpCode, payload) // unfragmented: no copy
		}
		ss.msgOp, ss.msg = h.OpCode, append(ss.msg[:0], payload...)
	case ws.OpContinuation:
		ss.msg = append(ss.msg, payload...)
		if h.Fin {
			op := ss.msgOp
			ss.msgOp = 0
			action := s.message(c, ss, op, ss.msg)
			if cap(ss.msg) > 64<<10 {
				ss.msg = nil // do not keep a big message's buffer for an idle conn
			}
			return n, action
		}
	}
	return n, reactor.None
}

// headerSize is the size of the frame header starting buf, 0 until its first two
// bytes are there (RFC 6455 section 5.2).
func headerSize(buf []byte) int {
	if len(buf) < 2 {
		return 0
	}
	size := 2
	switch buf[1] & 0x7f {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if buf[1]&0x80 != 0 {
		size += 4
	}
	return size
}

// message delivers a complete message: back to the sender on /ws, to every member
// on /chat.
func (s *server) message(c reactor.Conn, ss *session, op ws.OpCode, payload []byte) reactor.Action {
	if op == ws.OpText && !utf8.Valid(payload) {
		return s.fail(c, ss, ws.StatusInvalidFramePayloadData, "invalid UTF-8")
	}
	if !ss.chat {
		s.writeFrame(c, ss, op, payload)
		return reactor.None
	}
	// One frame for all members, written by each member's loop; nobody modifies it.
	frame := make([]byte, 0, ws.MaxHeaderSize+len(payload))
	w := bytes.NewBuffer(frame)
	ws.WriteHeader(w, ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))})
	w.Write(payload)
	frame = w.Bytes()
	s.mu.Lock()
	for member := range s.chat {
		member.AsyncWrite(frame, nil)
	}
	s.mu.Unlock()
	return reactor.None
}

// writeFrame writes one unfragmented, unmasked frame (servers never mask).
func (s *server) writeFrame(c reactor.Conn, ss *session, op ws.OpCode, payload []byte) {
	ws.WriteHeaderBuffer(c, ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))}, ss.hdrOut[:])
	c.Write(payload)
}

// closeHandshake answers the peer's close frame with one carrying the same code,
// then closes: reactor sends the frame before the FIN.
func (s *server) closeHandshake(c reactor.Conn, ss *session, payload []byte) reactor.Action {
	switch len(payload) {
	case 0:
		s.writeFrame(c, ss, ws.OpClose, nil)
		return reactor.Close
	case 1:
		return s.fail(c, ss, ws.StatusProtocolError, "close frame of one byte")
	}
	code, reason := ws.ParseCloseFrameData(payload)
	if err := ws.CheckCloseFrameData(code, reason); err != nil {
		return s.fail(c, ss, ws.StatusProtocolError, err.Error())
	}
	if !utf8.ValidString(reason) {
		return s.fail(c, ss, ws.StatusInvalidFramePayloadData, "invalid UTF-8 in close reason")
	}
	s.writeFrame(c, ss, ws.OpClose, payload[:2])
	return reactor.Close
}

// fail starts the close handshake for a protocol violation and closes, as RFC 6455
// section 7.1.7 asks.
func (s *server) fail(c reactor.Conn, ss *session, code ws.StatusCode, reason string) reactor.Action {
	s.writeFrame(c, ss, ws.OpClose, ws.NewCloseFrameBody(code, reason))
	return reactor.Close
}

func main() {
	port := flag.Int("port", 8090, "TCP port to listen on")
	maxMessage := flag.Int("max-message", defaultMaxMessage, "largest message accepted, in bytes (1009 beyond)")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	flag.Parse()

	addr := "tcp://:" + strconv.Itoa(*port)
	log.Printf("websocket server on %s: open http://127.0.0.1:%d/", addr, *port)
	if err := reactor.Run(newServer(*maxMessage), addr, reactor.WithMulticore(*multicore)); err != nil {
		log.Fatal(err)
	}
}
