package wal

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Group commit without a timer and without a committer goroutine: the
// Update that finds no commit in progress becomes the leader and commits
// on its own goroutine at once, taking every function queued so far (its
// own first). Functions that arrive meanwhile queue up; when the leader's
// record is durable it hands the leadership to the first of them, which
// commits the whole queue as one record. So concurrent writers share the
// fdatasync, a lone writer commits with no goroutine switch, and no writer
// waits behind more than one record before its own.
//
// Each function runs on a lazy clone of the state left by the functions
// before it (a clone is two small allocations). A function that fails or
// panics has its clone dropped and its caller gets the error; the others
// keep their results, so no function runs twice. The order the functions
// ran in is a valid serial order.

// maxBatch bounds how many Updates share one record.
const maxBatch = 256

type pending struct {
	run  func(*tx) error
	done chan error // the result, or errLead
}

// errLead, sent on a waiting Update's done channel, makes it the leader.
var errLead = errors.New("store/wal: lead the next commit")

// panicError carries a panic out of the leader to the caller whose
// function panicked, which re-panics with the value.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprint("panic in Update function: ", p.v) }

func (s *Store) commitQueued(run func(*tx) error) error {
	p := &pending{run: run, done: make(chan error, 1)}
	s.cmu.Lock()
	s.queue = append(s.queue, p)
	if s.leading {
		s.cmu.Unlock()
		if err := <-p.done; err != errLead {
			return result(err)
		}
		s.cmu.Lock() // leading stayed true: the leadership is ours now
	}
	s.leading = true
	n := min(len(s.queue), maxBatch)
	s.batch = append(s.batch[:0], s.queue[:n]...)
	s.queue = append(s.queue[:0], s.queue[n:]...)
	s.cmu.Unlock()

	// Only the leader touches the log and the fields below cmu in Store.
	s.commitBatch(s.batch) // answers every pending of the batch, p too
	clear(s.batch)
	if s.broken == nil && s.logSize >= s.compactAt {
		s.compact()
	}

	s.cmu.Lock()
	if len(s.queue) > 0 {
		s.queue[0].done <- errLead // buffered, and its owner is waiting
	} else {
		s.leading = false
	}
	s.cmu.Unlock()
	return result(<-p.done)
}

func result(err error) error {
	if pe, ok := err.(panicError); ok {
		panic(pe.v)
	}
	return err
}

func (s *Store) commitBatch(batch []*pending) {
	if s.broken != nil {
		for _, p := range batch {
			p.done <- s.broken
		}
		return
	}
	cur := s.cur.Load()
	work := cur
	rev := cur.rev
	errs := make([]error, len(batch))
	s.buf = s.buf[:0]
	var ops []op
	for i, p := range batch {
		t := &tx{st: work.clone(), writable: true}
		err := safeRun(p.run, t)
		t.done = true
		if err != nil {
			errs[i] = err
			continue
		}
		if !t.dirty {
			continue
		}
		rev = max(rev+1, t.minRev)
		work = t.st
		work.rev = rev
		ops = append(ops, t.ops...)
	}
	if rev != cur.rev {
		work.rev = rev
		s.buf = appendRecord(s.buf, rev, ops)
		if err := s.append(s.buf); err != nil {
			for i, p := range batch {
				if errs[i] == nil {
					errs[i] = err
				}
				p.done <- errs[i]
			}
			return
		}
		// Durable: now visible.
		s.cur.Store(work)
		s.revs.Publish(rev)
	}
	for i, p := range batch {
		p.done <- errs[i]
	}
	if cap(s.buf) > 1<<20 {
		s.buf = nil // do not pin a large record's buffer
	}
}

// append writes one record with a single write (after extending the
// log's preallocated zeros when the record does not fit) and fdatasyncs
// it. After a failed write or sync the log's content is unknown (the kernel
// may have dropped the dirty pages), so the store refuses further writes;
// reopening recovers what is durable.
func (s *Store) append(rec []byte) error {
	var err error
	if need := s.logSize + int64(len(rec)); need > s.logAlloc {
		s.logAlloc, err = preallocate(s.log, s.logAlloc, need)
	}
	if err == nil {
		_, err = s.log.WriteAt(rec, s.logSize)
	}
	if err == nil {
		err = fdatasync(s.log)
	}
	if err != nil {
		s.broken = fmt.Errorf("store/wal: log %s unusable after a failed write (reopen the store): %w", s.log.Name(), err)
		return s.broken
	}
	s.logSize += int64(len(rec))
	return nil
}

// compact starts generation gen+1: snap-<gen+1> holds the state (which is
// exactly snapshot gen plus log gen: the leader commits nothing meanwhile),
// then an empty log-<gen+1> replaces log-<gen>, then the old generation is
// deleted. See the package comment for why every crash point is safe.
func (s *Store) compact() {
	st := s.cur.Load()
	next := s.gen + 1
	size, err := writeSnapshot(s.dir, next, st)
	if err != nil {
		// Nothing changed (the temporary file is gone or ignored): keep
		// appending to the current log and retry after it doubled.
		slog.Warn("store/wal: compaction failed", "err", err)
		s.compactAt = 2 * s.logSize
		return
	}
	// snap-<next> exists, so log-<gen> is no longer read by Open: from
	// here on a failure must stop the writes.
	f, err := createLog(s.dir, next)
	if err != nil {
		s.broken = fmt.Errorf("store/wal: compaction: %w", err)
		return
	}
	_ = s.log.Close()
	old := s.gen
	s.log, s.gen, s.logSize, s.logAlloc = f, next, headerLen, headerLen
	s.compactAt = max(s.opts.compactSize, 4*size)
	_ = os.Remove(filepath.Join(s.dir, logName(old)))
	_ = os.Remove(filepath.Join(s.dir, snapName(old)))
}

func safeRun(run func(*tx) error, t *tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError{v}
		}
	}()
	return run(t)
}
