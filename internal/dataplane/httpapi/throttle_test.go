package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	apigw "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
)

const tooMany = `{"message":"Too Many Requests"}`

// countingServer answers 200 "ok" and counts the requests it saw.
func countingServer(t testing.TB) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func routeSettings(burst int32, rate float64) types.RouteSettings {
	return types.RouteSettings{ThrottlingBurstLimit: aws.Int32(burst), ThrottlingRateLimit: aws.Float64(rate)}
}

// TestRouteThrottling: defaultRouteSettings and routeSettings[routeKey]
// limits, a token bucket per route on the injected clock, 429 Too Many
// Requests before the integration is called.
func TestRouteThrottling(t *testing.T) {
	fc := clock.NewFake(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	hs := newHarness(t, withClock(fc))
	up, hits := countingServer(t)
	id := hs.api("throttled", nil)
	integ := hs.proxy(id, up.URL, nil)
	for _, k := range []string{"GET /a", "GET /b", "GET /c", "GET /off", "$default"} {
		hs.route(id, k, integ, nil)
	}
	_, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true),
		DefaultRouteSettings: &types.RouteSettings{ThrottlingBurstLimit: aws.Int32(2), ThrottlingRateLimit: aws.Float64(1)},
		RouteSettings: map[string]types.RouteSettings{
			"GET /b":   routeSettings(1, 0.5),
			"GET /c":   {ThrottlingBurstLimit: aws.Int32(3)}, // rate from the default
			"GET /off": routeSettings(0, 0),
		}})
	if err != nil {
		t.Fatal(err)
	}
	// An unthrottled stage of the same API.
	hs.stage(id, "free", nil)

	get := func(path string) resp { return hs.do("GET", id, path, nil, "") }
	ok := func(path string) {
		t.Helper()
		expect(t, get(path), 200, "ok")
	}
	throttled := func(path string) {
		t.Helper()
		r := get(path)
		expect(t, r, 429, tooMany)
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("429 Content-Type %q", ct)
		}
	}

	// The default: burst 2 for each route separately.
	ok("/prod/a")
	ok("/prod/a")
	before := hits.Load()
	throttled("/prod/a")
	if hits.Load() != before {
		t.Fatal("a throttled request reached the integration")
	}
	ok("/prod/unrouted") // $default has its own bucket
	ok("/prod/unrouted")
	throttled("/prod/unrouted")
	// routeSettings override: burst 1, rate 0.5.
	ok("/prod/b")
	throttled("/prod/b")
	// Burst 3 from the route, rate 1 from the default.
	ok("/prod/c")
	ok("/prod/c")
	ok("/prod/c")
	throttled("/prod/c")
	// Limits of 0 turn a route off.
	throttled("/prod/off")
	// Another stage has its own settings (none here).
	for range 5 {
		ok("/free/a")
	}

	// Refill on the injected clock: rate 1/s gives /a one token a second,
	// rate 0.5/s gives /b one every two seconds.
	fc.Advance(time.Second)
	ok("/prod/a")
	throttled("/prod/a")
	throttled("/prod/b")
	ok("/prod/c")
	throttled("/prod/c")
	fc.Advance(time.Second)
	ok("/prod/b")
	throttled("/prod/b")
	fc.Advance(10 * time.Second)
	ok("/prod/a")
	ok("/prod/a")
	throttled("/prod/a") // a full bucket holds the burst, no more
	throttled("/prod/off")

	// Editing the settings applies to the next request: DeleteRouteSettings
	// puts /b back on the default (burst 2).
	fc.Advance(10 * time.Second)
	if _, err := hs.c.DeleteRouteSettings(hs.ctx, &sdk.DeleteRouteSettingsInput{ApiId: &id, StageName: aws.String("prod"), RouteKey: aws.String("GET /b")}); err != nil {
		t.Fatal(err)
	}
	ok("/prod/b")
	ok("/prod/b")
	throttled("/prod/b")
	// Raising the default burst lets more through at once.
	if _, err := hs.c.UpdateStage(hs.ctx, &sdk.UpdateStageInput{ApiId: &id, StageName: aws.String("prod"),
		DefaultRouteSettings: &types.RouteSettings{ThrottlingBurstLimit: aws.Int32(50)}}); err != nil {
		t.Fatal(err)
	}
	fc.Advance(time.Minute)
	for i := range 50 {
		if r := get("/prod/a"); r.status != 200 {
			t.Fatalf("request %d after raising the burst: %d %s", i+1, r.status, r.body)
		}
	}
	throttled("/prod/a")
}

// TestAccountThrottling: with Config.AccountThrottling the account's
// limit applies to every route of every HTTP API of the account in the
// region; off (the default), nothing is throttled without stage limits.
func TestAccountThrottling(t *testing.T) {
	fc := clock.NewFake(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	up, _ := countingServer(t)
	for _, on := range []bool{false, true} {
		opts := []harnessOpt{withClock(fc)}
		if on {
			opts = append(opts, withAccountThrottling())
		}
		hs := newHarness(t, opts...)
		// AWS raises or lowers the account throttle through Support, not
		// through an API (UpdateAccount cannot patch it), so the account
		// record is written the way the control plane stores it.
		err := hs.env.Node.Store.Update(hs.ctx, func(tx store.Tx) error {
			return store.PutJSON(tx, "apigw.account", store.Key("000000000000", "us-east-1", "account"),
				apigw.Account{ThrottleSettings: &apigw.ThrottleSettings{BurstLimit: aws.Int32(3), RateLimit: aws.Float64(1)}})
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, name := range []string{"one", "two"} {
			id := hs.api(name, nil)
			hs.route(id, "GET /x", hs.proxy(id, up.URL, nil), nil)
			hs.stage(id, "$default", nil)
			ids = append(ids, id)
		}
		statuses := []int{}
		for i := range 5 {
			statuses = append(statuses, hs.do("GET", ids[i%2], "/x", nil, "").status)
		}
		want := []int{200, 200, 200, 200, 200}
		if on {
			want = []int{200, 200, 200, 429, 429}
		}
		if !equalInts(statuses, want) {
			t.Fatalf("account throttling %v: statuses %v, want %v", on, statuses, want)
		}
		if on {
			fc.Advance(time.Second)
			expect(t, hs.do("GET", ids[1], "/x", nil, ""), 200, "ok")
			expect(t, hs.do("GET", ids[0], "/x", nil, ""), 429, tooMany)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
