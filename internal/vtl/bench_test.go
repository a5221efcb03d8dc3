package vtl

import (
	"fmt"
	"strings"
	"testing"
)

// benchTemplate is a typical ~20-line request mapping template: JSONPath
// access, a loop over the items, parameters, context and $util calls.
const benchTemplate = `#set($root = $input.path('$'))
#set($items = $input.path('$.order.items'))
{
  "requestId": "$context.requestId",
  "customer": "$util.escapeJavaScript($root.order.customer.name)",
  "email": "$root.order.customer.email.toLowerCase()",
  "source": "$input.params('source')",
  "count": $items.size(),
  "items": [
#foreach($item in $items)
    {
      "sku": "$item.sku",
      "qty": $item.qty,
      "price": $item.price,
      "total": #set($t = $item.qty * $item.price)$t,
      "gift": #if($item.gift)true#{else}false#end
    }#if($foreach.hasNext),#end
#end
  ],
  "raw": $input.json('$.order.meta')
}`

func benchBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"order":{"customer":{"name":"Ann O'Neil","email":"Ann@Example.com"},"meta":{"channel":"web","tags":["a","b"]},"items":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","qty":%d,"price":%d.5,"gift":%t}`, i, i%5+1, i+10, i%3 == 0)
	}
	b.WriteString(`]}}`)
	return b.String()
}

func benchCtx(body string) *Context {
	in := &Input{Body: []byte(body), Params: Params{QueryString: map[string]string{"source": "bench"}}}
	return &Context{Vars: NewVars(in, map[string]any{"requestId": "req-1", "stage": "prod"}, nil)}
}

// TestBenchTemplate pins the benchmark template's output, including
// Velocity 1.7's habit of joining lines after an inline #end.
func TestBenchTemplate(t *testing.T) {
	out, err := MustParse("bench", benchTemplate).Render(benchCtx(benchBody(2)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "requestId": "req-1",
  "customer": "Ann O\'Neil",
  "email": "ann@example.com",
  "source": "bench",
  "count": 2,
  "items": [
    {
      "sku": "SKU-0000",
      "qty": 1,
      "price": 10.5,
      "total": 10.5,
      "gift": true    },    {
      "sku": "SKU-0001",
      "qty": 2,
      "price": 11.5,
      "total": 23.0,
      "gift": false    }  ],
  "raw": {"channel":"web","tags":["a","b"]}
}`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench", benchTemplate); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender parses once and renders the 20-line template over a
// 50-item body per iteration (including parsing the JSON body, which
// happens once per Render).
func BenchmarkRender(b *testing.B) {
	tpl := MustParse("bench", benchTemplate)
	body := benchBody(50)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(benchCtx(body)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderParallel(b *testing.B) {
	tpl := MustParse("bench", benchTemplate)
	body := benchBody(50)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tpl.Render(benchCtx(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
