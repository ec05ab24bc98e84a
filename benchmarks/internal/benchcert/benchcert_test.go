package benchcert

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"
)

// TestHandshake checks that a client trusting the certificate completes a
// TLS 1.3 handshake with it and that bytes go through.
func TestHandshake(t *testing.T) {
	cfg, err := Config()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	pool := x509.NewCertPool()
	pool.AddCert(cfg.Certificates[0].Leaf)
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("got %q, %v", buf, err)
	}
	if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Fatalf("version %x, want TLS 1.3", v)
	}
}
