// Package storetest is the conformance suite for store.Store
// implementations. Each implementation's tests call Run with a Factory; the
// suite checks the behaviour the rest of Stagecraft relies on (ordering,
// atomicity, revisions, Watch, Reset, sequences, concurrency, durability
// across close and reopen) without knowing which implementation it drives.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/store"
)

// Guard bounds every wait for something that should happen promptly (a
// Watch delivery, a closed channel). It only turns a hang into a failure;
// no test waits for it to pass.
const Guard = 5 * time.Second

// Reopen returns a new Store over the same storage as the store it was
// returned with. The suite calls it only after closing that store.
type Reopen func(t *testing.T) store.Store

// Factory returns a Store over fresh, empty storage used by t alone, and a
// Reopen for that storage. The suite closes every store it gets, including
// those from Reopen, before t ends; the factory cleans up the storage
// itself (t.TempDir, t.Cleanup).
//
// A file-backed store opens a new file in t.TempDir() and reopens the same
// path; a database-backed one creates a new schema or database and reopens
// a new connection to it.
//
// Subtests run in parallel, so the factory is called concurrently.
type Factory func(t *testing.T) (store.Store, Reopen)

// Run runs every conformance check as a parallel subtest of t, each on its
// own fresh store. The subtest names are those of Cases.
func Run(t *testing.T, factory Factory) {
	t.Helper()
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			c.Test(t, newEnv(t, factory))
		})
	}
}

// Case is one conformance check.
type Case struct {
	Name string
	Test func(t *testing.T, e *Env)
}

// Cases lists the checks Run performs.
var Cases = []Case{
	{"GetPutDelete", testGetPutDelete},
	{"ScanOrder", testScanOrder},
	{"ScanEarlyStop", testScanEarlyStop},
	{"ScanWhileWriting", testScanWhileWriting},
	{"DeletePrefix", testDeletePrefix},
	{"Rollback", testRollback},
	{"RollbackOnPanic", testRollbackOnPanic},
	{"RevisionOnlyOnWrites", testRevisionOnlyOnWrites},
	{"ReadOnlyView", testReadOnlyView},
	{"WatchAfterCommit", testWatchAfterCommit},
	{"WatchCoalesces", testWatchCoalesces},
	{"WatchIncreasing", testWatchIncreasing},
	{"WatchClosed", testWatchClosed},
	{"Reset", testReset},
	{"NextSequence", testNextSequence},
	{"ConcurrentUpdates", testConcurrentUpdates},
	{"Persistence", testPersistence},
	{"CanceledContext", testCanceledContext},
	{"Closed", testClosed},
	{"JSONHelpers", testJSONHelpers},
}

// Env is the store under test plus small helpers that fail the test on
// unexpected errors.
type Env struct {
	t      *testing.T
	Ctx    context.Context
	S      store.Store
	reopen Reopen
	open   bool
}

func newEnv(t *testing.T, factory Factory) *Env {
	s, reopen := factory(t)
	e := &Env{t: t, Ctx: context.Background(), S: s, reopen: reopen, open: true}
	t.Cleanup(func() {
		if e.open {
			e.open = false
			if err := e.S.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return e
}

// Close closes the current store.
func (e *Env) Close() {
	e.t.Helper()
	if !e.open {
		e.t.Fatal("storetest: store already closed")
	}
	e.open = false
	if err := e.S.Close(); err != nil {
		e.t.Fatalf("Close: %v", err)
	}
}

// Restart closes the current store and continues with a reopened one.
func (e *Env) Restart() {
	e.t.Helper()
	e.Close()
	e.S = e.reopen(e.t)
	e.open = true
}

// Update runs fn and fails the test if it returns an error.
func (e *Env) Update(fn func(tx store.Tx) error) {
	e.t.Helper()
	if err := e.S.Update(e.Ctx, fn); err != nil {
		e.t.Fatalf("Update: %v", err)
	}
}

// View runs fn and fails the test if it returns an error.
func (e *Env) View(fn func(tx store.Tx) error) {
	e.t.Helper()
	if err := e.S.View(e.Ctx, fn); err != nil {
		e.t.Fatalf("View: %v", err)
	}
}

// Put stores one key in its own Update.
func (e *Env) Put(table, key, value string) {
	e.t.Helper()
	e.Update(func(tx store.Tx) error { return tx.Put(table, key, []byte(value)) })
}

// Get reads one key in its own View; ok is false if it does not exist.
func (e *Env) Get(table, key string) (value string, ok bool) {
	e.t.Helper()
	e.View(func(tx store.Tx) error {
		b, err := tx.Get(table, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		value, ok = string(b), true
		return nil
	})
	return value, ok
}

// Scan returns "key=value" for every key under prefix, in Scan order.
func (e *Env) Scan(table, prefix string) []string {
	e.t.Helper()
	var out []string
	e.View(func(tx store.Tx) error {
		out = nil
		return tx.Scan(table, prefix, func(k string, v []byte) bool {
			out = append(out, k+"="+string(v))
			return true
		})
	})
	return out
}

// Rev returns the current revision.
func (e *Env) Rev() uint64 {
	e.t.Helper()
	r, err := e.S.Revision(e.Ctx)
	if err != nil {
		e.t.Fatalf("Revision: %v", err)
	}
	return r
}

func (e *Env) wantGet(table, key, want string) {
	e.t.Helper()
	got, ok := e.Get(table, key)
	if !ok {
		e.t.Fatalf("Get(%q, %q): not found, want %q", table, key, want)
	}
	if got != want {
		e.t.Fatalf("Get(%q, %q) = %q, want %q", table, key, got, want)
	}
}

func (e *Env) wantMissing(table, key string) {
	e.t.Helper()
	if got, ok := e.Get(table, key); ok {
		e.t.Fatalf("Get(%q, %q) = %q, want not found", table, key, got)
	}
}

func (e *Env) wantScan(table, prefix string, want ...string) {
	e.t.Helper()
	if got := e.Scan(table, prefix); !slices.Equal(got, want) {
		e.t.Fatalf("Scan(%q, %q) =\n  %q\nwant\n  %q", table, prefix, got, want)
	}
}

func (e *Env) wantRev(want uint64, what string) {
	e.t.Helper()
	if got := e.Rev(); got != want {
		e.t.Fatalf("after %s: Revision = %d, want %d (unchanged)", what, got, want)
	}
}

func (e *Env) wantRevGrew(before uint64, what string) uint64 {
	e.t.Helper()
	got := e.Rev()
	if got <= before {
		e.t.Fatalf("after %s: Revision = %d, want > %d", what, got, before)
	}
	return got
}

// recv waits (at most Guard) for a value on ch; closed reports a closed
// channel.
func recv(t *testing.T, ch <-chan uint64, what string) (v uint64, closed bool) {
	t.Helper()
	timer := time.NewTimer(Guard)
	defer timer.Stop()
	select {
	case v, ok := <-ch:
		return v, !ok
	case <-timer.C:
		t.Fatalf("%s: nothing received within %v", what, Guard)
		return 0, false
	}
}

// waitClosed drains ch until it is closed (at most Guard).
func waitClosed(t *testing.T, ch <-chan uint64, what string) {
	t.Helper()
	for {
		if _, closed := recv(t, ch, what); closed {
			return
		}
	}
}

// noValue fails if ch holds a value or is closed right now.
func noValue(t *testing.T, ch <-chan uint64, what string) {
	t.Helper()
	select {
	case v, ok := <-ch:
		t.Fatalf("%s: unexpected receive (%d, open=%v)", what, v, ok)
	default:
	}
}

func testGetPutDelete(t *testing.T, e *Env) {
	e.View(func(tx store.Tx) error {
		if _, err := tx.Get("t1", "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get on a missing table: err = %v, want ErrNotFound", err)
		}
		return nil
	})
	e.Update(func(tx store.Tx) error {
		if err := tx.Put("t1", "k", []byte("v1")); err != nil {
			return err
		}
		if _, err := tx.Get("t1", "other"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get of a missing key in an existing table: err = %v, want ErrNotFound", err)
		}
		b, err := tx.Get("t1", "k")
		if err != nil || string(b) != "v1" {
			t.Errorf("Get in the writing tx = %q, %v; want v1 (read your own writes)", b, err)
		}
		return tx.Put("t2", "k", []byte("other table"))
	})
	e.wantGet("t1", "k", "v1")
	e.wantGet("t2", "k", "other table")

	e.Put("t1", "k", "v2")
	e.wantGet("t1", "k", "v2")

	// Empty and nil values exist; they are not "not found".
	e.Update(func(tx store.Tx) error {
		if err := tx.Put("t1", "empty", []byte{}); err != nil {
			return err
		}
		return tx.Put("t1", "nil", nil)
	})
	e.wantGet("t1", "empty", "")
	e.wantGet("t1", "nil", "")

	// The store keeps its own copy of a value.
	buf := []byte("abc")
	e.Update(func(tx store.Tx) error {
		err := tx.Put("t1", "copy", buf)
		copy(buf, "XYZ")
		return err
	})
	e.wantGet("t1", "copy", "abc")

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	e.Update(func(tx store.Tx) error { return tx.Put("t1", "big", big) })
	e.View(func(tx store.Tx) error {
		b, err := tx.Get("t1", "big")
		if err != nil || !bytes.Equal(b, big) {
			t.Errorf("1 MiB value: got %d bytes, err %v; want it back unchanged", len(b), err)
		}
		return nil
	})

	e.Update(func(tx store.Tx) error { return tx.Delete("t1", "k") })
	e.wantMissing("t1", "k")
	e.wantGet("t2", "k", "other table")
	e.Update(func(tx store.Tx) error {
		if err := tx.Delete("t1", "k"); err != nil {
			return fmt.Errorf("deleting a missing key: %w", err)
		}
		if err := tx.Delete("no-such-table", "k"); err != nil {
			return fmt.Errorf("deleting in a missing table: %w", err)
		}
		return nil
	})
}

func testScanOrder(t *testing.T, e *Env) {
	keys := []string{"a", "a/", "a/1", "a/10", "a/2", "a/B", "a/a", "a/é", "a0", "ab/1", "ab/2", "b/x"}
	shuffled := slices.Clone(keys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	e.Update(func(tx store.Tx) error {
		for _, k := range shuffled {
			if err := tx.Put("t", k, []byte("v"+k)); err != nil {
				return err
			}
		}
		return tx.Put("other", "a/0", []byte("other table"))
	})
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"a/", []string{"a/=va/", "a/1=va/1", "a/10=va/10", "a/2=va/2", "a/B=va/B", "a/a=va/a", "a/é=va/é"}},
		{"a/1", []string{"a/1=va/1", "a/10=va/10"}},
		{"ab/", []string{"ab/1=vab/1", "ab/2=vab/2"}},
		{"a/é", []string{"a/é=va/é"}},
		{"a", []string{"a=va", "a/=va/", "a/1=va/1", "a/10=va/10", "a/2=va/2", "a/B=va/B", "a/a=va/a", "a/é=va/é", "a0=va0", "ab/1=vab/1", "ab/2=vab/2"}},
		{"", []string{"a=va", "a/=va/", "a/1=va/1", "a/10=va/10", "a/2=va/2", "a/B=va/B", "a/a=va/a", "a/é=va/é", "a0=va0", "ab/1=vab/1", "ab/2=vab/2", "b/x=vb/x"}},
		{"b/x/", nil},
		{"c", nil},
	} {
		e.wantScan("t", c.prefix, c.want...)
	}
	e.wantScan("no-such-table", "", nil...)

	// A scan inside an Update sees that Update's own writes.
	e.Update(func(tx store.Tx) error {
		if err := tx.Put("t", "ab/15", []byte("new")); err != nil {
			return err
		}
		var got []string
		err := tx.Scan("t", "ab/", func(k string, _ []byte) bool {
			got = append(got, k)
			return true
		})
		if want := []string{"ab/1", "ab/15", "ab/2"}; !slices.Equal(got, want) {
			t.Errorf("Scan in the writing tx = %q, want %q", got, want)
		}
		return err
	})
}

func testScanEarlyStop(t *testing.T, e *Env) {
	e.Update(func(tx store.Tx) error {
		for i := range 10 {
			if err := tx.Put("t", fmt.Sprintf("k/%02d", i), []byte("x")); err != nil {
				return err
			}
		}
		return nil
	})
	for _, stopAfter := range []int{1, 3, 10} {
		var got []string
		e.View(func(tx store.Tx) error {
			return tx.Scan("t", "k/", func(k string, _ []byte) bool {
				got = append(got, k)
				return len(got) < stopAfter
			})
		})
		var want []string
		for i := range stopAfter {
			want = append(want, fmt.Sprintf("k/%02d", i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("stop after %d: visited %q, want %q", stopAfter, got, want)
		}
	}
}

func testScanWhileWriting(t *testing.T, e *Env) {
	var want []string
	e.Update(func(tx store.Tx) error {
		for i := range 50 {
			k := fmt.Sprintf("p/%03d", i)
			want = append(want, k)
			if err := tx.Put("t", k, []byte(k)); err != nil {
				return err
			}
		}
		return tx.Put("t", "q", []byte("after the prefix"))
	})
	var got []string
	e.Update(func(tx store.Tx) error {
		var werr error
		err := tx.Scan("t", "p/", func(k string, v []byte) bool {
			got = append(got, k)
			if string(v) != k {
				t.Errorf("value of %q = %q while deleting behind the cursor", k, v)
			}
			if werr = tx.Delete("t", k); werr != nil {
				return false
			}
			// Writes elsewhere in the table, before the prefix.
			werr = tx.Put("t", "o/"+k, []byte("x"))
			return werr == nil
		})
		if werr != nil {
			return werr
		}
		return err
	})
	if !slices.Equal(got, want) {
		t.Fatalf("Scan that deletes each visited key visited\n  %q\nwant\n  %q", got, want)
	}
	e.wantScan("t", "p/", nil...)
	if n := len(e.Scan("t", "o/")); n != 50 {
		t.Fatalf("%d keys written during the scan survived, want 50", n)
	}
	e.wantGet("t", "q", "after the prefix")
}

func testDeletePrefix(t *testing.T, e *Env) {
	e.Update(func(tx store.Tx) error {
		for _, k := range []string{"a", "a/1", "a/2", "a/3/x", "ab/1", "b"} {
			if err := tx.Put("t", k, []byte("v")); err != nil {
				return err
			}
		}
		return tx.Put("u", "a/1", []byte("other table"))
	})
	rev := e.Rev()

	var n int
	e.Update(func(tx store.Tx) (err error) { n, err = tx.DeletePrefix("t", "a/9"); return err })
	if n != 0 {
		t.Fatalf("DeletePrefix with no match = %d, want 0", n)
	}
	e.Update(func(tx store.Tx) (err error) { n, err = tx.DeletePrefix("no-such-table", ""); return err })
	if n != 0 {
		t.Fatalf("DeletePrefix on a missing table = %d, want 0", n)
	}
	e.wantRev(rev, "DeletePrefix that matched nothing")

	// Rolled back with the transaction.
	errAbort := errors.New("abort")
	err := e.S.Update(e.Ctx, func(tx store.Tx) error {
		if n, err := tx.DeletePrefix("t", ""); err != nil || n != 6 {
			t.Errorf("DeletePrefix(all) = %d, %v; want 6", n, err)
		}
		return errAbort
	})
	if err != errAbort {
		t.Fatalf("Update = %v, want %v", err, errAbort)
	}
	e.wantScan("t", "", "a=v", "a/1=v", "a/2=v", "a/3/x=v", "ab/1=v", "b=v")

	e.Update(func(tx store.Tx) (err error) { n, err = tx.DeletePrefix("t", "a/"); return err })
	if n != 3 {
		t.Fatalf("DeletePrefix(a/) = %d, want 3", n)
	}
	e.wantScan("t", "", "a=v", "ab/1=v", "b=v")
	e.wantGet("u", "a/1", "other table")
	e.wantRevGrew(rev, "DeletePrefix that deleted")
}

// testError is a custom error type: Update must return it as is.
type testError struct{ msg string }

func (e *testError) Error() string { return e.msg }

var errSentinel = errors.New("sentinel")

func testRollback(t *testing.T, e *Env) {
	e.Update(func(tx store.Tx) error {
		if err := tx.Put("t", "keep", []byte("1")); err != nil {
			return err
		}
		if err := tx.Put("t", "gone/1", []byte("1")); err != nil {
			return err
		}
		_, err := tx.NextSequence("t", "seq")
		return err
	})
	rev := e.Rev()
	watch := e.S.Watch(e.Ctx)

	for _, want := range []error{
		errSentinel,
		&testError{"custom"},
		fmt.Errorf("wrapped: %w", errSentinel),
	} {
		calls := 0
		err := e.S.Update(e.Ctx, func(tx store.Tx) error {
			calls++
			for _, step := range []func() error{
				func() error { return tx.Put("t", "keep", []byte("2")) },
				func() error { return tx.Put("t", "new", []byte("x")) },
				func() error { return tx.Put("fresh-table", "k", []byte("x")) },
				func() error { return tx.Delete("t", "gone/1") },
				func() error { _, err := tx.DeletePrefix("t", "gone/"); return err },
				func() error { _, err := tx.NextSequence("t", "seq"); return err },
			} {
				if err := step(); err != nil {
					return fmt.Errorf("step before the failure: %w", err)
				}
			}
			return want
		})
		if calls == 0 {
			t.Fatalf("fn was not called")
		}
		if err != want {
			t.Fatalf("Update returned %#v, want exactly %#v", err, want)
		}
		var te *testError
		if errors.As(want, &te) && !errors.As(err, &te) {
			t.Fatalf("errors.As lost the custom type")
		}
		e.wantGet("t", "keep", "1")
		e.wantGet("t", "gone/1", "1")
		e.wantMissing("t", "new")
		e.wantScan("fresh-table", "", nil...)
		e.wantRev(rev, "a failed Update")
		noValue(t, watch, "Watch after a failed Update")
	}
	var seq uint64
	e.Update(func(tx store.Tx) (err error) { seq, err = tx.NextSequence("t", "seq"); return err })
	if seq != 2 {
		t.Fatalf("NextSequence after rolled back increments = %d, want 2", seq)
	}
}

func testRollbackOnPanic(t *testing.T, e *Env) {
	e.Put("t", "k", "before")
	rev := e.Rev()
	type boom struct{}
	func() {
		defer func() {
			if r := recover(); r != (boom{}) {
				t.Fatalf("recovered %v, want the panic value from fn", r)
			}
		}()
		_ = e.S.Update(e.Ctx, func(tx store.Tx) error {
			if err := tx.Put("t", "k", []byte("during")); err != nil {
				return err
			}
			panic(boom{})
		})
		t.Fatal("Update returned although fn panicked")
	}()
	e.wantRev(rev, "a panicking Update")
	// The store must still work: no lock left held.
	done := make(chan error, 1)
	go func() {
		done <- e.S.Update(e.Ctx, func(tx store.Tx) error { return tx.Put("t", "after", []byte("x")) })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Update after a panic: %v", err)
		}
	case <-time.After(Guard):
		t.Fatalf("Update after a panic did not return within %v (lock still held?)", Guard)
	}
	e.wantGet("t", "k", "before")
	e.wantGet("t", "after", "x")
}

func testRevisionOnlyOnWrites(t *testing.T, e *Env) {
	e.Put("t", "a/1", "x")
	rev := e.Rev()

	noWrites := []struct {
		what string
		fn   func(tx store.Tx) error
	}{
		{"an empty Update", func(store.Tx) error { return nil }},
		{"an Update that only reads", func(tx store.Tx) error {
			if _, err := tx.Get("t", "a/1"); err != nil {
				return err
			}
			return tx.Scan("t", "", func(string, []byte) bool { return true })
		}},
		{"deleting a missing key", func(tx store.Tx) error { return tx.Delete("t", "a/2") }},
		{"deleting in a missing table", func(tx store.Tx) error { return tx.Delete("nope", "a/1") }},
		{"DeletePrefix that matches nothing", func(tx store.Tx) error { _, err := tx.DeletePrefix("t", "b/"); return err }},
	}
	for _, c := range noWrites {
		e.Update(c.fn)
		e.wantRev(rev, c.what)
	}
	e.View(func(tx store.Tx) error { _, err := tx.Get("t", "a/1"); return err })
	e.wantRev(rev, "a View")

	writes := []struct {
		what string
		fn   func(tx store.Tx) error
	}{
		{"Put", func(tx store.Tx) error { return tx.Put("t", "a/2", []byte("y")) }},
		{"Put of the same value", func(tx store.Tx) error { return tx.Put("t", "a/2", []byte("y")) }},
		{"Delete of an existing key", func(tx store.Tx) error { return tx.Delete("t", "a/2") }},
		{"DeletePrefix that deleted", func(tx store.Tx) error { _, err := tx.DeletePrefix("t", "a/"); return err }},
		{"NextSequence", func(tx store.Tx) error { _, err := tx.NextSequence("t", "n"); return err }},
	}
	for _, c := range writes {
		e.Update(c.fn)
		rev = e.wantRevGrew(rev, c.what)
	}
	if err := e.S.Reset(e.Ctx); err != nil {
		t.Fatal(err)
	}
	e.wantRevGrew(rev, "Reset")
}

func testReadOnlyView(t *testing.T, e *Env) {
	e.Put("t", "k", "v")
	rev := e.Rev()
	for _, c := range []struct {
		what string
		fn   func(tx store.Tx) error
	}{
		{"Put", func(tx store.Tx) error { return tx.Put("t", "k2", []byte("x")) }},
		{"Put to a new table", func(tx store.Tx) error { return tx.Put("new", "k", []byte("x")) }},
		{"Delete", func(tx store.Tx) error { return tx.Delete("t", "k") }},
		{"DeletePrefix", func(tx store.Tx) error { _, err := tx.DeletePrefix("t", ""); return err }},
		{"NextSequence", func(tx store.Tx) error { _, err := tx.NextSequence("t", "n"); return err }},
	} {
		var opErr error
		err := e.S.View(e.Ctx, func(tx store.Tx) error { opErr = c.fn(tx); return nil })
		if err != nil {
			t.Fatalf("View: %v", err)
		}
		if opErr == nil {
			t.Errorf("%s in a View: no error", c.what)
		}
	}
	e.wantScan("t", "", "k=v")
	e.wantScan("new", "", nil...)
	e.wantRev(rev, "writes attempted in Views")
}

func testWatchAfterCommit(t *testing.T, e *Env) {
	w1 := e.S.Watch(e.Ctx)
	w2 := e.S.Watch(e.Ctx)
	noValue(t, w1, "Watch before any commit")

	// The reader looks at the store as soon as it is told: the change must
	// be visible by then.
	type seen struct {
		rev   uint64
		value string
		err   error
	}
	got := make(chan seen, 1)
	go func() {
		select {
		case rev, ok := <-w1:
			if !ok {
				got <- seen{err: errors.New("channel closed")}
				return
			}
			var v []byte
			err := e.S.View(e.Ctx, func(tx store.Tx) error {
				b, err := tx.Get("t", "k")
				v = bytes.Clone(b)
				return err
			})
			got <- seen{rev, string(v), err}
		case <-time.After(Guard):
			got <- seen{err: errors.New("nothing delivered")}
		}
	}()
	e.Update(func(store.Tx) error { return nil }) // no write: nothing delivered
	e.Put("t", "k", "v")
	rev := e.Rev()
	s := <-got
	if s.err != nil || s.value != "v" {
		t.Fatalf("on delivery the committed value was %q, %v; want v (notified before commit, or for a no-op Update?)", s.value, s.err)
	}
	if s.rev != rev {
		t.Fatalf("delivered revision %d, want %d", s.rev, rev)
	}
	if v, _ := recv(t, w2, "second watcher"); v != rev {
		t.Fatalf("second watcher got %d, want %d", v, rev)
	}
}

func testWatchCoalesces(t *testing.T, e *Env) {
	w := e.S.Watch(e.Ctx)
	const n = 5
	for i := range n {
		e.Put("t", "k", strconv.Itoa(i))
	}
	final := e.Rev()
	var got []uint64
	for len(got) == 0 || got[len(got)-1] != final {
		v, closed := recv(t, w, "coalesced delivery")
		if closed {
			t.Fatal("channel closed")
		}
		if len(got) > 0 && v <= got[len(got)-1] {
			t.Fatalf("deliveries %v then %d: not increasing", got, v)
		}
		if v > final {
			t.Fatalf("delivered %d, beyond the last revision %d", v, final)
		}
		got = append(got, v)
	}
	if len(got) >= n {
		t.Fatalf("a reader that did not read during %d commits got %v: deliveries did not coalesce", n, got)
	}
	noValue(t, w, "after reading the latest revision")
}

func testWatchIncreasing(t *testing.T, e *Env) {
	w := e.S.Watch(e.Ctx)
	const writers, each = 4, 10
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for g := range writers {
			wg.Go(func() {
				for i := range each {
					err := e.S.Update(e.Ctx, func(tx store.Tx) error {
						return tx.Put("t", fmt.Sprintf("%d/%d", g, i), []byte("x"))
					})
					if err != nil {
						t.Errorf("Update: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
	}()
	var last, final uint64
	finished := false
	timer := time.NewTimer(Guard)
	defer timer.Stop()
	for !finished || last != final {
		select {
		case v, ok := <-w:
			if !ok {
				t.Fatal("channel closed")
			}
			if v <= last {
				t.Fatalf("delivered %d after %d: not increasing", v, last)
			}
			last = v
		case <-done:
			done, finished, final = nil, true, e.Rev()
		case <-timer.C:
			t.Fatalf("last delivery %d, final revision %d (writers done: %v)", last, final, finished)
		}
	}
}

func testWatchClosed(t *testing.T, e *Env) {
	ctx, cancel := context.WithCancel(e.Ctx)
	w := e.S.Watch(ctx)
	e.Put("t", "k", "v") // leaves a value in the buffer
	cancel()
	waitClosed(t, w, "Watch after its ctx ended")

	done, cancelDone := context.WithCancel(e.Ctx)
	cancelDone()
	waitClosed(t, e.S.Watch(done), "Watch with an ended ctx")

	w = e.S.Watch(e.Ctx)
	e.Close()
	waitClosed(t, w, "Watch after Close")
}

func testReset(t *testing.T, e *Env) {
	e.Update(func(tx store.Tx) error {
		for _, tk := range [][2]string{{"t1", "a/1"}, {"t1", "a/2"}, {"t2", "x"}} {
			if err := tx.Put(tk[0], tk[1], []byte("v")); err != nil {
				return err
			}
		}
		for range 2 {
			if _, err := tx.NextSequence("t1", "id"); err != nil {
				return err
			}
		}
		return nil
	})
	rev := e.Rev()
	w := e.S.Watch(e.Ctx)
	if err := e.S.Reset(e.Ctx); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	rev = e.wantRevGrew(rev, "Reset")
	if v, _ := recv(t, w, "Watch after Reset"); v != rev {
		t.Fatalf("Watch after Reset delivered %d, want %d", v, rev)
	}
	e.wantScan("t1", "", nil...)
	e.wantScan("t2", "", nil...)
	e.wantMissing("t1", "a/1")
	var seq uint64
	e.Update(func(tx store.Tx) (err error) { seq, err = tx.NextSequence("t1", "id"); return err })
	if seq != 1 {
		t.Fatalf("NextSequence after Reset = %d, want 1", seq)
	}
	e.Put("t1", "a/1", "again")
	e.wantScan("t1", "", "a/1=again")

	rev = e.Rev()
	if err := e.S.Reset(e.Ctx); err != nil {
		t.Fatalf("second Reset: %v", err)
	}
	if err := e.S.Reset(e.Ctx); err != nil {
		t.Fatalf("Reset of an empty store: %v", err)
	}
	e.wantRevGrew(rev+1, "two Resets")
	e.wantScan("t1", "", nil...)
}

func testNextSequence(t *testing.T, e *Env) {
	type seqCall struct {
		table, name string
		want        uint64
	}
	check := func(calls ...seqCall) func(tx store.Tx) error {
		return func(tx store.Tx) error {
			for _, c := range calls {
				got, err := tx.NextSequence(c.table, c.name)
				if err != nil {
					return err
				}
				if got != c.want {
					t.Errorf("NextSequence(%q, %q) = %d, want %d", c.table, c.name, got, c.want)
				}
			}
			return nil
		}
	}
	e.Update(check(
		seqCall{"t", "a", 1}, seqCall{"t", "a", 2}, seqCall{"t", "a", 3},
		seqCall{"t", "b", 1}, seqCall{"u", "a", 1},
		// No ambiguity between where the table ends and the name begins.
		seqCall{"x", "y/z", 1}, seqCall{"x/y", "z", 1}, seqCall{"xy", "z", 1}, seqCall{"x", "yz", 1},
	))
	e.Update(check(seqCall{"t", "a", 4}))

	errAbort := errors.New("abort")
	if err := e.S.Update(e.Ctx, func(tx store.Tx) error {
		if err := check(seqCall{"t", "a", 5}, seqCall{"t", "new", 1})(tx); err != nil {
			return err
		}
		return errAbort
	}); err != errAbort {
		t.Fatalf("Update = %v, want %v", err, errAbort)
	}
	e.Update(check(seqCall{"t", "a", 5}, seqCall{"t", "new", 1}))

	// Counters are not keys of their table.
	e.wantScan("t", "", nil...)
	e.wantScan("x", "", nil...)
}

func testConcurrentUpdates(t *testing.T, e *Env) {
	const goroutines, each = 16, 25
	rev := e.Rev()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				err := e.S.Update(e.Ctx, func(tx store.Tx) error {
					n := 0
					b, err := tx.Get("t", "counter")
					switch {
					case errors.Is(err, store.ErrNotFound):
					case err != nil:
						return err
					default:
						if n, err = strconv.Atoi(string(b)); err != nil {
							return err
						}
					}
					return tx.Put("t", "counter", []byte(strconv.Itoa(n+1)))
				})
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	e.wantGet("t", "counter", strconv.Itoa(goroutines*each))
	if got := e.Rev(); got < rev+goroutines*each {
		t.Fatalf("Revision grew from %d to %d over %d writing Updates", rev, got, goroutines*each)
	}
}

func testPersistence(t *testing.T, e *Env) {
	e.Update(func(tx store.Tx) error {
		for _, kv := range [][3]string{
			{"t1", "a/1", "one"}, {"t1", "a/2", "two"}, {"t1", "b", ""}, {"t2", "x", "ex"}, {"t1", "gone", "x"},
		} {
			if err := tx.Put(kv[0], kv[1], []byte(kv[2])); err != nil {
				return err
			}
		}
		for range 3 {
			if _, err := tx.NextSequence("t1", "id"); err != nil {
				return err
			}
		}
		return nil
	})
	e.Update(func(tx store.Tx) error { return tx.Delete("t1", "gone") })
	rev := e.Rev()

	e.Restart()
	e.wantScan("t1", "", "a/1=one", "a/2=two", "b=")
	e.wantScan("t2", "", "x=ex")
	e.wantRev(rev, "close and reopen")
	var seq uint64
	e.Update(func(tx store.Tx) (err error) { seq, err = tx.NextSequence("t1", "id"); return err })
	if seq != 4 {
		t.Fatalf("NextSequence after reopen = %d, want 4", seq)
	}
	rev = e.wantRevGrew(rev, "NextSequence after reopen")

	w := e.S.Watch(e.Ctx)
	e.Put("t2", "y", "why")
	if v, _ := recv(t, w, "Watch on a reopened store"); v <= rev {
		t.Fatalf("Watch on a reopened store delivered %d, want > %d", v, rev)
	}

	if err := e.S.Reset(e.Ctx); err != nil {
		t.Fatal(err)
	}
	e.Put("t3", "k", "after reset")
	rev = e.Rev()
	e.Restart()
	e.wantScan("t1", "", nil...)
	e.wantScan("t2", "", nil...)
	e.wantScan("t3", "", "k=after reset")
	e.wantRev(rev, "Reset, close and reopen")
}

func testCanceledContext(t *testing.T, e *Env) {
	e.Put("t", "k", "v")
	rev := e.Rev()
	ctx, cancel := context.WithCancel(e.Ctx)
	cancel()
	called := false
	if err := e.S.Update(ctx, func(tx store.Tx) error { called = true; return tx.Put("t", "k", []byte("x")) }); !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a canceled ctx = %v, want context.Canceled", err)
	}
	if err := e.S.View(ctx, func(store.Tx) error { called = true; return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("View with a canceled ctx = %v, want context.Canceled", err)
	}
	if err := e.S.Reset(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Reset with a canceled ctx = %v, want context.Canceled", err)
	}
	if called {
		t.Errorf("fn was called although ctx was canceled")
	}
	e.wantGet("t", "k", "v")
	e.wantRev(rev, "operations with a canceled ctx")
}

func testClosed(t *testing.T, e *Env) {
	e.Put("t", "k", "v")
	s := e.S
	e.Close()
	called := false
	if err := s.Update(e.Ctx, func(store.Tx) error { called = true; return nil }); err == nil {
		t.Errorf("Update after Close: no error")
	}
	if err := s.View(e.Ctx, func(store.Tx) error { called = true; return nil }); err == nil {
		t.Errorf("View after Close: no error")
	}
	if err := s.Reset(e.Ctx); err == nil {
		t.Errorf("Reset after Close: no error")
	}
	if called {
		t.Errorf("fn was called after Close")
	}
	waitClosed(t, s.Watch(e.Ctx), "Watch after Close")
}

type doc struct {
	Name string            `json:"name"`
	Tags map[string]string `json:"tags,omitempty"`
	N    int               `json:"n"`
}

func testJSONHelpers(t *testing.T, e *Env) {
	e.Update(func(tx store.Tx) error {
		for i, name := range []string{"b", "a", "c"} {
			if err := store.PutJSON(tx, "docs", store.Key("acct", "region", name), doc{Name: name, N: i}); err != nil {
				return err
			}
		}
		return store.PutJSON(tx, "docs", store.Key("acct", "region2", "z"), doc{Name: "z"})
	})
	e.View(func(tx store.Tx) error {
		d, err := store.GetJSON[doc](tx, "docs", store.Key("acct", "region", "a"))
		if err != nil || d.Name != "a" || d.N != 1 {
			t.Errorf("GetJSON = %+v, %v; want a/1", d, err)
		}
		if _, err := store.GetJSON[doc](tx, "docs", store.Key("acct", "region", "nope")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetJSON of a missing key: %v, want ErrNotFound", err)
		}
		docs, err := store.ScanJSON[doc](tx, "docs", store.Prefix("acct", "region"))
		if err != nil {
			return err
		}
		var names []string
		for _, d := range docs {
			names = append(names, d.Name)
		}
		if want := []string{"a", "b", "c"}; !slices.Equal(names, want) {
			t.Errorf("ScanJSON names = %q, want %q", names, want)
		}
		return nil
	})
	e.Put("docs", store.Key("acct", "region", "broken"), "{not json")
	e.View(func(tx store.Tx) error {
		if _, err := store.ScanJSON[doc](tx, "docs", store.Prefix("acct", "region")); err == nil {
			t.Errorf("ScanJSON over invalid JSON: no error")
		}
		return nil
	})
	// The decoded values do not alias store memory: they stay valid.
	var kept []*doc
	e.View(func(tx store.Tx) (err error) {
		kept, err = store.ScanJSON[doc](tx, "docs", store.Prefix("acct", "region2"))
		return err
	})
	e.Update(func(tx store.Tx) error { _, err := tx.DeletePrefix("docs", ""); return err })
	if len(kept) != 1 || kept[0].Name != "z" {
		t.Fatalf("ScanJSON result after the tx: %+v", kept)
	}
}
