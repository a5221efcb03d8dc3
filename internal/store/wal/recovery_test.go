package wal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/store"
)

func mustOpen(t *testing.T, dir string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(dir, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func put(t *testing.T, s *Store, table, key, value string) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Put(table, key, []byte(value)) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// dump returns every item as table/key=value, the counters as
// #table/name=n, and the revision.
func dump(t *testing.T, s *Store) (items []string, rev uint64) {
	t.Helper()
	st := s.cur.Load()
	st.data.Ascend(func(it item) bool { items = append(items, it.table+"/"+it.key+"="+string(it.val)); return true })
	st.seqs.Ascend(func(q seqItem) bool {
		items = append(items, fmt.Sprintf("#%s/%s=%d", q.table, q.name, q.n))
		return true
	})
	slices.Sort(items)
	r, err := s.Revision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return items, r
}

func wantState(t *testing.T, s *Store, wantRev uint64, want ...string) {
	t.Helper()
	got, rev := dump(t, s)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) || rev != wantRev {
		t.Fatalf("state = %q at revision %d\nwant    %q at revision %d", got, rev, want, wantRev)
	}
}

// logEnd is the offset where the valid records of log-<gen> in dir end
// (the file itself is longer: preallocated zeros follow) and whether only
// zeros follow them.
func logEnd(t *testing.T, dir string, gen uint64) (int64, bool) {
	t.Helper()
	end, zeroTail, err := replayLog(filepath.Join(dir, logName(gen)), gen, newState())
	if err != nil {
		t.Fatal(err)
	}
	return end, zeroTail
}

// threeWrites leaves a closed store in dir with three commits and returns
// the offsets where the records end after each.
func threeWrites(t *testing.T, dir string) []int64 {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ends []int64
	for i := range 3 {
		put(t, s, "t", fmt.Sprintf("k%d", i), strings.Repeat("v", 10+i))
		end, _ := logEnd(t, dir, 0)
		ends = append(ends, end)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return ends
}

func TestTornTailTruncated(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(b []byte, ends []int64) []byte
	}{
		{"short payload", func(b []byte, ends []int64) []byte { return b[:ends[2]-3] }},
		{"short header", func(b []byte, ends []int64) []byte { return b[:ends[1]+5] }},
		{"bad crc", func(b []byte, ends []int64) []byte { b[ends[2]-1] ^= 0xff; return b }},
		{"bad crc field", func(b []byte, ends []int64) []byte { b[ends[1]+5] ^= 0x01; return b }},
		{"huge length", func(b []byte, ends []int64) []byte { b[ends[1]+3] = 0x7f; return b }},
		{"garbage after", func(b []byte, ends []int64) []byte {
			b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
			return append(b, []byte("torn tail garbage")...)
		}},
		{"zeros after", func(b []byte, ends []int64) []byte { return append(b, make([]byte, 4096)...) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ends := threeWrites(t, dir)
			path := filepath.Join(dir, logName(0))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, c.damage(b, ends), 0o600); err != nil {
				t.Fatal(err)
			}
			s := mustOpen(t, dir)
			kept, rev := dump(t, s)
			want := []string{"t/k0=" + strings.Repeat("v", 10), "t/k1=" + strings.Repeat("v", 11), "t/k2=" + strings.Repeat("v", 12)}
			keep := len(kept)
			if keep < 2 || !slices.Equal(kept, want[:keep]) || rev != uint64(keep) {
				t.Fatalf("after damage: %q rev %d; want a prefix of %q with at least 2 commits", kept, rev, want)
			}
			if got, zeroTail := logEnd(t, dir, 0); got != ends[keep-1] || !zeroTail {
				t.Fatalf("log's records end at %d after recovery (only zeros after them: %v), want %d and the torn tail gone", got, zeroTail, ends[keep-1])
			}
			// Writing after the truncation point and reopening works.
			put(t, s, "t", "after", "x")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = mustOpen(t, dir)
			wantState(t, s, uint64(keep)+1, append([]string{"t/after=x"}, want[:keep]...)...)
		})
	}
}

// A record whose CRC is right but which does not decode is not a torn
// write: Open must refuse rather than silently drop acknowledged data.
func TestUndecodableRecordIsAnError(t *testing.T) {
	dir := t.TempDir()
	ends := threeWrites(t, dir)
	f, err := os.OpenFile(filepath.Join(dir, logName(0)), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec := appendRecord(nil, 4, []op{{kind: opReset}})
	rec[len(rec)-1] = 99 // an unknown operation, with a matching CRC:
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(rec[recHeaderLen:], castagnoli))
	if _, err := f.WriteAt(rec, ends[2]); err != nil { // right after the last record
		t.Fatal(err)
	}
	f.Close()
	if s, err := Open(dir); err == nil {
		s.Close()
		t.Fatal("Open accepted a log record with an unknown operation")
	}
}

func TestRefusesNewerFormat(t *testing.T) {
	dir := t.TempDir()
	threeWrites(t, dir)
	path := filepath.Join(dir, logName(0))
	b, _ := os.ReadFile(path)
	b[8] = formatVersion + 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a newer format")
	}
	if !strings.Contains(err.Error(), "unsupported format") {
		t.Fatalf("err = %v", err)
	}
	// The failed Open released the lock.
	b[8] = formatVersion
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, WithLockTimeout(0)); err != nil {
		t.Fatalf("Open after a failed Open: %v", err)
	}
	s.Close()
}

func TestCorruptSnapshotIsAnError(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, WithCompactSize(1))
	put(t, s, "t", "k", "v")
	s.Close()
	path := filepath.Join(dir, snapName(1))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no snapshot after compaction: %v (files %q)", err, s.files())
	}
	b[len(b)-6] ^= 1
	os.WriteFile(path, b, 0o600)
	if s, err := Open(dir); err == nil {
		s.Close()
		t.Fatal("Open accepted a corrupt snapshot")
	}
}

// TestCompactionCrashPoints builds, by hand, the directory as a crash
// would leave it after each step of a compaction from generation 0 to 1,
// and requires Open to recover the full state, clean up, and keep working
// (a write after reopening survives another reopen).
func TestCompactionCrashPoints(t *testing.T) {
	want := []string{"#t/id=2", "t/a=1", "t/b=2"}
	steps := []struct {
		name string
		make func(t *testing.T, dir string, st *state)
	}{
		{"nothing done", func(t *testing.T, dir string, st *state) {}},
		{"partial snapshot tmp", func(t *testing.T, dir string, st *state) {
			os.WriteFile(filepath.Join(dir, snapName(1)+".tmp"), []byte("SCWALSNP partial"), 0o600)
		}},
		{"complete snapshot tmp", func(t *testing.T, dir string, st *state) {
			writeSnapshot(dir, 1, st)
			os.Rename(filepath.Join(dir, snapName(1)), filepath.Join(dir, snapName(1)+".tmp"))
		}},
		{"snapshot renamed, no new log", func(t *testing.T, dir string, st *state) {
			writeSnapshot(dir, 1, st)
		}},
		{"snapshot renamed, partial log tmp", func(t *testing.T, dir string, st *state) {
			writeSnapshot(dir, 1, st)
			os.WriteFile(filepath.Join(dir, logName(1)+".tmp"), []byte("SCW"), 0o600)
		}},
		{"new log in place, old generation not deleted", func(t *testing.T, dir string, st *state) {
			writeSnapshot(dir, 1, st)
			f, err := createLog(dir, 1)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}},
		{"old log deleted, old snapshot kept", func(t *testing.T, dir string, st *state) {
			writeSnapshot(dir, 1, st)
			f, _ := createLog(dir, 1)
			f.Close()
			os.Remove(filepath.Join(dir, logName(0)))
		}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir)
			ctx := context.Background()
			put(t, s, "t", "a", "1")
			put(t, s, "t", "b", "2")
			for range 2 {
				if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.NextSequence("t", "id"); return err }); err != nil {
					t.Fatal(err)
				}
			}
			st := s.cur.Load()
			s.Close()
			step.make(t, dir, st)

			s = mustOpen(t, dir)
			wantState(t, s, 4, want...)
			for _, f := range s.files() {
				if strings.HasSuffix(f, ".tmp") {
					t.Errorf("temporary file %s left after Open", f)
				}
			}
			if files := s.files(); slices.Contains(files, snapName(1)) && (slices.Contains(files, logName(0)) || slices.Contains(files, snapName(0))) {
				t.Errorf("generation 0 left after Open chose generation 1: %q", files)
			}
			put(t, s, "t", "c", "3")
			s.Close()
			s = mustOpen(t, dir)
			wantState(t, s, 5, append(slices.Clone(want), "t/c=3")...)
		})
	}
}

func TestCompactionKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, WithCompactSize(4096))
	ctx := context.Background()
	var want []string
	for i := range 300 {
		k := fmt.Sprintf("k%03d", i)
		err := s.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.NextSequence("t", "n"); err != nil {
				return err
			}
			if i%7 == 0 && i > 0 {
				return tx.Delete("t", fmt.Sprintf("k%03d", i-1))
			}
			return tx.Put("t", k, []byte(strings.Repeat("x", i)))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, rev := dump(t, s)
	if s.gen < 2 {
		t.Fatalf("only %d compactions with a 4 KiB log limit", s.gen)
	}
	want = got
	s.Close()
	s = mustOpen(t, dir)
	wantState(t, s, rev, want...)
	if files := s.files(); len(files) != 3 { // LOCK, log, snap
		t.Fatalf("files after compactions: %q", files)
	}
}

func TestReopenAfterReset(t *testing.T) {
	for _, compact := range []int64{DefaultCompactSize, 1} {
		t.Run(fmt.Sprint("compact", compact), func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir, WithCompactSize(compact))
			ctx := context.Background()
			put(t, s, "t", "before", "x")
			put(t, s, "u", "before", "y")
			s.Update(ctx, func(tx store.Tx) error { _, err := tx.NextSequence("t", "id"); return err })
			if err := s.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			put(t, s, "t", "after", "z")
			s.Close()
			s = mustOpen(t, dir)
			wantState(t, s, 5, "t/after=z")
			var n uint64
			s.Update(ctx, func(tx store.Tx) (err error) { n, err = tx.NextSequence("t", "id"); return err })
			if n != 1 {
				t.Fatalf("NextSequence after Reset and reopen = %d, want 1", n)
			}
			if err := s.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s = mustOpen(t, dir)
			wantState(t, s, 7)
		})
	}
}

func TestSecondOpenLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wal")
	s := mustOpen(t, dir)
	if s.Name() != "wal" {
		t.Fatalf("Name = %q", s.Name())
	}
	_, err := Open(dir, WithLockTimeout(0))
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second Open: %v, want ErrLocked naming %s", err, dir)
	}
	s.Close()
	s2, err := Open(dir, WithLockTimeout(0))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
	for _, f := range []string{"", "LOCK", logName(0)} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: open to others", f, fi.Mode().Perm())
		}
	}
}

// files lists the data directory (tests).
func (s *Store) files() []string {
	entries, _ := os.ReadDir(s.dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// The log grows by preallocChunk of zeros ahead of its records: records
// that cross a chunk boundary replay, a clean reopen keeps the preallocated
// space (no truncation, no new fdatasync of the size), and writing after a
// reopen continues at the records' end, not at the file's.
func TestPreallocatedLog(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	val := strings.Repeat("x", 5000)
	var want []string
	for i := range 300 { // ~1.5 MB of records: crosses the first chunk boundary
		k := fmt.Sprintf("k%03d", i)
		put(t, s, "t", k, val)
		want = append(want, "t/"+k+"="+val)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, logName(0))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	end, zeroTail := logEnd(t, dir, 0)
	if fi.Size()%preallocChunk != 0 || fi.Size() < end || !zeroTail || end < preallocChunk {
		t.Fatalf("log is %d bytes with records ending at %d (zeros after: %v); want a multiple of %d past the first chunk, zeros after the records", fi.Size(), end, zeroTail, preallocChunk)
	}
	s = mustOpen(t, dir)
	wantState(t, s, 300, want...)
	put(t, s, "t", "zzz", "after reopen")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi2, _ := os.Stat(path); fi2.Size() != fi.Size() {
		t.Fatalf("reopen changed the log's size from %d to %d; the preallocated zeros should be kept and written into", fi.Size(), fi2.Size())
	}
	s = mustOpen(t, dir)
	wantState(t, s, 301, append(want, "t/zzz=after reopen")...)
	s.Close()
}
