package dataplane

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
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

// newBackendRequest builds what http.NewRequestWithContext builds from the
// printed URL.
func TestNewBackendRequestMatchesNewRequest(t *testing.T) {
	ctx := context.WithValue(context.Background(), struct{}{}, 1)
	urls := []string{"http://h/", "http://h:8080/a/b%20c/d?x=1&x=2&y=a%2Bb", "https://h:/p", "http://[::1]:80/x",
		"http://[::1]:/x", "http://user:pw@h/p?q#f", "http://h/%2F/x", "http://h", "http://h/a b"}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, method := range []string{"GET", "POST", "PATCH", "M-SEARCH", "bad method", ""} {
			for _, body := range []string{"", "hello"} {
				hdr := http.Header{"X": {"1"}}
				var rd io.Reader
				if body != "" {
					rd = bytes.NewReader([]byte(body))
				}
				want, wantErr := http.NewRequestWithContext(ctx, method, u.String(), rd)
				got, ok := newBackendRequest(ctx, method, u, hdr, []byte(body))
				if (wantErr == nil) != ok {
					t.Errorf("%s %s: ok %v, NewRequest error %v", method, raw, ok, wantErr)
					continue
				}
				if !ok {
					continue
				}
				want.Header = hdr
				if got.Method != want.Method || got.URL.String() != want.URL.String() || got.Host != want.Host ||
					got.Proto != want.Proto || got.ProtoMajor != want.ProtoMajor || got.ProtoMinor != want.ProtoMinor ||
					got.ContentLength != want.ContentLength || (got.Body == nil) != (want.Body == nil) ||
					(got.GetBody == nil) != (want.GetBody == nil) || got.Context() != want.Context() ||
					got.URL.EscapedPath() != want.URL.EscapedPath() || got.URL.RequestURI() != want.URL.RequestURI() {
					t.Errorf("%s %s %q:\n got %+v\nwant %+v", method, raw, body, got, want)
					continue
				}
				if got.Body != nil {
					gb, _ := io.ReadAll(got.Body)
					g2, _ := got.GetBody()
					gb2, _ := io.ReadAll(g2)
					if string(gb) != body || string(gb2) != body {
						t.Errorf("body %q / GetBody %q, want %q", gb, gb2, body)
					}
				}
			}
		}
	}
}

func TestDeadlineCtx(t *testing.T) {
	parent, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	c := &deadlineCtx{Context: parent, d: time.Now().Add(30 * time.Millisecond)}
	if d, ok := c.Deadline(); !ok || d != c.d {
		t.Errorf("deadline %v %v, want %v", d, ok, c.d)
	}
	if c.Err() != nil {
		t.Errorf("Err before the deadline: %v", c.Err())
	}
	time.Sleep(40 * time.Millisecond)
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("Err after the deadline: %v", c.Err())
	}
	early, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	pd, _ := early.Deadline()
	c2 := &deadlineCtx{Context: early, d: time.Now().Add(time.Hour)}
	if d, _ := c2.Deadline(); d != pd {
		t.Errorf("deadline %v, want the parent's earlier %v", d, pd)
	}
	cancel2()
	if !errors.Is(c2.Err(), context.Canceled) {
		t.Errorf("Err of a cancelled parent: %v", c2.Err())
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
