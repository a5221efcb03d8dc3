// Package wal is Stagecraft's default store: an embedded, durable
// implementation of store.Store that keeps the whole state in memory and
// makes it durable with a write-ahead log in a data directory.
//
// The state is two copy-on-write B-trees (items ordered by table and key,
// and the NextSequence counters) plus the revision. The committed state is
// published through an atomic pointer and never changed again, so View reads
// it without locks and sees one consistent revision. Updates are committed
// in groups without a timer (commit.go): the Update that finds no commit in
// progress leads, on its own goroutine, taking every Update queued so far;
// each runs on a lazy clone of the state (a failing or panicking function's
// clone is simply dropped); the leader appends ONE record with the batch's
// effective writes (puts, deletes, prefix deletes, counter values, resets
// and the new revision, framed by its length and a CRC-32C) to the log with
// one write (into zeros preallocated ahead of the records, so the sync
// flushes data alone), fdatasyncs it, and only then publishes the new
// state, bumps the revision, tells the watchers and answers the callers:
// nothing is visible before it is durable. Open loads the newest snapshot
// and replays its log; a record that is short or fails its CRC was torn by
// a crash and never acknowledged, so the log is truncated there (zeros
// after the last record are preallocated space, kept). When the log
// outgrows max(64 MiB, 4× the last snapshot) the leader writes
// snap-<gen+1> (temporary file, fsync, rename, directory fsync), then an
// empty log-<gen+1> the same way, then deletes generation
// gen: Open uses the newest snapshot and its log (an absent log is an empty
// one) and deletes everything older and every temporary file, so a crash at
// any step leaves either the old generation or the new one complete. The
// directory is locked (flock on LOCK) while open.
package wal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stagecraft/stagecraft/internal/store"
)

// Errors specific to this implementation. Errors returned by the function
// given to Update or View are passed through unchanged, never wrapped.
var (
	// ErrLocked is returned by Open when another process (or another Open
	// in this process) holds the data directory.
	ErrLocked = errors.New("data directory is in use by another stagecraft process")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("store/wal: store is closed")
	// ErrTxDone is returned by Tx methods called after the function the
	// Tx was given to has returned.
	ErrTxDone = errors.New("store/wal: transaction used after its function returned")
	// ErrReadOnly is returned by writing Tx methods inside View.
	ErrReadOnly = errors.New("store/wal: write in a read-only transaction")
	// ErrBadTable is returned for an empty table name or one starting
	// with NUL (reserved, as in store/bolt).
	ErrBadTable = errors.New("store/wal: invalid table name")
	// ErrNotEmpty is returned by Import on a store that was written to.
	ErrNotEmpty = errors.New("store/wal: import into a store that is not empty")
)

// DefaultLockTimeout is how long Open waits for the directory lock.
const DefaultLockTimeout = time.Second

// DefaultCompactSize is the log size from which a new snapshot is written
// (unless the log is still smaller than 4 times the last snapshot).
const DefaultCompactSize = 64 << 20

type options struct {
	lockTimeout time.Duration
	compactSize int64
}

// Option configures Open.
type Option func(*options)

// WithLockTimeout sets how long Open waits for another holder to release
// the directory lock before failing with ErrLocked. d <= 0 means try once.
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) { o.lockTimeout = d }
}

// WithCompactSize sets the log size that triggers a snapshot (at least 4
// times the last snapshot's size). Tests use small values.
func WithCompactSize(n int64) Option {
	return func(o *options) { o.compactSize = n }
}

// Store is a store.Store over a data directory. It is safe for concurrent
// use.
type Store struct {
	dir  string
	lock *os.File
	opts options

	cur atomic.Pointer[state] // the committed, published state

	// gate is entered by every Update, View and Revision and closed by
	// Close, which so waits for running transactions.
	gate store.Gate

	revs store.Revisions // newest committed revision and its watchers

	// Group commit (commit.go). cmu guards queue and leading; only the
	// current leader touches batch and the fields below it after Open.
	cmu     sync.Mutex
	queue   []*pending // Updates waiting for the next record
	leading bool       // an Update is committing
	batch   []*pending

	gen       uint64   // generation of the current log
	log       *os.File // log-<gen>
	logSize   int64    // where the next record goes: the end of the records
	logAlloc  int64    // the file's size: logSize plus preallocated zeros
	compactAt int64
	buf       []byte // record buffer, reused
	broken    error  // set when the log can no longer be trusted
}

type watcher struct {
	ch   chan uint64
	stop func() bool
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed, with mode 0700) the data directory dir,
// takes its lock and recovers the state. If the lock is held elsewhere Open
// fails with an error wrapping ErrLocked once the lock timeout has passed.
func Open(dir string, opts ...Option) (*Store, error) {
	o := options{lockTimeout: DefaultLockTimeout, compactSize: DefaultCompactSize}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store/wal: %w", err)
	}
	lock, err := lockDir(dir, o.lockTimeout)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, lock: lock, opts: o}
	if err := s.recover(); err != nil {
		_ = lock.Close() // releases the flock
		return nil, err
	}
	return s, nil
}

func lockDir(dir string, timeout time.Duration) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store/wal: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if err != unix.EWOULDBLOCK && err != unix.EINTR {
			f.Close()
			return nil, fmt.Errorf("store/wal: lock %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, fmt.Errorf("%w (%s is locked; gave up after %v)", ErrLocked, dir, max(timeout, 0))
		}
		time.Sleep(min(50*time.Millisecond, time.Until(deadline)+time.Millisecond))
	}
}

// recover loads the newest snapshot, replays its log (truncating a torn
// tail), creates the log if it is missing and deletes older generations
// and temporary files.
func (s *Store) recover() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("store/wal: %w", err)
	}
	var gen uint64
	hasSnap, hasLog := false, false
	for _, e := range entries {
		if kind, g, ok := parseName(e.Name()); ok && kind == "snap" && (!hasSnap || g > gen) {
			gen, hasSnap = g, true
		}
	}
	st := newState()
	var snapSize int64
	if hasSnap {
		path := filepath.Join(s.dir, snapName(gen))
		if st, err = readSnapshot(path, gen); err != nil {
			return err
		}
		if fi, err := os.Stat(path); err == nil {
			snapSize = fi.Size()
		}
	}
	logPath := filepath.Join(s.dir, logName(gen))
	if _, err := os.Stat(logPath); err == nil {
		hasLog = true
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store/wal: %w", err)
	}
	if hasLog {
		end, zeroTail, err := replayLog(logPath, gen, st)
		if err != nil {
			return err
		}
		f, err := openLog(logPath, end)
		if err != nil {
			return err
		}
		size := end
		fi, err := f.Stat()
		if err == nil && fi.Size() > end {
			if zeroTail {
				size = fi.Size() // preallocated space: keep it
			} else if err = f.Truncate(end); err == nil {
				// A torn tail: cut it off, durably, before writing after it.
				err = fdatasync(f)
			}
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("store/wal: truncating the torn tail of %s: %w", logPath, err)
		}
		s.log, s.logSize, s.logAlloc = f, end, size
	} else {
		f, err := createLog(s.dir, gen)
		if err != nil {
			return err
		}
		s.log, s.logSize, s.logAlloc = f, headerLen, headerLen
	}
	s.gen = gen
	s.compactAt = max(s.opts.compactSize, 4*snapSize)
	s.cur.Store(st)
	s.revs.Init(st.rev)
	s.removeStale(entries)
	return nil
}

// removeStale deletes the files of generations before s.gen, logs of later
// generations (never acknowledged: see the package comment) and temporary
// files. Failures are harmless: the files are ignored on the next Open.
func (s *Store) removeStale(entries []os.DirEntry) {
	for _, e := range entries {
		name := e.Name()
		kind, g, ok := parseName(name)
		stale := filepath.Ext(name) == ".tmp" || (ok && g < s.gen) || (ok && kind == "log" && g > s.gen)
		if stale {
			_ = os.Remove(filepath.Join(s.dir, name))
		}
	}
}

// Name returns "wal".
func (s *Store) Name() string { return "wal" }

// Dir returns the data directory the store was opened on.
func (s *Store) Dir() string { return s.dir }

// Update runs fn in a read-write transaction on a private copy of the
// state and returns after the log record holding its writes is fdatasynced
// (sharing the record with concurrent Updates). If fn wrote anything the
// revision grows by one and watchers are told. fn's error is returned
// unchanged and nothing of it is kept; a panic in fn propagates. The ctx is
// checked only before fn is queued.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.update(ctx, func(t *tx) error { return fn(t) })
}

func (s *Store) update(ctx context.Context, fn func(t *tx) error) error {
	if err := s.gate.Enter(ctx, ErrClosed); err != nil {
		return err
	}
	defer s.gate.Leave()
	return s.commitQueued(fn)
}

// View runs fn on the newest committed state; it takes no lock that an
// Update holds, and Views run concurrently with each other and with commits.
func (s *Store) View(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := s.gate.Enter(ctx, ErrClosed); err != nil {
		return err
	}
	defer s.gate.Leave()
	t := &tx{st: s.cur.Load()}
	defer func() { t.done = true }()
	return fn(t)
}

// Revision returns the newest committed revision. It is 0 for a new store.
func (s *Store) Revision(ctx context.Context) (uint64, error) {
	if err := s.gate.Enter(ctx, ErrClosed); err != nil {
		return 0, err
	}
	defer s.gate.Leave()
	return s.revs.Load(), nil
}

// Watch implements store.Store.Watch (store.Revisions does the fan-out).
func (s *Store) Watch(ctx context.Context) <-chan uint64 { return s.revs.Watch(ctx) }

// Reset deletes every table and every NextSequence counter and grows the
// revision, in one durable commit.
func (s *Store) Reset(ctx context.Context) error {
	return s.update(ctx, func(t *tx) error {
		if t.done {
			return ErrTxDone
		}
		t.do(op{kind: opReset})
		return nil
	})
}

// Importer receives the content of another store (see Import).
type Importer interface {
	Put(table, key string, value []byte) error
	SetSequence(table, name string, n uint64) error
}

// Import fills an empty store (revision 0) in one durable commit: fn Puts
// every item and sets every counter, and the revision becomes rev (or 1 if
// rev is 0 and fn wrote something). It fails with ErrNotEmpty if the store
// was ever written to, so it is safe to retry after a crash.
func (s *Store) Import(ctx context.Context, rev uint64, fn func(im Importer) error) error {
	return s.update(ctx, func(t *tx) error {
		if t.st.rev != 0 {
			return ErrNotEmpty
		}
		if err := fn(t); err != nil {
			return err
		}
		if rev > 0 {
			t.dirty = true
			t.minRev = rev
		}
		return nil
	})
}

// Close waits for running transactions, closes every
// Watch channel and releases the directory. Methods called afterwards return
// ErrClosed; a second Close returns nil.
func (s *Store) Close() error {
	return s.gate.Close(func() error {
		s.revs.Close()
		// No Update is running (they hold the gate shared), so no leader
		// is committing or compacting and the queue is empty.
		err := s.log.Close()
		if cerr := s.lock.Close(); err == nil {
			err = cerr
		}
		return err
	})
}
