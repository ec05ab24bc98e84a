package reactor

import (
	"fmt"
	"testing"
)

func testLoops(n int) []*eventloop {
	loops := make([]*eventloop, n)
	for i := range loops {
		loops[i] = &eventloop{idx: i}
	}
	return loops
}

func TestLeastConnectionsPicksTheEmptiestLoop(t *testing.T) {
	t.Parallel()
	lb := newLoadBalancer(LeastConnections)
	loops := testLoops(5)
	for _, el := range loops {
		lb.add(el)
	}
	counts := make([]int, len(loops))
	open := func() *eventloop {
		el := lb.next(0)
		lb.opened(el)
		counts[el.idx]++
		return el
	}
	for range 23 {
		open()
	}
	for i, n := range counts {
		if n < 4 || n > 5 {
			t.Fatalf("after 23 opens loop %d has %d conns, want 4 or 5 each: %v", i, n, counts)
		}
	}
	for range counts[3] { // empty loop 3
		lb.closed(loops[3])
	}
	counts[3] = 0
	for range 4 {
		if el := open(); el != loops[3] {
			t.Fatalf("new conn went to loop %d, want the emptied loop 3 (counts %v)", el.idx, counts)
		}
	}
}

func TestRoundRobinAndSourceHashAreDeterministic(t *testing.T) {
	t.Parallel()
	rr := newLoadBalancer(RoundRobin)
	sh := newLoadBalancer(SourceAddrHash)
	loops := testLoops(3)
	for _, el := range loops {
		rr.add(el)
		sh.add(el)
	}
	for i := range 7 {
		if got := rr.next(0); got != loops[i%3] {
			t.Fatalf("round robin pick %d went to loop %d", i, got.idx)
		}
	}
	for h := uint32(0); h < 50; h++ {
		if a, b := sh.next(h), sh.next(h); a != b || a != loops[h%3] {
			t.Fatalf("source hash %d maps to loops %d and %d", h, a.idx, b.idx)
		}
	}
}

func BenchmarkLoadBalancer(b *testing.B) {
	for _, lb := range []struct {
		name string
		kind LoadBalancing
	}{{"RoundRobin", RoundRobin}, {"LeastConnections", LeastConnections}, {"SourceAddrHash", SourceAddrHash}} {
		for _, n := range []int{2, 16, 256} {
			b.Run(fmt.Sprintf("%s/loops=%d", lb.name, n), func(b *testing.B) {
				balancer := newLoadBalancer(lb.kind)
				for _, el := range testLoops(n) {
					balancer.add(el)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					el := balancer.next(uint32(i) * 2654435761)
					balancer.opened(el)
					balancer.closed(el)
				}
			})
		}
	}
}
