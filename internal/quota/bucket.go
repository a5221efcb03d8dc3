package quota

import (
	"math"
	"sync/atomic"
	"time"
)

// Limit is a throttle setting: Rate requests a second in the steady state
// (rateLimit, tokens added per second) and Burst requests at once
// (burstLimit, the bucket's capacity) [D: API Gateway throttles "using the
// token bucket algorithm, where a token counts for a request"].
//
// A Burst of 0 or less lets nothing through. A Rate of 0 or less never
// refills: Burst requests pass, then none.
type Limit struct {
	Rate  float64
	Burst int64
}

// Bucket is a token bucket safe for concurrent use. It is a GCRA (generic
// cell rate algorithm) bucket: its whole state is one atomic int64, the
// "theoretical arrival time" of the next request, so taking a token is a
// load and a compare-and-swap, without locks. It starts full.
type Bucket struct {
	// state is the theoretical arrival time in Unix nanoseconds; for a
	// bucket that never refills it counts the tokens taken instead.
	state atomic.Int64
	p     atomic.Pointer[bucketParams]
}

type bucketParams struct {
	lim       Limit
	noRefill  bool
	interval  int64 // nanoseconds per token
	tolerance int64 // interval * burst: how far ahead of now state may run
}

// maxInterval: a slower rate than one token in ~3 years is treated as no
// refill, which keeps interval*burst and now+interval far from overflow.
const maxInterval = int64(1e17)

func newParams(l Limit) *bucketParams {
	p := &bucketParams{lim: l}
	iv := 1e9 / l.Rate
	if l.Rate <= 0 || math.IsNaN(l.Rate) || iv > float64(maxInterval) {
		p.noRefill = true
		return p
	}
	p.interval = max(int64(iv), 1)
	burst := max(l.Burst, 0)
	if burst > math.MaxInt64/4/p.interval {
		p.tolerance = math.MaxInt64 / 4
	} else {
		p.tolerance = burst * p.interval
	}
	return p
}

// NewBucket returns a full bucket.
func NewBucket(l Limit) *Bucket {
	b := &Bucket{}
	b.p.Store(newParams(l))
	return b
}

// Limit is the bucket's current setting.
func (b *Bucket) Limit() Limit { return b.p.Load().lim }

// SetLimit changes the setting, keeping the tokens already taken where the
// kind of bucket stays the same (a stage whose throttle is edited does not
// get a fresh burst); switching between refilling and non-refilling starts
// full.
func (b *Bucket) SetLimit(l Limit) {
	old := b.p.Load()
	if old.lim == l {
		return
	}
	np := newParams(l)
	if b.p.CompareAndSwap(old, np) && old.noRefill != np.noRefill {
		b.state.Store(0)
	}
}

// Allow takes a token at now and reports whether there was one.
func (b *Bucket) Allow(now time.Time) bool { return b.allow(now.UnixNano()) }

func (b *Bucket) allow(now int64) bool {
	p := b.p.Load()
	if p.noRefill {
		for {
			taken := b.state.Load()
			if taken >= p.lim.Burst {
				return false
			}
			if b.state.CompareAndSwap(taken, taken+1) {
				return true
			}
		}
	}
	for {
		tat := b.state.Load()
		next := max(tat, now) + p.interval
		if next-now > p.tolerance {
			return false
		}
		if b.state.CompareAndSwap(tat, next) {
			return true
		}
	}
}

// refund gives back a token taken at now (a later layer throttled the
// request).
func (b *Bucket) refund(now int64) {
	p := b.p.Load()
	for {
		s := b.state.Load()
		var ns int64
		switch {
		case p.noRefill && s > 0:
			ns = s - 1
		case !p.noRefill && s > now:
			ns = s - p.interval
		default:
			return
		}
		if b.state.CompareAndSwap(s, ns) {
			return
		}
	}
}

// Tokens is how many requests the bucket would let through at now.
func (b *Bucket) Tokens(now time.Time) float64 {
	p := b.p.Load()
	s := b.state.Load()
	if p.noRefill {
		return float64(max(p.lim.Burst-s, 0))
	}
	ahead := max(s-now.UnixNano(), 0)
	return math.Max(float64(p.tolerance-ahead)/float64(p.interval), 0)
}

// idle reports whether the bucket is full at now: forgetting it changes
// nothing, since a new bucket starts full.
func (b *Bucket) idle(now int64) bool {
	p := b.p.Load()
	if p.noRefill {
		return b.state.Load() == 0
	}
	return b.state.Load() <= now
}
