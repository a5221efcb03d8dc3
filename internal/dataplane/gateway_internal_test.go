package dataplane

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/service/apigateway"
)

// Snapshots written before gateway responses were slimmed list all 21
// types, resolved (customized, default, or inherited from a customized
// DEFAULT_4XX/DEFAULT_5XX); these two are what that version stored for an
// API without customizations and for one with DEFAULT_4XX, DEFAULT_5XX and
// ACCESS_DENIED customized. Current snapshots list the customizations only.
const (
	oldSnapshotGatewayDefaults = `{"ACCESS_DENIED":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"ACCESS_DENIED","statusCode":"403"},"API_CONFIGURATION_ERROR":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"API_CONFIGURATION_ERROR","statusCode":"500"},"AUTHORIZER_CONFIGURATION_ERROR":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"AUTHORIZER_CONFIGURATION_ERROR","statusCode":"500"},"AUTHORIZER_FAILURE":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"AUTHORIZER_FAILURE","statusCode":"500"},"BAD_REQUEST_BODY":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"BAD_REQUEST_BODY","statusCode":"400"},"BAD_REQUEST_PARAMETERS":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"BAD_REQUEST_PARAMETERS","statusCode":"400"},"DEFAULT_4XX":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"DEFAULT_4XX"},"DEFAULT_5XX":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"DEFAULT_5XX"},"EXPIRED_TOKEN":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"EXPIRED_TOKEN","statusCode":"403"},"INTEGRATION_FAILURE":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"INTEGRATION_FAILURE","statusCode":"504"},"INTEGRATION_TIMEOUT":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"INTEGRATION_TIMEOUT","statusCode":"504"},"INVALID_API_KEY":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"INVALID_API_KEY","statusCode":"403"},"INVALID_SIGNATURE":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"INVALID_SIGNATURE","statusCode":"403"},"MISSING_AUTHENTICATION_TOKEN":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"MISSING_AUTHENTICATION_TOKEN","statusCode":"403"},"QUOTA_EXCEEDED":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"QUOTA_EXCEEDED","statusCode":"429"},"REQUEST_TOO_LARGE":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"REQUEST_TOO_LARGE","statusCode":"413"},"RESOURCE_NOT_FOUND":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"RESOURCE_NOT_FOUND","statusCode":"404"},"THROTTLED":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"THROTTLED","statusCode":"429"},"UNAUTHORIZED":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"UNAUTHORIZED","statusCode":"401"},"UNSUPPORTED_MEDIA_TYPE":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"UNSUPPORTED_MEDIA_TYPE","statusCode":"415"},"WAF_FILTERED":{"defaultResponse":true,"responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"responseType":"WAF_FILTERED","statusCode":"403"}}`
	oldSnapshotGatewayCustom   = `{"ACCESS_DENIED":{"defaultResponse":false,"responseParameters":{},"responseTemplates":{"application/json":"{\"denied\":true}"},"responseType":"ACCESS_DENIED","statusCode":"403"},"API_CONFIGURATION_ERROR":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Five":"'5'"},"responseTemplates":{},"responseType":"API_CONFIGURATION_ERROR","statusCode":"500"},"AUTHORIZER_CONFIGURATION_ERROR":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Five":"'5'"},"responseTemplates":{},"responseType":"AUTHORIZER_CONFIGURATION_ERROR","statusCode":"500"},"AUTHORIZER_FAILURE":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Five":"'5'"},"responseTemplates":{},"responseType":"AUTHORIZER_FAILURE","statusCode":"500"},"BAD_REQUEST_BODY":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"BAD_REQUEST_BODY","statusCode":"418"},"BAD_REQUEST_PARAMETERS":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"BAD_REQUEST_PARAMETERS","statusCode":"418"},"DEFAULT_4XX":{"defaultResponse":false,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"DEFAULT_4XX","statusCode":"418"},"DEFAULT_5XX":{"defaultResponse":false,"responseParameters":{"gatewayresponse.header.X-Five":"'5'"},"responseTemplates":{},"responseType":"DEFAULT_5XX"},"EXPIRED_TOKEN":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"EXPIRED_TOKEN","statusCode":"418"},"INTEGRATION_FAILURE":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Five":"'5'"},"responseTemplates":{},"responseType":"INTEGRATION_FAILURE","statusCode":"504"},"INTEGRATION_TIMEOUT":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Five":"'5'"},"responseTemplates":{},"responseType":"INTEGRATION_TIMEOUT","statusCode":"504"},"INVALID_API_KEY":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"INVALID_API_KEY","statusCode":"418"},"INVALID_SIGNATURE":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"INVALID_SIGNATURE","statusCode":"418"},"MISSING_AUTHENTICATION_TOKEN":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"MISSING_AUTHENTICATION_TOKEN","statusCode":"418"},"QUOTA_EXCEEDED":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"QUOTA_EXCEEDED","statusCode":"418"},"REQUEST_TOO_LARGE":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"REQUEST_TOO_LARGE","statusCode":"418"},"RESOURCE_NOT_FOUND":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"RESOURCE_NOT_FOUND","statusCode":"418"},"THROTTLED":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"THROTTLED","statusCode":"418"},"UNAUTHORIZED":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"UNAUTHORIZED","statusCode":"418"},"UNSUPPORTED_MEDIA_TYPE":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"UNSUPPORTED_MEDIA_TYPE","statusCode":"418"},"WAF_FILTERED":{"defaultResponse":true,"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"four\":\"$context.error.responseType\"}","text/plain":"four"},"responseType":"WAF_FILTERED","statusCode":"418"}}`
)

// Both forms of a snapshot compile to the same gateway responses.
func TestCompileGatewayResponsesOldAndSlimSnapshots(t *testing.T) {
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	compile := func(grs string) map[string]string {
		t.Helper()
		var snap apigateway.Snapshot
		doc := `{"deploymentId":"d1","createdDate":1700000000,"restApi":{"id":"a1"},"resources":[{"id":"r","path":"/"}]`
		if grs != "" {
			doc += `,"gatewayResponses":` + grs
		}
		if err := json.Unmarshal([]byte(doc+"}"), &snap); err != nil {
			t.Fatal(err)
		}
		d := compileDeployment("123456789012", "us-east-1", "a1", &snap, lg)
		out := map[string]string{}
		for typ, gr := range d.gateway {
			out[typ] = describeGatewayResponse(gr)
		}
		if len(out) != 21 {
			t.Fatalf("%d gateway responses compiled, want 21", len(out))
		}
		return out
	}
	// The slim form of the customized API: its customizations only.
	var full map[string]json.RawMessage
	if err := json.Unmarshal([]byte(oldSnapshotGatewayCustom), &full); err != nil {
		t.Fatal(err)
	}
	slim := map[string]json.RawMessage{}
	for typ, raw := range full {
		if strings.Contains(string(raw), `"defaultResponse":false`) {
			slim[typ] = raw
		}
	}
	if len(slim) != 3 {
		t.Fatalf("fixture: %d customizations, want 3", len(slim))
	}
	slimJSON, _ := json.Marshal(slim)

	for _, c := range []struct{ name, old, slim string }{
		{"defaults", oldSnapshotGatewayDefaults, ""},
		{"defaults, empty map", oldSnapshotGatewayDefaults, "{}"},
		{"customized", oldSnapshotGatewayCustom, string(slimJSON)},
	} {
		old, cur := compile(c.old), compile(c.slim)
		for typ, want := range old {
			if got := cur[typ]; got != want {
				t.Errorf("%s: %s: slim snapshot compiles to\n%s\nold snapshot to\n%s", c.name, typ, got, want)
			}
		}
	}
	// And the customizations do take effect (inherited ones included).
	cust := compile(string(slimJSON))
	for typ, want := range map[string]string{
		"ACCESS_DENIED":       "status 403",
		"BAD_REQUEST_BODY":    "status 418",
		"UNAUTHORIZED":        "X-Four",
		"INTEGRATION_FAILURE": "X-Five",
	} {
		if !strings.Contains(cust[typ], want) {
			t.Errorf("%s: %s, want %q in it", typ, cust[typ], want)
		}
	}
}

// describeGatewayResponse renders a compiled gateway response for
// comparison: status, header mappings and templates by content type.
func describeGatewayResponse(gr *gatewayResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "type %s status %d", gr.typ, gr.status)
	for _, p := range gr.params {
		fmt.Fprintf(&b, "\n param %s %s %s %d %q", p.loc, p.name, p.target, p.src.kind, p.src.name)
	}
	cts := make([]string, 0, len(gr.templates.byType))
	for ct := range gr.templates.byType {
		cts = append(cts, ct)
	}
	sort.Strings(cts)
	for _, ct := range cts {
		tp := gr.templates.byType[ct]
		src, _ := tp.t.Literal()
		fmt.Fprintf(&b, "\n template %s (%s) %q", ct, tp.contentType, src)
	}
	if f := gr.templates.first; f != nil {
		src, _ := f.t.Literal()
		fmt.Fprintf(&b, "\n first %s %q", f.contentType, src)
	}
	return b.String()
}

// The runtime's error types cover exactly the control plane's response
// types.
func TestGatewayErrTypesCoverTypes(t *testing.T) {
	if len(gatewayErrTypes) != len(apigateway.GatewayResponseTypes()) {
		t.Fatalf("%d error types for %d response types", len(gatewayErrTypes), len(apigateway.GatewayResponseTypes()))
	}
	for _, typ := range apigateway.GatewayResponseTypes() {
		if gatewayErrTypes[typ] == "" {
			t.Errorf("%s: no x-amzn-ErrorType", typ)
		}
	}
}
