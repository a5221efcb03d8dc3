package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
	"github.com/stagecraft/stagecraft/internal/store/storetest"
)

// factory returns a storetest.Factory that opens a new file in t.TempDir()
// with opts and reopens the same path.
func factory(opts ...bolt.Option) storetest.Factory {
	return func(t *testing.T) (store.Store, storetest.Reopen) {
		path := filepath.Join(t.TempDir(), "data", "stagecraft.db")
		open := func(t *testing.T) store.Store {
			t.Helper()
			s, err := bolt.Open(path, opts...)
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

// The group-commit mode runs fn through bbolt's Batch, which reruns calls
// when a batch fails; it must meet the same contract.
func TestConformanceGroupCommit(t *testing.T) {
	storetest.Run(t, factory(bolt.WithGroupCommit(time.Millisecond, 0)))
}

func openTemp(t *testing.T, opts ...bolt.Option) (*bolt.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stagecraft.db")
	s, err := bolt.Open(path, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestSecondOpenFailsClearly(t *testing.T) {
	s, path := openTemp(t)
	if s.Name() != "bolt" {
		t.Fatalf("Name = %q", s.Name())
	}
	start := time.Now()
	second, err := bolt.Open(path, bolt.WithLockTimeout(100*time.Millisecond))
	if err == nil {
		_ = second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "data directory is in use by another stagecraft process") || !strings.Contains(msg, path) {
		t.Fatalf("error %q does not say the data directory is in use, or where", msg)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("second Open took %v with a 100ms lock timeout", d)
	}

	// Once the first store is closed the file can be opened again.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := bolt.Open(path, bolt.WithLockTimeout(0))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileMode(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		t.Fatalf("file mode %v: readable by others", m)
	}
}

func TestNewFileStartsAtRevisionZero(t *testing.T) {
	s, _ := openTemp(t)
	if r, err := s.Revision(context.Background()); err != nil || r != 0 {
		t.Fatalf("Revision of a new file = %d, %v; want 0", r, err)
	}
}

func TestTxAfterUse(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var kept store.Tx
	if err := s.Update(ctx, func(tx store.Tx) error { kept = tx; return tx.Put("t", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Get("t", "k"); !errors.Is(err, bolt.ErrTxDone) {
		t.Fatalf("Get on a finished tx: %v, want ErrTxDone", err)
	}
	if err := kept.Put("t", "k", nil); !errors.Is(err, bolt.ErrTxDone) {
		t.Fatalf("Put on a finished tx: %v, want ErrTxDone", err)
	}
}

func TestTableNames(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for _, table := range []string{"", "\x00meta", "\x00seq"} {
		err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(table, "revision", []byte("x")) })
		if !errors.Is(err, bolt.ErrBadTable) {
			t.Errorf("Put into table %q: %v, want ErrBadTable", table, err)
		}
	}
	if r, _ := s.Revision(ctx); r != 0 {
		t.Fatalf("Revision = %d after rejected writes", r)
	}
}

func TestCloseTwice(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Update(context.Background(), func(store.Tx) error { return nil }); !errors.Is(err, bolt.ErrClosed) {
		t.Fatalf("Update after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Revision(context.Background()); !errors.Is(err, bolt.ErrClosed) {
		t.Fatalf("Revision after Close: %v, want ErrClosed", err)
	}
}

func TestRejectsNonBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	if err := os.WriteFile(path, []byte("not a bolt file, long enough to have a header.........................."), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(path, bolt.WithLockTimeout(0))
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a non-bolt file succeeded")
	}
}

func TestExport(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		for _, tk := range [][3]string{{"t2", "x", "1"}, {"t1", "b", ""}, {"t1", "a", "2"}} {
			if err := tx.Put(tk[0], tk[1], []byte(tk[2])); err != nil {
				return err
			}
		}
		for _, tn := range [][2]string{{"t1", "id"}, {"t1", "id"}, {"x/y", "z"}} {
			if _, err := tx.NextSequence(tn[0], tn[1]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	rev, err := s.Export(ctx, func(table, key string, v []byte) error {
		got = append(got, table+"/"+key+"="+string(v))
		return nil
	}, func(table, name string, n uint64) error {
		got = append(got, fmt.Sprintf("#%s|%s=%d", table, name, n))
		return nil
	})
	if err != nil || rev != 1 {
		t.Fatalf("Export = %d, %v; want revision 1", rev, err)
	}
	want := []string{"t1/a=2", "t1/b=", "t2/x=1", "#t1|id=2", "#x/y|z=1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Export gave %q, want %q", got, want)
	}
}
