// Package selfsigned gives the TLS examples a certificate: the one in the files named
// on the command line, or a fresh self-signed one for localhost.
package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Load returns the key pair in certFile and keyFile or, when both are
// empty, a new self-signed one written to a fresh temporary directory (left there,
// for clients to trust). certPath is the certificate file, for curl --cacert.
func Load(certFile, keyFile string) (cert tls.Certificate, certPath string, err error) {
	switch {
	case certFile == "" && keyFile == "":
		dir, err := os.MkdirTemp("", "reactor-tls-")
		if err != nil {
			return tls.Certificate{}, "", err
		}
		if certFile, keyFile, err = Write(dir); err != nil {
			return tls.Certificate{}, "", err
		}
	case certFile == "" || keyFile == "":
		return tls.Certificate{}, "", errors.New("-cert and -key go together")
	}
	cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	return cert, certFile, err
}

// Write writes a new self-signed ECDSA P-256 certificate for localhost,
// 127.0.0.1 and ::1, valid for a day, to dir as cert.pem and key.pem.
func Write(dir string) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:             now.Add(-time.Hour), // tolerate a clock a little behind
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}
