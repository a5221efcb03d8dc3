package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
)

const (
	testKeyID  = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testToken  = "IQoJb3JpZ2luX2VjEXAMPLE/session+token=="
)

// signTime is when the test requests are signed; verifiers' clocks are
// set relative to it.
var signTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func testVerifier(now time.Time) *Verifier {
	return &Verifier{
		Lookup: func(id string) (string, bool) {
			if id == testKeyID {
				return testSecret, true
			}
			return "", false
		},
		Now: func() time.Time { return now },
	}
}

// sdkCase is a request signed by aws-sdk-go-v2's signer.
type sdkCase struct {
	name     string
	method   string
	url      string // raw URL; its path and query are sent exactly as written
	header   http.Header
	body     []byte
	service  string // default apigateway
	region   string // default us-east-1
	token    bool   // session token (X-Amz-Security-Token)
	unsigned bool   // UNSIGNED-PAYLOAD with X-Amz-Content-Sha256
	sha256   bool   // send X-Amz-Content-Sha256 with the body's hash
	presign  bool
	expires  int // X-Amz-Expires for presign; 0 leaves it out
}

var binaryBody = func() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

var sdkCases = []sdkCase{
	{name: "get root", method: "GET", url: "http://example.com/"},
	{name: "get restapis", method: "GET", url: "http://example.com/restapis"},
	{name: "query", method: "GET", url: "http://example.com/restapis?limit=25&position=abc"},
	{name: "repeated keys", method: "GET", url: "http://example.com/x?b=2&a=3&a=1&a=2&c=&d&a=10"},
	{name: "sorted after encoding", method: "GET", url: "http://example.com/x?name=a%2Fb&name=a-b&Name=z&_=1&~=2"},
	{name: "query escapes", method: "GET", url: "http://example.com/x?q=a%20b&p=a+b&plus=a%2Bb&u=%E2%9C%93&s=*!'()&t=~x_y.z-"},
	{name: "encoded ARN path", method: "GET", url: "http://example.com/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc"},
	{name: "dollar path", method: "GET", url: "http://example.com/restapis/abc/stages/$default"},
	{name: "escaped dollar path", method: "GET", url: "http://example.com/restapis/abc/stages/%24default"},
	{name: "space in path", method: "GET", url: "http://example.com/restapis/a%20b/resources"},
	{name: "unicode path", method: "GET", url: "http://example.com/applications/%C3%BCber/%E7%92%B0%E5%A2%83"},
	{name: "trailing slash", method: "GET", url: "http://example.com/restapis/"},
	{name: "double slash as sent", method: "GET", url: "http://example.com/restapis//resources"},
	{name: "host with port", method: "GET", url: "http://127.0.0.1:4566/restapis"},
	{
		name: "json body", method: "POST", url: "http://example.com/restapis",
		header: http.Header{"Content-Type": {"application/json"}},
		body:   []byte(`{"name":"ünïcode api","description":"a  b"}`),
	},
	{
		name: "binary body", method: "PUT", url: "http://example.com/restapis/abc?mode=overwrite&failonwarnings=true",
		header: http.Header{"Content-Type": {"application/octet-stream"}},
		body:   binaryBody,
	},
	{name: "patch", method: "PATCH", url: "http://example.com/restapis/abc", header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"patchOperations":[]}`)},
	{name: "delete", method: "DELETE", url: "http://example.com/restapis/abc"},
	{name: "session token", method: "GET", url: "http://example.com/restapis", token: true},
	{name: "unsigned payload", method: "POST", url: "http://example.com/restapis", body: []byte(`{"name":"x"}`), unsigned: true},
	{name: "content sha256 header", method: "POST", url: "http://example.com/restapis", body: []byte(`{"name":"x"}`), sha256: true},
	{
		name: "messy signed headers", method: "GET", url: "http://example.com/restapis",
		header: http.Header{"X-Custom": {"  a   b  ", "c,d", "e  f"}, "X-Amz-Meta-Empty": {""}},
	},
	{
		name: "appconfig", method: "POST", url: "http://example.com/applications", service: "appconfig", region: "eu-west-1",
		header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"Name":"app"}`),
	},
	{name: "presign", method: "GET", url: "http://example.com/restapis", presign: true, expires: 300},
	{name: "presign without expires", method: "GET", url: "http://example.com/restapis?limit=5", presign: true},
	{name: "presign query and token", method: "GET", url: "http://example.com/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc?a=1&a=0&b=x%20y", presign: true, expires: 60, token: true},
	{name: "presign appconfig", method: "GET", url: "http://example.com/applications", presign: true, expires: 900, service: "appconfig", region: "ap-southeast-2"},
}

// signed is a request as the server receives it, the body it read, and the
// canonical request the SDK signed.
type signed struct {
	req             *http.Request
	body            []byte
	canonical       string
	region, service string
}

// sign signs c with the SDK signer at signTime, writes the request to the
// wire format and reads it back the way net/http's server does.
func (c sdkCase) sign(t testing.TB) signed {
	t.Helper()
	service, region := c.service, c.region
	if service == "" {
		service = "apigateway"
	}
	if region == "" {
		region = "us-east-1"
	}
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, c.url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	sum := sha256.Sum256(c.body)
	payload := hex.EncodeToString(sum[:])
	switch {
	case c.unsigned:
		payload = "UNSIGNED-PAYLOAD"
		req.Header.Set("X-Amz-Content-Sha256", payload)
	case c.sha256:
		req.Header.Set("X-Amz-Content-Sha256", payload)
	}
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	if c.token {
		creds.SessionToken = testToken
	}
	var canonical string
	logSigning := func(o *v4.SignerOptions) {
		o.LogSigning = true
		o.Logger = logging.LoggerFunc(func(_ logging.Classification, format string, v ...interface{}) {
			msg := fmt.Sprintf(format, v...)
			const start = "---[ CANONICAL STRING  ]-----------------------------\n"
			const end = "\n---[ STRING TO SIGN ]"
			if i := strings.Index(msg, start); i >= 0 {
				msg = msg[i+len(start):]
				if j := strings.Index(msg, end); j >= 0 {
					canonical = msg[:j]
				}
			}
		})
	}
	signer := v4.NewSigner()
	if c.presign {
		if c.expires > 0 {
			q := req.URL.Query()
			q.Set("X-Amz-Expires", strconv.Itoa(c.expires))
			req.URL.RawQuery = q.Encode()
		}
		u, hdr, err := signer.PresignHTTP(context.Background(), creds, req, payload, service, region, signTime, logSigning)
		if err != nil {
			t.Fatal(err)
		}
		req2, err := http.NewRequest(c.method, u, body)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range hdr {
			if k != "Host" {
				req2.Header[k] = vs
			}
		}
		req = req2
	} else if err := signer.SignHTTP(context.Background(), creds, req, payload, service, region, signTime, logSigning); err != nil {
		t.Fatal(err)
	}
	if c.body != nil {
		req.Body = io.NopCloser(bytes.NewReader(c.body))
	}
	sreq, sbody := onTheWire(t, req)
	return signed{req: sreq, body: sbody, canonical: canonical, region: region, service: service}
}

// onTheWire serializes a client request as net/http's transport would and
// parses it as net/http's server does (RequestURI, Host, header keys).
func onTheWire(t testing.TB, req *http.Request) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sreq, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(sreq.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sreq, body
}

// code returns the error code of err, "" for nil.
func code(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an *Error", err, err)
	}
	return e.Code
}

func TestVerifySDKSigned(t *testing.T) {
	for _, c := range sdkCases {
		t.Run(c.name, func(t *testing.T) {
			s := c.sign(t)
			if err := testVerifier(signTime.Add(time.Minute)).Verify(s.req, s.body); err != nil {
				var e *Error
				errors.As(err, &e)
				t.Fatalf("Verify: %v\nours:\n%s\nSDK:\n%s", err, e.CanonicalRequest, s.canonical)
			}
			// The canonical request rebuilt from the received request
			// must be the one the SDK signed, byte for byte. A wrong
			// secret makes Verify report the canonical request it used.
			v := testVerifier(signTime)
			v.Lookup = func(string) (string, bool) { return "wrong", true }
			var e *Error
			if err := v.Verify(s.req, s.body); !errors.As(err, &e) || e.Code != CodeInvalidSignature {
				t.Fatalf("wrong secret: got %v", err)
			}
			if e.CanonicalRequest != s.canonical {
				t.Errorf("canonical request differs\nours:\n%s\nSDK:\n%s", e.CanonicalRequest, s.canonical)
			}
		})
	}
}

// tamper is one change to a correctly signed request.
type tamper struct {
	name  string
	apply func(s *signed, v *Verifier)
	code  string
	msg   string // exact message, when set
}

func setTarget(r *http.Request, target string) {
	r.RequestURI = target
	u, err := url.ParseRequestURI(target)
	if err != nil {
		panic(err)
	}
	r.URL = u
}

func replaceInAuth(s *signed, old, new string) {
	if h := s.req.Header.Get("Authorization"); h != "" {
		s.req.Header.Set("Authorization", strings.Replace(h, old, new, 1))
		return
	}
	setTarget(s.req, strings.Replace(s.req.RequestURI, url.QueryEscape(old), url.QueryEscape(new), 1))
}

var tampers = []tamper{
	{name: "path", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		p, q, _ := strings.Cut(s.req.RequestURI, "?")
		setTarget(s.req, p+"x?"+q)
	}},
	{name: "path escaping", code: CodeInvalidSignature, apply: func(s *signed, _ *Verifier) {
		p, q, _ := strings.Cut(s.req.RequestURI, "?")
		setTarget(s.req, p+"%2F?"+q)
	}},
	{name: "query added", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		sep := "?"
		if strings.Contains(s.req.RequestURI, "?") {
			sep = "&"
		}
		setTarget(s.req, s.req.RequestURI+sep+"extra=1")
	}},
	{name: "signed header", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		s.req.Host = "evil.example.com"
	}},
	{name: "body", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		s.body = append(append([]byte(nil), s.body...), 'x')
	}},
	{name: "secret", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(_ *signed, v *Verifier) {
		v.Lookup = func(string) (string, bool) { return testSecret + "x", true }
	}},
	{name: "unknown key", code: CodeUnrecognizedClient, msg: MsgUnrecognizedClient, apply: func(_ *signed, v *Verifier) {
		v.Lookup = func(string) (string, bool) { return "", false }
	}},
	{name: "date", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		if s.req.Header.Get("X-Amz-Date") != "" {
			s.req.Header.Set("X-Amz-Date", "20250101T000001Z")
			return
		}
		setTarget(s.req, strings.Replace(s.req.RequestURI, "X-Amz-Date=20250101T000000Z", "X-Amz-Date=20250101T000001Z", 1))
	}},
	{name: "scope region", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		replaceInAuth(s, "/"+s.region+"/", "/us-west-2/")
	}},
	{name: "scope region not served", code: CodeInvalidSignature, msg: "Credential should be scoped to a valid region, not 'us-west-2'.", apply: func(s *signed, v *Verifier) {
		v.Region = s.region
		replaceInAuth(s, "/"+s.region+"/", "/us-west-2/")
	}},
	{name: "scope service", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		replaceInAuth(s, "/"+s.service+"/", "/lambda/")
	}},
	{name: "scope service not served", code: CodeInvalidSignature, msg: "Credential should be scoped to correct service: 'lambda'.", apply: func(_ *signed, v *Verifier) {
		v.Service = "lambda"
	}},
	{name: "scope terminator", code: CodeInvalidSignature, msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.", apply: func(s *signed, _ *Verifier) {
		replaceInAuth(s, "/aws4_request", "/aws5_request")
	}},
	{name: "scope date", code: CodeInvalidSignature, msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20250102' != '20250101', from '20250101T000000Z'.", apply: func(s *signed, _ *Verifier) {
		replaceInAuth(s, "/20250101/", "/20250102/")
	}},
	{name: "signature", code: CodeInvalidSignature, msg: MsgSignatureMismatch, apply: func(s *signed, _ *Verifier) {
		if h := s.req.Header.Get("Authorization"); h != "" {
			s.req.Header.Set("Authorization", h[:len(h)-1]+flipHex(h[len(h)-1]))
			return
		}
		setTarget(s.req, s.req.RequestURI[:len(s.req.RequestURI)-1]+flipHex(s.req.RequestURI[len(s.req.RequestURI)-1]))
	}},
	{name: "clock ahead", code: CodeInvalidSignature, apply: func(_ *signed, v *Verifier) {
		v.Now = func() time.Time { return signTime.Add(2 * time.Hour) }
	}},
	{name: "clock behind", code: CodeInvalidSignature, msg: "Signature not yet current: 20250101T000000Z is still later than 20241231T234500Z (20241231T233000Z + 15 min.)", apply: func(_ *signed, v *Verifier) {
		v.Now = func() time.Time { return signTime.Add(-30 * time.Minute) }
	}},
}

func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestVerifyTampered(t *testing.T) {
	for _, c := range sdkCases {
		for _, tc := range tampers {
			if tc.name == "body" && c.unsigned {
				continue // UNSIGNED-PAYLOAD leaves the body out by design
			}
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				s := c.sign(t)
				v := testVerifier(signTime.Add(time.Minute))
				tc.apply(&s, v)
				err := v.Verify(s.req, s.body)
				if got := code(t, err); got != tc.code {
					t.Fatalf("got %q (%v), want %s", got, err, tc.code)
				}
				if e := err.(*Error); tc.msg != "" && e.Message != tc.msg {
					t.Errorf("message:\n got %q\nwant %q", e.Message, tc.msg)
				}
			})
		}
	}
}

func TestVerifyUnsignedPayloadIgnoresBody(t *testing.T) {
	c := sdkCase{method: "POST", url: "http://example.com/restapis", body: []byte("a"), unsigned: true}
	s := c.sign(t)
	if err := testVerifier(signTime).Verify(s.req, []byte("anything else")); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyClockSkewMessage(t *testing.T) {
	s := sdkCases[1].sign(t)
	tests := []struct {
		now  time.Time
		skew time.Duration
		msg  string
	}{
		{signTime.Add(15 * time.Minute), 0, ""},
		{signTime.Add(-15 * time.Minute), 0, ""},
		{signTime.Add(15*time.Minute + time.Second), 0, "Signature expired: 20250101T000000Z is now earlier than 20250101T000001Z (20250101T001501Z - 15 min.)"},
		{signTime.Add(20 * time.Minute), 0, "Signature expired: 20250101T000000Z is now earlier than 20250101T000500Z (20250101T002000Z - 15 min.)"},
		{signTime.Add(-16 * time.Minute), 0, "Signature not yet current: 20250101T000000Z is still later than 20241231T235900Z (20241231T234400Z + 15 min.)"},
		{signTime.Add(6 * time.Minute), 5 * time.Minute, "Signature expired: 20250101T000000Z is now earlier than 20250101T000100Z (20250101T000600Z - 5 min.)"},
		{signTime.Add(2 * time.Minute), 90 * time.Second, "Signature expired: 20250101T000000Z is now earlier than 20250101T000030Z (20250101T000200Z - 90 sec.)"},
	}
	for _, tt := range tests {
		v := testVerifier(tt.now)
		v.MaxSkew = tt.skew
		err := v.Verify(s.req, s.body)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("now %v: %v", tt.now, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidSignature || e.Status != 403 || e.Message != tt.msg {
			t.Errorf("now %v:\n got %v\nwant %s", tt.now, err, tt.msg)
		}
	}
}

func TestVerifyPresignExpiry(t *testing.T) {
	s := sdkCase{method: "GET", url: "http://example.com/restapis", presign: true, expires: 300}.sign(t)
	tests := []struct {
		now  time.Time
		code string
		msg  string
	}{
		{signTime.Add(300 * time.Second), "", ""},
		{signTime.Add(301 * time.Second), CodeInvalidSignature, "Signature expired: 20250101T000000Z is now earlier than 20250101T000001Z (20250101T000501Z - 5 min.)"},
		{signTime.Add(-10 * time.Minute), "", ""},
		{signTime.Add(-16 * time.Minute), CodeInvalidSignature, "Signature not yet current: 20250101T000000Z is still later than 20241231T235900Z (20241231T234400Z + 15 min.)"},
	}
	for _, tt := range tests {
		err := testVerifier(tt.now).Verify(s.req, s.body)
		if got := code(t, err); got != tt.code {
			t.Fatalf("now %v: got %v, want %q", tt.now, err, tt.code)
		}
		if err != nil && err.(*Error).Message != tt.msg {
			t.Errorf("now %v:\n got %q\nwant %q", tt.now, err.(*Error).Message, tt.msg)
		}
	}

	// Without X-Amz-Expires the usual skew window applies.
	s = sdkCase{method: "GET", url: "http://example.com/restapis", presign: true}.sign(t)
	if err := testVerifier(signTime.Add(14*time.Minute)).Verify(s.req, s.body); err != nil {
		t.Error(err)
	}
	if got := code(t, testVerifier(signTime.Add(16*time.Minute)).Verify(s.req, s.body)); got != CodeInvalidSignature {
		t.Errorf("16 min late: got %q", got)
	}
}

// TestVerifyMalformed covers the errors AWS gives before it looks at the
// signature itself.
func TestVerifyMalformed(t *testing.T) {
	const cred = "Credential=AKIDEXAMPLE/20250101/us-east-1/apigateway/aws4_request"
	const sh = "SignedHeaders=host;x-amz-date"
	const sig = "Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name   string
		auth   string // Authorization header; "" for none
		date   string // X-Amz-Date; "-" for none
		query  string
		code   string
		status int
		msg    string
	}{
		{name: "no auth", code: CodeMissingAuthenticationToken, status: 403, msg: "Missing Authentication Token"},
		{name: "empty auth", auth: " ", code: CodeMissingAuthenticationToken, status: 403, msg: "Missing Authentication Token"},
		{
			name: "only algorithm", auth: "AWS4-HMAC-SHA256", code: CodeIncompleteSignature, status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
		},
		{
			name: "missing all and date", auth: "AWS4-HMAC-SHA256", date: "-", code: CodeIncompleteSignature, status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
		},
		{
			name: "missing signature", auth: "AWS4-HMAC-SHA256 " + cred + ", " + sh, code: CodeIncompleteSignature, status: 400,
			msg: "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + cred + ", " + sh,
		},
		{
			name: "empty credential", auth: "AWS4-HMAC-SHA256 Credential=, " + sh + ", " + sig, code: CodeIncompleteSignature, status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 Credential=, " + sh + ", " + sig,
		},
		{
			name: "bare token", auth: "eyJhbGciOiJIUzI1NiJ9", code: CodeIncompleteSignature, status: 400,
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=eyJhbGciOiJIUzI1NiJ9",
		},
		{
			name: "bearer", auth: "Bearer abc", code: CodeIncompleteSignature, status: 400,
			msg: "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): 'w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY='.",
		},
		{
			name: "space inside credential", auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20250101/us-east-1/apigateway/aws4_request, " + sh + ", " + sig,
			code: CodeIncompleteSignature, status: 400,
		},
		{name: "bad date", auth: "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig, date: "2025-01-01T00:00:00Z", code: CodeIncompleteSignature, status: 400,
			msg: "Date must be in ISO-8601 'basic format'. Got '2025-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "host not signed", auth: "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, " + sig, code: CodeInvalidSignature, status: 403, msg: MsgHostNotSigned},
		{name: "empty signed headers", auth: "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=, " + sig, code: CodeInvalidSignature, status: 403, msg: MsgHostNotSigned},
		{name: "algorithm", auth: "AWS4-HMAC-SHA512 " + cred + ", " + sh + ", " + sig, code: CodeIncompleteSignature, status: 400,
			msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{name: "four elements", auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/aws4_request, " + sh + ", " + sig, code: CodeIncompleteSignature, status: 400,
			msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20250101/us-east-1/aws4_request'"},
		{name: "six elements", auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/apigateway/x/aws4_request, " + sh + ", " + sig, code: CodeIncompleteSignature, status: 400,
			msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20250101/us-east-1/apigateway/x/aws4_request'"},
		{name: "all scope faults", auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/b/c/apigateway/e, " + sh + ", " + sig, code: CodeInvalidSignature, status: 403,
			msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20250101', from '20250101T000000Z'."},
		{name: "unknown key", auth: "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20250101/us-east-1/apigateway/aws4_request, " + sh + ", " + sig, code: CodeUnrecognizedClient, status: 403, msg: MsgUnrecognizedClient},
		{name: "uppercase signature", auth: "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + strings.Repeat("AB", 32), code: CodeInvalidSignature, status: 403, msg: MsgSignatureMismatch},
		{name: "commas only", auth: "AWS4-HMAC-SHA256 " + cred + "," + sh + "," + sig, code: CodeInvalidSignature, status: 403, msg: MsgSignatureMismatch},
		{name: "spaces only", auth: "AWS4-HMAC-SHA256 " + cred + " " + sh + " " + sig, code: CodeInvalidSignature, status: 403, msg: MsgSignatureMismatch},
		{name: "both forms", auth: "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig, query: "X-Amz-Algorithm=AWS4-HMAC-SHA256", code: CodeInvalidSignature, status: 403, msg: MsgBothAuthorizations},
		{name: "presign missing all but algorithm", date: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256", code: CodeIncompleteSignature, status: 400,
			msg: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "presign missing algorithm", date: "-", query: "X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fapigateway%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
			code: CodeIncompleteSignature, status: 400, msg: "AWS query-string parameters must include 'X-Amz-Algorithm'. Re-examine the query-string parameters."},
		{name: "presign bad expires", date: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fapigateway%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=soon",
			code: CodeIncompleteSignature, status: 400, msg: "X-Amz-Expires should be a number"},
		{name: "presign expires too long", date: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fapigateway%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=604801",
			code: CodeIncompleteSignature, status: 400, msg: "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{name: "presign bad signature", date: "-", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fapigateway%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
			code: CodeInvalidSignature, status: 403, msg: MsgSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/restapis"
			if tt.query != "" {
				target += "?" + tt.query
			}
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n")))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if tt.date != "-" {
				d := tt.date
				if d == "" {
					d = "20250101T000000Z"
				}
				r.Header.Set("X-Amz-Date", d)
			}
			err = testVerifier(signTime).Verify(r, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if e.Code != tt.code || e.Status != tt.status || (tt.msg != "" && e.Message != tt.msg) {
				t.Errorf("got %d %s %q\nwant %d %s %q", e.Status, e.Code, e.Message, tt.status, tt.code, tt.msg)
			}
		})
	}
}

// TestVerifyPublishedVectors checks signatures published by AWS, which
// owe nothing to the SDK used as oracle elsewhere.
func TestVerifyPublishedVectors(t *testing.T) {
	tests := []struct {
		name, raw string
	}{
		{
			// AWS General Reference, "Examples of the complete Signature
			// Version 4 signing process": IAM ListUsers.
			name: "iam ListUsers",
			raw: "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\r\n" +
				"Host: iam.amazonaws.com\r\n" +
				"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n" +
				"X-Amz-Date: 20150830T123600Z\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n\r\n",
		},
		{
			// aws-sig-v4-test-suite: get-vanilla.
			name: "get-vanilla",
			raw: "GET / HTTP/1.1\r\n" +
				"Host: example.amazonaws.com\r\n" +
				"X-Amz-Date: 20150830T123600Z\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\r\n\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tt.raw)))
			if err != nil {
				t.Fatal(err)
			}
			v := testVerifier(time.Date(2015, 8, 30, 12, 40, 0, 0, time.UTC))
			if err := v.Verify(r, nil); err != nil {
				var e *Error
				errors.As(err, &e)
				t.Fatalf("%v\n%s", err, e.CanonicalRequest)
			}
		})
	}
}

// TestVerifyBotocoreNormalizedPath: botocore signs a path with "//", "."
// or ".." segments in normalized form but sends it as is.
func TestVerifyBotocoreNormalizedPath(t *testing.T) {
	c := sdkCase{method: "GET", url: "http://example.com/restapis/resources"}
	s := c.sign(t)
	setTarget(s.req, "/restapis//./x/../resources")
	if err := testVerifier(signTime).Verify(s.req, s.body); err != nil {
		t.Fatal(err)
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"":                "/",
		"/":               "/",
		"/a//b":           "/a/b",
		"/a/./b/":         "/a/b/",
		"/a/b/../c":       "/a/c",
		"/../a":           "/a",
		"/a/..":           "/",
		"/a%2F..%2Fb":     "/a%2F..%2Fb",
		"//restapis//x//": "/restapis/x/",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorWrite(t *testing.T) {
	rec := &recorder{header: http.Header{}}
	(&Error{Code: CodeInvalidSignature, Status: 403, Message: `a "quoted" message`}).Write(rec)
	if rec.status != 403 || rec.header.Get("x-amzn-ErrorType") != CodeInvalidSignature ||
		rec.header.Get("Content-Type") != "application/json" || rec.body.String() != `{"message":"a \"quoted\" message"}` {
		t.Errorf("got %d %v %s", rec.status, rec.header, rec.body.String())
	}
	if got := (&Error{Code: "X", Message: "y"}).Error(); got != "X: y" {
		t.Errorf("Error() = %q", got)
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// TestHMAC checks the allocation-free HMAC against crypto/hmac, for keys
// shorter than, equal to and longer than the SHA-256 block.
func TestHMAC(t *testing.T) {
	for _, keyLen := range []int{0, 1, 32, 44, 63, 64, 65, 200} {
		for _, msgLen := range []int{0, 1, 55, 64, 300} {
			key := bytes.Repeat([]byte{byte(keyLen + 1)}, keyLen)
			msg := bytes.Repeat([]byte{byte(msgLen + 7)}, msgLen)
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			got, _ := hmacSHA256(nil, key, msg)
			if want := m.Sum(nil); !bytes.Equal(got[:], want) {
				t.Errorf("key %d msg %d: got %x want %x", keyLen, msgLen, got, want)
			}
		}
	}
}

// reencodeQuery rewrites a raw query the way other clients could send the
// same parameters: in reverse order, '+' for spaces, "%7E" for '~' and
// lower-case hex escapes.
func reencodeQuery(raw string) string {
	pairs := strings.Split(raw, "&")
	for i, j := 0, len(pairs)-1; i < j; i, j = i+1, j-1 {
		pairs[i], pairs[j] = pairs[j], pairs[i]
	}
	enc := func(s string) string {
		d, err := url.QueryUnescape(s)
		if err != nil {
			panic(err)
		}
		var b strings.Builder
		for i := 0; i < len(d); i++ {
			switch c := d[i]; {
			case c == ' ':
				b.WriteByte('+')
			case c == '~':
				b.WriteString("%7E")
			case noEscape[c]:
				b.WriteByte(c)
			default:
				fmt.Fprintf(&b, "%%%02x", c)
			}
		}
		return b.String()
	}
	for i, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		pairs[i] = enc(k) + "=" + enc(v)
	}
	return strings.Join(pairs, "&")
}

// TestVerifyQueryAsSentDiffers: the SDK signer rewrites the query into
// canonical form before sending, so the cases above always arrive sorted
// and canonically encoded. Other clients need not do that; the signature
// must still verify when the same parameters arrive in another order and
// encoding.
func TestVerifyQueryAsSentDiffers(t *testing.T) {
	for _, c := range sdkCases {
		s := c.sign(t)
		if s.req.URL.RawQuery == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			p, q, _ := strings.Cut(s.req.RequestURI, "?")
			q2 := reencodeQuery(q)
			if q2 == q {
				t.Fatalf("query %q unchanged", q)
			}
			setTarget(s.req, p+"?"+q2)
			if err := testVerifier(signTime).Verify(s.req, s.body); err != nil {
				t.Fatalf("query %q: %v\n%s", q2, err, err.(*Error).CanonicalRequest)
			}
		})
	}
}

func TestCanonicalQuery(t *testing.T) {
	var s scratch
	for raw, want := range map[string]string{
		"":                          "",
		"b=2&a=1":                   "a=1&b=2",
		"a=3&a=1&a=10&a=2":          "a=1&a=10&a=2&a=3",
		"p=a+b&q=a%20b&r=a%2Bb":     "p=a%20b&q=a%20b&r=a%2Bb",
		"name=a%2Fb&name=a-b":       "name=a%2Fb&name=a-b", // sorted after encoding: '%' < '-'
		"x=%7e&y=~&z=%2a&w=*":       "w=%2A&x=~&y=~&z=%2A",
		"flag&&=&e=":                "=&e=&flag=",
		"bad=%zz&u=%C3%BC&Z=1&_=2":  "Z=1&_=2&bad=%25zz&u=%C3%BC",
		"X-Amz-Signature=abc&b=1":   "X-Amz-Signature=abc&b=1",
		"k=a=b&k2=%3D":              "k=a%3Db&k2=%3D",
		"sp%20ace=1&plus%2Bkey=%2B": "plus%2Bkey=%2B&sp%20ace=1",
	} {
		if got := string(s.appendCanonicalQuery(nil, raw, false)); got != want {
			t.Errorf("%q: got %q, want %q", raw, got, want)
		}
	}
	if got := string(s.appendCanonicalQuery(nil, "X-Amz-Signature=abc&b=1", true)); got != "b=1" {
		t.Errorf("presigned: got %q", got)
	}
}
