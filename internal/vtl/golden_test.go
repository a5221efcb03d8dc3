package vtl

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Golden examples: mapping templates with inputs and outputs published in
// the AWS API Gateway Developer Guide and the Apache Velocity User Guide.
// Each case names the page it comes from. Where a page prints its output
// re-indented or prettified, the case compares in a whitespace-insensitive
// mode (and says so); "exact" cases match byte for byte.

type cmpMode int

const (
	exact     cmpMode = iota
	jsonEq            // both sides parse as JSON and are equal
	fields            // equal after collapsing all whitespace runs
	trimLines         // equal after trimming trailing spaces on each line
	trimSpace         // equal after trimming leading/trailing whitespace
)

type golden struct {
	name   string
	source string // page title
	body   string
	params Params
	ctx    map[string]any
	vars   map[string]any
	tpl    string
	want   string
	mode   cmpMode
	// optional extra checks
	wantStatus    int
	wantReqHeader map[string][]string
	check         func(t *testing.T, out string)
}

// petStore is the PetStore endpoint's list used throughout the AWS docs.
const petStore = `[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}]`

var goldens = []golden{
	// ---- AWS: "Tutorial: Build a REST API with HTTP non-proxy integration"
	// (section "Map response payload"). The Response Body there is a
	// console capture that keeps the template's trailing whitespace, which
	// pins down Velocity 1.7's rule that #end swallows its line break even
	// after other text on the line.
	{
		name:   "petstore flattenall",
		source: "Tutorial: Build a REST API with HTTP non-proxy integration",
		body:   petStore,
		tpl: "#set($inputRoot = $input.path('$'))\n" +
			"{\n" +
			"  \"listings\" : [\n" +
			"#foreach($elem in $inputRoot)\n" +
			"    \"Item number $elem.id is a $elem.type. The asking price is $elem.price.\"#if($foreach.hasNext),#end\n" +
			"        \n" +
			"#end\n" +
			"  ]\n" +
			"}",
		want: "{\n" +
			"  \"listings\" : [\n" +
			"    \"Item number 1 is a dog. The asking price is 249.99.\",        \n" +
			"    \"Item number 2 is a cat. The asking price is 124.99.\",        \n" +
			"    \"Item number 3 is a fish. The asking price is 0.99.\"        \n" +
			"  ]\n" +
			"}",
		mode: exact,
	},
	{
		// The page's template shows the spacer line empty while the captured
		// output carries four trailing spaces; compare with trailing
		// whitespace trimmed per line.
		name:   "petstore lambdaflattensome",
		source: "Tutorial: Build a REST API with HTTP non-proxy integration",
		body:   petStore,
		tpl: "#set($inputRoot = $input.path('$'))\n" +
			"[\n" +
			"#foreach($elem in $inputRoot)\n" +
			"  {\n" +
			"    \"description\" : \"Item $elem.id is a $elem.type.\",\n" +
			"    \"askingPrice\" : $elem.price\n" +
			"  }#if($foreach.hasNext),#end\n" +
			"\n" +
			"#end\n" +
			"]",
		want: "[\n" +
			"  {\n" +
			"    \"description\" : \"Item 1 is a dog.\",\n" +
			"    \"askingPrice\" : 249.99\n" +
			"  },    \n" +
			"  {\n" +
			"    \"description\" : \"Item 2 is a cat.\",\n" +
			"    \"askingPrice\" : 124.99\n" +
			"  },    \n" +
			"  {\n" +
			"    \"description\" : \"Item 3 is a fish.\",\n" +
			"    \"askingPrice\" : 0.99\n" +
			"  }    \n" +
			"]",
		mode: trimLines,
	},
	{
		name:   "petstore noflatten",
		source: "Tutorial: Build a REST API with HTTP non-proxy integration",
		body:   petStore,
		tpl: "#set($inputRoot = $input.path('$'))\n" +
			"[\n" +
			"#foreach($elem in $inputRoot)\n" +
			"  {\n" +
			"    \"number\": $elem.id,\n" +
			"    \"class\": \"$elem.type\",\n" +
			"    \"salesPrice\": $elem.price \n" +
			"  }#if($foreach.hasNext),#end\n" +
			"\n" +
			"#end\n" +
			"]",
		want: "[\n" +
			"  {\n" +
			"    \"number\": 1,\n" +
			"    \"class\": \"dog\",\n" +
			"    \"salesPrice\": 249.99\n" +
			"  },    \n" +
			"  {\n" +
			"    \"number\": 2,\n" +
			"    \"class\": \"cat\",\n" +
			"    \"salesPrice\": 124.99\n" +
			"  },    \n" +
			"  {\n" +
			"    \"number\": 3,\n" +
			"    \"class\": \"fish\",\n" +
			"    \"salesPrice\": 0.99\n" +
			"  }    \n" +
			"]",
		mode: trimLines,
	},

	// ---- AWS: "Understanding mapping templates" (Mapping templates for
	// REST APIs). The page prints the output re-indented: compare as JSON.
	{
		name:   "petstore description/askingPrice",
		source: "Understanding mapping templates",
		body:   petStore,
		tpl: "#set($inputRoot = $input.path('$'))\n[\n#foreach($elem in $inputRoot)\n  {\n" +
			"    \"description\" : \"Item $elem.id is a $elem.type.\",\n    \"askingPrice\" : $elem.price\n" +
			"  }#if($foreach.hasNext),#end\n\n#end\n]",
		want: `[ { "description" : "Item 1 is a dog.", "askingPrice" : 249.99 }, { "description" : "Item 2 is a cat.", "askingPrice" : 124.99 }, { "description" : "Item 3 is a fish.", "askingPrice" : 0.99 } ]`,
		mode: jsonEq,
	},

	// ---- AWS: "Photos Example (API Gateway Models and Mapping Templates)":
	// original data + output mapping template -> transformed data (printed
	// prettified: compare as JSON).
	{
		name:   "photos output mapping",
		source: "Photos Example (API Gateway Models and Mapping Templates)",
		body: `{"photos":{"page":1,"pages":"1234","perpage":100,"total":"123398","photo":[` +
			`{"id":"12345678901","owner":"23456789@A12","secret":"abc123d456","server":"1234","farm":1,"title":"Sample photo 1","ispublic":1,"isfriend":0,"isfamily":0},` +
			`{"id":"23456789012","owner":"34567890@B23","secret":"bcd234e567","server":"2345","farm":2,"title":"Sample photo 2","ispublic":1,"isfriend":0,"isfamily":0}]}}`,
		tpl: "#set($inputRoot = $input.path('$'))\n{\n  \"photos\": [\n#foreach($elem in $inputRoot.photos.photo)\n    {\n" +
			"      \"id\": \"$elem.id\",\n      \"owner\": \"$elem.owner\",\n      \"title\": \"$elem.title\",\n" +
			"      \"ispublic\": $elem.ispublic,\n      \"isfriend\": $elem.isfriend,\n      \"isfamily\": $elem.isfamily\n" +
			"    }#if($foreach.hasNext),#end\n\t\t\n#end\n  ]\n}",
		want: `{"photos":[{"id":"12345678901","owner":"23456789@A12","title":"Sample photo 1","ispublic":1,"isfriend":0,"isfamily":0},` +
			`{"id":"23456789012","owner":"34567890@B23","title":"Sample photo 2","ispublic":1,"isfriend":0,"isfamily":0}]}`,
		mode: jsonEq,
	},

	// ---- AWS: "API Gateway mapping template and access logging variable
	// reference" / "Examples using variables for mapping template
	// transformations" (Example 1). The page shows the result in a
	// JavaScript-object notation; the same values are compared as JSON.
	{
		name:   "context variables",
		source: "API Gateway mapping template and access logging variable reference",
		ctx: map[string]any{
			"stage": "prod", "requestId": "abcdefg-000-000-0000-abcdefg", "apiId": "abcd1234",
			"resourcePath": "/", "resourceId": "efg567", "httpMethod": "GET",
			"identity": map[string]any{
				"sourceIp": "192.0.2.1", "userAgent": "curl/7.84.0", "accountId": "111122223333",
				"apiKey": "MyTestKey", "caller": "ABCD-0000-12345", "user": "ABCD-0000-12345",
				"userArn": "arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar",
			},
		},
		tpl: `{
    "stage" : "$context.stage",
    "request_id" : "$context.requestId",
    "api_id" : "$context.apiId",
    "resource_path" : "$context.resourcePath",
    "resource_id" : "$context.resourceId",
    "http_method" : "$context.httpMethod",
    "source_ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "account_id" : "$context.identity.accountId",
    "api_key" : "$context.identity.apiKey",
    "caller" : "$context.identity.caller",
    "user" : "$context.identity.user",
    "user_arn" : "$context.identity.userArn"
}`,
		want: `{"stage":"prod","request_id":"abcdefg-000-000-0000-abcdefg","api_id":"abcd1234","resource_path":"/",` +
			`"resource_id":"efg567","http_method":"GET","source_ip":"192.0.2.1","user-agent":"curl/7.84.0",` +
			`"account_id":"111122223333","api_key":"MyTestKey","caller":"ABCD-0000-12345","user":"ABCD-0000-12345",` +
			`"user_arn":"arn:aws:sts::111122223333:assumed-role/Admin/carlos-salazar"}`,
		mode: jsonEq,
	},

	// ---- AWS: "API Gateway mapping template and access logging variable
	// reference", $util.parseJson example.
	{
		name:   "util.parseJson",
		source: "API Gateway mapping template and access logging variable reference",
		body:   `{"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"}`,
		tpl: "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n" +
			"{\n   \"errorMessageObjKey2ArrVal\" : $errorMessageObj.key2.arr[0]\n}\n",
		want: "{\n   \"errorMessageObjKey2ArrVal\" : 1\n}\n",
		mode: exact,
	},
	// Same page, "Example Request and Response Using $input". The printed
	// response shows "things" un-escaped, which escapeJavaScript would not
	// produce, so only the documented id and count are checked.
	{
		name:   "input params/path/json",
		source: "API Gateway mapping template and access logging variable reference",
		body:   "{\n    \"things\" : {\n        \"1\" : {},\n        \"2\" : {},\n        \"3\" : {}\n    }\n}",
		params: Params{Path: map[string]string{"id": "abc"}},
		tpl: "{\n    \"id\" : \"$input.params('id')\",\n    \"count\" : \"$input.path('$.things').size()\",\n" +
			"    \"things\" : $util.escapeJavaScript($input.json('$.things'))\n}",
		check: func(t *testing.T, out string) {
			for _, s := range []string{`"id" : "abc"`, `"count" : "3"`} {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %s:\n%s", s, out)
				}
			}
		},
	},

	// ---- AWS: "Use a Mapping Template to Override an API's Request and
	// Response Parameters and Status Codes".
	{
		name:   "response status override",
		source: "Use a Mapping Template to Override an API's Request and Response Parameters and Status Codes",
		body:   `{"errors":[{"key":"GetPetRequest.petId","message":"The value is out of range."}]}`,
		tpl: "#set($inputRoot = $input.path('$'))\n$input.json(\"$\")\n" +
			"#if($inputRoot.toString().contains(\"error\"))\n#set($context.responseOverride.status = 400)\n#end\n",
		want:       `{"errors":[{"key":"GetPetRequest.petId","message":"The value is out of range."}]}`,
		mode:       jsonEq,
		wantStatus: 400,
	},
	{
		name:   "request header override",
		source: "Use a Mapping Template to Override an API's Request and Response Parameters and Status Codes",
		params: Params{Header: map[string]string{"header1": "header1Val", "header2": "header2Val"}},
		tpl: "#set($header1Override = \"foo\")\n" +
			"#set($header3Value = \"$input.params('header1')$input.params('header2')\")\n" +
			"$input.json(\"$\")\n" +
			"#set($context.requestOverride.header.header3 = $header3Value)\n" +
			"#set($context.requestOverride.header.header1 = $header1Override)\n",
		want:          "{}",
		mode:          jsonEq,
		wantReqHeader: map[string][]string{"header3": {"header1Valheader2Val"}, "header1": {"foo"}},
	},

	// ---- Apache Velocity User Guide.
	{
		name:   "string literal interpolation",
		source: "Apache Velocity User Guide: Set / String Literals",
		tpl:    "#set( $directoryRoot = \"www\" )\n#set( $templateName = \"index.vm\" )\n#set( $template = \"$directoryRoot/$templateName\" )\n$template",
		want:   "www/index.vm",
	},
	{
		name:   "single quotes are not interpolated",
		source: "Apache Velocity User Guide: Set / String Literals",
		tpl:    "#set( $foo = \"bar\" )\n$foo\n#set( $blargh = '$foo' )\n$blargh",
		want:   "bar\n$foo",
	},
	{
		// The guide prints the unparsed block without its surrounding
		// line breaks.
		name:   "unparsed content",
		source: "Apache Velocity User Guide: Unparsed Content",
		tpl:    "#[[\n#foreach ($woogie in $boogie)\n  nothing will happen to $woogie\n#end\n]]#",
		want:   "#foreach ($woogie in $boogie)\n  nothing will happen to $woogie\n#end",
		mode:   trimSpace,
	},
	{
		name:   "escaping valid references",
		source: "Apache Velocity User Guide: Escaping Valid VTL References",
		tpl:    "## The following line defines $email in this template:\n#set( $email = \"foo\" )\n$email\n\\$email",
		want:   "foo\n$email",
	},
	{
		name:   "escaping valid references, double backslash",
		source: "Apache Velocity User Guide: Escaping Valid VTL References",
		tpl:    "## The following line defines $email in this template:\n#set( $email = \"foo\" )\n\\\\$email\n\\\\\\$email",
		want:   "\\foo\n\\$email",
	},
	{
		name:   "escaping undefined references",
		source: "Apache Velocity User Guide: Escaping Valid VTL References",
		tpl:    "$email\n\\$email\n\\\\$email\n\\\\\\$email",
		want:   "$email\n\\$email\n\\\\$email\n\\\\\\$email",
	},
	{
		name:   "undefined reference renders literally",
		source: "Apache Velocity User Guide: Escaping Valid VTL References",
		tpl:    "#set( $foo = \"gibbous\" )\n$moon = $foo",
		want:   "$moon = gibbous",
	},
	{
		name:   "slash-bang",
		source: "Apache Velocity User Guide: Advanced Issues: Escaping and !",
		tpl:    "#set( $foo = \"bar\" )\n$\\!foo\n$\\!{foo}\n$\\\\!foo\n$\\\\\\!foo",
		want:   "$!foo\n$!{foo}\n$\\!foo\n$\\\\!foo",
	},
	{
		name:   "escaped quiet references",
		source: "Apache Velocity User Guide: Advanced Issues: Escaping and !",
		tpl:    "#set( $foo = \"bar\" )\n\\$foo\n\\$!foo\n\\$!{foo}\n\\\\$!{foo}",
		want:   "$foo\n$!foo\n$!{foo}\n\\bar",
	},
	{
		name:   "if/elseif/else",
		source: "Apache Velocity User Guide: If / ElseIf / Else",
		vars:   map[string]any{"foo": 15, "bar": 6},
		tpl: "## suppose $foo=15 and $bar=6\n#if($foo<10)\n\t**Go North**\n#elseif($foo == 10)\n\t**Go East**\n" +
			"#elseif($bar == 6)\n\t**Go South**\n#else\n\t**Go West**\n#end\n## output: Go South",
		want: "**Go South**",
		mode: fields,
	},
	{
		name:   "braced else, true",
		source: "Apache Velocity User Guide: Directives",
		vars:   map[string]any{"a": 1},
		tpl:    "#if($a==1)true enough#{else}no way!#end",
		want:   "true enough",
	},
	{
		name:   "braced else, false",
		source: "Apache Velocity User Guide: Directives",
		vars:   map[string]any{"a": 2},
		tpl:    "#if($a==1)true enough#{else}no way!#end",
		want:   "no way!",
	},
	{
		name:   "null right-hand side does not assign",
		source: "Apache Velocity User Guide: Set",
		vars:   map[string]any{"query": criteria{"name": "bill"}},
		tpl: "#set( $result = $query.criteria(\"name\") )\nThe result of the first query is $result\n\n" +
			"#set( $result = $query.criteria(\"address\") )\nThe result of the second query is $result",
		want: "The result of the first query is bill\nThe result of the second query is bill",
		mode: fields,
	},
	{
		name:   "range operator",
		source: "Apache Velocity User Guide: Range Operator",
		tpl: "First example:\n#foreach( $foo in [1..5] )\n$foo\n#end\n\nSecond example:\n#foreach( $bar in [2..-2] )\n$bar\n#end\n\n" +
			"Third example:\n#set( $arr = [0..1] )\n#foreach( $i in $arr )\n$i\n#end\n\nFourth example:\n[1..3]",
		want: "First example:\n1 2 3 4 5\n\nSecond example:\n2 1 0 -1 -2\n\nThird example:\n0 1\n\nFourth example:\n[1..3]",
		mode: fields,
	},
	{
		name:   "define",
		source: "Apache Velocity User Guide: Define",
		// The guide's prose capitalises "World"; its template sets 'world!'.
		tpl:  "#define( $block )Hello $who#end\n#set( $who = 'world!' )\n$block",
		want: "Hello world!",
	},
	{
		name:   "evaluate",
		source: "Apache Velocity User Guide: Evaluate",
		tpl:    "#set($source1 = \"abc\")\n#set($select = \"1\")\n#set($dynamicsource = \"$source$select\")\n## $dynamicsource is now the string '$source1'\n#evaluate($dynamicsource)",
		want:   "abc",
	},
	{
		// The guide re-indents its printed output.
		name:   "escaped directives",
		source: "Apache Velocity User Guide: Escaping VTL Directives",
		vars:   map[string]any{"jazz": true},
		tpl:    "\\#if( $jazz )\n    Vyacheslav Ganelin\n\\#end",
		want:   "#if( true )\n     Vyacheslav Ganelin\n #end",
		mode:   fields,
	},
	{
		name:   "double-escaped directives, true",
		source: "Apache Velocity User Guide: Escaping VTL Directives",
		vars:   map[string]any{"jazz": true},
		tpl:    "\\\\#if( $jazz )\n   Vyacheslav Ganelin\n\\\\#end",
		want:   "\\ Vyacheslav Ganelin\n\\",
		mode:   fields,
	},
	{
		name:   "double-escaped directives, false",
		source: "Apache Velocity User Guide: Escaping VTL Directives",
		vars:   map[string]any{"jazz": false},
		tpl:    "\\\\#if( $jazz )\n   Vyacheslav Ganelin\n\\\\#end",
		want:   "\\",
	},
}

// criteria is a host object with a criteria(String) method, as in the
// Velocity guide's #set example.
type criteria map[string]string

func (c criteria) Property(string) (any, bool) { return nil, false }

func (c criteria) Method(name string, args []any) (any, bool, error) {
	if name != "criteria" || len(args) != 1 {
		return nil, false, nil
	}
	k, _ := args[0].(string)
	v, ok := c[k]
	if !ok {
		return nil, true, nil
	}
	return v, true, nil
}

func (g *golden) context() *Context {
	vars := NewVars(&Input{Body: []byte(g.body), Params: g.params}, g.ctx, nil)
	for k, v := range g.vars {
		vars[k] = v
	}
	return &Context{Vars: vars}
}

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			tpl, err := Parse(g.name, g.tpl)
			if err != nil {
				t.Fatalf("[%s] parse: %v", g.source, err)
			}
			ctx := g.context()
			out, err := tpl.Render(ctx)
			if err != nil {
				t.Fatalf("[%s] render: %v", g.source, err)
			}
			if g.check != nil {
				g.check(t, out)
			} else if !equalMode(g.mode, out, g.want) {
				t.Errorf("[%s] output mismatch (mode %d)\n got: %q\nwant: %q", g.source, g.mode, out, g.want)
			}
			if g.wantStatus != 0 && ctx.ResponseOverride.Status != g.wantStatus {
				t.Errorf("status override = %d, want %d", ctx.ResponseOverride.Status, g.wantStatus)
			}
			if g.wantReqHeader != nil && !reflect.DeepEqual(ctx.RequestOverride.Header, g.wantReqHeader) {
				t.Errorf("request header override = %v, want %v", ctx.RequestOverride.Header, g.wantReqHeader)
			}
		})
	}
}

func equalMode(mode cmpMode, got, want string) bool {
	switch mode {
	case jsonEq:
		var a, b any
		if json.Unmarshal([]byte(got), &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
			return false
		}
		return reflect.DeepEqual(a, b)
	case fields:
		return strings.Join(strings.Fields(got), " ") == strings.Join(strings.Fields(want), " ")
	case trimLines:
		trim := func(s string) string {
			lines := strings.Split(s, "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight(l, " \t")
			}
			return strings.Join(lines, "\n")
		}
		return trim(got) == trim(want)
	case trimSpace:
		return strings.TrimSpace(got) == strings.TrimSpace(want)
	}
	return got == want
}
