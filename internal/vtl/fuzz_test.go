package vtl

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseRender feeds arbitrary templates and bodies through Parse and
// Render. It checks that nothing panics, that failures are reported as
// *ParseError / *RenderError values, and that a render stays within its
// step and output budgets and returns quickly.
func FuzzParseRender(f *testing.F) {
	for _, g := range goldens {
		f.Add(g.tpl, g.body)
	}
	f.Add(benchTemplate, benchBody(3))
	f.Add("#macro(r $n)#r($n)#end#r(1)", "")
	f.Add(`#set($s = "ab")#foreach($i in [1..30])#set($s = "$s$s")#end`, "")
	f.Add(`$input.path('$..a[?(@.b > 1)]') $util.parseJson($input.body).x`, `{"a":[{"b":2}],"x":[1]}`)
	f.Add("\\\\#if( $jazz )\n\\$a $\\!b #[[x]]# #* c *# ## d\n#{else}", "")

	const maxOut = 1 << 16
	f.Fuzz(func(t *testing.T, src, body string) {
		tpl, err := Parse("fuzz", src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %T %v is not a *ParseError", err, err)
			}
			return
		}
		in := &Input{Body: []byte(body), Params: Params{
			Path:        map[string]string{"id": "1"},
			QueryString: map[string]string{"q": "v"},
			Header:      map[string]string{"h": "x"},
		}}
		ctx := &Context{
			Vars:      NewVars(in, map[string]any{"stage": "prod", "identity": map[string]any{"sourceIp": "192.0.2.1"}}, map[string]string{"s": "v"}),
			MaxSteps:  20_000,
			MaxOutput: maxOut,
		}
		start := time.Now()
		out, err := tpl.Render(ctx)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("render took %v", d)
		}
		if err != nil {
			var re *RenderError
			if !errors.As(err, &re) {
				t.Fatalf("Render error %T %v is not a *RenderError", err, err)
			}
			return
		}
		if len(out) > maxOut {
			t.Fatalf("output of %d bytes exceeds MaxOutput", len(out))
		}
	})
}
