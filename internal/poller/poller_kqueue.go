//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poller

// The kqueue backend. Facts relied on, from kqueue(2) (FreeBSD, macOS, NetBSD,
// OpenBSD and DragonFly agree on each of them):
//
//   - A registration is keyed by (ident, filter): one descriptor watched for reading
//     and writing is two knotes, EVFILT_READ and EVFILT_WRITE, and each ready one is
//     returned as its own event.
//   - EV_ADD on an existing knote modifies it, EV_DELETE removes it, and EV_DELETE of
//     a knote that does not exist fails with ENOENT. There is no "modify the set":
//     Modify computes the filters to add and delete from a per-descriptor record.
//   - EV_CLEAR resets the state of the filter after the event is retrieved: the
//     edge-triggered behaviour. Whether it is honoured when EV_ADD modifies an
//     existing knote is not documented, so changing it deletes and re-adds the filter.
//   - EVFILT_READ on a socket sets EV_EOF when the peer has shut down its write side,
//     EVFILT_WRITE sets EV_EOF when the socket can no longer send; a pending socket
//     error comes with EV_EOF in fflags. Either way the owner's read or write reports
//     the condition, so both count as readable (see Event.Readable).
//   - With a changelist and no room for events (nevents == 0), the first change that
//     fails makes kevent return -1 with its errno, and the changes after it are not
//     applied. kevent does not wait when nevents is 0, and FreeBSD's page says all
//     changes are applied before EINTR is returned: EINTR means success here.
//   - Calling close(2) on a descriptor removes its knotes, and the queue itself is
//     not inherited by fork(2) children.
//   - A NULL timeout waits forever and a zeroed timespec polls; macOS rejects long
//     timeouts with EINVAL (seen by the Go runtime), so waits are capped at maxWait.

import (
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Poller is a kqueue plus the wake-up channel of wake_evfilt_user.go or wake_pipe.go.
type Poller struct {
	kq   int
	wake wakeup

	// state records, per descriptor, the knotes registered for it, because kqueue
	// has no way to replace an interest set and deleting a missing knote fails. It and
	// ts are used only by the goroutine that owns the poller.
	state []filters
	ts    unix.Timespec // Wait's timeout; a field so that it never escapes to the heap

	// mu orders Wake, which any goroutine may call at any time, against Close: a
	// wake-up sent after Close would reach whatever reused the descriptor number.
	mu     sync.RWMutex
	closed bool
}

// Event is one readiness notification. Its layout is the kernel's struct kevent, so
// that Wait hands the caller's slice straight to kevent.
type Event struct{ raw unix.Kevent_t }

// filters is the kernel state of one descriptor: which knotes exist and which of them
// have EV_CLEAR.
type filters uint8

const (
	readOn filters = 1 << iota
	readClear
	writeOn
	writeClear
	added // between Add and Delete
)

// maxWait caps one kevent sleep; Wait returns 0 events when it expires.
const maxWait = 1e6 * time.Second

func filtersFor(in Interest) filters {
	f := added
	if in&Readable != 0 {
		f |= readOn
		if in&EdgeTriggered != 0 {
			f |= readClear
		}
	}
	if in&Writable != 0 {
		f |= writeOn
		if in&EdgeTriggered != 0 {
			f |= writeClear
		}
	}
	return f
}

// Open creates a kqueue and registers its wake-up channel.
func Open() (*Poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq) // no race to speak of: fork(2) children never inherit a kqueue
	p := &Poller{kq: kq}
	if err := p.wake.open(kq); err != nil {
		unix.Close(kq)
		return nil, err
	}
	return p, nil
}

// Close releases the kqueue and the wake-up channel.
func (p *Poller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	err1 := p.wake.close()
	err2 := unix.Close(p.kq)
	if err1 != nil {
		return err1
	}
	if err2 != nil {
		return os.NewSyscallError("close", err2)
	}
	return nil
}

// Add registers fd with the given interest.
func (p *Poller) Add(fd int, in Interest) error {
	if e := injected(fd, in); e != 0 {
		return os.NewSyscallError("kevent", e)
	}
	if p.lookup(fd)&added != 0 {
		return os.NewSyscallError("kevent", unix.EEXIST)
	}
	// The record of an fd not added is always empty: Delete and a failed Add clear it.
	if err := p.apply(fd, 0, filtersFor(in)); err != nil {
		// A failed Add leaves nothing behind, as it does with epoll.
		p.apply(fd, p.lookup(fd), 0)
		p.state[fd] = 0
		return err
	}
	return nil
}

// Modify replaces the interest of a registered fd.
func (p *Poller) Modify(fd int, in Interest) error {
	if e := injected(fd, in); e != 0 {
		return os.NewSyscallError("kevent", e)
	}
	old := p.lookup(fd)
	if old&added == 0 {
		return os.NewSyscallError("kevent", unix.ENOENT)
	}
	return p.apply(fd, old, filtersFor(in))
}

// Delete removes fd from the interest set. The record is cleared even if a knote
// could not be deleted: the owner closes fd next, and close(2) removes its knotes.
func (p *Poller) Delete(fd int) error {
	old := p.lookup(fd)
	if old&added == 0 {
		return os.NewSyscallError("kevent", unix.ENOENT)
	}
	err := p.apply(fd, old, 0)
	p.state[fd] = 0
	return err
}

func (p *Poller) lookup(fd int) filters {
	if fd < len(p.state) {
		return p.state[fd]
	}
	return 0
}

// apply moves fd's knotes from old to want in one kevent call and records the result.
func (p *Poller) apply(fd int, old, want filters) error {
	if fd >= len(p.state) {
		p.state = append(p.state, make([]filters, max(fd+1-len(p.state), len(p.state)))...)
	}
	var buf [4]unix.Kevent_t
	changes := diff(buf[:0], fd, old, want)
	if len(changes) == 0 {
		p.state[fd] = want
		return nil
	}
	err := change(p.kq, changes)
	if err == nil {
		p.state[fd] = want
		return nil
	}
	if len(changes) == 1 {
		return os.NewSyscallError("kevent", err)
	}
	// The batch stopped at its first failure. Redo it one change at a time: a change
	// that did get applied is harmless to repeat (EV_ADD modifies, EV_DELETE of a
	// missing knote is ENOENT, ignored), and the record ends up exactly right.
	got, first := old, error(nil)
	for i := range changes {
		ch := &changes[i]
		err := change(p.kq, changes[i:i+1])
		on, cleared := readOn, readClear
		if ch.Filter == unix.EVFILT_WRITE {
			on, cleared = writeOn, writeClear
		}
		switch {
		case ch.Flags&unix.EV_DELETE != 0 && (err == nil || err == unix.ENOENT):
			got &^= on | cleared
		case ch.Flags&unix.EV_ADD != 0 && err == nil:
			got = got&^cleared | on
			if ch.Flags&unix.EV_CLEAR != 0 {
				got |= cleared
			}
		case first == nil:
			first = err
		}
	}
	p.state[fd] = got | want&added
	if first == nil {
		return nil
	}
	return os.NewSyscallError("kevent", first)
}

// diff appends the changes that turn old into want for one filter pair. A filter whose
// EV_CLEAR setting changes is deleted and added again.
func diff(changes []unix.Kevent_t, fd int, old, want filters) []unix.Kevent_t {
	for _, f := range [2]struct {
		filter      int
		on, cleared filters
	}{{unix.EVFILT_READ, readOn, readClear}, {unix.EVFILT_WRITE, writeOn, writeClear}} {
		had, wants := old&f.on != 0, want&f.on != 0
		recut := had && wants && (old^want)&f.cleared != 0
		if had && (!wants || recut) {
			changes = append(changes, unix.Kevent_t{})
			unix.SetKevent(&changes[len(changes)-1], fd, f.filter, unix.EV_DELETE)
		}
		if wants && (!had || recut) {
			flags := unix.EV_ADD
			if want&f.cleared != 0 {
				flags |= unix.EV_CLEAR
			}
			changes = append(changes, unix.Kevent_t{})
			unix.SetKevent(&changes[len(changes)-1], fd, f.filter, flags)
		}
	}
	return changes
}

// change submits a changelist without collecting events. Errors are bare errnos.
func change(kq int, changes []unix.Kevent_t) error {
	_, err := unix.Kevent(kq, changes, nil, nil)
	if err == unix.EINTR {
		return nil // the changes were applied; see the facts above
	}
	return err
}

// Wait blocks until at least one event is ready or timeout passes.
func (p *Poller) Wait(events []Event, timeout time.Duration) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	raw := unsafe.Slice((*unix.Kevent_t)(unsafe.Pointer(&events[0])), len(events))
	var ts *unix.Timespec
	if timeout >= 0 {
		p.ts = unix.NsecToTimespec(int64(min(timeout, maxWait)))
		ts = &p.ts
	}
	n, err := unix.Kevent(p.kq, nil, raw, ts)
	if err != nil {
		// ETIMEDOUT is not in kevent(2) but has been seen for an expired timeout
		// (go.dev/issue/59679); it means what returning 0 events means.
		if err == unix.EINTR || err == unix.ETIMEDOUT {
			return 0, nil
		}
		return 0, os.NewSyscallError("kevent", err)
	}
	return n, nil
}

// Wake makes Wait return; safe from any goroutine.
func (p *Poller) Wake() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return os.ErrClosed
	}
	return p.wake.trigger(p.kq)
}

// DrainWake resets the wake-up channel. Call it before looking for queued work.
func (p *Poller) DrainWake() { p.wake.drain() }

// IsWake reports whether this event is the poller's own wake-up.
func (p *Poller) IsWake(ev *Event) bool { return p.wake.is(&ev.raw) }

// Fd reports the descriptor this event is about.
func (ev *Event) Fd() int { return int(ev.raw.Ident) }

// Readable reports data, a pending connection, a hang-up or an error. An EV_EOF or
// EV_ERROR on the write filter counts too, so that the owner's read finds the cause.
func (ev *Event) Readable() bool {
	return ev.raw.Filter == unix.EVFILT_READ || ev.raw.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0
}

// Writable reports room in the send buffer, or an error or hang-up that a write will
// surface (they arrive on the write filter with EV_EOF set).
func (ev *Event) Writable() bool { return ev.raw.Filter == unix.EVFILT_WRITE }
