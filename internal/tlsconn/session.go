// Package tlsconn runs a crypto/tls connection for an event loop, which must never
// block.
//
// The handshake is blocking by nature (and may do expensive public-key work), so it
// runs on a goroutine of its own against an in-memory transport: the loop feeds it the
// peer's bytes with Feed, and the handshake's output goes to an asynchronous sink
// that hands it to the loop. Once the handshake is over the session switches to loop
// mode: Decrypt and Encrypt run on the loop, the transport never blocks (an empty
// input gives crypto/tls a temporary error, which it reports without poisoning the
// connection), and output goes to a synchronous sink straight into the connection's
// outbound queue. Decrypt only asks crypto/tls for more once a whole record has
// arrived, so a record split across reads is simply waited for.
package tlsconn

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Session is one TLS connection.
type Session struct {
	conn *tls.Conn
	tr   *transport
}

// NewServer starts a server-side session; output before LoopMode goes to async.
func NewServer(cfg *tls.Config, async func([]byte)) *Session {
	tr := newTransport(async)
	return &Session{conn: tls.Server(tr, cfg), tr: tr}
}

// NewClient starts a client-side session.
func NewClient(cfg *tls.Config, async func([]byte)) *Session {
	tr := newTransport(async)
	return &Session{conn: tls.Client(tr, cfg), tr: tr}
}

// Handshake runs the handshake, blocking until it completes, fails, times out or
// Close is called. Call it on a goroutine of its own.
func (s *Session) Handshake(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.conn.HandshakeContext(ctx)
}

// Feed adds bytes received from the peer. Any goroutine.
func (s *Session) Feed(p []byte) { s.tr.feed(p) }

// Fed reports whether the peer has sent anything at all.
func (s *Session) Fed() bool {
	s.tr.mu.Lock()
	defer s.tr.mu.Unlock()
	return s.tr.fed
}

// LoopMode switches a session whose handshake succeeded to running on the loop:
// output goes to sync from now on, called on the caller's goroutine.
func (s *Session) LoopMode(sync func([]byte)) {
	s.tr.mu.Lock()
	s.tr.loop, s.tr.sink = true, sync
	s.tr.mu.Unlock()
}

// Decrypt appends the plaintext of every whole record received so far to dst,
// reading until the transport runs dry: crypto/tls may have pulled several records
// into its own buffer, and a record still incomplete just waits for the next Feed.
// eof reports the peer's close_notify. scratch should hold a whole record's
// plaintext (16 KiB). Loop mode only.
func (s *Session) Decrypt(dst, scratch []byte) (out []byte, eof bool, err error) {
	for {
		n, err := s.conn.Read(scratch)
		dst = append(dst, scratch[:n]...)
		switch {
		case err == nil && n > 0:
		case err == nil, errors.Is(err, errWouldBlock):
			return dst, false, nil
		case errors.Is(err, io.EOF):
			return dst, true, nil
		default:
			return dst, false, err
		}
	}
}

// MaxPlaintext is the most plaintext one record carries (RFC 8446, 5.1).
const MaxPlaintext = 16 << 10

// Encrypt writes p as TLS records to the sink. Loop mode only.
func (s *Session) Encrypt(p []byte) error {
	_, err := s.conn.Write(p)
	return err
}

// CloseNotify sends the close_notify alert. Loop mode only.
func (s *Session) CloseNotify() error { return s.conn.CloseWrite() }

// State reports the negotiated parameters.
func (s *Session) State() tls.ConnectionState { return s.conn.ConnectionState() }

// Close makes a blocked Handshake return. Any goroutine.
func (s *Session) Close() { s.tr.Close() }

// errWouldBlock is what the transport's Read says when a loop-mode session has no
// input: temporary, so crypto/tls does not treat it as the end of the connection.
var errWouldBlock = &wouldBlock{}

type wouldBlock struct{}

func (*wouldBlock) Error() string   { return "tlsconn: no input yet" }
func (*wouldBlock) Timeout() bool   { return false }
func (*wouldBlock) Temporary() bool { return true }

// transport is the net.Conn under crypto/tls.
type transport struct {
	mu     sync.Mutex
	cond   sync.Cond
	in     []byte // received, not yet read by crypto/tls
	loop   bool   // loop mode: never block
	closed bool
	fed    bool // some input ever arrived
	sink   func([]byte)
}

func newTransport(async func([]byte)) *transport {
	t := &transport{sink: async}
	t.cond.L = &t.mu
	return t
}

func (t *transport) feed(p []byte) {
	t.mu.Lock()
	t.in = append(t.in, p...)
	t.fed = t.fed || len(p) > 0
	t.mu.Unlock()
	t.cond.Signal()
}

func (t *transport) Read(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.in) == 0 {
		switch {
		case t.closed:
			return 0, net.ErrClosed
		case t.loop:
			return 0, errWouldBlock
		}
		t.cond.Wait()
	}
	n := copy(p, t.in)
	t.in = t.in[:copy(t.in, t.in[n:])]
	return n, nil
}

// Write hands output to the sink; crypto/tls may reuse p afterwards, and the sink
// copies it.
func (t *transport) Write(p []byte) (int, error) {
	t.mu.Lock()
	sink, closed := t.sink, t.closed
	t.mu.Unlock()
	if closed {
		return 0, net.ErrClosed
	}
	sink(p)
	return len(p), nil
}

func (t *transport) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.cond.Broadcast()
	return nil
}

func (t *transport) LocalAddr() net.Addr              { return pipeAddr{} }
func (t *transport) RemoteAddr() net.Addr             { return pipeAddr{} }
func (t *transport) SetDeadline(time.Time) error      { return nil }
func (t *transport) SetReadDeadline(time.Time) error  { return nil }
func (t *transport) SetWriteDeadline(time.Time) error { return nil }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "reactor-tls" }
func (pipeAddr) String() string  { return "reactor-tls" }
