package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/reactorgo/reactor"
	"github.com/reactorgo/reactor/examples/internal/selfsigned"
)

// startHTTPS runs the server over TLS with a fresh self-signed certificate and
// returns its address and the certificate's file, for curl --cacert.
func startHTTPS(t testing.TB, cfg config) (addr, certFile string) {
	t.Helper()
	certFile, keyFile, err := selfsigned.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := selfsigned.Load(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	addr = startServer(t, newServer(cfg), reactor.WithNumEventLoop(2), reactor.WithTicker(true),
		reactor.WithTLSConfig(tlsConfig(cert)))
	return addr, certFile
}

// TestTLSCurlKeepAlive: curl verifies the certificate, negotiates HTTP/1.1 by ALPN
// and sends several requests over one TLS connection.
func TestTLSCurlKeepAlive(t *testing.T) {
	addr, certFile := startHTTPS(t, config{})
	base := "https://" + addr
	out, errOut := mustRun(t, nil, "curl", "-sS", "-v", "--cacert", certFile,
		"-w", " [%{http_code} %{http_version} verify=%{ssl_verify_result} connects=%{num_connects}]\n",
		base+"/plaintext", base+"/json", base+"/plaintext?x=1", base+"/missing")
	want := "Hello, World! [200 1.1 verify=0 connects=1]\n" +
		`{"message":"Hello, World!"} [200 1.1 verify=0 connects=0]` + "\n" +
		"Hello, World! [200 1.1 verify=0 connects=0]\n" +
		"not found\n [404 1.1 verify=0 connects=0]\n"
	if out != want {
		t.Fatalf("curl printed\n%s\nwant\n%s\ntrace:\n%s", out, want, errOut)
	}
	if !strings.Contains(errOut, "ALPN: server accepted http/1.1") {
		t.Fatalf("no ALPN agreement in curl's trace:\n%s", errOut)
	}
}

// TestTLSCurlPost: POST bodies come back from /echo over TLS, a small one and one
// large enough to span many records each way.
func TestTLSCurlPost(t *testing.T) {
	addr, certFile := startHTTPS(t, config{})
	url := "https://" + addr + "/echo"

	out, _ := mustRun(t, nil, "curl", "-sS", "--cacert", certFile, "--data-binary", "hello, reactor", url)
	if out != "hello, reactor" {
		t.Fatalf("POST echoed %q", out)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 32<<10) // 512 KiB: 32 records of 16 KiB
	out, _ = mustRun(t, big, "curl", "-sS", "--cacert", certFile, "--data-binary", "@-", url)
	if out != string(big) {
		t.Fatalf("large POST echoed %d bytes, want %d", len(out), len(big))
	}
}

// TestTLSWrk: two seconds of wrk over https, without a socket error or a non-2xx
// answer.
func TestTLSWrk(t *testing.T) {
	addr, _ := startHTTPS(t, config{})
	out, _ := mustRun(t, nil, "wrk", "-t1", "-c20", "-d2s", "--timeout", "5s", "https://"+addr+"/plaintext")
	t.Logf("wrk over https: %d requests", checkWrk(t, out))
}
