package storetest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/storetest"
	"github.com/stagecraft/stagecraft/internal/store/wal"
)

// The conformance suite is only worth something if it fails for a broken
// store. TestSuiteCatchesMutants runs single suite cases, in a child process
// (a failing subtest cannot be contained in-process), against a real store
// (store/wal, the default; the suite is the same for every implementation)
// wrapped to break one promise, and requires exactly that case to fail.

const mutantEnv = "STAGECRAFT_STORETEST_MUTANT"

var mutants = []struct {
	name, kase string
}{
	{"none", "Rollback"}, // control: the unbroken wrapper passes
	{"commit-on-error", "Rollback"},
	{"always-bump", "RevisionOnlyOnWrites"},
	{"no-coalesce", "WatchCoalesces"},
	{"scan-no-boundary", "ScanOrder"},
	{"forgetful-reopen", "Persistence"},
	{"stale-read", "ConcurrentUpdates"},
	{"ignore-ctx", "CanceledContext"},
	{"reset-keeps-sequences", "Reset"},
}

func TestSuiteCatchesMutants(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("child process")
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0],
				"-test.run=^TestMutantChild$/^"+m.kase+"$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+m.name)
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("child timed out:\n%s", out)
			}
			ran := strings.Contains(string(out), "=== RUN   TestMutantChild/"+m.kase)
			failed := strings.Contains(string(out), "--- FAIL: TestMutantChild/"+m.kase)
			if !ran {
				t.Fatalf("case %s did not run in the child:\n%s", m.kase, out)
			}
			if m.name == "none" {
				if err != nil || failed {
					t.Fatalf("control run failed (%v):\n%s", err, out)
				}
				return
			}
			if err == nil || !failed {
				t.Fatalf("case %s passed against mutant %s (%v):\n%s", m.kase, m.name, err, out)
			}
		})
	}
}

func TestMutantChild(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("only run by TestSuiteCatchesMutants")
	}
	storetest.Run(t, func(t *testing.T) (store.Store, storetest.Reopen) {
		dir := t.TempDir()
		open := func(t *testing.T, file string) store.Store {
			s, err := wal.Open(filepath.Join(dir, file))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return &mutant{Store: s, kind: name}
		}
		n := 0
		return open(t, "a.db"), func(t *testing.T) store.Store {
			if name == "forgetful-reopen" {
				n++
				return open(t, "fresh"+string(rune('0'+n))+".db")
			}
			return open(t, "a.db")
		}
	})
}

// mutant wraps a store and breaks the promise named by kind.
type mutant struct {
	store.Store
	kind string

	mu     sync.Mutex
	queues []chan uint64 // no-coalesce watchers
	last   uint64
}

func (m *mutant) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	switch m.kind {
	case "commit-on-error":
		var fnErr error
		if err := m.Store.Update(ctx, func(tx store.Tx) error { fnErr = fn(tx); return nil }); err != nil {
			return err
		}
		return fnErr
	case "always-bump":
		return m.Store.Update(ctx, func(tx store.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return tx.Put("mutant", "touch", nil)
		})
	case "stale-read":
		// Reads come from a snapshot taken before the write transaction.
		snap := map[string][]byte{}
		err := m.Store.View(ctx, func(tx store.Tx) error {
			return tx.Scan("t", "", func(k string, v []byte) bool {
				snap[k] = append([]byte(nil), v...)
				return true
			})
		})
		if err != nil {
			return err
		}
		return m.Store.Update(ctx, func(tx store.Tx) error { return fn(staleTx{tx, snap}) })
	case "ignore-ctx":
		return m.Store.Update(context.Background(), fn)
	case "no-coalesce":
		if err := m.Store.Update(ctx, fn); err != nil {
			return err
		}
		rev, err := m.Store.Revision(ctx)
		if err != nil {
			return err
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if rev > m.last {
			m.last = rev
			for _, q := range m.queues {
				q <- rev
			}
		}
		return nil
	}
	return m.Store.Update(ctx, fn)
}

func (m *mutant) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if m.kind == "scan-no-boundary" {
		return m.Store.View(ctx, func(tx store.Tx) error { return fn(sloppyScanTx{tx}) })
	}
	return m.Store.View(ctx, fn)
}

func (m *mutant) Watch(ctx context.Context) <-chan uint64 {
	if m.kind != "no-coalesce" {
		return m.Store.Watch(ctx)
	}
	// Queues every revision instead of keeping only the latest.
	ch := make(chan uint64, 100)
	m.mu.Lock()
	m.queues = append(m.queues, ch)
	m.mu.Unlock()
	return ch
}

func (m *mutant) Reset(ctx context.Context) error {
	if m.kind != "reset-keeps-sequences" {
		return m.Store.Reset(ctx)
	}
	return m.Store.Update(ctx, func(tx store.Tx) error {
		for _, table := range []string{"t1", "t2", "t3"} {
			if _, err := tx.DeletePrefix(table, ""); err != nil {
				return err
			}
		}
		return tx.Put("mutant", "reset", nil)
	})
}

type staleTx struct {
	store.Tx
	snap map[string][]byte
}

func (s staleTx) Get(table, key string) ([]byte, error) {
	if table == "t" {
		if v, ok := s.snap[key]; ok {
			return v, nil
		}
		return nil, store.ErrNotFound
	}
	return s.Tx.Get(table, key)
}

type sloppyScanTx struct{ store.Tx }

func (s sloppyScanTx) Scan(table, prefix string, fn func(string, []byte) bool) error {
	return s.Tx.Scan(table, strings.TrimSuffix(prefix, "/"), fn)
}
