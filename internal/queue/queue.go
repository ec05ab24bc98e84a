// Package queue provides the task queue that feeds each event loop: any
// goroutine may enqueue work (AsyncWrite, Wake, Close, Execute), and only the
// loop goroutine dequeues it.
package queue

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// cacheLine is the padding unit used to keep the producer side and the
// consumer side of MPSC on separate cache lines (64 bytes on amd64).
const cacheLine = 64

// recycleBatch is how many freed nodes the consumer gathers into one chain
// before handing them to the node pool with a single Put.
//
// Nodes are freed on the consumer's P and needed on the producers' Ps, so
// recycling them one by one makes nearly every sync.Pool Get miss its local
// slots and steal from another P (getSlow, popTail), which profiling showed
// to be about half the cost of a cross-goroutine Push+Pop. Handing over a
// chain pays for the steal once per batch; the producer that receives it
// keeps one node and Puts the rest back into its own P's slot, where the
// following Gets find them cheaply.
const recycleBatch = 32

// node is one link of the intrusive list. The node the consumer currently
// stands on (MPSC.tail) is a stub whose value has already been taken.
type node[T any] struct {
	next  atomic.Pointer[node[T]]
	value T
	// free links recycled nodes into a chain (see recycleBatch). It is only
	// used while the node is owned by exactly one goroutine (the consumer
	// building a chain, or a producer splitting one), so it needs no atomics.
	free *node[T]
}

// MPSC is an unbounded lock-free multi-producer single-consumer FIFO.
//
// It is a Vyukov-style intrusive linked list. The list always contains at
// least one node, the stub at the consumer end, so neither end is ever nil:
//
//	tail(stub) -> n1 -> n2 -> ... -> head
//
// A producer fills a node, atomically swaps it into head (this swap is the
// linearization point of Push: it totally orders all pushes), then links the
// previous head to it. Exactly one producer receives any given previous head
// from the swap, so every next pointer is written exactly once per node
// lifetime, without CAS loops (Push is wait-free apart from obtaining a
// node), and node reuse cannot cause ABA problems since nothing compares
// pointers to decide a write. The consumer follows next pointers from tail.
//
// Memory ordering: sync/atomic operations are sequentially consistent in Go,
// and an atomic load that observes an atomic store is synchronized after it.
// The producer's plain write of node.value happens before its Swap/Store, and
// the consumer reads node.value only after loading the next pointer that
// holds the node, so the value is visible and the access is race-free.
// Nodes are recycled through a sync.Pool, whose Put synchronizes before the
// Get that returns the same node, so the consumer's clearing of a node also
// happens before its reuse by a producer.
//
// Per-producer FIFO order follows because a producer's successive swaps are
// ordered in program order and the list order is the swap order.
//
// The zero value is not usable; create queues with New.
type MPSC[T any] struct {
	// Producer side. head is the most recently pushed node; pushed counts
	// pushes (see Len). Both are written by every Push.
	head   atomic.Pointer[node[T]]
	pushed atomic.Int64
	_      [cacheLine - 16]byte

	// Consumer side, written only by the consumer (popped is read by Len).
	tail      *node[T] // the stub
	popped    atomic.Int64
	freeChain *node[T] // freed nodes not yet handed to pool
	freeLen   int
	_         [cacheLine - 32]byte

	pool sync.Pool // of *node[T], each the head of a chain linked by free
}

// New returns an empty queue.
func New[T any]() *MPSC[T] {
	q := &MPSC[T]{}
	q.pool.New = func() any { return new(node[T]) }
	stub := new(node[T])
	q.head.Store(stub)
	q.tail = stub
	return q
}

// Push appends v. It is safe to call from any goroutine, including the
// consumer. It is wait-free except for obtaining a node (from a sync.Pool, or
// the heap when the pool is empty).
func (q *MPSC[T]) Push(v T) {
	prev, n := q.swapIn(v)
	// Between swapIn and the Store below the node is "pushed" but not yet
	// reachable from tail; Pop waits out this window (see Pop).
	prev.next.Store(n)
}

// swapIn is the first half of Push: it fills a node with v and makes it the
// new head, returning the previous head, which the caller must link to n.
// It is separate only so tests can hold a push inside that window.
func (q *MPSC[T]) swapIn(v T) (prev, n *node[T]) {
	n = q.pool.Get().(*node[T])
	if rest := n.free; rest != nil {
		n.free = nil
		q.pool.Put(rest)
	}
	// n.next is nil and n.value is zero: both were cleared before Put.
	n.value = v
	// Count before publishing so that Len never goes negative: the matching
	// popped increment can only happen after the node is reachable.
	q.pushed.Add(1)
	return q.head.Swap(n), n
}

// Pop removes and returns the oldest item. It must only be called by the
// single consumer goroutine. ok is false only when the queue is really empty,
// i.e. no Push has performed its swap since the last successful Pop.
//
// If a producer has swapped head but not yet linked its node, Pop spins
// (yielding with runtime.Gosched) until the link appears instead of reporting
// empty. This matters for the event loop: it clears its wake-up flag and then
// drains the queue, and a producer only wakes the loop if the flag was set.
// A false "empty" in that window would leave the task stranded until some
// unrelated later wake-up, which may never come. The window is a couple of
// instructions long, so the spin is brief.
func (q *MPSC[T]) Pop() (v T, ok bool) {
	tail := q.tail
	next := tail.next.Load()
	if next == nil {
		if q.head.Load() == tail {
			return v, false // really empty
		}
		// head moved past tail, so the producer that swapped tail out of
		// head owes tail.next; it is between its Swap and its Store.
		for {
			runtime.Gosched()
			if next = tail.next.Load(); next != nil {
				break
			}
		}
	}
	v = next.value
	var zero T
	next.value = zero // next becomes the stub: do not retain the popped value
	q.tail = next
	q.popped.Add(1)
	// The old stub is unreachable now: the only producer that referenced it
	// (as its prev) finished with its Store, which we observed above. Its
	// value was cleared when it became the stub.
	tail.next.Store(nil)
	tail.free = q.freeChain
	q.freeChain = tail
	if q.freeLen++; q.freeLen == recycleBatch {
		q.pool.Put(q.freeChain)
		q.freeChain, q.freeLen = nil, 0
	}
	return v, true
}

// Len returns the approximate number of queued items. It may be called from
// any goroutine. Pushes in progress may already be counted; it is never
// negative.
func (q *MPSC[T]) Len() int {
	// Load popped first: every pop counted in it was preceded by the
	// increment of pushed for the same item, so pushed >= popped.
	popped := q.popped.Load()
	return int(q.pushed.Load() - popped)
}
