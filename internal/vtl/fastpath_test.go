package vtl

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// slowTemplate is t with the fast paths off: rendered through a renderer,
// with $context copied.
func slowTemplate(t *Template) *Template {
	s := *t
	s.literal, s.ctxReadOnly = false, false
	return &s
}

// fastPathContext is a $context like the data plane's, fresh per call so a
// template that writes nested maps affects only its own copy.
func fastPathContext() map[string]any {
	return map[string]any{
		"stage": "prod", "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "httpMethod": "GET",
		"requestTimeEpoch": int64(1700000000000), "isCanaryRequest": false, "count": 3,
		"identity":   map[string]any{"sourceIp": "192.0.2.1", "userAgent": "ua"},
		"authorizer": map[string]any{"principalId": "me", "claims": map[string]any{"sub": "abc"}},
	}
}

// renderBoth renders src with and without the fast paths over the same
// inputs and fails when anything observable differs: output, error,
// overrides, and what happened to the caller's context map.
func renderBoth(t *testing.T, name, src, body string, maxOut int) (fast bool) {
	t.Helper()
	tpl, err := Parse(name, src)
	if err != nil {
		return false
	}
	type result struct {
		out  string
		err  string
		req  RequestOverride
		resp ResponseOverride
		ctx  map[string]any
	}
	run := func(tp *Template) result {
		ctxMap := fastPathContext()
		in := &Input{Body: []byte(body), Params: Params{Path: map[string]string{"id": "1"},
			QueryString: map[string]string{"q": "v"}, Header: map[string]string{"h": "x"}}}
		c := &Context{Vars: NewVars(in, ctxMap, map[string]string{"s": "v"}), QuietRoots: []string{"stageVariables", "context"},
			MaxSteps: 20_000, MaxOutput: maxOut}
		out, err := tp.Render(c)
		res := result{out: out, req: c.RequestOverride, resp: c.ResponseOverride, ctx: ctxMap}
		if err != nil {
			res.err = err.Error()
		}
		return res
	}
	f, s := run(tpl), run(slowTemplate(tpl))
	if !reflect.DeepEqual(f, s) {
		t.Errorf("%s: %q: fast and slow paths differ (literal %v, ctxReadOnly %v)\nfast: %#v\nslow: %#v",
			name, src, tpl.literal, tpl.ctxReadOnly, f, s)
	}
	return tpl.literal || tpl.ctxReadOnly
}

// fastPathTemplates exercise the literal and read-only $context paths and
// the cases that must keep the copy.
var fastPathTemplates = []string{
	`{"statusCode": 200}`,
	"{\"statusCode\": 200}\n",
	`plain text with \ backslashes \\ and "quotes" and {braces}`,
	"",
	"line1\r\nline2\ttab",
	`{"stage":"$context.stage","req":"$context.requestId"}`,
	`$context.identity.sourceIp $context.identity.userAgent $context.nope $!context.nope ${context.stage}`,
	`$context.authorizer.claims.sub $context.authorizer.claims['sub'] $context.authorizer.get('principalId')`,
	`$context.requestTimeEpoch $context.count $context.isCanaryRequest $context.httpMethod.toLowerCase()`,
	`#if($context.stage == "prod")yes#else no#end`,
	`#set($x = $context.stage)$x #set($ctx = $context.identity)$ctx.sourceIp`,
	`#set($context.requestOverride.header.X-A = "a")#set($context.responseOverride.status = 201)$context.requestOverride`,
	`#set($context.requestOverride.querystring.q = ["1","2"])#set($context.requestOverride.path.id = "9")#set($context.responseOverride.header.H = "h")done`,
	`$context.requestOverride.header.put("X", "1")$context.responseOverride.put("status", 418)`,
	`#set($context.identity.sourceIp = "10.0.0.1")$context.identity.sourceIp`,
	`#foreach($k in $context.identity.keySet())$k=$context.identity.get($k);#end`,
	`#macro(show $a)[$a $context.stage]#end#show($context.requestId)`,
	`"$context.stage-$context.requestId" #set($s = "$context.stage")$s`,
	`\$context.stage \\$context.stage $context.stage.length()`,
	// These keep the copy.
	`#set($context.stage = "beta")$context.stage`,
	`#set($context.stage = "beta")`,
	`$context`,
	`$context.put("stage", "beta")$context.stage`,
	`$context.remove("stage")$context.stage`,
	`$context.keySet() $context.size()`,
	`#foreach($e in $context.entrySet())$e.key;#end`,
	`#set($c = $context)$c.put("stage","x")$context.stage`,
	`#set($context['stage'] = "x")$context.stage`,
	`$context['stage']`,
	`#if($context)yes#end`,
	`#evaluate('$context.stage')`,
	`#macro(m $c)$c.put("stage","y")#end#m($context)$context.stage`,
	`#set($context = {"stage": "replaced"})$context.stage`,
	`#set($context.requestOverride = "x")$context.requestOverride`,
	`$context.clear()$context.stage`,
}

func TestFastPathsMatchSlowPaths(t *testing.T) {
	fast := 0
	for i, src := range fastPathTemplates {
		if renderBoth(t, fmt.Sprint("t", i), src, `{"a":1}`, 0) {
			fast++
		}
	}
	for _, g := range goldens {
		if renderBoth(t, g.name, g.tpl, g.body, 0) {
			fast++
		}
	}
	// Output limit around a literal template's size.
	for _, n := range []int{1, 18, 19, 20} {
		renderBoth(t, "limit", `{"statusCode": 200}`, "", n)
	}
	if fast < 20 {
		t.Errorf("only %d templates took a fast path", fast)
	}
}

// Which templates take which path.
func TestFastPathDecisions(t *testing.T) {
	for _, c := range []struct {
		src               string
		literal, readOnly bool
	}{
		{`{"statusCode": 200}`, true, true},
		{`{"s": "$context.stage"}`, false, true},
		{`#set($context.requestOverride.header.X = "1")`, false, true},
		{`$context.identity.put("a", 1)`, false, true},
		{`#set($context.stage = "x")`, false, false},
		{`#set($context.requestOverride = "x")`, false, false},
		{`$context`, false, false},
		{`$context.put("a", 1)`, false, false},
		{`$context["a"]`, false, false},
		{`#set($c = $context)`, false, false},
		{`#evaluate("x")`, false, false},
		{`#macro(m)$context#end`, false, false},
		{`#foreach($x in $context)#end`, false, false},
		{`$util.escapeJavaScript($context)`, false, false},
		{`"$context"`, false, false},
	} {
		tpl := MustParse("t", c.src)
		if tpl.literal != c.literal || tpl.ctxReadOnly != c.readOnly {
			t.Errorf("%q: literal %v readOnly %v, want %v %v", c.src, tpl.literal, tpl.ctxReadOnly, c.literal, c.readOnly)
		}
	}
}

// A template that #sets $context.x keeps seeing its own value, and the
// caller's map is not changed.
func TestContextSetStaysLocal(t *testing.T) {
	ctxMap := fastPathContext()
	tpl := MustParse("t", `#set($context.stage = "beta")$context.stage`)
	out, err := tpl.Render(&Context{Vars: NewVars(&Input{}, ctxMap, nil)})
	if err != nil || out != "beta" || ctxMap["stage"] != "prod" {
		t.Fatalf("out %q err %v, caller's stage %v", out, err, ctxMap["stage"])
	}
}

func FuzzFastPaths(f *testing.F) {
	for _, s := range fastPathTemplates {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		renderBoth(t, "fuzz", src, `{"a":[1,2],"b":"x"}`, 1<<16)
	})
}

// ParamsFunc gives what Params gives, and is not called by templates that
// do not read the parameters.
func TestParamsFunc(t *testing.T) {
	p := Params{Path: map[string]string{"id": "1"}, QueryString: map[string]string{"q": "v"}, Header: map[string]string{"H": "x"}}
	for _, src := range []string{`$input.params('id') $input.params('q') $input.params('h') $input.params().path.id`,
		`#foreach($k in $input.params().header.keySet())$k#end $input.params().querystring`, `$input.body`, `static`} {
		tpl := MustParse("t", src)
		want, err := tpl.Render(&Context{Vars: NewVars(&Input{Body: []byte(`{}`), Params: p}, nil, nil)})
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		got, err := tpl.Render(&Context{Vars: NewVars(&Input{Body: []byte(`{}`), ParamsFunc: func() Params { calls++; return p }}, nil, nil)})
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", src, got, err, want)
		}
		if reads := strings.Contains(src, "params"); reads != (calls > 0) {
			t.Errorf("%q: ParamsFunc called %d times", src, calls)
		}
	}
}
