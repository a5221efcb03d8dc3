package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// gcPercent reads the current GC target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())

	t.Setenv("GOGC", "150") // restored, or unset again, after the test
	debug.SetGCPercent(150)
	tuneGC()
	if got := gcPercent(); got != 150 {
		t.Fatalf("GOGC set: GC percent %d, want it left at 150", got)
	}

	os.Unsetenv("GOGC")
	debug.SetGCPercent(100)
	tuneGC()
	if got := gcPercent(); got != defaultGCPercent {
		t.Fatalf("GOGC unset: GC percent %d, want %d", got, defaultGCPercent)
	}
}
