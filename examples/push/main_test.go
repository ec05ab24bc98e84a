package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/reactorgo/reactor"
)

func startPush(t testing.TB, interval time.Duration, maxBacklog int, opts ...reactor.Option) string {
	t.Helper()
	opts = append([]reactor.Option{reactor.WithNumEventLoop(2), reactor.WithTicker(true)}, opts...)
	return startServer(t, newServer(interval, maxBacklog), opts...)
}

var tickLine = regexp.MustCompile(`^tick (\d+) at \S+ subscribers=(\d+)\n$`)

// subscriber reads one connection's lines.
type subscriber struct {
	conn net.Conn
	r    *bufio.Reader
}

func subscribe(t testing.TB, addr string) *subscriber {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, bootTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(clientTimeout))
	s := &subscriber{conn, bufio.NewReader(conn)}
	if line, err := s.r.ReadString('\n'); err != nil || !regexp.MustCompile(`^welcome, subscriber \d+`).MatchString(line) {
		t.Fatalf("first line %q, %v; want the welcome", line, err)
	}
	return s
}

// nextTick returns the sequence number and subscriber count of the next tick line.
func (s *subscriber) nextTick(t testing.TB) (seq, subscribers int) {
	t.Helper()
	line, err := s.r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading a tick: %v", err)
	}
	m := tickLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("not a tick line: %q", line)
	}
	seq, _ = strconv.Atoi(m[1])
	subscribers, _ = strconv.Atoi(m[2])
	return seq, subscribers
}

// TestPushToAll: connections spread over two loops all get every tick, in order,
// and the count of subscribers follows connections opening and closing.
func TestPushToAll(t *testing.T) {
	addr := startPush(t, 20*time.Millisecond, 1<<20)
	subs := []*subscriber{subscribe(t, addr), subscribe(t, addr), subscribe(t, addr)}
	// Wait for a tick that all three see.
	var seq int
	for {
		var n int
		seq, n = subs[0].nextTick(t)
		if n == 3 {
			break
		}
	}
	for _, s := range subs[1:] {
		for {
			got, _ := s.nextTick(t)
			if got == seq {
				break
			}
			if got > seq {
				t.Fatalf("tick %d was not delivered (next was %d)", seq, got)
			}
		}
	}
	// Every subscriber then sees the following ticks without a gap.
	for _, s := range subs {
		for want := seq + 1; want <= seq+5; want++ {
			if got, _ := s.nextTick(t); got != want {
				t.Fatalf("tick %d after %d", got, want-1)
			}
		}
	}
	// One leaves: the others soon count two subscribers.
	subs[2].conn.Close()
	for {
		if _, n := subs[0].nextTick(t); n == 2 {
			break
		}
	}
}

// TestCurlTelnet: curl's telnet mode is an independent client; in its one second
// it prints the welcome and several ticks.
func TestCurlTelnet(t *testing.T) {
	addr := startPush(t, 50*time.Millisecond, 1<<20)
	out, errOut, err := run(t, nil, "curl", "-sS", "--max-time", "1", "telnet://"+addr)
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 28) { // 28: --max-time reached
		t.Fatalf("curl: %v\n%s", err, errOut)
	}
	lines := regexp.MustCompile(`(?m)^tick \d+ at \S+ subscribers=1$`).FindAllString(out, -1)
	if len(lines) < 3 || !regexp.MustCompile(`^welcome, subscriber 1:`).MatchString(out) {
		t.Fatalf("curl printed:\n%s", out)
	}
}

// TestSlowSubscriberDropped: a subscriber that never reads is disconnected once
// more than -max-backlog bytes wait for it, and the others are not held up.
func TestSlowSubscriberDropped(t *testing.T) {
	addr := startPush(t, time.Millisecond, 16<<10, reactor.WithSocketSendBuffer(4096))
	slow, err := net.DialTimeout("tcp", addr, bootTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.(*net.TCPConn).SetReadBuffer(4096)
	fast := subscribe(t, addr)

	deadline := time.Now().Add(clientTimeout)
	for {
		if _, n := fast.nextTick(t); n == 1 {
			break // the slow one is gone
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscriber that never reads was not dropped")
		}
	}
	// Its connection was closed by the server: reading it to the end finds EOF.
	slow.SetReadDeadline(time.Now().Add(clientTimeout))
	if _, err := io.Copy(io.Discard, slow); err != nil {
		t.Fatalf("draining the dropped connection: %v", err)
	}
}
