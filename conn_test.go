package reactor_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	gnet "github.com/reactorgo/reactor"
	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// sendConn is an OnOpen that hands each new conn to the test.
func sendConn(ch chan<- gnet.Conn) func(c gnet.Conn) ([]byte, gnet.Action) {
	return func(c gnet.Conn) ([]byte, gnet.Action) {
		ch <- c
		return nil, gnet.None
	}
}

// readString reads exactly n bytes from conn.
func readString(t testing.TB, conn net.Conn, n int) string {
	t.Helper()
	buf := make([]byte, n)
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatalf("read %d bytes: %v (got %q)", n, err, buf)
	}
	return string(buf)
}

func write(t testing.TB, conn net.Conn, s string) {
	t.Helper()
	if _, err := conn.Write([]byte(s)); err != nil {
		t.Fatalf("write %q: %v", s, err)
	}
}

// TestAsyncWriteFromGoroutines: AsyncWrite and AsyncWritev from many goroutines keep
// each goroutine's order, and every callback runs once with a nil error.
func TestAsyncWriteFromGoroutines(t *testing.T) {
	t.Parallel()
	const writers, perWriter, msgLen = 8, 200, 16
	conns := make(chan gnet.Conn, 1)
	s := startTCP(t, &hooks{open: sendConn(conns)})
	client := s.dial(t)
	c := recv(t, conns, waitTimeout, "OnOpen")

	var okCalls, errCalls atomic.Int64
	callback := func(_ gnet.Conn, err error) error {
		if err != nil {
			errCalls.Add(1)
		} else {
			okCalls.Add(1)
		}
		return nil
	}
	runClients(t, writers, ioTimeout, func(w int) error {
		for seq := range perWriter {
			msg := make([]byte, msgLen) // never reused: the engine may hold it until the callback
			binary.BigEndian.PutUint32(msg[0:], uint32(w))
			binary.BigEndian.PutUint32(msg[4:], uint32(seq))
			copy(msg[8:], "payload!")
			var err error
			if seq%2 == 0 {
				err = c.AsyncWrite(msg, callback)
			} else {
				err = c.AsyncWritev([][]byte{msg[:3], msg[3:11], {}, msg[11:]}, callback)
			}
			if err != nil {
				return fmt.Errorf("writer %d, message %d: %w", w, seq, err)
			}
		}
		return nil
	})

	got := make([]byte, writers*perWriter*msgLen)
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatalf("read async writes: %v", err)
	}
	next := make([]uint32, writers)
	for off := 0; off < len(got); off += msgLen {
		msg := got[off : off+msgLen]
		w, seq := binary.BigEndian.Uint32(msg[0:]), binary.BigEndian.Uint32(msg[4:])
		if w >= writers || string(msg[8:]) != "payload!" {
			t.Fatalf("corrupt message at offset %d: %x", off, msg)
		}
		if seq != next[w] {
			t.Fatalf("writer %d: message %d arrived when %d was due (order not preserved)", w, seq, next[w])
		}
		next[w]++
	}
	waitFor(t, waitTimeout, "all AsyncWrite callbacks", func() bool { return okCalls.Load()+errCalls.Load() == writers*perWriter })
	if n := errCalls.Load(); n != 0 {
		t.Errorf("%d AsyncWrite callbacks got an error", n)
	}
}

// TestWakeTriggersTraffic: Wake fires OnTraffic with nothing buffered (so Read gives
// io.ErrShortBuffer) and runs its callback with a nil error.
func TestWakeTriggersTraffic(t *testing.T) {
	t.Parallel()
	type wakeObs struct {
		inbound, n int
		err        error
	}
	conns := make(chan gnet.Conn, 1)
	woken := make(chan wakeObs, 1)
	s := startTCP(t, &hooks{
		open: sendConn(conns),
		traffic: func(c gnet.Conn) gnet.Action {
			obs := wakeObs{inbound: c.InboundBuffered()}
			obs.n, obs.err = c.Read(make([]byte, 8))
			woken <- obs
			_, _ = c.Write([]byte("woken"))
			return gnet.None
		},
	})
	client := s.dial(t)
	c := recv(t, conns, waitTimeout, "OnOpen")
	cbErr := make(chan error, 1)
	if err := c.Wake(func(_ gnet.Conn, err error) error { cbErr <- err; return nil }); err != nil {
		t.Fatalf("Wake: %v", err)
	}
	obs := recv(t, woken, waitTimeout, "OnTraffic after Wake")
	if obs.inbound != 0 || obs.n != 0 || !errors.Is(obs.err, io.ErrShortBuffer) {
		t.Errorf("in OnTraffic after Wake: InboundBuffered %d, Read = (%d, %v); want 0, (0, io.ErrShortBuffer)", obs.inbound, obs.n, obs.err)
	}
	if err := recv(t, cbErr, waitTimeout, "Wake callback"); err != nil {
		t.Errorf("Wake callback error: %v", err)
	}
	if got := readString(t, client, 5); got != "woken" {
		t.Errorf("client read %q, want %q", got, "woken")
	}
}

// TestConnReaderMethods pins Next/Peek/Discard/Read/WriteTo/InboundBuffered. The
// client sends one message per step and waits for "ok"; the handler records what
// it saw and the test compares on its own goroutine.
func TestConnReaderMethods(t *testing.T) {
	t.Parallel()
	show := func(buf []byte, err error) string { return fmt.Sprintf("%q %v", buf, err) }
	steps := []struct {
		msg     string
		observe func(c gnet.Conn, got map[string]string)
	}{
		{msg: "0123456789abcdef", observe: func(c gnet.Conn, got map[string]string) {
			got["Peek(17)"] = show(c.Peek(17))
			got["Next(17)"] = show(c.Next(17))
			got["Peek(0)"] = show(c.Peek(0))
			got["Peek(-1)"] = show(c.Peek(-1))
			got["Peek(4)"] = show(c.Peek(4))
			got["Next(4)"] = show(c.Next(4))
			got["InboundBuffered after Next(4)"] = fmt.Sprint(c.InboundBuffered())
			n, err := c.Discard(2)
			got["Discard(2)"] = fmt.Sprint(n, err)
			got["Peek(2) after Discard(2)"] = show(c.Peek(2))
			p := make([]byte, 3)
			n, err = c.Read(p)
			got["Read(3)"] = fmt.Sprint(show(p[:n], err), " n=", n)
			var w bytes.Buffer
			m, err := c.WriteTo(&w)
			got["WriteTo"] = fmt.Sprint(show(w.Bytes(), err), " n=", m)
			got["InboundBuffered after WriteTo"] = fmt.Sprint(c.InboundBuffered())
			n, err = c.Read(p)
			got["Read on empty"] = fmt.Sprint(n, " ", err)
			got["Next(-1) on empty"] = show(c.Next(-1))
		}},
		{msg: "ABCDEFGH", observe: func(c gnet.Conn, got map[string]string) {
			n, err := c.Discard(100)
			got["Discard(100) of 8"] = fmt.Sprint(n, err)
			got["InboundBuffered after Discard(100)"] = fmt.Sprint(c.InboundBuffered())
		}},
		{msg: "ij", observe: func(c gnet.Conn, got map[string]string) {
			n, err := c.Discard(0)
			got["Discard(0) of 2"] = fmt.Sprint(n, err)
		}},
		{msg: "klm", observe: func(c gnet.Conn, got map[string]string) {
			n, err := c.Discard(-1)
			got["Discard(-1) of 3"] = fmt.Sprint(n, err)
			got["InboundBuffered after Discard(-1)"] = fmt.Sprint(c.InboundBuffered())
		}},
	}
	want := map[string]string{
		"Peek(17)":                           `"" short buffer`,
		"Next(17)":                           `"" short buffer`,
		"Peek(0)":                            `"0123456789abcdef" <nil>`,
		"Peek(-1)":                           `"0123456789abcdef" <nil>`,
		"Peek(4)":                            `"0123" <nil>`,
		"Next(4)":                            `"0123" <nil>`,
		"InboundBuffered after Next(4)":      "12",
		"Discard(2)":                         "2 <nil>",
		"Peek(2) after Discard(2)":           `"67" <nil>`,
		"Read(3)":                            `"678" <nil> n=3`,
		"WriteTo":                            `"9abcdef" <nil> n=7`,
		"InboundBuffered after WriteTo":      "0",
		"Read on empty":                      "0 short buffer",
		"Next(-1) on empty":                  `"" <nil>`,
		"Discard(100) of 8":                  "8 <nil>",
		"InboundBuffered after Discard(100)": "0",
		"Discard(0) of 2":                    "2 <nil>",
		"Discard(-1) of 3":                   "3 <nil>",
		"InboundBuffered after Discard(-1)":  "0",
	}

	results := make(chan map[string]string, 1)
	got := map[string]string{} // touched only on the loop goroutine until sent
	step := 0
	s := startTCP(t, &hooks{traffic: func(c gnet.Conn) gnet.Action {
		if step >= len(steps) || c.InboundBuffered() < len(steps[step].msg) {
			return gnet.None // wait for the whole message
		}
		steps[step].observe(c, got)
		if step++; step == len(steps) {
			results <- got
		}
		_, _ = c.Write([]byte("ok"))
		return gnet.None
	}})
	client := s.dial(t)
	for _, st := range steps {
		write(t, client, st.msg)
		if ack := readString(t, client, 2); ack != "ok" {
			t.Fatalf("ack %q", ack)
		}
	}
	obs := recv(t, results, waitTimeout, "observations")
	for name, w := range want {
		if obs[name] != w {
			t.Errorf("%s = %s, want %s", name, obs[name], w)
		}
	}
}

// TestConnWriterMethods: Write, Writev, ReadFrom and Flush from OnTraffic arrive in
// order; SendTo is unsupported on TCP.
func TestConnWriterMethods(t *testing.T) {
	t.Parallel()
	results := make(chan string, 1)
	s := startTCP(t, &hooks{traffic: func(c gnet.Conn) gnet.Action {
		if c.InboundBuffered() < 2 {
			return gnet.None // wait for the whole "go"
		}
		_, _ = c.Discard(-1)
		var obs []string
		n, err := c.Write([]byte("a"))
		obs = append(obs, fmt.Sprint("Write ", n, " ", err))
		n, err = c.Writev([][]byte{[]byte("bc"), nil, []byte("d")})
		obs = append(obs, fmt.Sprint("Writev ", n, " ", err))
		m, err := c.ReadFrom(strings.NewReader("efg"))
		obs = append(obs, fmt.Sprint("ReadFrom ", m, " ", err))
		obs = append(obs, fmt.Sprint("Flush ", c.Flush()))
		obs = append(obs, fmt.Sprint("OutboundBuffered after Flush ", c.OutboundBuffered()))
		_, err = c.SendTo([]byte("x"), c.RemoteAddr())
		obs = append(obs, fmt.Sprint("SendTo unsupported ", errors.Is(err, rerrors.ErrUnsupportedOp)))
		results <- strings.Join(obs, "; ")
		return gnet.None
	}})
	client := s.dial(t)
	write(t, client, "go")
	want := "Write 1 <nil>; Writev 3 <nil>; ReadFrom 3 <nil>; Flush <nil>; OutboundBuffered after Flush 0; SendTo unsupported true"
	if got := recv(t, results, waitTimeout, "writer results"); got != want {
		t.Errorf("in OnTraffic:\n got %s\nwant %s", got, want)
	}
	if got := readString(t, client, 7); got != "abcdefg" {
		t.Errorf("client read %q, want %q", got, "abcdefg")
	}
}

// TestLargeWritesKeepOrder: a Write or Writev large enough to be sent at once,
// without a copy into the queue, never overtakes bytes queued before it, and
// whatever follows the part the socket did not take queues behind it, in the same
// callback and in later ones. Small socket buffers on both ends make the first
// large write of each reply only partly sent, a Writev's mid-slice.
func TestLargeWritesKeepOrder(t *testing.T) {
	t.Parallel()
	big1, big2 := payload(11, 256<<10), payload(12, 3<<10)
	// "go": Write first; "gv": Writev first.
	writes := map[string][][]byte{
		"go": {big1, []byte("a"), big2, []byte("b"), big1},
		"gv": {[]byte("x"), big1, nil, big2, []byte("y"), []byte("z")},
	}
	replies := map[string][]byte{}
	for cmd, parts := range writes {
		replies[cmd] = bytes.Join(parts, nil)
	}
	s := startTCP(t, &hooks{traffic: func(c gnet.Conn) gnet.Action {
		for c.InboundBuffered() >= 2 {
			cmd, _ := c.Next(2)
			w := writes[string(cmd)]
			if string(cmd) == "go" {
				_, _ = c.Write(w[0]) // sent at once when nothing is queued
				_, _ = c.Write(w[1])
				_, _ = c.Write(w[2]) // queued: w[1] is ahead of it
				_, _ = c.Write(w[3])
				_, _ = c.Writev(w[4:])
			} else {
				_, _ = c.Writev(w[:5])
				_, _ = c.Write(w[5])
			}
		}
		return gnet.None
	}}, gnet.WithSocketSendBuffer(64<<10))
	client := dialWith(t, smallRecvBufDialer(16<<10), s.network, s.addr)
	// check sends the commands, in one write when together, and reads the replies.
	check := func(together bool, cmds ...string) {
		t.Helper()
		if together {
			write(t, client, strings.Join(cmds, ""))
		} else {
			for _, cmd := range cmds {
				write(t, client, cmd)
			}
		}
		for i, cmd := range cmds {
			want := replies[cmd]
			got := make([]byte, len(want))
			if _, err := io.ReadFull(client, got); err != nil {
				t.Fatalf("%v: reply %d: %v", cmds, i, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%v: reply %d (%s) differs from byte %d on", cmds, i, cmd, firstDiff(got, want))
			}
		}
	}
	check(false, "go") // nothing queued: big1 leaves at once, partly
	check(false, "gv")
	check(true, "go", "gv") // one callback: the second reply queues behind the first
	check(true, "gv", "go")
	check(false, "go", "go") // likely a later callback, the first reply still queued
	check(false, "gv", "gv")
}

// TestOnOpenOutArrivesFirst: OnOpen's out bytes precede any reply to the client's data,
// even when the client writes before reading.
func TestOnOpenOutArrivesFirst(t *testing.T) {
	t.Parallel()
	s := startTCP(t, &hooks{
		open:    func(gnet.Conn) ([]byte, gnet.Action) { return []byte("hello\n"), gnet.None },
		traffic: echoTraffic,
	}, gnet.WithNumEventLoop(2))
	conns := make([]net.Conn, 20)
	for i := range conns {
		conns[i] = s.dial(t)
	}
	runClients(t, len(conns), ioTimeout, func(i int) error {
		if _, err := conns[i].Write([]byte("ping")); err != nil {
			return err
		}
		got := make([]byte, 10)
		if _, err := io.ReadFull(conns[i], got); err != nil {
			return fmt.Errorf("read: %w (got %q)", err, got)
		}
		if string(got) != "hello\nping" {
			return fmt.Errorf("conn %d read %q, want %q", i, got, "hello\nping")
		}
		return nil
	})
}

// TestConnContext: SetContext in OnOpen is seen by later callbacks of the same conn.
func TestConnContext(t *testing.T) {
	t.Parallel()
	type state struct{ remote string }
	seen := make(chan string, 16)
	s := startTCP(t, &hooks{
		open: func(c gnet.Conn) ([]byte, gnet.Action) {
			if c.Context() != nil {
				seen <- fmt.Sprintf("OnOpen: Context() = %v before SetContext, want nil", c.Context())
			}
			c.SetContext(&state{remote: c.RemoteAddr().String()})
			return nil, gnet.None
		},
		traffic: func(c gnet.Conn) gnet.Action {
			st, ok := c.Context().(*state)
			if !ok || st.remote != c.RemoteAddr().String() {
				seen <- fmt.Sprintf("OnTraffic: Context() = %#v, want this conn's state", c.Context())
			} else {
				seen <- "ok"
			}
			_, _ = c.Discard(-1)
			return gnet.None
		},
	}, gnet.WithNumEventLoop(2))
	for range 3 {
		write(t, s.dial(t), "x")
	}
	for range 3 {
		if msg := recv(t, seen, waitTimeout, "OnTraffic"); msg != "ok" {
			t.Error(msg)
		}
	}
}

// TestConnAddrs: the server's LocalAddr/RemoteAddr are the client's RemoteAddr/LocalAddr.
func TestConnAddrs(t *testing.T) {
	t.Parallel()
	type addrs struct{ local, remote net.Addr }
	seen := make(chan addrs, 1)
	s := startTCP(t, &hooks{open: func(c gnet.Conn) ([]byte, gnet.Action) {
		seen <- addrs{local: c.LocalAddr(), remote: c.RemoteAddr()}
		return nil, gnet.None
	}})
	client := s.dial(t)
	got := recv(t, seen, waitTimeout, "OnOpen")
	if _, ok := got.local.(*net.TCPAddr); !ok {
		t.Errorf("LocalAddr is %T, want *net.TCPAddr", got.local)
	}
	if _, ok := got.remote.(*net.TCPAddr); !ok {
		t.Errorf("RemoteAddr is %T, want *net.TCPAddr", got.remote)
	}
	if got.local.String() != client.RemoteAddr().String() || got.remote.String() != client.LocalAddr().String() {
		t.Errorf("server sees local %v remote %v; client sees local %v remote %v",
			got.local, got.remote, client.LocalAddr(), client.RemoteAddr())
	}
}
