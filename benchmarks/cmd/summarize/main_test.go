package main

import (
	"slices"
	"testing"
)

func TestPairedTable(t *testing.T) {
	k := key{"echo64", "srv CPU ns/msg"}
	other := key{"echo64", "msgs/s"}
	share := key{"echo64", "srv CPU share"} // not a cost per message
	rounds := map[key]map[string]map[string]float64{
		k: {
			"reactor": {"1": 100, "2": 90, "3": 120},
			"gnet":    {"1": 200, "2": 100, "3": 100}, // ratios 0.5, 0.9, 1.2
			"floor":   {"1": 80, "3": 100},            // round 2 missing: 1.25, 1.2
		},
		other: {"reactor": {"1": 5}, "gnet": {"1": 10}},
		share: {"reactor": {"1": 0.9}, "gnet": {"1": 0.8}},
	}
	head, rows := pairedTable([]key{other, k, share}, rounds)
	if want := []string{"workload", "metric", "reactor/gnet", "reactor/net", "reactor/floor"}; !slices.Equal(head, want) {
		t.Fatalf("head = %q, want %q", head, want)
	}
	// geometric means: (0.5 × 0.9 × 1.2)^(1/3) = 0.814, (1.25 × 1.2)^(1/2) = 1.225
	want := [][]string{{"echo64", "srv CPU ns/msg", "0.90 [0.50–1.20] (3), gm 0.81", "–", "1.23 [1.20–1.25] (2), gm 1.22"}}
	if len(rows) != 1 || !slices.Equal(rows[0], want[0]) {
		t.Fatalf("rows = %q, want %q", rows, want)
	}
}
