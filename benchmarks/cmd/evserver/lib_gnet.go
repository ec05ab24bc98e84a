//go:build gnet

package main

// lib_gnet.go and lib_reactor.go differ in the gnet import line below and in
// withTLS at the end: the handler code in server.go uses these aliases unqualified.
import (
	"crypto/tls"
	"errors"

	gnet "github.com/panjf2000/gnet/v2"
)

type (
	EventHandler       = gnet.EventHandler
	Conn               = gnet.Conn
	Action             = gnet.Action
	Engine             = gnet.Engine
	Option             = gnet.Option
	BuiltinEventEngine = gnet.BuiltinEventEngine
)

const (
	None       = gnet.None
	Close      = gnet.Close
	TCPNoDelay = gnet.TCPNoDelay
)

var (
	run              = gnet.Run
	withMulticore    = gnet.WithMulticore
	withNumEventLoop = gnet.WithNumEventLoop
	withTCPNoDelay   = gnet.WithTCPNoDelay
)

// withTLS is the only other difference: gnet v2 has no TLS.
func withTLS(*tls.Config) (Option, error) {
	return nil, errors.New("gnet v2 has no TLS; -tls needs the reactor build (built without -tags gnet)")
}
