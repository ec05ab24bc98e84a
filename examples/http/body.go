package main

// The body framing (chunked transfer coding, Content-Length) and the byte-level
// checks of the request parser in parse.go.

import (
	"bytes"
	"math"
)

// decodeChunked moves the chunked body forward from p.chunkPos, appending chunk data
// to p.body. It returns the end of the request (after the trailer's blank line) once
// the body is complete, or 0 when more bytes are needed.
func (p *Parser) decodeChunked(buf []byte) (int, error) {
	maxBody := p.maxBodyBytes()
	for {
		rest := buf[p.chunkPos:]
		switch {
		case p.chunkLeft > 0:
			k := min(p.chunkLeft, len(rest))
			if k == 0 {
				return 0, nil
			}
			p.body = append(p.body, rest[:k]...)
			p.chunkLeft -= k
			p.chunkPos += k
		case p.chunkData: // the CRLF after a chunk's data
			if len(rest) < 2 {
				if len(rest) == 1 && rest[0] != '\r' {
					return 0, errBadChunk
				}
				return 0, nil
			}
			if rest[0] != '\r' || rest[1] != '\n' {
				return 0, errBadChunk
			}
			p.chunkPos += 2
			p.chunkData = false
		default: // a chunk-size line, or a trailer line
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				if len(rest) > maxChunkLine {
					return 0, errBadChunk
				}
				return 0, nil
			}
			if i == 0 || rest[i-1] != '\r' || i > maxChunkLine {
				return 0, errBadChunk
			}
			line := rest[:i-1]
			p.chunkPos += i + 1
			if p.chunkPos-p.headLen > 2*maxBody+maxChunkLine {
				return 0, errBodyTooLarge // mostly framing: many tiny chunks
			}
			if p.trailer > 0 {
				if len(line) == 0 {
					return p.chunkPos, nil
				}
				if p.chunkPos-p.trailer > p.maxHeaderBytes() {
					return 0, errHeaderTooLarge
				}
				if colon := bytes.IndexByte(line, ':'); colon <= 0 || !isToken(line[:colon]) {
					return 0, errBadChunk
				}
				continue
			}
			size, ok := parseChunkSize(line)
			if !ok {
				return 0, errBadChunk
			}
			if size == 0 {
				p.trailer = p.chunkPos
				continue
			}
			if size > int64(maxBody-len(p.body)) {
				return 0, errBodyTooLarge
			}
			p.chunkLeft, p.chunkData = int(size), true
		}
	}
}

// parseChunkSize parses "1*HEXDIG [ BWS ; chunk-ext ]".
func parseChunkSize(line []byte) (int64, bool) {
	var size int64
	i := 0
	for ; i < len(line); i++ {
		d := unhex(line[i])
		if d < 0 {
			break
		}
		if size > (math.MaxInt64-15)/16 {
			return 0, false
		}
		size = size*16 + int64(d)
	}
	if i == 0 {
		return 0, false
	}
	ext := trimOWS(line[i:])
	if len(ext) > 0 && ext[0] != ';' {
		return 0, false
	}
	for _, b := range ext {
		if b < ' ' && b != '\t' || b == 0x7f {
			return 0, false
		}
	}
	return size, true
}

func unhex(b byte) int {
	switch {
	case '0' <= b && b <= '9':
		return int(b - '0')
	case 'a' <= b && b <= 'f':
		return int(b-'a') + 10
	case 'A' <= b && b <= 'F':
		return int(b-'A') + 10
	}
	return -1
}

// parseContentLength accepts 1*DIGIT, or a list of identical values ("5, 5").
func parseContentLength(v []byte) (int64, bool) {
	var n int64 = -1
	ok := true
	forEachToken(v, func(tok []byte) {
		var m int64
		if len(tok) == 0 {
			ok = false
		}
		for _, b := range tok {
			if !isDigit(b) || m > (math.MaxInt64-9)/10 {
				ok = false
				return
			}
			m = m*10 + int64(b-'0')
		}
		if n >= 0 && m != n {
			ok = false
		}
		n = m
	})
	return n, ok && n >= 0
}

// forEachToken calls fn for every comma-separated element of a field value, trimmed.
func forEachToken(v []byte, fn func(tok []byte)) {
	for len(v) > 0 {
		i := bytes.IndexByte(v, ',')
		if i < 0 {
			i = len(v)
		}
		fn(trimOWS(v[:i]))
		if i == len(v) {
			return
		}
		v = v[i+1:]
	}
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b and s are equal, ignoring ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// tokenChars marks tchar (RFC 9110 section 5.6.2).
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return true
}

// isTarget accepts a non-empty target of visible ASCII (no controls, spaces or
// DEL); finer URI syntax is left to the handler.
func isTarget(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// isFieldValue rejects controls other than HTAB, and DEL; obs-text (>= 0x80) is
// allowed.
func isFieldValue(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
