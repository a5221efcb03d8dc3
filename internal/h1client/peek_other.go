//go:build !unix

package h1client

import (
	"errors"
	"net"
	"syscall"
)

func peekAlive(net.Conn) bool { return true }

func isResetOrPipe(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
