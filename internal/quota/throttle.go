package quota

import (
	"hash/maphash"
	"sync"

	"github.com/stagecraft/stagecraft/internal/clock"
)

// Throttler applies API Gateway's throttling layers. AWS applies them in
// this order, and a request must pass each that applies [D: "Throttle
// requests to your REST APIs", "API Gateway applies your throttling-related
// settings in the following order"]:
//
//  1. the usage plan's per-method throttle for the API stage, per API key
//     (apiStages[].throttle["/pets/GET"]);
//  2. the usage plan's throttle, per API key, shared by every API stage of
//     the plan ("aggregated across all API stages within a usage plan");
//  3. the stage's per-method throttle (methodSettings "pets/GET", or the
//     stage default "*/*" applied to each method separately; for HTTP APIs
//     routeSettings and defaultRouteSettings per route);
//  4. the account's throttle in the region (GetAccount's throttleSettings,
//     default rate 10000, burst 5000).
//
// A request throttled by a later layer gives back the tokens it took from
// the earlier ones, so refused requests do not drain anyone's bucket.
//
// Buckets are created on first use and kept until Sweep finds them full.
// Throttler is safe for concurrent use; the request path takes no lock
// beyond a shard's read lock.
type Throttler struct {
	clk        clock.Clock
	planMethod table[PlanMethodKey]
	plan       table[PlanKey]
	method     table[MethodKey]
	account    table[AccountKey]
}

// AccountKey names an account's regional bucket.
type AccountKey struct{ Account, Region string }

// MethodKey names a stage method's bucket. Method identifies the method or
// route within the stage, e.g. "pets/GET" (a methodSettings key) or
// "GET /pets" (an HTTP API route key).
type MethodKey struct{ Account, Region, API, Stage, Method string }

// PlanKey names an API key's bucket in a usage plan.
type PlanKey struct{ Account, Region, Plan, Key string }

// PlanMethodKey names an API key's bucket for one method of one API stage
// in a usage plan. Method is the plan's throttle key ("/pets/GET").
type PlanMethodKey struct{ Account, Region, Plan, Key, API, Stage, Method string }

// NewThrottler returns a Throttler on clk.
func NewThrottler(clk clock.Clock) *Throttler {
	t := &Throttler{clk: clk}
	t.planMethod.init()
	t.plan.init()
	t.method.init()
	t.account.init()
	return t
}

// Check is one request's throttling settings; a nil limit is a layer that
// does not apply.
type Check struct {
	Account, Region string
	API, Stage      string
	// Method is the stage method or route (see MethodKey).
	Method      string
	MethodLimit *Limit // the stage's effective limit for Method
	// Plan and Key identify the usage plan and API key (when the method
	// requires a key and the key is in a plan for the stage).
	Plan, Key string
	PlanLimit *Limit // the plan's throttle
	// PlanMethod and PlanMethodLimit are the plan's per-method throttle
	// for this API stage, when it has one for the method.
	PlanMethod      string
	PlanMethodLimit *Limit
	AccountLimit    *Limit // the account's throttle in the region
}

// Allow takes a token from every layer that applies. It returns nil, or
// Throttled.
func (t *Throttler) Allow(c *Check) error {
	now := t.clk.Now().UnixNano()
	var taken [4]*Bucket
	n := 0
	try := func(b *Bucket) bool {
		if !b.allow(now) {
			for _, tb := range taken[:n] {
				tb.refund(now)
			}
			return false
		}
		taken[n] = b
		n++
		return true
	}
	if c.PlanMethodLimit != nil && c.Key != "" {
		k := PlanMethodKey{c.Account, c.Region, c.Plan, c.Key, c.API, c.Stage, c.PlanMethod}
		if !try(t.planMethod.get(k, *c.PlanMethodLimit)) {
			return Throttled
		}
	}
	if c.PlanLimit != nil && c.Key != "" {
		if !try(t.plan.get(PlanKey{c.Account, c.Region, c.Plan, c.Key}, *c.PlanLimit)) {
			return Throttled
		}
	}
	if c.MethodLimit != nil {
		if !try(t.method.get(MethodKey{c.Account, c.Region, c.API, c.Stage, c.Method}, *c.MethodLimit)) {
			return Throttled
		}
	}
	if c.AccountLimit != nil {
		if !try(t.account.get(AccountKey{c.Account, c.Region}, *c.AccountLimit)) {
			return Throttled
		}
	}
	return nil
}

// Sweep forgets every bucket that is full (a new one would behave the
// same) and returns how many it dropped. Call it now and then, e.g. with
// Sync.
func (t *Throttler) Sweep() int {
	now := t.clk.Now().UnixNano()
	return t.planMethod.sweep(now) + t.plan.sweep(now) + t.method.sweep(now) + t.account.sweep(now)
}

// Len is the number of buckets held.
func (t *Throttler) Len() int {
	return t.planMethod.len() + t.plan.len() + t.method.len() + t.account.len()
}

// MethodTokens reports the tokens left in a stage method's bucket, for
// tests and tools.
func (t *Throttler) MethodTokens(k MethodKey) (float64, bool) {
	b := t.method.lookup(k)
	if b == nil {
		return 0, false
	}
	return b.Tokens(t.clk.Now()), true
}

// table is a concurrent map of buckets, sharded so that lookups of
// different keys rarely share a lock. A key is hashed once: the hash picks
// the shard and is the shard map's key, with the rare collisions chained.
type table[K comparable] struct {
	seed   maphash.Seed
	shards [64]tableShard[K]
}

type tableShard[K comparable] struct {
	mu sync.RWMutex
	m  map[uint64]*entry[K]
	_  [40]byte // keep neighbouring shards' locks off one cache line
}

type entry[K comparable] struct {
	key  K
	b    *Bucket
	next *entry[K]
}

func (t *table[K]) init() {
	t.seed = maphash.MakeSeed()
	for i := range t.shards {
		t.shards[i].m = make(map[uint64]*entry[K])
	}
}

func (t *table[K]) find(k K) (*tableShard[K], uint64, *Bucket) {
	h := maphash.Comparable(t.seed, k)
	s := &t.shards[h%uint64(len(t.shards))]
	s.mu.RLock()
	for e := s.m[h]; e != nil; e = e.next {
		if e.key == k {
			s.mu.RUnlock()
			return s, h, e.b
		}
	}
	s.mu.RUnlock()
	return s, h, nil
}

func (t *table[K]) lookup(k K) *Bucket {
	_, _, b := t.find(k)
	return b
}

// get returns k's bucket, created full on first use, set to l.
func (t *table[K]) get(k K, l Limit) *Bucket {
	s, h, b := t.find(k)
	if b == nil {
		s.mu.Lock()
		for e := s.m[h]; e != nil; e = e.next {
			if e.key == k {
				b = e.b
				break
			}
		}
		if b == nil {
			b = NewBucket(l)
			s.m[h] = &entry[K]{key: k, b: b, next: s.m[h]}
		}
		s.mu.Unlock()
	}
	if b.p.Load().lim != l {
		b.SetLimit(l)
	}
	return b
}

func (t *table[K]) sweep(now int64) int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for h, head := range s.m {
			var keep *entry[K]
			for e := head; e != nil; e = e.next {
				if e.b.idle(now) {
					n++
					continue
				}
				keep = &entry[K]{key: e.key, b: e.b, next: keep}
			}
			if keep == nil {
				delete(s.m, h)
			} else {
				s.m[h] = keep
			}
		}
		s.mu.Unlock()
	}
	return n
}

func (t *table[K]) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		for _, head := range s.m {
			for e := head; e != nil; e = e.next {
				n++
			}
		}
		s.mu.RUnlock()
	}
	return n
}
