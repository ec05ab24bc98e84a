//go:build linux

package poller

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Poller is an epoll instance plus an eventfd used for wake-ups.
//
// Wait never blocks in epoll_wait itself. It polls with a zero timeout, and when
// nothing is ready it parks the calling goroutine in the Go runtime's own
// network poller, in which the epoll descriptor is registered (an epoll instance is
// readable while it has events ready). A thread blocked in a system call holds its
// P in the syscall state, and with GOMAXPROCS=1 sysmon then retakes it every 20µs
// and never backs off: on a lightly loaded loop that churn cost more CPU than the
// I/O. A parked goroutine costs nothing, and wakes as soon as an event is ready.
type Poller struct {
	epfd   int
	wakefd int
	file   *os.File        // epfd, registered with the runtime's poller
	rc     syscall.RawConn // to park on it
	timed  bool            // a read deadline is set on file

	// The poll run by rc.Read while parked. It is made once, and works on fields,
	// because a closure over Wait's locals would move them to the heap on every call.
	parked  func(uintptr) bool
	parkRaw []unix.EpollEvent
	parkN   int
	parkErr error

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
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	p := &Poller{epfd: epfd, wakefd: wakefd, file: os.NewFile(uintptr(epfd), "epoll")}
	rc, err := p.file.SyscallConn()
	if err != nil {
		p.Close()
		return nil, err
	}
	p.rc = rc
	p.parked = func(uintptr) bool {
		p.parkN, p.parkErr = poll(p.epfd, p.parkRaw)
		return p.parkN > 0 || p.parkErr != nil
	}
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
	err2 := p.file.Close() // also unregisters it from the runtime's poller
	if err1 != nil {
		return os.NewSyscallError("close", err1)
	}
	return err2
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
	if e := injected(fd, in); e != 0 {
		return os.NewSyscallError("epoll_ctl", e)
	}
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

// Wait returns the ready events, waiting at most timeout (negative: no limit) for
// the first.
func (p *Poller) Wait(events []Event, timeout time.Duration) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	raw := unsafe.Slice((*unix.EpollEvent)(unsafe.Pointer(&events[0])), len(events))
	if timeout == 0 {
		return poll(p.epfd, raw)
	}
	// No poll here before parking: RawRead forgets earlier readiness of the epoll
	// fd and so must poll first anyway, and a caller that expects events has
	// just polled with a zero timeout. Each poll that finds nothing is a wasted
	// syscall on every idle turn of a loop.
	switch {
	case timeout > 0:
		p.file.SetReadDeadline(time.Now().Add(timeout))
		p.timed = true
	case p.timed:
		p.file.SetReadDeadline(time.Time{})
		p.timed = false
	}
	p.parkRaw, p.parkN, p.parkErr = raw, 0, nil
	perr := p.rc.Read(p.parked)
	p.parkRaw = nil
	if perr != nil && !errors.Is(perr, os.ErrDeadlineExceeded) {
		return 0, perr
	}
	return p.parkN, p.parkErr
}

// poll is epoll_wait with a zero timeout. It cannot block, so it skips the
// scheduler's blocking-syscall hand-off.
func poll(epfd int, raw []unix.EpollEvent) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd),
		uintptr(unsafe.Pointer(&raw[0])), uintptr(len(raw)), 0, 0, 0)
	switch e {
	case 0:
		return int(r), nil
	case unix.EINTR:
		return 0, nil
	}
	return 0, os.NewSyscallError("epoll_wait", e)
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
