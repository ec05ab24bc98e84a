//go:build linux

package poller

import (
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Poller is an epoll instance plus an eventfd used for wake-ups.
type Poller struct {
	epfd   int
	wakefd int

	// mu orders Wake, which any goroutine may call at any time, against Close: a
	// wake-up written after Close would land in whatever file reused the number.
	mu     sync.RWMutex
	closed bool
}

// Event is one readiness notification. Its layout is the kernel's epoll_event, so that
// Wait hands the caller's slice straight to epoll_wait.
type Event struct{ raw unix.EpollEvent }

// wakeValue is what Wake adds to the eventfd counter; any non-zero value works.
var wakeValue = [8]byte{1}

// Open creates an epoll instance and its wake-up eventfd.
func Open() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &Poller{epfd: epfd, wakefd: wakefd}
	if err := p.Add(wakefd, Readable); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Close releases the epoll instance and the eventfd.
func (p *Poller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	err1 := unix.Close(p.wakefd)
	err2 := unix.Close(p.epfd)
	if err1 != nil {
		return os.NewSyscallError("close", err1)
	}
	if err2 != nil {
		return os.NewSyscallError("close", err2)
	}
	return nil
}

func epollMask(in Interest) uint32 {
	var m uint32
	if in&Readable != 0 {
		m |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if in&Writable != 0 {
		m |= unix.EPOLLOUT
	}
	if in&EdgeTriggered != 0 {
		m |= unix.EPOLLET
	}
	return m
}

func (p *Poller) ctl(op, fd int, in Interest) error {
	ev := unix.EpollEvent{Events: epollMask(in), Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// Add registers fd with the given interest.
func (p *Poller) Add(fd int, in Interest) error { return p.ctl(unix.EPOLL_CTL_ADD, fd, in) }

// Modify replaces the interest of a registered fd.
func (p *Poller) Modify(fd int, in Interest) error { return p.ctl(unix.EPOLL_CTL_MOD, fd, in) }

// Delete removes fd from the interest set.
func (p *Poller) Delete(fd int) error {
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// Wait blocks until at least one event is ready or timeout passes.
func (p *Poller) Wait(events []Event, timeout time.Duration) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	raw := unsafe.Slice((*unix.EpollEvent)(unsafe.Pointer(&events[0])), len(events))
	var (
		n   int
		err error
	)
	if timeout == 0 {
		// A poll cannot block, so skip the scheduler hand-off of a blocking syscall.
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd),
			uintptr(unsafe.Pointer(&raw[0])), uintptr(len(raw)), 0, 0, 0)
		n = int(r)
		if e != 0 {
			err = e
		}
	} else {
		n, err = unix.EpollWait(p.epfd, raw, timeoutMillis(timeout))
	}
	if err != nil {
		if err == unix.EINTR {
			return 0, nil
		}
		return 0, os.NewSyscallError("epoll_wait", err)
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
	for {
		_, err := unix.Write(p.wakefd, wakeValue[:])
		switch err {
		case nil, unix.EAGAIN: // EAGAIN: the counter is saturated, a wake is pending anyway.
			return nil
		case unix.EINTR:
			continue
		default:
			return os.NewSyscallError("write", err)
		}
	}
}

// DrainWake resets the wake-up counter. Call it before looking for queued work.
func (p *Poller) DrainWake() {
	var buf [8]byte
	unix.Read(p.wakefd, buf[:])
}

// Fd reports the descriptor this event is about.
func (ev *Event) Fd() int { return int(ev.raw.Fd) }

// IsWake reports whether this event is the poller's own wake-up.
func (p *Poller) IsWake(ev *Event) bool { return int(ev.raw.Fd) == p.wakefd }

// Readable reports data, a pending connection, a hang-up or an error.
func (ev *Event) Readable() bool {
	return ev.raw.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0
}

// Writable reports room in the send buffer, or an error or hang-up that a write
// will surface.
func (ev *Event) Writable() bool {
	return ev.raw.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0
}

// timeoutMillis converts a Wait timeout for backends that count milliseconds, rounding
// up so that a timer due in 300µs does not turn into a busy poll.
func timeoutMillis(d time.Duration) int {
	if d < 0 {
		return -1
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<30 {
		return 1 << 30
	}
	return int(ms)
}
