// Package poller is the readiness-notification layer under reactor's event loops.
//
// # Backend contract
//
// Every backend (epoll on Linux; kqueue on the BSDs and macOS) provides the same
// small surface, and the event loops above it depend on nothing else:
//
//   - Open creates a poller with a built-in wake-up channel. Wake may be called from
//     any goroutine and makes a blocked or future Wait return promptly with an event
//     for which Event.IsWake reports true. Wake-ups may coalesce: many Wake calls
//     before one Wait yield at least one wake event, and Wait's caller must call
//     DrainWake before it looks for the work it was woken for, so that a Wake racing
//     with the drain is never lost.
//   - Add, Modify and Delete change the interest set of one file descriptor. They are
//     called only from the goroutine that owns the poller. Interest is a bit set of
//     Readable and Writable; EdgeTriggered asks to be told only of changes (the owner
//     must then read or write until EAGAIN). Delete of a descriptor that is about to
//     be closed is still required: the loop relies on it to stop events for an fd
//     number that may soon be reused.
//   - Wait fills events with ready descriptors and returns how many, blocking at most
//     timeout (negative: forever; zero: poll). EINTR is not an error: Wait returns
//     0, nil. Each Event names its fd and reports readable, writable, and error or
//     hang-up conditions; a hang-up or error is always reported as readable as well,
//     so that the owner's read discovers the condition through the read's result.
//   - Close releases the poller. Descriptors still registered are not closed.
//
// One Wait may report the same descriptor more than once: kqueue keeps a separate
// filter for reading and for writing and returns one event per filter. The owner must
// therefore tolerate an event for a descriptor it closed earlier in the same batch
// (it finds no connection) or whose number it has since reused (a spurious readiness,
// which ends in EAGAIN). epoll reports at most one event per descriptor per Wait, but
// the owner must not rely on that.
//
// Errors returned by a backend are *os.SyscallError values, wrapped once here; the
// layers above add context but never wrap again.
package poller

// Interest is the set of readiness conditions a descriptor is registered for.
type Interest uint8

const (
	// Readable asks for notification when the descriptor has data or a pending
	// connection, or when the peer has hung up.
	Readable Interest = 1 << iota
	// Writable asks for notification when the descriptor can take more bytes.
	Writable
	// EdgeTriggered reports a condition once per change instead of while it holds.
	EdgeTriggered
)
