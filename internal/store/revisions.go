package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// Revisions is the revision counter and the Watch fan-out that every Store
// implementation needs: the newest committed revision, and watchers that
// each get the newest value through a one-slot channel (an unread older
// value is replaced, so a slow reader sees only the latest). The zero value
// is ready at revision 0.
//
// One mutex guards the watchers, closing and writes of the revision, and
// deliveries happen under it: a watcher channel is never sent to after being
// closed, and revisions reach each watcher in increasing order.
type Revisions struct {
	rev      atomic.Uint64
	mu       sync.Mutex
	watchers map[*revWatcher]struct{}
	closed   bool
}

type revWatcher struct {
	ch   chan uint64
	stop func() bool // unregisters the context.AfterFunc
}

// Load returns the newest published revision.
func (r *Revisions) Load() uint64 { return r.rev.Load() }

// Init sets the revision a store opens at, before anyone watches.
func (r *Revisions) Init(rev uint64) { r.rev.Store(rev) }

// Publish records rev as committed and tells the watchers. An older
// revision arriving late (publish calls of consecutive commits may race) is
// dropped.
func (r *Revisions) Publish(rev uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rev <= r.rev.Load() {
		return
	}
	r.rev.Store(rev)
	for w := range r.watchers {
		select {
		case <-w.ch: // drop the unread older value
		default:
		}
		w.ch <- rev // cannot block: we are the only sender and hold mu
	}
}

// Watch implements Store.Watch: the channel is closed when ctx ends or
// Close is called (at once if either already happened).
func (r *Revisions) Watch(ctx context.Context) <-chan uint64 {
	ch := make(chan uint64, 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		close(ch)
		return ch
	}
	if r.watchers == nil {
		r.watchers = map[*revWatcher]struct{}{}
	}
	w := &revWatcher{ch: ch}
	r.watchers[w] = struct{}{}
	// The callback needs mu, which we hold, so it cannot run before stop
	// is set.
	w.stop = context.AfterFunc(ctx, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := r.watchers[w]; ok {
			delete(r.watchers, w)
			close(w.ch)
		}
	})
	return ch
}

// Close closes every watcher's channel; later Watch calls get a closed
// channel.
func (r *Revisions) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for w := range r.watchers {
		w.stop()
		delete(r.watchers, w)
		close(w.ch)
	}
}
