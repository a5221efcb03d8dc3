package wal_test

import (
	"path/filepath"
	"testing"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/storetest"
	"github.com/stagecraft/stagecraft/internal/store/wal"
)

// factory returns a storetest.Factory that opens a new directory in
// t.TempDir() with opts and reopens the same directory.
func factory(opts ...wal.Option) storetest.Factory {
	return func(t *testing.T) (store.Store, storetest.Reopen) {
		dir := filepath.Join(t.TempDir(), "data", "wal")
		open := func(t *testing.T) store.Store {
			t.Helper()
			s, err := wal.Open(dir, opts...)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		}
		return open(t), open
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, factory())
}

// With a tiny compaction size nearly every commit writes a new snapshot
// and log: the contract must hold across generations.
func TestConformanceCompacting(t *testing.T) {
	storetest.Run(t, factory(wal.WithCompactSize(1)))
}
