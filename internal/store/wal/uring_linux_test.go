package wal

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The io_uring path: completions come back in order across many more
// requests than the ring has entries, the kernel's error reaches the
// caller, and Open uses the ring by default.
func TestURingSyncer(t *testing.T) {
	u, err := newURingSyncer()
	if err != nil {
		t.Skipf("io_uring unavailable here (%v): the store falls back to fdatasync, covered by TestConformanceFdatasync", err)
	}
	defer u.close()
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := f.WriteAt([]byte("record"), int64(i*6)); err != nil {
			t.Fatal(err)
		}
		if err := u.datasync(f); err != nil {
			t.Fatalf("datasync %d: %v", i, err)
		}
	}
	// A file opened read-only on a pipe cannot be synced: EINVAL from the kernel.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := u.datasync(r); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("datasync of a pipe: %v, want EINVAL", err)
	}
	if err := u.datasync(f); err != nil {
		t.Fatalf("datasync after an error: %v", err)
	}

	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.uring == nil {
		t.Fatal("Open did not set up the io_uring although it is available")
	}
	s2, err := Open(t.TempDir(), WithoutIOURing())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.uring != nil {
		t.Fatal("WithoutIOURing: the store has a ring")
	}
}
