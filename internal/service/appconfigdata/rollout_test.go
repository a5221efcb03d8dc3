package appconfigdata_test

import (
	"encoding/json"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ac "github.com/aws/aws-sdk-go-v2/service/appconfig"
	actypes "github.com/aws/aws-sdk-go-v2/service/appconfig/types"
	acd "github.com/aws/aws-sdk-go-v2/service/appconfigdata"
	"github.com/aws/aws-sdk-go-v2/service/appconfigdata/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/service/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// simSession is one simulated client: its next token and the version of
// the configuration it holds (0 = none yet).
type simSession struct {
	tok     string
	version int
}

// each runs fn for every session with 16 workers and fails on any error.
func each(t *testing.T, ss []simSession, fn func(i int, s *simSession) error) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	work := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := fn(i, &ss[i]); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range ss {
		work <- i
	}
	close(work)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// pollAll polls every session once with its current token.
func pollAll(t *testing.T, d *acd.Client, ss []simSession) (changed int) {
	t.Helper()
	var mu sync.Mutex
	each(t, ss, func(i int, s *simSession) error {
		out, err := d.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: &s.tok})
		if err != nil {
			return err
		}
		s.tok = *out.NextPollConfigurationToken
		if len(out.Configuration) > 0 {
			var v struct{ V int }
			if err := json.Unmarshal(out.Configuration, &v); err != nil {
				return err
			}
			s.version = v.V
			mu.Lock()
			changed++
			mu.Unlock()
		}
		return nil
	})
	return changed
}

func share(ss []simSession, version int) float64 {
	n := 0
	for _, s := range ss {
		if s.version == version {
			n++
		}
	}
	return 100 * float64(n) / float64(len(ss))
}

// 1,000 sessions poll through a LINEAR rollout (20 minutes, growth 25 %:
// steps at 5, 10, 15 and 20 minutes, then 10 minutes of bake). At every
// minute the share of sessions on the new version is within ±5 points of
// PercentageComplete and no session that got the new version loses it; a
// restart of the node at minute 12 (same data directory, same clock)
// changes nothing a client can observe; StopDeployment during the bake
// sends every session back to the previous version.
func TestGradualRollout1000Sessions(t *testing.T) {
	defer appconfigdata.SetSessionIDSeed("rollout-1000")()
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	opts := []testenv.Option{testenv.WithFakeClock(clk), testenv.WithConfig(func(c *app.Config) { c.DataDir = dir })}
	var (
		f      *fixture
		num    int32
		ss     = make([]simSession, 1000)
		seen   = map[float64]bool{}
		replay string
		before []simSession
	)
	// The first node runs in a subtest, whose cleanup shuts it down.
	t.Run("first node", func(t *testing.T) {
		e := testenv.Start(t, opts...)
		f = (&fixture{e: e, clk: clk, c: e.AppConfig(), d: e.AppConfigData()}).basic(t, "")
		v1 := f.version(t, `{"V":1}`, "application/json", "one")
		v2 := f.version(t, `{"V":2}`, "application/json", "two")
		f.deploy(t, v1, "AppConfig.AllAtOnce")
		clk.Advance(11 * time.Minute)
		strat := f.strategy(t, 20, 25, 10)

		each(t, ss, func(i int, s *simSession) error {
			out, err := f.d.StartConfigurationSession(ctx, &acd.StartConfigurationSessionInput{ApplicationIdentifier: aws.String("app"),
				EnvironmentIdentifier: aws.String("env"), ConfigurationProfileIdentifier: aws.String("prof"),
				RequiredMinimumPollIntervalInSeconds: aws.Int32(15)})
			if err != nil {
				return err
			}
			s.tok = *out.InitialConfigurationToken
			return nil
		})
		if n := pollAll(t, f.d, ss); n != len(ss) || share(ss, 1) != 100 {
			t.Fatalf("initial poll: %d changed, %.1f%% on v1", n, share(ss, 1))
		}
		num = f.deploy(t, v2, strat)
		for minute := 1; minute <= 12; minute++ {
			clk.Advance(time.Minute)
			rolloutStep(t, f, ss, num, seen)
		}
		// Every session was just polled: polling again is too early.
		_, err := f.d.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: &ss[0].tok})
		tokenProblem(t, err, types.InvalidParameterProblemPollIntervalNotSatisfied, "Request too early")
		// Consume every token once more, keeping one to replay after the
		// restart; the node then shuts down right away.
		clk.Advance(30 * time.Second)
		replay = ss[1].tok
		pollAll(t, f.d, ss)
		before = append([]simSession(nil), ss...)
	})
	if t.Failed() {
		return
	}

	e := testenv.Start(t, opts...)
	f = &fixture{e: e, clk: clk, c: e.AppConfig(), d: e.AppConfigData(), app: f.app, env: f.env, prof: f.prof}
	_, err := f.d.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: &replay})
	tokenProblem(t, err, types.InvalidParameterProblemExpired, "Token expired")
	clk.Advance(30 * time.Second)
	if n := pollAll(t, f.d, ss); n != 0 {
		t.Fatalf("after the restart %d sessions received a different version", n)
	}
	for i := range ss {
		if ss[i].version != before[i].version {
			t.Fatalf("session %d: version %d before the restart, %d after", i, before[i].version, ss[i].version)
		}
	}
	for minute := 14; minute <= 25; minute++ {
		clk.Advance(time.Minute)
		rolloutStep(t, f, ss, num, seen)
	}
	for _, p := range []float64{0, 25, 50, 75, 100} {
		if !seen[p] {
			t.Fatalf("percentage %v never observed: %v", p, seen)
		}
	}
	if st := f.deployment(t, num).State; st != actypes.DeploymentStateBaking {
		t.Fatalf("state %s, want BAKING", st)
	}

	// Roll back: everyone returns to v1 on the next poll, with content
	// (it changed for every session).
	if _, err := f.c.StopDeployment(ctx, &ac.StopDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &num}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if n := pollAll(t, f.d, ss); n != len(ss) || share(ss, 1) != 100 {
		t.Fatalf("after rollback: %d changed, %.1f%% on v1", n, share(ss, 1))
	}
	clk.Advance(time.Minute)
	if n := pollAll(t, f.d, ss); n != 0 {
		t.Fatalf("after rollback, second poll: %d changed", n)
	}
}

// rolloutStep polls every session and checks the share on the new version
// against PercentageComplete, and that nobody lost the new version.
func rolloutStep(t *testing.T, f *fixture, ss []simSession, num int32, seen map[float64]bool) {
	t.Helper()
	before := append([]simSession(nil), ss...)
	pollAll(t, f.d, ss)
	d := f.deployment(t, num)
	pct := float64(aws.ToFloat32(d.PercentageComplete))
	got := share(ss, 2)
	t.Logf("%5.1f min: %-9s %5.1f%% complete, %5.1f%% of sessions on v2", f.clk.Now().Sub(*d.StartedAt).Minutes(), d.State, pct, got)
	if math.Abs(got-pct) > 5 {
		t.Fatalf("%.1f%% of sessions on the new version, PercentageComplete %.0f", got, pct)
	}
	for i := range ss {
		if before[i].version == 2 && ss[i].version != 2 {
			t.Fatalf("session %d lost the new version", i)
		}
	}
	seen[pct] = true
}
