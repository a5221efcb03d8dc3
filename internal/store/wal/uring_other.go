//go:build !linux

package wal

import (
	"errors"
	"os"
)

// uringSyncer is Linux-only; elsewhere the store uses fdatasync.
type uringSyncer struct{}

func newURingSyncer() (*uringSyncer, error) { return nil, errors.New("io_uring: not on this OS") }

func (*uringSyncer) datasync(*os.File) error { return errors.New("io_uring: not on this OS") }

func (*uringSyncer) close() {}
