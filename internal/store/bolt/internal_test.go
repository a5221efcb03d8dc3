package bolt

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

// SIGKILL tests cannot tell a fsync from a write to the page cache (the
// kernel keeps the latter); this pins the settings that make bbolt fdatasync
// on every commit.
func TestCommitsAreSynced(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), WithGroupCommit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.db.NoSync || s.db.NoGrowSync || s.db.NoFreelistSync {
		t.Fatalf("NoSync=%v NoGrowSync=%v NoFreelistSync=%v: commits would not be durable",
			s.db.NoSync, s.db.NoGrowSync, s.db.NoFreelistSync)
	}
}

func TestRefusesNewerFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket(metaBucket)
		if err != nil {
			return err
		}
		return b.Put(formatKey, u64(formatVersion+1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open accepted a file with a newer format version")
	}
	if !strings.Contains(err.Error(), "unsupported format") {
		t.Fatalf("err = %v, want it to name the unsupported format", err)
	}
	// The failed Open released the lock.
	if s, err = Open(path, WithLockTimeout(0)); err == nil {
		_ = s.Close()
	} else if errors.Is(err, ErrLocked) {
		t.Fatal("failed Open left the file locked")
	}
}
