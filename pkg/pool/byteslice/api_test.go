package byteslice_test

import "github.com/reactorgo/reactor/pkg/pool/byteslice"

// These assignments pin the exported API to gnet v2.9.7's pkg/pool/byteslice:
// a change to any signature breaks the build before it can break a user.
var (
	_ func(int) []byte                  = byteslice.Get
	_ func([]byte)                      = byteslice.Put
	_ func(*byteslice.Pool, int) []byte = (*byteslice.Pool).Get
	_ func(*byteslice.Pool, []byte)     = (*byteslice.Pool).Put
	_ byteslice.Pool                    // the zero value is documented as ready to use
)
