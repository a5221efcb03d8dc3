package appconfigdata_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ac "github.com/aws/aws-sdk-go-v2/service/appconfig"
	acd "github.com/aws/aws-sdk-go-v2/service/appconfigdata"
	"github.com/aws/aws-sdk-go-v2/service/appconfigdata/types"

	"github.com/stagecraft/stagecraft/internal/service/appconfigdata"
)

// The seed-like flow through aws-sdk-go-v2: hosted version, AllAtOnce
// deployment, session, content with headers, empty when unchanged, new
// content after the next deployment.
func TestSessionFlowSDK(t *testing.T) {
	f := start(t).basic(t, "")
	v1 := f.version(t, `{"greeting":"hello"}`, "application/json", "v1.0")
	f.deploy(t, v1, "AppConfig.AllAtOnce")

	for _, c := range []struct{ name, app, env, prof string }{
		{"by name", "app", "env", "prof"},
		{"by id", f.app, f.env, f.prof},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := f.session(t, c.app, c.env, c.prof, 15)
			out := f.poll(t, tok)
			if string(out.Configuration) != `{"greeting":"hello"}` || aws.ToString(out.ContentType) != "application/json" ||
				aws.ToString(out.VersionLabel) != "v1.0" || out.NextPollIntervalInSeconds != 15 {
				t.Fatalf("first poll: %q %q %q %d", out.Configuration, aws.ToString(out.ContentType), aws.ToString(out.VersionLabel), out.NextPollIntervalInSeconds)
			}
			if out.NextPollConfigurationToken == nil || *out.NextPollConfigurationToken == tok {
				t.Fatalf("next token %v", out.NextPollConfigurationToken)
			}
			f.clk.Advance(15 * time.Second)
			again := f.poll(t, *out.NextPollConfigurationToken)
			if len(again.Configuration) != 0 || again.VersionLabel != nil || aws.ToString(again.ContentType) != "application/json" {
				t.Fatalf("unchanged poll: %q label %v type %v", again.Configuration, again.VersionLabel, again.ContentType)
			}
		})
	}

	// A session started before the next deployment sees the new content.
	tok := f.session(t, "app", "env", "prof", 0)
	out := f.poll(t, tok)
	if out.NextPollIntervalInSeconds != 60 {
		t.Fatalf("default interval %d, want 60", out.NextPollIntervalInSeconds)
	}
	f.clk.Advance(11 * time.Minute) // AllAtOnce bakes 10 minutes
	v2 := f.version(t, "greeting: hi\n", "application/x-yaml", "")
	f.deploy(t, v2, "AppConfig.AllAtOnce")
	out = f.poll(t, *out.NextPollConfigurationToken)
	if string(out.Configuration) != "greeting: hi\n" || aws.ToString(out.ContentType) != "application/x-yaml" || out.VersionLabel != nil {
		t.Fatalf("after redeploy: %q %v %v", out.Configuration, out.ContentType, out.VersionLabel)
	}
	f.clk.Advance(time.Minute)
	out = f.poll(t, *out.NextPollConfigurationToken)
	if len(out.Configuration) != 0 {
		t.Fatalf("unchanged after redeploy: %q", out.Configuration)
	}
}

// Headers as they travel: Version-Label only with content, the interval
// as an integer header, the token in its header.
func TestLatestConfigurationHeaders(t *testing.T) {
	f := start(t).basic(t, "")
	f.deploy(t, f.version(t, "a=1", "text/plain", "first"), "AppConfig.AllAtOnce")
	tok := f.session(t, "app", "env", "prof", 30)
	resp, body := f.rawPoll(t, tok)
	h := resp.Header
	if resp.StatusCode != 200 || string(body) != "a=1" || h.Get("Content-Type") != "text/plain" || h.Get("Version-Label") != "first" ||
		h.Get("Next-Poll-Interval-In-Seconds") != "30" || h.Get("Next-Poll-Configuration-Token") == "" {
		t.Fatalf("first: %d %q %v", resp.StatusCode, body, h)
	}
	if strings.ContainsAny(h.Get("Next-Poll-Configuration-Token"), " \t\n") || len(h.Get("Next-Poll-Configuration-Token")) > 8192 {
		t.Fatalf("token shape %q", h.Get("Next-Poll-Configuration-Token"))
	}
	f.clk.Advance(30 * time.Second)
	resp, body = f.rawPoll(t, h.Get("Next-Poll-Configuration-Token"))
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Length") != "0" || len(resp.Header.Values("Version-Label")) != 0 ||
		resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("unchanged: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

// Nothing deployed yet: 200 with an empty body and a usable token; the
// first deployment then arrives.
func TestSessionBeforeAnyDeployment(t *testing.T) {
	f := start(t).basic(t, "")
	tok := f.session(t, "app", "env", "prof", 15)
	out := f.poll(t, tok)
	if len(out.Configuration) != 0 || out.NextPollConfigurationToken == nil || out.VersionLabel != nil {
		t.Fatalf("nothing deployed: %q %v", out.Configuration, out.VersionLabel)
	}
	f.deploy(t, f.version(t, "x", "text/plain", ""), "AppConfig.AllAtOnce")
	f.clk.Advance(15 * time.Second)
	out = f.poll(t, *out.NextPollConfigurationToken)
	if string(out.Configuration) != "x" {
		t.Fatalf("after first deployment: %q", out.Configuration)
	}
}

func TestTokenErrors(t *testing.T) {
	f := start(t).basic(t, "")
	f.deploy(t, f.version(t, "x", "text/plain", ""), "AppConfig.AllAtOnce")
	poll := func(tok string) (*acd.GetLatestConfigurationOutput, error) {
		return f.d.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: &tok})
	}

	t.Run("reused initial token", func(t *testing.T) {
		tok := f.session(t, "app", "env", "prof", 15)
		f.poll(t, tok)
		_, err := poll(tok)
		tokenProblem(t, err, types.InvalidParameterProblemExpired, "Token expired")
	})
	t.Run("reused later token", func(t *testing.T) {
		tok := f.session(t, "app", "env", "prof", 15)
		next := *f.poll(t, tok).NextPollConfigurationToken
		f.clk.Advance(15 * time.Second)
		f.poll(t, next)
		f.clk.Advance(15 * time.Second)
		_, err := poll(next)
		tokenProblem(t, err, types.InvalidParameterProblemExpired, "Token expired")
	})
	t.Run("too early keeps the token", func(t *testing.T) {
		tok := f.session(t, "app", "env", "prof", 20)
		next := *f.poll(t, tok).NextPollConfigurationToken
		f.clk.Advance(19 * time.Second)
		_, err := poll(next)
		tokenProblem(t, err, types.InvalidParameterProblemPollIntervalNotSatisfied, "Request too early")
		f.clk.Advance(time.Second)
		if out := f.poll(t, next); len(out.Configuration) != 0 {
			t.Fatalf("unchanged content expected, got %q", out.Configuration)
		}
	})
	t.Run("expired after 24 hours", func(t *testing.T) {
		tok := f.session(t, "app", "env", "prof", 15)
		next := *f.poll(t, tok).NextPollConfigurationToken
		f.clk.Advance(24*time.Hour + time.Millisecond)
		_, err := poll(next)
		tokenProblem(t, err, types.InvalidParameterProblemExpired, "Token expired")
		_, err = poll(f.session(t, "app", "env", "prof", 15)) // a fresh session works
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("initial token valid for 24 hours", func(t *testing.T) {
		tok := f.session(t, "app", "env", "prof", 15)
		f.clk.Advance(24 * time.Hour)
		if out := f.poll(t, tok); string(out.Configuration) != "x" {
			t.Fatalf("got %q", out.Configuration)
		}
	})
	t.Run("corrupted", func(t *testing.T) {
		good := f.session(t, "app", "env", "prof", 15)
		flipped := []byte(good)
		if flipped[len(flipped)/2] == 'A' {
			flipped[len(flipped)/2] = 'B'
		} else {
			flipped[len(flipped)/2] = 'A'
		}
		for _, tok := range []string{"garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", string(flipped), good + "A", strings.Repeat("x", 5000)} {
			_, err := poll(tok)
			tokenProblem(t, err, types.InvalidParameterProblemCorrupted, "Token not valid")
		}
		if out := f.poll(t, good); string(out.Configuration) != "x" {
			t.Fatalf("good token after bad ones: %q", out.Configuration)
		}
	})
	t.Run("other account", func(t *testing.T) {
		tok := f.session(t, "app", "env", "prof", 15)
		other := acd.NewFromConfig(f.e.AWSConfigFor("111122223333", "x"))
		_, err := other.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: &tok})
		tokenProblem(t, err, types.InvalidParameterProblemCorrupted, "Token not valid")
	})
	t.Run("missing token", func(t *testing.T) {
		resp, body := f.rawPoll(t, "")
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "BadRequestException" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

func TestStartSessionErrors(t *testing.T) {
	f := start(t).basic(t, "")
	for _, c := range []struct {
		name, app, env, prof string
		interval             int32
		code, kind, member   string
		value                string
	}{
		{"unknown application", "nope", "env", "prof", 0, "ResourceNotFoundException", "Application", "ApplicationIdentifier", "nope"},
		{"unknown environment", "app", "nope", "prof", 0, "ResourceNotFoundException", "Environment", "EnvironmentIdentifier", "nope"},
		{"unknown profile", "app", "env", "nope", 0, "ResourceNotFoundException", "ConfigurationProfile", "ConfigurationProfileIdentifier", "nope"},
		{"environment id of another application", f.app, "abcdefg", "prof", 0, "ResourceNotFoundException", "Environment", "EnvironmentIdentifier", "abcdefg"},
		{"interval too short", "app", "env", "prof", 14, "BadRequestException", "", "", ""},
		{"interval too long", "app", "env", "prof", 86401, "BadRequestException", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := &acd.StartConfigurationSessionInput{ApplicationIdentifier: &c.app, EnvironmentIdentifier: &c.env, ConfigurationProfileIdentifier: &c.prof}
			if c.interval != 0 {
				in.RequiredMinimumPollIntervalInSeconds = &c.interval
			}
			_, err := f.d.StartConfigurationSession(ctx, in)
			apiErr(t, err, c.code, "")
			if c.kind == "" {
				return
			}
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) || string(nf.ResourceType) != c.kind || nf.ReferencedBy[c.member] != c.value || len(nf.ReferencedBy) != 1 {
				t.Fatalf("got %+v", nf)
			}
			if !strings.Contains(aws.ToString(nf.Message), c.value) {
				t.Fatalf("message %q", aws.ToString(nf.Message))
			}
		})
	}
	t.Run("identifier too long", func(t *testing.T) {
		long := strings.Repeat("a", 129)
		_, err := f.d.StartConfigurationSession(ctx, &acd.StartConfigurationSessionInput{ApplicationIdentifier: &long,
			EnvironmentIdentifier: aws.String("env"), ConfigurationProfileIdentifier: aws.String("prof")})
		apiErr(t, err, "BadRequestException", "")
	})
}

// Names resolve to the oldest of equal names; an ID wins over a name.
func TestNameResolution(t *testing.T) {
	f := start(t).basic(t, "")
	f.deploy(t, f.version(t, "first", "text/plain", ""), "AppConfig.AllAtOnce")
	// A second application with the same name, and one named like the
	// first one's ID.
	second, err := f.c.CreateApplication(ctx, &ac.CreateApplicationInput{Name: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CreateApplication(ctx, &ac.CreateApplicationInput{Name: aws.String(*second.Id)}); err != nil {
		t.Fatal(err)
	}
	if out := f.poll(t, f.session(t, "app", "env", "prof", 15)); string(out.Configuration) != "first" {
		t.Fatalf("by name: %q", out.Configuration)
	}
	_, err = f.d.StartConfigurationSession(ctx, &acd.StartConfigurationSessionInput{ApplicationIdentifier: second.Id,
		EnvironmentIdentifier: aws.String("env"), ConfigurationProfileIdentifier: aws.String("prof")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypeEnvironment {
		t.Fatalf("ID must win over name: %v", err)
	}
}

// Deleting the profile or the environment after the session started: 404.
func TestDeletedAfterStart(t *testing.T) {
	f := start(t).basic(t, "")
	tok := f.session(t, "app", "env", "prof", 15)
	if _, err := f.c.DeleteConfigurationProfile(ctx, &ac.DeleteConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof}); err != nil {
		t.Fatal(err)
	}
	_, err := f.d.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: &tok})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypeConfigurationProfile || nf.ReferencedBy["ConfigurationProfileIdentifier"] != f.prof {
		t.Fatalf("got %v", err)
	}
}

// Every fetch counts for deletion protection: the first one and any after
// a minute are written at once, those in between by the usage flusher.
func TestFetchRecordedForDeletionProtection(t *testing.T) {
	f := start(t).basic(t, "")
	f.deploy(t, f.version(t, "x", "text/plain", ""), "AppConfig.AllAtOnce")
	del := func() error {
		_, err := f.c.DeleteEnvironment(ctx, &ac.DeleteEnvironmentInput{ApplicationId: &f.app, EnvironmentId: &f.env,
			DeletionProtectionCheck: "APPLY"})
		return err
	}
	tok := f.session(t, "app", "env", "prof", 15)
	next := *f.poll(t, tok).NextPollConfigurationToken
	f.clk.Advance(50 * time.Minute)
	next = *f.poll(t, next).NextPollConfigurationToken // written at once: the last record is 50 minutes old
	f.clk.Advance(30 * time.Second)
	f.poll(t, next) // marked, written by the flusher
	if err := appconfigdata.Flush(ctx, f.e.Node.Store); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(59*time.Minute + 50*time.Second) // 60m20s after the second fetch, 59m50s after the third
	if err := del(); err == nil {
		t.Fatal("environment fetched 59 minutes ago was deleted")
	}
	f.clk.Advance(11 * time.Second)
	if err := del(); err != nil {
		t.Fatalf("61 minutes after the last fetch: %v", err)
	}
}
