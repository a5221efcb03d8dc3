package main

import (
	"context"
	"fmt"
	"os"
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

// TestNullServerAnswersTheWorkload checks the ceiling row's server: the
// SDK must accept every canned answer, or the ceiling would measure
// errors instead of calls.
func TestNullServerAnswersTheWorkload(t *testing.T) {
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	go nullServer(addr)
	url := "http://" + addr
	if err := waitUp(context.Background(), url+"/ping"); err != nil {
		t.Fatal(err)
	}
	res, err := runTarget(context.Background(), "null", url, os.Getpid(), Config{N: 5, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 15 {
		t.Fatalf("calls = %d, want 15", res.Calls)
	}
	if err := nullServer("0.0.0.0:1"); err == nil {
		t.Fatal("null server accepted a non-loopback address")
	}
}
