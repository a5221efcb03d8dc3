package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// These tests are generated from the models at run time: for every
// operation of every service, a request that omits each required member,
// or puts a value outside an enum or a length bound, must come back as a
// 400 of the service's validation error type naming the member the way
// AWS does — whether or not the operation has logic yet, because binding
// and validation come first.

type modelRef struct {
	Shape        string   `json:"shape"`
	Location     string   `json:"location"`
	LocationName string   `json:"locationName"`
	Enum         []string `json:"enum"`
}

type modelShape struct {
	Type     string              `json:"type"`
	Members  map[string]modelRef `json:"members"`
	Required []string            `json:"required"`
	Enum     []string            `json:"enum"`
	Max      *float64            `json:"max"`
	Min      *float64            `json:"min"`
	Payload  string              `json:"payload"`
	Pattern  string              `json:"pattern"`
}

type model struct {
	Metadata struct {
		SigningName    string `json:"signingName"`
		EndpointPrefix string `json:"endpointPrefix"`
	} `json:"metadata"`
	Operations map[string]struct {
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Input *modelRef `json:"input"`
	} `json:"operations"`
	Shapes map[string]modelShape `json:"shapes"`
}

var validationCode = map[string]string{
	"apigateway": "ValidationException", "apigatewayv2": "BadRequestException", "appconfig": "BadRequestException",
	"appconfigdata": "BadRequestException", "apigatewaymanagementapi": "BadRequestException",
}

func loadModel(t *testing.T, name string) *model {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "models", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := new(model)
	if err := json.Unmarshal(b, m); err != nil {
		t.Fatal(err)
	}
	return m
}

var labelRE = regexp.MustCompile(`\{([^}+]+)\+?\}`)

type call struct {
	method, path string
	query        []string
	body         map[string]any
	headers      map[string]string
}

// baseCall fills every path label with a value that satisfies the label's
// shape (digits for integers, the pattern-friendly "abcd1" otherwise).
func baseCall(m *model, opName string) call {
	op := m.Operations[opName]
	uri := op.HTTP.RequestURI
	path, fixed, _ := strings.Cut(uri, "?")
	labelShape := map[string]string{}
	if op.Input != nil {
		for _, mb := range m.Shapes[op.Input.Shape].Members {
			if mb.Location == "uri" {
				labelShape[mb.LocationName] = m.Shapes[mb.Shape].Type
			}
		}
	}
	path = labelRE.ReplaceAllStringFunc(path, func(s string) string {
		name := labelRE.FindStringSubmatch(s)[1]
		if labelShape[name] == "integer" || labelShape[name] == "long" {
			return "1"
		}
		return "abcd1"
	})
	c := call{method: op.HTTP.Method, path: path, body: map[string]any{}, headers: map[string]string{}}
	if fixed != "" {
		c.query = append(c.query, fixed)
	}
	return c
}

func send(t *testing.T, env *testenv.Env, m *model, c call) (int, string, string) {
	t.Helper()
	var body []byte
	if len(c.body) > 0 {
		body, _ = json.Marshal(c.body)
	}
	u := env.URL + c.path
	if len(c.query) > 0 {
		u += "?" + strings.Join(c.query, "&")
	}
	req, err := http.NewRequest(c.method, u, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	svc := m.Metadata.SigningName
	if svc == "" {
		svc = m.Metadata.EndpointPrefix
	}
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		req, hex.EncodeToString(sum[:]), svc, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	json.Unmarshal(b, &e)
	if e.Message == "" {
		e.Message = e.Message2
	}
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), e.Message
}

func sortedOps(m *model) []string {
	var names []string
	for n := range m.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

func TestModelValidationErrors(t *testing.T) {
	env := testenv.Start(t)
	checked := 0
	for _, svc := range []string{"apigateway", "apigatewayv2", "appconfig", "appconfigdata", "apigatewaymanagementapi"} {
		m := loadModel(t, svc)
		for _, opName := range sortedOps(m) {
			op := m.Operations[opName]
			if op.Input == nil {
				continue
			}
			in := m.Shapes[op.Input.Shape]
			req := map[string]bool{}
			for _, r := range in.Required {
				req[r] = true
			}
			loc := lowerFirst(opName) + "Input"
			for _, name := range sortedMembers(in) {
				mb := in.Members[name]
				if mb.Location == "uri" || (mb.Location == "" && in.Payload == name) {
					continue
				}
				sh := m.Shapes[mb.Shape]
				// 1. A required member left out.
				if req[name] {
					c := baseCall(m, opName)
					fillOtherRequired(m, in, name, &c)
					t.Run(svc+"/"+opName+"/required/"+name, func(t *testing.T) {
						status, code, msg := send(t, env, m, c)
						want := "Value null at '" + loc + "." + name + "' failed to satisfy constraint: Member must not be null"
						if status != 400 || code != validationCode[svc] || !strings.Contains(msg, want) {
							t.Fatalf("got %d %s %q, want 400 %s containing %q", status, code, msg, validationCode[svc], want)
						}
					})
					checked++
				}
				// 2. A value outside the enum, or longer than max, in the body.
				if mb.Location != "" || sh.Type != "string" {
					continue
				}
				var bad, want string
				switch {
				case len(sh.Enum) > 0 || len(mb.Enum) > 0:
					bad, want = "NOT_A_VALID_VALUE", "Member must satisfy enum value set"
				case sh.Max != nil && *sh.Max < 5000:
					bad, want = strings.Repeat("a", int(*sh.Max)+1), "Member must have length less than or equal to"
				default:
					continue
				}
				c := baseCall(m, opName)
				fillOtherRequired(m, in, "", &c)
				key := name
				if mb.LocationName != "" {
					key = mb.LocationName
				}
				c.body[key] = bad
				t.Run(svc+"/"+opName+"/constraint/"+name, func(t *testing.T) {
					status, code, msg := send(t, env, m, c)
					if status != 400 || code != validationCode[svc] || !strings.Contains(msg, "at '"+loc+"."+name+"' failed to satisfy constraint: "+want) {
						t.Fatalf("got %d %s %q, want 400 %s with %q", status, code, msg, validationCode[svc], want)
					}
				})
				checked++
			}
		}
	}
	if checked < 150 {
		t.Fatalf("only %d model constraints exercised; the generator or this test lost track", checked)
	}
	t.Logf("%d model constraints exercised", checked)
}

func sortedMembers(s modelShape) []string {
	var out []string
	for n := range s.Members {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fillOtherRequired gives every required member but skip a valid value,
// so the only violation is the one under test.
func fillOtherRequired(m *model, in modelShape, skip string, c *call) {
	for _, r := range in.Required {
		if r == skip {
			continue
		}
		mb := in.Members[r]
		sh := m.Shapes[mb.Shape]
		val := validValue(m, mb, sh)
		key := r
		if mb.LocationName != "" {
			key = mb.LocationName
		}
		switch mb.Location {
		case "uri":
		case "querystring":
			c.query = append(c.query, key+"="+toString(val))
		case "header":
			c.headers[key] = toString(val)
		default:
			if in.Payload == r {
				continue
			}
			c.body[key] = val
		}
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// validValue builds a value that satisfies a shape's constraints well
// enough for the tests above (enums take their first value).
func validValue(m *model, mb modelRef, sh modelShape) any {
	switch sh.Type {
	case "string":
		if len(mb.Enum) > 0 {
			return mb.Enum[0]
		}
		if len(sh.Enum) > 0 {
			return sh.Enum[0]
		}
		switch sh.Pattern {
		case "":
		case "arn:(aws[a-zA-Z-]*)?:[a-z]+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:[a-zA-Z0-9-_/:.]+":
			return "arn:aws:lambda:us-east-1:123456789012:function:f"
		case "^((arn):(aws|aws-cn|aws-iso|aws-iso-[a-z]{1}|aws-us-gov|aws-eusc):(iam)::\\d{12}:role[/].*)$":
			return "arn:aws:iam::123456789012:role/r"
		case ".*[^0-9].*":
			return "label1"
		}
		return "abcd1"
	case "integer", "long":
		if sh.Min != nil {
			return int(*sh.Min)
		}
		return 1
	case "double", "float":
		if sh.Min != nil {
			return *sh.Min
		}
		return 1.0
	case "boolean":
		return true
	case "list":
		return []any{}
	case "map":
		return map[string]any{}
	case "structure":
		obj := map[string]any{}
		for _, r := range sh.Required {
			sm := sh.Members[r]
			obj[r] = validValue(m, sm, m.Shapes[sm.Shape])
		}
		return obj
	case "timestamp":
		return 1700000000
	case "blob":
		return "YQ=="
	}
	return nil
}

// Every routed operation answers with JSON errors, never a 5xx other than
// the 501 of operations without logic, and never a panic.
func TestEveryOperationAnswers(t *testing.T) {
	env := testenv.Start(t)
	for _, svc := range []string{"apigateway", "apigatewayv2", "appconfig", "appconfigdata", "apigatewaymanagementapi"} {
		m := loadModel(t, svc)
		for _, opName := range sortedOps(m) {
			c := baseCall(m, opName)
			op := m.Operations[opName]
			if op.Input != nil {
				fillOtherRequired(m, m.Shapes[op.Input.Shape], "", &c)
			}
			t.Run(svc+"/"+opName, func(t *testing.T) {
				status, code, msg := send(t, env, m, c)
				if status >= 500 && status != 501 {
					t.Fatalf("%d %s %q", status, code, msg)
				}
				if status == 501 && (code != "NotImplementedException" || !strings.Contains(msg, svc+":"+opName)) {
					t.Fatalf("501 must name the operation: %s %q", code, msg)
				}
				if status >= 400 && code == "" {
					t.Fatalf("error %d without x-amzn-ErrorType", status)
				}
			})
		}
	}
}
