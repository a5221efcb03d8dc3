package appconfig_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/service/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// These tests call the service directly on a shared store, the way two
// nodes of a cluster would share one, and drive the rollout driver by
// hand (DriveOnce) on a fake clock.

var scoped = wire.WithScope(context.Background(), wire.Scope{Account: "111122223333", Region: "eu-west-1"})

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type direct struct {
	app, env, prof string
}

// setupDirect creates an application, an environment with one monitor, a
// hosted profile with a version; it returns their ids.
func setupDirect(t *testing.T, s *appconfig.Service) direct {
	t.Helper()
	a, err := s.CreateApplication(scoped, &api.CreateApplicationRequest{Name: ptr("a")})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.CreateEnvironment(scoped, &api.CreateEnvironmentRequest{ApplicationId: *a.Id, Name: ptr("e"),
		Monitors: []api.Monitor{{AlarmArn: ptr("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:errors")}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateConfigurationProfile(scoped, &api.CreateConfigurationProfileRequest{ApplicationId: *a.Id, Name: ptr("p"), LocationUri: ptr("hosted")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateHostedConfigurationVersion(scoped, &api.CreateHostedConfigurationVersionRequest{ApplicationId: *a.Id,
		ConfigurationProfileId: *p.Id, Content: []byte("x"), ContentType: ptr("text/plain")}); err != nil {
		t.Fatal(err)
	}
	return direct{*a.Id, *e.Id, *p.Id}
}

func ptr[T any](v T) *T { return &v }

func (d direct) start(t *testing.T, s *appconfig.Service, strategy string) *api.Deployment {
	t.Helper()
	out, err := s.StartDeployment(scoped, &api.StartDeploymentRequest{ApplicationId: d.app, EnvironmentId: d.env,
		ConfigurationProfileId: &d.prof, ConfigurationVersion: ptr("1"), DeploymentStrategyId: &strategy})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func record(t *testing.T, st store.Store, d direct, n int32) *appconfig.DeploymentRecord {
	t.Helper()
	var rec *appconfig.DeploymentRecord
	if err := st.View(scoped, func(tx store.Tx) (err error) {
		rec, err = store.GetJSON[appconfig.DeploymentRecord](tx, appconfig.TableDeployments,
			store.Key("111122223333", "eu-west-1", d.app, d.env, "0000000001"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestDriverPersistsCompletion(t *testing.T) {
	st, clk := openStore(t), clock.NewFake(t0)
	s := appconfig.NewWithOptions(st, clk, appconfig.Options{NoDriver: true})
	d := setupDirect(t, s)
	d.start(t, s, "AppConfig.AllAtOnce")
	if err := s.DriveOnce(scoped); err != nil {
		t.Fatal(err)
	}
	if r := record(t, st, d, 1); r.Final != "" {
		t.Fatalf("persisted %q while baking", r.Final)
	}
	clk.Advance(10 * time.Minute)
	if err := s.DriveOnce(scoped); err != nil {
		t.Fatal(err)
	}
	r := record(t, st, d, 1)
	if r.Final != "COMPLETE" || !r.CompletedAt.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("%q %v", r.Final, r.CompletedAt)
	}
	// The environment's persisted state and the active-deployment index and
	// lease are gone: nothing left to drive.
	if err := st.View(scoped, func(tx store.Tx) error {
		for _, table := range []string{"appconfig.active", "appconfig.leases"} {
			n := 0
			tx.Scan(table, "", func(string, []byte) bool { n++; return true })
			if n != 0 {
				t.Errorf("%s has %d entries", table, n)
			}
		}
		e, err := store.GetJSON[api.Environment](tx, "appconfig.environments", store.Key("111122223333", "eu-west-1", d.app, d.env))
		if err != nil || *e.State != "READY_FOR_DEPLOYMENT" {
			t.Errorf("%v %+v", err, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// alarms is a fake CloudWatch: the set of alarm ARNs in ALARM, and who
// asked.
type alarms struct {
	mu     sync.Mutex
	firing map[string]bool
	calls  map[string]int
}

func (a *alarms) checker(node string) rollout.AlarmChecker {
	return func(_ context.Context, m rollout.MonitorScope) (string, error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.calls[node]++
		for _, arn := range m.AlarmArns {
			if a.firing[arn] {
				return arn, nil
			}
		}
		return "", nil
	}
}

func TestAlarmRollsBackAndOnlyTheLeaseHolderDrives(t *testing.T) {
	st, clk := openStore(t), clock.NewFake(t0)
	al := &alarms{firing: map[string]bool{}, calls: map[string]int{}}
	// Two nodes sharing one store.
	a := appconfig.NewWithOptions(st, clk, appconfig.Options{NoDriver: true, Node: "node-a", Alarms: al.checker("a")})
	b := appconfig.NewWithOptions(st, clk, appconfig.Options{NoDriver: true, Node: "node-b", Alarms: al.checker("b")})
	d := setupDirect(t, a)
	d.start(t, b, "AppConfig.Linear50PercentEvery30Seconds")
	for range 3 {
		if err := a.DriveOnce(scoped); err != nil {
			t.Fatal(err)
		}
		if err := b.DriveOnce(scoped); err != nil {
			t.Fatal(err)
		}
		clk.Advance(5 * time.Second)
	}
	if al.calls["a"] != 3 || al.calls["b"] != 0 {
		t.Fatalf("alarm checks %v: only the lease holder may drive", al.calls)
	}
	// Node a stops; after the lease's 30 s, node b takes over.
	clk.Advance(30 * time.Second) // t = 45 s, DEPLOYING at 50 %
	al.firing["arn:aws:cloudwatch:eu-west-1:111122223333:alarm:errors"] = true
	if err := b.DriveOnce(scoped); err != nil {
		t.Fatal(err)
	}
	if al.calls["b"] != 1 {
		t.Fatalf("alarm checks %v", al.calls)
	}
	n := int32(1)
	g, err := b.GetDeployment(scoped, &api.GetDeploymentRequest{ApplicationId: d.app, EnvironmentId: d.env, DeploymentNumber: n})
	if err != nil {
		t.Fatal(err)
	}
	if *g.State != "ROLLED_BACK" || *g.PercentageComplete != 50 || !g.CompletedAt.Equal(t0.Add(45*time.Second)) ||
		*g.EventLog[1].EventType != "ROLLBACK_STARTED" || *g.EventLog[1].TriggeredBy != "CLOUDWATCH_ALARM" ||
		*g.EventLog[1].Description != "Rollback initiated by CloudWatch alarm arn:aws:cloudwatch:eu-west-1:111122223333:alarm:errors" {
		t.Fatalf("%s %v %v %+v", *g.State, *g.PercentageComplete, g.CompletedAt, g.EventLog[:2])
	}
	e, err := a.GetEnvironment(scoped, &api.GetEnvironmentRequest{ApplicationId: d.app, EnvironmentId: d.env})
	if err != nil || *e.State != "ROLLED_BACK" {
		t.Fatalf("%v %+v", err, e)
	}
	// Nothing left to drive.
	if err := a.DriveOnce(scoped); err != nil {
		t.Fatal(err)
	}
	if al.calls["a"] != 3 {
		t.Fatalf("alarm checks %v after the rollback", al.calls)
	}
}

// StartDeployment captures what the data plane will serve: for a
// feature-flag profile the retrieval rendering (definitions stripped,
// attribute values only for enabled flags, flags without a value
// disabled), computed once and kept even if the version is deleted.
func TestDeploymentCapturesContentSnapshot(t *testing.T) {
	st, clk := openStore(t), clock.NewFake(t0)
	s := appconfig.NewWithOptions(st, clk, appconfig.Options{NoDriver: true})
	d := setupDirect(t, s)
	p, err := s.CreateConfigurationProfile(scoped, &api.CreateConfigurationProfileRequest{ApplicationId: d.app, Name: ptr("flags"),
		LocationUri: ptr("hosted"), Type: ptr("AWS.AppConfig.FeatureFlags")})
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"version":"1","flags":{"dark_mode":{"name":"Dark mode","_createdAt":"2024-01-01","attributes":{"theme":{"constraints":{"type":"string","enum":["night","dusk"]}}}},` +
		`"beta":{"name":"Beta","attributes":{"n":{"constraints":{"type":"number"}}}},"unset":{"name":"Unset"}},` +
		`"values":{"beta":{"enabled":false,"n":3},"dark_mode":{"enabled":true,"_updatedAt":"x","theme":"night","_variants":[{"name":"a","enabled":true}]},"orphan":{"enabled":true}}}`
	if _, err := s.CreateHostedConfigurationVersion(scoped, &api.CreateHostedConfigurationVersionRequest{ApplicationId: d.app,
		ConfigurationProfileId: *p.Id, Content: []byte(doc), ContentType: ptr("application/json"), VersionLabel: ptr("v1")}); err != nil {
		t.Fatal(err)
	}
	dep, err := s.StartDeployment(scoped, &api.StartDeploymentRequest{ApplicationId: d.app, EnvironmentId: d.env,
		ConfigurationProfileId: p.Id, ConfigurationVersion: ptr("v1"), DeploymentStrategyId: ptr("AppConfig.AllAtOnce")})
	if err != nil || *dep.ConfigurationVersion != "1" || *dep.VersionLabel != "v1" {
		t.Fatalf("%v %+v", err, dep)
	}
	if err := s.DeleteHostedConfigurationVersion(scoped, &api.DeleteHostedConfigurationVersionRequest{ApplicationId: d.app, ConfigurationProfileId: *p.Id, VersionNumber: 1}); err != nil {
		t.Fatal(err)
	}
	var snap *appconfig.ContentSnapshot
	if err := st.View(scoped, func(tx store.Tx) (err error) {
		snap, err = store.GetJSON[appconfig.ContentSnapshot](tx, appconfig.TableDeploymentContent,
			store.Key("111122223333", "eu-west-1", d.app, d.env, "0000000001"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := `{"dark_mode":{"enabled":true,"theme":"night","_variants":[{"name":"a","enabled":true}]},"beta":{"enabled":false},"unset":{"enabled":false},"orphan":{"enabled":true}}`
	if string(snap.Served) != want || string(snap.Content) != doc || snap.ContentType != "application/json" || snap.VersionLabel != "v1" {
		t.Fatalf("served %s\n want %s\n%+v", snap.Served, want, snap)
	}
	if r := record(t, st, d, 1); len(r.ContentDigest) != 64 {
		t.Fatalf("digest %q", r.ContentDigest)
	}
}

func TestAccountsAndRegionsAreIsolated(t *testing.T) {
	st, clk := openStore(t), clock.NewFake(t0)
	s := appconfig.NewWithOptions(st, clk, appconfig.Options{NoDriver: true})
	d := setupDirect(t, s)
	for _, sc := range []wire.Scope{{Account: "999999999999", Region: "eu-west-1"}, {Account: "111122223333", Region: "us-east-1"}} {
		other := wire.WithScope(context.Background(), sc)
		_, err := s.GetApplication(other, &api.GetApplicationRequest{ApplicationId: d.app})
		if _, ok := err.(*api.ResourceNotFoundException); !ok {
			t.Fatalf("%+v sees the application: %v", sc, err)
		}
		l, err := s.ListApplications(other, &api.ListApplicationsRequest{})
		if err != nil || len(l.Items) != 0 {
			t.Fatalf("%v %+v", err, l)
		}
	}
}
