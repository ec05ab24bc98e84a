package main

import "bytes"

// This file is an incremental HTTP/1.x request parser that works on the bytes a
// connection has buffered. The server hands Parse everything unread, starting at the
// first byte of a request; Parse either reports a complete request and its length (the
// server answers it and discards that many bytes) or asks for more. The parser keeps
// its position between calls, so bytes arriving one at a time are scanned once, not
// once per read, and a request never has to be copied out of the connection's buffer.
//
// What it accepts (RFC 9112):
//
//   - CRLF line endings only: a bare LF, or a CR elsewhere, is a 400. Empty lines
//     before the request line are skipped, as section 2.2 recommends.
//   - request-line = method SP request-target SP HTTP-version; the version must be
//     HTTP/1.0 or HTTP/1.1 (another well-formed HTTP/x.y gets 505).
//   - field-name ":" OWS field-value OWS; whitespace before the colon and obsolete
//     line folding are 400 (section 5.1 and 5.2 allow rejecting them).
//   - the head (request line and fields) is at most MaxHeaderBytes: over it a 431, or
//     414 when the request line alone is too long; at most maxHeaders fields (431).
//   - HTTP/1.1 requests need exactly one Host field (400 otherwise).
//   - bodies: Content-Length (one value; repeated identical values are allowed), or
//     Transfer-Encoding: chunked, decoded here with chunk extensions and trailer
//     fields skipped. Any other transfer coding is 501. Content-Length together with
//     Transfer-Encoding, or Transfer-Encoding in an HTTP/1.0 request, is 400: both are
//     request-smuggling shapes (section 6.1). A body over MaxBodyBytes is 413.
//   - Expect: 100-continue is reported (Request.ExpectContinue) so the server can
//     answer it; any other expectation is 417.
//
// Every error is answered and followed by closing the connection, since the framing
// of whatever follows can no longer be trusted.

// Default limits, used when the Parser's fields are zero.
const (
	defaultMaxHeaderBytes = 8 << 10
	defaultMaxBodyBytes   = 1 << 20
	maxHeaders            = 64
	maxChunkLine          = 1 << 10 // a chunk-size line, extensions included
)

// ParseError is a request the server must refuse, with the status to refuse it with.
type ParseError struct {
	Status int
	Reason string // why, for logs and the response body
}

func (e *ParseError) Error() string { return e.Reason }

// The errors are values, so a bad request costs no allocation either.
var (
	errBadRequestLine   = &ParseError{400, "malformed request line"}
	errBadMethod        = &ParseError{400, "malformed method"}
	errBadTarget        = &ParseError{400, "malformed request target"}
	errBadVersion       = &ParseError{400, "malformed HTTP version"}
	errVersion          = &ParseError{505, "HTTP version not supported"}
	errBadLineEnd       = &ParseError{400, "line not terminated by CRLF"}
	errBadHeader        = &ParseError{400, "malformed header field"}
	errFolding          = &ParseError{400, "obsolete line folding"}
	errHost             = &ParseError{400, "HTTP/1.1 request needs exactly one Host field"}
	errContentLength    = &ParseError{400, "invalid Content-Length"}
	errCLAndTE          = &ParseError{400, "both Content-Length and Transfer-Encoding"}
	errTEOn10           = &ParseError{400, "Transfer-Encoding in an HTTP/1.0 request"}
	errTransferEncoding = &ParseError{501, "transfer coding not implemented"}
	errExpect           = &ParseError{417, "unsupported expectation"}
	errHeaderTooLarge   = &ParseError{431, "request header fields too large"}
	errTooManyHeaders   = &ParseError{431, "too many header fields"}
	errURITooLong       = &ParseError{414, "request line too long"}
	errBodyTooLarge     = &ParseError{413, "request body too large"}
	errBadChunk         = &ParseError{400, "malformed chunked body"}
)

// Header is one header field; both slices point into the request's bytes.
type Header struct {
	Name, Value []byte
}

// Request is a parsed request. Its slices point into the bytes given to Parse (or,
// for a chunked body, into the Parser) and are valid until the next call to Parse.
type Request struct {
	Method  []byte
	Target  []byte // as sent: origin-form, absolute-form, authority-form or "*"
	Path    []byte // Target without query, and without scheme and authority
	Minor   int    // 0 for HTTP/1.0, 1 for HTTP/1.1
	Headers []Header
	Body    []byte

	// KeepAlive reports whether the connection stays open after the response:
	// HTTP/1.1 unless "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
	KeepAlive bool
	// ExpectContinue is set by "Expect: 100-continue".
	ExpectContinue bool

	contentLength int64 // -1 when absent
	chunked       bool
	headers       [maxHeaders]Header // backs Headers
}

// Header returns the value of the first field named name, ignoring ASCII case.
func (r *Request) Header(name string) ([]byte, bool) {
	for _, h := range r.Headers {
		if equalFold(h.Name, name) {
			return h.Value, true
		}
	}
	return nil, false
}

// Parser parses the requests of one connection, one after another. The zero value is
// ready to use with the default limits.
type Parser struct {
	MaxHeaderBytes int // 0 means 8 KiB
	MaxBodyBytes   int // 0 means 1 MiB

	Request Request

	// Position in the current request, kept across calls.
	scanned  int  // bytes of the head already checked for the blank line
	lineEnd  int  // end of the request line (after CRLF), 0 until found
	headLen  int  // length of the head, 0 until the blank line is found
	headDone bool // the head was parsed and the framing is known

	// Chunked bodies are decoded into body as they arrive.
	chunkPos  int  // next byte of the chunked body to look at
	chunkLeft int  // bytes of the current chunk's data still to copy
	chunkData bool // between a chunk-size line and the CRLF after its data
	trailer   int  // start of the trailer section, 0 before the last chunk
	body      []byte
}

// Reset forgets any partly parsed request.
func (p *Parser) Reset() {
	p.scanned, p.lineEnd, p.headLen, p.headDone = 0, 0, 0, false
	p.chunkPos, p.chunkLeft, p.chunkData, p.trailer = 0, 0, false, 0
	p.body = p.body[:0]
}

func (p *Parser) maxHeaderBytes() int {
	if p.MaxHeaderBytes > 0 {
		return p.MaxHeaderBytes
	}
	return defaultMaxHeaderBytes
}

func (p *Parser) maxBodyBytes() int {
	if p.MaxBodyBytes > 0 {
		return p.MaxBodyBytes
	}
	return defaultMaxBodyBytes
}

// Parse looks at buf, the unread bytes of the connection starting at the current
// request (the same prefix as in the previous call, plus whatever arrived since).
//
// It returns n > 0 when a whole request is in buf: p.Request describes it and the
// caller must discard n bytes before the next call. It returns 0, nil when more bytes
// are needed; p.Request.ExpectContinue is then meaningful once the head is complete
// (HeadComplete). It returns a *ParseError for a request to refuse.
func (p *Parser) Parse(buf []byte) (n int, err error) {
	fresh := !p.headDone // the head is parsed over this very buf
	if fresh {
		if err := p.findHead(buf); err != nil || p.headLen == 0 {
			return 0, err
		}
		if err := p.parseHead(buf[:p.headLen]); err != nil {
			return 0, err
		}
		p.headDone = true
		p.chunkPos = p.headLen
	}
	req := &p.Request
	switch {
	case req.chunked:
		end, err := p.decodeChunked(buf)
		if err != nil || end == 0 {
			return 0, err
		}
		n = end
	default:
		end := p.headLen + int(req.contentLength)
		if len(buf) < end {
			return 0, nil
		}
		n = end
	}
	if !fresh {
		// The head's slices point into the buf of an earlier call: parse it again
		// over this one (it succeeded before, so it does again).
		p.parseHead(buf[:p.headLen])
	}
	if req.chunked {
		req.Body = p.body
	} else {
		req.Body = buf[p.headLen:n:n]
	}
	p.Reset()
	return n, nil
}

// HeadComplete reports whether the current request's head has been parsed while
// its body is still incomplete.
func (p *Parser) HeadComplete() bool { return p.headDone }

// findHead advances over complete lines until the blank line ending the head.
//
// It only finds line ends: a stray CR inside a line is left to parseHead, which
// rejects it as part of a malformed request line or field. Every check here happens
// when a line is complete or the limit is crossed, so the answer never depends on how
// the request was split into reads (FuzzParse checks this).
func (p *Parser) findHead(buf []byte) error {
	limit := p.maxHeaderBytes()
	for {
		start := p.scanned
		i := bytes.IndexByte(buf[start:], '\n')
		if i < 0 {
			if len(buf) > limit {
				return p.tooLarge()
			}
			return nil
		}
		end := start + i + 1 // the line is buf[start:end], LF included
		if end > limit {
			return p.tooLarge()
		}
		if i == 0 || buf[end-2] != '\r' {
			return errBadLineEnd // a bare LF
		}
		p.scanned = end
		switch {
		case end-start > 2 && p.lineEnd == 0:
			p.lineEnd = end
		case end-start == 2 && p.lineEnd != 0:
			p.headLen = end
			return nil
		}
	}
}

func (p *Parser) tooLarge() error {
	if p.lineEnd == 0 {
		return errURITooLong
	}
	return errHeaderTooLarge
}

// parseHead parses head, which holds optional empty lines, the request line and the
// fields, each ending in CRLF, and the final blank line.
func (p *Parser) parseHead(head []byte) error {
	req := &p.Request
	req.Method, req.Target, req.Path, req.Minor = nil, nil, nil, 0
	req.Headers, req.Body = req.headers[:0], nil
	req.KeepAlive, req.ExpectContinue = false, false
	req.contentLength, req.chunked = -1, false
	for len(head) >= 2 && head[0] == '\r' && head[1] == '\n' {
		head = head[2:]
	}
	eol := bytes.IndexByte(head, '\n')
	if err := parseRequestLine(req, head[:eol-1]); err != nil {
		return err
	}
	head = head[eol+1:]
	hosts, teSeen := 0, false
	var connClose, connKeepAlive bool
	for {
		eol = bytes.IndexByte(head, '\n')
		line := head[:eol-1]
		head = head[eol+1:]
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return errFolding
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return errBadHeader
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		if !isFieldValue(value) {
			return errBadHeader
		}
		if len(req.Headers) == maxHeaders {
			return errTooManyHeaders
		}
		req.Headers = append(req.Headers, Header{name, value})

		switch {
		case equalFold(name, "host"):
			hosts++
		case equalFold(name, "content-length"):
			cl, ok := parseContentLength(value)
			if !ok || (req.contentLength >= 0 && cl != req.contentLength) {
				return errContentLength
			}
			req.contentLength = cl
		case equalFold(name, "transfer-encoding"):
			if teSeen || !equalFold(value, "chunked") {
				return errTransferEncoding
			}
			teSeen = true
		case equalFold(name, "connection"):
			forEachToken(value, func(tok []byte) {
				connClose = connClose || equalFold(tok, "close")
				connKeepAlive = connKeepAlive || equalFold(tok, "keep-alive")
			})
		case equalFold(name, "expect"):
			if !equalFold(value, "100-continue") {
				return errExpect
			}
			req.ExpectContinue = req.Minor == 1
		}
	}
	if req.Minor == 1 && hosts != 1 {
		return errHost
	}
	if teSeen {
		if req.Minor == 0 {
			return errTEOn10
		}
		if req.contentLength >= 0 {
			return errCLAndTE
		}
		req.chunked = true
	}
	if req.contentLength < 0 {
		req.contentLength = 0
	}
	if req.contentLength > int64(p.maxBodyBytes()) {
		return errBodyTooLarge
	}
	if req.Minor == 1 {
		req.KeepAlive = !connClose
	} else {
		req.KeepAlive = connKeepAlive && !connClose
	}
	return nil
}

// parseRequestLine parses "METHOD SP target SP HTTP/1.x" (line without CRLF).
func parseRequestLine(req *Request, line []byte) error {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return errBadRequestLine
	}
	req.Method, line = line[:sp], line[sp+1:]
	if !isToken(req.Method) {
		return errBadMethod
	}
	sp = bytes.IndexByte(line, ' ')
	if sp < 0 {
		return errBadRequestLine
	}
	req.Target, line = line[:sp], line[sp+1:]
	if !isTarget(req.Target) {
		return errBadTarget
	}
	req.Path = targetPath(req.Target)
	if len(line) != 8 || string(line[:5]) != "HTTP/" || line[6] != '.' ||
		!isDigit(line[5]) || !isDigit(line[7]) {
		return errBadVersion
	}
	if line[5] != '1' || line[7] > '1' {
		return errVersion
	}
	req.Minor = int(line[7] - '0')
	return nil
}

// targetPath returns the path of a request target: absolute-form loses its scheme and
// authority, and every form loses its query.
func targetPath(t []byte) []byte {
	if len(t) > 0 && t[0] != '/' {
		if i := bytes.Index(t, []byte("://")); i > 0 {
			t = t[i+3:]
			if j := bytes.IndexByte(t, '/'); j >= 0 {
				t = t[j:]
			} else {
				t = []byte("/")
			}
		}
	}
	if q := bytes.IndexByte(t, '?'); q >= 0 {
		t = t[:q]
	}
	return t
}
