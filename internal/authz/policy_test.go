package authz_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/internal/authz"
)

const arnGetPets = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7"

func TestPolicyEvaluation(t *testing.T) {
	cases := []struct {
		name   string
		policy string
		arn    string
		want   authz.Decision
	}{
		{"allow exact, statement as object",
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + arnGetPets + `"}}`,
			arnGetPets, authz.Allow},
		{"allow exact, statement list, action and resource lists",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","execute-api:Invoke"],"Resource":["arn:aws:s3:::b/*","` + arnGetPets + `"]}]}`,
			arnGetPets, authz.Allow},
		{"exact resource does not allow another method",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + arnGetPets + `"}]}`,
			"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/pets/7", authz.ImplicitDeny},
		{"star in the resource spans slashes",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/*"}]}`,
			arnGetPets, authz.Allow},
		{"star per segment",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/pets/*"}]}`,
			arnGetPets, authz.Allow},
		{"star in region and account fields",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abc123/prod/*"}]}`,
			arnGetPets, authz.Allow},
		{"pattern with fewer than six fields matches as a whole string",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-*:abc123/*"}]}`,
			arnGetPets, authz.Allow},
		{"wrong account",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:999999999999:abc123/*"}]}`,
			arnGetPets, authz.ImplicitDeny},
		{"question mark matches one character",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-?:123456789012:abc123/prod/GET/pets/?"}]}`,
			arnGetPets, authz.Allow},
		{"question mark does not match two characters",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/?"}]}`,
			"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/77", authz.ImplicitDeny},
		{"resource star alone",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`,
			arnGetPets, authz.Allow},
		{"action star", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, arnGetPets, authz.Allow},
		{"action service star", `{"Statement":[{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}]}`, arnGetPets, authz.Allow},
		{"action case-insensitive", `{"Statement":[{"Effect":"Allow","Action":"EXECUTE-API:invoke","Resource":"*"}]}`, arnGetPets, authz.Allow},
		{"action wildcard in any case", `{"Statement":[{"Effect":"Allow","Action":"Execute-API:*","Resource":"*"}]}`, arnGetPets, authz.Allow},
		{"other execute-api action does not allow",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"*"}]}`, arnGetPets, authz.ImplicitDeny},
		{"other action does not allow",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:InvalidateCache","Resource":"*"}]}`, arnGetPets, authz.ImplicitDeny},
		{"resource case-sensitive",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/get/pets/7"}]}`,
			arnGetPets, authz.ImplicitDeny},
		{"explicit deny wins over allow (deny listed last)",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abc123/*/GET/pets/*"}]}`,
			arnGetPets, authz.ExplicitDeny},
		{"explicit deny wins over allow (deny listed first)",
			`{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`,
			arnGetPets, authz.ExplicitDeny},
		{"deny of another method leaves the allow",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abc123/*/DELETE/*"}]}`,
			arnGetPets, authz.Allow},
		{"deny only is an explicit deny",
			`{"Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"` + arnGetPets + `"}]}`,
			arnGetPets, authz.ExplicitDeny},
		{"NotResource allows everything else",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","NotResource":"arn:aws:execute-api:*:*:abc123/*/DELETE/*"}]}`,
			arnGetPets, authz.Allow},
		{"NotResource excludes",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","NotResource":"arn:aws:execute-api:*:*:abc123/*/GET/*"}]}`,
			arnGetPets, authz.ImplicitDeny},
		{"NotAction",
			`{"Statement":[{"Effect":"Deny","NotAction":"execute-api:Invoke","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			arnGetPets, authz.Allow},
		{"conditional allow does not allow",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
			arnGetPets, authz.ImplicitDeny},
		{"conditional deny denies",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*","Condition":{"Bool":{"x":"true"}}}]}`,
			arnGetPets, authz.ExplicitDeny},
		{"empty resource list matches nothing",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":[]}]}`,
			arnGetPets, authz.ImplicitDeny},
		{"root resource path",
			`{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/"}]}`,
			"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/", authz.Allow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := authz.ParsePolicy([]byte(tc.policy))
			if err != nil {
				t.Fatalf("ParsePolicy: %v", err)
			}
			if got := p.Invoke(tc.arn); got != tc.want {
				t.Errorf("Invoke(%s) = %v, want %v", tc.arn, got, tc.want)
			}
		})
	}
}

func TestPolicyInvalid(t *testing.T) {
	cases := map[string]string{
		"not JSON":                `{"Statement":`,
		"no statement":            `{"Version":"2012-10-17"}`,
		"empty statement list":    `{"Statement":[]}`,
		"statement is a string":   `{"Statement":"Allow"}`,
		"missing effect":          `{"Statement":[{"Action":"*","Resource":"*"}]}`,
		"lowercase effect":        `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`,
		"missing action":          `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`,
		"action and notaction":    `{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"x","Resource":"*"}]}`,
		"missing resource":        `{"Statement":[{"Effect":"Allow","Action":"*"}]}`,
		"resource is a number":    `{"Statement":[{"Effect":"Allow","Action":"*","Resource":7}]}`,
		"action list of numbers":  `{"Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}`,
		"statement list of lists": `{"Statement":[[]]}`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if p, err := authz.ParsePolicy([]byte(doc)); err == nil {
				t.Fatalf("ParsePolicy(%s) = %+v, want an error", doc, p)
			}
		})
	}
}

func TestMatchARN(t *testing.T) {
	cases := []struct {
		pattern, arn string
		want         bool
	}{
		{"*", "anything", true},
		{"arn:aws:execute-api:*:*:*", arnGetPets, true},
		{"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/pets/*", arnGetPets, true},
		{"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/pets", arnGetPets, false},
		{"arn:aws:execute-api:us-east-1:123456789012:abc123/*/*/*/*", arnGetPets, true},
		{"arn:aws:execute-api:us-east-1:123456789012:*", arnGetPets, true},
		{"arn:aws:execute-api:us-east-1:12345678901?:abc123/prod/GET/pets/7", arnGetPets, true},
		{"arn:aws:execute-api:us-east-1:1234567890:abc123/prod/GET/pets/7", arnGetPets, false},
		{"arn:aws-cn:execute-api:*:*:*", arnGetPets, false},
		{"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/7*", arnGetPets, true},
		{"arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/**7", arnGetPets, true},
		{"", arnGetPets, false},
	}
	for _, tc := range cases {
		if got := authz.MatchARN(tc.pattern, tc.arn); got != tc.want {
			t.Errorf("MatchARN(%q, %q) = %v, want %v", tc.pattern, tc.arn, got, tc.want)
		}
	}
}

func TestMethodARN(t *testing.T) {
	cases := []struct {
		region, account, api, stage, method, path, want string
	}{
		{"us-east-1", "123456789012", "abc123", "prod", "GET", "/pets/7", arnGetPets},
		{"us-east-1", "123456789012", "abc123", "prod", "GET", "/", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/"},
		{"cn-north-1", "1", "a", "$default", "POST", "/x", "arn:aws-cn:execute-api:cn-north-1:1:a/$default/POST/x"},
		{"us-gov-west-1", "1", "a", "s", "ANY", "y", "arn:aws-us-gov:execute-api:us-gov-west-1:1:a/s/ANY/y"},
	}
	for _, tc := range cases {
		if got := authz.MethodARN(tc.region, tc.account, tc.api, tc.stage, tc.method, tc.path); got != tc.want {
			t.Errorf("MethodARN = %q, want %q", got, tc.want)
		}
	}
}
