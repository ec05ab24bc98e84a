// Command proxy forwards TCP connections to a backend and back.
//
//	go run ./examples/proxy -port 9100 -backend 127.0.0.1:9000
//
// Each frontend connection gets a backend connection dialled with
// EventLoop.Register on the frontend's own event loop: the dial does not block the
// loop, and since both ends live on one loop, forwarding is a plain Write with no
// locks or goroutines.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"

	"github.com/reactorgo/reactor"
)

// link joins the two ends of one proxied connection; it is touched only on their
// common event loop.
type link struct {
	front, back reactor.Conn
}

// peer is the other end of c, or nil while the backend is still connecting.
func (l *link) peer(c reactor.Conn) reactor.Conn {
	if c == l.front {
		return l.back
	}
	return l.front
}

// backendCtx marks a backend connection in OnOpen: it carries the link to join.
type backendCtx struct{ l *link }

type proxy struct {
	reactor.BuiltinEventEngine
	backend *net.TCPAddr
	booted  chan reactor.Engine // optional, for tests
}

func (p *proxy) OnBoot(eng reactor.Engine) reactor.Action {
	if p.booted != nil {
		p.booted <- eng
	}
	return reactor.None
}

func (p *proxy) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	if b, ok := c.Context().(backendCtx); ok { // a backend we dialled has connected
		b.l.back = c
		c.SetContext(b.l)
		b.l.front.Wake(nil) // forward what the client sent while we were connecting
		return nil, reactor.None
	}
	l := &link{front: c}
	c.SetContext(l)
	ctx := reactor.NewContext(context.Background(), backendCtx{l})
	result, err := c.EventLoop().Register(ctx, p.backend)
	if err != nil {
		return nil, reactor.Close
	}
	go func() { // only a failed dial needs attention: the client must not wait forever
		if r := <-result; r.Err != nil {
			log.Printf("proxy: backend %v: %v", p.backend, r.Err)
			c.Close()
		}
	}()
	return nil, reactor.None
}

func (p *proxy) OnTraffic(c reactor.Conn) reactor.Action {
	l, _ := c.Context().(*link)
	if l == nil {
		return reactor.None
	}
	peer := l.peer(c)
	if peer == nil {
		return reactor.None // keep the bytes buffered until the backend is up
	}
	buf, _ := c.Next(-1)
	if _, err := peer.Write(buf); err != nil {
		return reactor.Close
	}
	return reactor.None
}

// OnClose closes the other end too; Close delivers what was already forwarded first.
func (p *proxy) OnClose(c reactor.Conn, _ error) reactor.Action {
	if l, _ := c.Context().(*link); l != nil {
		if peer := l.peer(c); peer != nil {
			peer.Close()
		}
	}
	return reactor.None
}

func main() {
	port := flag.Int("port", 9100, "TCP port to listen on")
	backend := flag.String("backend", "127.0.0.1:9000", "host:port to forward to")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	flag.Parse()
	addr, err := net.ResolveTCPAddr("tcp", *backend)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(reactor.Run(&proxy{backend: addr}, fmt.Sprintf("tcp://:%d", *port),
		reactor.WithMulticore(*multicore)))
}
