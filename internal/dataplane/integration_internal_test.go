package dataplane

import (
	"regexp"
	"testing"
)

func TestTraceIDFormat(t *testing.T) {
	re := regexp.MustCompile(`^Root=1-6553f100-[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{7}$`)
	for range 1000 {
		if id := traceID(1_700_000_000); !re.MatchString(id) {
			t.Fatalf("traceID %q", id)
		}
	}
}
