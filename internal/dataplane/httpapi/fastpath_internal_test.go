package httpapi

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// expandSplit is the previous expand, the reference.
func expandSplit(t *uriTemplate, params, vars map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.stageVar != "":
			b.WriteString(vars[p.stageVar])
		case p.pathVar != "":
			for i, s := range strings.Split(params[p.pathVar], "/") {
				if i > 0 {
					b.WriteByte('/')
				}
				b.WriteString(url.PathEscape(s))
			}
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

func TestExpandMatchesSplit(t *testing.T) {
	vars := map[string]string{"host": "example.com:8080", "v": "a b"}
	for _, uri := range []string{"http://h/items/{id}", "http://${stageVariables.host}/{proxy}?x=1", "http://h/{a}/{b}/$stageVariables.v", "http://h/static"} {
		tpl, err := parseURITemplate(uri)
		if err != nil {
			t.Fatal(err)
		}
		if tpl.raw != uri {
			t.Errorf("raw %q", tpl.raw)
		}
		for _, v := range []string{"", "42", "a/b/c", "/lead", "trail/", "//", "sp ace/ü/%41/?#"} {
			params := map[string]string{"id": v, "proxy": v, "a": v, "b": "x/" + v}
			if got, want := tpl.expand(params, vars), expandSplit(tpl, params, vars); got != want {
				t.Errorf("%s with %q: %q, want %q", uri, v, got, want)
			}
		}
	}
}

func TestSplitSegmentsDecoded(t *testing.T) {
	for _, p := range []string{"", "/", "/a/b", "/a%20b/c", "/a//b/", "/%zz/x"} {
		raw, dec := splitSegments(p)
		var want []string
		for _, s := range raw {
			if u, err := url.PathUnescape(s); err == nil {
				want = append(want, u)
			} else {
				want = append(want, s)
			}
		}
		if !reflect.DeepEqual(dec, want) {
			t.Errorf("%q: dec %q, want %q", p, dec, want)
		}
	}
}
