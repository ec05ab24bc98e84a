//go:build netbsd || openbsd

package poller

import (
	"os"

	"golang.org/x/sys/unix"
)

// wakeup is a non-blocking pipe whose read end the kqueue watches (level-triggered),
// for the systems where golang.org/x/sys/unix has no EVFILT_USER: OpenBSD has none,
// NetBSD only since 10.0. Wake writes a byte; a full pipe (EAGAIN) means a wake-up is
// pending anyway. DrainWake empties the pipe; a Wake racing with it leaves a byte,
// which keeps the read end ready for the next Wait.
type wakeup struct{ r, w int }

var wakeByte = [1]byte{1}

func (w *wakeup) open(kq int) error {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	w.r, w.w = fds[0], fds[1]
	var add [1]unix.Kevent_t
	unix.SetKevent(&add[0], w.r, unix.EVFILT_READ, unix.EV_ADD)
	if err := change(kq, add[:]); err != nil {
		w.close()
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

func (w *wakeup) trigger(int) error {
	for {
		_, err := unix.Write(w.w, wakeByte[:])
		switch err {
		case nil, unix.EAGAIN:
			return nil
		case unix.EINTR:
			continue
		default:
			return os.NewSyscallError("write", err)
		}
	}
}

func (w *wakeup) drain() {
	var buf [128]byte
	for {
		n, err := unix.Read(w.r, buf[:])
		if err == unix.EINTR {
			continue
		}
		if n < len(buf) {
			return // empty (EAGAIN) or drained
		}
	}
}

func (w *wakeup) is(ev *unix.Kevent_t) bool {
	return ev.Filter == unix.EVFILT_READ && int(ev.Ident) == w.r
}

func (w *wakeup) close() error {
	err1 := unix.Close(w.r)
	err2 := unix.Close(w.w)
	if err1 == nil {
		err1 = err2
	}
	if err1 != nil {
		return os.NewSyscallError("close", err1)
	}
	return nil
}
