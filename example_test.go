package reactor_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reactorgo/reactor"
)

// upperEcho answers every line with the line in capitals.
type upperEcho struct {
	reactor.BuiltinEventEngine
	booted chan reactor.Engine
}

func (s *upperEcho) OnBoot(eng reactor.Engine) reactor.Action {
	s.booted <- eng
	return reactor.None
}

func (s *upperEcho) OnTraffic(c reactor.Conn) reactor.Action {
	for {
		buf, _ := c.Peek(-1)
		i := strings.IndexByte(string(buf), '\n')
		if i < 0 {
			return reactor.None // wait for the rest of the line
		}
		line, _ := c.Next(i + 1)
		c.Write([]byte(strings.ToUpper(string(line))))
	}
}

// exampleSocket returns a fresh unix socket address and a function removing its
// directory.
func exampleSocket() (string, func()) {
	dir, err := os.MkdirTemp("", "reactor-example")
	if err != nil {
		panic(err)
	}
	return filepath.Join(dir, "example.sock"), func() { os.RemoveAll(dir) }
}

func ExampleRun() {
	path, cleanup := exampleSocket()
	defer cleanup()

	server := &upperEcho{booted: make(chan reactor.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- reactor.Run(server, "unix://"+path) }()
	eng := <-server.booted

	conn, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprint(conn, "hello, ")   // half a line: the server waits
	fmt.Fprint(conn, "reactor\n") // the rest arrives in another read
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(reply)
	conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println(eng.Stop(ctx), <-done)
	// Output:
	// HELLO, REACTOR
	// <nil> <nil>
}

// pusher greets each connection from another goroutine with AsyncWrite, then
// closes it: Close still delivers the greeting first.
type pusher struct {
	reactor.BuiltinEventEngine
	booted chan reactor.Engine
}

func (p *pusher) OnBoot(eng reactor.Engine) reactor.Action {
	p.booted <- eng
	return reactor.None
}

func (p *pusher) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	go func() {
		c.AsyncWrite([]byte("pushed from a goroutine\n"), func(c reactor.Conn, err error) error {
			return c.Close()
		})
	}()
	return []byte("welcome\n"), reactor.None
}

func ExampleConn_AsyncWrite() {
	path, cleanup := exampleSocket()
	defer cleanup()

	server := &pusher{booted: make(chan reactor.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- reactor.Run(server, "unix://"+path) }()
	eng := <-server.booted

	conn, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	scanner := bufio.NewScanner(conn) // reads until the server closes
	for scanner.Scan() {
		fmt.Println(scanner.Text())
	}
	conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	eng.Stop(ctx)
	<-done
	// Output:
	// welcome
	// pushed from a goroutine
}

// scheduler closes each connection one tick after it opens, using
// EventLoop.Schedule (which gnet leaves unimplemented).
type scheduler struct {
	reactor.BuiltinEventEngine
	booted chan reactor.Engine
}

func (s *scheduler) OnBoot(eng reactor.Engine) reactor.Action {
	s.booted <- eng
	return reactor.None
}

func (s *scheduler) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	c.EventLoop().Schedule(context.Background(), reactor.RunnableFunc(func(context.Context) error {
		c.Write([]byte("time is up\n"))
		return c.Close()
	}), 50*time.Millisecond)
	return nil, reactor.None
}

func ExampleEventLoop_Schedule() {
	path, cleanup := exampleSocket()
	defer cleanup()

	server := &scheduler{booted: make(chan reactor.Engine, 1)}
	done := make(chan error, 1)
	go func() { done <- reactor.Run(server, "unix://"+path) }()
	eng := <-server.booted

	conn, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(line)
	conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	eng.Stop(ctx)
	<-done
	// Output:
	// time is up
}
