// Command codec shows length-prefixed framing on reactor: every message is a 4-byte
// big-endian length and a payload (frame.go). The server answers each frame with a
// frame holding the payload in upper case; the client, in the same program, sends
// frames and prints the answers.
//
//	go run ./examples/codec -port 9100                       # server
//	go run ./examples/codec -client -port 9100 hello world   # client
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/reactorgo/reactor"
)

type server struct {
	reactor.BuiltinEventEngine
	maxPayload int
}

// OnTraffic answers every complete frame buffered. A partial frame stays in the
// Conn until the rest arrives; a frame over the limit closes the connection, since
// nothing after it can be framed reliably.
func (s *server) OnTraffic(c reactor.Conn) reactor.Action {
	buf, _ := c.Peek(-1)
	done := 0
	for {
		payload, n, err := decodeFrame(buf[done:], s.maxPayload)
		if err != nil {
			return reactor.Close
		}
		if n == 0 {
			break
		}
		done += n
		reply(c, payload)
	}
	if done > 0 {
		c.Discard(done) // not Discard(0): as in gnet, n <= 0 discards everything
	}
	return reactor.None
}

// reply writes the answer to payload: the same length, upper-cased. The payload is
// in the Conn's buffer and is about to be discarded, so it is transformed in place.
func reply(c reactor.Conn, payload []byte) {
	for i, b := range payload {
		if 'a' <= b && b <= 'z' {
			payload[i] = b - ('a' - 'A')
		}
	}
	var hdr [headerLen]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
	c.Write(hdr[:])
	c.Write(payload)
}

// runClient sends each message as a frame, all in one write, then prints every
// answer on its own line. Each step has a deadline.
func runClient(addr string, msgs [][]byte, maxPayload int, out io.Writer, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	var frames []byte
	for _, m := range msgs {
		frames = appendFrame(frames, m)
	}
	if _, err := conn.Write(frames); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	var buf []byte
	for range msgs {
		payload, err := readFrame(r, &buf, maxPayload)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(out, "%s\n", payload); err != nil {
			return err
		}
	}
	return nil
}

// readFrame reads one frame from r into *buf (reused across calls) and returns its
// payload.
func readFrame(r io.Reader, buf *[]byte, maxPayload int) ([]byte, error) {
	b := append((*buf)[:0], make([]byte, headerLen)...)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	n, err := frameLen(b, maxPayload)
	if err != nil {
		return nil, err
	}
	b = append(b, make([]byte, n-headerLen)...)
	if _, err := io.ReadFull(r, b[headerLen:]); err != nil {
		return nil, err
	}
	*buf = b
	payload, _, err := decodeFrame(b, maxPayload)
	return payload, err
}

func main() {
	port := flag.Int("port", 9100, "TCP port to listen on, or with -client to connect to")
	host := flag.String("host", "127.0.0.1", "with -client: the server's host")
	client := flag.Bool("client", false, "run the client: send each argument (or each line of stdin) as a frame")
	maxPayload := flag.Int("max", defaultMaxFrame, "largest payload accepted, in bytes")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	flag.Parse()

	if *client {
		var msgs [][]byte
		for _, a := range flag.Args() {
			msgs = append(msgs, []byte(a))
		}
		if len(msgs) == 0 {
			sc := bufio.NewScanner(os.Stdin)
			sc.Buffer(nil, *maxPayload)
			for sc.Scan() {
				msgs = append(msgs, append([]byte(nil), sc.Bytes()...))
			}
			if err := sc.Err(); err != nil {
				log.Fatal(err)
			}
		}
		addr := net.JoinHostPort(*host, strconv.Itoa(*port))
		if err := runClient(addr, msgs, *maxPayload, os.Stdout, 30*time.Second); err != nil {
			log.Fatal(err)
		}
		return
	}

	addr := fmt.Sprintf("tcp://:%d", *port)
	log.Printf("codec server on %s", addr)
	err := reactor.Run(&server{maxPayload: *maxPayload}, addr, reactor.WithMulticore(*multicore))
	if err != nil {
		log.Fatal(err)
	}
}
