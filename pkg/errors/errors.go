// Package errors holds the sentinel errors of reactor. The names match gnet v2's
// pkg/errors so that code comparing with errors.Is keeps working after the import
// changes; the texts are reactor's own and never change once released.
package errors

import "errors"

var (
	// ErrEmptyEngine occurs when an Engine value was not produced by a running engine.
	ErrEmptyEngine = errors.New("reactor: the engine is empty")
	// ErrEngineShutdown occurs when an operation reaches an engine that is stopping.
	ErrEngineShutdown = errors.New("reactor: the engine is shutting down")
	// ErrEngineInShutdown occurs when an engine is asked to stop more than once.
	ErrEngineInShutdown = errors.New("reactor: the engine is already in shutdown")
	// ErrAcceptSocket occurs when the acceptor cannot accept a new connection.
	ErrAcceptSocket = errors.New("reactor: accept a new connection error")
	// ErrTooManyEventLoopThreads occurs when more event loops are asked for than
	// reactor allows (see MaxEventLoops in the root package).
	ErrTooManyEventLoopThreads = errors.New("reactor: too many event loops")
	// ErrUnsupportedProtocol occurs when an address has a scheme reactor does not serve.
	ErrUnsupportedProtocol = errors.New("reactor: only unix, tcp/tcp4/tcp6, udp/udp4/udp6 are supported")
	// ErrUnsupportedTCPProtocol occurs when a TCP network name is not tcp, tcp4 or tcp6.
	ErrUnsupportedTCPProtocol = errors.New("reactor: only tcp/tcp4/tcp6 are supported")
	// ErrUnsupportedUDPProtocol occurs when a UDP network name is not udp, udp4 or udp6.
	ErrUnsupportedUDPProtocol = errors.New("reactor: only udp/udp4/udp6 are supported")
	// ErrUnsupportedUDSProtocol occurs when a unix-domain network name is not unix.
	ErrUnsupportedUDSProtocol = errors.New("reactor: only unix is supported")
	// ErrUnsupportedOp occurs when a method does not apply to the connection or platform.
	ErrUnsupportedOp = errors.New("reactor: unsupported operation")
	// ErrNegativeSize occurs when a negative size is passed to a buffer.
	ErrNegativeSize = errors.New("reactor: negative size is not allowed")
	// ErrNoIPv4AddressOnInterface occurs when an IPv4 multicast group is joined on an
	// interface that has no IPv4 address.
	ErrNoIPv4AddressOnInterface = errors.New("reactor: no IPv4 address on interface")
	// ErrInvalidNetworkAddress occurs when an address has no scheme or cannot be parsed.
	ErrInvalidNetworkAddress = errors.New("reactor: invalid network address")
	// ErrInvalidNetConn occurs when a nil or unsupported net.Conn is enrolled.
	ErrInvalidNetConn = errors.New("reactor: the net.Conn is empty")
	// ErrNilRunnable occurs when a nil Runnable is executed or scheduled.
	ErrNilRunnable = errors.New("reactor: nil runnable is not allowed")

	// ErrInvalidOption occurs when an option value is out of its documented range.
	// It is reactor's own; gnet silently corrects some of these values.
	ErrInvalidOption = errors.New("reactor: invalid option")
	// ErrConnClosed occurs when an operation reaches a connection that is closed or closing.
	ErrConnClosed = errors.New("reactor: connection is closed")
	// ErrDrainTimeout is the error OnClose receives when a closing connection could not
	// deliver its outbound bytes within the drain timeout; those bytes are lost.
	ErrDrainTimeout = errors.New("reactor: outbound data not delivered before the drain timeout")
	// ErrIdleTimeout is the error OnClose receives for a connection closed by the idle
	// timeout (WithIdleTimeout).
	ErrIdleTimeout = errors.New("reactor: connection idle timeout")
	// ErrAsyncQueueFull occurs when AsyncWrite would queue more than the loop's
	// AsyncWriteLimit; the write is not queued.
	ErrAsyncQueueFull = errors.New("reactor: async write queue is full")
	// ErrCallbackPanic is wrapped by the error OnClose receives for a connection whose
	// callback panicked; the panic value and stack are logged.
	ErrCallbackPanic = errors.New("reactor: panic in a callback")
	// ErrTooManyConnections is logged (rate-limited) when connections beyond
	// WithMaxConnections are accepted and closed at once.
	ErrTooManyConnections = errors.New("reactor: too many connections")
)
