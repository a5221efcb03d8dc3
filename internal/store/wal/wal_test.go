package wal_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
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

func openTemp(t testing.TB, opts ...wal.Option) (*wal.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "wal")
	s, err := wal.Open(dir, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dir
}

// TestBatchWithFailures runs many concurrent Updates, every third failing
// and every fifth panicking, so batches mix them: each function must run
// once, each caller get its own outcome, and exactly the successful writes
// survive a reopen.
func TestBatchWithFailures(t *testing.T) {
	s, dir := openTemp(t)
	ctx := context.Background()
	const n = 300
	var calls [n]atomic.Int32
	errFail := errors.New("fail")
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil && (i%5 != 0 || i%3 == 0) {
					t.Errorf("%d: unexpected panic %v", i, r)
				}
			}()
			err := s.Update(ctx, func(tx store.Tx) error {
				calls[i].Add(1)
				if err := tx.Put("t", fmt.Sprintf("k%03d", i), []byte("v")); err != nil {
					return err
				}
				if _, err := tx.NextSequence("t", "n"); err != nil {
					return err
				}
				switch {
				case i%3 == 0:
					return errFail
				case i%5 == 0:
					panic("boom")
				}
				return nil
			})
			if (err == errFail) != (i%3 == 0) || (err != nil && err != errFail) {
				t.Errorf("%d: Update = %v", i, err)
			}
			if i%5 == 0 && i%3 != 0 {
				t.Errorf("%d: Update returned although fn panicked", i)
			}
		})
	}
	wg.Wait()
	var want []string
	for i := range n {
		if c := calls[i].Load(); c != 1 {
			t.Errorf("fn %d ran %d times", i, c)
		}
		if i%3 != 0 && i%5 != 0 {
			want = append(want, fmt.Sprintf("k%03d", i))
		}
	}
	// Each check does one more NextSequence, a write.
	check := func(s *wal.Store, what string, earlierChecks int) {
		t.Helper()
		var got []string
		var seq uint64
		err := s.View(ctx, func(tx store.Tx) error {
			return tx.Scan("t", "", func(k string, _ []byte) bool { got = append(got, k); return true })
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %d keys, want %d", what, len(got), len(want))
		}
		if rev, _ := s.Revision(ctx); rev != uint64(len(want)+earlierChecks) {
			t.Fatalf("%s: revision %d, want %d", what, rev, len(want)+earlierChecks)
		}
		err = s.Update(ctx, func(tx store.Tx) (err error) { seq, err = tx.NextSequence("t", "n"); return err })
		if err != nil || seq != uint64(len(want)+earlierChecks+1) {
			t.Fatalf("%s: NextSequence = %d, %v; want %d", what, seq, err, len(want)+earlierChecks+1)
		}
	}
	check(s, "before reopen", 0)
	s.Close()
	s2, err := wal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check(s2, "after reopen", 1)
}

func TestImport(t *testing.T) {
	s, dir := openTemp(t)
	ctx := context.Background()
	err := s.Import(ctx, 41, func(im wal.Importer) error {
		if err := im.Put("t", "a", []byte("1")); err != nil {
			return err
		}
		return im.SetSequence("t", "id", 7)
	})
	if err != nil {
		t.Fatal(err)
	}
	if rev, _ := s.Revision(ctx); rev != 41 {
		t.Fatalf("revision after Import = %d, want 41", rev)
	}
	err = s.Import(ctx, 50, func(im wal.Importer) error { return im.Put("t", "b", nil) })
	if !errors.Is(err, wal.ErrNotEmpty) {
		t.Fatalf("second Import: %v, want ErrNotEmpty", err)
	}
	s.Close()
	s, err = wal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var seq uint64
	if err := s.Update(ctx, func(tx store.Tx) (err error) { seq, err = tx.NextSequence("t", "id"); return err }); err != nil || seq != 8 {
		t.Fatalf("NextSequence after Import = %d, %v; want 8", seq, err)
	}
	if rev, _ := s.Revision(ctx); rev != 42 {
		t.Fatalf("revision = %d, want 42", rev)
	}
}

func TestTxAfterUse(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var kept store.Tx
	if err := s.Update(ctx, func(tx store.Tx) error { kept = tx; return tx.Put("t", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Get("t", "k"); !errors.Is(err, wal.ErrTxDone) {
		t.Fatalf("Get on a finished tx: %v, want ErrTxDone", err)
	}
	if err := kept.Put("t", "k", nil); !errors.Is(err, wal.ErrTxDone) {
		t.Fatalf("Put on a finished tx: %v, want ErrTxDone", err)
	}
	_ = s.View(ctx, func(tx store.Tx) error { kept = tx; return nil })
	if err := kept.Scan("t", "", func(string, []byte) bool { return true }); !errors.Is(err, wal.ErrTxDone) {
		t.Fatalf("Scan on a finished View tx: %v, want ErrTxDone", err)
	}
}

func TestTableNamesAndErrors(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, table := range []string{"", "\x00meta"} {
		err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(table, "k", []byte("x")) })
		if !errors.Is(err, wal.ErrBadTable) {
			t.Errorf("Put into table %q: %v, want ErrBadTable", table, err)
		}
	}
	err := s.View(ctx, func(tx store.Tx) error { return tx.Put("t", "k", nil) })
	if !errors.Is(err, wal.ErrReadOnly) {
		t.Errorf("Put in a View: %v, want ErrReadOnly", err)
	}
	if r, _ := s.Revision(ctx); r != 0 {
		t.Fatalf("Revision = %d after rejected writes", r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Update(ctx, func(store.Tx) error { return nil }); !errors.Is(err, wal.ErrClosed) {
		t.Fatalf("Update after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Revision(ctx); !errors.Is(err, wal.ErrClosed) {
		t.Fatalf("Revision after Close: %v, want ErrClosed", err)
	}
}
