package wal

import (
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync makes f's data (and its size) durable, without the inode's
// timestamps.
func fdatasync(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			return err
		}
	}
}
