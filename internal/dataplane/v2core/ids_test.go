package v2core

import (
	"regexp"
	"testing"
	"time"
)

func TestRequestIDFormat(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9]{15}=$`)
	seen := map[string]bool{}
	for range 5000 {
		id := RequestID()
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("RequestID %q (repeated: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestTraceIDFormat(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	re := regexp.MustCompile(`^Root=1-6553f100-[0-9a-f]{24}$`)
	for range 1000 {
		if id := TraceID(now); !re.MatchString(id) {
			t.Fatalf("TraceID %q", id)
		}
	}
}
