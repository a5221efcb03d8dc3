package quota_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWindow(t *testing.T) {
	cases := []struct {
		period quota.Period
		offset int
		at     string
		start  string
		end    string
	}{
		{quota.Day, 0, "2026-03-04 10:00", "2026-03-04 00:00", "2026-03-05 00:00"},
		{quota.Day, 0, "2026-03-04 00:00", "2026-03-04 00:00", "2026-03-05 00:00"},
		{quota.Day, 0, "2026-03-04 23:59", "2026-03-04 00:00", "2026-03-05 00:00"},
		{quota.Day, 3, "2026-03-04 10:00", "2026-03-04 00:00", "2026-03-05 00:00"}, // offset ignored
		{quota.Day, 0, "2026-12-31 23:00", "2026-12-31 00:00", "2027-01-01 00:00"},
		// 2026-03-04 is a Wednesday.
		{quota.Week, 0, "2026-03-04 10:00", "2026-03-01 00:00", "2026-03-08 00:00"}, // Sunday
		{quota.Week, 1, "2026-03-04 10:00", "2026-03-02 00:00", "2026-03-09 00:00"}, // Monday
		{quota.Week, 3, "2026-03-04 10:00", "2026-03-04 00:00", "2026-03-11 00:00"}, // Wednesday: today
		{quota.Week, 4, "2026-03-04 10:00", "2026-02-26 00:00", "2026-03-05 00:00"}, // Thursday: last week's
		{quota.Week, 6, "2026-03-07 23:59", "2026-03-07 00:00", "2026-03-14 00:00"}, // Saturday
		{quota.Week, 7, "2026-03-04 10:00", "2026-03-01 00:00", "2026-03-08 00:00"}, // modulo 7
		{quota.Week, 0, "2026-01-01 12:00", "2025-12-28 00:00", "2026-01-04 00:00"}, // across the year
		{quota.Month, 0, "2026-03-04 10:00", "2026-03-01 00:00", "2026-04-01 00:00"},
		{quota.Month, 0, "2026-03-31 23:59", "2026-03-01 00:00", "2026-04-01 00:00"},
		{quota.Month, 14, "2026-03-04 10:00", "2026-02-15 00:00", "2026-03-15 00:00"},
		{quota.Month, 14, "2026-03-15 00:00", "2026-03-15 00:00", "2026-04-15 00:00"},
		{quota.Month, 27, "2026-03-01 00:00", "2026-02-28 00:00", "2026-03-28 00:00"},
		{quota.Month, 30, "2026-03-29 00:00", "2026-03-28 00:00", "2026-04-28 00:00"}, // clamped to 27
		{quota.Month, 0, "2026-12-15 00:00", "2026-12-01 00:00", "2027-01-01 00:00"},
		{quota.Month, 5, "2027-01-03 00:00", "2026-12-06 00:00", "2027-01-06 00:00"},
		{quota.Month, 0, "2028-02-29 12:00", "2028-02-01 00:00", "2028-03-01 00:00"}, // leap day
	}
	for _, tc := range cases {
		s := quota.Settings{Limit: 1, Offset: tc.offset, Period: tc.period}
		at := day(tc.at)
		st, en := s.Window(at)
		if !st.Equal(day(tc.start)) || !en.Equal(day(tc.end)) {
			t.Errorf("%s offset %d at %s: window [%s, %s), want [%s, %s)", tc.period, tc.offset, tc.at,
				st.Format("2006-01-02 15:04"), en.Format("2006-01-02 15:04"), tc.start, tc.end)
		}
		// A time in another zone is placed by its UTC day.
		if st2, _ := s.Window(at.In(time.FixedZone("UTC-10", -10*3600))); !st2.Equal(st) {
			t.Errorf("%s at %s in UTC-10: start %s, want %s", tc.period, tc.at, st2, st)
		}
	}
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func takeN(c *quota.Counters, k quota.Key, s quota.Settings, n int) (ok int, lastRemaining int64) {
	for range n {
		if rem, err := c.Take(k, s); err == nil {
			ok++
			lastRemaining = rem
		}
	}
	return ok, lastRemaining
}

var key1 = quota.Key{Account: "111122223333", Region: "us-east-1", Plan: "plan1", APIKey: "key1"}

func TestQuotaTakeAndWindows(t *testing.T) {
	clk := clock.NewFake(t0)
	c := quota.NewCounters(clk)
	s := quota.Settings{Limit: 5, Period: quota.Day}
	ok, rem := takeN(c, key1, s, 3)
	if ok != 3 || rem != 2 {
		t.Fatalf("3 takes: ok=%d remaining=%d", ok, rem)
	}
	ok, rem = takeN(c, key1, s, 5)
	if ok != 2 || rem != 0 {
		t.Fatalf("5 more takes: ok=%d remaining=%d, want 2 and 0", ok, rem)
	}
	_, err := c.Take(key1, s)
	var d *quota.Denial
	if !errors.As(err, &d) || d.Status != 429 || d.Message != "Limit Exceeded" || d.GatewayType != "QUOTA_EXCEEDED" {
		t.Fatalf("over quota: %v", err)
	}
	// Another key, another plan: their own quotas.
	other := key1
	other.APIKey = "key2"
	if ok, _ := takeN(c, other, s, 5); ok != 5 {
		t.Fatalf("key2: %d", ok)
	}
	otherPlan := key1
	otherPlan.Plan = "plan2"
	if ok, _ := takeN(c, otherPlan, s, 1); ok != 1 {
		t.Fatal("plan2")
	}
	// Midnight UTC starts a new window.
	clk.Set(day("2026-03-04 23:59"))
	if ok, _ := takeN(c, key1, s, 1); ok != 0 {
		t.Fatal("quota reset before midnight")
	}
	clk.Set(day("2026-03-05 00:00"))
	if ok, rem := takeN(c, key1, s, 6); ok != 5 || rem != 0 {
		t.Fatalf("after midnight: ok=%d rem=%d", ok, rem)
	}
	// A raised limit applies to the current window at once.
	s.Limit = 8
	if ok, _ := takeN(c, key1, s, 5); ok != 3 {
		t.Fatalf("after raising the limit: %d, want 3", ok)
	}
	if used, rem := c.Usage(key1, s); used != 8 || rem != 0 {
		t.Fatalf("Usage = %d, %d", used, rem)
	}
	// Limit 0 refuses everything.
	if _, err := c.Take(quota.Key{APIKey: "z"}, quota.Settings{Limit: 0, Period: quota.Day}); !errors.Is(err, quota.QuotaExceeded) {
		t.Fatal("limit 0 allowed a request")
	}
}

func TestQuotaWeekAndMonth(t *testing.T) {
	clk := clock.NewFake(day("2026-03-04 10:00")) // Wednesday
	c := quota.NewCounters(clk)
	week := quota.Settings{Limit: 3, Period: quota.Week, Offset: 1} // weeks start on Monday
	takeN(c, key1, week, 3)
	clk.Set(day("2026-03-08 23:00")) // Sunday, same week
	if ok, _ := takeN(c, key1, week, 1); ok != 0 {
		t.Fatal("weekly quota reset before Monday")
	}
	clk.Set(day("2026-03-09 00:00")) // Monday
	if ok, _ := takeN(c, key1, week, 4); ok != 3 {
		t.Fatal("weekly quota not reset on Monday")
	}
	k := key1
	k.APIKey = "monthly"
	month := quota.Settings{Limit: 2, Period: quota.Month, Offset: 9} // months start on the 10th
	clk.Set(day("2026-03-09 12:00"))
	takeN(c, k, month, 2)
	clk.Set(day("2026-03-10 00:00"))
	if ok, _ := takeN(c, k, month, 3); ok != 2 {
		t.Fatal("monthly quota not reset on the 10th")
	}
}

func TestQuotaConcurrent(t *testing.T) {
	clk := clock.NewFake(t0)
	c := quota.NewCounters(clk)
	st := openStore(t)
	s := quota.Settings{Limit: 1000, Period: quota.Day}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _ := takeN(c, key1, s, 200)
			mu.Lock()
			total += ok
			mu.Unlock()
		}()
	}
	wg.Add(1)
	go func() { // syncs while requests are counted
		defer wg.Done()
		for range 5 {
			if err := c.Sync(context.Background(), st); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	if total != 1000 {
		t.Fatalf("%d requests allowed, want 1000", total)
	}
	if err := c.Sync(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if got := usage(t, st, "plan1", []string{"key1"}, &s, "2026-03-04", "2026-03-04"); !reflect.DeepEqual(got, map[string][][]int64{"key1": {{1000, 0}}}) {
		t.Fatalf("stored usage = %v", got)
	}
}

func usage(t *testing.T, st store.Store, plan string, keys []string, q *quota.Settings, from, to string) map[string][][]int64 {
	t.Helper()
	var out map[string][][]int64
	err := st.View(context.Background(), func(tx store.Tx) (err error) {
		out, err = quota.Usage(tx, key1.Account, key1.Region, plan, keys, q, from, to)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestQuotaPersistAndRestore(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := clock.NewFake(day("2026-03-02 09:00"))
	s := quota.Settings{Limit: 10, Period: quota.Week} // Sunday weeks: 2026-03-01 .. 03-07
	c := quota.NewCounters(clk)
	takeN(c, key1, s, 3) // Monday 2nd
	clk.Set(day("2026-03-03 09:00"))
	takeN(c, key1, s, 2) // Tuesday 3rd
	if err := c.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	takeN(c, key1, s, 1) // Tuesday, not synced: lost when the process dies

	// A new process: Load restores the stored 5.
	c2 := quota.NewCounters(clk)
	if err := c2.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	if used, rem := c2.Usage(key1, s); used != 5 || rem != 5 {
		t.Fatalf("restored usage %d, %d; want 5, 5", used, rem)
	}
	if ok, _ := takeN(c2, key1, s, 10); ok != 5 {
		t.Fatalf("restored counter allowed %d, want 5", ok)
	}
	if err := c2.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	// GetUsage's values: per day [used, remaining at the end of the day].
	got := usage(t, st, "plan1", nil, &s, "2026-03-01", "2026-03-04")
	want := map[string][][]int64{"key1": {{0, 10}, {3, 7}, {7, 0}, {0, 0}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("usage = %v, want %v", got, want)
	}
	// A range that starts mid-window counts the window's earlier days;
	// the next window starts afresh.
	got = usage(t, st, "plan1", []string{"key1", "nobody"}, &s, "2026-03-04", "2026-03-09")
	want = map[string][][]int64{
		"key1":   {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 10}, {0, 10}},
		"nobody": {{0, 10}, {0, 10}, {0, 10}, {0, 10}, {0, 10}, {0, 10}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("usage = %v, want %v", got, want)
	}
	// No quota: remaining 0.
	if got := usage(t, st, "plan1", nil, nil, "2026-03-02", "2026-03-03"); !reflect.DeepEqual(got, map[string][][]int64{"key1": {{3, 0}, {7, 0}}}) {
		t.Fatalf("usage without quota = %v", got)
	}
	// Bad dates.
	err := st.View(ctx, func(tx store.Tx) error {
		_, err := quota.Usage(tx, "a", "r", "p", nil, nil, "2026-3-1", "2026-03-02")
		return err
	})
	if err == nil {
		t.Fatal("bad date accepted")
	}
}

func TestQuotaTwoNodes(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := clock.NewFake(t0)
	s := quota.Settings{Limit: 10, Period: quota.Day}
	a, b := quota.NewCounters(clk), quota.NewCounters(clk)
	takeN(a, key1, s, 4)
	takeN(b, key1, s, 3)
	for _, n := range []*quota.Counters{a, b, a} {
		if err := n.Sync(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	for name, n := range map[string]*quota.Counters{"a": a, "b": b} {
		if used, _ := n.Usage(key1, s); used != 7 {
			t.Fatalf("node %s sees %d used, want 7", name, used)
		}
	}
	if ok, _ := takeN(b, key1, s, 5); ok != 3 {
		t.Fatalf("node b allowed %d after syncing, want 3", ok)
	}
}

func TestQuotaSetRemaining(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := clock.NewFake(t0)
	s := quota.Settings{Limit: 10, Period: quota.Day}
	c := quota.NewCounters(clk)
	takeN(c, key1, s, 10)
	if err := c.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	// UpdateUsage: 5 more for today.
	err := st.Update(ctx, func(tx store.Tx) error {
		used, rem, err := quota.SetRemaining(tx, key1, s, clk.Now(), 5)
		if used != 10 || rem != 5 {
			t.Errorf("SetRemaining = %d, %d", used, rem)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := takeN(c, key1, s, 1); ok != 0 {
		t.Fatal("adjustment applied before Sync")
	}
	if err := c.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	if ok, rem := takeN(c, key1, s, 7); ok != 5 || rem != 0 {
		t.Fatalf("after the extension: ok=%d rem=%d, want 5, 0", ok, rem)
	}
	if err := c.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got := usage(t, st, "plan1", nil, &s, "2026-03-04", "2026-03-05"); !reflect.DeepEqual(got, map[string][][]int64{"key1": {{15, 0}, {0, 10}}}) {
		t.Fatalf("usage = %v", got)
	}
	// The extension ends with its window.
	clk.Advance(24 * time.Hour)
	if ok, _ := takeN(c, key1, s, 12); ok != 10 {
		t.Fatalf("next day: %d, want 10", ok)
	}
	// Deleting the plan deletes its usage.
	err = st.Update(ctx, func(tx store.Tx) error { return quota.DeletePlan(tx, key1.Account, key1.Region, "plan1") })
	if err != nil {
		t.Fatal(err)
	}
	if got := usage(t, st, "plan1", nil, &s, "2026-03-04", "2026-03-05"); len(got) != 0 {
		t.Fatalf("usage after DeletePlan = %v", got)
	}
}

func TestQuotaSyncFailureKeepsCounts(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	clk := clock.NewFake(t0)
	s := quota.Settings{Limit: 100, Period: quota.Day}
	c := quota.NewCounters(clk)
	takeN(c, key1, s, 4)
	if err := c.Sync(ctx, failingStore{st}); err == nil {
		t.Fatal("Sync on a failing store succeeded")
	}
	takeN(c, key1, s, 1)
	if err := c.Sync(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got := usage(t, st, "plan1", nil, &s, "2026-03-04", "2026-03-04"); !reflect.DeepEqual(got, map[string][][]int64{"key1": {{5, 95}}}) {
		t.Fatalf("usage = %v, want the 4 counted before the failure and the 1 after", got)
	}
}

type failingStore struct{ store.Store }

func (failingStore) Update(context.Context, func(store.Tx) error) error {
	return fmt.Errorf("disk full")
}

func TestKeyIndex(t *testing.T) {
	keys := []quota.APIKey{
		{ID: "k1", Value: "value-one-0123456789", Enabled: true},
		{ID: "k2", Value: "value-two-0123456789", Enabled: false},
		{ID: "k3", Value: "value-three-01234567", Enabled: true},
		{ID: "k4", Value: "value-four-012345678", Enabled: true},
	}
	plans := []quota.Plan{
		{ID: "p2", KeyIDs: []string{"k1", "k2"}, Stages: []quota.PlanStage{{API: "api1", Stage: "prod"}}},
		{ID: "p1", KeyIDs: []string{"k1", "k3"}, Quota: &quota.Settings{Limit: 5, Period: quota.Day},
			Stages: []quota.PlanStage{{API: "api1", Stage: "prod", Throttle: map[string]quota.Limit{"/pets/GET": {Rate: 1, Burst: 2}, "//ANY": {Rate: 3, Burst: 4}}}}},
	}
	ix := quota.NewKeyIndex(keys, plans)
	cases := []struct {
		api, stage, value string
		plan              string // "" = forbidden
	}{
		{"api1", "prod", "value-one-0123456789", "p1"}, // two plans: the smaller id
		{"api1", "prod", "value-three-01234567", "p1"},
		{"api1", "prod", "value-two-0123456789", ""}, // disabled
		{"api1", "prod", "value-four-012345678", ""}, // in no plan
		{"api1", "beta", "value-one-0123456789", ""}, // plan not for this stage
		{"api2", "prod", "value-one-0123456789", ""}, // nor this API
		{"api1", "prod", "", ""},                     // missing
		{"api1", "prod", "k1", ""},                   // an id is not a value
		{"api1", "prod", "VALUE-ONE-0123456789", ""}, // case-sensitive
	}
	for _, tc := range cases {
		g, err := ix.Lookup(tc.api, tc.stage, tc.value)
		if tc.plan == "" {
			var d *quota.Denial
			if !errors.As(err, &d) || d.Status != 403 || d.Message != "Forbidden" || d.GatewayType != "INVALID_API_KEY" {
				t.Errorf("Lookup(%s, %s, %q) = %v, %v; want 403 Forbidden", tc.api, tc.stage, tc.value, g, err)
			}
			continue
		}
		if err != nil || g.Plan.ID != tc.plan {
			t.Errorf("Lookup(%s, %s, %q) = %+v, %v; want plan %s", tc.api, tc.stage, tc.value, g, err, tc.plan)
		}
	}
	g, _ := ix.Lookup("api1", "prod", "value-one-0123456789")
	if k, l := g.MethodLimit("/pets", "GET"); k != "/pets/GET" || l == nil || *l != (quota.Limit{Rate: 1, Burst: 2}) {
		t.Errorf("MethodLimit(/pets, GET) = %q, %v", k, l)
	}
	if k, l := g.MethodLimit("/", "ANY"); k != "//ANY" || l == nil || l.Burst != 4 {
		t.Errorf("MethodLimit(/, ANY) = %q, %v", k, l)
	}
	if k, l := g.MethodLimit("/pets", "POST"); k != "" || l != nil {
		t.Errorf("MethodLimit(/pets, POST) = %q, %v", k, l)
	}
	if _, err := (*quota.KeyIndex)(nil).Lookup("a", "b", "c"); !errors.Is(err, quota.InvalidAPIKey) {
		t.Error("nil index admitted a key")
	}
}
