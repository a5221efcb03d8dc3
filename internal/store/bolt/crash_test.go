package bolt_test

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
	"syscall"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
)

const crashEnv = "STAGECRAFT_BOLT_CRASH_CHILD"

// crashMaxWrites bounds the child; the parent kills it long before.
const crashMaxWrites = 20000

func crashValue(i int) string {
	// Growing, varied sizes: page splits and file growth (remapping)
	// happen while the child is being killed.
	return strings.Repeat(fmt.Sprintf("%06d.", i), 1+i%97)
}

// TestCrashDurability re-runs this test binary as a child that does
// acknowledged Updates, printing "ack <i>" after each returns. The parent
// SIGKILLs it after a random number of acks (the child is mid-transaction
// most of the time), reopens the file and requires every acknowledged
// write, in both tables it touched, to be there.
func TestCrashDurability(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d", seed)
	for round := range 3 {
		killAfter := 1 + rng.IntN(400)
		t.Run(fmt.Sprintf("round%d_kill_after_%d", round, killAfter), func(t *testing.T) {
			crashRound(t, killAfter)
		})
	}
}

func crashChild(t *testing.T, path string) {
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	ctx := context.Background()
	out := bufio.NewWriterSize(os.Stdout, 64)
	for i := range crashMaxWrites {
		err := s.Update(ctx, func(tx store.Tx) error {
			k := fmt.Sprintf("k/%06d", i)
			if err := tx.Put("main", k, []byte(crashValue(i))); err != nil {
				return err
			}
			return tx.Put("index", k, []byte("x"))
		})
		if err != nil {
			t.Fatalf("child: Update %d: %v", i, err)
		}
		// Acknowledge only after Update returned.
		fmt.Fprintf(out, "ack %d\n", i)
		if err := out.Flush(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	t.Fatalf("child: did %d writes without being killed", crashMaxWrites)
}

func crashRound(t *testing.T, killAfter int) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$", "-test.count=1")
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

	s, err := bolt.Open(path, bolt.WithLockTimeout(0))
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
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
