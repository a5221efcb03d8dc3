package dataplane_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// patchAPI applies patch operations to the fixture's RestApi.
func (f *fixture) patchAPI(ops ...types.PatchOperation) {
	f.t.Helper()
	if _, err := f.c.UpdateRestApi(f.ctx, &sdk.UpdateRestApiInput{RestApiId: &f.api, PatchOperations: ops}); err != nil {
		f.t.Fatalf("update rest api: %v", err)
	}
}

func replace(path, value string) types.PatchOperation {
	return types.PatchOperation{Op: types.OpReplace, Path: aws.String(path), Value: aws.String(value)}
}

// Access logs: one line per request in the stage's format, $context
// variables substituted, "-" for those without a value, written to
// --access-log-file.
func TestAccessLog(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "access.log")
	env := testenv.Start(t, testenv.WithConfig(func(c *app.Config) { c.AccessLogFile = logFile }))
	f := newFixture(t, env, "accesslog")
	f.mock("/pets", "GET", `{"ok":true}`)
	f.deploy("s", nil)
	f.deploy("quiet", nil)
	const format = `$context.requestId $context.identity.sourceIp "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.identity.caller {"stage":"$context.stage","err":"$context.error.responseType"} $notcontext`
	if _, err := f.c.UpdateStage(f.ctx, &sdk.UpdateStageInput{RestApiId: &f.api, StageName: aws.String("s"), PatchOperations: []types.PatchOperation{
		replace("/accessLogSettings/destinationArn", "arn:aws:logs:us-east-1:000000000000:log-group:access"),
		replace("/accessLogSettings/format", format),
	}}); err != nil {
		t.Fatal(err)
	}
	ok := call(t, env.URL, formHost, f.api, "s", "GET", "/pets", nil, "")
	missing := call(t, env.URL, formHost, f.api, "s", "GET", "/nope", nil, "")
	call(t, env.URL, formHost, f.api, "quiet", "GET", "/pets", nil, "") // no access logging on this stage
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	want := ok.header.Get("x-amzn-RequestId") + ` 127.0.0.1 "GET /pets HTTP/1.1" 200 11 - {"stage":"s","err":"-"} $notcontext` + "\n" +
		missing.header.Get("x-amzn-RequestId") + ` 127.0.0.1 "GET - HTTP/1.1" 403 42 - {"stage":"s","err":"MISSING_AUTHENTICATION_TOKEN"} $notcontext` + "\n"
	if string(data) != want {
		t.Errorf("access log:\n%s\nwant:\n%s", data, want)
	}
}

// upstream is an HTTP backend that records request bodies and answers
// with a fixed content type and body.
type recUpstream struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newRecorder(t *testing.T, contentType string, body []byte) *recUpstream {
	u := &recUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.bodies = append(u.bodies, b)
		u.mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *recUpstream) last(t *testing.T) []byte {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.bodies) == 0 {
		t.Fatal("upstream not called")
	}
	return u.bodies[len(u.bodies)-1]
}

// Binary media types and contentHandling, after AWS's conversion tables.
func TestContentHandling(t *testing.T) {
	env := testenv.Start(t)
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xfe, 0xff}
	b64 := base64.StdEncoding.EncodeToString(png)
	up := newRecorder(t, "image/png", png)
	f := newFixture(t, env, "binary")
	f.patchAPI(types.PatchOperation{Op: types.OpAdd, Path: aws.String("/binaryMediaTypes/application~1octet-stream")},
		types.PatchOperation{Op: types.OpAdd, Path: aws.String("/binaryMediaTypes/image~1*")})
	httpInteg := func(path string, conv types.ContentHandlingStrategy, respConv types.ContentHandlingStrategy) {
		f.method(path, "POST", nil)
		f.integration(path, "POST", &sdk.PutIntegrationInput{Type: "HTTP", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(up.URL), ContentHandling: conv})
		f.response(path, "POST", "200", "", map[string]string{"Content-Type": "integration.response.header.Content-Type"}, nil)
		if respConv != "" {
			if _, err := f.c.UpdateIntegrationResponse(f.ctx, &sdk.UpdateIntegrationResponseInput{RestApiId: &f.api, ResourceId: aws.String(f.resource(path)),
				HttpMethod: aws.String("POST"), StatusCode: aws.String("200"), PatchOperations: []types.PatchOperation{replace("/contentHandling", string(respConv))}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	httpInteg("/totext", types.ContentHandlingStrategyConvertToText, types.ContentHandlingStrategyConvertToText)
	httpInteg("/tobinary", types.ContentHandlingStrategyConvertToBinary, "")
	httpInteg("/plain", "", "")
	// A MOCK whose response template emits base64 text.
	f.method("/mock", "GET", nil)
	f.integration("/mock", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/mock", "GET", "200", "", nil, map[string]string{"application/json": b64})
	f.deploy("s", nil)

	post := func(path, ct, accept, body string) result {
		return call(t, env.URL, formHost, f.api, "s", "POST", path, map[string]string{"Content-Type": ct, "Accept": accept}, body)
	}
	// Request: binary + CONVERT_TO_TEXT → base64; text + CONVERT_TO_BINARY
	// → decoded; no conversion → as sent.
	post("/totext", "application/octet-stream", "application/json", string(png))
	if got := string(up.last(t)); got != b64 {
		t.Errorf("CONVERT_TO_TEXT request: upstream got %q", got)
	}
	post("/tobinary", "text/plain", "application/json", b64)
	if got := up.last(t); !bytes.Equal(got, png) {
		t.Errorf("CONVERT_TO_BINARY request: upstream got %q", got)
	}
	post("/plain", "application/octet-stream", "application/json", string(png))
	if got := up.last(t); !bytes.Equal(got, png) {
		t.Errorf("passthrough request: upstream got %q", got)
	}
	// Response: binary backend payload; CONVERT_TO_TEXT → base64.
	if r := post("/totext", "text/plain", "image/png", "x"); r.body != b64 {
		t.Errorf("CONVERT_TO_TEXT response: %q", r.body)
	}
	// No conversion: binary passes when the client accepts binary, and is
	// base64-encoded for a text Accept.
	if r := post("/plain", "text/plain", "image/png", "x"); r.body != string(png) || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("binary accept: %q %v", r.body, r.header)
	}
	if r := post("/plain", "text/plain", "application/json", "x"); r.body != b64 {
		t.Errorf("text accept: %q", r.body)
	}
	// Text payload, binary Accept: base64-decoded.
	r := call(t, env.URL, formHost, f.api, "s", "GET", "/mock", map[string]string{"Accept": "image/png"}, "")
	if r.body != string(png) {
		t.Errorf("text payload, binary accept: %q", r.body)
	}
	r = call(t, env.URL, formHost, f.api, "s", "GET", "/mock", map[string]string{"Accept": "application/json"}, "")
	if r.body != b64 {
		t.Errorf("text payload, text accept: %q", r.body)
	}
}

func gunzip(t *testing.T, b string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func gzipped(s string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return buf.String()
}

// minimumCompressionSize: responses at least that large are gzipped for
// clients that accept it; compressed requests are decompressed for
// non-proxy integrations.
func TestCompression(t *testing.T) {
	env := testenv.Start(t)
	long := strings.Repeat("compress me ", 20)
	up := newRecorder(t, "text/plain", []byte("ok"))
	f := newFixture(t, env, "compress")
	f.mock("/long", "GET", long)
	f.mock("/short", "GET", "tiny")
	f.method("/up", "POST", nil)
	f.integration("/up", "POST", &sdk.PutIntegrationInput{Type: "HTTP", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(up.URL)})
	f.response("/up", "POST", "200", "", nil, nil)
	f.deploy("off", nil)
	f.patchAPI(replace("/minimumCompressionSize", "100"))
	f.deploy("on", nil)

	get := func(stage, path, enc string) result {
		var hdr map[string]string
		if enc != "" {
			hdr = map[string]string{"Accept-Encoding": enc}
		}
		return call(t, env.URL, formHost, f.api, stage, "GET", path, hdr, "")
	}
	r := get("on", "/long", "gzip, deflate")
	if r.header.Get("Content-Encoding") != "gzip" || gunzip(t, r.body) != long {
		t.Errorf("compressed: %v %q", r.header, r.body)
	}
	for _, tc := range []struct{ stage, path, enc, want string }{
		{"on", "/short", "gzip", "tiny"},  // below the minimum
		{"on", "/long", "", long},         // client did not ask
		{"on", "/long", "br", long},       // nothing we speak
		{"on", "/long", "gzip;q=0", long}, // refused explicitly
		{"off", "/long", "gzip", long},    // the deployment before compression was enabled
	} {
		if r := get(tc.stage, tc.path, tc.enc); r.header.Get("Content-Encoding") != "" || r.body != tc.want {
			t.Errorf("%s %s %q: %v %q", tc.stage, tc.path, tc.enc, r.header.Get("Content-Encoding"), r.body)
		}
	}
	call(t, env.URL, formHost, f.api, "on", "POST", "/up", map[string]string{"Content-Encoding": "gzip", "Content-Type": "text/plain"}, gzipped("hello"))
	if got := string(up.last(t)); got != "hello" {
		t.Errorf("decompressed request: upstream got %q", got)
	}
}

// Custom domain names route by Host through base path mappings.
func TestCustomDomain(t *testing.T) {
	env := testenv.Start(t)
	a := newFixture(t, env, "domain-a")
	const tpl = `$context.apiId $context.stage $context.domainName $context.path $context.resourcePath`
	a.mock("/pets", "GET", tpl)
	a.deploy("s", nil)
	a.deploy("t", nil)
	b := newFixture(t, env, "domain-b")
	b.mock("/pets", "GET", tpl)
	b.mock("/", "GET", "root of b")
	b.deploy("s2", nil)
	b.patchAPI(replace("/disableExecuteApiEndpoint", "true"))
	b.deploy("s2", nil)
	c := a.c
	for _, d := range []string{"api.example.com", "other.example.com"} {
		if _, err := c.CreateDomainName(a.ctx, &sdk.CreateDomainNameInput{DomainName: aws.String(d), CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/x")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct{ domain, base, api, stage string }{
		{"api.example.com", "v1", a.api, "s"},
		{"api.example.com", "", b.api, "s2"},
		{"api.example.com", "any", a.api, ""},
		{"other.example.com", "v1", a.api, "t"},
	} {
		in := &sdk.CreateBasePathMappingInput{DomainName: aws.String(m.domain), RestApiId: aws.String(m.api)}
		if m.base != "" {
			in.BasePath = aws.String(m.base)
		}
		if m.stage != "" {
			in.Stage = aws.String(m.stage)
		}
		if _, err := c.CreateBasePathMapping(a.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	get := func(host, path string) result {
		req, err := http.NewRequest("GET", env.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		return send(t, req)
	}
	for _, tc := range []struct {
		host, path string
		status     int
		body       string
	}{
		{"api.example.com", "/v1/pets", 200, a.api + " s api.example.com /v1/pets /pets"},
		{"API.example.com:443", "/v1/pets/", 200, a.api + " s api.example.com /v1/pets/ /pets"},
		{"api.example.com", "/pets", 200, b.api + " s2 api.example.com /pets /pets"},
		{"api.example.com", "/", 200, "root of b"},
		{"api.example.com", "/any/t/pets", 200, a.api + " t api.example.com /any/t/pets /pets"},
		{"api.example.com", "/any/nostage/pets", 403, forbidden},
		{"api.example.com", "/v1/nothing", 403, `{"message":"Missing Authentication Token"}`},
		{"other.example.com", "/v1/pets", 200, a.api + " t other.example.com /v1/pets /pets"},
		{"other.example.com", "/v2/pets", 403, forbidden},
	} {
		r := get(tc.host, tc.path)
		if r.status != tc.status || r.body != tc.body {
			t.Errorf("%s%s: %d %q, want %d %q", tc.host, tc.path, r.status, r.body, tc.status, tc.body)
		}
	}
	// disableExecuteApiEndpoint closes the default endpoint, not the domain.
	expect(t, call(t, env.URL, formHost, b.api, "s2", "GET", "/pets", nil, ""), 403, forbidden, "ForbiddenException")
	// The control plane still answers on its own host.
	if _, err := c.GetDomainName(a.ctx, &sdk.GetDomainNameInput{DomainName: aws.String("api.example.com")}); err != nil {
		t.Fatal(err)
	}
	// A mapping removed stops serving at once.
	if _, err := c.DeleteBasePathMapping(a.ctx, &sdk.DeleteBasePathMappingInput{DomainName: aws.String("other.example.com"), BasePath: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	if r := get("other.example.com", "/v1/pets"); r.status == 200 {
		t.Errorf("deleted mapping still serves: %d %q", r.status, r.body)
	}
}

// An undefined $stageVariables.x renders as "" (spec §8.5 [V]), and so
// does a $context variable that has no value; escaped references and
// other undefined references keep Velocity's literal text.
func TestUndefinedVariablesInTemplates(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "undefined")
	f.method("/v", "GET", nil)
	f.integration("/v", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
	f.response("/v", "GET", "200", "", nil, map[string]string{"application/json": `{"defined":"$stageVariables.x","undefined":"$stageVariables.y",` +
		`"formal":"${stageVariables.y}","ctx":"$context.authorizer.principalId","escaped":"\$stageVariables.y","other":"$nothing.here"}`})
	f.deploy("s", map[string]string{"x": "X"})
	r := call(t, env.URL, formHost, f.api, "s", "GET", "/v", nil, "")
	want := `{"defined":"X","undefined":"","formal":"","ctx":"","escaped":"\$stageVariables.y","other":"$nothing.here"}`
	if r.status != 200 || r.body != want {
		t.Errorf("got %d %s\nwant %s", r.status, r.body, want)
	}
}
