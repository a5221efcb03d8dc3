package lambda_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/lambda"
)

type hdrs = map[string][]string

func TestParseResponseV1(t *testing.T) {
	ok := []struct {
		name    string
		payload string
		want    lambda.Response
	}{
		{"minimal", `{"statusCode":200,"body":"hi"}`, lambda.Response{StatusCode: 200, Body: "hi"}},
		{"empty object defaults to 200", `{}`, lambda.Response{StatusCode: 200}},
		{"statusCode as numeric string", `{"statusCode":"404","body":"x"}`, lambda.Response{StatusCode: 404, Body: "x"}},
		{"integral float statusCode", `{"statusCode":201.0}`, lambda.Response{StatusCode: 201}},
		{"null statusCode", `{"statusCode":null}`, lambda.Response{StatusCode: 200}},
		{"whitespace around", " \n{\"statusCode\":204}\n", lambda.Response{StatusCode: 204}},
		{"nulls everywhere", `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":null,"isBase64Encoded":null}`,
			lambda.Response{StatusCode: 200}},
		{"bool and number header values", `{"statusCode":200,"headers":{"X-Bool":true,"X-False":false,"X-Num":42,"X-Null":null,"X-Str":"s"}}`,
			lambda.Response{StatusCode: 200, Headers: hdrs{"X-Bool": {"true"}, "X-False": {"false"}, "X-Num": {"42"}, "X-Str": {"s"}}}},
		{"multiValueHeaders win over headers, case-insensitively",
			`{"statusCode":200,"headers":{"Set-Cookie":"a=1","x-one":"1","X-Keep":"k"},"multiValueHeaders":{"set-cookie":["b=2","c=3"],"X-One":[1,true]}}`,
			lambda.Response{StatusCode: 200, Headers: hdrs{"set-cookie": {"b=2", "c=3"}, "X-One": {"1", "true"}, "X-Keep": {"k"}}}},
		{"isBase64Encoded", `{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`, lambda.Response{StatusCode: 200, Body: "aGk=", IsBase64Encoded: true}},
		{"isBase64Encoded as string", `{"statusCode":200,"isBase64Encoded":"false"}`, lambda.Response{StatusCode: 200}},
		{"number body is its text", `{"statusCode":200,"body":12.5}`, lambda.Response{StatusCode: 200, Body: "12.5"}},
		{"escaped key and whitespace", " {\n \"status\\u0043ode\" : 418 ,\t\"body\" : \"tea \\u2615 \\\"pot\\\"\" } ", lambda.Response{StatusCode: 418, Body: "tea \u2615 \"pot\""}},
		{"duplicate key: the last counts", `{"body":"first","body":"second"}`, lambda.Response{StatusCode: 200, Body: "second"}},
		{"invalid UTF-8 in body becomes U+FFFD", "{\"body\":\"a\xffb\"}", lambda.Response{StatusCode: 200, Body: "a\ufffdb"}},
		{"nested values inside strings do not confuse the reader", `{"body":"{\"statusCode\":500,\"x\":[1,{\"y\":\"]}\"}]}","statusCode":200}`,
			lambda.Response{StatusCode: 200, Body: `{"statusCode":500,"x":[1,{"y":"]}"}]}`}},
		{"aws-lambda-go response shape", mustJSON(events.APIGatewayProxyResponse{StatusCode: 302, Headers: map[string]string{"Location": "/x"}}),
			lambda.Response{StatusCode: 302, Headers: hdrs{"Location": {"/x"}}}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			got, err := lambda.ParseResponseV1([]byte(c.payload))
			if err != nil {
				t.Fatalf("ParseResponseV1(%s): %v", c.payload, err)
			}
			if d := cmp.Diff(&c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}

	// Each contract violation is a 502 on REST [V].
	bad := []struct{ name, payload, reason string }{
		{"not JSON", `Hello`, "output is not JSON"},
		{"empty output", ``, "output is not JSON"},
		{"truncated JSON", `{"statusCode":200`, "output is not JSON"},
		{"bare string", `"Hello from Lambda"`, "output is not a JSON object"},
		{"array", `[1,2]`, "output is not a JSON object"},
		{"null", `null`, "output is not a JSON object"},
		{"number", `200`, "output is not a JSON object"},
		{"extra key", `{"statusCode":200,"body":"x","extra":1}`, `unexpected key "extra"`},
		{"cookies is an extra key in 1.0", `{"statusCode":200,"cookies":["a=b"]}`, `unexpected key "cookies"`},
		{"keys are case-sensitive", `{"StatusCode":200}`, `unexpected key "StatusCode"`},
		{"non-integer statusCode string", `{"statusCode":"OK"}`, `statusCode "OK" is not an integer`},
		{"fractional statusCode", `{"statusCode":200.5}`, "statusCode 200.5 is not an integer"},
		{"bool statusCode", `{"statusCode":true}`, "statusCode is not an integer"},
		{"object statusCode", `{"statusCode":{"code":200}}`, "statusCode is not an integer"},
		{"statusCode out of range", `{"statusCode":0}`, "statusCode 0 is not an HTTP status"},
		{"statusCode too large", `{"statusCode":1000}`, "statusCode 1000 is not an HTTP status"},
		{"headers not an object", `{"statusCode":200,"headers":"x"}`, "headers is not an object"},
		{"headers as list", `{"statusCode":200,"headers":[]}`, "headers is not an object"},
		{"header value object", `{"statusCode":200,"headers":{"X":{"a":1}}}`, `header "X" is not a string`},
		{"header value list", `{"statusCode":200,"headers":{"X":["a"]}}`, `header "X" is not a string`},
		{"multiValueHeaders not an object", `{"statusCode":200,"multiValueHeaders":["a"]}`, "multiValueHeaders is not an object"},
		{"multiValueHeaders value not a list", `{"statusCode":200,"multiValueHeaders":{"X":"a"}}`, `multiValueHeaders "X" is not a list of strings`},
		{"multiValueHeaders nested list", `{"statusCode":200,"multiValueHeaders":{"X":[["a"]]}}`, `multiValueHeaders "X" is not a list of strings`},
		{"object body", `{"statusCode":200,"body":{"message":"hi"}}`, "body is not a string"},
		{"list body", `{"statusCode":200,"body":["hi"]}`, "body is not a string"},
		{"isBase64Encoded not a boolean", `{"statusCode":200,"isBase64Encoded":"yes"}`, "isBase64Encoded is not a boolean"},
		{"isBase64Encoded number", `{"statusCode":200,"isBase64Encoded":1}`, "isBase64Encoded is not a boolean"},
	}
	for _, c := range bad {
		t.Run("malformed/"+c.name, func(t *testing.T) {
			got, err := lambda.ParseResponseV1([]byte(c.payload))
			if err == nil {
				t.Fatalf("ParseResponseV1(%s) = %+v, want an error", c.payload, got)
			}
			if !errors.Is(err, lambda.ErrMalformedResponse) {
				t.Errorf("error %v does not wrap ErrMalformedResponse", err)
			}
			var me *lambda.MalformedResponseError
			if !errors.As(err, &me) || me.Reason != c.reason {
				t.Errorf("reason %q, want %q", me.Reason, c.reason)
			}
		})
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestParseResponseV2(t *testing.T) {
	jsonCT := hdrs{"content-type": {"application/json"}}
	ok := []struct {
		name    string
		payload string
		want    lambda.Response
	}{
		// The developer guide's two inference examples [D].
		{"string output", `"Hello from Lambda!"`, lambda.Response{StatusCode: 200, Headers: jsonCT, Body: "Hello from Lambda!"}},
		{"object without statusCode", `{ "message": "Hello from Lambda!" }`,
			lambda.Response{StatusCode: 200, Headers: jsonCT, Body: `{ "message": "Hello from Lambda!" }`}},
		{"number output", `42`, lambda.Response{StatusCode: 200, Headers: jsonCT, Body: "42"}},
		{"array output", `[1,2]`, lambda.Response{StatusCode: 200, Headers: jsonCT, Body: "[1,2]"}},
		{"null output", `null`, lambda.Response{StatusCode: 200, Headers: jsonCT, Body: "null"}},
		{"body without statusCode is still inferred", `{"body":"x","headers":{"a":"b"}}`,
			lambda.Response{StatusCode: 200, Headers: jsonCT, Body: `{"body":"x","headers":{"a":"b"}}`}},
		{"structured", `{"statusCode":201,"headers":{"content-type":"text/plain","x-flag":true},"body":"made","cookies":["a=1; Path=/","b=2"]}`,
			lambda.Response{StatusCode: 201, Headers: hdrs{"content-type": {"text/plain"}, "x-flag": {"true"}}, Body: "made", Cookies: []string{"a=1; Path=/", "b=2"}}},
		{"unknown keys ignored", `{"statusCode":200,"extra":{"x":1}}`, lambda.Response{StatusCode: 200}},
		{"aws-lambda-go V2 response shape", mustJSON(events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "b", Cookies: []string{"c=d"}}),
			lambda.Response{StatusCode: 200, Body: "b", Cookies: []string{"c=d"}}},
		{"multiValueHeaders honoured", `{"statusCode":200,"multiValueHeaders":{"x":["1","2"]}}`,
			lambda.Response{StatusCode: 200, Headers: hdrs{"x": {"1", "2"}}}},
		{"base64", `{"statusCode":200,"body":"AAEC","isBase64Encoded":true}`, lambda.Response{StatusCode: 200, Body: "AAEC", IsBase64Encoded: true}},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			got, err := lambda.ParseResponseV2([]byte(c.payload))
			if err != nil {
				t.Fatalf("ParseResponseV2(%s): %v", c.payload, err)
			}
			if d := cmp.Diff(&c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	bad := []struct{ name, payload, reason string }{
		{"not JSON", `Hello`, "output is not JSON"},
		{"empty", ``, "output is not JSON"},
		{"bad statusCode", `{"statusCode":"abc"}`, `statusCode "abc" is not an integer`},
		{"object body", `{"statusCode":200,"body":{"a":1}}`, "body is not a string"},
		{"cookies not a list", `{"statusCode":200,"cookies":"a=b"}`, "cookies is not a list of strings"},
		{"headers not an object", `{"statusCode":200,"headers":"a"}`, "headers is not an object"},
	}
	for _, c := range bad {
		t.Run("malformed/"+c.name, func(t *testing.T) {
			_, err := lambda.ParseResponseV2([]byte(c.payload))
			var me *lambda.MalformedResponseError
			if !errors.As(err, &me) || me.Reason != c.reason || !errors.Is(err, lambda.ErrMalformedResponse) {
				t.Errorf("ParseResponseV2(%s) error %v, want reason %q", c.payload, err, c.reason)
			}
		})
	}
}

func TestParseResponseWebSocket(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		want    lambda.Response
	}{
		{"nothing returned", `null`, lambda.Response{StatusCode: 200}},
		{"empty", ``, lambda.Response{StatusCode: 200}},
		{"proxy shape", `{"statusCode":403,"body":"go away"}`, lambda.Response{StatusCode: 403, Body: "go away"}},
		{"body only", `{"body":"pong"}`, lambda.Response{StatusCode: 200, Body: "pong"}},
		{"string", `"pong"`, lambda.Response{StatusCode: 200, Body: "pong"}},
		{"other object", `{"action":"x"}`, lambda.Response{StatusCode: 200, Body: `{"action":"x"}`}},
		{"extra keys ignored", `{"statusCode":200,"body":"b","context":{}}`, lambda.Response{StatusCode: 200, Body: "b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := lambda.ParseResponseWebSocket([]byte(c.payload))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(&c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	if _, err := lambda.ParseResponseWebSocket([]byte(`{"statusCode":"x"}`)); !errors.Is(err, lambda.ErrMalformedResponse) {
		t.Errorf("bad statusCode: %v", err)
	}
	if _, err := lambda.ParseResponseWebSocket([]byte(`nope`)); !errors.Is(err, lambda.ErrMalformedResponse) {
		t.Errorf("non-JSON: %v", err)
	}
}

func TestDecodeBody(t *testing.T) {
	cases := []struct {
		name   string
		r      lambda.Response
		decode bool
		want   string
		bad    bool
	}{
		{"plain", lambda.Response{Body: "hi"}, true, "hi", false},
		{"base64 decoded when asked", lambda.Response{Body: "aGVsbG8=", IsBase64Encoded: true}, true, "hello", false},
		{"base64 kept when not binary (REST without binaryMediaTypes)", lambda.Response{Body: "aGVsbG8=", IsBase64Encoded: true}, false, "aGVsbG8=", false},
		{"unpadded", lambda.Response{Body: "aGVsbG8", IsBase64Encoded: true}, true, "hello", false},
		{"url alphabet", lambda.Response{Body: "-_8", IsBase64Encoded: true}, true, "\xfb\xff", false},
		{"invalid base64", lambda.Response{Body: "not base64!", IsBase64Encoded: true}, true, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.r.DecodeBody(c.decode)
			if c.bad {
				if !errors.Is(err, lambda.ErrMalformedResponse) {
					t.Errorf("want a malformed error, got %q, %v", got, err)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Errorf("DecodeBody = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// FuzzParseResponse: the parsers never panic, accept only valid JSON, and
// agree with encoding/json on statusCode and body.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{`{"statusCode":200,"body":"x"}`, `{"statusCode":"201","headers":{"a":true},"multiValueHeaders":{"b":["1",2]}}`,
		`"str"`, `[1,{"a":[]}]`, `{"body":"\u00e9\ud83d\ude00"}`, `{"a":{"b":{"c":[[[]]]}}}`, `{"statusCode":2e2}`, ` {} `, `nul`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var ref struct {
			StatusCode any `json:"statusCode"`
			Body       any `json:"body"`
		}
		for _, parse := range []func([]byte) (*lambda.Response, error){lambda.ParseResponseV1, lambda.ParseResponseV2, lambda.ParseResponseWebSocket} {
			r, err := parse(payload)
			if err != nil {
				continue
			}
			if len(bytes.TrimSpace(payload)) > 0 && !json.Valid(payload) {
				t.Fatalf("accepted invalid JSON %q", payload)
			}
			if json.Unmarshal(payload, &ref) != nil {
				continue // not an object
			}
			if _, inferred := r.Headers["content-type"]; inferred || !bytes.HasPrefix(bytes.TrimSpace(payload), []byte("{")) {
				continue // the whole output is the body
			}
			// encoding/json matches keys case-insensitively; only compare
			// when the exact keys are there.
			if s, ok := ref.Body.(string); ok && bytes.Contains(payload, []byte(`"body"`)) && r.Body != s {
				t.Fatalf("body %q, encoding/json says %q (payload %q)", r.Body, s, payload)
			}
			if n, ok := ref.StatusCode.(float64); ok && bytes.Contains(payload, []byte(`"statusCode"`)) && int(n) != r.StatusCode {
				t.Fatalf("statusCode %d, encoding/json says %v (payload %q)", r.StatusCode, n, payload)
			}
		}
	})
}

// FuzzUnquote: JSON strings decode exactly as encoding/json decodes them
// (escapes, surrogate pairs, lone surrogates, invalid UTF-8).
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`plain`, `a\"b\\c\/d`, `\b\f\n\r\t`, `\u00e9\u4e2d`, `\ud83d\ude00`, `\ud83d`, `\ude00x`, `\ud83d\u0041`,
		"\xff\xfe", "ok \xc3\x28 bad", `\ud83d\ud83d\ude00`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inner string) {
		raw := `{"body":"` + inner + `"}`
		if !json.Valid([]byte(raw)) {
			return
		}
		var ref struct{ Body string }
		json.Unmarshal([]byte(raw), &ref)
		r, err := lambda.ParseResponseV1([]byte(raw))
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if r.Body != ref.Body {
			t.Fatalf("%q: body %q, encoding/json %q", raw, r.Body, ref.Body)
		}
	})
}
