// Package socket creates listening sockets, accepts connections and performs the
// non-blocking reads and writes of reactor's event loops, straight on file descriptors.
//
// Errors are wrapped once here with os.NewSyscallError, with one deliberate
// exception: unix.EAGAIN is returned bare from Read, Write and Accept. It is the
// normal end of every non-blocking transfer, so wrapping it would cost an allocation
// per event for something that is not an error.
package socket

import (
	"net"
)

// ListenConfig holds the listener options that must be set before bind or listen.
type ListenConfig struct {
	ReuseAddr    bool
	ReusePort    bool
	RecvBuffer   int    // SO_RCVBUF, inherited by accepted sockets; 0 keeps the default
	SendBuffer   int    // SO_SNDBUF, inherited by accepted sockets; 0 keeps the default
	BindToDevice string // SO_BINDTODEVICE; Linux only
	Backlog      int    // 0 uses the kernel's somaxconn
}

// Listener is a bound, listening socket.
type Listener struct {
	Fd      int
	Network string   // tcp, tcp4, tcp6 or unix
	Addr    net.Addr // the bound address (the real port when port 0 was asked for)
	// Path is the socket file of a unix listener, removed by Close.
	Path string
}
