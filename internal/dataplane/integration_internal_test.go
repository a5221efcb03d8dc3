package dataplane

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestTraceIDFormat(t *testing.T) {
	re := regexp.MustCompile(`^Root=1-6553f100-[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{7}$`)
	for range 1000 {
		if id := traceID(1_700_000_000); !re.MatchString(id) {
			t.Fatalf("traceID %q", id)
		}
	}
}

// The {"statusCode": N} scanner agrees with the JSON decoder wherever it
// answers, and answers for the usual shapes.
func TestQuickStatusCode(t *testing.T) {
	cases := []string{
		`{"statusCode": 200}`, `{"statusCode":200}`, " \n{ \"statusCode\" :\t404 }\r\n", `{"statusCode": 0}`,
		`{"statusCode": 5}`, `{"statusCode": 999}`, `{"statusCode": 1000}`, `{"statusCode": 0200}`, `{"statusCode": 00}`,
		`{"statusCode": -1}`, `{"statusCode": 2e2}`, `{"statusCode": 200.0}`, `{"statusCode": "200"}`,
		`{"statusCode": 200, "x": 1}`, `{"statusCode": 200} trailing`, `{"statusCode": 200}}`, `{statusCode: 200}`,
		`{'statusCode': 200}`, `{"statuscode": 200}`, `{"statusCode" 200}`, `{"statusCode": }`, `{"statusCode": 200`,
		`{}`, ``, ` `, `200`, `{"statusCode": 20 0}`, "{\"statusCode\": 200}\v", `{"x": 1, "statusCode": 201}`,
	}
	answered := 0
	for _, in := range cases {
		slowCode, slowOK := decodeStatusCode(in)
		if code, ok := quickStatusCode(in); ok {
			answered++
			if !slowOK || code != slowCode {
				t.Errorf("%q: quick %d, decoder %d %v", in, code, slowCode, slowOK)
			}
		}
		code, ok := mockStatusCode(in)
		if code != slowCode || ok != slowOK {
			t.Errorf("%q: mockStatusCode %d %v, decoder %d %v", in, code, ok, slowCode, slowOK)
		}
	}
	if answered < 6 {
		t.Errorf("the scanner answered only %d cases", answered)
	}
}

// parseTarget's full path equals "/" + stage + rest whichever way it is
// found, and the host form reads the region label as before.
func TestParseTargetFull(t *testing.T) {
	for _, c := range []struct{ host, path string }{
		{"abc.execute-api.localhost", "/prod/items/42"}, {"abc.execute-api.localhost:4566", "/prod"},
		{"abc.execute-api.localhost", "/prod/"}, {"abc.execute-api.localhost", "/"}, {"abc.execute-api.localhost", ""},
		{"ABC.execute-api.us-east-1.amazonaws.com", "/prod/a//b"}, {"abc.execute-api.eu-west-2.", "/s/x"},
		{"abc.execute-api.eu-west-2", "/s/x"}, {"localhost:4566", "/_aws/execute-api/abc/prod/x/y"},
		{"localhost", "/_aws/execute-api/abc/prod"}, {"localhost", "/_aws/execute-api/abc//prod/x"},
		{"localhost", "/restapis/abc/prod/_user_request_/x"}, {"localhost", "/restapis/abc/prod/_user_request_"},
		{"localhost", "/restapis/abc/prod/_user_request_x"}, {"[::1]:80", "/x"},
	} {
		r := &http.Request{Host: c.host, URL: &url.URL{Path: c.path}}
		tg, ok := parseTarget(r)
		if !ok {
			continue
		}
		if want := "/" + tg.stage + tg.rest; tg.full != want {
			t.Errorf("%s %s: full %q, want %q", c.host, c.path, tg.full, want)
		}
		labels := strings.Split(tg.host, ".")
		wantRegion := ""
		if len(labels) >= 4 && labels[1] == "execute-api" && looksLikeRegion(labels[2]) {
			wantRegion = labels[2]
		}
		if tg.hostRegion != wantRegion {
			t.Errorf("%s: region %q, want %q", c.host, tg.hostRegion, wantRegion)
		}
	}
}
