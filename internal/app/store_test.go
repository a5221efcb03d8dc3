package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
	"github.com/stagecraft/stagecraft/internal/store/wal"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// boltWithState leaves a closed bolt file in dir with two items, a counter
// at 3 and revision 2.
func boltWithState(t *testing.T, dir string) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, boltFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, fn := range []func(tx store.Tx) error{
		func(tx store.Tx) error { return tx.Put("t", "a", []byte("1")) },
		func(tx store.Tx) error {
			for range 3 {
				if _, err := tx.NextSequence("t", "id"); err != nil {
					return err
				}
			}
			return tx.Put("u", "b", nil)
		},
	} {
		if err := b.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// wantMigrated checks that st holds boltWithState's state (and takes the
// counter one step further).
func wantMigrated(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	if st.Name() != "wal" {
		t.Fatalf("store %q, want wal", st.Name())
	}
	if rev, _ := st.Revision(ctx); rev != 2 {
		t.Fatalf("revision %d after migration, want bolt's 2", rev)
	}
	var got []string
	err := st.View(ctx, func(tx store.Tx) error {
		for _, table := range []string{"t", "u"} {
			if err := tx.Scan(table, "", func(k string, v []byte) bool { got = append(got, table+"/"+k+"="+string(v)); return true }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != "t/a=1" || got[1] != "u/b=" {
		t.Fatalf("migrated items %q, %v", got, err)
	}
	var seq uint64
	if err := st.Update(ctx, func(tx store.Tx) (err error) { seq, err = tx.NextSequence("t", "id"); return err }); err != nil || seq != 4 {
		t.Fatalf("NextSequence after migration = %d, %v; want 4", seq, err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

func TestMigratesBoltOnce(t *testing.T) {
	dir := t.TempDir()
	boltWithState(t, dir)
	cfg := Config{DataDir: dir, Log: quietLog()}
	st, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantMigrated(t, st)
	st.Close()
	if exists(filepath.Join(dir, boltFile)) || !exists(filepath.Join(dir, boltFile+".migrated")) {
		t.Fatalf("bolt file not renamed to %s.migrated", boltFile)
	}

	// The next start does not migrate again: the revision moved on.
	st, err = openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rev, _ := st.Revision(context.Background()); rev != 3 {
		t.Fatalf("revision %d on the second start, want 3", rev)
	}
	st.Close()

	// --store bolt still opens (a new) stagecraft.db.
	cfg.Store = "bolt"
	st, err = openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Name() != "bolt" {
		t.Fatalf("--store bolt opened %q", st.Name())
	}
	st.Close()
	if _, err := openStore(Config{DataDir: dir, Store: "nope", Log: quietLog()}); err == nil {
		t.Fatal("unknown store accepted")
	}
}

// A crash before the copy was durable leaves an empty wal store and the
// bolt file: the migration runs again.
func TestMigrationRerunsAfterCrashBeforeDurable(t *testing.T) {
	dir := t.TempDir()
	boltWithState(t, dir)
	w, err := wal.Open(filepath.Join(dir, walDir))
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	st, err := openStore(Config{DataDir: dir, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wantMigrated(t, st)
}

// A crash after the copy was durable but before the rename leaves both: the
// next start only renames the bolt file, it does not copy again.
func TestMigrationFinishesInterruptedRename(t *testing.T) {
	dir := t.TempDir()
	boltWithState(t, dir)
	boltPath := filepath.Join(dir, boltFile)
	b, _ := os.ReadFile(boltPath)
	cfg := Config{DataDir: dir, Log: quietLog()}
	st, err := openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Undo the rename as if it had not happened.
	os.Remove(boltPath + ".migrated")
	if err := os.WriteFile(boltPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err = openStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wantMigrated(t, st)
	if exists(boltPath) || !exists(boltPath+".migrated") {
		t.Fatal("interrupted rename not finished")
	}
}
