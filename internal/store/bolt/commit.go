package bolt

import (
	"errors"
	"fmt"

	bbolt "go.etcd.io/bbolt"
)

// Group commit without a timer. Every Update hands its function to one
// committer goroutine. The committer takes the first waiting function and
// every other one that queued up meanwhile, runs them in order in one bbolt
// transaction and commits once, so concurrent writers share the fsyncs
// (bbolt syncs twice per commit) while a lone writer commits at once, with
// no delay to wait for company (bbolt's Batch waits MaxBatchDelay).
//
// If a function fails, the transaction is rolled back, that function's
// caller gets its error, and the others run again without it (store.Store
// allows a function to run more than once). The order the functions ran in
// is a valid serial order: the failed one saw the writes of those before it,
// and those are the writes that are committed.

// maxBatch bounds how many writes share one commit.
const maxBatch = 256

type pending struct {
	run  func(*bbolt.Tx) error
	done chan error
}

// panicError carries a panic out of the committer to the caller whose
// function panicked, which re-panics with the value.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprint("panic in Update function: ", p.v) }

var errRerun = errors.New("store/bolt: batch member failed; rerun the others")

func (s *Store) commitQueued(run func(*bbolt.Tx) error) error {
	s.committerOnce.Do(func() { go s.committer() })
	p := &pending{run: run, done: make(chan error, 1)}
	s.commits <- p
	err := <-p.done
	if pe, ok := err.(panicError); ok {
		panic(pe.v)
	}
	return err
}

// committer runs for the life of the process; Close waits for running
// Updates (the gate) before closing the file, so no commit is in flight
// then, and the idle goroutine blocks on the channel harmlessly.
func (s *Store) committer() {
	for first := range s.commits {
		batch := []*pending{first}
	collect:
		for len(batch) < maxBatch {
			select {
			case p := <-s.commits:
				batch = append(batch, p)
			default:
				break collect
			}
		}
		s.commitBatch(batch)
	}
}

func (s *Store) commitBatch(batch []*pending) {
	for len(batch) > 0 {
		failed, failErr := -1, error(nil)
		err := s.db.Update(func(btx *bbolt.Tx) error {
			for i, p := range batch {
				if err := safeRun(p.run, btx); err != nil {
					failed, failErr = i, err
					return errRerun
				}
			}
			return nil
		})
		switch {
		case err == nil:
			for _, p := range batch {
				p.done <- nil
			}
			return
		case failed >= 0:
			batch[failed].done <- failErr
			batch = append(batch[:failed:failed], batch[failed+1:]...)
		default:
			// The commit itself failed (disk full, I/O error): nobody's
			// writes are durable.
			for _, p := range batch {
				p.done <- err
			}
			return
		}
	}
}

func safeRun(run func(*bbolt.Tx) error, btx *bbolt.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError{v}
		}
	}()
	return run(btx)
}
