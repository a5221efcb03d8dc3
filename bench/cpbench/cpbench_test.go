package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// TestBenchmarkRuns keeps the side-by-side benchmark working: a short run
// against both servers must complete without errors and print a ratio. The
// figures themselves are not asserted (never timed assertions in tests);
// they come from `go run ./bench/cpbench` and go into docs/performance.md.
func TestBenchmarkRuns(t *testing.T) {
	if _, err := exec.LookPath("moto_server"); err != nil {
		testenv.SkipClient(t, "moto_server not installed; control-plane benchmark smoke test not run")
	}
	rep, err := Run(context.Background(), Config{Stagecraft: testenv.Binary(t), Moto: "moto_server", N: 5, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stagecraft.Calls != 15 || rep.Moto.Calls != 15 || !strings.Contains(rep.String(), "ratio:") {
		t.Fatalf("unexpected report:\n%s", rep.String())
	}
	t.Log("\n" + rep.String())
}
