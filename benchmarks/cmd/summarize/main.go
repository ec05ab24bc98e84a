// Command summarize turns the raw measurements written by run.sh into the
// results table: per workload and metric, the median of each library's rounds
// with the min–max spread, and the ratios reactor/gnet, reactor/net and
// reactor/floor (each a ratio of medians). A second table pairs the runs of one
// round: for server CPU per message, the median, spread and geometric mean of
// reactor's ratio to each library within the same round. The runs of a round are
// less than a minute apart, so the pairing cancels much of the machine's drift
// between rounds.
//
//	summarize -in raw.tsv [-md out.md -header header.md]
//
// raw.tsv lines: workload<TAB>metric<TAB>lib<TAB>round<TAB>value
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

var libs = []string{"reactor", "gnet", "net", "floor"}

type key struct{ workload, metric string }

func main() {
	in := flag.String("in", "", "raw TSV written by run.sh")
	md := flag.String("md", "", "also write the markdown table to this file")
	header := flag.String("header", "", "markdown file to put before the table in -md")
	flag.Parse()

	f, err := os.Open(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	var order []key
	rounds := map[key]map[string]map[string]float64{} // lib -> round -> value (run.sh records each once)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) != 5 {
			continue
		}
		v, err := strconv.ParseFloat(fs[4], 64)
		if err != nil {
			continue
		}
		k := key{fs[0], fs[1]}
		if rounds[k] == nil {
			rounds[k] = map[string]map[string]float64{}
			order = append(order, k)
		}
		if rounds[k][fs[2]] == nil {
			rounds[k][fs[2]] = map[string]float64{}
		}
		rounds[k][fs[2]][fs[3]] = v
	}

	head := []string{"workload", "metric"}
	for _, l := range libs {
		head = append(head, l+" median [min–max] (n)")
	}
	head = append(head, "reactor/gnet", "reactor/net", "reactor/floor")
	var rows [][]string
	for _, k := range order {
		row := []string{k.workload, k.metric}
		med := map[string]float64{}
		for _, l := range libs {
			vs := slices.Collect(maps.Values(rounds[k][l]))
			if len(vs) == 0 {
				row = append(row, "–")
				continue
			}
			slices.Sort(vs)
			m := median(vs)
			med[l] = m
			row = append(row, fmt.Sprintf("%s [%s–%s] (%d)", num(m), num(vs[0]), num(vs[len(vs)-1]), len(vs)))
		}
		for _, l := range libs[1:] {
			r, ok := med["reactor"]
			d, ok2 := med[l]
			if !ok || !ok2 || d == 0 {
				row = append(row, "–")
				continue
			}
			row = append(row, fmt.Sprintf("%.2f", r/d))
		}
		rows = append(rows, row)
	}
	printText(os.Stdout, head, rows)
	phead, prows := pairedTable(order, rounds)
	if len(prows) > 0 {
		fmt.Println()
		fmt.Println(pairedTitle)
		printText(os.Stdout, phead, prows)
	}
	if *md != "" {
		out, err := os.Create(*md)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if *header != "" {
			if h, err := os.ReadFile(*header); err == nil {
				out.Write(h)
			}
		}
		printMarkdown(out, head, rows)
		if len(prows) > 0 {
			fmt.Fprintf(out, "\n%s\n\n", pairedTitle)
			printMarkdown(out, phead, prows)
		}
		if err := out.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

const pairedTitle = "Server CPU per message, reactor's ratio to each library within the same round: median [min–max] (rounds), geometric mean"

// pairedTable lists, for every server-CPU metric, reactor's ratio to each other
// library computed round by round (only rounds in which both ran).
func pairedTable(order []key, rounds map[key]map[string]map[string]float64) (head []string, rows [][]string) {
	head = []string{"workload", "metric"}
	for _, l := range libs[1:] {
		head = append(head, "reactor/"+l)
	}
	for _, k := range order {
		cpu := strings.HasPrefix(k.metric, "srv CPU ns/") || strings.HasPrefix(k.metric, "srv CPU us/")
		if !cpu || rounds[k]["reactor"] == nil {
			continue
		}
		row := []string{k.workload, k.metric}
		found := false
		for _, l := range libs[1:] {
			var ratios []float64
			for r, v := range rounds[k]["reactor"] {
				if d, ok := rounds[k][l][r]; ok && d > 0 {
					ratios = append(ratios, v/d)
				}
			}
			if len(ratios) == 0 {
				row = append(row, "–")
				continue
			}
			found = true
			slices.Sort(ratios)
			row = append(row, fmt.Sprintf("%.2f [%.2f–%.2f] (%d), gm %.2f", median(ratios), ratios[0], ratios[len(ratios)-1], len(ratios), geomean(ratios)))
		}
		if found {
			rows = append(rows, row)
		}
	}
	return head, rows
}

// geomean is the mean of ratios on a log scale, where 0.5 and 2 cancel out; unlike
// the median it uses every round.
func geomean(ratios []float64) float64 {
	sum := 0.0
	for _, r := range ratios {
		sum += math.Log(r)
	}
	return math.Exp(sum / float64(len(ratios)))
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// num prints with about three significant digits.
func num(v float64) string {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

func printText(w io.Writer, head []string, rows [][]string) {
	width := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := width[i] - len([]rune(c))
			if i < 2 {
				b.WriteString(c + strings.Repeat(" ", pad))
			} else {
				b.WriteString(strings.Repeat(" ", pad) + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(head)
	prev := ""
	for _, r := range rows {
		if r[0] != prev && prev != "" {
			fmt.Fprintln(w)
		}
		prev = r[0]
		line(r)
	}
}

func printMarkdown(w io.Writer, head []string, rows [][]string) {
	fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
		if i >= 2 {
			sep[i] = "---:"
		}
	}
	fmt.Fprintln(w, "| "+strings.Join(sep, " | ")+" |")
	for _, r := range rows {
		fmt.Fprintln(w, "| "+strings.Join(r, " | ")+" |")
	}
}
