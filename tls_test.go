package reactor_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gnet "github.com/reactorgo/reactor"
)

// testPKI is a CA with a server and a client certificate.
type testPKI struct {
	pool           *x509.CertPool
	server, client tls.Certificate
	expired        tls.Certificate
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "reactor test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, notAfter time.Time) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: notAfter,
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.server = leaf(2, "localhost", x509.ExtKeyUsageServerAuth, time.Now().Add(time.Hour))
	p.client = leaf(3, "client", x509.ExtKeyUsageClientAuth, time.Now().Add(time.Hour))
	p.expired = leaf(4, "localhost", x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour))
	return p
}

// tlsEchoHooks echoes and counts opens and closes; traffic reports the negotiated
// state of the first read.
func tlsEchoHooks(states chan<- tls.ConnectionState) (*hooks, *atomic.Int32, *atomic.Int32) {
	var opens, closes atomic.Int32
	h := &hooks{
		open:  func(gnet.Conn) ([]byte, gnet.Action) { opens.Add(1); return nil, gnet.None },
		close: func(gnet.Conn, error) gnet.Action { closes.Add(1); return gnet.None },
		traffic: func(c gnet.Conn) gnet.Action {
			if st, ok := gnet.TLSConnectionState(c); ok && states != nil {
				select {
				case states <- st:
				default:
				}
			}
			return echoTraffic(c)
		},
	}
	return h, &opens, &closes
}

func TestTLSEchoWithGoClient(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			t.Parallel()
			states := make(chan tls.ConnectionState, 1)
			h, _, _ := tlsEchoHooks(states)
			s := startTCP(t, h, gnet.WithTLSConfig(&tls.Config{
				Certificates: []tls.Certificate{pki.server}, NextProtos: []string{"echo/1"},
			}), gnet.WithNumEventLoop(2))
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioTimeout}, "tcp", s.addr, &tls.Config{
				RootCAs: pki.pool, ServerName: "localhost", MinVersion: version, MaxVersion: version,
				NextProtos: []string{"echo/1"},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioTimeout))
			if err := echoRoundTrips(c, [][]byte{[]byte("hello"), payload(9, 1<<20), payload(10, 3)}); err != nil {
				t.Fatal(err)
			}
			st := recv(t, states, waitTimeout, "TLSConnectionState in OnTraffic")
			if st.Version != version || st.NegotiatedProtocol != "echo/1" || !st.HandshakeComplete {
				t.Fatalf("server state: version %x, ALPN %q, complete %v", st.Version, st.NegotiatedProtocol, st.HandshakeComplete)
			}
		})
	}
}

func TestTLSCloseSendsCloseNotify(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	h := &hooks{traffic: func(c gnet.Conn) gnet.Action {
		c.Discard(-1)
		c.Write(payload(3, 200<<10))
		return gnet.Close
	}}
	s := startTCP(t, h, gnet.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pki.server}}))
	c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: pki.pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	c.Write([]byte("go"))
	got, err := io.ReadAll(c) // io.ReadAll stops cleanly only at close_notify
	if err != nil || !bytes.Equal(got, payload(3, 200<<10)) {
		t.Fatalf("read %d bytes, then %v; want all 200 KiB and a clean close_notify", len(got), err)
	}
}

func TestTLSClientCertificatesAndResumption(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	h, opens, _ := tlsEchoHooks(nil)
	logger := &countingLogger{}
	s := startTCP(t, h, gnet.WithLogger(logger), gnet.WithTLSConfig(&tls.Config{
		Certificates: []tls.Certificate{pki.server}, ClientCAs: pki.pool, ClientAuth: tls.RequireAndVerifyClientCert,
	}))
	cache := tls.NewLRUClientSessionCache(4)
	dial := func(certs []tls.Certificate, cache tls.ClientSessionCache) (*tls.Conn, error) {
		c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: pki.pool, ServerName: "localhost",
			Certificates: certs, ClientSessionCache: cache})
		if err != nil {
			return nil, err
		}
		c.SetDeadline(time.Now().Add(ioTimeout))
		return c, echoRoundTrips(c, [][]byte{[]byte("mtls")}) // TLS 1.3 reports a refused cert on first read
	}
	for i, wantResumed := range []bool{false, true} {
		c, err := dial([]tls.Certificate{pki.client}, cache)
		if err != nil {
			t.Fatalf("dial %d with a client certificate: %v", i, err)
		}
		if got := c.ConnectionState().DidResume; got != wantResumed {
			t.Fatalf("dial %d: DidResume %v, want %v", i, got, wantResumed)
		}
		c.Close()
	}
	// Without a certificate (and without a session to resume, which would carry the
	// earlier one) the server refuses.
	c, err := dial(nil, nil)
	if c != nil {
		c.Close() // dial returns the conn with the echo's error too
	}
	if err == nil {
		t.Fatal("a client without a certificate was served")
	}
	waitFor(t, waitTimeout, "the failed handshake to be logged", func() bool { return logger.warns.Load() >= 1 })
	if n := opens.Load(); n != 2 {
		t.Fatalf("OnOpen ran %d times, want 2: a failed handshake reaches no callback", n)
	}
}

// TestTLSBadInput: plain HTTP, a truncated handshake, garbage records, a silent
// client and an expired server certificate each end in a clean close with no
// callback and a logged error; the server keeps serving.
func TestTLSBadInput(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	h, opens, closes := tlsEchoHooks(nil)
	logger := &countingLogger{}
	s := startTCP(t, h, gnet.WithLogger(logger), gnet.WithTLSHandshakeTimeout(300*time.Millisecond),
		gnet.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pki.server}}))
	raw := func(send []byte) {
		c := s.dial(t)
		c.Write(send)
		c.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, c) // ends when the server closes
		c.Close()
	}
	hello := func() []byte { // the first bytes of a real ClientHello
		a, b := net.Pipe()
		go tls.Client(a, &tls.Config{ServerName: "localhost"}).Handshake()
		buf := make([]byte, 4096)
		b.SetReadDeadline(time.Now().Add(ioTimeout))
		n, _ := b.Read(buf)
		a.Close()
		b.Close()
		return buf[:n]
	}()
	raw([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	raw(hello[:len(hello)/2])
	raw(append([]byte{23, 3, 3, 0, 10}, bytes.Repeat([]byte{0xAB}, 40)...))
	silent := s.dial(t) // sends nothing: the handshake timeout closes it
	silent.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := silent.Read(make([]byte, 1)); err == nil {
		t.Fatal("a silent client was sent data")
	}
	waitFor(t, waitTimeout, "four failed handshakes logged", func() bool { return logger.warns.Load() >= 4 })
	if o, c := opens.Load(), closes.Load(); o != 0 || c != 0 {
		t.Fatalf("bad input reached OnOpen %d / OnClose %d times, want 0", o, c)
	}
	// Still serving.
	c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: pki.pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if err := echoRoundTrips(c, [][]byte{[]byte("after the junk")}); err != nil {
		t.Fatal(err)
	}

	expired := startTCP(t, &hooks{traffic: echoTraffic}, gnet.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pki.expired}}))
	_, err = tls.Dial("tcp", expired.addr, &tls.Config{RootCAs: pki.pool, ServerName: "localhost"})
	var certErr x509.CertificateInvalidError
	if !errors.As(err, &certErr) || certErr.Reason != x509.Expired {
		t.Fatalf("dial to an expired certificate: %v, want x509 Expired", err)
	}
}

// TestTLSProbeIsNotAFailure: a client that connects and closes without sending a
// byte (a TCP health check, wrk's first connection) did not try a handshake, so it
// is not logged as a failed one; a truncated ClientHello still is.
func TestTLSProbeIsNotAFailure(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	h, opens, _ := tlsEchoHooks(nil)
	logger := &countingLogger{}
	s := startTCP(t, h, gnet.WithLogger(logger), gnet.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pki.server}}))
	for range 3 {
		s.dial(t).Close()
	}
	waitFor(t, waitTimeout, "three probes seen", func() bool { return logger.debugs.Load() >= 3 })
	if w := logger.warns.Load(); w != 0 {
		t.Fatalf("%d warnings for connections that sent nothing, want 0", w)
	}
	c := s.dial(t)
	c.Write([]byte{22, 3, 1, 0, 200, 1}) // a ClientHello cut short
	c.Close()
	waitFor(t, waitTimeout, "the cut handshake logged", func() bool { return logger.warns.Load() == 1 })
	if n := opens.Load(); n != 0 {
		t.Fatalf("OnOpen ran %d times, want 0", n)
	}
}

func TestTLSClientDialAndMixedListeners(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	sni := make(chan string, 4)
	serverCfg := &tls.Config{GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		sni <- hello.ServerName
		return &tls.Config{Certificates: []tls.Certificate{pki.server}}, nil
	}}
	const tlsAddr, plainAddr = "tcp://127.0.0.1:0", "tcp4://127.0.0.1:0"
	s := startEngine(t, &hooks{traffic: echoTraffic}, func(h gnet.EventHandler) error {
		return gnet.Rotate(h, []string{tlsAddr, plainAddr}, gnet.WithTLSConfig(serverCfg),
			gnet.WithTLSListenerConfig(plainAddr, nil))
	})
	tlsPort, plainPort := listenerAddr(t, s.eng, 0, "tcp", "127.0.0.1:0"), listenerAddr(t, s.eng, 1, "tcp4", "127.0.0.1:0")
	if err := echoRoundTrips(dialWith(t, &net.Dialer{Timeout: ioTimeout}, "tcp", plainPort), [][]byte{[]byte("plain")}); err != nil {
		t.Fatalf("plain listener: %v", err)
	}

	h := newCollector()
	cli := startClient(t, h, gnet.WithTLSConfig(&tls.Config{RootCAs: pki.pool}))
	_, port, _ := net.SplitHostPort(tlsPort)
	c, err := cli.Dial("tcp", net.JoinHostPort("localhost", port)) // SNI and verification use "localhost"
	if err != nil {
		t.Fatalf("TLS Client.Dial: %v", err)
	}
	if got := recv(t, sni, waitTimeout, "the SNI the server saw"); got != "localhost" {
		t.Fatalf("server saw SNI %q, want localhost", got)
	}
	if err := c.AsyncWrite([]byte("over tls from a reactor client"), nil); err != nil {
		t.Fatal(err)
	}
	if got := h.readAll(t, 30); string(got) != "over tls from a reactor client" {
		t.Fatalf("client got %q", got)
	}
	// Verification is on by default: a client that does not trust the CA fails.
	untrusting := startClient(t, newCollector(), gnet.WithTLSConfig(&tls.Config{}))
	if _, err := untrusting.Dial("tcp", net.JoinHostPort("localhost", port)); err == nil {
		t.Fatal("a client without the CA completed a handshake")
	}
}

func TestTLSWithOpenSSLClient(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	// Echo one line, then close: s_client (with -ign_eof) exits when the server does.
	lineEcho := func(c gnet.Conn) gnet.Action {
		buf, _ := c.Peek(-1)
		if !bytes.Contains(buf, []byte("\n")) {
			return gnet.None
		}
		echoTraffic(c)
		return gnet.Close
	}
	s := startTCP(t, &hooks{traffic: lineEcho}, gnet.WithTLSConfig(&tls.Config{Certificates: []tls.Certificate{pki.server}}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", "s_client", "-connect", s.addr, "-quiet", "-ign_eof")
	cmd.Stdin = strings.NewReader("echo through openssl\n")
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("openssl s_client: %v (is openssl installed?)", err)
	}
	if !strings.Contains(string(out), "echo through openssl") {
		t.Fatalf("openssl s_client got %q", out)
	}
}

// TestTLSEdgeTriggeredInputDuringHandshake: in edge-triggered mode, input that
// arrives while a (slow) handshake completes and exceeds one read budget must still
// be read afterwards: no new edge comes for bytes already in the socket.
func TestTLSEdgeTriggeredInputDuringHandshake(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	s := startTCP(t, &hooks{traffic: echoTraffic}, gnet.WithEdgeTriggeredIO(true), gnet.WithTLSConfig(&tls.Config{
		Certificates: []tls.Certificate{pki.server},
		VerifyConnection: func(tls.ConnectionState) error {
			time.Sleep(200 * time.Millisecond) // a slow check on the handshake goroutine, not a test wait
			return nil
		},
	}))
	runClients(t, 3, 60*time.Second, func(i int) error {
		c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: pki.pool, ServerName: "localhost"})
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		msg := payload(uint64(i), 4<<20)
		go c.Write(msg) // straight after the handshake, while the server still verifies
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			return err
		}
		if !bytes.Equal(got, msg) {
			return errors.New("echo differs")
		}
		return nil
	})
}
