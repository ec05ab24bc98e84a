package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// parseStream parses every command in in, fed in pieces of at most step bytes as a
// connection would receive them (step <= 0: all at once). It returns the commands
// (arguments joined by "|") and the protocol error that stopped it, if any.
func parseStream(in []byte, step int) (cmds []string, err error) {
	var p Parser
	start, avail := 0, 0 // the current command begins at start; avail bytes arrived
	for {
		if step <= 0 {
			avail = len(in)
		} else {
			avail = min(avail+step, len(in))
		}
		for {
			n, err := p.Parse(in[start:avail])
			if err != nil {
				return cmds, err
			}
			if n == 0 {
				break
			}
			var args []string
			for _, a := range p.Args {
				args = append(args, string(a))
			}
			cmds = append(cmds, strings.Join(args, "|"))
			start += n
		}
		if avail == len(in) {
			return cmds, nil
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cmds []string // "" is a command without arguments (ignored by the server)
		err  string
	}{
		{"multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", []string{"GET|k"}, ""},
		{"pipelined", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", []string{"PING", "ECHO|"}, ""},
		{"binary bulk", "*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n", []string{"ECHO|a\r\nb"}, ""},
		{"empty multibulk", "*0\r\n*-1\r\n", []string{"", ""}, ""},
		{"partial", "*2\r\n$3\r\nGET\r\n$5\r\nab", nil, ""},
		{"bytes after bulk not checked", "*1\r\n$4\r\nPINGxy", []string{"PING"}, ""},
		{"inline", "SET key value\r\nGET key\n", []string{"SET|key|value", "GET|key"}, ""},
		{"inline blank lines", "\r\n   \n", []string{"", ""}, ""},
		{"inline spaces", "  a \t b  \r\n", []string{"a|b"}, ""},
		{"inline double quotes", `SET "a b" "\x41\n\"\\"` + "\n", []string{"SET|a b|A\n\"\\"}, ""},
		{"inline single quotes", `SET 'it\'s' '\n'` + "\n", []string{`SET|it's|\n`}, ""},
		{"inline quote mid-word", `SET a"b c"d` + "\n", nil, "Protocol error: unbalanced quotes in request"},
		{"inline quote starts mid-word", `SET ab"c d" e` + "\n", []string{"SET|abc d|e"}, ""},
		{"inline NUL ends the line", "GET a\x00b c\n", []string{"GET|a"}, ""},
		{"inline empty quotes", `ECHO ""` + "\n", []string{"ECHO|"}, ""},
		{"unbalanced double", `GET "a` + "\n", nil, "Protocol error: unbalanced quotes in request"},
		{"unbalanced single", `GET 'a` + "\n", nil, "Protocol error: unbalanced quotes in request"},
		{"closing quote then text", `GET "a"b` + "\n", nil, "Protocol error: unbalanced quotes in request"},
		{"bad multibulk count", "*x\r\n", nil, "Protocol error: invalid multibulk length"},
		{"multibulk count with plus", "*+1\r\n", nil, "Protocol error: invalid multibulk length"},
		{"multibulk count leading zero", "*01\r\n", nil, "Protocol error: invalid multibulk length"},
		{"multibulk count too big", "*2147483648\r\n", nil, "Protocol error: invalid multibulk length"},
		{"expected dollar", "*1\r\n:3\r\n", nil, "Protocol error: expected '$', got ':'"},
		{"negative bulk", "*1\r\n$-1\r\n", nil, "Protocol error: invalid bulk length"},
		{"bulk too big", "*1\r\n$536870913\r\n", nil, "Protocol error: invalid bulk length"},
		{"inline too big", strings.Repeat("a", maxInline+1), nil, "Protocol error: too big inline request"},
		{"count line too big", "*" + strings.Repeat("1", maxInline+1), nil, "Protocol error: too big mbulk count string"},
		{"bulk count line too big", "*1\r\n$" + strings.Repeat("1", maxInline+1), nil, "Protocol error: too big bulk count string"},
		{"commands before an error run", "PING\r\n*1\r\n?", []string{"PING"}, ""},
		{"commands before an error run, then the error", "PING\r\n*1\r\n?\r\n", []string{"PING"}, "Protocol error: expected '$', got '?'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []int{0, 1, 3} {
				cmds, err := parseStream([]byte(tt.in), step)
				errText := ""
				if err != nil {
					errText = err.Error()
				}
				if fmt.Sprint(cmds) != fmt.Sprint(tt.cmds) || errText != tt.err {
					t.Fatalf("step %d: got %q, %q; want %q, %q", step, cmds, errText, tt.cmds, tt.err)
				}
			}
		})
	}
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]bool{
		"0": true, "1": true, "-1": true, "123": true, "9223372036854775807": true, "-9223372036854775808": true,
		"": false, "-": false, "-0": false, "01": false, "+1": false, " 1": false, "1 ": false, "1a": false,
		"9223372036854775808": false, "-9223372036854775809": false, "99999999999999999999": false,
	} {
		v, ok := parseInt([]byte(in))
		if ok != want {
			t.Errorf("parseInt(%q) ok = %v, want %v", in, ok, want)
			continue
		}
		if ok {
			if exp, _ := strconv.ParseInt(in, 10, 64); exp != v {
				t.Errorf("parseInt(%q) = %d, want %d", in, v, exp)
			}
		}
	}
}

// encode is a command as redis-cli sends it.
func encode(args [][]byte) []byte {
	b := appendArrayHeader(nil, len(args))
	for _, a := range args {
		b = appendBulk(b, a)
	}
	return b
}

// FuzzParse checks that the parser never panics, that the commands and the error
// found do not depend on how the input is split into reads, and that every command
// read, sent again as a multibulk, reads back the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n",
		"SET \"a\\x41\" 'b\\'c'\r\nGET a\n",
		"*0\r\n*-1\r\n\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n:1\r\n",
		"GET \"unbalanced\n",
		"*1\r\n$4\r\nPI",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxInline {
			// Past 64 KiB which of Redis's "too big" errors shows can depend on the
			// split, in Redis as here.
			return
		}
		whole, errWhole := parseStream(in, 0)
		bytewise, errBytewise := parseStream(in, 1)
		if fmt.Sprintf("%q %v", whole, errWhole) != fmt.Sprintf("%q %v", bytewise, errBytewise) {
			t.Fatalf("whole: %q, %v\nbyte by byte: %q, %v", whole, errWhole, bytewise, errBytewise)
		}
		var p Parser
		for len(in) > 0 {
			n, err := p.Parse(in)
			if err != nil || n == 0 {
				return
			}
			if n > len(in) {
				t.Fatalf("n = %d > %d", n, len(in))
			}
			args := make([][]byte, len(p.Args))
			for i, a := range p.Args {
				args[i] = bytes.Clone(a)
			}
			var q Parser
			enc := encode(args)
			m, err := q.Parse(enc)
			switch {
			case len(args) == 0:
				if m != len(enc) || err != nil || len(q.Args) != 0 {
					t.Fatalf("empty command re-encoded as %q: %d, %v, %q", enc, m, err, q.Args)
				}
			case m != len(enc) || err != nil || fmt.Sprintf("%q", q.Args) != fmt.Sprintf("%q", args):
				t.Fatalf("%q re-encoded as %q reads back as %d, %v, %q", args, enc, m, err, q.Args)
			}
			in = in[n:]
		}
	})
}
