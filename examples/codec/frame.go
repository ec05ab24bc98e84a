package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A frame is a 4-byte big-endian payload length followed by the payload. Both ends
// refuse frames longer than an agreed maximum, so a corrupt or hostile length cannot
// make them buffer gigabytes.

const (
	headerLen       = 4
	defaultMaxFrame = 1 << 20
)

// errFrameTooLarge means the stream is unusable: its framing cannot be trusted.
var errFrameTooLarge = errors.New("codec: frame too large")

// frameLen returns the length of the frame starting buf (header included) once its
// header is there, 0 before that, or errFrameTooLarge when the announced payload is
// longer than maxPayload.
func frameLen(buf []byte, maxPayload int) (int, error) {
	if len(buf) < headerLen {
		return 0, nil
	}
	size := binary.BigEndian.Uint32(buf)
	if uint64(size) > uint64(maxPayload) {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", errFrameTooLarge, size, maxPayload)
	}
	return headerLen + int(size), nil
}

// decodeFrame reads the frame at the start of buf. It returns the payload (a slice of
// buf) and the frame's length n, or n == 0 when buf does not yet hold the whole frame.
func decodeFrame(buf []byte, maxPayload int) (payload []byte, n int, err error) {
	n, err = frameLen(buf, maxPayload)
	if n == 0 || len(buf) < n {
		return nil, 0, err
	}
	return buf[headerLen:n:n], n, nil
}

// appendFrame appends payload to dst as one frame.
func appendFrame(dst, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}
