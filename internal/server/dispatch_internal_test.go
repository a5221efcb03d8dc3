package server

import (
	"net/http/httptest"
	"testing"
)

func TestPickService(t *testing.T) {
	sig := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/" + svc + "/aws4_request, SignedHeaders=host, Signature=00"
	}
	cases := []struct{ path, auth, want string }{
		{"/restapis/x/stages/y", sig("apigateway"), APIGateway},
		{"/tags/arn%3Aaws", sig("apigateway"), APIGateway},
		{"/v2/apis/x/routes", sig("apigateway"), APIGatewayV2},
		{"/v2/tags/arn", "", APIGatewayV2},
		{"/applications/abc/environments", sig("appconfig"), AppConfig},
		{"/deployementstrategies/abc", "", AppConfig},
		{"/tags/arn%3Aaws%3Aappconfig", sig("appconfig"), AppConfig},
		{"/configuration", sig("appconfig"), AppConfigData},
		{"/configurationsessions", "", AppConfigData},
		{"/@connections/abc", sig("execute-api"), Management},
		{"/prod/%40connections/abc", "", Management},
		{"/restapis", "", APIGateway},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "http://localhost"+c.path, nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		isMgmt := r.URL.EscapedPath() != "" && (contains(r.URL.EscapedPath(), "/@connections") || contains(r.URL.EscapedPath(), "/%40connections"))
		cred, signed := parseCred(r)
		if got := pickService(cred, signed, r.URL.Path, isMgmt); got != c.want {
			t.Errorf("%s (%q): got %s, want %s", c.path, c.auth, got, c.want)
		}
	}
}
