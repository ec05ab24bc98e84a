package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"

	"github.com/reactorgo/reactor"
)

func startWS(t testing.TB, maxMessage int) string {
	t.Helper()
	return startServer(t, newServer(maxMessage), reactor.WithNumEventLoop(2))
}

// dialWS connects github.com/coder/websocket's client, an implementation this
// project did not write, with its own transport so that no idle connection
// outlives the test.
func dialWS(t testing.TB, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	c.SetReadLimit(4 << 20)
	return c
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	t.Cleanup(cancel)
	return ctx
}

// TestEcho sends text, binary, fragmented and 1 MiB messages through the echo
// endpoint, answers a ping, and ends with a clean close handshake.
func TestEcho(t *testing.T) {
	addr := startWS(t, defaultMaxMessage)
	ctx := testContext(t)
	c := dialWS(t, ctx, "ws://"+addr+"/ws")

	roundTrip := func(typ websocket.MessageType, msg []byte) {
		t.Helper()
		if err := c.Write(ctx, typ, msg); err != nil {
			t.Fatalf("write: %v", err)
		}
		gotType, got, err := c.Read(ctx)
		if err != nil || gotType != typ || !bytes.Equal(got, msg) {
			t.Fatalf("echo of a %v message of %d bytes: %v message of %d bytes, %v", typ, len(msg), gotType, len(got), err)
		}
	}
	roundTrip(websocket.MessageText, []byte("hello, reactor"))
	roundTrip(websocket.MessageText, []byte("ünïcödé ✓"))
	roundTrip(websocket.MessageBinary, []byte{0, 1, 2, 0xff, 0xfe})
	roundTrip(websocket.MessageText, nil)
	big := make([]byte, 1<<20) // exactly the limit, in one frame
	for i := range big {
		big[i] = byte(i * 7)
	}
	roundTrip(websocket.MessageBinary, big)

	// A fragmented message: every Write on the Writer is a frame of its own.
	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"frag", "mented ", "message"} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if typ, got, err := c.Read(ctx); err != nil || typ != websocket.MessageText || string(got) != "fragmented message" {
		t.Fatalf("fragmented echo: %v %q %v", typ, got, err)
	}
	// A 1 MiB message in 16 fragments.
	w, err = c.Writer(ctx, websocket.MessageBinary)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(big); i += 64 << 10 {
		if _, err := w.Write(big[i : i+64<<10]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("fragmented 1 MiB echo: %d bytes, %v", len(got), err)
	}

	// Ping waits for the pong, which the client reads while a Read is pending.
	readCtx := c.CloseRead(ctx)
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	// Close sends a close frame and waits for the server's.
	if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close handshake: %v", err)
	}
	<-readCtx.Done()
}

// TestMessageTooBig: a message over the limit, even in fragments, is answered
// with close code 1009.
func TestMessageTooBig(t *testing.T) {
	addr := startWS(t, 1000)
	ctx := testContext(t)
	for _, fragmented := range []bool{false, true} {
		c := dialWS(t, ctx, "ws://"+addr+"/ws")
		msg := make([]byte, 1001)
		if fragmented {
			w, _ := c.Writer(ctx, websocket.MessageBinary)
			w.Write(msg[:600])
			w.Write(msg[600:])
			w.Close()
		} else {
			c.Write(ctx, websocket.MessageBinary, msg)
		}
		_, _, err := c.Read(ctx)
		if code := websocket.CloseStatus(err); code != websocket.StatusMessageTooBig {
			t.Fatalf("fragmented=%v: read error %v, want close code 1009", fragmented, err)
		}
	}
}

// TestChat: a message sent on /chat reaches every member, the sender included.
func TestChat(t *testing.T) {
	addr := startWS(t, defaultMaxMessage)
	ctx := testContext(t)
	members := []*websocket.Conn{
		dialWS(t, ctx, "ws://"+addr+"/chat"),
		dialWS(t, ctx, "ws://"+addr+"/chat"),
		dialWS(t, ctx, "ws://"+addr+"/chat"),
	}
	echo := dialWS(t, ctx, "ws://"+addr+"/ws") // not a member
	if err := members[1].Write(ctx, websocket.MessageText, []byte("hi all")); err != nil {
		t.Fatal(err)
	}
	for i, m := range members {
		if _, got, err := m.Read(ctx); err != nil || string(got) != "hi all" {
			t.Fatalf("member %d read %q, %v", i, got, err)
		}
	}
	// The echo client got nothing: its next message comes straight back.
	echo.Write(ctx, websocket.MessageText, []byte("just me"))
	if _, got, err := echo.Read(ctx); err != nil || string(got) != "just me" {
		t.Fatalf("echo client read %q, %v", got, err)
	}
	for _, m := range append(members, echo) {
		if err := m.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
}

// rawClient speaks the protocol by hand, for frames no client library sends.
func rawClient(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, bootTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(clientTimeout))
	if _, _, err := (ws.Dialer{}).Upgrade(conn, mustURL(t, "ws://"+addr+"/ws")); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return conn
}

// TestProtocolErrors: frames that break RFC 6455 get a close frame with the right
// code, then the connection ends.
func TestProtocolErrors(t *testing.T) {
	addr := startWS(t, defaultMaxMessage)
	masked := func(h ws.Header, payload []byte) []byte {
		h.Masked, h.Mask, h.Length = true, ws.NewMask(), int64(len(payload))
		var b bytes.Buffer
		ws.WriteHeader(&b, h)
		p := bytes.Clone(payload)
		ws.Cipher(p, h.Mask, 0)
		b.Write(p)
		return b.Bytes()
	}
	for _, tc := range []struct {
		name string
		in   []byte
		code ws.StatusCode
	}{
		{"unmasked frame", []byte{0x81, 0x02, 'h', 'i'}, ws.StatusProtocolError},
		{"invalid UTF-8", masked(ws.Header{Fin: true, OpCode: ws.OpText}, []byte{0xff, 0xfe}), ws.StatusInvalidFramePayloadData},
		{"continuation first", masked(ws.Header{Fin: true, OpCode: ws.OpContinuation}, []byte("x")), ws.StatusProtocolError},
		{"fragmented ping", masked(ws.Header{OpCode: ws.OpPing}, nil), ws.StatusProtocolError},
		{"reserved bits", masked(ws.Header{Fin: true, Rsv: 4, OpCode: ws.OpText}, []byte("x")), ws.StatusProtocolError},
		{"close code 1005", masked(ws.Header{Fin: true, OpCode: ws.OpClose}, []byte{0x03, 0xed}), ws.StatusProtocolError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := rawClient(t, addr)
			if _, err := conn.Write(tc.in); err != nil {
				t.Fatal(err)
			}
			reply, err := io.ReadAll(conn) // to the server's FIN
			if err != nil {
				t.Fatal(err)
			}
			f, err := ws.ReadFrame(bytes.NewReader(reply))
			if err != nil || f.Header.OpCode != ws.OpClose {
				t.Fatalf("reply %q: %v, want a close frame", reply, err)
			}
			if code, _ := ws.ParseCloseFrameData(f.Payload); code != tc.code {
				t.Fatalf("close code %d, want %d", code, tc.code)
			}
		})
	}
}

// TestSplitFrames: a ping and a masked text message written a byte at a time are
// answered once complete.
func TestSplitFrames(t *testing.T) {
	addr := startWS(t, defaultMaxMessage)
	conn := rawClient(t, addr)
	var in bytes.Buffer
	for _, f := range []ws.Frame{ws.NewPingFrame([]byte("p")), ws.NewTextFrame([]byte("slowly"))} {
		ws.WriteFrame(&in, ws.MaskFrame(f))
	}
	for _, b := range in.Bytes() {
		conn.Write([]byte{b})
		time.Sleep(time.Millisecond)
	}
	for _, want := range []ws.Frame{ws.NewPongFrame([]byte("p")), ws.NewTextFrame([]byte("slowly"))} {
		f, err := ws.ReadFrame(conn)
		if err != nil || f.Header.OpCode != want.Header.OpCode || !bytes.Equal(f.Payload, want.Payload) {
			t.Fatalf("got %+v %q, %v; want %v %q", f.Header, f.Payload, err, want.Header.OpCode, want.Payload)
		}
	}
}

// TestPage: the page is served on /, and anything else that is not an upgrade
// gets 404 (curl as the client).
func TestPage(t *testing.T) {
	addr := startWS(t, defaultMaxMessage)
	out, _ := mustRun(t, nil, "curl", "-sS", "http://"+addr+"/")
	if !bytes.Equal([]byte(out), indexHTML) {
		t.Fatalf("GET / returned %d bytes, not the page", len(out))
	}
	out, _ = mustRun(t, nil, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://"+addr+"/nope")
	if out != "404" {
		t.Fatalf("GET /nope: %s", out)
	}
	// An upgrade request without a key: gobwas/ws rejects it with 400.
	out, _ = mustRun(t, nil, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
		"-H", "Upgrade: websocket", "-H", "Connection: Upgrade", "http://"+addr+"/ws")
	if out != "400" {
		t.Fatalf("bad upgrade: %s", out)
	}
}

// TestChromium opens the page in headless Chromium: the page connects to /ws,
// sends ?send=..., and shows the echo, which --dump-dom prints once the page has
// settled (--virtual-time-budget lets the page's network work finish first).
func TestChromium(t *testing.T) {
	addr := startWS(t, defaultMaxMessage)
	browser := "chromium"
	if _, err := exec.LookPath(browser); err != nil {
		browser = "chromium-browser" // Ubuntu's name; run fails the test if neither exists
	}
	profile := t.TempDir()
	out, errOut, err := run(t, nil, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir="+profile, "--virtual-time-budget=10000", "--dump-dom",
		"http://"+addr+"/?send=hello%20from%20chromium")
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, errOut)
	}
	for _, want := range []string{
		`<span id="status">open</span>`,
		`<span id="reply">hello from chromium</span>`,
		"received: hello from chromium",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("the page has no %q:\n%s\nchromium's stderr:\n%s", want, out, errOut)
		}
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
