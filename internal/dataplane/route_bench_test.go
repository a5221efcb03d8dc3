package dataplane

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
)

// benchSnapshot builds a snapshot with about n resources: groups of
// /svc{i}, /svc{i}/{id}, /svc{i}/{id}/items, plus a root /{proxy+}.
func benchSnapshot(n int) *apigateway.Snapshot {
	mock := func() map[string]api.Method {
		t := "MOCK"
		return map[string]api.Method{"GET": {MethodIntegration: &api.Integration{Type: &t}}}
	}
	s := &apigateway.Snapshot{DeploymentID: "dep"}
	s.Resources = append(s.Resources,
		apigateway.SnapshotResource{ID: "root", Path: "/"},
		apigateway.SnapshotResource{ID: "proxy", ParentID: "root", PathPart: "{proxy+}", Path: "/{proxy+}", Methods: mock()})
	for i := 0; len(s.Resources) < n; i++ {
		svc, id, items := fmt.Sprintf("s%d", i), fmt.Sprintf("i%d", i), fmt.Sprintf("t%d", i)
		s.Resources = append(s.Resources,
			apigateway.SnapshotResource{ID: svc, ParentID: "root", PathPart: fmt.Sprintf("svc%d", i), Path: fmt.Sprintf("/svc%d", i), Methods: mock()},
			apigateway.SnapshotResource{ID: id, ParentID: svc, PathPart: "{id}", Path: fmt.Sprintf("/svc%d/{id}", i), Methods: mock()},
			apigateway.SnapshotResource{ID: items, ParentID: id, PathPart: "items", Path: fmt.Sprintf("/svc%d/{id}/items", i)})
	}
	return s
}

// BenchmarkRoute matches paths against trees of 10, 1k and 10k resources.
// Matching costs one map lookup or field read per segment (plus
// backtracking), so the cost should not grow with the tree: the goal is
// within 2× across sizes.
func BenchmarkRoute(b *testing.B) {
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, n := range []int{10, 1000, 10000} {
		d := compileDeployment("acct", "us-east-1", "api", benchSnapshot(n), lg)
		last := (d.resources-2)/3 - 1
		paths := [][]string{
			splitPath(fmt.Sprintf("/svc%d", last)),
			splitPath(fmt.Sprintf("/svc%d/abc-123", last/2)),
			// /svc{i}/{id}/items has no GET: backtracks to /{proxy+}.
			splitPath(fmt.Sprintf("/svc%d/abc/items", last)),
			splitPath("/unknown/deep/path/here"),
		}
		for _, p := range paths {
			if _, m, _ := d.root.route(p, "GET", nil); m == nil {
				b.Fatalf("no route for %v", p)
			}
		}
		b.Run(fmt.Sprintf("resources=%d", d.resources), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]pathParam, 0, 4)
			for i := 0; b.Loop(); i++ {
				d.root.route(paths[i%len(paths)], "GET", buf[:0])
			}
		})
	}
}

// TestRouteScales checks the benchmark's goal as a test: matching against
// 10k resources costs about what matching against 10 does. Each size is
// timed as the best of several short runs, which filters out a busy
// machine; the bound (3× plus 200 ns) leaves room for noise that the 2×
// goal of the benchmark does not.
func TestRouteScales(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	per := func(n int) float64 {
		d := compileDeployment("acct", "us-east-1", "api", benchSnapshot(n), lg)
		last := (d.resources-2)/3 - 1
		paths := [][]string{
			splitPath(fmt.Sprintf("/svc%d", last)),
			splitPath(fmt.Sprintf("/svc%d/abc-123", last/2)),
			splitPath(fmt.Sprintf("/svc%d/abc/items", last)),
		}
		buf := make([]pathParam, 0, 4)
		best := time.Duration(1 << 62)
		const iters = 20000
		for run := 0; run < 7; run++ {
			start := time.Now()
			for i := 0; i < iters; i++ {
				d.root.route(paths[i%len(paths)], "GET", buf[:0])
			}
			best = min(best, time.Since(start))
		}
		return float64(best.Nanoseconds()) / iters
	}
	small, large := per(10), per(10000)
	t.Logf("route: %.0f ns/op at 10 resources, %.0f ns/op at 10k", small, large)
	if large > 3*small+200 {
		t.Errorf("routing does not scale: %.0f ns/op at 10k vs %.0f at 10", large, small)
	}
}
