package quota

import (
	"hash/maphash"
	"sync"

	"github.com/stagecraft/stagecraft/internal/clock"
)

// Key names one API key's quota in one usage plan: quotas count "requests
// for individual API keys that are aggregated across all API stages within
// a usage plan" [D: usage plans guide].
type Key struct {
	Account, Region string
	Plan            string // usage plan id
	APIKey          string // API key id
}

// Counters count requests against usage plan quotas. The request path
// (Take) works in memory only; Sync writes what was counted to the store
// and reads back what every node counted, so counts survive restarts and
// are shared by the nodes of a cluster (each node may let through up to
// what it counted since its last Sync beyond the limit: the quota is, as
// AWS says of its own, a target rather than a guaranteed ceiling).
//
// Safe for concurrent use.
type Counters struct {
	clk    clock.Clock
	seed   maphash.Seed
	shards [64]counterShard

	mu     sync.Mutex
	recent map[Key]map[dayNum]int64 // stored day totals read by Load, for keys not counted yet
}

type counterShard struct {
	mu sync.RWMutex
	m  map[Key]*counter
	_  [40]byte
}

type counter struct {
	mu         sync.Mutex
	settings   Settings
	start, end dayNum // current window [start, end); start < 0 before the first use
	used       int64  // requests in the window: stored + pending
	stored     map[dayNum]int64
	pending    map[dayNum]int64 // counted here, not yet written
	extra      map[dayNum]int64 // remaining-quota adjustments by window start (UpdateUsage)
}

// NewCounters returns empty counters on clk. Call Load before serving to
// start from the stored counts.
func NewCounters(clk clock.Clock) *Counters {
	c := &Counters{clk: clk, seed: maphash.MakeSeed(), recent: map[Key]map[dayNum]int64{}}
	for i := range c.shards {
		c.shards[i].m = map[Key]*counter{}
	}
	return c
}

func (c *Counters) shard(k Key) *counterShard {
	return &c.shards[maphash.Comparable(c.seed, k)%uint64(len(c.shards))]
}

func (c *Counters) counter(k Key) *counter {
	sh := c.shard(k)
	sh.mu.RLock()
	ctr := sh.m[k]
	sh.mu.RUnlock()
	if ctr != nil {
		return ctr
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if ctr = sh.m[k]; ctr == nil {
		c.mu.Lock()
		stored := c.recent[k]
		delete(c.recent, k)
		c.mu.Unlock()
		if stored == nil {
			stored = map[dayNum]int64{}
		}
		ctr = &counter{stored: stored, pending: map[dayNum]int64{}, start: -1}
		sh.m[k] = ctr
	}
	return ctr
}

// each calls fn for every counter.
func (c *Counters) each(fn func(Key, *counter)) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		for k, ctr := range sh.m {
			fn(k, ctr)
		}
		sh.mu.RUnlock()
	}
}

// lookup returns k's counter if there is one.
func (c *Counters) lookup(k Key) *counter {
	sh := c.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return sh.m[k]
}

// roll makes the counter's window the one of s containing day d; the
// caller holds ctr.mu.
func (ctr *counter) roll(s Settings, d dayNum) {
	if ctr.settings == s && d >= ctr.start && d < ctr.end {
		return
	}
	ctr.settings = s
	st, en := s.Window(d.time())
	ctr.start, ctr.end = dayOf(st), dayOf(en)
	ctr.recount()
}

func (ctr *counter) recount() {
	ctr.used = 0
	for d, n := range ctr.stored {
		if d >= ctr.start && d < ctr.end {
			ctr.used += n
		}
	}
	for d, n := range ctr.pending {
		if d >= ctr.start && d < ctr.end {
			ctr.used += n
		}
	}
}

// Take counts one request of k under s, unless the quota of the current
// window is used up. It returns the requests remaining after this one, or
// QuotaExceeded.
func (c *Counters) Take(k Key, s Settings) (remaining int64, err error) {
	d := dayOf(c.clk.Now())
	ctr := c.counter(k)
	ctr.mu.Lock()
	defer ctr.mu.Unlock()
	ctr.roll(s, d)
	limit := s.Limit + ctr.extra[ctr.start]
	if ctr.used >= limit {
		return 0, QuotaExceeded
	}
	ctr.used++
	ctr.pending[d]++
	return limit - ctr.used, nil
}

// Usage reports k's count and remaining requests in the current window of
// s, as this node knows them.
func (c *Counters) Usage(k Key, s Settings) (used, remaining int64) {
	d := dayOf(c.clk.Now())
	ctr := c.counter(k)
	ctr.mu.Lock()
	defer ctr.mu.Unlock()
	ctr.roll(s, d)
	return ctr.used, max(s.Limit+ctr.extra[ctr.start]-ctr.used, 0)
}
