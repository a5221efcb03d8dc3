package rollout_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
)

var t0 = time.Date(2021, 9, 17, 21, 43, 54, 205_000_000, time.UTC)

func TestLadder(t *testing.T) {
	for _, tc := range []struct {
		g    float64
		typ  string
		want []float64
	}{
		{100, rollout.Linear, []float64{100}},
		{50, rollout.Linear, []float64{50, 100}},
		{25, rollout.Linear, []float64{25, 50, 75, 100}},
		{20, rollout.Linear, []float64{20, 40, 60, 80, 100}},
		{30, rollout.Linear, []float64{30, 60, 90, 100}},
		{float64(float32(33.3333)), rollout.Linear, []float64{float64(float32(33.3333)), 2 * float64(float32(33.3333)), 100}},
		{10, rollout.Exponential, []float64{10, 20, 40, 80, 100}},
		{100, rollout.Exponential, []float64{100}},
		{1, rollout.Exponential, []float64{1, 2, 4, 8, 16, 32, 64, 100}},
		{50, rollout.Exponential, []float64{50, 100}},
		{30, rollout.Exponential, []float64{30, 60, 100}},
	} {
		if got := rollout.Ladder(tc.g, tc.typ); !slices.Equal(got, tc.want) {
			t.Errorf("Ladder(%v, %s) = %v, want %v", tc.g, tc.typ, got, tc.want)
		}
	}
}

// sec is an offset in seconds from t0.
func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func TestScheduleOfPredefinedAndCustomStrategies(t *testing.T) {
	type step struct {
		at  float64
		pct float64
	}
	for _, tc := range []struct {
		name  string
		s     rollout.Strategy
		steps []step
	}{
		{"AllAtOnce", rollout.Strategy{0, 100, rollout.Linear, 10}, []step{{0, 100}}},
		{"Linear50PercentEvery30Seconds", rollout.Strategy{1, 50, rollout.Linear, 1}, []step{{30, 50}, {60, 100}}},
		{"Canary10Percent20Minutes", rollout.Strategy{20, 10, rollout.Exponential, 10},
			[]step{{240, 10}, {480, 20}, {720, 40}, {960, 80}, {1200, 100}}},
		{"Linear20PercentEvery6Minutes", rollout.Strategy{30, 20, rollout.Linear, 30},
			[]step{{360, 20}, {720, 40}, {1080, 60}, {1440, 80}, {1800, 100}}},
		{"custom 15min/25%", rollout.Strategy{15, 25, rollout.Linear, 0}, []step{{225, 25}, {450, 50}, {675, 75}, {900, 100}}},
		{"custom 10min/30%", rollout.Strategy{10, 30, rollout.Linear, 0}, []step{{150, 30}, {300, 60}, {450, 90}, {600, 100}}},
	} {
		var got []step
		for _, s := range rollout.Schedule(tc.s) {
			got = append(got, step{s.Offset.Seconds(), s.Percentage})
		}
		if !slices.Equal(got, tc.steps) {
			t.Errorf("%s: schedule %v, want %v", tc.name, got, tc.steps)
		}
	}
}

func TestEvaluateOverTime(t *testing.T) {
	r := rollout.Record{Strategy: rollout.Strategy{1, 50, rollout.Linear, 1}, StartedAt: t0}
	type want struct {
		state     string
		pct       float64
		events    []string
		completed bool
	}
	for _, tc := range []struct {
		at float64
		w  want
	}{
		{0, want{rollout.StateDeploying, 0, []string{"DEPLOYMENT_STARTED"}, false}},
		{29.999, want{rollout.StateDeploying, 0, []string{"DEPLOYMENT_STARTED"}, false}},
		{30, want{rollout.StateDeploying, 50, []string{"PERCENTAGE_UPDATED", "DEPLOYMENT_STARTED"}, false}},
		{60, want{rollout.StateBaking, 100, []string{"BAKE_TIME_STARTED", "PERCENTAGE_UPDATED", "PERCENTAGE_UPDATED", "DEPLOYMENT_STARTED"}, false}},
		{119, want{rollout.StateBaking, 100, []string{"BAKE_TIME_STARTED", "PERCENTAGE_UPDATED", "PERCENTAGE_UPDATED", "DEPLOYMENT_STARTED"}, false}},
		{120, want{rollout.StateComplete, 100, []string{"DEPLOYMENT_COMPLETED", "BAKE_TIME_STARTED", "PERCENTAGE_UPDATED", "PERCENTAGE_UPDATED", "DEPLOYMENT_STARTED"}, true}},
		{1e6, want{rollout.StateComplete, 100, []string{"DEPLOYMENT_COMPLETED", "BAKE_TIME_STARTED", "PERCENTAGE_UPDATED", "PERCENTAGE_UPDATED", "DEPLOYMENT_STARTED"}, true}},
	} {
		st := rollout.Evaluate(r, sec(tc.at))
		var types []string
		for _, e := range st.Events {
			types = append(types, e.Type)
		}
		if st.State != tc.w.state || st.Percentage != tc.w.pct || !slices.Equal(types, tc.w.events) || st.CompletedAt.IsZero() == tc.w.completed {
			t.Errorf("t=%v: got %s %v %v completed=%v", tc.at, st.State, st.Percentage, types, st.CompletedAt)
		}
		if tc.w.completed && !st.CompletedAt.Equal(sec(120)) {
			t.Errorf("CompletedAt %v, want %v", st.CompletedAt, sec(120))
		}
	}
	// Descriptions and instants of the full log.
	st := rollout.Evaluate(r, sec(500))
	wantEv := []rollout.Event{
		{Type: "DEPLOYMENT_COMPLETED", TriggeredBy: "APPCONFIG", Description: "Deployment completed", At: sec(120)},
		{Type: "BAKE_TIME_STARTED", TriggeredBy: "APPCONFIG", Description: "Deployment bake time started", At: sec(60)},
		{Type: "PERCENTAGE_UPDATED", TriggeredBy: "APPCONFIG", Description: "Configuration available to 100.00% of clients", At: sec(60), Percentage: 100},
		{Type: "PERCENTAGE_UPDATED", TriggeredBy: "APPCONFIG", Description: "Configuration available to 50.00% of clients", At: sec(30), Percentage: 50},
		{Type: "DEPLOYMENT_STARTED", TriggeredBy: "USER", Description: "Deployment started", At: sec(0)},
	}
	if !slices.Equal(st.Events, wantEv) {
		t.Fatalf("events\n got %+v\nwant %+v", st.Events, wantEv)
	}
}

func TestEvaluateZeroDurationAndBake(t *testing.T) {
	r := rollout.Record{Strategy: rollout.Strategy{0, 100, rollout.Linear, 0}, StartedAt: t0}
	st := rollout.Evaluate(r, t0)
	if st.State != rollout.StateComplete || st.Percentage != 100 || len(st.Events) != 4 || !st.CompletedAt.Equal(t0) {
		t.Fatalf("%+v", st)
	}
	if init := rollout.Initial(r); init.State != rollout.StateDeploying || init.Percentage != 0 || len(init.Events) != 1 {
		t.Fatalf("initial %+v", init)
	}
}

func TestRollbackAndRevert(t *testing.T) {
	s := rollout.Strategy{20, 10, rollout.Exponential, 10}
	r := rollout.Record{Strategy: s, StartedAt: t0,
		Rollback: &rollout.Intervention{At: sec(500), TriggeredBy: "USER", Description: "Rollback initiated by account 1"}}
	st := rollout.Evaluate(r, sec(5000))
	var types []string
	for _, e := range st.Events {
		types = append(types, e.Type)
	}
	if st.State != rollout.StateRolledBack || st.Percentage != 20 || !st.CompletedAt.Equal(sec(500)) ||
		!slices.Equal(types, []string{"ROLLBACK_COMPLETED", "ROLLBACK_STARTED", "PERCENTAGE_UPDATED", "PERCENTAGE_UPDATED", "DEPLOYMENT_STARTED"}) ||
		st.Events[1].TriggeredBy != "USER" || st.Events[0].TriggeredBy != "APPCONFIG" || !st.Next.IsZero() {
		t.Fatalf("%+v %v", st, types)
	}
	r = rollout.Record{Strategy: s, StartedAt: t0,
		Revert: &rollout.Intervention{At: sec(4000), TriggeredBy: "USER", Description: "Deployment reverted"}}
	st = rollout.Evaluate(r, sec(4000))
	if st.State != rollout.StateReverted || st.Percentage != 100 || !st.CompletedAt.Equal(sec(4000)) ||
		st.Events[0].Type != "REVERT_COMPLETED" || st.Events[1].Type != "DEPLOYMENT_COMPLETED" {
		t.Fatalf("%+v", st)
	}
	// Before the revert instant the deployment is still the completed one.
	if st := rollout.Evaluate(r, sec(3999)); st.State != rollout.StateComplete || !st.CompletedAt.Equal(sec(1800)) {
		t.Fatalf("%+v", st)
	}
}

func TestLeaseIsExclusiveUntilExpiry(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	try := func(node string, now time.Time) bool {
		var ok bool
		if err := st.Update(ctx, func(tx store.Tx) (err error) {
			ok, err = rollout.AcquireLease(tx, "test.leases", "d1", node, now, 30*time.Second)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !try("a", t0) || try("b", sec(10)) || !try("a", sec(20)) || try("b", sec(49)) || !try("b", sec(50)) || try("a", sec(51)) {
		t.Fatal("lease not exclusive until expiry")
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return rollout.ReleaseLease(tx, "test.leases", "d1", "a") }); err != nil {
		t.Fatal(err)
	}
	if try("a", sec(52)) { // a's release does not free b's lease
		t.Fatal("release by a non-holder freed the lease")
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return rollout.ReleaseLease(tx, "test.leases", "d1", "b") }); err != nil {
		t.Fatal(err)
	}
	if !try("a", sec(53)) {
		t.Fatal("released lease not free")
	}
}

func TestDriverDrivesOnlyWithTheLease(t *testing.T) {
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := clock.NewFake(t0)
	driven := map[string]int{}
	mk := func(node string) *rollout.Driver {
		return &rollout.Driver{Store: st, Clock: clk, LeaseTable: "test.leases", Node: node, TTL: 30 * time.Second,
			Jobs: func(context.Context) ([]rollout.Job, error) { return []rollout.Job{{LeaseKey: "d1"}}, nil },
			Drive: func(_ context.Context, j rollout.Job, now time.Time) (bool, error) {
				driven[node]++
				return false, nil
			}}
	}
	a, b := mk("a"), mk("b")
	ctx := context.Background()
	for range 3 {
		a.RunOnce(ctx)
		b.RunOnce(ctx)
		clk.Advance(10 * time.Second)
	}
	if driven["a"] != 3 || driven["b"] != 0 {
		t.Fatalf("driven %v", driven)
	}
	// a stops (dies); after the TTL b takes over.
	clk.Advance(30 * time.Second)
	b.RunOnce(ctx)
	if driven["b"] != 1 {
		t.Fatalf("driven %v", driven)
	}
}
