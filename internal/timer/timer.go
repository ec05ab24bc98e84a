// Package timer is the per-loop timer queue behind reactor's tickers, scheduled tasks
// and close-drain timeouts. It is a binary min-heap owned by one event loop: no
// goroutine or runtime timer per connection, O(log n) to add or cancel, O(1) to find
// the next deadline that bounds the poller's wait.
package timer

// Timer is a pending callback. Its fields are the heap's; callers keep the pointer
// only to Cancel it.
type Timer struct {
	when  int64 // monotonic nanoseconds, see Heap.Now
	index int   // position in the heap, -1 once fired or cancelled
	fn    func()
}

// Pending reports whether t is still waiting to fire.
func (t *Timer) Pending() bool { return t != nil && t.index >= 0 }

// Heap orders timers by deadline.
type Heap struct {
	items []*Timer
}

// Len reports the number of pending timers.
func (h *Heap) Len() int { return len(h.items) }

// Add schedules fn at the monotonic time when and returns the timer.
func (h *Heap) Add(when int64, fn func()) *Timer {
	t := New(fn)
	h.Schedule(t, when)
	return t
}

// New returns a timer that is not scheduled yet; Schedule arms it, as often as
// needed, without allocating again.
func New(fn func()) *Timer { return &Timer{fn: fn, index: -1} }

// Schedule arms t at when, moving it if it is already pending.
func (h *Heap) Schedule(t *Timer, when int64) {
	if t.Pending() {
		t.when = when
		h.down(t.index)
		h.up(t.index)
		return
	}
	t.when, t.index = when, len(h.items)
	h.items = append(h.items, t)
	h.up(t.index)
}

// When reports the time t is armed for.
func (t *Timer) When() int64 { return t.when }

// Cancel removes t if it is still pending.
func (h *Heap) Cancel(t *Timer) {
	if !t.Pending() {
		return
	}
	i := t.index
	last := len(h.items) - 1
	h.swap(i, last)
	h.items[last] = nil
	h.items = h.items[:last]
	t.index = -1
	if i < last {
		h.down(i)
		h.up(i)
	}
}

// Next returns the earliest deadline, and false when no timer is pending.
func (h *Heap) Next() (int64, bool) {
	if len(h.items) == 0 {
		return 0, false
	}
	return h.items[0].when, true
}

// RunExpired fires, in deadline order, every timer due at or before now. Timers added
// by the callbacks fire in a later call, so a callback that re-arms itself with a zero
// delay cannot starve the loop.
func (h *Heap) RunExpired(now int64) int {
	fired := 0
	limit := len(h.items)
	for fired < limit && len(h.items) > 0 && h.items[0].when <= now {
		t := h.items[0]
		h.Cancel(t)
		fired++
		t.fn()
	}
	return fired
}

func (h *Heap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index = i
	h.items[j].index = j
}

func (h *Heap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].when <= h.items[i].when {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *Heap) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.items[r].when < h.items[l].when {
			m = r
		}
		if h.items[i].when <= h.items[m].when {
			return
		}
		h.swap(i, m)
		i = m
	}
}
