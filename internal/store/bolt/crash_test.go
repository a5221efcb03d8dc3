package bolt_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
	"github.com/stagecraft/stagecraft/internal/store/storetest"
)

// TestCrashDurability: every acknowledged write survives SIGKILL of a
// process doing one Update at a time (storetest.Crash).
func TestCrashDurability(t *testing.T) {
	storetest.Crash(t, storetest.CrashConfig{
		Test:    "TestCrashDurability",
		Writers: 1, Rounds: 3, MaxKillAfter: 400,
		Open: func(t *testing.T, path string, child bool) store.Store {
			opts := []bolt.Option{}
			if !child {
				opts = append(opts, bolt.WithLockTimeout(0))
			}
			s, err := bolt.Open(path, opts...)
			if err != nil {
				t.Fatalf("open (child %v): %v", child, err)
			}
			return s
		},
	})
}
