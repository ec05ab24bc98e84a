package poller

import (
	"sync/atomic"
	"syscall"
)

// Fault is fault injection for tests: when set, it runs before every change to the
// interest set (Add, Modify) and, by returning an errno, makes the change fail with
// it as the kernel would have. Returning 0 lets the change proceed.
type Fault func(fd int, in Interest) syscall.Errno

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

func injected(fd int, in Interest) syscall.Errno {
	if p := fault.Load(); p != nil {
		return (*p)(fd, in)
	}
	return 0
}
