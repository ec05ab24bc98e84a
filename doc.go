// Package reactor is an event-loop networking library: one epoll (Linux) or kqueue
// (macOS, BSD) loop per core, a load balancer in front, and an [EventHandler]
// called on the loop for every connection event. Its API is gnet v2's, so a gnet v2 program builds unchanged
// after its imports change to github.com/reactorgo/reactor (imported as gnet if the
// code says gnet.).
//
// # Architecture
//
// [Run] parses the addresses, opens the listeners and starts NumEventLoop event
// loops, each a goroutine owning one poller. Without SO_REUSEPORT the first loop
// accepts for all listeners and hands every new connection to the loop the load
// balancer picks ([RoundRobin], [LeastConnections], [SourceAddrHash]); with
// [WithReusePort] each loop has its own listener and the kernel spreads
// connections. A connection lives on one loop for its whole life, so its callbacks
// never run concurrently and need no locks.
//
// Inbound bytes are read into one buffer per loop. OnTraffic sees them in place;
// only what it leaves unread is copied into the connection's own buffer, so an idle
// connection holds no buffer. Writes made during a callback are queued and sent with
// one write or writev when the callback returns, except that a write of 2 KiB or
// more with nothing queued ahead of it is sent at once, saving a copy of it. Whatever
// the kernel does not take stays queued with write readiness armed, so queued bytes
// always leave without another call.
//
// # Platforms
//
// On Linux (epoll), macOS and the BSDs (kqueue) the loops own a poller, as above.
// Everywhere else (Windows, ...), and with -tags reactor_std, a portable backend on
// package net serves the same API under the same rules: a reader goroutine per
// connection hands each chunk to the owning loop and waits for it, a writer
// goroutine sends the loop's queued output. It costs two goroutines and a read
// buffer per connection; the README lists what it lacks (WithBindToDevice,
// SO_REUSEPORT balancing, Dup on Windows).
//
// # Callback order
//
//	OnBoot                      once, before any connection is served
//	  OnTick                    on loop 0, at start and after each returned delay (WithTicker)
//	  OnOpen                    once per connection; its out bytes are sent first
//	    OnTraffic               for each read with new bytes, and for each Conn.Wake
//	  OnClose                   exactly once per opened connection, after the socket is closed
//	OnShutdown                  once, after every loop has stopped and every OnClose ran
//
// A connection closed by Close, CloseWithCallback, [Close] returned from a callback,
// EOF from the peer, or an engine stop first delivers the bytes already written
// (bounded by [WithDrainTimeout]); OnClose then gets nil. An I/O error closes at once
// and OnClose gets the error. Returning [Shutdown] from any callback stops the engine
// as [Engine.Stop] does.
//
// A panic in a callback is recovered around the event that ran it: that connection
// is closed and its OnClose gets an error wrapping ErrCallbackPanic (pkg/errors),
// the panic and its stack are logged, and the loop and its other connections go on.
// (gnet lets the panic end the process.)
//
// # Goroutines
//
// Every callback runs on an event-loop goroutine; with several loops, callbacks of
// different connections run in parallel, so state shared between connections needs
// synchronisation. Callbacks must not block: hand blocking work to a goroutine pool
// (pkg/pool/goroutine) and come back with AsyncWrite or Wake.
//
// From any goroutine you may call: Conn.AsyncWrite, AsyncWritev, Wake, Close,
// CloseWithCallback, EventLoop and the Socket methods (SetNoDelay, Dup, ...);
// EventLoop.Execute, Schedule, Register and Enroll; every Engine method (but not
// Engine.Stop from a callback: it would wait for the loop it blocks). Their
// callbacks run later on the connection's loop.
//
// Only on the connection's loop (inside callbacks, or in Execute'd runnables) may
// you call: the Reader methods (Next, Peek, Discard, Read, WriteTo,
// InboundBuffered), Write, Writev, ReadFrom, Flush, OutboundBuffered, SendTo,
// Context, SetContext, LocalAddr, RemoteAddr and EventLoop.Close. Slices returned by
// Next and Peek are valid until the callback returns.
//
// # Differences from gnet
//
// reactor keeps gnet's names and semantics, and differs where gnet loses data or
// stalls: Close delivers queued bytes before the FIN; Flush and ReadFrom never stall
// (a partial write arms write readiness); EventLoop.Schedule works; OnTick runs on
// loop 0 rather than on a goroutine of its own; each engine has its own logger;
// Stop returns as soon as the loops are down. The README lists every difference.
package reactor
