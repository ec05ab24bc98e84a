package main

import (
	"bytes"
	"strconv"
)

// This file reads RESP2 requests from the bytes a connection has buffered, as Redis
// does: a request starting with '*' is a multibulk array of bulk strings, anything
// else is an inline command (one line, split on spaces, with Redis's quoting rules).
// The parser keeps its position and the arguments found so far between calls, so a
// big command arriving in many reads is scanned once; the bytes themselves stay in
// the Conn until the whole command is there.

// Redis's limits (server.h): an inline command or a count line may be 64 KiB, a bulk
// string 512 MiB (proto-max-bulk-len), a multibulk count INT_MAX.
const (
	maxInline      = 64 << 10
	maxBulkDefault = 512 << 20
	maxMultibulk   = 1<<31 - 1
)

// ProtocolError is input after which Redis replies with an error and closes the
// connection. Its text is the reply, without "-ERR ".
type ProtocolError struct{ msg string }

func (e *ProtocolError) Error() string { return e.msg }

var (
	errInlineTooBig    = &ProtocolError{"Protocol error: too big inline request"}
	errUnbalanced      = &ProtocolError{"Protocol error: unbalanced quotes in request"}
	errMbulkTooBig     = &ProtocolError{"Protocol error: too big mbulk count string"}
	errMbulkLength     = &ProtocolError{"Protocol error: invalid multibulk length"}
	errBulkCountTooBig = &ProtocolError{"Protocol error: too big bulk count string"}
	errBulkLength      = &ProtocolError{"Protocol error: invalid bulk length"}
)

// errExpectedDollar is Redis's "expected '$', got 'X'".
func errExpectedDollar(got byte) error {
	return &ProtocolError{"Protocol error: expected '$', got '" + string(rune(got)) + "'"}
}

// span is an argument's position in the command's bytes.
type span struct{ start, end int }

// Parser reads the commands of one connection. The zero value is ready to use.
type Parser struct {
	// MaxBulk bounds a bulk string's length; 0 means 512 MiB.
	MaxBulk int

	// Args holds the arguments of the command last returned; they point into the bytes
	// given to Parse (or into the Parser, for inline commands) and are valid until the
	// next call.
	Args [][]byte

	// State of a multibulk command in progress, kept across calls.
	pos   int    // bytes of the command consumed so far
	argc  int    // arguments announced by the '*' line; 0 before it is read
	spans []span // arguments found so far

	inline []byte // unquoted inline arguments
}

func (p *Parser) maxBulk() int {
	if p.MaxBulk > 0 {
		return p.MaxBulk
	}
	return maxBulkDefault
}

// Parse reads one command from buf, the connection's unread bytes, which start at the
// current command (the same prefix as in the previous call, plus what arrived since).
//
// It returns n > 0 when a whole command is in buf: the caller runs p.Args (which may
// be empty: Redis ignores blank lines and "*0") and discards n bytes. It returns 0, nil
// when more bytes are needed, and a *ProtocolError when the connection must close.
func (p *Parser) Parse(buf []byte) (n int, err error) {
	if len(buf) == 0 {
		return 0, nil
	}
	if buf[0] != '*' {
		return p.parseInline(buf)
	}
	return p.parseMultibulk(buf)
}

func (p *Parser) reset() {
	p.pos, p.argc, p.spans = 0, 0, p.spans[:0]
}

func (p *Parser) parseInline(buf []byte) (int, error) {
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		if len(buf) > maxInline {
			return 0, errInlineTooBig
		}
		return 0, nil
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	var ok bool
	p.inline, p.spans, ok = splitArgs(p.inline[:0], p.spans[:0], line)
	if !ok {
		return 0, errUnbalanced
	}
	p.Args = p.Args[:0]
	for _, s := range p.spans {
		p.Args = append(p.Args, p.inline[s.start:s.end:s.end])
	}
	p.spans = p.spans[:0]
	return nl + 1, nil
}

func (p *Parser) parseMultibulk(buf []byte) (int, error) {
	if p.argc == 0 {
		cr := bytes.IndexByte(buf, '\r')
		if cr < 0 {
			if len(buf) > maxInline {
				return 0, errMbulkTooBig
			}
			return 0, nil
		}
		if cr+1 >= len(buf) {
			return 0, nil // Redis waits for the byte after CR, and does not check it
		}
		count, ok := parseInt(buf[1:cr])
		if !ok || count > maxMultibulk {
			return 0, errMbulkLength
		}
		if count <= 0 {
			p.Args = p.Args[:0]
			return cr + 2, nil // an empty command: nothing to run
		}
		p.argc, p.pos = int(count), cr+2
	}
	maxBulk := p.maxBulk()
	for len(p.spans) < p.argc {
		rest := buf[p.pos:]
		if len(rest) == 0 {
			return 0, nil
		}
		cr := bytes.IndexByte(rest, '\r')
		if cr < 0 {
			if len(rest) > maxInline {
				return 0, errBulkCountTooBig
			}
			return 0, nil
		}
		if cr+1 >= len(rest) {
			return 0, nil
		}
		if rest[0] != '$' {
			return 0, errExpectedDollar(rest[0])
		}
		size, ok := parseInt(rest[1:cr])
		if !ok || size < 0 || size > int64(maxBulk) {
			return 0, errBulkLength
		}
		start := p.pos + cr + 2
		// As Redis does, the two bytes after the data are skipped, not checked.
		if len(buf)-start < int(size)+2 {
			return 0, nil
		}
		p.spans = append(p.spans, span{start, start + int(size)})
		p.pos = start + int(size) + 2
	}
	p.Args = p.Args[:0]
	for _, s := range p.spans {
		p.Args = append(p.Args, buf[s.start:s.end:s.end])
	}
	n := p.pos
	p.reset()
	return n, nil
}

// parseInt parses a decimal integer strictly, as Redis's string2ll does: an optional
// '-', no '+', no leading zeros, no spaces, no overflow.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 || b[0] == '0' {
		return 0, false
	}
	var v uint64 // 19 digits cannot overflow it
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	switch {
	case neg && v <= 1<<63:
		return int64(-v), true // two's complement: -(1<<63) wraps to MinInt64
	case !neg && v <= 1<<63-1:
		return int64(v), true
	}
	return 0, false
}

// splitArgs splits an inline command line the way Redis does (sdssplitargs): words
// separated by whitespace; "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes;
// 'single quotes' with \' only. A closing quote must be followed by whitespace or the
// end of the line. Redis works on a C string there, so a NUL byte ends the line. The
// unquoted bytes are appended to dst and the words' positions in dst to spans; ok is
// false for unbalanced quotes.
func splitArgs(dst []byte, spans []span, line []byte) ([]byte, []span, bool) {
	if nul := bytes.IndexByte(line, 0); nul >= 0 {
		line = line[:nul]
	}
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			return dst, spans, true
		}
		start := len(dst)
		inDouble, inSingle := false, false
	word:
		for ; ; i++ {
			if i == len(line) {
				if inDouble || inSingle {
					return dst, spans, false
				}
				break
			}
			c := line[i]
			switch {
			case inDouble:
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					dst = append(dst, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					switch line[i] {
					case 'n':
						dst = append(dst, '\n')
					case 'r':
						dst = append(dst, '\r')
					case 't':
						dst = append(dst, '\t')
					case 'b':
						dst = append(dst, '\b')
					case 'a':
						dst = append(dst, '\a')
					default:
						dst = append(dst, line[i])
					}
				case c == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return dst, spans, false
					}
					i++
					break word
				default:
					dst = append(dst, c)
				}
			case inSingle:
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					dst = append(dst, '\'')
					i++
				case c == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return dst, spans, false
					}
					i++
					break word
				default:
					dst = append(dst, c)
				}
			default:
				switch {
				case c == ' ' || c == '\n' || c == '\r' || c == '\t': // not \v or \f, as in Redis
					break word
				case c == '"':
					inDouble = true
				case c == '\'':
					inSingle = true
				default:
					dst = append(dst, c)
				}
			}
		}
		spans = append(spans, span{start, len(dst)})
	}
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Reply encoders: each appends one RESP2 value to dst.

func appendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// appendError appends "-<msg>\r\n", with CR and LF in msg turned into spaces as Redis
// does so that the reply stays one line.
func appendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	for i := range len(msg) {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

func appendInt(dst []byte, v int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, v, 10)
	return append(dst, '\r', '\n')
}

func appendBulk(dst, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

func appendNull(dst []byte) []byte { return append(dst, "$-1\r\n"...) }

func appendArrayHeader(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}
