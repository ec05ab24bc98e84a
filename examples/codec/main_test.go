package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/reactorgo/reactor"
)

func startCodec(t testing.TB, maxPayload int) string {
	t.Helper()
	return startServer(t, &server{maxPayload: maxPayload}, reactor.WithNumEventLoop(2))
}

// TestClient runs the example's own client against its server: each message
// comes back upper-cased, in order, including an empty one and one of 512 KiB.
func TestClient(t *testing.T) {
	addr := startCodec(t, defaultMaxFrame)
	big := bytes.Repeat([]byte("abcdefgh"), 64<<10)
	msgs := [][]byte{[]byte("hello"), {}, []byte("Frame 3: Ünïcode stays"), big, []byte("bye")}
	var out bytes.Buffer
	if err := runClient(addr, msgs, defaultMaxFrame, &out, clientTimeout); err != nil {
		t.Fatal(err)
	}
	want := "HELLO\n\nFRAME 3: ÜNïCODE STAYS\n" + strings.Repeat("ABCDEFGH", 64<<10) + "\nBYE\n"
	if out.String() != want {
		t.Fatalf("client printed %.200q\nwant %.200q", out.String(), want)
	}
}

// TestSplitFrames: frames cut at random points, each piece a separate write, are
// answered once complete; the partial frame waits in the Conn's buffer.
func TestSplitFrames(t *testing.T) {
	addr := startCodec(t, defaultMaxFrame)
	conn := dial(t, addr)
	rng := rand.New(rand.NewPCG(3, 4))
	var stream, want []byte
	for i := range 200 {
		p := bytes.Repeat([]byte{'a' + byte(i%26)}, rng.IntN(3000))
		stream = appendFrame(stream, p)
		want = appendFrame(want, bytes.ToUpper(p))
	}
	go func() {
		for b := stream; len(b) > 0; {
			k := min(len(b), 1+rng.IntN(700))
			if _, err := conn.Write(b[:k]); err != nil {
				return // the reader reports it
			}
			b = b[k:]
			time.Sleep(50 * time.Microsecond)
		}
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(bufio.NewReader(conn), got); err != nil {
		t.Fatalf("reading answers: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("answers differ from the upper-cased frames")
	}
}

// TestFrameTooLarge: frames before an oversized one are answered, then the server
// closes the connection.
func TestFrameTooLarge(t *testing.T) {
	addr := startCodec(t, 1024)
	conn := dial(t, addr)
	in := appendFrame(nil, []byte("ok"))
	in = binary.BigEndian.AppendUint32(in, 1025)
	in = append(in, "never answered"...)
	if _, err := conn.Write(in); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn) // ends at the server's FIN
	if err != nil || !bytes.Equal(got, appendFrame(nil, []byte("OK"))) {
		t.Fatalf("read %q, %v; want one answer, then EOF", got, err)
	}
	var out bytes.Buffer
	if err := runClient(addr, [][]byte{make([]byte, 2000)}, 1024, &out, clientTimeout); err == nil {
		t.Fatal("the client got an answer to a frame over the limit")
	}
}

// dial opens a raw connection with a deadline on every operation.
func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, bootTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(clientTimeout))
	return conn
}

// TestCurlTelnet uses curl's telnet mode as an independent raw TCP client: it sends
// two frames and an oversized header (so the server closes, ending curl), and prints
// the two answers.
func TestCurlTelnet(t *testing.T) {
	addr := startCodec(t, 1024)
	in := appendFrame(nil, []byte("from curl"))
	in = appendFrame(in, []byte("second frame"))
	in = binary.BigEndian.AppendUint32(in, 0x7f000000) // over the limit: the server closes
	out, _ := mustRun(t, in, "curl", "-sS", "telnet://"+addr)
	want := appendFrame(appendFrame(nil, []byte("FROM CURL")), []byte("SECOND FRAME"))
	if out != string(want) {
		t.Fatalf("curl printed %q, want %q", out, want)
	}
}
