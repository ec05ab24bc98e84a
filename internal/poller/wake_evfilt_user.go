//go:build darwin || freebsd || dragonfly

package poller

import (
	"os"

	"golang.org/x/sys/unix"
)

// wakeup is a user event on the poller's own kqueue. kqueue(2): EVFILT_USER "is not
// associated with any kernel mechanism but is triggered by user level code"; a
// change with fflags NOTE_TRIGGER triggers it, and EV_CLEAR on registration resets it
// once the event has been retrieved. So the wake-up costs no descriptor and needs no
// draining: the Wait that returns it has already re-armed it, and a Wake after that
// triggers it again. Used where golang.org/x/sys/unix defines EVFILT_USER (NetBSD has
// it since 10.0, but x/sys does not: see wake_pipe.go).
type wakeup struct {
	// trigger is built once and only read afterwards, by any goroutine calling Wake.
	trig [1]unix.Kevent_t
}

// wakeIdent names the user event. Idents of EVFILT_USER are not descriptors, so any
// value works; IsWake tells the event apart by its filter.
const wakeIdent = 0

func (w *wakeup) open(kq int) error {
	var add [1]unix.Kevent_t
	unix.SetKevent(&add[0], wakeIdent, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	if err := change(kq, add[:]); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	unix.SetKevent(&w.trig[0], wakeIdent, unix.EVFILT_USER, 0)
	w.trig[0].Fflags = unix.NOTE_TRIGGER
	return nil
}

func (w *wakeup) trigger(kq int) error {
	if err := change(kq, w.trig[:]); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

func (w *wakeup) drain() {} // EV_CLEAR did it when Wait retrieved the event

func (w *wakeup) is(ev *unix.Kevent_t) bool { return ev.Filter == unix.EVFILT_USER }

func (w *wakeup) close() error { return nil } // the knote goes with the kqueue
