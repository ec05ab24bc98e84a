//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package socket

import (
	"sync/atomic"
	"syscall"
)

// Op names a call a Fault can fail.
type Op uint8

const (
	OpRead Op = iota
	OpWrite
	OpAccept
)

// Fault is fault injection for tests, in the spirit of net/hook_unix.go: it runs
// before the real call and, by returning an errno, makes the call fail with it as the
// kernel would have (EAGAIN and EINTR included). Returning 0 lets the call proceed.
type Fault func(op Op, fd int) syscall.Errno

var fault atomic.Pointer[Fault]

// SetFault installs f (nil removes it) and returns a function restoring the previous
// one. It is safe while event loops run.
func SetFault(f Fault) (restore func()) {
	var p *Fault
	if f != nil {
		p = &f
	}
	old := fault.Swap(p)
	return func() { fault.Store(old) }
}

// injected is the errno a Fault asks for, or 0: one atomic load when none is set.
func injected(op Op, fd int) syscall.Errno {
	if p := fault.Load(); p != nil {
		return (*p)(op, fd)
	}
	return 0
}
