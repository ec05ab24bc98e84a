// Command echo is a TCP echo server on reactor: every byte a client sends comes back.
//
//	go run ./examples/echo -port 9000 -multicore
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/reactorgo/reactor"
)

type echoServer struct {
	reactor.BuiltinEventEngine
	addr string
}

func (s *echoServer) OnBoot(eng reactor.Engine) reactor.Action {
	log.Printf("echo server listening on %s", s.addr)
	return reactor.None
}

// OnTraffic hands every buffered byte back. Write only queues: reactor sends what a
// callback wrote with one syscall after it returns.
func (s *echoServer) OnTraffic(c reactor.Conn) reactor.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return reactor.None
}

func main() {
	port := flag.Int("port", 9000, "TCP port to listen on")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	loops := flag.Int("loops", 0, "number of event loops (overrides -multicore when > 0)")
	lb := flag.String("lb", "rr", "load balancing: rr (round robin), lc (least connections), hash (source address)")
	flag.Parse()

	balancing, ok := map[string]reactor.LoadBalancing{
		"rr": reactor.RoundRobin, "lc": reactor.LeastConnections, "hash": reactor.SourceAddrHash,
	}[strings.ToLower(*lb)]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown -lb %q: want rr, lc or hash\n", *lb)
		os.Exit(2)
	}
	addr := fmt.Sprintf("tcp://:%d", *port)
	err := reactor.Run(&echoServer{addr: addr}, addr,
		reactor.WithMulticore(*multicore),
		reactor.WithNumEventLoop(*loops),
		reactor.WithLoadBalancing(balancing))
	if err != nil {
		log.Fatal(err)
	}
}
