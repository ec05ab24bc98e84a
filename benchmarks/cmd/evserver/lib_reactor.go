//go:build !gnet

package main

// lib_gnet.go and lib_reactor.go differ in the gnet import line below and in
// withTLS at the end: the handler code in server.go uses these aliases unqualified.
import (
	"crypto/tls"

	gnet "github.com/reactorgo/reactor"
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

// withTLS is the only other difference: reactor serves TLS inside the loop.
func withTLS(cfg *tls.Config) (Option, error) { return gnet.WithTLSConfig(cfg), nil }
