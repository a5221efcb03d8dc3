package authz_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/clock"
)

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// fakeFunction is an authorizer function: it answers out and counts calls.
type fakeFunction struct {
	calls atomic.Int32
	out   string
	ferr  string // X-Amz-Function-Error
	err   error
}

func (f *fakeFunction) invoke(context.Context) (authz.Invocation, error) {
	f.calls.Add(1)
	if f.err != nil {
		return authz.Invocation{}, f.err
	}
	return authz.Invocation{Payload: []byte(f.out), FunctionError: f.ferr}, nil
}

func policyOut(effect, resource string) string {
	return `{"principalId":"user-1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"` +
		effect + `","Resource":"` + resource + `"}]},"context":{"s":"x","n":42,"b":true,"z":null},"usageIdentifierKey":"key-value-1234567890"}`
}

func arn(method, path string) string {
	return authz.MethodARN("us-east-1", "123456789012", "abc123", "prod", method, path)
}

func tokenRequest(tok string) *authz.Request {
	h := http.Header{}
	h.Set("Authorization", tok)
	return &authz.Request{Header: h}
}

func wantDenial(t *testing.T, err error, status int, gwType, message string, null bool) *authz.Denial {
	t.Helper()
	var d *authz.Denial
	if !errors.As(err, &d) {
		t.Fatalf("err = %v, want a *Denial %d", err, status)
	}
	if d.Status != status || d.GatewayType != gwType || d.Message != message || d.Null != null {
		t.Fatalf("denial = %+v, want %d %s %q null=%v", d, status, gwType, message, null)
	}
	return d
}

func TestLambdaAuthorizeREST(t *testing.T) {
	clk := clock.NewFake(t0)
	cache := authz.NewCache(clk, 0)
	a, err := authz.NewRESTLambda("auth1", "TOKEN", "method.request.header.Authorization", "", 300)
	if err != nil {
		t.Fatal(err)
	}
	scope := authz.Scope("123456789012", "us-east-1", "abc123", "prod", "auth1")
	ctx := context.Background()

	// The function allows exactly the first method it is asked about.
	fn := &fakeFunction{out: policyOut("Allow", arn("GET", "/pets/1"))}
	id, err := a.Identity(tokenRequest("tok-A"))
	if err != nil {
		t.Fatal(err)
	}
	r, cached, err := a.Authorize(ctx, cache, scope, id, arn("GET", "/pets/1"), fn.invoke)
	if err != nil || cached {
		t.Fatalf("first call: %v cached=%v", err, cached)
	}
	if r.PrincipalID != "user-1" || r.UsageIdentifierKey != "key-value-1234567890" {
		t.Errorf("result = %+v", r)
	}
	if got := r.StringContext(); fmt.Sprint(got) != "map[b:true n:42 s:x]" {
		t.Errorf("StringContext = %v", got)
	}

	// Same token, other method: served from the cache, and the cached
	// policy denies it (AWS's documented caching trap).
	r, cached, err = a.Authorize(ctx, cache, scope, id, arn("GET", "/pets/2"), fn.invoke)
	if !cached || r == nil {
		t.Fatalf("second call not served from the cache (cached=%v)", cached)
	}
	wantDenial(t, err, 403, "ACCESS_DENIED", "User is not authorized to access this resource", false)
	if n := fn.calls.Load(); n != 1 {
		t.Fatalf("function called %d times, want 1", n)
	}

	// Another token is another cache entry.
	id2, _ := a.Identity(tokenRequest("tok-B"))
	if _, cached, _ := a.Authorize(ctx, cache, scope, id2, arn("GET", "/pets/1"), fn.invoke); cached || fn.calls.Load() != 2 {
		t.Fatalf("other token: cached=%v calls=%d", cached, fn.calls.Load())
	}

	// The entry expires after the TTL.
	clk.Advance(299 * time.Second)
	if _, cached, _ := a.Authorize(ctx, cache, scope, id, arn("GET", "/pets/1"), fn.invoke); !cached {
		t.Fatal("entry gone before its TTL")
	}
	clk.Advance(time.Second)
	if _, cached, _ := a.Authorize(ctx, cache, scope, id, arn("GET", "/pets/1"), fn.invoke); cached || fn.calls.Load() != 3 {
		t.Fatalf("entry live after its TTL: cached=%v calls=%d", cached, fn.calls.Load())
	}

	// Flushing the stage empties it.
	if n := cache.Flush(authz.StageScope("123456789012", "us-east-1", "abc123", "prod")); n != 2 {
		t.Fatalf("Flush removed %d entries, want 2", n)
	}
	if _, cached, _ := a.Authorize(ctx, cache, scope, id, arn("GET", "/pets/1"), fn.invoke); cached {
		t.Fatal("served from a flushed cache")
	}
}

func TestLambdaAuthorizeOutcomes(t *testing.T) {
	type want struct {
		status  int
		gwType  string
		message string
		null    bool
	}
	ok := want{}
	cases := []struct {
		name    string
		rest    bool // REST TOKEN authorizer; else HTTP REQUEST
		version string
		simple  bool
		fn      fakeFunction
		want    want
	}{
		{name: "REST allow", rest: true, fn: fakeFunction{out: policyOut("Allow", "*")}, want: ok},
		{name: "REST explicit deny", rest: true, fn: fakeFunction{out: policyOut("Deny", "*")},
			want: want{403, "ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny", false}},
		{name: "REST implicit deny", rest: true, fn: fakeFunction{out: policyOut("Allow", arn("POST", "/x"))},
			want: want{403, "ACCESS_DENIED", "User is not authorized to access this resource", false}},
		{name: "REST function says Unauthorized", rest: true,
			fn:   fakeFunction{ferr: "Unhandled", out: `{"errorMessage":"Unauthorized","errorType":"Error"}`},
			want: want{401, "UNAUTHORIZED", "Unauthorized", false}},
		{name: "REST function fails otherwise", rest: true,
			fn:   fakeFunction{ferr: "Unhandled", out: `{"errorMessage":"boom"}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "", true}},
		{name: "REST invoke fails", rest: true, fn: fakeFunction{err: errors.New("no such function")},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "", true}},
		{name: "REST output not JSON", rest: true, fn: fakeFunction{out: `"Allow"`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "", true}},
		{name: "REST no policyDocument", rest: true, fn: fakeFunction{out: `{"principalId":"u"}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "", true}},
		{name: "REST nested context is invalid", rest: true,
			fn:   fakeFunction{out: `{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"o":{"a":1}}}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "", true}},
		{name: "REST list context is invalid", rest: true,
			fn:   fakeFunction{out: `{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"l":[1]}}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "", true}},
		{name: "HTTP 1.0 allow", version: "1.0", fn: fakeFunction{out: policyOut("Allow", "*")}, want: ok},
		{name: "HTTP 1.0 deny", version: "1.0", fn: fakeFunction{out: policyOut("Deny", "*")},
			want: want{403, "ACCESS_DENIED", "Forbidden", false}},
		{name: "HTTP 1.0 nested context is invalid", version: "1.0",
			fn:   fakeFunction{out: `{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"o":{}}}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "Internal Server Error", false}},
		{name: "HTTP 2.0 policy with nested context", version: "2.0",
			fn:   fakeFunction{out: `{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"context":{"o":{"a":[1]}}}`},
			want: ok},
		{name: "HTTP 2.0 policy implicit deny", version: "2.0", fn: fakeFunction{out: policyOut("Allow", arn("POST", "/x"))},
			want: want{403, "ACCESS_DENIED", "Forbidden", false}},
		{name: "HTTP simple true", version: "2.0", simple: true, fn: fakeFunction{out: `{"isAuthorized":true,"context":{"m":{"a":"b"}}}`}, want: ok},
		{name: "HTTP simple false", version: "2.0", simple: true, fn: fakeFunction{out: `{"isAuthorized":false}`},
			want: want{403, "ACCESS_DENIED", "Forbidden", false}},
		{name: "HTTP simple without isAuthorized", version: "2.0", simple: true, fn: fakeFunction{out: `{"context":{}}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "Internal Server Error", false}},
		{name: "HTTP simple with a string isAuthorized", version: "2.0", simple: true, fn: fakeFunction{out: `{"isAuthorized":"true"}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "Internal Server Error", false}},
		{name: "HTTP 2.0 function error is 500", version: "2.0", simple: true,
			fn:   fakeFunction{ferr: "Unhandled", out: `{"errorMessage":"Unauthorized"}`},
			want: want{500, "AUTHORIZER_CONFIGURATION_ERROR", "Internal Server Error", false}},
	}
	for i := range cases {
		tc := &cases[i]
		t.Run(tc.name, func(t *testing.T) {
			var a *authz.LambdaAuthorizer
			var err error
			if tc.rest {
				a, err = authz.NewRESTLambda("a1", "TOKEN", "method.request.header.Authorization", "", 0)
			} else {
				a, err = authz.NewHTTPLambda("a1", []string{"$request.header.Authorization"}, tc.version, tc.simple, 0)
			}
			if err != nil {
				t.Fatal(err)
			}
			id, err := a.Identity(tokenRequest("tok"))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = a.Authorize(context.Background(), nil, "s", id, arn("GET", "/pets/1"), tc.fn.invoke)
			if tc.want == ok {
				if err != nil {
					t.Fatalf("Authorize: %v", err)
				}
				return
			}
			wantDenial(t, err, tc.want.status, tc.want.gwType, tc.want.message, tc.want.null)
		})
	}
}

func TestHTTPSimpleResponseCachedForAllRoutes(t *testing.T) {
	clk := clock.NewFake(t0)
	cache := authz.NewCache(clk, 0)
	a, err := authz.NewHTTPLambda("a1", []string{"$request.header.Authorization"}, "2.0", true, 60)
	if err != nil {
		t.Fatal(err)
	}
	fn := &fakeFunction{out: `{"isAuthorized":false}`}
	id, _ := a.Identity(tokenRequest("tok"))
	for _, route := range []string{"/a", "/b", "/c"} {
		_, _, err := a.Authorize(context.Background(), cache, "scope", id, arn("GET", route), fn.invoke)
		wantDenial(t, err, 403, "ACCESS_DENIED", "Forbidden", false)
	}
	if n := fn.calls.Load(); n != 1 {
		t.Fatalf("function called %d times, want 1 (a cached deny covers every route)", n)
	}
}

func TestLambdaNoCachingWithoutTTLOrSources(t *testing.T) {
	clk := clock.NewFake(t0)
	cache := authz.NewCache(clk, 0)
	// TTL 0: never cached.
	a, _ := authz.NewRESTLambda("a1", "REQUEST", "method.request.header.Authorization", "", 0)
	fn := &fakeFunction{out: policyOut("Allow", "*")}
	id, _ := a.Identity(tokenRequest("tok"))
	for range 3 {
		if _, cached, err := a.Authorize(context.Background(), cache, "s", id, arn("GET", "/"), fn.invoke); err != nil || cached {
			t.Fatalf("err=%v cached=%v", err, cached)
		}
	}
	// REQUEST without identity sources: invoked every time, even with a TTL.
	b, _ := authz.NewRESTLambda("a2", "REQUEST", "", "", 300)
	idb, err := b.Identity(&authz.Request{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, cached, err := b.Authorize(context.Background(), cache, "s2", idb, arn("GET", "/"), fn.invoke); err != nil || cached {
			t.Fatalf("err=%v cached=%v", err, cached)
		}
	}
	if n := fn.calls.Load(); n != 5 {
		t.Fatalf("function called %d times, want 5", n)
	}
	if cache.Len() != 0 {
		t.Fatalf("cache holds %d entries, want 0", cache.Len())
	}
}

func TestCacheTTLBoundAndScopes(t *testing.T) {
	clk := clock.NewFake(t0)
	c := authz.NewCache(clk, 32) // 2 entries per shard
	r := &authz.Result{PrincipalID: "p"}
	c.Put("s1", []string{"a"}, r, 10*time.Second)
	if got, ok := c.Get("s1", []string{"a"}); !ok || got != r {
		t.Fatal("entry not found")
	}
	if _, ok := c.Get("s2", []string{"a"}); ok {
		t.Fatal("entry visible under another scope")
	}
	// Values are part of the key, including their boundaries.
	c.Put("s1", []string{"a", "b"}, r, 10*time.Second)
	if _, ok := c.Get("s1", []string{"ab"}); ok {
		t.Fatal(`["a","b"] and ["ab"] share an entry`)
	}
	clk.Advance(9*time.Second + 999*time.Millisecond)
	if _, ok := c.Get("s1", []string{"a"}); !ok {
		t.Fatal("entry expired early")
	}
	clk.Advance(time.Millisecond)
	if _, ok := c.Get("s1", []string{"a"}); ok {
		t.Fatal("entry alive at its expiry")
	}
	c.Put("s1", []string{"z"}, r, 0)
	if _, ok := c.Get("s1", []string{"z"}); ok {
		t.Fatal("TTL 0 cached")
	}

	// Bounded: many more keys than capacity.
	for i := range 1000 {
		c.Put("s", []string{fmt.Sprint(i)}, r, time.Hour)
	}
	if n := c.Len(); n > 32 {
		t.Fatalf("cache holds %d entries, bound is 32", n)
	}
	// The most recent entry survives.
	if _, ok := c.Get("s", []string{"999"}); !ok {
		t.Fatal("most recent entry evicted")
	}
}

func TestCacheConcurrent(t *testing.T) {
	clk := clock.NewFake(t0)
	c := authz.NewCache(clk, 256)
	r := &authz.Result{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := []string{fmt.Sprint((g * i) % 300)}
				if _, ok := c.Get("s", k); !ok {
					c.Put("s", k, r, time.Minute)
				}
				if i%500 == 0 {
					c.Flush("s")
					clk.Advance(time.Second)
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 256 {
		t.Fatalf("bound exceeded: %d", c.Len())
	}
}
