package dataplane_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// 100 redeploys while 4 goroutines drive traffic: no request fails, and
// every response comes from exactly one deployment (the template's
// generation marker and $context.deploymentId agree), never from a mix or
// a half-built state. Each client sees generations in order.
func TestRedeployUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	env := testenv.Start(t)
	f := newFixture(t, env, "load")
	const tmpl = "gen=%d dep=$context.deploymentId"
	f.mock("/hit", "GET", fmt.Sprintf(tmpl, 0))
	res := f.resource("/hit")

	var mu sync.Mutex
	genOf := map[string]int{f.deploy("live", nil): 0}

	var stop atomic.Bool
	var total, failed atomic.Int64
	type obs struct {
		gen int
		dep string
	}
	seen := make([][]obs, 4)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			for !stop.Load() {
				req, _ := http.NewRequest("GET", env.URL+"/live/hit", nil)
				req.Host = f.api + ".execute-api.localhost"
				resp, err := cl.Do(req)
				total.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var o obs
				if resp.StatusCode != 200 {
					failed.Add(1)
					t.Errorf("status %d: %s", resp.StatusCode, b)
					continue
				}
				if n, err := fmt.Sscanf(string(b), "gen=%d dep=%s", &o.gen, &o.dep); n != 2 || err != nil || strings.Count(string(b), "gen=") != 1 {
					failed.Add(1)
					t.Errorf("body %q", b)
					continue
				}
				seen[g] = append(seen[g], o)
			}
		}(g)
	}
	for i := 1; i <= 100; i++ {
		if _, err := f.c.PutIntegrationResponse(f.ctx, &sdk.PutIntegrationResponseInput{RestApiId: &f.api, ResourceId: &res, HttpMethod: aws.String("GET"),
			StatusCode: aws.String("200"), ResponseTemplates: map[string]string{"application/json": fmt.Sprintf(tmpl, i)}}); err != nil {
			t.Fatal(err)
		}
		id := f.deploy("live", nil)
		mu.Lock()
		genOf[id] = i
		mu.Unlock()
	}
	// The request after the last deployment sees it.
	if r := call(t, env.URL, formHost, f.api, "live", "GET", "/hit", nil, ""); !strings.HasPrefix(r.body, "gen=100 ") {
		t.Errorf("the request after the last deployment got %q", r.body)
	}
	stop.Store(true)
	wg.Wait()

	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed", failed.Load(), total.Load())
	}
	gens := map[int]bool{}
	for g, list := range seen {
		prev := 0
		for _, o := range list {
			want, ok := genOf[o.dep]
			if !ok || want != o.gen {
				t.Fatalf("client %d: response from deployment %s carries generation %d (deployment is generation %d, known %v)", g, o.dep, o.gen, want, ok)
			}
			if o.gen < prev {
				t.Fatalf("client %d saw generation %d after %d", g, o.gen, prev)
			}
			prev = o.gen
			gens[o.gen] = true
		}
	}
	t.Logf("%d requests, 0 failed, %d distinct deployments served", total.Load(), len(gens))
}
