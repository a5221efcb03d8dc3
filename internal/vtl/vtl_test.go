package vtl

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// render parses and renders src with vars (plus $input built from body).
func render(t *testing.T, src string, vars map[string]any) (string, error) {
	t.Helper()
	tpl, err := Parse("t", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return tpl.Render(&Context{Vars: vars})
}

type rcase struct {
	name string
	src  string
	vars map[string]any
	want string
}

func runCases(t *testing.T, cases []rcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(t, c.src, c.vars)
			if err != nil {
				t.Fatalf("render %q: %v", c.src, err)
			}
			if got != c.want {
				t.Errorf("render %q\n got: %q\nwant: %q", c.src, got, c.want)
			}
		})
	}
}

// Whitespace handling follows Velocity 1.7's grammar (Parser.jjt): a
// directive's ')' and #else/#end eat trailing blanks plus one line break;
// #set also eats the blanks before it when they begin a new text token.
func TestWhitespace(t *testing.T) {
	runCases(t, []rcase{
		{"set eats newline", "#set($a = 1)\nx", nil, "x"},
		{"set eats leading blanks at start", "  \t#set($a = 1)\nx", nil, "x"},
		{"set keeps indentation after text", "a\n  #set($a = 1)\nx", nil, "a\n  x"},
		{"set after directive line eats indentation", "#if(true)\n  #set($a = 1)\n#end\nx$a", nil, "x1"},
		{"set after reference eats blanks", "$b  #set($a = 1)x", nil, "$bx"},
		{"if/end lines vanish at column 0", "#if(true)\nyes\n#end\nafter", nil, "yes\nafter"},
		{"indentation before if/end is kept", "  #if(true)\n  yes\n  #end\nafter", nil, "    yes\n  after"},
		{"end eats newline after inline text", "#foreach($i in [1,2])$i#if($foreach.hasNext),#end\n#end", nil, "1,2"},
		{"foreach lines", "#foreach($i in [1,2])\n$i\n#end\n", nil, "1\n2\n"},
		{"trailing blanks before newline", "#if(true) \t\nx#end", nil, "x"},
		{"else eats newline", "#if(false)\na\n#else   \nb\n#end\n", nil, "b\n"},
		{"elseif eats newline", "#if(false)\na\n#elseif(true)\nb\n#end", nil, "b\n"},
		{"crlf", "#set($a = 1)\r\nx#if(true)\r\ny#end\r\nz", nil, "xyz"},
		{"line comment eats newline", "## comment\nx", nil, "x"},
		{"inline line comment", "x ## comment\ny", nil, "x y"},
		{"block comment", "a#* c\n *#b", nil, "ab"},
		{"no gobble without newline", "#if(true) x#end y", nil, " x y"},
		{"braced end", "#if(true)a#{end}b", nil, "ab"},
		{"stop keeps newline", "a\n#stop\nb", nil, "a\n"},
	})
}

func TestReferences(t *testing.T) {
	vars := map[string]any{
		"a":     "A",
		"m":     map[string]any{"b": map[string]any{"c": "deep"}, "k-1": "dash", "list": []any{"x", "y", "z"}},
		"foo-b": "dashed",
		"n":     42,
	}
	runCases(t, []rcase{
		{"simple", "$a", vars, "A"},
		{"formal", "${a}b", vars, "Ab"},
		{"quiet null", "[$!nope][$!{nope}]", vars, "[][]"},
		{"unresolved literal", "$nope ${nope} $nope.x $nope.y()", vars, "$nope ${nope} $nope.x $nope.y()"},
		{"nested props", "$m.b.c", vars, "deep"},
		{"missing prop literal", "$m.b.zz", vars, "$m.b.zz"},
		{"dash identifier", "$foo-b", vars, "dashed"},
		{"index list", "$m.list[0]$m.list[-1]", vars, "xz"},
		{"index map", `$m["b"]["c"] $m['k-1']`, vars, "deep dash"},
		{"method get", "$m.list.get(1)", vars, "y"},
		{"not a reference", "$1 $ $. $!", vars, "$1 $ $. $!"},
		{"dot then non-alpha", "$a. $a.1", vars, "A. A.1"},
		{"number rendering", "$n", vars, "42"},
		{"dollar dollar", "$$a", vars, "$A"},
		{"hash before ref", "#$a", vars, "#A"},
		{"unterminated formal", "${a", vars, "${a"},
		{"method with spaces", `$a.concat( "b" , "" ).length()`, vars, "$a.concat( \"b\" , \"\" ).length()"},
		{"escaped unresolved quiet", `\$!nope`, vars, `\$!nope`},
	})
}

func TestExpressions(t *testing.T) {
	vars := map[string]any{"s": "str", "i": 7, "f": 2.5, "t": true, "e": ""}
	runCases(t, []rcase{
		{"int division", "#set($x = 7 / 2)$x", vars, "3"},
		{"negative division truncates", "#set($x = -7 / 2)#set($y = -7 % 3)$x $y", vars, "-3 -1"},
		{"double division", "#set($x = 7 / 2.0)$x", vars, "3.5"},
		{"precedence", "#set($x = 1 + 2 * 3 - 4 / 2)$x", vars, "5"},
		{"parens", "#set($x = (1 + 2) * 3)$x", vars, "9"},
		{"modulo", "#set($x = $i % 4)$x", vars, "3"},
		{"float math", "#set($x = 0.1 + 0.2)$x", vars, "0.30000000000000004"},
		{"int + float", "#set($x = $i + $f)$x", vars, "9.5"},
		{"overflow widens", "#set($x = 9223372036854775807 + 1)$x", vars, "9223372036854775808"},
		{"int32 overflow is fine", "#set($x = 2147483647 * 2)$x", vars, "4294967294"},
		{"big mul", "#set($x = 9223372036854775807 * 9223372036854775807)$x", vars, "85070591730234615847396907784232501249"},
		{"division by zero is null", "#set($x = 5)#set($x = 1 / 0)$x", vars, "5"},
		{"modulo by zero is null", "#set($x = 1 % 0)$x", vars, "$x"},
		{"string concat", `#set($x = "a" + 1 + 2)$x`, vars, "a12"},
		{"numeric then concat", `#set($x = 1 + 2 + "a")$x`, vars, "3a"},
		{"concat null splices literal", `#set($x = "a" + $nope)$x`, vars, "a$nope"},
		{"arith on null is null", `#set($x = 1)#set($x = $nope + 1)$x`, vars, "1"},
		{"comparisons", `#if(1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2 && 2 == 2.0)ok#end`, vars, "ok"},
		{"word operators", `#if(1 lt 2 and not false and (2 eq 2 or false) and 1 ne 2 and 2 ge 2 and 3 gt 1 and 1 le 1)ok#end`, vars, "ok"},
		{"equality across classes uses toString", `#if("7" == $i)eq#end #if("true" == true)b#end`, vars, "eq b"},
		{"null equality", `#if($nope == $nope2)nulls#end#if($nope == "x")#else ne#end`, vars, "nulls ne"},
		{"strings are not ordered", `#if("a" < "b")lt#{else}no#end`, vars, "no"},
		{"not binds tight", `#if(!$t == false)x#end`, vars, "x"},
		{"empty string is true", `#if($e)yes#end`, vars, "yes"},
		{"null is false", `#if($nope)yes#{else}no#end`, vars, "no"},
		{"literal numbers are not conditions", `#if(1)yes#{else}no#end`, vars, "no"},
		{"boolean var", `#if($t)yes#end`, vars, "yes"},
		{"unary minus", `#set($x = -$i)#set($y = -(2 + 3))$x $y`, vars, "-7 -5"},
		{"list literal", `#set($l = [1, "two", 3.0, true, [4]])$l`, vars, "[1, two, 3.0, true, [4]]"},
		{"map literal", `#set($m = {"a": 1, "b": {"c": [1, 2]}})$m $m.b.c`, vars, "{a=1, b={c=[1, 2]}} [1, 2]"},
		{"empty literals", `#set($l = [])#set($m = {})$l $m`, vars, "[] {}"},
		{"range", `#set($r = [3..1])$r`, vars, "[3, 2, 1]"},
		{"range from refs", `#set($n = 2)#foreach($i in [0..$n])$i#end`, vars, "012"},
		{"interpolated string", `#set($x = "s=$s ${i}x #if($t)T#end")$x`, vars, "s=str 7x T"},
		{"doubled quotes", `#set($x = "a""b")#set($y = 'c''d')$x $y`, vars, `a"b c'd`},
		{"backslashes stay in strings", `#set($x = "a\"b\n")$x`, vars, `a\"b\n`},
		{"unicode escape", `#set($x = "\u00e9")$x`, vars, "é"},
		{"null keyword", `#set($x = 1)#set($x = null)$x`, vars, "1"},
		{"doubles print like Java", `#set($a = 10000000.0)#set($b = 0.0001)#set($c = 100.0)#set($d = 123456.789)$a $b $c $d`, vars, "1.0E7 1.0E-4 100.0 123456.789"},
	})
}

func TestStringMethods(t *testing.T) {
	vars := map[string]any{"s": "Hello, World", "u": "héllo😀x", "csv": "a,b,,c,,", "sp": "  pad  "}
	runCases(t, []rcase{
		{"length", "$s.length() $u.length()", vars, "12 8"},
		{"substring", "$s.substring(7) $s.substring(0, 5) $u.substring(1, 2)", vars, "World Hello é"},
		{"indexOf", "$s.indexOf('o') $s.indexOf('o', 5) $s.lastIndexOf('o') $s.indexOf('zz') $u.indexOf('x')", vars, "4 8 8 -1 7"},
		{"contains/starts/ends", "$s.contains('lo,') $s.startsWith('Hell') $s.endsWith('d') $s.startsWith('World', 7)", vars, "true true true true"},
		{"case", "$s.toLowerCase() $s.toUpperCase()", vars, "hello, world HELLO, WORLD"},
		{"trim", "[$sp.trim()]", vars, "[pad]"},
		{"replace", "$s.replace('l', 'L')", vars, "HeLLo, WorLd"},
		{"replaceAll groups", `$s.replaceAll("(\w+), (\w+)", '$2 $1')`, vars, "World Hello"},
		{"replaceAll escaped dollar", `$s.replaceAll("o", '\$')`, vars, "Hell$, W$rld"},
		{"replaceFirst", `$s.replaceFirst("l+", "L")`, vars, "HeLo, World"},
		{"matches", `$s.matches("H.*d") $s.matches("ello")`, vars, "true false"},
		{"posix class", `$s.replaceAll("\p{Punct}", "")`, vars, "Hello World"},
		{"split drops trailing empties", `$csv.split(",") $csv.split(",").size()`, vars, "[a, b, , c] 4"},
		{"split with limit", `$csv.split(",", 2)`, vars, "[a, b,,c,,]"},
		{"equals", `$s.equals("Hello, World") $s.equalsIgnoreCase("hello, world")`, vars, "true true"},
		{"isEmpty/charAt/concat", `$s.isEmpty() $s.charAt(4) $s.concat("!")`, vars, "false o Hello, World!"},
		{"empty property", `$s.empty`, vars, "false"},
		{"compareTo", `$s.compareTo("Hello") $s.compareTo("Hello, World")`, vars, "7 0"},
		{"unknown method renders literally", `$s.frobnicate()`, vars, "$s.frobnicate()"},
		{"wrong arg type renders literally", `$s.substring("x")`, vars, `$s.substring("x")`},
		{"toString chain", `$s.toString().length()`, vars, "12"},
	})
}

func TestCollectionMethods(t *testing.T) {
	runCases(t, []rcase{
		{"list basics", `#set($l = [1, 2, 3])$l.size() $l.get(0) $l.isEmpty() $l.contains(2) $l.indexOf(3) $l.empty`, nil, "3 1 false true 2 false"},
		{"add renders true", `#set($l = [])$l.add("a") $l`, nil, "true [a]"},
		{"set idiom for add", `#set($l = [])#set($ignore = $l.add(1))#set($ignore = $l.add(2))$l`, nil, "[1, 2]"},
		{"void methods print nothing", `#set($l = [1])[$l.add(0, "z")][$l.clear()]$l`, nil, "[][][]"},
		{"remove by index and value", `#set($l = ["a", "b", "c"])$l.remove(0) $l.remove("c") $l`, nil, "a true [b]"},
		{"list set", `#set($l = [1, 2])$l.set(1, 9) $l`, nil, "2 [1, 9]"},
		{"index assignment", `#set($l = [1, 2])#set($l[0] = 5)$l`, nil, "[5, 2]"},
		{"map basics", `#set($m = {"a": 1, "b": 2})$m.get("a") $m.a $m.size() $m.containsKey("b") $m.containsKey("z") $m.isEmpty()`, nil, "1 1 2 true false false"},
		{"map put returns previous", `#set($m = {"a": 1})$m.put("a", 5) $m.put("new", 1) $m`, nil, `1 $m.put("new", 1) {a=5, new=1}`},
		{"map keySet/values/entrySet", `#set($m = {"x": 1, "y": "two"})$m.keySet() $m.values() $m.entrySet()`, nil, "[x, y] [1, two] [x=1, y=two]"},
		{"entry properties", `#set($m = {"x": 1})#foreach($e in $m.entrySet())$e.key=$e.value;$e.getKey()#end`, nil, "x=1;x"},
		{"map remove", `#set($m = {"x": 1, "y": 2})$m.remove("x") $m`, nil, "1 {y=2}"},
		{"set map property", `#set($m = {})#set($m.k = "v")#set($m["k2"] = 2)$m`, nil, "{k=v, k2=2}"},
		{"map equality", `#set($a = {"k": [1]})#set($b = {"k": [1]})#if($a == $b)eq#end`, nil, "eq"},
		{"self reference", `#set($l = [])#set($x = $l.add($l))$l`, nil, "[(this Collection)]"},
		{"host map order is sorted", `$hm`, map[string]any{"hm": map[string]any{"b": 1, "a": 2}}, "{a=2, b=1}"},
		{"host slice", `$hs $hs.size() $hs[1]`, map[string]any{"hs": []string{"p", "q"}}, "[p, q] 2 q"},
	})
}

func TestForeach(t *testing.T) {
	runCases(t, []rcase{
		{"loop vars", `#foreach($i in ["a", "b", "c"])$foreach.index:$foreach.count:$velocityCount:$foreach.hasNext:$foreach.first:$foreach.last $i;#end`, nil,
			"0:1:1:true:true:false a;1:2:2:true:false:false b;2:3:3:false:false:true c;"},
		{"break", `#foreach($i in [1..10])#if($i > 3)#break#end$i#end`, nil, "123"},
		{"nested parent", `#foreach($a in [1, 2])#foreach($b in ["x"])$foreach.parent.count$b#end#end`, nil, "1x2x"},
		{"loop var restored", `#set($i = "orig")#foreach($i in [1, 2])$i#end $i`, nil, "12 orig"},
		{"loop var removed", `#foreach($j in [1])$j#end $j`, nil, "1 $j"},
		{"foreach outside loop", `$foreach.index`, nil, "$foreach.index"},
		{"map iterates values", `#set($m = {"a": 1, "b": 2})#foreach($v in $m)$v#end`, nil, "12"},
		{"null skips", `#foreach($x in $nope)never#end done`, nil, " done"},
		{"string is not iterable", `#foreach($x in "abc")never#end done`, nil, " done"},
		{"null elements", `#set($l = [1])#set($z = $l.add($nope))#foreach($x in $l)[$!x]#end`, nil, "[1][]"},
		{"keySet iteration", `#set($m = {"k1": "v1", "k2": "v2"})#foreach($k in $m.keySet())$k=$m.get($k)#if($foreach.hasNext)&#end#end`, nil, "k1=v1&k2=v2"},
		{"hasNext method form", `#foreach($i in [1, 2])$foreach.hasNext()#end`, nil, "truefalse"},
	})
}

func TestDirectives(t *testing.T) {
	runCases(t, []rcase{
		{"stop", "a#stop b", nil, "a"},
		{"break at top level stops", "a#break b", nil, "a"},
		{"break leaves macro only", "#macro(m)x#break y#end#foreach($i in [1, 2])#m()$i#end", nil, "x1x2"},
		{"break in nested loop", "#foreach($a in [1, 2])#foreach($b in [1, 2])#break#end$a#end", nil, "12"},
		{"foreach visible in macro", "#macro(m)$foreach.count#end#foreach($i in [5, 6])#m()#end", nil, "12"},
		{"stop inside loop", "#foreach($i in [1, 2, 3])$i#if($i == 2)#stop#end#end after", nil, "12"},
		{"macro", "#macro(greet $who $punct)Hello $who$punct#end#greet('Ann' '!') #greet(\"Bob\", \"?\")", nil, "Hello Ann! Hello Bob?"},
		{"macro defined later", "#later(1)\n#macro(later $x)L$x#end", nil, "L1"},
		{"macro recursion", "#macro(count $n)$n#if($n > 0)#set($m = $n - 1)#count($m)#end#end#count(3)", nil, "3210"},
		{"macro args shadow", "#set($x = 'global')#macro(m $x)$x#end#m('arg') $x", nil, "arg global"},
		{"macro arity is lenient", "#set($b = 'outer')#macro(m $a $b)[$a][$b]#end#m(1) #m(1 2 3)", nil, "[1][outer] [1][2]"},
		{"unknown macro is text", "#nosuch($a) and #note(see above)", nil, "#nosuch($a) and #note(see above)"},
		{"block macro", "#macro(wrap)<$!bodyContent>#end#@wrap()inner#end", nil, "<inner>"},
		{"define", "#define($d)[$x]#end#set($x = 1)$d#set($x = 2)$d", nil, "[1][2]"},
		{"evaluate", `#set($t = "#set($q = 5)q=$q")#evaluate($t)`, nil, "q=5"},
		{"unparsed block", "#[[$a #if]]#", nil, "$a #if"},
		{"non-directive hash", "#1 #abc # x #{ #iffy #ends", nil, "#1 #abc # x #{ #iffy #ends"},
		{"escaped directive", `\#foreach \#set($a = 1) \#nothing`, nil, `#foreach #set($a = 1) \#nothing`},
		{"set without parens is text", "#set $a", nil, "#set $a"},
	})
}

func TestInput(t *testing.T) {
	in := &Input{
		Body: []byte(`{"name":"Ann","n":1.50,"big":12345678901234567890,"tags":["a","b"],"obj":{"k":"v","arr":[{"x":1}]},"url":"http://x/y","nul":null,"items":[{"p":5},{"p":15}]}`),
		Params: Params{
			Path:        map[string]string{"id": "p1", "dup": "from-path"},
			QueryString: map[string]string{"q": "x y", "dup": "from-query"},
			Header:      map[string]string{"X-Trace": "t1", "dup": "from-header"},
		},
	}
	vars := NewVars(in, nil, map[string]string{"env": "dev"})
	runCases(t, []rcase{
		{"body", "$input.body", vars, string(in.Body)},
		{"json scalar", "$input.json('$.name') $input.json('$.n') $input.json('$.big')", vars, `"Ann" 1.5 12345678901234567890`},
		{"json object and list", "$input.json('$.obj') $input.json('$.tags')", vars, `{"k":"v","arr":[{"x":1}]} ["a","b"]`},
		{"json escapes slash", "$input.json('$.url')", vars, `"http:\/\/x\/y"`},
		{"json missing and null", "$input.json('$.missing') $input.json('$.nul')", vars, "null null"},
		{"json root", "$input.json('$').length() > 0", vars, fmt.Sprintf("%d > 0", len(`{"name":"Ann","n":1.5,"big":12345678901234567890,"tags":["a","b"],"obj":{"k":"v","arr":[{"x":1}]},"url":"http:\/\/x\/y","nul":null,"items":[{"p":5},{"p":15}]}`))},
		{"path definite", "$input.path('$.name') $input.path('$.obj.k') $input.path('$.tags[1]') $input.path('name')", vars, "Ann v b Ann"},
		{"path object renders java style", "$input.path('$.obj')", vars, `{k=v, arr=[{"x":1}]}`},
		{"path list renders as json", "$input.path('$.tags') $input.path('$.tags').size()", vars, `["a","b"] 2`},
		{"path element of json list is a map", "$input.path('$.obj.arr')[0]", vars, "{x=1}"},
		{"path indefinite", "$input.path('$.items[*].p') $input.path('$..k')", vars, `[5,15] ["v"]`},
		{"path filter", "$input.path('$.items[?(@.p > 10)]')", vars, `[{"p":15}]`},
		{"path missing", "$input.path('$.missing')|$!input.path('$.missing')|", vars, "$input.path('$.missing')||"},
		{"path values are usable", "#foreach($t in $input.path('$.tags'))$t.toUpperCase()#end $input.path('$.n') $input.path('$.big')", vars, "AB 1.5 12345678901234567890"},
		{"params lookup order", "$input.params('dup') $input.params('q') $input.params('X-Trace') $input.params('x-trace') [$input.params('none')]", vars, "from-path x y t1 t1 []"},
		{"params map", "$input.params()", vars, "{path={dup=from-path, id=p1}, querystring={dup=from-query, q=x y}, header={X-Trace=t1, dup=from-header}}"},
		{"params header get", "$input.params().header.get('X-Trace') $input.params().path.id", vars, "t1 p1"},
		{"stage variables", "$stageVariables.env $stageVariables['env'] ${stageVariables['env']}", vars, "dev dev dev"},
	})

	empty := NewVars(&Input{}, nil, nil)
	runCases(t, []rcase{
		{"empty body", "$input.body $input.json('$') $input.path('$')", empty, "{} {} {}"},
	})

	bad := NewVars(&Input{Body: []byte("not json{")}, nil, nil)
	for _, src := range []string{"$input.json('$')", "$input.path('$.a')"} {
		_, err := render(t, src, bad)
		if !errors.Is(err, ErrInvalidJSONBody) {
			t.Errorf("%s on invalid body: err = %v, want ErrInvalidJSONBody", src, err)
		}
	}
	if out, err := render(t, "$input.body", bad); err != nil || out != "not json{" {
		t.Errorf("$input.body on invalid JSON = %q, %v", out, err)
	}
	if _, err := render(t, "$input.path('$.[[')", vars); err == nil {
		t.Errorf("invalid JSONPath should fail the render")
	}
	permissive := NewVars(&Input{Body: []byte(`{"id": 1, "type": "dog", "Age": 11,}`)}, nil, nil)
	runCases(t, []rcase{{"permissive body", "$input.path('$.Age')", permissive, "11"}})
}

func TestUtil(t *testing.T) {
	vars := map[string]any{"q": `it's "x" / \ é 😀` + "\n\t\x01", "m": map[string]any{"a": "b"}}
	runCases(t, []rcase{
		{"escapeJavaScript", "$util.escapeJavaScript($q)", vars, `it\'s \"x\" \/ \\ \u00E9 \uD83D\uDE00\n\t\u0001`},
		{"escapeJavaScript then restore quotes", `$util.escapeJavaScript("it's").replaceAll("\\'", "'")`, vars, "it's"},
		{"escapeJavaScript non-string", "$util.escapeJavaScript($m)", vars, "{a=b}"},
		{"escapeJavaScript null", "$util.escapeJavaScript($nope)", vars, "$util.escapeJavaScript($nope)"},
		{"urlEncode", "$util.urlEncode('a b&c=d/é*~')", vars, "a+b%26c%3Dd%2F%C3%A9*%7E"},
		{"urlDecode", "$util.urlDecode('a+b%26c%3Dd%2F%C3%A9')", vars, "a b&c=d/é"},
		{"base64", "$util.base64Encode('hello é') $util.base64Decode('aGVsbG8gw6k=') $util.base64Decode('aGVsbG8')", vars, "aGVsbG8gw6k= hello é hello"},
		{"parseJson", `#set($o = $util.parseJson('{"a":[1,{"b":true}],"c":"d"}'))$o.a[1].b $o.c $o.a $o`, vars, `true d [1,{"b":true}] {a=[1,{"b":true}], c=d}`},
		{"parseJson scalar", `$util.parseJson('"s"') $util.parseJson('3')`, vars, "s 3"},
	})
	if _, err := render(t, "$util.urlDecode('%zz')", nil); err == nil {
		t.Error("urlDecode of malformed escape should fail")
	}
	if _, err := render(t, "$util.parseJson('{nope')", nil); err == nil {
		t.Error("parseJson of invalid JSON should fail")
	}
}

func TestOverrides(t *testing.T) {
	callerCtx := map[string]any{"requestId": "r-1", "identity": map[string]any{"sourceIp": "192.0.2.1"}}
	tpl := MustParse("o", `#set($context.responseOverride.status = "404")
#set($context.responseOverride.header.Content-Type = 'text/plain')
#set($context.requestOverride.header.multi = ["1", "2"])
#set($context.requestOverride.querystring.q = 5)
#set($context.requestOverride.path.id = "p")
$context.requestId $context.identity.sourceIp $context.responseOverride.status`)
	ctx := &Context{Vars: map[string]any{"context": callerCtx}}
	out, err := tpl.Render(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out != "r-1 192.0.2.1 404" {
		t.Errorf("out = %q", out)
	}
	if ctx.ResponseOverride.Status != 404 {
		t.Errorf("status = %d", ctx.ResponseOverride.Status)
	}
	if got := ctx.ResponseOverride.Header["Content-Type"]; len(got) != 1 || got[0] != "text/plain" {
		t.Errorf("response header = %v", ctx.ResponseOverride.Header)
	}
	if got := ctx.RequestOverride.Header["multi"]; len(got) != 2 || got[1] != "2" {
		t.Errorf("request header = %v", ctx.RequestOverride.Header)
	}
	if ctx.RequestOverride.QueryString["q"][0] != "5" || ctx.RequestOverride.Path["id"] != "p" {
		t.Errorf("request override = %+v", ctx.RequestOverride)
	}
	if _, leaked := callerCtx["responseOverride"]; leaked {
		t.Error("render modified the caller's context map")
	}
	// A second render starts from clean overrides.
	ctx2 := &Context{Vars: map[string]any{"context": callerCtx}}
	if _, err := MustParse("o2", "x").Render(ctx2); err != nil || ctx2.ResponseOverride.Status != 0 || ctx2.RequestOverride.Header != nil {
		t.Errorf("fresh render has overrides: %+v %v", ctx2, err)
	}
}

func TestLimits(t *testing.T) {
	cases := []struct {
		name string
		src  string
		ctx  Context
		want error
	}{
		{"huge range", "#foreach($i in [1..100000000])x#end", Context{}, ErrStepLimit},
		{"nested loops", "#set($r = [1..2000])#foreach($a in $r)#foreach($b in $r)#end#end", Context{}, ErrStepLimit},
		{"small step budget", "#foreach($i in [1..100])$i#end", Context{MaxSteps: 50}, ErrStepLimit},
		{"output cap", "#foreach($i in [1..100])0123456789#end", Context{MaxOutput: 500}, ErrOutputLimit},
		{"string doubling", `#set($s = "xxxxxxxxxxxxxxxx")#foreach($i in [1..40])#set($s = "$s$s")#end`, Context{MaxOutput: 1 << 20}, ErrOutputLimit},
		{"concat doubling", `#set($s = "xxxxxxxxxxxxxxxx")#foreach($i in [1..40])#set($s = $s + $s)#end`, Context{MaxOutput: 1 << 20}, ErrOutputLimit},
		{"replace blowup", `#set($s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")#foreach($i in [1..20])#set($s = $s.replace("a", "aa"))#end`, Context{MaxOutput: 1 << 20}, ErrOutputLimit},
		{"infinite macro recursion", "#macro(r)#r()#end#r()", Context{}, ErrDepthLimit},
		{"replaceAll blowup", `#set($s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")#foreach($i in [1..6])#set($s = $s.replaceAll("a", "$0$0$0$0"))#end`, Context{MaxOutput: 1 << 16}, ErrOutputLimit},
		{"replaceAll empty pattern", `#set($s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")$s.replaceAll("", "0123456789")`, Context{MaxOutput: 100}, ErrOutputLimit},
		{"self-referencing define", "#define($d)$d#end$d", Context{}, ErrDepthLimit},
		{"evaluate recursion", `#set($s = '#evaluate($s)')#evaluate($s)`, Context{}, ErrDepthLimit},
		{"cyclic structure", `#set($a = [])#set($b = [$a])#set($x = $a.add($b))$a`, Context{}, ErrDepthLimit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse(c.name, c.src)
			if err != nil {
				t.Fatal(err)
			}
			ctx := c.ctx
			_, err = tpl.Render(&ctx)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			var re *RenderError
			if !errors.As(err, &re) || re.Line < 1 {
				t.Errorf("error %v carries no position", err)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	vars := map[string]any{"s": "abc", "l": []any{1}}
	for _, src := range []string{
		"$s.substring(5)",
		"$s.charAt(-1)",
		"$l.get(3)",
		"$l[7]",
		`$s.replaceAll("(?=x)", "")`, // lookahead is not RE2
		`$s.replaceAll("a", "$")`,    // bad replacement
		"#include('x')",              // checked at parse time below
	} {
		tpl, err := Parse("e", src)
		if err != nil {
			if !strings.Contains(src, "#include") {
				t.Errorf("parse %q: %v", src, err)
			}
			continue
		}
		if _, err := tpl.Render(&Context{Vars: vars}); err == nil {
			t.Errorf("render %q: expected an error", src)
		}
	}
	_, err := MustParse("pos", "line1\n  $s.substring(9)").Render(&Context{Vars: vars})
	var re *RenderError
	if !errors.As(err, &re) || re.Line != 2 || re.Col != 6 || !strings.HasPrefix(err.Error(), "pos:2:6:") {
		t.Errorf("error position: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"#if($a)\nno end", 1, 1, "without matching #end"},
		{"text\n#end", 2, 1, "unexpected #end"},
		{"#else", 1, 1, "unexpected #else"},
		{"#set($a = )", 1, 11, "unexpected ')'"},
		{"#set($a 1)", 1, 9, "expected '='"},
		{"#set(a = 1)", 1, 6, "left-hand side"},
		{"x\n  #if($a == \"x)\n#end", 2, 13, "unterminated string"},
		{"#foreach($i of $l)#end", 1, 13, "expected 'in'"},
		{"#* never closed", 1, 1, "unterminated #* comment"},
		{"#[[ never closed", 1, 1, "unterminated #[[ block"},
		{"#if\n", 1, 1, "requires a condition"},
		{"#foreach($i in $l)\n#else\n#end", 2, 1, "unexpected #else"},
		{"#set($a.b() = 1)", 1, 6, "method call"},
		{"#include('f')", 1, 1, "not supported"},
		{strings.Repeat("#if(true)", 300), 1, 1, "nesting"},
		{"#set($x = " + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500) + ")", 1, 1, "nesting"},
	}
	for _, c := range cases {
		_, err := Parse("p", c.src)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%.40q) error = %v, want *ParseError", c.src, err)
			continue
		}
		if !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("Parse(%.40q) msg = %q, want %q", c.src, pe.Msg, c.msg)
		}
		if c.msg != "nesting" && (pe.Line != c.line || pe.Col != c.col) {
			t.Errorf("Parse(%.40q) at %d:%d, want %d:%d (%v)", c.src, pe.Line, pe.Col, c.line, c.col, err)
		}
		if !strings.HasPrefix(err.Error(), fmt.Sprintf("p:%d:%d: ", pe.Line, pe.Col)) {
			t.Errorf("error text %q lacks name:line:col", err)
		}
	}
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 0.5: "0.5", 100: "100.0", 1e7: "1.0E7", 1.5e7: "1.5E7", 9999999: "9999999.0",
		0.001: "0.001", 0.0001: "1.0E-4", 123456.789: "123456.789", -2.5: "-2.5", 1e21: "1.0E21",
		249.99: "249.99", 1.0 / 3: "0.3333333333333333",
	} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestJSONParse(t *testing.T) {
	v, err := parseJSON(`{"b":1,"a":[true,false,null,"\u00e9\ud83d\ude00",-0.5e1,'sq',],unq:2}`)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(*Map)
	if got := strings.Join(m.Keys(), ","); got != "b,a,unq" {
		t.Errorf("key order %s", got)
	}
	b, _ := appendJSON(nil, v, 0, 0)
	if want := `{"b":1,"a":[true,false,null,"é😀",-5.0,"sq"],"unq":2}`; string(b) != want {
		t.Errorf("round trip %s, want %s", b, want)
	}
	for _, bad := range []string{"", "{", `{"a":}`, "[1 2]", `"unterminated`, "tru", "{} x", strings.Repeat("[", 1000) + strings.Repeat("]", 1000)} {
		if _, err := parseJSON(bad); err == nil {
			t.Errorf("parseJSON(%.20q) accepted", bad)
		}
	}
}

// A parsed template is shared by many goroutines rendering different
// inputs; run with -race.
func TestConcurrentRender(t *testing.T) {
	tpl := MustParse("c", `#set($r = $input.path('$'))
#foreach($x in $r.items)
$x.n:$input.params('id')#if($foreach.hasNext),#end
#end
#set($context.responseOverride.status = $r.status)`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 50; k++ {
				in := &Input{
					Body:   []byte(fmt.Sprintf(`{"status":%d,"items":[{"n":%d},{"n":%d}]}`, 200+g, g, k)),
					Params: Params{Path: map[string]string{"id": fmt.Sprint(g)}},
				}
				ctx := &Context{Vars: NewVars(in, map[string]any{}, nil)}
				out, err := tpl.Render(ctx)
				want := fmt.Sprintf("%d:%d,%d:%d", g, g, k, g)
				if err != nil || out != want || ctx.ResponseOverride.Status != 200+g {
					errs <- fmt.Errorf("goroutine %d: %q (%v) status %d, want %q", g, out, err, ctx.ResponseOverride.Status, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNumbers(t *testing.T) {
	vars := map[string]any{"i": 7, "f": 2.75, "neg": -2.5, "u": uint64(18446744073709551615), "f32": float32(0.5), "t": true}
	runCases(t, []rcase{
		{"number methods", "$i.intValue() $f.intValue() $neg.longValue() $i.doubleValue() $i.compareTo(9) $i.equals(7) $i.toString().length()", vars, "7 2 -2 7.0 -1 true 1"},
		{"boolean methods", "$t.toString() $t.booleanValue() $t.equals(true)", vars, "true true true"},
		{"host numeric types", "$u $f32", vars, "18446744073709551615 0.5"},
		{"big arithmetic", "#set($b = 9223372036854775807 + 1)#set($c = $b - 1)#set($d = $b * 2)#set($e = $b / 2)#set($g = $b % 7)$c $d $e $g", vars,
			"9223372036854775807 18446744073709551616 4611686018427387904 1"},
		{"big comparisons", "#set($b = 9223372036854775807 + 1)#if($b > 9223372036854775807 && $b == $u - 18446744073709551615 + $b)ok#end", vars, "ok"},
		{"big and double", "#set($b = 9223372036854775807 + 1)#set($x = $b * 0.5)$x", vars, "4.611686018427388E18"},
		{"big division by zero", "#set($b = 9223372036854775807 + 1)#set($x = 1)#set($x = $b / 0)$x", vars, "1"},
		{"big literal", "#set($b = 123456789012345678901234567890)#set($c = $b + 1)#set($d = -$b)$c $d", vars, "123456789012345678901234567891 -123456789012345678901234567890"},
		{"min int edge", "#set($m = -9223372036854775807 - 1)#set($x = $m / -1)#set($y = $m % -1)#set($z = $m * -1)$x $y $z", vars,
			"9223372036854775808 0 9223372036854775808"},
		{"double modulo", "#set($x = 7.5 % 2)$x", vars, "1.5"},
		{"double division by zero", "#set($x = 1)#set($x = 1.0 / 0)$x", vars, "1"},
	})
}

func TestJSONEscaping(t *testing.T) {
	in := &Input{Body: []byte(`{"s":"tab\there\u0001 line\u2028sep \u0085 quote\" back\\ slash/"}`)}
	got, err := render(t, "$input.json('$.s')", NewVars(in, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"tab\there\u0001 line\u2028sep \u0085 quote\" back\\ slash\/"`; got != want {
		t.Errorf("got %s want %s", got, want)
	}
}
