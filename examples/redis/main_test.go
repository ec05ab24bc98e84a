package main

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reactorgo/reactor"
)

func startRedis(t testing.TB) (host, port string) {
	t.Helper()
	addr := startServer(t, newServer(0), reactor.WithNumEventLoop(2))
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// TestRedisCLI runs every command through redis-cli, one process (so one
// connection) per command, and checks the typed replies (--no-raw).
func TestRedisCLI(t *testing.T) {
	host, port := startRedis(t)
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"PING"}, "PONG"},
		{[]string{"ping", "hello world"}, `"hello world"`},
		{[]string{"ECHO", "a\nb"}, `"a\nb"`},
		{[]string{"GET", "k"}, "(nil)"},
		{[]string{"EXISTS", "k"}, "(integer) 0"},
		{[]string{"SET", "k", "v1"}, "OK"},
		{[]string{"GET", "k"}, `"v1"`},
		{[]string{"SET", "k", "v2", "NX"}, "(nil)"},
		{[]string{"SET", "k", "v3", "XX", "GET"}, `"v1"`},
		{[]string{"set", "k2", "x", "nx"}, "OK"},
		{[]string{"MGET", "k", "missing", "k2"}, "1) \"v3\"\n2) (nil)\n3) \"x\""},
		{[]string{"EXISTS", "k", "k", "k2", "missing"}, "(integer) 3"},
		{[]string{"INCR", "counter"}, "(integer) 1"},
		{[]string{"INCR", "counter"}, "(integer) 2"},
		{[]string{"GET", "counter"}, `"2"`},
		{[]string{"INCR", "k"}, "(error) ERR value is not an integer or out of range"},
		{[]string{"SET", "big", "9223372036854775807"}, "OK"},
		{[]string{"INCR", "big"}, "(error) ERR increment or decrement would overflow"},
		{[]string{"DEL", "k", "k2", "missing"}, "(integer) 2"},
		{[]string{"GET", "k"}, "(nil)"},
		{[]string{"GET"}, "(error) ERR wrong number of arguments for 'get' command"},
		{[]string{"SET", "k", "v", "EX", "10"}, "(error) ERR syntax error"},
		{[]string{"NOSUCH", "a", "b"}, "(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b'"},
	} {
		args := append([]string{"-h", host, "-p", port, "--no-raw"}, tc.cmd...)
		out, _ := mustRun(t, nil, "redis-cli", args...)
		if got := strings.TrimRight(out, "\n "); got != tc.want {
			t.Errorf("redis-cli %q: %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

// TestRedisCLIPipe feeds redis-cli --pipe (mass insertion: it writes everything,
// then reads every reply) a mix of RESP and inline commands.
func TestRedisCLIPipe(t *testing.T) {
	host, port := startRedis(t)
	var in bytes.Buffer
	const n = 5000
	for i := range n {
		k := "key:" + strconv.Itoa(i)
		if i%2 == 0 {
			in.Write(encode([][]byte{[]byte("SET"), []byte(k), []byte(strconv.Itoa(i))}))
		} else {
			in.WriteString("SET " + k + " " + strconv.Itoa(i) + "\r\n")
		}
	}
	in.WriteString("INCR key:41\r\n")
	out, _ := mustRun(t, in.Bytes(), "redis-cli", "-h", host, "-p", port, "--pipe")
	if !strings.Contains(out, "errors: 0, replies: "+strconv.Itoa(n+1)) {
		t.Fatalf("redis-cli --pipe:\n%s", out)
	}
	out, _ = mustRun(t, nil, "redis-cli", "-h", host, "-p", port, "MGET", "key:0", "key:41", "key:4999")
	if out != "0\n42\n4999\n" {
		t.Fatalf("MGET after --pipe: %q", out)
	}
}

var benchLine = regexp.MustCompile(`(SET|GET): ([0-9.]+) requests per second`)

// TestRedisBenchmark runs redis-benchmark with 16 commands pipelined per
// connection; it must finish both tests with no error, and leave its key behind.
func TestRedisBenchmark(t *testing.T) {
	host, port := startRedis(t)
	out, errOut := mustRun(t, nil, "redis-benchmark", "-h", host, "-p", port,
		"-t", "set,get", "-n", "20000", "-P", "16", "-q")
	got := benchLine.FindAllStringSubmatch(out, -1)
	if len(got) != 2 || got[0][1] != "SET" || got[1][1] != "GET" {
		t.Fatalf("redis-benchmark output:\n%s\nstderr:\n%s", out, errOut)
	}
	// redis-benchmark asks for CONFIG GET, which this server does not have: it warns
	// and goes on. Any other complaint is a failure.
	rest := strings.ReplaceAll(errOut, "WARNING: Could not fetch server CONFIG", "")
	if strings.Contains(strings.ToLower(out+rest), "err") {
		t.Fatalf("redis-benchmark reported errors:\n%s\nstderr:\n%s", out, errOut)
	}
	t.Logf("SET %s/s, GET %s/s", got[0][2], got[1][2])
	// Without -r every SET writes the same key, a 3-byte value (-d 3).
	out, _ = mustRun(t, nil, "redis-cli", "-h", host, "-p", port, "--no-raw", "MGET", "key:__rand_int__")
	if !regexp.MustCompile(`^1\) "..."\n$`).MatchString(out) {
		t.Fatalf("the benchmark's key: %q", out)
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

// TestProtocolErrors: input Redis calls a protocol error gets Redis's reply, after
// the replies to the commands before it, and the connection is closed.
func TestProtocolErrors(t *testing.T) {
	host, port := startRedis(t)
	addr := net.JoinHostPort(host, port)
	for _, tc := range []struct{ in, reply string }{
		{"*1\r\n$4\r\nPING\r\n*x\r\n", "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
		{"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"PING\r\nECHO \"unbalanced\r\n", "+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n"},
		{strings.Repeat("x", maxInline+10), "-ERR Protocol error: too big inline request\r\n"},
		{"PING\r\nQUIT\r\nPING\r\n", "+PONG\r\n+OK\r\n"},
	} {
		conn := dial(t, addr)
		if _, err := conn.Write([]byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(conn) // returns at EOF: the server closed
		if err != nil {
			t.Fatalf("after %.40q: %v (read %q)", tc.in, err, got)
		}
		if string(got) != tc.reply {
			t.Errorf("after %.40q: %q, want %q and EOF", tc.in, got, tc.reply)
		}
	}
}

// TestCommandErrorsKeepConnection: wrong commands get an error reply and the
// connection goes on, as in Redis.
func TestCommandErrorsKeepConnection(t *testing.T) {
	host, port := startRedis(t)
	conn := dial(t, net.JoinHostPort(host, port))
	conn.Write([]byte("FOO\r\n*1\r\n$3\r\nGET\r\nSET a\r\n*0\r\n\r\nPING\r\n"))
	want := "-ERR unknown command 'FOO', with args beginning with: \r\n" +
		"-ERR wrong number of arguments for 'get' command\r\n" +
		"-ERR wrong number of arguments for 'set' command\r\n" +
		"+PONG\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(conn, got); err != nil || string(got) != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}

// TestSplitCommands: a pipeline cut at random points, each piece its own read,
// gets every reply in order; the bytes of a partial command wait in the Conn.
func TestSplitCommands(t *testing.T) {
	host, port := startRedis(t)
	conn := dial(t, net.JoinHostPort(host, port))
	var in, want bytes.Buffer
	value := bytes.Repeat([]byte("v"), 100<<10) // bigger than one read
	for i := range 50 {
		k := []byte("split:" + strconv.Itoa(i))
		in.Write(encode([][]byte{[]byte("SET"), k, value[:i*2000]}))
		in.Write(encode([][]byte{[]byte("GET"), k}))
		in.WriteString("INCR n:" + strconv.Itoa(i%3) + "\r\n")
		want.WriteString("+OK\r\n")
		want.Write(appendBulk(nil, value[:i*2000]))
		want.Write(appendInt(nil, int64(i/3+1)))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	go func() {
		b := in.Bytes()
		for len(b) > 0 {
			k := min(len(b), 1+rng.IntN(9000))
			if _, err := conn.Write(b[:k]); err != nil {
				return // the reader below reports the failure
			}
			b = b[k:]
			time.Sleep(100 * time.Microsecond)
		}
	}()
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(bufio.NewReader(conn), got); err != nil {
		t.Fatalf("reading replies: %v", err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		i := 0
		for i < len(got) && got[i] == want.Bytes()[i] {
			i++
		}
		t.Fatalf("replies differ at byte %d: got %.60q, want %.60q", i, got[i:], want.Bytes()[i:])
	}
}
