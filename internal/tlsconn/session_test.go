package tlsconn

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testCert(tb testing.TB) tls.Certificate {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestSessionWithSplitRecords runs a server Session against crypto/tls's client over
// a socket pair, feeding it the client's bytes one at a time, as an event loop might
// see them, and checks the plaintext both ways.
func TestSessionWithSplitRecords(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			serverSide, clientSide := net.Pipe()
			defer serverSide.Close()
			defer clientSide.Close()
			cfg := &tls.Config{Certificates: []tls.Certificate{testCert(t)}, MinVersion: version, MaxVersion: version}
			out := make(chan []byte, 64)
			s := NewServer(cfg, func(p []byte) { out <- append([]byte(nil), p...) })
			go func() { // the server's socket writer
				for p := range out {
					serverSide.Write(p)
				}
			}()
			defer close(out)
			feedDone := make(chan struct{})
			go func() { // the loop's reads, one byte at a time
				defer close(feedDone)
				b := make([]byte, 1)
				for {
					if _, err := serverSide.Read(b); err != nil {
						s.Close()
						return
					}
					s.Feed(b)
				}
			}()
			client := tls.Client(clientSide, &tls.Config{InsecureSkipVerify: true})
			hsErr := make(chan error, 1)
			go func() { hsErr <- client.Handshake() }()
			if err := s.Handshake(5 * time.Second); err != nil {
				t.Fatalf("server handshake: %v", err)
			}
			if err := <-hsErr; err != nil {
				t.Fatalf("client handshake: %v", err)
			}
			s.LoopMode(func(p []byte) { out <- append([]byte(nil), p...) })
			if s.State().Version != version {
				t.Fatalf("negotiated %x", s.State().Version)
			}
			msg := bytes.Repeat([]byte("0123456789abcdef"), 2500) // several records
			go client.Write(msg)
			var got []byte
			scratch := make([]byte, MaxPlaintext)
			deadline := time.Now().Add(5 * time.Second)
			for len(got) < len(msg) && time.Now().Before(deadline) {
				var err error
				if got, _, err = s.Decrypt(got, scratch); err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("decrypted %d of %d bytes", len(got), len(msg))
			}
			if err := s.Encrypt([]byte("pong")); err != nil {
				t.Fatal(err)
			}
			reply := make([]byte, 4)
			client.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(client, reply); err != nil || string(reply) != "pong" {
				t.Fatalf("client read %q, %v", reply, err)
			}
			client.Close() // sends close_notify
			for eof := false; !eof; {
				var err error
				if _, eof, err = s.Decrypt(nil, scratch); err != nil {
					t.Fatalf("Decrypt after close_notify: %v", err)
				}
				if time.Now().After(deadline) {
					t.Fatal("close_notify never seen")
				}
			}
			serverSide.Close()
			<-feedDone
		})
	}
}

// TestHandshakeGivesUpOnClose: a handshake waiting for a peer that never speaks
// returns once the session is closed, so no goroutine is left behind.
func TestHandshakeGivesUpOnClose(t *testing.T) {
	s := NewServer(&tls.Config{Certificates: []tls.Certificate{testCert(t)}}, func([]byte) {})
	done := make(chan error, 1)
	go func() { done <- s.Handshake(time.Minute) }()
	s.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a handshake with no peer succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Handshake did not return after Close")
	}
}
