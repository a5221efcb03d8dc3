package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// NewRequest builds what http.NewRequestWithContext builds from the
// printed URL.
func TestNewRequestMatchesNewRequest(t *testing.T) {
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
				got, ok := NewRequest(ctx, method, u, hdr, []byte(body))
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
	c := &Deadline{Context: parent, D: time.Now().Add(30 * time.Millisecond)}
	if d, ok := c.Deadline(); !ok || d != c.D {
		t.Errorf("deadline %v %v, want %v", d, ok, c.D)
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
	c2 := &Deadline{Context: early, D: time.Now().Add(time.Hour)}
	if d, _ := c2.Deadline(); d != pd {
		t.Errorf("deadline %v, want the parent's earlier %v", d, pd)
	}
	cancel2()
	if !errors.Is(c2.Err(), context.Canceled) {
		t.Errorf("Err of a cancelled parent: %v", c2.Err())
	}
}

func TestStatusString(t *testing.T) {
	for _, c := range []int{0, 99, 100, 200, 404, 599, 600, 1000, -1} {
		if got, want := StatusString(c), fmt.Sprint(c); got != want {
			t.Errorf("%d: %q", c, got)
		}
	}
}

// RoundTrip's errors read as http.Client's.
func TestRoundTripErrorsLikeClient(t *testing.T) {
	for _, raw := range []string{"http://127.0.0.1:1/x", "http://u:pw@127.0.0.1:1/x"} {
		for _, m := range []string{"GET", "POST", "get", "M-SEARCH"} {
			u, _ := url.Parse(raw)
			req, _ := http.NewRequest(m, raw, nil)
			_, want := (&http.Client{}).Do(req)
			r2, _ := NewRequest(context.Background(), m, u, http.Header{}, nil)
			_, got := RoundTrip(&http.Transport{}, r2)
			var gu, wu *url.Error
			if !errors.As(got, &gu) || !errors.As(want, &wu) || gu.Op != wu.Op || gu.URL != wu.URL || got.Error() != want.Error() {
				t.Errorf("%s %s: %v, want %v", m, raw, got, want)
			}
		}
	}
}
