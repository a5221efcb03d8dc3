package storetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/store"
)

// CrashConfig describes one implementation's SIGKILL durability check.
type CrashConfig struct {
	// Test is the name of the calling test function, which the child
	// process re-runs (e.g. "TestCrashDurability").
	Test string
	// Open opens the store at path: in the child (child true, the one
	// that gets killed) and in the parent after the kill (with no lock
	// wait: the killed child's lock must be gone).
	Open func(t *testing.T, path string, child bool) store.Store
	// Writers is the number of concurrent writers in the child (1: one
	// Update at a time; more: commits that batch several Updates).
	Writers int
	// Rounds and MaxKillAfter: each round kills the child after a random
	// 1..MaxKillAfter acknowledged writes.
	Rounds, MaxKillAfter int
}

const crashEnv = "STAGECRAFT_STORETEST_CRASH_CHILD"

// crashMaxWrites bounds the child; the parent kills it long before.
const crashMaxWrites = 20000

func crashValue(i int) string {
	// Varied sizes (up to 679 bytes): page splits, file growth and log
	// records of different lengths while the child is being killed.
	return strings.Repeat(fmt.Sprintf("%06d.", i), 1+i%97)
}

// Crash re-runs the test binary as a child whose writers do acknowledged
// Updates, printing "ack <i>" after each returns. The parent SIGKILLs it
// after a random number of acks (the child is mid-commit most of the time),
// reopens the store and requires every acknowledged write, in both tables
// it touched, to be there, and the revision to count them. Call it as the
// whole body of cfg.Test.
func Crash(t *testing.T, cfg CrashConfig) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(t, cfg, path)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	for round := range cfg.Rounds {
		killAfter := 1 + rng.IntN(cfg.MaxKillAfter)
		t.Run(fmt.Sprintf("round%d_kill_after_%d", round, killAfter), func(t *testing.T) {
			crashRound(t, cfg, killAfter)
		})
	}
}

func crashChild(t *testing.T, cfg CrashConfig, path string) {
	s := cfg.Open(t, path, true)
	ctx := context.Background()
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	out := bufio.NewWriterSize(os.Stdout, 64)
	for range max(1, cfg.Writers) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= crashMaxWrites {
					return
				}
				err := s.Update(ctx, func(tx store.Tx) error {
					k := fmt.Sprintf("k/%06d", i)
					if err := tx.Put("main", k, []byte(crashValue(i))); err != nil {
						return err
					}
					return tx.Put("index", k, []byte("x"))
				})
				if err != nil {
					t.Errorf("child: Update %d: %v", i, err)
					return
				}
				// Acknowledge only after Update returned.
				mu.Lock()
				fmt.Fprintf(out, "ack %d\n", i)
				err = out.Flush()
				mu.Unlock()
				if err != nil {
					t.Errorf("child: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	t.Fatalf("child: did %d writes without being killed", crashMaxWrites)
}

func crashRound(t *testing.T, cfg CrashConfig, killAfter int) {
	path := filepath.Join(t.TempDir(), "store")
	cmd := exec.Command(os.Args[0], "-test.run=^"+cfg.Test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Failure guard only: the child is killed after killAfter acks.
	watchdog := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()

	acked := map[int]bool{}
	r := bufio.NewReader(stdout)
	killed := false
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			break // a partial last line was not acknowledged
		}
		if err != nil {
			t.Fatalf("reading the child: %v", err)
		}
		var i int
		if _, err := fmt.Sscanf(line, "ack %d\n", &i); err != nil {
			continue // test framework output
		}
		acked[i] = true
		if !killed && len(acked) >= killAfter {
			killed = true
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill: %v", err)
			}
		}
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !killed || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by our SIGKILL (killed=%v, %v) after %d acks; stderr:\n%s", killed, err, len(acked), stderr.String())
	}
	if !watchdog.Stop() {
		t.Fatalf("watchdog fired: the child was too slow")
	}

	s := cfg.Open(t, path, false)
	defer s.Close()
	var missing []int
	var stored int
	err = s.View(context.Background(), func(tx store.Tx) error {
		for i := range acked {
			k := fmt.Sprintf("k/%06d", i)
			v, err := tx.Get("main", k)
			if errors.Is(err, store.ErrNotFound) {
				missing = append(missing, i)
				continue
			}
			if err != nil {
				return err
			}
			if string(v) != crashValue(i) {
				t.Errorf("%s: value corrupt (%d bytes)", k, len(v))
			}
		}
		// Both tables were written in one transaction: they must agree.
		var mainKeys, indexKeys []string
		if err := tx.Scan("main", "", func(k string, _ []byte) bool { mainKeys = append(mainKeys, k); return true }); err != nil {
			return err
		}
		if err := tx.Scan("index", "", func(k string, _ []byte) bool { indexKeys = append(indexKeys, k); return true }); err != nil {
			return err
		}
		if strings.Join(mainKeys, ",") != strings.Join(indexKeys, ",") {
			t.Errorf("half a transaction survived: %d keys in main, %d in index", len(mainKeys), len(indexKeys))
		}
		stored = len(mainKeys)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost after SIGKILL, e.g. %v", len(missing), len(acked), missing[:min(5, len(missing))])
	}
	rev, err := s.Revision(context.Background())
	if err != nil || rev < uint64(len(acked)) {
		t.Fatalf("Revision after SIGKILL = %d, %v; want >= %d acknowledged writes", rev, err, len(acked))
	}
	t.Logf("%d acknowledged, %d stored, revision %d", len(acked), stored, rev)
}
