// Command udp-echo sends every datagram back to its sender.
//
//	go run ./examples/udp-echo -port 9200
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/reactorgo/reactor"
)

type udpEcho struct {
	reactor.BuiltinEventEngine
}

// OnTraffic sees one datagram; c is valid only until it returns. Write replies to
// the sender; replies written during a batch of datagrams leave with one sendmmsg.
func (s *udpEcho) OnTraffic(c reactor.Conn) reactor.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return reactor.None
}

func main() {
	port := flag.Int("port", 9200, "UDP port to listen on")
	loops := flag.Int("loops", 1, "event loops; with more than one each gets its own socket (SO_REUSEPORT)")
	flag.Parse()
	log.Fatal(reactor.Run(&udpEcho{}, fmt.Sprintf("udp://:%d", *port),
		reactor.WithNumEventLoop(*loops), reactor.WithReusePort(*loops > 1)))
}
