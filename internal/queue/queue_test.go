package queue

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testTimeout bounds every wait in this file so a bug cannot hang the test
// binary; it is generous because -race slows things down considerably.
const testTimeout = 30 * time.Second

// item identifies a value by its producer and its sequence number.
type item struct {
	producer, seq int
}

// waitTimeout waits for wg, failing t if it takes longer than d.
func waitTimeout(t testing.TB, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("producers did not finish within %v", d)
	}
}

// startProducers starts n goroutines, producer p pushing item{p, 0..m-1}
// in order; after each Push it increments pushed (when non-nil).
func startProducers(t testing.TB, q *MPSC[item], n, m int, pushed *atomic.Int64) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	for p := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range m {
				q.Push(item{p, i})
				if pushed != nil {
					pushed.Add(1)
				}
			}
		}()
	}
	return &wg
}

// checker verifies that every item is seen exactly once and in per-producer
// order: the next item from producer p must carry sequence number next[p].
type checker struct {
	next []int
	seen int
}

func newChecker(producers int) *checker { return &checker{next: make([]int, producers)} }

func (c *checker) check(t testing.TB, it item) {
	t.Helper()
	if it.producer < 0 || it.producer >= len(c.next) {
		t.Fatalf("item from unknown producer %d", it.producer)
	}
	if want := c.next[it.producer]; it.seq != want {
		t.Fatalf("producer %d: got seq %d, want %d (lost, duplicated or reordered)", it.producer, it.seq, want)
	}
	c.next[it.producer]++
	c.seen++
}

func (c *checker) complete(t testing.TB, m int) {
	t.Helper()
	for p, n := range c.next {
		if n != m {
			t.Fatalf("producer %d: saw %d items, want %d", p, n, m)
		}
	}
}

func TestSingleGoroutineFIFO(t *testing.T) {
	q := New[int]()
	if v, ok := q.Pop(); ok || v != 0 {
		t.Fatalf("Pop on new queue = %d, %v; want 0, false", v, ok)
	}
	if n := q.Len(); n != 0 {
		t.Fatalf("Len on new queue = %d", n)
	}
	next, want := 0, 0
	// Interleave bursts of pushes and partial drains so the list grows,
	// shrinks to the stub and grows again with recycled nodes.
	for round := range 50 {
		for range round + 1 {
			q.Push(next)
			next++
		}
		if n, exp := q.Len(), next-want; n != exp {
			t.Fatalf("round %d: Len = %d, want %d", round, n, exp)
		}
		for range round/2 + 1 {
			v, ok := q.Pop()
			if !ok || v != want {
				t.Fatalf("round %d: Pop = %d, %v; want %d, true", round, v, ok, want)
			}
			want++
		}
	}
	for want < next {
		v, ok := q.Pop()
		if !ok || v != want {
			t.Fatalf("drain: Pop = %d, %v; want %d, true", v, ok, want)
		}
		want++
	}
	if v, ok := q.Pop(); ok {
		t.Fatalf("Pop on drained queue = %d, true", v)
	}
	if n := q.Len(); n != 0 {
		t.Fatalf("Len on drained queue = %d", n)
	}
}

// TestProducersOneConsumer: N producers x M items, one consumer; every item
// is seen exactly once and per-producer order is preserved.
func TestProducersOneConsumer(t *testing.T) {
	for _, tc := range []struct{ producers, items int }{
		{1, 20000}, {2, 10000}, {4, 5000}, {16, 2000},
	} {
		t.Run("", func(t *testing.T) {
			q := New[item]()
			wg := startProducers(t, q, tc.producers, tc.items, nil)
			c := newChecker(tc.producers)
			total := tc.producers * tc.items
			deadline := time.Now().Add(testTimeout)
			for c.seen < total {
				it, ok := q.Pop()
				if !ok {
					if time.Now().After(deadline) {
						t.Fatalf("consumer saw %d of %d items before the deadline", c.seen, total)
					}
					runtime.Gosched()
					continue
				}
				c.check(t, it)
			}
			waitTimeout(t, wg, testTimeout)
			c.complete(t, tc.items)
			if v, ok := q.Pop(); ok {
				t.Fatalf("extra item after all were consumed: %+v", v)
			}
			if n := q.Len(); n != 0 {
				t.Fatalf("Len = %d after full drain", n)
			}
		})
	}
}

// TestPopDuringPush hammers Pop concurrently with Push. Besides the exactly
// once / order checks, it verifies that Pop never reports a false "empty":
// whenever Pop returns ok=false, every Push that had already returned before
// the Pop started must have been consumed. After the producers finish, a
// final drain must leave Len()==0 with nothing missing.
func TestPopDuringPush(t *testing.T) {
	const producers, items = 4, 20000
	q := New[item]()
	var pushed atomic.Int64
	wg := startProducers(t, q, producers, items, &pushed)
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()

	c := newChecker(producers)
	deadline := time.Now().Add(testTimeout)
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("producers not done before the deadline; consumed %d", c.seen)
		}
		for {
			completed := pushed.Load() // pushes that returned before this Pop
			it, ok := q.Pop()
			if !ok {
				if int64(c.seen) < completed {
					t.Fatalf("Pop reported empty with %d completed pushes but only %d pops", completed, c.seen)
				}
				break
			}
			c.check(t, it)
		}
		runtime.Gosched()
	}
	// Final drain: all producers are done, so everything must be reachable.
	for {
		it, ok := q.Pop()
		if !ok {
			break
		}
		c.check(t, it)
	}
	c.complete(t, items)
	if n := q.Len(); n != 0 {
		t.Fatalf("Len = %d after final drain, want 0", n)
	}
}

// TestLenConcurrent checks that Len is safe from any goroutine and never
// negative while pushes and pops are in flight.
func TestLenConcurrent(t *testing.T) {
	const producers, items = 2, 10000
	q := New[item]()
	wg := startProducers(t, q, producers, items, nil)
	stop := make(chan struct{})
	var lenWG sync.WaitGroup
	var negative atomic.Int64
	lenWG.Add(1)
	go func() {
		defer lenWG.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := q.Len(); n < 0 {
				negative.Store(int64(n))
			}
			runtime.Gosched()
		}
	}()
	c := newChecker(producers)
	deadline := time.Now().Add(testTimeout)
	for c.seen < producers*items {
		it, ok := q.Pop()
		if !ok {
			if time.Now().After(deadline) {
				close(stop)
				t.Fatalf("consumer saw %d items before the deadline", c.seen)
			}
			runtime.Gosched()
			continue
		}
		c.check(t, it)
	}
	close(stop)
	waitTimeout(t, wg, testTimeout)
	waitTimeout(t, &lenWG, testTimeout)
	if n := negative.Load(); n != 0 {
		t.Fatalf("Len observed negative: %d", n)
	}
	if n := q.Len(); n != 0 {
		t.Fatalf("Len = %d after drain", n)
	}
}

// payload is large enough to get its own heap object.
type payload struct{ buf [256]byte }

//go:noinline
func pushPopPayload(t testing.TB, q *MPSC[*payload], released chan<- struct{}) {
	t.Helper()
	p := new(payload)
	runtime.AddCleanup(p, func(ch chan<- struct{}) { close(ch) }, released)
	q.Push(p)
	if got, ok := q.Pop(); !ok || got != p {
		t.Fatalf("Pop = %p, %v; want %p, true", got, ok, p)
	}
}

// TestPopReleasesValue checks that neither the popped node (which becomes
// the stub) nor a recycled node keeps the popped value alive.
func TestPopReleasesValue(t *testing.T) {
	q := New[*payload]()
	released := make(chan struct{})
	pushPopPayload(t, q, released)
	deadline := time.NewTimer(testTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		runtime.GC()
		select {
		case <-released:
			runtime.KeepAlive(q)
			return
		case <-deadline.C:
			t.Fatal("popped value still reachable: the queue retains it")
		case <-tick.C:
		}
	}
}

// TestPopWaitsForInFlightPush holds a push between its swap and its link
// (the window a preempted producer can leave open) and checks that Pop does
// not report empty meanwhile but returns the item once it is linked.
func TestPopWaitsForInFlightPush(t *testing.T) {
	for _, prefill := range []int{0, 1} { // in-flight node right after the stub, or later
		q := New[int]()
		for i := range prefill {
			q.Push(i)
			if v, ok := q.Pop(); !ok || v != i {
				t.Fatalf("Pop = %d, %v; want %d, true", v, ok, i)
			}
		}
		prev, n := q.swapIn(42) // Push has "happened" but is not linked yet

		type result struct {
			v  int
			ok bool
		}
		res := make(chan result, 1)
		go func() { // the (only) consumer
			v, ok := q.Pop()
			res <- result{v, ok}
		}()
		// A Pop that wrongly reports empty returns at once; give it ample
		// time to do so before completing the push. A correct Pop is still
		// spinning when the timer fires, so this cannot flake either way.
		early := time.NewTimer(50 * time.Millisecond)
		select {
		case r := <-res:
			early.Stop()
			t.Fatalf("Pop returned (%d, %v) while a swapped-in push was unlinked", r.v, r.ok)
		case <-early.C:
		}
		prev.next.Store(n)
		deadline := time.NewTimer(testTimeout)
		select {
		case r := <-res:
			deadline.Stop()
			if !r.ok || r.v != 42 {
				t.Fatalf("Pop = %d, %v; want 42, true", r.v, r.ok)
			}
		case <-deadline.C:
			t.Fatal("Pop did not return after the push was linked")
		}
		if v, ok := q.Pop(); ok {
			t.Fatalf("unexpected extra item %d", v)
		}
		if l := q.Len(); l != 0 {
			t.Fatalf("Len = %d after drain", l)
		}
	}
}

// ---- Benchmarks ----

// benchQ is the interface shared by the queues compared in benchmarkQueue.
// Pop is non-blocking for all of them, as in the event loop, which drains
// its task queue after a wake-up and never blocks on it.
type benchQ interface {
	Push(int)
	Pop() (int, bool)
}

// chanCap is the buffered channel's capacity in benchmarkQueue.
const chanCap = 1024

// mutexQueue is the baseline: a mutex-guarded growable ring buffer over a
// slice (allocation-free once it has grown to the peak occupancy).
type mutexQueue struct {
	mu   sync.Mutex
	buf  []int // len is 0 or a power of two
	head int
	n    int
}

func (q *mutexQueue) Push(v int) {
	q.mu.Lock()
	if q.n == len(q.buf) {
		grown := make([]int, max(16, 2*len(q.buf)))
		for i := range q.n {
			grown[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = v
	q.n++
	q.mu.Unlock()
}

func (q *mutexQueue) Pop() (int, bool) {
	q.mu.Lock()
	if q.n == 0 {
		q.mu.Unlock()
		return 0, false
	}
	v := q.buf[q.head]
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	q.mu.Unlock()
	return v, true
}

// TestMutexQueue checks the benchmark baseline itself, across growth.
func TestMutexQueue(t *testing.T) {
	var q mutexQueue
	next, want := 0, 0
	for round := range 100 {
		for range round + 1 {
			q.Push(next)
			next++
		}
		for range round / 2 {
			if v, ok := q.Pop(); !ok || v != want {
				t.Fatalf("Pop = %d, %v; want %d, true", v, ok, want)
			}
			want++
		}
	}
	for ; want < next; want++ {
		if v, ok := q.Pop(); !ok || v != want {
			t.Fatalf("drain: Pop = %d, %v; want %d, true", v, ok, want)
		}
	}
	if _, ok := q.Pop(); ok {
		t.Fatal("Pop on drained baseline queue reported an item")
	}
}

// chanQueue is a buffered channel. Note that it is bounded: producers block
// when it is full, which the event loop's task queue must not do.
type chanQueue chan int

func (q chanQueue) Push(v int) { q <- v }

func (q chanQueue) Pop() (int, bool) {
	select {
	case v := <-q:
		return v, true
	default:
		return 0, false
	}
}

// benchImpls are the compared queues, each run as a sub-benchmark.
var benchImpls = []struct {
	name string
	new  func() benchQ
}{
	{"mpsc", func() benchQ { return New[int]() }},
	{"mutex", func() benchQ { return &mutexQueue{} }},
	{"chan", func() benchQ { return make(chanQueue, chanCap) }},
}

// benchmarkQueue measures the throughput of `producers` goroutines pushing
// b.N items in total into one queue drained by the benchmark goroutine, for
// the MPSC queue and for the mutex+slice and buffered-channel baselines.
// ns/op is per item (push and pop). Producers are not throttled: when they
// outrun the consumer, the unbounded queues grow (B/op shows the heap
// growth) while the channel makes producers block. Throttling producers on
// Len() was tried and measured mostly the Gosched back-off instead.
func benchmarkQueue(b *testing.B, producers int) {
	for _, impl := range benchImpls {
		b.Run(impl.name, func(b *testing.B) {
			q := impl.new()
			// Warm up (node pool, slice capacity) outside the timed region.
			for i := range 1024 {
				q.Push(i)
			}
			for {
				if _, ok := q.Pop(); !ok {
					break
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			per, extra := b.N/producers, b.N%producers
			for p := range producers {
				n := per
				if p < extra {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range n {
						q.Push(i)
					}
				}()
			}
			deadline := time.Now().Add(testTimeout)
			for got, idle := 0, 0; got < b.N; {
				if _, ok := q.Pop(); ok {
					got++
					continue
				}
				if idle++; idle%1024 == 0 && time.Now().After(deadline) {
					b.Fatalf("consumed %d of %d before the deadline", got, b.N)
				}
				runtime.Gosched()
			}
			b.StopTimer()
			waitTimeout(b, &wg, testTimeout)
		})
	}
}

func BenchmarkMPSC1(b *testing.B) { benchmarkQueue(b, 1) }
func BenchmarkMPSC2(b *testing.B) { benchmarkQueue(b, 2) }
func BenchmarkMPSC4(b *testing.B) { benchmarkQueue(b, 4) }

// BenchmarkPushPop is the uncontended case: the loop goroutine queueing work
// for itself (one Push and one Pop per op).
func BenchmarkPushPop(b *testing.B) {
	for _, impl := range benchImpls {
		b.Run(impl.name, func(b *testing.B) {
			q := impl.new()
			q.Push(0)
			q.Pop()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				q.Push(i)
				q.Pop()
			}
		})
	}
}
