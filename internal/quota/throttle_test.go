package quota_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/quota"
)

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) // a Wednesday

// allowN takes n tokens and returns how many were granted.
func allowN(b *quota.Bucket, now time.Time, n int) int {
	got := 0
	for range n {
		if b.Allow(now) {
			got++
		}
	}
	return got
}

func TestBucketMath(t *testing.T) {
	cases := []struct {
		name  string
		lim   quota.Limit
		steps []struct {
			after time.Duration // advance before trying
			try   int
			want  int
		}
	}{
		{name: "burst then rate", lim: quota.Limit{Rate: 10, Burst: 5}, steps: []struct {
			after     time.Duration
			try, want int
		}{
			{0, 10, 5},                     // the burst
			{99 * time.Millisecond, 1, 0},  // not yet one token
			{time.Millisecond, 2, 1},       // 100ms: one token
			{time.Second, 20, 5},           // a second refills 10, capped at the burst
			{250 * time.Millisecond, 5, 2}, // 2.5 tokens
			{50 * time.Millisecond, 1, 1},  // the half token completes
			{10 * time.Hour, 100, 5},       // never more than the burst
		}},
		{name: "fractional rate", lim: quota.Limit{Rate: 0.5, Burst: 1}, steps: []struct {
			after     time.Duration
			try, want int
		}{
			{0, 3, 1},
			{1999 * time.Millisecond, 1, 0},
			{time.Millisecond, 1, 1},
		}},
		{name: "burst 0 lets nothing through", lim: quota.Limit{Rate: 1000, Burst: 0}, steps: []struct {
			after     time.Duration
			try, want int
		}{
			{0, 5, 0},
			{time.Hour, 5, 0},
		}},
		{name: "rate 0 never refills", lim: quota.Limit{Rate: 0, Burst: 3}, steps: []struct {
			after     time.Duration
			try, want int
		}{
			{0, 5, 3},
			{24 * time.Hour, 5, 0},
		}},
		{name: "rate 0 burst 0", lim: quota.Limit{}, steps: []struct {
			after     time.Duration
			try, want int
		}{
			{0, 1, 0},
		}},
		{name: "AWS account default", lim: quota.Limit{Rate: 10000, Burst: 5000}, steps: []struct {
			after     time.Duration
			try, want int
		}{
			{0, 6000, 5000},
			{10 * time.Millisecond, 200, 100},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			b := quota.NewBucket(tc.lim)
			for i, s := range tc.steps {
				clk.Advance(s.after)
				if got := allowN(b, clk.Now(), s.try); got != s.want {
					t.Fatalf("step %d: %d of %d allowed, want %d", i, got, s.try, s.want)
				}
			}
		})
	}
}

func TestBucketTokensAndSetLimit(t *testing.T) {
	clk := clock.NewFake(t0)
	b := quota.NewBucket(quota.Limit{Rate: 1, Burst: 10})
	if got := b.Tokens(clk.Now()); got != 10 {
		t.Fatalf("Tokens = %v, want 10", got)
	}
	allowN(b, clk.Now(), 4)
	if got := b.Tokens(clk.Now()); got != 6 {
		t.Fatalf("Tokens = %v, want 6", got)
	}
	// A higher limit keeps what was taken.
	b.SetLimit(quota.Limit{Rate: 1, Burst: 20})
	if got := b.Tokens(clk.Now()); got != 16 {
		t.Fatalf("Tokens after raising the burst = %v, want 16", got)
	}
	// A faster rate: the state is a time, so the 4s of debt taken at 1/s
	// are worth 40 tokens at 10/s, more than the new 2s tolerance (burst
	// 20 at 10/s): nothing is left until the debt is paid.
	b.SetLimit(quota.Limit{Rate: 10, Burst: 20})
	if got := b.Tokens(clk.Now()); got != 0 {
		t.Fatalf("Tokens after raising the rate = %v, want 0", got)
	}
	clk.Advance(2 * time.Second)
	if got := b.Tokens(clk.Now()); got != 0 {
		t.Fatalf("Tokens after 2s = %v, want 0", got)
	}
	clk.Advance(time.Second)
	if got := b.Tokens(clk.Now()); got != 10 {
		t.Fatalf("Tokens after 3s = %v, want 10", got)
	}
	clk.Advance(time.Second)
	if got := b.Tokens(clk.Now()); got != 20 {
		t.Fatalf("Tokens after the debt is paid = %v, want 20", got)
	}
	// Switching to a non-refilling bucket starts it full.
	b.SetLimit(quota.Limit{Rate: 0, Burst: 2})
	if got := allowN(b, clk.Now(), 5); got != 2 {
		t.Fatalf("non-refilling bucket allowed %d, want 2", got)
	}
}

func TestBucketConcurrent(t *testing.T) {
	// At a frozen instant exactly Burst of many concurrent takers win.
	clk := clock.NewFake(t0)
	b := quota.NewBucket(quota.Limit{Rate: 100, Burst: 1000})
	var won atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won.Add(int64(allowN(b, clk.Now(), 500)))
		}()
	}
	wg.Wait()
	if won.Load() != 1000 {
		t.Fatalf("%d tokens granted, want exactly 1000", won.Load())
	}
}

func lim(rate float64, burst int64) *quota.Limit { return &quota.Limit{Rate: rate, Burst: burst} }

func TestThrottlerLayers(t *testing.T) {
	clk := clock.NewFake(t0)
	th := quota.NewThrottler(clk)
	base := quota.Check{Account: "111122223333", Region: "us-east-1", API: "api1", Stage: "prod", Method: "pets/GET"}

	// Each layer alone throttles at its own burst.
	layers := []struct {
		name string
		set  func(c *quota.Check)
	}{
		{"plan method", func(c *quota.Check) {
			c.Plan, c.Key, c.PlanMethod, c.PlanMethodLimit = "plan1", "key1", "/pets/GET", lim(1, 2)
		}},
		{"plan", func(c *quota.Check) { c.Plan, c.Key, c.PlanLimit = "plan2", "key1", lim(1, 2) }},
		{"stage method", func(c *quota.Check) { c.Method, c.MethodLimit = "solo/GET", lim(1, 2) }},
		{"account", func(c *quota.Check) { c.Account, c.AccountLimit = "999988887777", lim(1, 2) }},
	}
	for _, l := range layers {
		t.Run(l.name, func(t *testing.T) {
			c := base
			l.set(&c)
			for i := range 2 {
				if err := th.Allow(&c); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			err := th.Allow(&c)
			if !errors.Is(err, quota.Throttled) {
				t.Fatalf("third request: %v, want Throttled", err)
			}
			var d *quota.Denial
			if !errors.As(err, &d) || d.Status != 429 || d.Message != "Too Many Requests" || d.GatewayType != "THROTTLED" {
				t.Fatalf("denial = %+v", d)
			}
		})
	}
}

func TestThrottlerRefundsEarlierLayers(t *testing.T) {
	clk := clock.NewFake(t0)
	th := quota.NewThrottler(clk)
	// The stage method has room for 10, the account for 3: the 7 requests
	// the account refuses must not drain the method bucket.
	c := quota.Check{Account: "a", Region: "r", API: "api", Stage: "s", Method: "m/GET",
		MethodLimit: lim(0, 10), AccountLimit: lim(0, 3)}
	allowed := 0
	for range 10 {
		if th.Allow(&c) == nil {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("%d allowed, want 3", allowed)
	}
	left, ok := th.MethodTokens(quota.MethodKey{Account: "a", Region: "r", API: "api", Stage: "s", Method: "m/GET"})
	if !ok || left != 7 {
		t.Fatalf("method bucket has %v tokens (ok=%v), want 7", left, ok)
	}
}

func TestThrottlerKeying(t *testing.T) {
	clk := clock.NewFake(t0)
	th := quota.NewThrottler(clk)
	try := func(c quota.Check) bool { return th.Allow(&c) == nil }

	// Per-key plan throttle: each key has its own bucket, shared across
	// the plan's API stages.
	k1 := quota.Check{Account: "a", Region: "r", API: "api1", Stage: "prod", Plan: "p", Key: "k1", PlanLimit: lim(0, 1)}
	k1other := k1
	k1other.API, k1other.Stage = "api2", "beta"
	k2 := k1
	k2.Key = "k2"
	if !try(k1) || try(k1other) {
		t.Fatal("plan throttle not shared by the plan's API stages for one key")
	}
	if !try(k2) {
		t.Fatal("another key throttled by k1's bucket")
	}

	// Stage method throttle: one bucket per method, shared by all clients,
	// per stage.
	m := quota.Check{Account: "a", Region: "r", API: "api1", Stage: "prod", Method: "pets/GET", MethodLimit: lim(0, 1)}
	other := m
	other.Method = "pets/POST"
	otherStage := m
	otherStage.Stage = "beta"
	if !try(m) || try(m) {
		t.Fatal("method bucket")
	}
	if !try(other) || !try(otherStage) {
		t.Fatal("methods or stages share a bucket")
	}

	// Account throttle: per account and region.
	acct := quota.Check{Account: "a", Region: "r", AccountLimit: lim(0, 1)}
	acctRegion := acct
	acctRegion.Region = "r2"
	if !try(acct) || try(acct) || !try(acctRegion) {
		t.Fatal("account buckets")
	}

	// A key limit without a key does not apply.
	if !try(quota.Check{PlanLimit: lim(0, 0)}) {
		t.Fatal("plan limit applied without a key")
	}
}

func TestThrottlerLimitChangeAndSweep(t *testing.T) {
	clk := clock.NewFake(t0)
	th := quota.NewThrottler(clk)
	c := quota.Check{Account: "a", Region: "r", API: "x", Stage: "s", Method: "m", MethodLimit: lim(1, 1)}
	if th.Allow(&c) != nil || th.Allow(&c) == nil {
		t.Fatal("burst 1")
	}
	// The stage setting is raised: the same bucket takes the new limit
	// with the old debt (1 token taken of 5).
	c.MethodLimit = lim(1, 5)
	n := 0
	for range 10 {
		if th.Allow(&c) == nil {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("%d allowed after raising the burst, want 4", n)
	}
	if th.Len() != 1 {
		t.Fatalf("Len = %d", th.Len())
	}
	if th.Sweep() != 0 {
		t.Fatal("swept a bucket that is not full")
	}
	clk.Advance(5 * time.Second)
	if th.Sweep() != 1 || th.Len() != 0 {
		t.Fatal("full bucket not swept")
	}
}

func TestThrottlerConcurrent(t *testing.T) {
	clk := clock.NewFake(t0)
	th := quota.NewThrottler(clk)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				c := quota.Check{Account: "a", Region: "r", API: "api", Stage: "s",
					Method: fmt.Sprint("m", i%4), MethodLimit: lim(0, 1000),
					Plan: "p", Key: fmt.Sprint("k", g%2), PlanLimit: lim(0, 1500),
					AccountLimit: lim(0, 2500)}
				if th.Allow(&c) == nil {
					ok.Add(1)
				}
				if i%250 == 0 {
					th.Sweep()
				}
			}
		}()
	}
	wg.Wait()
	// Two keys of 1500 each, capped by the account's 2500; the four
	// method buckets hold 4000. Sweeps never drop a bucket in use here
	// (nothing refills at rate 0), so the count is exact.
	if ok.Load() != 2500 {
		t.Fatalf("%d allowed, want 2500", ok.Load())
	}
}

func BenchmarkThrottlerSameKey(b *testing.B) {
	th := quota.NewThrottler(clock.Wall{})
	c := quota.Check{Account: "111122223333", Region: "us-east-1", API: "abcdef1234", Stage: "prod",
		Method: "pets/{id}/GET", MethodLimit: lim(1e12, 1e12), AccountLimit: lim(1e12, 1e12)}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if th.Allow(&c) != nil {
				b.Fatal("throttled")
			}
		}
	})
}

func BenchmarkThrottlerManyKeys(b *testing.B) {
	th := quota.NewThrottler(clock.Wall{})
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		g := next.Add(1)
		checks := make([]quota.Check, 64)
		for i := range checks {
			checks[i] = quota.Check{Account: "111122223333", Region: "us-east-1", API: "abcdef1234", Stage: "prod",
				Method: fmt.Sprint("m", i), MethodLimit: lim(1e12, 1e12),
				Plan: "plan1", Key: fmt.Sprint("key", g, "-", i), PlanLimit: lim(1e12, 1e12),
				AccountLimit: lim(1e12, 1e12)}
		}
		i := 0
		for pb.Next() {
			th.Allow(&checks[i&63])
			i++
		}
	})
}

func BenchmarkBucket(b *testing.B) {
	bk := quota.NewBucket(quota.Limit{Rate: 1e12, Burst: 1e12})
	now := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bk.Allow(now)
		}
	})
}
