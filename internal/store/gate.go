package store

import (
	"context"
	"sync"
)

// Gate is what both stores do around every call: a call checks its
// context, enters shared (so calls run concurrently) and fails with the
// store's closed error once Close has run; Close enters exclusively, so it
// waits for the calls inside and runs once.
type Gate struct {
	mu     sync.RWMutex
	closed bool
}

// Enter returns ctx's error, or closedErr after Close, or nil with the
// gate held shared until Leave.
func (g *Gate) Enter(ctx context.Context, closedErr error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return closedErr
	}
	return nil
}

// Leave ends a call Enter let in.
func (g *Gate) Leave() { g.mu.RUnlock() }

// Close waits for the calls inside, then runs release once: a second Close
// returns nil without running it.
func (g *Gate) Close(release func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return release()
}
