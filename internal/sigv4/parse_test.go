package sigv4

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"
)

func rawRequest(t testing.TB, target, authorization string) *http.Request {
	t.Helper()
	raw := "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n"
	if authorization != "" {
		raw += "Authorization: " + authorization + "\r\n"
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParse(t *testing.T) {
	want := Credential{AccessKeyID: "AKIDEXAMPLE", Date: "20250101", Region: "us-east-1", Service: "apigateway"}
	tests := []struct {
		name   string
		target string
		auth   string
		want   Credential
		ok     bool
	}{
		{name: "unsigned", target: "/restapis"},
		{name: "unsigned with query", target: "/restapis?limit=5&X-Amz-Date=20250101T000000Z"},
		{
			name: "header", target: "/restapis", ok: true, want: want,
			auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/apigateway/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
		},
		{
			name: "header, credential last, no spaces", target: "/", ok: true, want: want,
			auth: "AWS4-HMAC-SHA256 SignedHeaders=host,Signature=abc,Credential=AKIDEXAMPLE/20250101/us-east-1/apigateway/aws4_request",
		},
		{
			name: "header, trailing slash", target: "/", ok: true, want: want,
			auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/apigateway/aws4_request/, SignedHeaders=host, Signature=abc",
		},
		{
			name: "header, other service", target: "/", ok: true,
			want: Credential{AccessKeyID: "AKID", Date: "20241231", Region: "eu-west-1", Service: "appconfig"},
			auth: "AWS4-HMAC-SHA256 Credential=AKID/20241231/eu-west-1/appconfig/aws4_request, SignedHeaders=host, Signature=abc",
		},
		{name: "header, four elements", target: "/", auth: "AWS4-HMAC-SHA256 Credential=AKID/20241231/eu-west-1/aws4_request, SignedHeaders=host"},
		{name: "header, six elements", target: "/", auth: "AWS4-HMAC-SHA256 Credential=AKID/20241231/eu-west-1/x/y/aws4_request, SignedHeaders=host"},
		{name: "header, no credential", target: "/", auth: "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc"},
		{name: "bearer", target: "/", auth: "Bearer eyJhbGciOiJIUzI1NiJ9"},
		{
			name: "presigned", target: "/restapis?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fapigateway%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc",
			ok: true, want: want,
		},
		{
			name: "presigned, lower-case escapes and raw slashes", target: "/?a=1&X-Amz-Credential=AKIDEXAMPLE%2f20250101/us-east-1%2Fapigateway%2Faws4_request",
			ok: true, want: want,
		},
		{
			name: "presigned, escaped key id", target: "/?X-Amz-Credential=AK%2BID%2F20250101%2Fus-east-1%2Fapigateway%2Faws4_request",
			ok: true, want: Credential{AccessKeyID: "AK+ID", Date: "20250101", Region: "us-east-1", Service: "apigateway"},
		},
		{
			name: "presigned, trailing separator", target: "/?X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fapigateway%2Faws4_request%2F",
			ok: true, want: want,
		},
		{name: "presigned, four elements", target: "/?X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Faws4_request"},
		{name: "presigned, four elements and trailing separator", target: "/?X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Faws4_request%2F"},
		{name: "presigned, six elements", target: "/?X-Amz-Credential=A%2F20250101%2Fus-east-1%2Fx%2Fy%2Faws4_request"},
		{
			name: "header wins over query", target: "/?X-Amz-Credential=OTHER%2F20250101%2Fus-east-1%2Fappconfig%2Faws4_request", ok: true, want: want,
			auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=abc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(rawRequest(t, tt.target, tt.auth))
			if ok != tt.ok || got != tt.want {
				t.Errorf("Parse = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestParseSDKSigned parses every request the SDK signer produced.
func TestParseSDKSigned(t *testing.T) {
	for _, c := range sdkCases {
		s := c.sign(t)
		got, ok := Parse(s.req)
		want := Credential{AccessKeyID: testKeyID, Date: "20250101", Region: s.region, Service: s.service}
		if !ok || got != want {
			t.Errorf("%s: Parse = %+v, %v; want %+v", c.name, got, ok, want)
		}
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	for _, c := range []sdkCase{
		{method: "GET", url: "http://example.com/restapis?limit=5"},
		{method: "GET", url: "http://example.com/restapis?limit=5", presign: true, expires: 60, token: true},
	} {
		r := c.sign(t).req
		if n := testing.AllocsPerRun(100, func() { Parse(r) }); n != 0 {
			t.Errorf("presign=%v: Parse allocates %v times per call", c.presign, n)
		}
	}
	r := rawRequest(t, "/restapis?limit=5", "")
	if n := testing.AllocsPerRun(100, func() { Parse(r) }); n != 0 {
		t.Errorf("unsigned: Parse allocates %v times per call", n)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, c := range []struct {
		name string
		c    sdkCase
	}{
		{"header", sdkCase{method: "GET", url: "http://example.com/restapis?limit=5"}},
		{"presigned", sdkCase{method: "GET", url: "http://example.com/restapis?limit=5", presign: true, expires: 60}},
		{"unsigned", sdkCase{method: "GET", url: "http://example.com/restapis?limit=5"}},
	} {
		r := c.c.sign(b).req
		if c.name == "unsigned" {
			r.Header.Del("Authorization")
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Parse(r)
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	json := []byte(`{"name":"my-api","description":"` + strings.Repeat("x", 900) + `","endpointConfiguration":{"types":["REGIONAL"]}}`)
	for _, c := range []struct {
		name string
		c    sdkCase
	}{
		{"GET", sdkCase{method: "GET", url: "http://127.0.0.1:4566/restapis?limit=25&position=abc"}},
		{"GET encoded ARN", sdkCase{method: "GET", url: "http://127.0.0.1:4566/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc"}},
		{"POST 1KiB JSON", sdkCase{method: "POST", url: "http://127.0.0.1:4566/restapis", header: http.Header{"Content-Type": {"application/json"}}, body: json}},
		{"presigned GET", sdkCase{method: "GET", url: "http://127.0.0.1:4566/restapis", presign: true, expires: 300}},
	} {
		s := c.c.sign(b)
		v := testVerifier(signTime.Add(time.Minute))
		if err := v.Verify(s.req, s.body); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Verify(s.req, s.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
