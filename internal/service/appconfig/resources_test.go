package appconfig_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/appconfig/types"

	"github.com/stagecraft/stagecraft/internal/service/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

var idRE = regexp.MustCompile(`^[a-z0-9]{7}$`)

func TestApplicationLifecycle(t *testing.T) {
	f := start(t)
	c := f.c
	a, err := c.CreateApplication(ctx, &sdk.CreateApplicationInput{Name: aws.String("shop"), Description: aws.String("the shop"),
		Tags: map[string]string{"team": "a"}})
	if err != nil || !idRE.MatchString(*a.Id) || *a.Name != "shop" || *a.Description != "the shop" {
		t.Fatalf("%v %+v", err, a)
	}
	got, err := c.GetApplication(ctx, &sdk.GetApplicationInput{ApplicationId: a.Id})
	if err != nil || *got.Id != *a.Id || *got.Name != "shop" {
		t.Fatalf("%v %+v", err, got)
	}
	upd, err := c.UpdateApplication(ctx, &sdk.UpdateApplicationInput{ApplicationId: a.Id, Description: aws.String("new")})
	if err != nil || *upd.Name != "shop" || *upd.Description != "new" {
		t.Fatalf("%v %+v", err, upd)
	}
	_, err = c.GetApplication(ctx, &sdk.GetApplicationInput{ApplicationId: aws.String("abc1234")})
	notFound(t, err, "Application with Id abc1234 could not be found.", "Application")
	_, err = c.GetApplication(ctx, &sdk.GetApplicationInput{ApplicationId: aws.String("ABC")})
	apiErr(t, err, "BadRequestException", "1 validation error detected: Value 'ABC' at 'getApplicationInput.ApplicationId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9]{4,7}")
	_, err = c.CreateApplication(ctx, &sdk.CreateApplicationInput{Name: aws.String(strings.Repeat("n", 65))})
	apiErr(t, err, "BadRequestException", "")
	_, err = c.CreateApplication(ctx, &sdk.CreateApplicationInput{Name: aws.String("x"), Tags: map[string]string{"aws:x": "y"}})
	apiErr(t, err, "BadRequestException", "Tag keys must not start with 'aws:'.")

	// Pagination in creation order.
	var want []string
	want = append(want, *a.Id)
	for i := range 4 {
		b, err := c.CreateApplication(ctx, &sdk.CreateApplicationInput{Name: aws.String("app" + string(rune('a'+i)))})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *b.Id)
	}
	var ids []string
	pages := 0
	p := sdk.NewListApplicationsPaginator(c, &sdk.ListApplicationsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.Items {
			ids = append(ids, *it.Id)
		}
	}
	if !slices.Equal(ids, want) || pages != 3 {
		t.Fatalf("listed %v in %d pages, want %v in 3", ids, pages, want)
	}
	all, err := c.ListApplications(ctx, &sdk.ListApplicationsInput{})
	if err != nil || len(all.Items) != 5 || all.NextToken != nil {
		t.Fatalf("%v %+v", err, all)
	}
	_, err = c.ListApplications(ctx, &sdk.ListApplicationsInput{NextToken: aws.String("garbage")})
	apiErr(t, err, "BadRequestException", "The next token is invalid.")
	_, err = c.ListApplications(ctx, &sdk.ListApplicationsInput{MaxResults: aws.Int32(51)})
	apiErr(t, err, "BadRequestException", "")

	// An application with children cannot be deleted.
	e, err := c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: a.Id, Name: aws.String("e")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteApplication(ctx, &sdk.DeleteApplicationInput{ApplicationId: a.Id})
	apiErr(t, err, "BadRequestException", "Cannot delete application "+*a.Id+" because there are still environments existing under it.")
	if _, err := c.DeleteEnvironment(ctx, &sdk.DeleteEnvironmentInput{ApplicationId: a.Id, EnvironmentId: e.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteApplication(ctx, &sdk.DeleteApplicationInput{ApplicationId: a.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteApplication(ctx, &sdk.DeleteApplicationInput{ApplicationId: a.Id})
	notFound(t, err, "Application with Id "+*a.Id+" could not be found.", "Application")
}

func TestEnvironments(t *testing.T) {
	f := start(t)
	c := f.c
	f.mkApp(t)
	mon := []types.Monitor{{AlarmArn: aws.String("arn:aws:cloudwatch:us-east-1:111122223333:alarm:errors"),
		AlarmRoleArn: aws.String("arn:aws:iam::111122223333:role/appconfig")}}
	e, err := c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: &f.app, Name: aws.String("prod"), Monitors: mon})
	if err != nil || !idRE.MatchString(*e.Id) || e.State != types.EnvironmentStateReadyForDeployment || *e.ApplicationId != f.app ||
		len(e.Monitors) != 1 || *e.Monitors[0].AlarmRoleArn != *mon[0].AlarmRoleArn {
		t.Fatalf("%v %+v", err, e)
	}
	_, err = c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: aws.String("zzzz999"), Name: aws.String("x")})
	notFound(t, err, "Application with Id zzzz999 could not be found.", "Application")
	_, err = c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: &f.app, Name: aws.String("x"),
		Monitors: []types.Monitor{{AlarmArn: aws.String("a"), AlarmRoleArn: aws.String("arn:aws:iam::111122223333:user/me")}}})
	apiErr(t, err, "BadRequestException", "1 validation error detected: Value 'arn:aws:iam::111122223333:user/me' at 'createEnvironmentInput.Monitors.1.member.AlarmRoleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^((arn):(aws|aws-cn|aws-iso|aws-iso-[a-z]{1}|aws-us-gov|aws-eusc):(iam)::\\d{12}:role[/].*)$")
	six := make([]types.Monitor, 6)
	for i := range six {
		six[i] = types.Monitor{AlarmArn: aws.String("a")}
	}
	_, err = c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: &f.app, Name: aws.String("x"), Monitors: six})
	apiErr(t, err, "BadRequestException", "1 validation error detected: Value null at 'createEnvironmentInput.Monitors' failed to satisfy constraint: Member must have length less than or equal to 5")

	got, err := c.GetEnvironment(ctx, &sdk.GetEnvironmentInput{ApplicationId: &f.app, EnvironmentId: e.Id})
	if err != nil || *got.Name != "prod" || len(got.Monitors) != 1 {
		t.Fatalf("%v %+v", err, got)
	}
	_, err = c.GetEnvironment(ctx, &sdk.GetEnvironmentInput{ApplicationId: &f.app, EnvironmentId: aws.String("nope123")})
	notFound(t, err, "Environment with Id nope123 could not be found.", "Environment")
	// Update keeps absent members; an empty Monitors list clears them.
	upd, err := c.UpdateEnvironment(ctx, &sdk.UpdateEnvironmentInput{ApplicationId: &f.app, EnvironmentId: e.Id, Description: aws.String("d")})
	if err != nil || *upd.Name != "prod" || *upd.Description != "d" || len(upd.Monitors) != 1 {
		t.Fatalf("%v %+v", err, upd)
	}
	upd, err = c.UpdateEnvironment(ctx, &sdk.UpdateEnvironmentInput{ApplicationId: &f.app, EnvironmentId: e.Id, Monitors: []types.Monitor{}})
	if err != nil || len(upd.Monitors) != 0 {
		t.Fatalf("%v %+v", err, upd)
	}
	e2 := f.mkEnv(t, "beta")
	l, err := c.ListEnvironments(ctx, &sdk.ListEnvironmentsInput{ApplicationId: &f.app})
	if err != nil || len(l.Items) != 2 || *l.Items[0].Id != *e.Id || *l.Items[1].Id != e2 || l.Items[1].State != types.EnvironmentStateReadyForDeployment {
		t.Fatalf("%v %+v", err, l)
	}
	_, err = c.ListEnvironments(ctx, &sdk.ListEnvironmentsInput{ApplicationId: aws.String("zzzz999")})
	notFound(t, err, "Application with Id zzzz999 could not be found.", "Application")
	if _, err := c.DeleteEnvironment(ctx, &sdk.DeleteEnvironmentInput{ApplicationId: &f.app, EnvironmentId: e.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteEnvironment(ctx, &sdk.DeleteEnvironmentInput{ApplicationId: &f.app, EnvironmentId: e.Id})
	notFound(t, err, "Environment with Id "+*e.Id+" could not be found.", "Environment")
}

func TestConfigurationProfiles(t *testing.T) {
	f := start(t)
	c := f.c
	f.mkApp(t)
	schema := `{"type":"object"}`
	p, err := c.CreateConfigurationProfile(ctx, &sdk.CreateConfigurationProfileInput{ApplicationId: &f.app, Name: aws.String(strings.Repeat("p", 128)),
		LocationUri: aws.String("hosted"), Validators: []types.Validator{{Type: types.ValidatorTypeJsonSchema, Content: &schema}},
		KmsKeyIdentifier: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab")})
	if err != nil || !idRE.MatchString(*p.Id) || *p.Type != "AWS.Freeform" || *p.LocationUri != "hosted" || len(p.Validators) != 1 ||
		*p.KmsKeyArn != "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab" {
		t.Fatalf("%v %+v", err, p)
	}
	ff, err := c.CreateConfigurationProfile(ctx, &sdk.CreateConfigurationProfileInput{ApplicationId: &f.app, Name: aws.String("flags"),
		LocationUri: aws.String("hosted"), Type: aws.String("AWS.AppConfig.FeatureFlags")})
	if err != nil || *ff.Type != "AWS.AppConfig.FeatureFlags" {
		t.Fatalf("%v %+v", err, ff)
	}
	ssm, err := c.CreateConfigurationProfile(ctx, &sdk.CreateConfigurationProfileInput{ApplicationId: &f.app, Name: aws.String("ssm"),
		LocationUri: aws.String("ssm-parameter://Example-Parameter"), RetrievalRoleArn: aws.String("arn:aws:iam::111122223333:role/r")})
	if err != nil || *ssm.RetrievalRoleArn != "arn:aws:iam::111122223333:role/r" {
		t.Fatalf("%v %+v", err, ssm)
	}
	for _, tc := range []struct {
		in   sdk.CreateConfigurationProfileInput
		msg  string
		code string
	}{
		{sdk.CreateConfigurationProfileInput{Name: aws.String("x"), LocationUri: aws.String("ftp://x")}, "Invalid LocationUri ftp://x. Supported formats are hosted, ssm-parameter://, ssm-document://, s3://, codepipeline:// and secretsmanager://.", "BadRequestException"},
		{sdk.CreateConfigurationProfileInput{Name: aws.String("x"), LocationUri: aws.String("hosted"), Type: aws.String("Custom")}, "Invalid configuration profile type Custom. Supported types are AWS.Freeform and AWS.AppConfig.FeatureFlags.", "BadRequestException"},
		{sdk.CreateConfigurationProfileInput{Name: aws.String("x"), LocationUri: aws.String("s3://b/k"), Type: aws.String("AWS.AppConfig.FeatureFlags")}, "Feature flag configuration profiles must use the hosted configuration store (LocationUri hosted).", "BadRequestException"},
		{sdk.CreateConfigurationProfileInput{Name: aws.String("x"), LocationUri: aws.String("hosted"), Validators: []types.Validator{{Type: types.ValidatorTypeJsonSchema, Content: aws.String("{")}}}, "", "BadRequestException"},
		{sdk.CreateConfigurationProfileInput{Name: aws.String("x"), LocationUri: aws.String("hosted"), Validators: []types.Validator{{Type: types.ValidatorTypeLambda, Content: aws.String("fn")}}}, "Validator content fn is not a valid Lambda function ARN.", "BadRequestException"},
		{sdk.CreateConfigurationProfileInput{Name: aws.String(strings.Repeat("p", 129)), LocationUri: aws.String("hosted")}, "", "BadRequestException"},
		{sdk.CreateConfigurationProfileInput{Name: aws.String("x"), LocationUri: aws.String("hosted"), Type: aws.String("AWS 1")}, "1 validation error detected: Value 'AWS 1' at 'createConfigurationProfileInput.Type' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z\\.]+", "BadRequestException"},
	} {
		in := tc.in
		in.ApplicationId = &f.app
		_, err := c.CreateConfigurationProfile(ctx, &in)
		apiErr(t, err, tc.code, tc.msg)
	}
	lambda := "arn:aws:lambda:us-east-1:111122223333:function:check"
	upd, err := c.UpdateConfigurationProfile(ctx, &sdk.UpdateConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: p.Id,
		Name: aws.String("renamed"), Validators: []types.Validator{{Type: types.ValidatorTypeLambda, Content: &lambda}}, KmsKeyIdentifier: aws.String("")})
	if err != nil || *upd.Name != "renamed" || len(upd.Validators) != 1 || upd.Validators[0].Type != types.ValidatorTypeLambda || upd.KmsKeyArn != nil || upd.KmsKeyIdentifier != nil {
		t.Fatalf("%v %+v", err, upd)
	}
	l, err := c.ListConfigurationProfiles(ctx, &sdk.ListConfigurationProfilesInput{ApplicationId: &f.app})
	if err != nil || len(l.Items) != 3 || *l.Items[0].Id != *p.Id || !slices.Equal(l.Items[0].ValidatorTypes, []types.ValidatorType{types.ValidatorTypeLambda}) ||
		*l.Items[2].LocationUri != "ssm-parameter://Example-Parameter" {
		t.Fatalf("%v %+v", err, l)
	}
	l, err = c.ListConfigurationProfiles(ctx, &sdk.ListConfigurationProfilesInput{ApplicationId: &f.app, Type: aws.String("AWS.AppConfig.FeatureFlags")})
	if err != nil || len(l.Items) != 1 || *l.Items[0].Id != *ff.Id {
		t.Fatalf("%v %+v", err, l)
	}
	_, err = c.GetConfigurationProfile(ctx, &sdk.GetConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: aws.String("nope123")})
	notFound(t, err, "ConfigurationProfile with Id nope123 could not be found.", "ConfigurationProfile")

	// A profile with hosted versions cannot be deleted (AWS's wording).
	f.mkVersion(t, *ff.Id, `{"version":"1"}`, "application/json")
	_, err = c.DeleteConfigurationProfile(ctx, &sdk.DeleteConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: ff.Id})
	apiErr(t, err, "BadRequestException", "Cannot delete configuration profile "+*ff.Id+" because there are still hosted configuration versions existing under it.")
	if _, err := c.DeleteHostedConfigurationVersion(ctx, &sdk.DeleteHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: ff.Id, VersionNumber: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteConfigurationProfile(ctx, &sdk.DeleteConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: ff.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteConfigurationProfile(ctx, &sdk.DeleteConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: ff.Id})
	notFound(t, err, "ConfigurationProfile with Id "+*ff.Id+" could not be found.", "ConfigurationProfile")
}

func TestHostedConfigurationVersions(t *testing.T) {
	f := start(t)
	c := f.c
	f.mkApp(t)
	prof := f.mkProfile(t, "p", "")
	in := func(content, label string, latest *int32) *sdk.CreateHostedConfigurationVersionInput {
		x := &sdk.CreateHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, Content: []byte(content),
			ContentType: aws.String("text/plain"), Description: aws.String("first"), LatestVersionNumber: latest}
		if label != "" {
			x.VersionLabel = &label
		}
		return x
	}
	// AWS's example sends Latest-Version-Number 1 and receives version 1.
	v1, err := c.CreateHostedConfigurationVersion(ctx, in("hello", "v1.0", aws.Int32(1)))
	if err != nil || v1.VersionNumber != 1 || string(v1.Content) != "hello" || *v1.ContentType != "text/plain" || *v1.Description != "first" ||
		*v1.VersionLabel != "v1.0" || *v1.ApplicationId != f.app || *v1.ConfigurationProfileId != prof {
		t.Fatalf("%v %+v", err, v1)
	}
	_, err = c.CreateHostedConfigurationVersion(ctx, in("x", "", aws.Int32(7)))
	apiErr(t, err, "ConflictException", "Latest version number 7 does not match the latest hosted configuration version 1 of configuration profile "+prof+".")
	_, err = c.CreateHostedConfigurationVersion(ctx, in("x", "v1.0", nil))
	apiErr(t, err, "ConflictException", "Version label v1.0 is already used by hosted configuration version 1.")
	_, err = c.CreateHostedConfigurationVersion(ctx, in("x", "123", nil))
	apiErr(t, err, "BadRequestException", "1 validation error detected: Value '123' at 'createHostedConfigurationVersionInput.VersionLabel' failed to satisfy constraint: Member must satisfy regular expression pattern: .*[^0-9].*")
	v2, err := c.CreateHostedConfigurationVersion(ctx, in("bin\x00ary", "v2.0", aws.Int32(1)))
	if err != nil || v2.VersionNumber != 2 || string(v2.Content) != "bin\x00ary" {
		t.Fatalf("%v %+v", err, v2)
	}
	v3, err := c.CreateHostedConfigurationVersion(ctx, in("three", "v2.1", nil))
	if err != nil || v3.VersionNumber != 3 {
		t.Fatalf("%v %+v", err, v3)
	}
	got, err := c.GetHostedConfigurationVersion(ctx, &sdk.GetHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, VersionNumber: aws.Int32(2)})
	if err != nil || string(got.Content) != "bin\x00ary" || *got.VersionLabel != "v2.0" || got.VersionNumber != 2 || *got.ContentType != "text/plain" {
		t.Fatalf("%v %+v", err, got)
	}
	_, err = c.GetHostedConfigurationVersion(ctx, &sdk.GetHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, VersionNumber: aws.Int32(9)})
	notFound(t, err, "HostedConfigurationVersion with Id 9 could not be found.", "HostedConfigurationVersion")
	list := func(label *string, max *int32, token *string) *sdk.ListHostedConfigurationVersionsOutput {
		t.Helper()
		l, err := c.ListHostedConfigurationVersions(ctx, &sdk.ListHostedConfigurationVersionsInput{ApplicationId: &f.app, ConfigurationProfileId: &prof,
			VersionLabel: label, MaxResults: max, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	nums := func(l *sdk.ListHostedConfigurationVersionsOutput) (out []int32) {
		for _, it := range l.Items {
			out = append(out, it.VersionNumber)
		}
		return
	}
	if l := list(nil, nil, nil); !slices.Equal(nums(l), []int32{3, 2, 1}) || *l.Items[0].ContentType != "text/plain" || *l.Items[2].VersionLabel != "v1.0" {
		t.Fatalf("%+v", l)
	}
	if l := list(aws.String("v2*"), nil, nil); !slices.Equal(nums(l), []int32{3, 2}) {
		t.Fatalf("%v", nums(l))
	}
	if l := list(aws.String("v2.0"), nil, nil); !slices.Equal(nums(l), []int32{2}) {
		t.Fatalf("%v", nums(l))
	}
	p1 := list(nil, aws.Int32(2), nil)
	if p2 := list(nil, aws.Int32(2), p1.NextToken); !slices.Equal(nums(p1), []int32{3, 2}) || !slices.Equal(nums(p2), []int32{1}) || p2.NextToken != nil {
		t.Fatalf("%v %v", nums(p1), nums(p2))
	}
	// Numbers are never reused after a delete.
	if _, err := c.DeleteHostedConfigurationVersion(ctx, &sdk.DeleteHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, VersionNumber: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteHostedConfigurationVersion(ctx, &sdk.DeleteHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, VersionNumber: aws.Int32(3)})
	notFound(t, err, "HostedConfigurationVersion with Id 3 could not be found.", "HostedConfigurationVersion")
	if v := f.mkVersion(t, prof, "four", "text/plain"); v != 4 {
		t.Fatalf("version %d, want 4", v)
	}
	// Size limit: 413 with the measure.
	_, err = c.CreateHostedConfigurationVersion(ctx, in(strings.Repeat("x", 2048*1024+512), "", nil))
	apiErr(t, err, "PayloadTooLargeException", "Configuration data exceeds the maximum size of 2048 KB.")
	var tooBig *types.PayloadTooLargeException
	if !errors.As(err, &tooBig) || tooBig.Measure != types.BytesMeasureKilobytes || tooBig.Limit != 2048 || tooBig.Size != 2048.5 {
		t.Fatalf("%+v", tooBig)
	}
	// Hosted versions need a hosted profile.
	ssm, err := c.CreateConfigurationProfile(ctx, &sdk.CreateConfigurationProfileInput{ApplicationId: &f.app, Name: aws.String("ssm"), LocationUri: aws.String("ssm-parameter://p")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateHostedConfigurationVersion(ctx, &sdk.CreateHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: ssm.Id, Content: []byte("x"), ContentType: aws.String("text/plain")})
	apiErr(t, err, "BadRequestException", "Configuration profile "+*ssm.Id+" does not use the AWS AppConfig hosted configuration store.")
	_, err = c.CreateHostedConfigurationVersion(ctx, &sdk.CreateHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: aws.String("nope123"), Content: []byte("x"), ContentType: aws.String("text/plain")})
	notFound(t, err, "ConfigurationProfile with Id nope123 could not be found.", "ConfigurationProfile")
}

// invalidDetails asserts a BadRequestException with Reason
// InvalidConfiguration and returns "location constraint" of each detail.
func invalidDetails(t *testing.T, err error) []string {
	t.Helper()
	var br *types.BadRequestException
	if !errors.As(err, &br) || br.Reason != types.BadRequestReasonInvalidConfiguration {
		t.Fatalf("want BadRequestException InvalidConfiguration, got %v", err)
	}
	d, ok := br.Details.(*types.BadRequestDetailsMemberInvalidConfiguration)
	if !ok {
		t.Fatalf("details: %#v", br.Details)
	}
	var out []string
	for _, x := range d.Value {
		out = append(out, aws.ToString(x.Location)+" "+aws.ToString(x.Constraint))
		if aws.ToString(x.Type) != "JSON_SCHEMA" || aws.ToString(x.Reason) == "" {
			t.Fatalf("detail %+v", x)
		}
	}
	return out
}

func TestJSONSchemaValidatorAtCreate(t *testing.T) {
	f := start(t)
	f.mkApp(t)
	schema := `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{"limit":{"type":"integer","minimum":1},"on":{"type":"boolean"}},"required":["on"],"additionalProperties":false}`
	prof := f.mkProfile(t, "p", "", types.Validator{Type: types.ValidatorTypeJsonSchema, Content: &schema})
	f.mkVersion(t, prof, `{"on":true,"limit":5}`, "application/json")
	for _, tc := range []struct {
		content string
		msg     string
		details []string
	}{
		{`{"limit":0,"extra":1}`, "The configuration data failed validation against the JSON Schema validator: 3 errors found. First: /: required property on is missing",
			[]string{"/ required", "/extra additionalProperties", "/limit minimum"}},
		{`not json`, "The configuration data failed validation against the JSON Schema validator: configuration data is not valid JSON.", []string{"/ type"}},
	} {
		_, err := f.c.CreateHostedConfigurationVersion(ctx, &sdk.CreateHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &prof,
			Content: []byte(tc.content), ContentType: aws.String("application/json")})
		apiErr(t, err, "BadRequestException", tc.msg)
		if got := invalidDetails(t, err); !slices.Equal(got, tc.details) {
			t.Fatalf("details %q, want %q", got, tc.details)
		}
	}
	// ValidateConfiguration runs the same validators on a stored version.
	if _, err := f.c.ValidateConfiguration(ctx, &sdk.ValidateConfigurationInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, ConfigurationVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.ValidateConfiguration(ctx, &sdk.ValidateConfigurationInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, ConfigurationVersion: aws.String("2")})
	notFound(t, err, "HostedConfigurationVersion with Id 2 could not be found.", "HostedConfigurationVersion")
	// A stricter validator added later fails the stored version.
	strict := `{"type":"object","properties":{"limit":{"maximum":3}}}`
	if _, err := f.c.UpdateConfigurationProfile(ctx, &sdk.UpdateConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: &prof,
		Validators: []types.Validator{{Type: types.ValidatorTypeJsonSchema, Content: &strict}}}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.ValidateConfiguration(ctx, &sdk.ValidateConfigurationInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, ConfigurationVersion: aws.String("1")})
	apiErr(t, err, "BadRequestException", "The configuration data failed validation against the JSON Schema validator: 1 error found. First: /limit: value 5 is greater than the maximum 3")
	if got := invalidDetails(t, err); !slices.Equal(got, []string{"/limit maximum"}) {
		t.Fatal(got)
	}
	// A LAMBDA validator is not run when a version is created (only at
	// StartDeployment and ValidateConfiguration, lambda_test.go).
	lambda := "arn:aws:lambda:us-east-1:111122223333:function:check"
	p2 := f.mkProfile(t, "p2", "", types.Validator{Type: types.ValidatorTypeLambda, Content: &lambda})
	f.mkVersion(t, p2, "anything", "text/plain")
}

func TestFeatureFlagValidation(t *testing.T) {
	f := start(t)
	f.mkApp(t)
	prof := f.mkProfile(t, "flags", "AWS.AppConfig.FeatureFlags")
	good := `{"version":"1","flags":{"dark_mode":{"name":"Dark mode","_deprecation":{"status":"planned"},"attributes":{"theme":{"constraints":{"type":"string","enum":["night","dusk"],"required":true}},"level":{"constraints":{"type":"number","minimum":1,"maximum":5}},"tags":{"constraints":{"type":"array","elements":{"type":"string","pattern":"^[a-z]+$"}}}}},"beta":{"name":"Beta"}},"values":{"dark_mode":{"enabled":true,"theme":"night","level":3,"tags":["a","b"]},"beta":{"enabled":false}}}`
	f.mkVersion(t, prof, good, "application/json")
	for _, tc := range []struct {
		name, content string
		details       []string
	}{
		{"no version", `{"flags":{}}`, []string{"/ required"}},
		{"wrong version", `{"version":"2"}`, []string{"/version enum"}},
		{"extra member", `{"version":"1","extra":1}`, []string{"/extra additionalProperties"}},
		{"bad flag key", `{"version":"1","flags":{"Bad":{"name":"x"}}}`, []string{"/flags/Bad pattern"}},
		{"flag without name", `{"version":"1","flags":{"f":{"description":"d"}}}`, []string{"/flags/f required"}},
		{"name too long", `{"version":"1","flags":{"f":{"name":"` + strings.Repeat("n", 65) + `"}}}`, []string{"/flags/f/name maxLength"}},
		{"unknown flag member", `{"version":"1","flags":{"f":{"name":"x","colour":"red"}}}`, []string{"/flags/f/colour additionalProperties"}},
		{"value without enabled", `{"version":"1","values":{"f":{}}}`, []string{"/values/f required"}},
		{"enabled not boolean", `{"version":"1","values":{"f":{"enabled":"yes"}}}`, []string{"/values/f/enabled type"}},
		{"enum violated", `{"version":"1","flags":{"f":{"name":"x","attributes":{"t":{"constraints":{"type":"string","enum":["a"]}}}}},"values":{"f":{"enabled":true,"t":"b"}}}`, []string{"/values/f/t enum"}},
		{"number out of range", `{"version":"1","flags":{"f":{"name":"x","attributes":{"n":{"constraints":{"type":"number","maximum":5}}}}},"values":{"f":{"enabled":true,"n":6}}}`, []string{"/values/f/n maximum"}},
		{"required attribute missing", `{"version":"1","flags":{"f":{"name":"x","attributes":{"n":{"constraints":{"type":"number","required":true}}}}},"values":{"f":{"enabled":true}}}`, []string{"/values/f required"}},
		{"pattern and enum", `{"version":"1","flags":{"f":{"name":"x","attributes":{"t":{"constraints":{"type":"string","pattern":"a","enum":["a"]}}}}}}`, []string{"/flags/f/attributes/t/constraints oneOf"}},
		{"mixed array", `{"version":"1","values":{"f":{"enabled":true,"a":[1,"x"]}}}`, []string{"/values/f/a/1 type"}},
		{"array element pattern", `{"version":"1","flags":{"f":{"name":"x","attributes":{"a":{"constraints":{"type":"array","elements":{"type":"string","pattern":"^[a-z]+$"}}}}}},"values":{"f":{"enabled":true,"a":["ok","NO"]}}}`, []string{"/values/f/a/1 pattern"}},
		{"not json", `{`, []string{"/ type"}},
	} {
		_, err := f.c.CreateHostedConfigurationVersion(ctx, &sdk.CreateHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &prof,
			Content: []byte(tc.content), ContentType: aws.String("application/json")})
		if err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		if got := invalidDetails(t, err); !slices.Equal(got, tc.details) {
			t.Errorf("%s: details %q, want %q", tc.name, got, tc.details)
		}
	}
	// A required attribute may be absent while the flag is disabled.
	f.mkVersion(t, prof, `{"version":"1","flags":{"f":{"name":"x","attributes":{"n":{"constraints":{"type":"number","required":true}}}}},"values":{"f":{"enabled":false}}}`, "application/json")
}

func TestDeploymentStrategies(t *testing.T) {
	f := start(t)
	c := f.c
	want := map[string]types.DeploymentStrategy{
		"AppConfig.AllAtOnce":                     {DeploymentDurationInMinutes: 0, GrowthFactor: aws.Float32(100), GrowthType: "LINEAR", FinalBakeTimeInMinutes: 10, Description: aws.String("Quick")},
		"AppConfig.Linear50PercentEvery30Seconds": {DeploymentDurationInMinutes: 1, GrowthFactor: aws.Float32(50), GrowthType: "LINEAR", FinalBakeTimeInMinutes: 1, Description: aws.String("Test/Demo")},
		"AppConfig.Canary10Percent20Minutes":      {DeploymentDurationInMinutes: 20, GrowthFactor: aws.Float32(10), GrowthType: "EXPONENTIAL", FinalBakeTimeInMinutes: 10, Description: aws.String("AWS Recommended")},
		"AppConfig.Linear20PercentEvery6Minutes":  {DeploymentDurationInMinutes: 30, GrowthFactor: aws.Float32(20), GrowthType: "LINEAR", FinalBakeTimeInMinutes: 30, Description: aws.String("AWS Recommended")},
	}
	check := func(s types.DeploymentStrategy) {
		t.Helper()
		w, ok := want[*s.Id]
		if !ok || *s.Name != *s.Id || s.DeploymentDurationInMinutes != w.DeploymentDurationInMinutes || *s.GrowthFactor != *w.GrowthFactor ||
			s.GrowthType != w.GrowthType || s.FinalBakeTimeInMinutes != w.FinalBakeTimeInMinutes || *s.Description != *w.Description || s.ReplicateTo != types.ReplicateToNone {
			t.Fatalf("predefined %+v", s)
		}
	}
	for id := range want {
		g, err := c.GetDeploymentStrategy(ctx, &sdk.GetDeploymentStrategyInput{DeploymentStrategyId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		check(types.DeploymentStrategy{Id: g.Id, Name: g.Name, Description: g.Description, DeploymentDurationInMinutes: g.DeploymentDurationInMinutes,
			GrowthFactor: g.GrowthFactor, GrowthType: g.GrowthType, FinalBakeTimeInMinutes: g.FinalBakeTimeInMinutes, ReplicateTo: g.ReplicateTo})
	}
	// AWS's CreateDeploymentStrategy example: defaults LINEAR and bake 0.
	s, err := c.CreateDeploymentStrategy(ctx, &sdk.CreateDeploymentStrategyInput{Name: aws.String("Example-Deployment"),
		DeploymentDurationInMinutes: aws.Int32(15), GrowthFactor: aws.Float32(25), ReplicateTo: types.ReplicateToSsmDocument})
	if err != nil || !idRE.MatchString(*s.Id) || s.GrowthType != types.GrowthTypeLinear || s.FinalBakeTimeInMinutes != 0 || s.ReplicateTo != types.ReplicateToSsmDocument ||
		s.DeploymentDurationInMinutes != 15 || *s.GrowthFactor != 25 {
		t.Fatalf("%v %+v", err, s)
	}
	l, err := c.ListDeploymentStrategies(ctx, &sdk.ListDeploymentStrategiesInput{})
	if err != nil || len(l.Items) != 5 || *l.Items[0].Id != *s.Id {
		t.Fatalf("%v %+v", err, l)
	}
	for _, it := range l.Items[1:] {
		check(it)
	}
	p := sdk.NewListDeploymentStrategiesPaginator(c, &sdk.ListDeploymentStrategiesInput{MaxResults: aws.Int32(2)})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Items)
	}
	if n != 5 {
		t.Fatalf("paginated %d strategies", n)
	}
	u, err := c.UpdateDeploymentStrategy(ctx, &sdk.UpdateDeploymentStrategyInput{DeploymentStrategyId: s.Id, GrowthType: types.GrowthTypeExponential, FinalBakeTimeInMinutes: aws.Int32(5)})
	if err != nil || u.GrowthType != types.GrowthTypeExponential || u.FinalBakeTimeInMinutes != 5 || u.DeploymentDurationInMinutes != 15 {
		t.Fatalf("%v %+v", err, u)
	}
	_, err = c.UpdateDeploymentStrategy(ctx, &sdk.UpdateDeploymentStrategyInput{DeploymentStrategyId: aws.String("AppConfig.AllAtOnce"), Description: aws.String("x")})
	apiErr(t, err, "BadRequestException", "Cannot update predefined Deployment Strategy AppConfig.AllAtOnce")
	_, err = c.DeleteDeploymentStrategy(ctx, &sdk.DeleteDeploymentStrategyInput{DeploymentStrategyId: aws.String("AppConfig.AllAtOnce")})
	apiErr(t, err, "BadRequestException", "Cannot delete predefined Deployment Strategy AppConfig.AllAtOnce.")
	_, err = c.GetDeploymentStrategy(ctx, &sdk.GetDeploymentStrategyInput{DeploymentStrategyId: aws.String("AppConfig.Linear99PercentNow")})
	notFound(t, err, "DeploymentStrategy with Id AppConfig.Linear99PercentNow could not be found.", "DeploymentStrategy")
	for _, bad := range []*sdk.CreateDeploymentStrategyInput{
		{Name: aws.String("x"), DeploymentDurationInMinutes: aws.Int32(1441), GrowthFactor: aws.Float32(10)},
		{Name: aws.String("x"), DeploymentDurationInMinutes: aws.Int32(1), GrowthFactor: aws.Float32(100.5)},
		{Name: aws.String("x"), DeploymentDurationInMinutes: aws.Int32(1), GrowthFactor: aws.Float32(10), FinalBakeTimeInMinutes: -1},
	} {
		_, err := c.CreateDeploymentStrategy(ctx, bad)
		apiErr(t, err, "BadRequestException", "")
	}
	if _, err := c.DeleteDeploymentStrategy(ctx, &sdk.DeleteDeploymentStrategyInput{DeploymentStrategyId: s.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDeploymentStrategy(ctx, &sdk.GetDeploymentStrategyInput{DeploymentStrategyId: s.Id})
	notFound(t, err, "DeploymentStrategy with Id "+*s.Id+" could not be found.", "DeploymentStrategy")
}

func TestExtensionsAndAssociations(t *testing.T) {
	f := start(t)
	c := f.c
	f.mkApp(t)
	actions := map[string][]types.Action{"PRE_START_DEPLOYMENT": {{Name: aws.String("check"),
		Uri: aws.String("arn:aws:lambda:us-east-1:111122223333:function:check"), RoleArn: aws.String("arn:aws:iam::111122223333:role/ext")}}}
	params := map[string]types.Parameter{"url": {Required: true}, "ticket": {Dynamic: true}}
	x, err := c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("gate"), Actions: actions, Parameters: params})
	if err != nil || !idRE.MatchString(*x.Id) || x.VersionNumber != 1 || *x.Arn != "arn:aws:appconfig:us-east-1:000000000000:extension/"+*x.Id+"/1" ||
		!x.Parameters["url"].Required || !x.Parameters["ticket"].Dynamic {
		t.Fatalf("%v %+v", err, x)
	}
	_, err = c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("gate"), Actions: actions})
	apiErr(t, err, "ConflictException", "An extension with the name gate already exists. To create a new version, specify the latest version number 1.")
	_, err = c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("gate"), Actions: actions, LatestVersionNumber: aws.Int32(3)})
	apiErr(t, err, "ConflictException", "Latest version number 3 does not match the latest version 1 of extension gate.")
	x2, err := c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("gate"), Actions: actions, Parameters: params, LatestVersionNumber: aws.Int32(1)})
	if err != nil || *x2.Id != *x.Id || x2.VersionNumber != 2 {
		t.Fatalf("%v %+v", err, x2)
	}
	_, err = c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("bad"), Actions: actions, Parameters: map[string]types.Parameter{"p": {Required: true, Dynamic: true}}})
	apiErr(t, err, "BadRequestException", "Parameter p cannot be both dynamic and required.")
	_, err = c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("bad"), Actions: map[string][]types.Action{"ON_LUNCH": actions["PRE_START_DEPLOYMENT"]}})
	apiErr(t, err, "BadRequestException", "")
	for _, ident := range []string{*x.Id, "gate", *x2.Arn} {
		g, err := c.GetExtension(ctx, &sdk.GetExtensionInput{ExtensionIdentifier: aws.String(ident)})
		if err != nil || g.VersionNumber != 2 {
			t.Fatalf("%s: %v %+v", ident, err, g)
		}
	}
	g, err := c.GetExtension(ctx, &sdk.GetExtensionInput{ExtensionIdentifier: x.Id, VersionNumber: aws.Int32(1)})
	if err != nil || g.VersionNumber != 1 {
		t.Fatalf("%v %+v", err, g)
	}
	_, err = c.GetExtension(ctx, &sdk.GetExtensionInput{ExtensionIdentifier: aws.String("nothing")})
	notFound(t, err, "Extension with Id nothing could not be found.", "Extension")
	ff, err := c.GetExtension(ctx, &sdk.GetExtensionInput{ExtensionIdentifier: aws.String("AWS.AppConfig.FeatureFlags")})
	if err != nil || *ff.Arn != "arn:aws:appconfig:us-east-1::extension/AWS.AppConfig.FeatureFlags/1" {
		t.Fatalf("%v %+v", err, ff)
	}
	l, err := c.ListExtensions(ctx, &sdk.ListExtensionsInput{})
	if err != nil || len(l.Items) != 7 || l.Items[0].VersionNumber != 1 || l.Items[1].VersionNumber != 2 || *l.Items[2].Id != "AWS.AppConfig.FeatureFlags" {
		t.Fatalf("%v %+v", err, l)
	}
	l, err = c.ListExtensions(ctx, &sdk.ListExtensionsInput{Name: aws.String("gate")})
	if err != nil || len(l.Items) != 2 {
		t.Fatalf("%v %+v", err, l)
	}
	u, err := c.UpdateExtension(ctx, &sdk.UpdateExtensionInput{ExtensionIdentifier: x.Id, Description: aws.String("gates deployments")})
	if err != nil || *u.Description != "gates deployments" || u.VersionNumber != 2 {
		t.Fatalf("%v %+v", err, u)
	}

	appArn := "arn:aws:appconfig:us-east-1:000000000000:application/" + f.app
	_, err = c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: x.Id, ResourceIdentifier: &appArn})
	apiErr(t, err, "BadRequestException", "Required parameter url of extension "+*x.Id+" is missing.")
	_, err = c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: x.Id, ResourceIdentifier: &appArn,
		Parameters: map[string]string{"url": "u", "ticket": "t"}})
	apiErr(t, err, "BadRequestException", "Parameter ticket of extension "+*x.Id+" is dynamic; supply it in StartDeployment's DynamicExtensionParameters.")
	_, err = c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: x.Id,
		ResourceIdentifier: aws.String("arn:aws:appconfig:us-east-1:000000000000:application/zzzz999"), Parameters: map[string]string{"url": "u"}})
	notFound(t, err, "Application with Id zzzz999 could not be found.", "Application")
	a, err := c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: aws.String("gate"), ExtensionVersionNumber: aws.Int32(1),
		ResourceIdentifier: &appArn, Parameters: map[string]string{"url": "https://example.com"}})
	if err != nil || !idRE.MatchString(*a.Id) || *a.ExtensionArn != *x.Arn || a.ExtensionVersionNumber != 1 || *a.ResourceArn != appArn ||
		*a.Arn != "arn:aws:appconfig:us-east-1:000000000000:extensionassociation/"+*a.Id {
		t.Fatalf("%v %+v", err, a)
	}
	la, err := c.ListExtensionAssociations(ctx, &sdk.ListExtensionAssociationsInput{ResourceIdentifier: &appArn})
	if err != nil || len(la.Items) != 1 || *la.Items[0].Id != *a.Id {
		t.Fatalf("%v %+v", err, la)
	}
	la, err = c.ListExtensionAssociations(ctx, &sdk.ListExtensionAssociationsInput{ExtensionIdentifier: x.Id, ExtensionVersionNumber: aws.Int32(2)})
	if err != nil || len(la.Items) != 0 {
		t.Fatalf("%v %+v", err, la)
	}
	ua, err := c.UpdateExtensionAssociation(ctx, &sdk.UpdateExtensionAssociationInput{ExtensionAssociationId: a.Id, Parameters: map[string]string{"url": "v2"}})
	if err != nil || ua.Parameters["url"] != "v2" {
		t.Fatalf("%v %+v", err, ua)
	}
	_, err = c.DeleteExtension(ctx, &sdk.DeleteExtensionInput{ExtensionIdentifier: x.Id, VersionNumber: aws.Int32(1)})
	apiErr(t, err, "BadRequestException", "Cannot delete extension "+*x.Id+" version 1 because it is associated with "+appArn+" (extension association "+*a.Id+").")
	if _, err := c.DeleteExtensionAssociation(ctx, &sdk.DeleteExtensionAssociationInput{ExtensionAssociationId: a.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetExtensionAssociation(ctx, &sdk.GetExtensionAssociationInput{ExtensionAssociationId: a.Id})
	notFound(t, err, "ExtensionAssociation with Id "+*a.Id+" could not be found.", "ExtensionAssociation")
	// Without a version the newest is deleted.
	if _, err := c.DeleteExtension(ctx, &sdk.DeleteExtensionInput{ExtensionIdentifier: x.Id}); err != nil {
		t.Fatal(err)
	}
	if g, err := c.GetExtension(ctx, &sdk.GetExtensionInput{ExtensionIdentifier: x.Id}); err != nil || g.VersionNumber != 1 {
		t.Fatalf("%v %+v", err, g)
	}
	_, err = c.DeleteExtension(ctx, &sdk.DeleteExtensionInput{ExtensionIdentifier: aws.String("AWS.AppConfig.FeatureFlags")})
	apiErr(t, err, "BadRequestException", "Cannot delete AWS authored extension AWS.AppConfig.FeatureFlags.")
}

func TestTags(t *testing.T) {
	f := start(t).basic(t)
	c := f.c
	arns := map[string]string{
		"application": "arn:aws:appconfig:us-east-1:000000000000:application/" + f.app,
		"environment": "arn:aws:appconfig:us-east-1:000000000000:application/" + f.app + "/environment/" + f.env,
		"profile":     "arn:aws:appconfig:us-east-1:000000000000:application/" + f.app + "/configurationprofile/" + f.prof,
		"strategy":    "arn:aws:appconfig:us-east-1:000000000000:deploymentstrategy/" + f.strat,
		"predefined":  "arn:aws:appconfig:us-east-1:000000000000:deploymentstrategy/AppConfig.AllAtOnce",
	}
	for name, a := range arns {
		if _, err := c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String(a), Tags: map[string]string{"k1": "v1", "k2": name}}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String(a), Tags: map[string]string{"k2": "x", "k3": ""}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UntagResource(ctx, &sdk.UntagResourceInput{ResourceArn: aws.String(a), TagKeys: []string{"k1", "missing"}}); err != nil {
			t.Fatal(err)
		}
		l, err := c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceArn: aws.String(a)})
		if err != nil || len(l.Tags) != 2 || l.Tags["k2"] != "x" || l.Tags["k3"] != "" {
			t.Fatalf("%s: %v %+v", name, err, l.Tags)
		}
	}
	// Tags given at creation are listed.
	a, err := c.CreateApplication(ctx, &sdk.CreateApplicationInput{Name: aws.String("t"), Tags: map[string]string{"group1": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:appconfig:us-east-1:000000000000:application/" + *a.Id)})
	if err != nil || len(l.Tags) != 1 || l.Tags["group1"] != "1" {
		t.Fatalf("%v %+v", err, l)
	}
	_, err = c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:appconfig:us-east-1:000000000000:application/zzzz999")})
	notFound(t, err, "Resource arn:aws:appconfig:us-east-1:000000000000:application/zzzz999 could not be found.", "Application")
	_, err = c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:appconfig:us-east-1:000000000000:widget/x")})
	apiErr(t, err, "BadRequestException", "Invalid resource ARN arn:aws:appconfig:us-east-1:000000000000:widget/x.")
	_, err = c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String(arns["application"]), Tags: map[string]string{"aws:k": "v"}})
	apiErr(t, err, "BadRequestException", "Tag keys must not start with 'aws:'.")
	many := map[string]string{}
	for i := range 49 {
		many["t"+string(rune('A'+i%26))+string(rune('a'+i/26))] = "v"
	}
	_, err = c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String(arns["application"]), Tags: many})
	apiErr(t, err, "BadRequestException", "A resource can have at most 50 tags.")
}

func TestDeletionProtection(t *testing.T) {
	f := start(t).basic(t)
	c := f.c
	s, err := c.GetAccountSettings(ctx, &sdk.GetAccountSettingsInput{})
	if err != nil || *s.DeletionProtection.Enabled || *s.DeletionProtection.ProtectionPeriodInMinutes != 60 {
		t.Fatalf("%v %+v", err, s.DeletionProtection)
	}
	u, err := c.UpdateAccountSettings(ctx, &sdk.UpdateAccountSettingsInput{DeletionProtection: &types.DeletionProtectionSettings{Enabled: aws.Bool(true), ProtectionPeriodInMinutes: aws.Int32(30)}})
	if err != nil || !*u.DeletionProtection.Enabled || *u.DeletionProtection.ProtectionPeriodInMinutes != 30 {
		t.Fatalf("%v %+v", err, u)
	}
	_, err = c.UpdateAccountSettings(ctx, &sdk.UpdateAccountSettingsInput{DeletionProtection: &types.DeletionProtectionSettings{ProtectionPeriodInMinutes: aws.Int32(14)}})
	apiErr(t, err, "BadRequestException", "")
	if s, _ := c.GetAccountSettings(ctx, &sdk.GetAccountSettingsInput{}); *s.DeletionProtection.ProtectionPeriodInMinutes != 30 {
		t.Fatalf("%+v", s.DeletionProtection)
	}
	// Configuration of the environment and profile is fetched (what the data
	// plane records) 10 minutes after creation.
	f.clk.Advance(10 * time.Minute)
	if err := f.e.Node.Store.Update(ctx, func(tx store.Tx) error {
		return appconfig.RecordConfigurationFetch(tx, "000000000000", "us-east-1", f.app, f.env, f.prof, f.clk.Now())
	}); err != nil {
		t.Fatal(err)
	}
	delEnv := func(check types.DeletionProtectionCheck) error {
		_, err := c.DeleteEnvironment(ctx, &sdk.DeleteEnvironmentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeletionProtectionCheck: check})
		return err
	}
	// Younger than an hour: exempt by default, checked with APPLY.
	envMsg := "Environment " + f.env + " is actively being used in your application and cannot be deleted."
	apiErr(t, delEnv(types.DeletionProtectionCheckApply), "BadRequestException", envMsg)
	f.clk.Advance(55 * time.Minute) // 65 min old, fetched 55 min ago: outside the 30 min period
	_, err = c.UpdateAccountSettings(ctx, &sdk.UpdateAccountSettingsInput{DeletionProtection: &types.DeletionProtectionSettings{ProtectionPeriodInMinutes: aws.Int32(60)}})
	if err != nil {
		t.Fatal(err)
	}
	apiErr(t, delEnv(""), "BadRequestException", envMsg)
	apiErr(t, delEnv(types.DeletionProtectionCheckAccountDefault), "BadRequestException", envMsg)
	_, err = c.DeleteConfigurationProfile(ctx, &sdk.DeleteConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof})
	apiErr(t, err, "BadRequestException", "Cannot delete configuration profile "+f.prof+" because there are still hosted configuration versions existing under it.")
	if _, err := c.DeleteHostedConfigurationVersion(ctx, &sdk.DeleteHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof, VersionNumber: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteConfigurationProfile(ctx, &sdk.DeleteConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof})
	apiErr(t, err, "BadRequestException", "Configuration profile "+f.prof+" is actively being used in your application and cannot be deleted.")
	// Disabled at the account level: no check unless APPLY.
	if _, err := c.UpdateAccountSettings(ctx, &sdk.UpdateAccountSettingsInput{DeletionProtection: &types.DeletionProtectionSettings{Enabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	apiErr(t, delEnv(types.DeletionProtectionCheckApply), "BadRequestException", envMsg)
	// BYPASS deletes; and once the period has passed the default allows it.
	if err := delEnv(types.DeletionProtectionCheckBypass); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(6 * time.Minute)
	if _, err := c.DeleteConfigurationProfile(ctx, &sdk.DeleteConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof,
		DeletionProtectionCheck: types.DeletionProtectionCheckApply}); err != nil {
		t.Fatal(err)
	}
}
