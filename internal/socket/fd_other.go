//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package socket

import "github.com/reactorgo/reactor/pkg/errors"

// Dup is not available where reactor runs on package net alone: such systems
// (Windows among them) have no portable way to duplicate a socket into a plain int.
func Dup(int) (int, error) { return -1, errors.ErrUnsupportedOp }
