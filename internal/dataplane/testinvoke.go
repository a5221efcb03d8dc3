package dataplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Values a test invocation sees in $context, as API Gateway's console
// test shows them.
const (
	testInvokeStage    = "test-invoke-stage"
	testInvokeSourceIP = "test-invoke-source-ip"
)

// TestInvoke runs one method of snap (an API's live configuration, frozen
// by the control plane) the way a stage would serve it, for
// TestInvokeMethod: the snapshot is compiled on the fly, the method is the
// resource's (path parameters come from matching pathWithQueryString's
// path against the resource's path), stage variables are the caller's,
// and authorization, API keys and throttling are skipped, as AWS does.
// It implements apigateway.TestInvoker.
func (h *Handler) TestInvoke(ctx context.Context, account, region, apiID string, snap *apigateway.Snapshot, in *apigateway.TestInvokeInput) (*apigateway.TestInvokeOutput, error) {
	d := compileDeployment(account, region, apiID, snap, h.log)
	res := findResource(d.root, in.ResourceID)
	if res == nil {
		return nil, wire.Errorf(http.StatusNotFound, "NotFoundException", "Invalid Resource identifier specified")
	}
	m := res.methods[in.HTTPMethod]
	if m == nil {
		return nil, wire.Errorf(http.StatusNotFound, "NotFoundException", "Invalid Method identifier specified")
	}

	r, rawPath, err := testRequest(ctx, apiID, region, in.HTTPMethod, in.PathWithQueryString, res.path, in.Body, in.Headers, in.MultiValueHeaders)
	if err != nil {
		return nil, err
	}
	host := r.Host

	vars := make(map[string]string, len(in.StageVariables))
	for k, v := range in.StageVariables {
		vars[k] = v
	}
	ae := &apiEntry{account: account, region: region, id: apiID}
	ae.box()
	se := &stageEntry{name: testInvokeStage, nameAny: testInvokeStage, vars: vars}
	cw := &captureWriter{hdr: http.Header{}}
	c := h.newCall(cw, r)
	c.test = true
	c.t = target{apiID: apiID, stage: testInvokeStage, rest: rawPath, host: host, full: rawPath}
	c.api, c.se, c.dep, c.vars = ae, se, d, vars
	c.res, c.m, c.params = res, m, matchPath(res.path, splitPath(rawPath))
	start := time.Now()
	c.run()
	latency := time.Since(start).Milliseconds()

	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	out := &apigateway.TestInvokeOutput{
		Status:            status,
		Body:              cw.body.String(),
		Headers:           map[string]string{},
		MultiValueHeaders: map[string][]string{},
		LatencyMillis:     latency,
	}
	for k, vs := range cw.hdr {
		if len(vs) == 0 {
			continue
		}
		out.Headers[k] = strings.Join(vs, ",")
		out.MultiValueHeaders[k] = vs
	}
	out.Log = c.executionLog(in, r, status, out)
	return out, nil
}

// testRequest builds the request a test invocation runs: pq (path and
// query; "" is def) on the API's execute-api host, from
// test-invoke-source-ip, with headers then multiValueHeaders (which
// replace a header both name).
func testRequest(ctx context.Context, apiID, region, verb, pq, def, body string, headers map[string]string, mvh map[string][]string) (*http.Request, string, error) {
	if pq == "" {
		pq = def
	}
	if !strings.HasPrefix(pq, "/") {
		pq = "/" + pq
	}
	rawPath, rawQuery, _ := strings.Cut(pq, "?")
	host := apiID + ".execute-api." + region + ".amazonaws.com"
	u := &url.URL{Scheme: "https", Host: host, RawQuery: rawQuery}
	if p, err := url.PathUnescape(rawPath); err == nil {
		u.Path, u.RawPath = p, rawPath
	} else {
		u.Path = rawPath
	}
	r, err := http.NewRequestWithContext(ctx, verb, u.String(), strings.NewReader(body))
	if err != nil {
		return nil, "", wire.Errorf(http.StatusBadRequest, "BadRequestException", "Invalid pathWithQueryString specified")
	}
	r.Host = host
	r.RemoteAddr = testInvokeSourceIP
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	for k, vs := range mvh {
		ck := http.CanonicalHeaderKey(k)
		if _, ok := headers[k]; ok {
			r.Header.Del(ck)
		}
		for _, v := range vs {
			r.Header.Add(ck, v)
		}
	}
	return r, rawPath, nil
}

// testAuthorizeStage is the stage of the method ARN a TestInvokeAuthorizer
// run presents to the authorizer, as AWS names it.
const testAuthorizeStage = "ESTestInvoke-stage"

// TestAuthorize runs authorizer a for TestInvokeAuthorizer: the request
// is built as for TestInvoke (GET, method ARN
// .../ESTestInvoke-stage/GET/{path}), and nothing is cached. It
// implements apigateway.TestInvoker.
func (h *Handler) TestAuthorize(ctx context.Context, account, region, apiID string, a *api.Authorizer, in *apigateway.TestAuthorizeInput) (*apigateway.TestAuthorizeOutput, error) {
	ca := compileAuthorizer(str(a.Id), a, h.log)
	r, rawPath, err := testRequest(ctx, apiID, region, http.MethodGet, in.PathWithQueryString, "/", in.Body, in.Headers, in.MultiValueHeaders)
	if err != nil {
		return nil, err
	}
	vars := make(map[string]string, len(in.StageVariables))
	for k, v := range in.StageVariables {
		vars[k] = v
	}
	ae := &apiEntry{account: account, region: region, id: apiID}
	ae.box()
	c := h.newCall(&captureWriter{hdr: http.Header{}}, r)
	c.test = true
	c.t = target{apiID: apiID, stage: testAuthorizeStage, rest: rawPath, host: r.Host, full: rawPath}
	c.api, c.se, c.vars = ae, &stageEntry{name: testAuthorizeStage, nameAny: testAuthorizeStage, vars: vars}, vars

	out := &apigateway.TestAuthorizeOutput{}
	b := c.newExecLog()
	line := b.line
	line("Starting authorizer: %s for request: %s", ca.id, c.reqID)
	start := time.Now()
	deny := func(err error) {
		var d *authz.Denial
		if !errors.As(err, &d) {
			d = &authz.Denial{Status: 500, Reason: err.Error()}
		}
		out.ClientStatus = d.Status
		reason := d.Reason
		if reason == "" {
			reason = d.Message
		}
		line("Execution failed: %s", reason)
	}
	switch {
	case ca.err != nil:
		deny(ca.err)
	case ca.cognito != nil:
		token, err := ca.cognito.Token(c.authzRequest())
		var claims *authz.Claims
		if err == nil {
			claims, err = h.verifier.VerifyCognito(ctx, ca.cognito, token, nil)
		}
		if err != nil {
			deny(err)
			break
		}
		out.Claims = claims.CognitoClaims()
	default:
		id, err := ca.lambda.Identity(c.authzRequest())
		if err != nil {
			deny(err)
			break
		}
		arn := authz.MethodARN(region, account, apiID, testAuthorizeStage, http.MethodGet, rawPath)
		line("Incoming identity: %s", maskIdentity(strings.Join(id.Values, ",")))
		line("Endpoint request URI: %s", lambda.SubstituteStageVariables(ca.uri, vars))
		var raw []byte
		res, _, err := ca.lambda.Authorize(ctx, authz.NewCache(h.clk, 1), "test", id, arn, c.authorizerInvoke(ca, id, arn, &raw))
		if len(raw) > 0 {
			line("Endpoint response body before transformations: %s", raw)
			var doc struct {
				PolicyDocument json.RawMessage `json:"policyDocument"`
			}
			if json.Unmarshal(raw, &doc) == nil && len(doc.PolicyDocument) > 0 {
				var buf bytes.Buffer
				if json.Compact(&buf, doc.PolicyDocument) == nil {
					out.Policy = buf.String()
				}
			}
		}
		if res != nil {
			out.PrincipalID = res.PrincipalID
			// authorization: the returned context, each value a
			// one-element list [?]: AWS documents the member only as
			// "the authorization response".
			if sc := res.StringContext(); len(sc) > 0 {
				out.Authorization = make(map[string][]string, len(sc))
				for k, v := range sc {
					out.Authorization[k] = []string{v}
				}
			}
		}
		if err != nil {
			deny(err)
		}
	}
	out.LatencyMillis = time.Since(start).Milliseconds()
	if out.ClientStatus == 0 {
		line("Successfully completed authorizer execution")
	}
	line("Authorizer completed with client status: %d", out.ClientStatus)
	out.Log = b.b.String()
	return out, nil
}

// maskIdentity hides all but the last four characters of an identity in
// the log, as API Gateway's logs do.
func maskIdentity(s string) string {
	if len(s) <= 4 {
		return "***"
	}
	return "***" + s[len(s)-4:]
}

// findResource returns the compiled resource with the given id.
func findResource(n *node, id string) *resource {
	if n == nil {
		return nil
	}
	if n.res != nil && n.res.id == id {
		return n.res
	}
	for _, c := range n.literal {
		if r := findResource(c, id); r != nil {
			return r
		}
	}
	if r := findResource(n.param, id); r != nil {
		return r
	}
	return findResource(n.greedy, id)
}

// matchPath reads the path parameters of segs (an escaped path split by
// splitPath) against a resource path such as /pets/{id} or /files/{key+}.
// Segments that do not line up with the template give no value.
func matchPath(tmpl string, segs []string) []pathParam {
	var out []pathParam
	for i, part := range splitPath(tmpl) {
		if i >= len(segs) {
			break
		}
		switch {
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "+}"):
			return append(out, pathParam{part[1 : len(part)-2], strings.Join(segs[i:], "/")})
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
			out = append(out, pathParam{part[1 : len(part)-1], segs[i]})
		}
	}
	return out
}

// captureWriter records a test invocation's response.
type captureWriter struct {
	hdr    http.Header
	status int
	body   bytes.Buffer
}

func (w *captureWriter) Header() http.Header { return w.hdr }

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// execLog builds a log in the shape of API Gateway's execution logs: a
// header line, then one timestamped line per step.
type execLog struct {
	b  strings.Builder
	at string
}

func (c *call) newExecLog() *execLog {
	l := &execLog{at: c.now.UTC().Format("Mon Jan 02 15:04:05 MST 2006")}
	fmt.Fprintf(&l.b, "Execution log for request %s\n", c.reqID)
	return l
}

func (l *execLog) line(format string, args ...any) {
	l.b.WriteString(l.at)
	l.b.WriteString(" : ")
	fmt.Fprintf(&l.b, format, args...)
	l.b.WriteByte('\n')
}

// executionLog is the run's log in the shape of API Gateway's execution
// logs (the "log" member of TestInvokeMethod's answer).
func (c *call) executionLog(in *apigateway.TestInvokeInput, r *http.Request, status int, out *apigateway.TestInvokeOutput) string {
	b := c.newExecLog()
	line := b.line
	line("Starting execution for request: %s", c.reqID)
	line("HTTP Method: %s, Resource Path: %s", c.m.verb, c.t.rest)
	line("Method request path: %s", logMap(pathMap(c.params)))
	line("Method request query string: %s", logMap(lastValues(c.queryValues())))
	line("Method request headers: %s", logMap(lastValues(url.Values(r.Header))))
	line("Method request body before transformations: %s", in.Body)
	if integ := c.m.integ; integ != nil {
		switch integ.typ {
		case "HTTP", "HTTP_PROXY":
			if ir := c.ireq; ir.url != nil {
				line("Endpoint request URI: %s", ir.url.String())
				line("Endpoint request headers: %s", logMap(lastValues(url.Values(ir.header))))
				line("Endpoint request body after transformations: %s", ir.body)
				line("Sending request to %s", ir.url.String())
			}
		case "MOCK":
			line("Endpoint request URI: (MOCK integration)")
		}
	}
	if !c.integStart.IsZero() {
		line("Received response. Status: %s, Integration latency: %d ms", c.integStatus, c.integLatency)
		if c.bresp.header != nil {
			line("Endpoint response headers: %s", logMap(lastValues(url.Values(c.bresp.header))))
			line("Endpoint response body before transformations: %s", c.bresp.body)
		}
	}
	if c.errInfo != nil {
		line("Execution failed: %s (%s)", c.errInfo.typ, c.errInfo.message)
	} else {
		line("Method response body after transformations: %s", out.Body)
		line("Method response headers: %s", logMap(out.Headers))
		line("Successfully completed execution")
	}
	line("Method completed with status: %d", status)
	return b.b.String()
}

func pathMap(ps []pathParam) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.name] = p.value
	}
	return m
}

func lastValues(v url.Values) map[string]string {
	m := make(map[string]string, len(v))
	for k, vs := range v {
		if len(vs) > 0 {
			m[k] = vs[len(vs)-1]
		}
	}
	return m
}

// logMap formats a map as API Gateway's logs do: {a=1, b=2}, keys sorted.
func logMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}
