package reactor

import (
	"sync"
	"sync/atomic"
)

// loadBalancer spreads new connections over an engine's loops. next is called by the
// acceptor (and by Engine.Register); opened and closed keep per-loop counts for the
// balancers that need them and may be called from any loop.
type loadBalancer interface {
	add(el *eventloop)
	next(sourceHash uint32) *eventloop
	opened(el *eventloop)
	closed(el *eventloop)
}

func newLoadBalancer(lb LoadBalancing) loadBalancer {
	switch lb {
	case LeastConnections:
		return &leastConnections{}
	case SourceAddrHash:
		return &sourceAddrHash{}
	}
	return &roundRobin{}
}

// roundRobin hands loops out in turn. The cursor is atomic because Engine.Register
// may pick a loop from any goroutine while the acceptor does too.
type roundRobin struct {
	loops  []*eventloop
	cursor atomic.Uint32
}

func (lb *roundRobin) add(el *eventloop) { lb.loops = append(lb.loops, el) }
func (lb *roundRobin) opened(*eventloop) {}
func (lb *roundRobin) closed(*eventloop) {}
func (lb *roundRobin) next(uint32) *eventloop {
	return lb.loops[int((lb.cursor.Add(1)-1)%uint32(len(lb.loops)))]
}

// sourceAddrHash maps a peer IP to a loop: the same client keeps the same loop.
type sourceAddrHash struct{ loops []*eventloop }

func (lb *sourceAddrHash) add(el *eventloop)        { lb.loops = append(lb.loops, el) }
func (lb *sourceAddrHash) opened(*eventloop)        {}
func (lb *sourceAddrHash) closed(*eventloop)        {}
func (lb *sourceAddrHash) next(h uint32) *eventloop { return lb.loops[int(h%uint32(len(lb.loops)))] }

// leastConnections keeps the loops in a min-heap by open connections, so next is
// O(1) and every open or close O(log loops). Counts are taken when a loop is picked,
// not when it gets round to registering the connection, so a burst of accepts is
// spread evenly.
type leastConnections struct {
	mu    sync.Mutex
	heap  []*eventloop
	count []int // by loop index
}

func (lb *leastConnections) add(el *eventloop) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for len(lb.count) <= el.idx {
		lb.count = append(lb.count, 0)
	}
	el.lbIndex = len(lb.heap)
	lb.heap = append(lb.heap, el)
	lb.up(el.lbIndex)
}

func (lb *leastConnections) next(uint32) *eventloop {
	lb.mu.Lock()
	el := lb.heap[0]
	lb.mu.Unlock()
	return el
}

func (lb *leastConnections) opened(el *eventloop) { lb.adjust(el, +1) }
func (lb *leastConnections) closed(el *eventloop) { lb.adjust(el, -1) }

func (lb *leastConnections) adjust(el *eventloop, delta int) {
	lb.mu.Lock()
	lb.count[el.idx] += delta
	if delta > 0 {
		lb.down(el.lbIndex)
	} else {
		lb.up(el.lbIndex)
	}
	lb.mu.Unlock()
}

// less orders by count, then by loop index, so that ties are broken the same way
// every time.
func (lb *leastConnections) less(i, j int) bool {
	a, b := lb.heap[i], lb.heap[j]
	if ca, cb := lb.count[a.idx], lb.count[b.idx]; ca != cb {
		return ca < cb
	}
	return a.idx < b.idx
}

func (lb *leastConnections) swap(i, j int) {
	lb.heap[i], lb.heap[j] = lb.heap[j], lb.heap[i]
	lb.heap[i].lbIndex, lb.heap[j].lbIndex = i, j
}

func (lb *leastConnections) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !lb.less(i, p) {
			return
		}
		lb.swap(i, p)
		i = p
	}
}

func (lb *leastConnections) down(i int) {
	for n := len(lb.heap); ; {
		m, l := i, 2*i+1
		if l < n && lb.less(l, m) {
			m = l
		}
		if r := l + 1; r < n && lb.less(r, m) {
			m = r
		}
		if m == i {
			return
		}
		lb.swap(i, m)
		i = m
	}
}
