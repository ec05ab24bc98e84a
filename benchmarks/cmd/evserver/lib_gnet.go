//go:build gnet

package main

// The only line that differs between lib_gnet.go and lib_reactor.go is the
// import below: the handler code in server.go uses these aliases unqualified.
import gnet "github.com/panjf2000/gnet/v2"

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
