package reactor

import (
	"errors"
	"strings"
	"testing"

	rerrors "github.com/reactorgo/reactor/pkg/errors"
)

// FuzzParseProtoAddr: any string gives either a supported network with a non-empty
// address or an error wrapping one of the two documented sentinels; never a panic.
func FuzzParseProtoAddr(f *testing.F) {
	for _, s := range []string{"tcp://127.0.0.1:80", "unix:///tmp/x.sock", "udp6://[::1]:0", "TCP4://:1",
		"127.0.0.1:80", "://x", "tcp://", "sctp://1.2.3.4:5", "tcp:///", "\x00://\xff", "udp://a://b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		network, address, err := parseProtoAddr(s)
		if err != nil {
			if !errors.Is(err, rerrors.ErrInvalidNetworkAddress) && !errors.Is(err, rerrors.ErrUnsupportedProtocol) {
				t.Fatalf("parseProtoAddr(%q): unexpected error kind %v", s, err)
			}
			return
		}
		switch network {
		case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix":
		default:
			t.Fatalf("parseProtoAddr(%q) gave network %q", s, network)
		}
		if address == "" || !strings.HasSuffix(s, address) {
			t.Fatalf("parseProtoAddr(%q) gave address %q", s, address)
		}
	})
}
