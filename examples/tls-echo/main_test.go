package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reactorgo/reactor"
	"github.com/reactorgo/reactor/examples/internal/extest"
	"github.com/reactorgo/reactor/examples/internal/selfsigned"
)

// TestMain fails the package if a goroutine (an event loop, a handshake) outlives
// the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Every wait is bounded; the bounds are generous because the suite runs under -race
// on two cores.
const (
	bootTimeout   = 10 * time.Second
	stopTimeout   = 15 * time.Second
	clientTimeout = 30 * time.Second
)

// testServer is the example's server, reporting its engine from OnBoot and the
// negotiated state of every connection from OnOpen.
type testServer struct {
	echoServer
	booted chan reactor.Engine
	states chan tls.ConnectionState
}

func (s *testServer) OnBoot(eng reactor.Engine) reactor.Action {
	action := s.echoServer.OnBoot(eng)
	s.booted <- eng
	return action
}

func (s *testServer) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	out, action := s.echoServer.OnOpen(c)
	st, ok := reactor.TLSConnectionState(c)
	if !ok {
		return nil, reactor.Close // the test sees no state and fails
	}
	select {
	case s.states <- st:
	default: // nobody asked
	}
	return out, action
}

// startTLSEcho runs the example on a free loopback port with a fresh self-signed
// certificate; it returns the address, the server's per-connection states and the
// certificate's file. The engine stops when the test ends.
func startTLSEcho(t testing.TB) (addr string, states <-chan tls.ConnectionState, certFile string) {
	t.Helper()
	certFile, keyFile, err := selfsigned.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := selfsigned.Load(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{
		echoServer: echoServer{addr: "tcp://127.0.0.1:0"},
		booted:     make(chan reactor.Engine, 1),
		states:     make(chan tls.ConnectionState, 4),
	}
	done := make(chan error, 1)
	go func() {
		done <- reactor.Run(s, s.addr, reactor.WithNumEventLoop(2), reactor.WithTLSConfig(tlsConfig(cert)))
	}()
	var eng reactor.Engine
	select {
	case eng = <-s.booted:
	case err := <-done:
		t.Fatalf("Run returned before OnBoot: %v", err)
	case <-time.After(bootTimeout):
		t.Fatalf("no OnBoot within %v", bootTimeout)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(stopTimeout):
			t.Errorf("Run did not return within %v of Stop", stopTimeout)
		}
	})
	return listenerAddr(t, eng), s.states, certFile
}

// listenerAddr learns the port the kernel picked from a duplicate of the listener.
// It asks the socket directly: wrapping the fd in an os.File would call Fd(), which
// switches the file description, shared with the engine's listener, to blocking.
func listenerAddr(t testing.TB, eng reactor.Engine) string {
	t.Helper()
	addr, err := extest.ListenerAddr(eng)
	if err != nil {
		t.Fatal(err)
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || net.ParseIP(host).To4() == nil {
		t.Fatalf("listener bound to %s, want IPv4", addr)
	}
	return addr
}

// certPool trusts the certificate in certFile.
func certPool(t testing.TB, certFile string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", certFile)
	}
	return pool
}

// TestGoClientEcho: crypto/tls sends 1 MiB (64 records or more each way) while
// reading the echo, over TLS 1.2 and 1.3; both sides agree on version and ALPN, and
// the client's close_notify is answered with the server's.
func TestGoClientEcho(t *testing.T) {
	addr, states, certFile := startTLSEcho(t)
	pool := certPool(t, certFile)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			dialer := &net.Dialer{Timeout: bootTimeout}
			conn, err := tls.DialWithDialer(dialer, "tcp", addr, &tls.Config{
				RootCAs:    pool,
				NextProtos: []string{alpnProtocol},
				MinVersion: version,
				MaxVersion: version,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(clientTimeout))
			if st := conn.ConnectionState(); st.Version != version || st.NegotiatedProtocol != alpnProtocol {
				t.Fatalf("client: %s, ALPN %q; want %s, %q", tls.VersionName(st.Version), st.NegotiatedProtocol,
					tls.VersionName(version), alpnProtocol)
			}

			payload := make([]byte, 1<<20)
			rand.Read(payload)
			written := make(chan error, 1)
			go func() {
				_, err := conn.Write(payload)
				written <- err
			}()
			got := make([]byte, len(payload))
			if n, err := io.ReadFull(conn, got); err != nil {
				t.Fatalf("read %d of %d echoed bytes: %v", n, len(got), err)
			}
			select {
			case err := <-written:
				if err != nil {
					t.Fatalf("write: %v", err)
				}
			case <-time.After(clientTimeout):
				t.Fatalf("write did not finish within %v", clientTimeout)
			}
			if !bytes.Equal(got, payload) {
				t.Fatal("the echo differs from the payload")
			}

			select {
			case st := <-states:
				if st.Version != version || st.NegotiatedProtocol != alpnProtocol || !st.HandshakeComplete {
					t.Fatalf("server: %s, ALPN %q, complete %v", tls.VersionName(st.Version), st.NegotiatedProtocol,
						st.HandshakeComplete)
				}
			case <-time.After(clientTimeout):
				t.Fatal("OnOpen reported no TLS state")
			}

			// close_notify from the client: the server closes cleanly and says so.
			if err := conn.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if n, err := conn.Read(got); n != 0 || err != io.EOF {
				t.Fatalf("after close_notify: read %d bytes, %v; want 0, EOF", n, err)
			}
		})
	}
}

// lineWriter collects a process's output and closes gotLine at the first newline.
type lineWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	gotLine chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := bytes.IndexByte(w.buf.Bytes(), '\n') >= 0
	w.buf.Write(p)
	if !had && bytes.IndexByte(p, '\n') >= 0 {
		close(w.gotLine)
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestOpenSSLEcho: openssl s_client verifies the certificate and gets a line back.
// With -quiet it does not hang up when its input ends, so the test stops it once the
// echo has arrived.
func TestOpenSSLEcho(t *testing.T) {
	addr, _, certFile := startTLSEcho(t)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", "s_client", "-connect", addr, "-quiet", "-ign_eof",
		"-CAfile", certFile, "-verify_return_error", "-verify_ip", "127.0.0.1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lineWriter{gotLine: make(chan struct{})}
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const line = "hello, reactor over TLS\n"
	_, werr := io.WriteString(stdin, line)
	select {
	case <-out.gotLine:
	case <-ctx.Done():
	}
	cmd.Process.Kill()
	err = cmd.Wait() // closes stdin; "killed" is expected
	if werr != nil {
		t.Fatalf("writing to openssl: %v (exit: %v)\nstderr:\n%s", werr, err, &errOut)
	}
	if ctx.Err() != nil {
		t.Fatalf("no echo within %v; openssl printed %q\nstderr:\n%s", clientTimeout, out, &errOut)
	}
	if got := out.String(); got != line {
		t.Fatalf("openssl printed %q, want %q\nstderr:\n%s", got, line, &errOut)
	}
	if !strings.Contains(errOut.String(), "verify return:1") {
		t.Fatalf("openssl did not report a verified certificate:\n%s", &errOut)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("openssl: %v", err)
	}
}
