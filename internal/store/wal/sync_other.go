//go:build !linux

package wal

import "os"

// fdatasync makes f's data durable. Outside Linux there is no fdatasync in
// x/sys; File.Sync is fsync (F_FULLFSYNC on macOS, which flushes the drive's
// cache as fdatasync does on Linux).
func fdatasync(f *os.File) error { return f.Sync() }
