package wire_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	apigw "github.com/stagecraft/stagecraft/internal/api/apigateway"
	appconfig "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/wire"
)

func TestRouterPrecedence(t *testing.T) {
	rt := wire.NewRouter(apigw.Operations)
	cases := []struct {
		method, path, query, op string
		labels                  map[string]string
	}{
		{"POST", "/restapis", "", "CreateRestApi", nil},
		{"POST", "/restapis", "mode=import", "ImportRestApi", nil},
		{"GET", "/restapis/abc/stages/prod", "", "GetStage", map[string]string{"restapi_id": "abc", "stage_name": "prod"}},
		{"PUT", "/restapis/a/resources/r/methods/GET", "", "PutMethod", map[string]string{"http_method": "GET"}},
		{"POST", "/restapis/a/resources/r/methods/GET", "", "TestInvokeMethod", nil},
		{"GET", "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc", "", "GetTags",
			map[string]string{"resource_arn": "arn:aws:apigateway:us-east-1::/restapis/abc"}},
		{"GET", "/restapis/a/resources/r/methods/GET/responses/200", "", "GetMethodResponse", map[string]string{"status_code": "200"}},
		{"POST", "/apikeys", "mode=import&format=csv", "ImportApiKeys", nil},
		{"POST", "/apikeys", "", "CreateApiKey", nil},
		{"GET", "/restapis/", "", "GetRestApis", nil}, // a trailing slash is ignored
	}
	for _, c := range cases {
		q, _ := url.ParseQuery(c.query)
		op, labels, _ := rt.Route(c.method, c.path, q)
		if op == nil || op.Name != c.op {
			t.Errorf("%s %s?%s: got %v, want %s", c.method, c.path, c.query, op, c.op)
			continue
		}
		for k, v := range c.labels {
			if labels[k] != v {
				t.Errorf("%s %s: label %s = %q, want %q", c.method, c.path, k, labels[k], v)
			}
		}
	}
	if op, _, known := rt.Route("DELETE", "/restapis", nil); op != nil || !known {
		t.Errorf("DELETE /restapis: op=%v known=%v, want no op on a known path", op, known)
	}
	if op, _, known := rt.Route("GET", "/nothing/here", nil); op != nil || known {
		t.Errorf("unknown path routed: %v %v", op, known)
	}
}

func TestTimestampFormats(t *testing.T) {
	ts := time.Date(2024, 3, 1, 12, 30, 45, 0, time.UTC)
	b, _ := json.Marshal(struct {
		E wire.EpochTime `json:"e"`
		I wire.ISOTime   `json:"i"`
		Z wire.EpochTime `json:"z,omitzero"`
	}{wire.Epoch(ts), wire.ISO(ts), wire.EpochTime{}})
	if got, want := string(b), `{"e":1709296245,"i":"2024-03-01T12:30:45Z"}`; got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	var back struct {
		E wire.EpochTime `json:"e"`
		I wire.ISOTime   `json:"i"`
	}
	if err := json.Unmarshal([]byte(`{"e":1709296245.5,"i":"2024-03-01T12:30:45.25+01:00"}`), &back); err != nil {
		t.Fatal(err)
	}
	if !back.E.Equal(ts.Add(500*time.Millisecond)) || !back.I.Equal(ts.Add(-time.Hour).Add(250*time.Millisecond)) {
		t.Fatalf("parsed %v %v", back.E, back.I)
	}
	if got := wire.Date(ts).String(); got != "Fri, 01 Mar 2024 12:30:45 GMT" {
		t.Fatalf("http date %s", got)
	}
}

func TestViolationsWording(t *testing.T) {
	var vs wire.Violations
	if vs.Err("ValidationException") != nil {
		t.Fatal("no violations must be nil")
	}
	vs.Enum("putIntegrationInput", "type", "X", wire.NewEnum("HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"))
	want := "1 validation error detected: Value 'X' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, MOCK, AWS_PROXY, HTTP_PROXY, AWS]"
	if err := vs.Err("ValidationException"); err == nil || err.(*wire.Error).Message != want {
		t.Fatalf("got %v", err)
	}
	vs.Required("p", "name")
	vs.Len("p", "d", "héllo", 1, 4)
	msg := vs.Err("X").(*wire.Error).Message
	if !strings.HasPrefix(msg, "3 validation errors detected: ") || !strings.Contains(msg, "Value null at 'p.name'") ||
		!strings.Contains(msg, "Value 'héllo' at 'p.d' failed to satisfy constraint: Member must have length less than or equal to 4") {
		t.Fatalf("got %q", msg)
	}
}

// call runs one generated operation through wire.Service with an
// Unimplemented backend, the way the server does.
func call(svc *wire.Service, method, target string, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	svc.Serve(w, req, wire.Scope{Account: "000000000000", Region: "us-east-1", RequestID: "rid"})
	return w
}

func TestErrorsOnTheWire(t *testing.T) {
	svc := wire.NewService("apigateway", apigw.Operations, apigw.Unimplemented{}, nil)
	cases := []struct {
		name, method, target, body string
		status                     int
		code, msgPart              string
	}{
		{"wrong json type", "POST", "/restapis", `{"name": true}`, 400, "SerializationException", "class java.lang.Boolean can not be converted to an String"},
		{"broken json", "POST", "/restapis", `{"name": `, 400, "SerializationException", "Could not parse request body"},
		{"missing required", "POST", "/restapis", `{}`, 400, "ValidationException", "Value null at 'createRestApiInput.name'"},
		{"bad enum", "POST", "/restapis/a/deployments", `{"cacheClusterSize":"9"}`, 400, "ValidationException", "Member must satisfy enum value set: [0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237]"},
		{"bad integer query", "GET", "/restapis?limit=ten", ``, 400, "SerializationException", "'limit'"},
		{"not implemented", "POST", "/restapis", `{"name":"x"}`, 501, "NotImplementedException", "apigateway:CreateRestApi"},
		{"unknown route", "GET", "/nope", ``, 404, "UnknownOperationException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := call(svc, c.method, c.target, c.body, nil)
			var e struct{ Message string }
			json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != c.status || w.Header().Get("x-amzn-ErrorType") != c.code || !strings.Contains(e.Message, c.msgPart) ||
				w.Header().Get("x-amzn-RequestId") != "rid" || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("got %d %s %s %v", w.Code, w.Header().Get("x-amzn-ErrorType"), w.Body.String(), w.Header())
			}
		})
	}
}

// hosted is a backend for the blob-payload + header binding test.
type hosted struct{ appconfig.Unimplemented }

func (hosted) CreateHostedConfigurationVersion(_ context.Context, in *appconfig.CreateHostedConfigurationVersionRequest) (*appconfig.HostedConfigurationVersion, error) {
	n := *in.LatestVersionNumber + 1
	return &appconfig.HostedConfigurationVersion{ApplicationId: &in.ApplicationId, ConfigurationProfileId: &in.ConfigurationProfileId,
		VersionNumber: &n, Content: in.Content, ContentType: in.ContentType, Description: in.Description}, nil
}

func TestBlobPayloadAndHeaders(t *testing.T) {
	svc := wire.NewService("appconfig", appconfig.Operations, hosted{}, nil)
	w := call(svc, "POST", "/applications/abc1234/configurationprofiles/def5678/hostedconfigurationversions",
		"\x00binary\xff", map[string]string{"Content-Type": "application/octet-stream", "Latest-Version-Number": "4", "Description": "d"})
	if w.Code != 201 || w.Body.String() != "\x00binary\xff" || w.Header().Get("Version-Number") != "5" ||
		w.Header().Get("Content-Type") != "application/octet-stream" || w.Header().Get("Application-Id") != "abc1234" ||
		w.Header().Get("Description") != "d" {
		t.Fatalf("got %d %q %v", w.Code, w.Body.String(), w.Header())
	}
	w = call(svc, "POST", "/applications/abc1234/configurationprofiles/def5678/hostedconfigurationversions",
		"x", map[string]string{"Content-Type": "text/plain", "Latest-Version-Number": "four"})
	if w.Code != 400 {
		t.Fatalf("bad header integer: %d %s", w.Code, w.Body.String())
	}
}

// FuzzRequestDecoder feeds arbitrary paths, queries, headers and bodies to
// the generated binding and validation of every apigateway and appconfig
// operation. Nothing may panic (the server turns panics into 500s, so a
// 500 here is the failure) and every answer must be an AWS error or 501.
func FuzzRequestDecoder(f *testing.F) {
	f.Add("POST", "/restapis/abc/deployments", "", `{"stageName":"prod","canarySettings":{"percentTraffic":10}}`, "")
	f.Add("PATCH", "/restapis/abc/stages/prod", "", `{"patchOperations":[{"op":"replace","path":"/a~1b","value":"x"}]}`, "")
	f.Add("GET", "/restapis", "limit=5&position=abc", "", "")
	f.Add("POST", "/restapis", "mode=import&failonwarnings=true&basepath=split", "openapi: 3.0.1", "")
	f.Add("POST", "/applications/abc1234/environments/def5678/deployments", "", `{"DeploymentStrategyId":"AppConfig.Linear50PercentEvery30Seconds","ConfigurationProfileId":"ab12345","ConfigurationVersion":"1","Tags":{"a":"b"}}`, "")
	f.Add("POST", "/applications/a/configurationprofiles/b/hostedconfigurationversions", "", "xx", "Latest-Version-Number: 9999999999999")
	f.Add("GET", "/tags/arn%3Aaws%3Aapigateway%3A%3A%2Frestapis%2F%zz", "", "", "")
	svcs := []*wire.Service{
		wire.NewService("apigateway", apigw.Operations, apigw.Unimplemented{}, nil),
		wire.NewService("appconfig", appconfig.Operations, appconfig.Unimplemented{}, nil),
	}
	f.Fuzz(func(t *testing.T, method, path, query, body, header string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path+query, " \r\n\t#") || method == "" || strings.Trim(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return
		}
		target := path
		if query != "" {
			target += "?" + query
		}
		if _, err := url.ParseRequestURI(target); err != nil {
			return
		}
		hdr := map[string]string{}
		if k, v, ok := strings.Cut(header, ":"); ok && validHeader(strings.TrimSpace(k), v) {
			hdr[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		for _, svc := range svcs {
			w := call(svc, method, target, body, hdr)
			if w.Code >= 500 && w.Code != 501 {
				t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body.String())
			}
			if w.Code >= 400 && w.Header().Get("x-amzn-ErrorType") == "" {
				t.Fatalf("%s %s: error %d without type", method, target, w.Code)
			}
		}
	})
}

func validHeader(k, v string) bool {
	if k == "" || strings.ContainsAny(v, "\r\n\x00") {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}
