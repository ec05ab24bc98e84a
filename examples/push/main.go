// Command push is a server that pushes a line to every connection on a timer:
// OnTick (which reactor runs on event loop 0) writes to connections of every loop
// with AsyncWrite, and OnOpen/OnClose keep the set of connections.
//
//	go run ./examples/push -port 9200 -interval 1s
//	nc 127.0.0.1 9200
package main

import (
	"flag"
	"fmt"
	"log"
	"strconv"
	"sync"
	"time"

	"github.com/reactorgo/reactor"
)

type server struct {
	reactor.BuiltinEventEngine
	interval   time.Duration
	maxBacklog int // a subscriber with more bytes queued than this is dropped

	mu    sync.Mutex // OnOpen and OnClose run on every loop, OnTick on loop 0
	conns map[reactor.Conn]struct{}
	seq   uint64 // ticks so far; only OnTick touches it
}

func newServer(interval time.Duration, maxBacklog int) *server {
	return &server{interval: interval, maxBacklog: maxBacklog, conns: make(map[reactor.Conn]struct{})}
}

func (s *server) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	n := len(s.conns)
	s.mu.Unlock()
	return fmt.Appendf(nil, "welcome, subscriber %d: a line every %v\n", n, s.interval), reactor.None
}

func (s *server) OnClose(c reactor.Conn, _ error) reactor.Action {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	return reactor.None
}

// OnTraffic drops whatever subscribers send: this server only talks.
func (s *server) OnTraffic(c reactor.Conn) reactor.Action {
	c.Discard(-1)
	return reactor.None
}

// OnTick queues one line for every connection. AsyncWrite is safe from any
// goroutine and only enqueues, so the loop is never held up; each connection's loop
// writes the line. The slice is shared by all of them and never modified.
func (s *server) OnTick() (time.Duration, reactor.Action) {
	s.seq++
	s.mu.Lock()
	defer s.mu.Unlock()
	line := fmt.Appendf(nil, "tick %d at %s subscribers=%d\n",
		s.seq, time.Now().UTC().Format(time.RFC3339Nano), len(s.conns))
	for c := range s.conns {
		c.AsyncWrite(line, s.checkBacklog)
	}
	return s.interval, reactor.None
}

// checkBacklog runs on the connection's loop once a line is queued, where
// OutboundBuffered may be called. A subscriber that stopped reading would otherwise
// make its queue grow without bound (reactor has no write water marks yet). It is
// unsubscribed at once; Close then still tries to deliver what is queued, for at
// most the engine's drain timeout, before OnClose runs.
func (s *server) checkBacklog(c reactor.Conn, err error) error {
	if err == nil && c.OutboundBuffered() > s.maxBacklog {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		return c.Close()
	}
	return nil
}

func main() {
	port := flag.Int("port", 9200, "TCP port to listen on")
	interval := flag.Duration("interval", time.Second, "time between two pushes")
	maxBacklog := flag.Int("max-backlog", 1<<20, "bytes queued for a subscriber before it is dropped")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	flag.Parse()

	addr := "tcp://:" + strconv.Itoa(*port)
	log.Printf("push server on %s, every %v", addr, *interval)
	err := reactor.Run(newServer(*interval, *maxBacklog), addr,
		reactor.WithMulticore(*multicore),
		reactor.WithTicker(true))
	if err != nil {
		log.Fatal(err)
	}
}
