// Command redis is a RESP2 server on reactor that speaks enough of the Redis protocol
// for redis-cli and redis-benchmark: PING, ECHO, SET, GET, DEL, INCR, MGET, EXISTS
// (and QUIT). Pipelined commands are answered in order with one write; a command
// split over several reads waits in the Conn's buffer until it is complete.
//
//	go run ./examples/redis -port 6380 -multicore
//	redis-cli -p 6380 set greeting hello
package main

import (
	"flag"
	"fmt"
	"log"
	"strconv"
	"sync"

	"github.com/reactorgo/reactor"
)

// replyError is an error reply, without the leading '-'.
type replyError string

func (e replyError) Error() string { return string(e) }

const (
	errNotInteger replyError = "ERR value is not an integer or out of range"
	errOverflow   replyError = "ERR increment or decrement would overflow"
	errSyntax     replyError = "ERR syntax error"
)

// flushAt is the size at which replies collected for a batch are handed to the Conn
// before the batch ends, so a long pipeline does not grow one huge buffer.
const flushAt = 64 << 10

type server struct {
	reactor.BuiltinEventEngine
	store   *store
	maxBulk int
	pool    sync.Pool // of *session
}

// session is the state of one connection, kept as its context.
type session struct {
	parser Parser
	out    []byte   // replies not yet written
	name   [16]byte // the command name, upper-cased
}

func newServer(maxBulk int) *server {
	s := &server{store: newStore(), maxBulk: maxBulk}
	s.pool.New = func() any { return &session{parser: Parser{MaxBulk: maxBulk}} }
	return s
}

func (s *server) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	c.SetContext(s.pool.Get())
	return nil, reactor.None
}

func (s *server) OnClose(c reactor.Conn, _ error) reactor.Action {
	if ss, ok := c.Context().(*session); ok {
		c.SetContext(nil)
		ss.parser.reset()
		ss.out = ss.out[:0]
		if cap(ss.out) > 1<<20 {
			ss.out = nil // a huge MGET reply: do not keep its buffer in the pool
		}
		s.pool.Put(ss)
	}
	return reactor.None
}

// OnTraffic runs every complete command buffered, collects the replies and writes
// them with one c.Write. Bytes of an incomplete command stay in the Conn.
func (s *server) OnTraffic(c reactor.Conn) reactor.Action {
	ss := c.Context().(*session)
	buf, _ := c.Peek(-1)
	action := reactor.None
	done := 0
	for done < len(buf) {
		n, err := ss.parser.Parse(buf[done:])
		if err != nil {
			// Redis answers a protocol error and closes the connection.
			ss.out = appendError(ss.out, "ERR "+err.Error())
			action = reactor.Close
			break
		}
		if n == 0 {
			break
		}
		done += n
		if len(ss.parser.Args) > 0 && s.exec(ss, ss.parser.Args) {
			action = reactor.Close
			break
		}
		if len(ss.out) >= flushAt {
			c.Write(ss.out)
			ss.out = ss.out[:0]
		}
	}
	if done > 0 {
		c.Discard(done) // not Discard(0): as in gnet, n <= 0 discards everything
	}
	if len(ss.out) > 0 {
		c.Write(ss.out)
		ss.out = ss.out[:0]
	}
	return action
}

// exec runs one command, appending its reply to ss.out. It reports whether the
// connection is to close after the reply (QUIT).
func (s *server) exec(ss *session, args [][]byte) (quit bool) {
	out := ss.out
	defer func() { ss.out = out }()

	name := args[0]
	if len(name) > len(ss.name) {
		out = appendError(out, unknownCommand(args))
		return false
	}
	upper := ss.name[:len(name)]
	for i, c := range name {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper[i] = c
	}
	// arity reports a wrong number of arguments, with Redis's wording.
	arity := func(ok bool, cmd string) bool {
		if !ok {
			out = appendError(out, "ERR wrong number of arguments for '"+cmd+"' command")
		}
		return ok
	}

	switch string(upper) {
	case "GET":
		if arity(len(args) == 2, "get") {
			var found bool
			if out, found = s.store.get(out, args[1], appendBulk); !found {
				out = appendNull(out)
			}
		}
	case "SET":
		if arity(len(args) >= 3, "set") {
			out = s.set(out, ss, args)
		}
	case "PING":
		switch len(args) {
		case 1:
			out = appendSimple(out, "PONG")
		case 2:
			out = appendBulk(out, args[1])
		default:
			arity(false, "ping")
		}
	case "ECHO":
		if arity(len(args) == 2, "echo") {
			out = appendBulk(out, args[1])
		}
	case "DEL":
		if arity(len(args) >= 2, "del") {
			n := 0
			for _, k := range args[1:] {
				if s.store.del(k) {
					n++
				}
			}
			out = appendInt(out, int64(n))
		}
	case "EXISTS":
		if arity(len(args) >= 2, "exists") {
			n := 0
			for _, k := range args[1:] {
				if s.store.exists(k) {
					n++
				}
			}
			out = appendInt(out, int64(n))
		}
	case "INCR":
		if arity(len(args) == 2, "incr") {
			v, err := s.store.incr(args[1])
			if err != nil {
				out = appendError(out, err.Error())
			} else {
				out = appendInt(out, v)
			}
		}
	case "MGET":
		if arity(len(args) >= 2, "mget") {
			out = appendArrayHeader(out, len(args)-1)
			for _, k := range args[1:] {
				var found bool
				if out, found = s.store.get(out, k, appendBulk); !found {
					out = appendNull(out)
				}
			}
		}
	case "QUIT":
		out = appendSimple(out, "OK")
		return true
	default:
		out = appendError(out, unknownCommand(args))
	}
	return false
}

// set runs SET key value [NX|XX] [GET].
func (s *server) set(out []byte, ss *session, args [][]byte) []byte {
	mode, withGet := setAlways, false
	for _, opt := range args[3:] {
		switch {
		case equalFold(opt, "NX") && mode != setIfPresent:
			mode = setIfAbsent
		case equalFold(opt, "XX") && mode != setIfAbsent:
			mode = setIfPresent
		case equalFold(opt, "GET"):
			withGet = true
		default:
			return appendError(out, string(errSyntax))
		}
	}
	if !withGet {
		if stored, _ := s.store.set(args[1], args[2], mode, nil); stored {
			return appendSimple(out, "OK")
		}
		return appendNull(out)
	}
	// SET ... GET replies with the old value, copied out under the shard's lock.
	var old []byte
	_, existed := s.store.set(args[1], args[2], mode, &old)
	if !existed {
		return appendNull(out)
	}
	return appendBulk(out, old)
}

// unknownCommand is Redis 7's message for a command it does not know.
func unknownCommand(args [][]byte) string {
	var rest []byte
	for _, a := range args[1:] {
		if len(rest) >= 128 {
			break
		}
		rest = append(rest, '\'')
		rest = append(rest, a[:min(len(a), 128-len(rest)+1)]...)
		rest = append(rest, '\'', ' ')
	}
	name := args[0][:min(len(args[0]), 128)]
	return "ERR unknown command '" + string(name) + "', with args beginning with: " + string(rest)
}

// equalFold reports whether b equals the upper-case ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func main() {
	port := flag.Int("port", 6380, "TCP port to listen on")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	loops := flag.Int("loops", 0, "number of event loops (overrides -multicore when > 0)")
	maxBulk := flag.Int("max-bulk", maxBulkDefault, "largest bulk string accepted, in bytes")
	flag.Parse()

	addr := "tcp://:" + strconv.Itoa(*port)
	log.Printf("redis server on %s", addr)
	err := reactor.Run(newServer(*maxBulk), addr,
		reactor.WithMulticore(*multicore),
		reactor.WithNumEventLoop(*loops))
	if err != nil {
		log.Fatal(fmt.Errorf("redis: %w", err))
	}
}
