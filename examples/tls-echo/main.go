// Command tls-echo is a TLS echo server on reactor: every byte a client sends comes
// back. The event loop runs the TLS records; OnTraffic reads and writes plaintext
// exactly as examples/echo does.
//
//	go run ./examples/tls-echo -port 9443
//	openssl s_client -connect 127.0.0.1:9443 -quiet
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"

	"github.com/reactorgo/reactor"
	"github.com/reactorgo/reactor/examples/internal/selfsigned"
)

// alpnProtocol is what the server offers by ALPN. A client that asks for ALPN must
// include it; one that does not ask (openssl s_client by default) is served anyway.
const alpnProtocol = "echo"

type echoServer struct {
	reactor.BuiltinEventEngine
	addr string
}

func (s *echoServer) OnBoot(reactor.Engine) reactor.Action {
	log.Printf("tls-echo server listening on %s", s.addr)
	return reactor.None
}

// OnOpen runs once the handshake has succeeded, so the negotiated parameters are
// known; a failed handshake reaches no callback.
func (s *echoServer) OnOpen(c reactor.Conn) ([]byte, reactor.Action) {
	if st, ok := reactor.TLSConnectionState(c); ok {
		log.Printf("%v: %s, %s, ALPN %q", c.RemoteAddr(), tls.VersionName(st.Version),
			tls.CipherSuiteName(st.CipherSuite), st.NegotiatedProtocol)
	}
	return nil, reactor.None
}

// OnTraffic hands every decrypted byte back; Write encrypts it on the loop.
func (s *echoServer) OnTraffic(c reactor.Conn) reactor.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return reactor.None
}

func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{alpnProtocol}}
}

func main() {
	port := flag.Int("port", 9443, "TCP port to listen on")
	multicore := flag.Bool("multicore", false, "run one event loop per CPU")
	certFile := flag.String("cert", "", "PEM certificate file (default: a new self-signed one)")
	keyFile := flag.String("key", "", "PEM private key file of -cert")
	flag.Parse()

	cert, certPath, err := selfsigned.Load(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	if *certFile == "" {
		log.Printf("self-signed certificate for localhost and 127.0.0.1: %s", certPath)
		log.Printf("try: openssl s_client -connect 127.0.0.1:%d -quiet -CAfile %s", *port, certPath)
	}
	addr := fmt.Sprintf("tcp://:%d", *port)
	err = reactor.Run(&echoServer{addr: addr}, addr,
		reactor.WithMulticore(*multicore),
		reactor.WithTLSConfig(tlsConfig(cert)))
	if err != nil {
		log.Fatal(err)
	}
}
