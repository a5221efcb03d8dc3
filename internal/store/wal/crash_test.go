package wal_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/storetest"
	"github.com/stagecraft/stagecraft/internal/store/wal"
)

// TestCrashDurability: every acknowledged write survives SIGKILL of a
// process with concurrent writers (records hold batches of several Updates)
// and a small compaction size, so the child is also killed while writing
// snapshots and switching logs (storetest.Crash).
func TestCrashDurability(t *testing.T) {
	storetest.Crash(t, storetest.CrashConfig{
		Test:    "TestCrashDurability",
		Writers: 4, Rounds: 5, MaxKillAfter: 2000,
		Open: func(t *testing.T, path string, child bool) store.Store {
			opt := wal.WithLockTimeout(0)
			if child {
				opt = wal.WithCompactSize(32 << 10)
			}
			s, err := wal.Open(path, opt)
			if err != nil {
				t.Fatalf("open (child %v): %v", child, err)
			}
			return s
		},
	})
}
