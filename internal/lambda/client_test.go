package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

const helloURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello/invocations"

func newClient(t testing.TB, cfg lambda.Config) *lambda.Client {
	t.Helper()
	c, err := lambda.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustFunction(t testing.TB, uri string) lambda.Function {
	t.Helper()
	f, err := lambda.ParseFunction(uri)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestInvokeProxyRoundTrip: the whole REST path: event → Invoke → a Go
// function decoding it with aws-lambda-go → response parsed.
func TestInvokeProxyRoundTrip(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.RegisterProxy("hello", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{
			StatusCode:        201,
			Headers:           map[string]string{"Content-Type": "text/plain"},
			MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}},
			Body:              e.HTTPMethod + " " + e.Path + " proxy=" + e.PathParameters["proxy"] + " k=" + e.QueryStringParameters["k"],
		}, nil
	})
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	req := restRequest()
	ev := lambda.RESTEvent(req)
	res, err := c.Do(context.Background(), &lambda.Invocation{Function: mustFunction(t, helloURI), Payload: ev, TraceID: "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e0"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExecutedVersion != "$LATEST" {
		t.Errorf("ExecutedVersion %q", res.ExecutedVersion)
	}
	resp, err := lambda.ParseResponseV1(res.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || resp.Body != "GET /proxy-value proxy=proxy-value k=b" ||
		strings.Join(resp.Headers["Set-Cookie"], "|") != "a=1|b=2" || resp.Headers["Content-Type"][0] != "text/plain" {
		t.Errorf("response %+v", resp)
	}

	inv := srv.Last(t, "hello")
	if !bytes.Equal(inv.Payload, ev) {
		t.Errorf("payload sent differs from the event:\n%s\n%s", inv.Payload, ev)
	}
	if inv.Qualifier != "" || inv.FunctionName != "hello" {
		t.Errorf("invocation %q qualifier %q", inv.FunctionName, inv.Qualifier)
	}
	for h, want := range map[string]string{
		"X-Amz-Invocation-Type": "RequestResponse",
		"Content-Type":          "application/json",
		"X-Amzn-Trace-Id":       "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e0",
		"Authorization":         "", // unsigned without credentials
	} {
		if got := inv.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
}

func TestInvokeFunctionErrors(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("boom", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("kaboom") })
	srv.Register("handled", func(context.Context, []byte) ([]byte, error) {
		return nil, &lambdatest.FunctionError{Type: "ValidationError", Message: "bad input", Handled: true}
	})
	srv.Register("panics", func(context.Context, []byte) ([]byte, error) { panic("oh no") })
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	cases := []struct {
		fn, kind, typ, msg string
	}{
		{"boom", "Unhandled", "errorString", "kaboom"},
		{"handled", "Handled", "ValidationError", "bad input"},
		{"panics", "Unhandled", "string", "oh no"},
	}
	for _, cs := range cases {
		t.Run(cs.fn, func(t *testing.T) {
			res, err := c.Invoke(context.Background(), lambda.Function{Name: cs.fn}, []byte(`{}`))
			var fe *lambda.FunctionError
			if !errors.As(err, &fe) {
				t.Fatalf("Invoke = %v, %v; want a *FunctionError", res, err)
			}
			if fe.Kind != cs.kind || fe.ErrorType != cs.typ || fe.ErrorMessage != cs.msg || fe.Function.Name != cs.fn {
				t.Errorf("FunctionError %+v", fe)
			}
			var doc map[string]string
			if json.Unmarshal(fe.Payload, &doc) != nil || doc["errorMessage"] != cs.msg {
				t.Errorf("payload %s", fe.Payload)
			}
		})
	}
}

func TestInvokeUnknownFunction(t *testing.T) {
	srv := lambdatest.Start(t)
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	cases := []struct {
		uri, msg string
	}{
		{"nope", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"},
		// The client sends the name (qualifier as ?Qualifier=), so the
		// server names the function in its own region and account.
		{"arn:aws:lambda:eu-west-1:210987654321:function:gone:live", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:gone:live"},
	}
	for _, cs := range cases {
		_, err := c.Invoke(context.Background(), mustFunction(t, cs.uri), []byte(`{}`))
		var se *lambda.ServiceError
		if !errors.As(err, &se) {
			t.Fatalf("%s: %v, want a *ServiceError", cs.uri, err)
		}
		if se.StatusCode != 404 || se.Code != "ResourceNotFoundException" || se.Message != cs.msg {
			t.Errorf("%s: %+v", cs.uri, se)
		}
	}
	if n := len(srv.Invocations()); n != 0 {
		t.Errorf("%d invocations recorded for unknown functions", n)
	}

	// With SendARN the path carries the ARN, as API Gateway sends it, and
	// the server answers in the ARN's region and account.
	arnClient := newClient(t, lambda.Config{Endpoint: srv.URL, SendARN: true})
	_, err := arnClient.Invoke(context.Background(), mustFunction(t, cases[1].uri), nil)
	var se *lambda.ServiceError
	if !errors.As(err, &se) || se.Message != "Function not found: arn:aws:lambda:eu-west-1:210987654321:function:gone:live" {
		t.Errorf("SendARN: %v", err)
	}
}

func TestInvokeSendARN(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("fn", func(context.Context, []byte) ([]byte, error) { return []byte(`1`), nil })
	c := newClient(t, lambda.Config{Endpoint: srv.URL, SendARN: true})
	for _, c2 := range []struct{ uri, path, qual string }{
		{"arn:aws:lambda:eu-west-1:210987654321:function:fn:live", "arn:aws:lambda:eu-west-1:210987654321:function:fn:live", "live"},
		{"arn:aws:lambda:eu-west-1:210987654321:function:fn", "arn:aws:lambda:eu-west-1:210987654321:function:fn", ""},
		{"fn:3", "fn", "3"}, // no ARN to send
	} {
		if _, err := c.Invoke(context.Background(), mustFunction(t, c2.uri), nil); err != nil {
			t.Fatal(err)
		}
		inv := srv.Last(t, "fn")
		if inv.FunctionName != c2.path || inv.Qualifier != c2.qual {
			t.Errorf("%s: path name %q qualifier %q", c2.uri, inv.FunctionName, inv.Qualifier)
		}
	}
}

func TestInvokeTimeout(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("slow", func(context.Context, []byte) ([]byte, error) { return []byte(`{"statusCode":200}`), nil })
	gate := srv.Block("slow")
	c := newClient(t, lambda.Config{Endpoint: srv.URL})

	// The integration timeout is the context deadline. The function is
	// held at the gate, so the deadline passes with the invocation in
	// flight; no sleeping.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Invoke(ctx, lambda.Function{Name: "slow"}, []byte(`{}`))
		done <- err
	}()
	<-gate.Entered()
	err := <-done
	if !errors.Is(err, lambda.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout and DeadlineExceeded", err)
	}

	// A caller that goes away is not a timeout.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		_, err := c.Invoke(ctx2, lambda.Function{Name: "slow"}, []byte(`{}`))
		done <- err
	}()
	srv.WaitInvocations(context.Background(), t, "slow", 2)
	cancel2()
	if err := <-done; errors.Is(err, lambda.ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled invoke: %v", err)
	}

	// Released, the same function answers.
	gate.Release()
	res, err := c.Invoke(context.Background(), lambda.Function{Name: "slow"}, []byte(`{}`))
	if err != nil || string(res.Payload) != `{"statusCode":200}` {
		t.Errorf("after release: %v %v", res, err)
	}
}

func TestInvokeQualifier(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("fn", func(context.Context, []byte) ([]byte, error) { return []byte(`"unqualified"`), nil })
	srv.Register("fn:live", func(context.Context, []byte) ([]byte, error) { return []byte(`"live alias"`), nil })
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	cases := []struct {
		uri, qual, out, version string
	}{
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:fn:live/invocations", "live", `"live alias"`, "$LATEST"},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn:7", "7", `"unqualified"`, "7"},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn", "", `"unqualified"`, "$LATEST"},
		{"fn:$LATEST", "$LATEST", `"unqualified"`, "$LATEST"},
	}
	for _, cs := range cases {
		res, err := c.Invoke(context.Background(), mustFunction(t, cs.uri), nil)
		if err != nil {
			t.Fatalf("%s: %v", cs.uri, err)
		}
		inv := srv.Last(t, "fn")
		if string(res.Payload) != cs.out || inv.Qualifier != cs.qual || res.ExecutedVersion != cs.version {
			t.Errorf("%s: payload %s, qualifier %q, version %q", cs.uri, res.Payload, inv.Qualifier, res.ExecutedVersion)
		}
	}
}

// TestInvokeStageVariableFunction: the function named by a stage
// variable, as in
// …/functions/arn:aws:lambda:…:function:${stageVariables.fn}/invocations.
func TestInvokeStageVariableFunction(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("orders-v2", func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations"

	f, err := lambda.ParseFunction(lambda.SubstituteStageVariables(uri, map[string]string{"fn": "orders-v2:prod"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Invoke(context.Background(), f, []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	if inv := srv.Last(t, "orders-v2"); inv.Qualifier != "prod" || string(inv.Payload) != `{"x":1}` {
		t.Errorf("invocation %+v", inv)
	}

	// A stage without the variable: the URI names no function.
	_, err = lambda.ParseFunction(lambda.SubstituteStageVariables(uri, nil))
	if !errors.Is(err, lambda.ErrInvalidFunction) {
		t.Errorf("missing stage variable: %v", err)
	}
}

func TestInvokeSigV4(t *testing.T) {
	srv := lambdatest.Start(t, lambdatest.WithSigV4("AKIDSTAGECRAFT", "s3cr3t"))
	srv.Register("signed", func(context.Context, []byte) ([]byte, error) { return []byte(`{}`), nil })
	fn := mustFunction(t, "arn:aws:lambda:eu-central-1:123456789012:function:signed")

	good := newClient(t, lambda.Config{Endpoint: srv.URL, Credentials: credentials.NewStaticCredentialsProvider("AKIDSTAGECRAFT", "s3cr3t", "")})
	if _, err := good.Invoke(context.Background(), fn, []byte(`{"a":"b"}`)); err != nil {
		t.Fatal(err)
	}
	auth := srv.Last(t, "signed").Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDSTAGECRAFT/") || !strings.Contains(auth, "/eu-central-1/lambda/aws4_request") {
		t.Errorf("Authorization %q", auth)
	}
	// A bare name is signed for the configured region.
	west := newClient(t, lambda.Config{Endpoint: srv.URL, Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDSTAGECRAFT", "s3cr3t", "")})
	if _, err := west.Invoke(context.Background(), lambda.Function{Name: "signed"}, nil); err != nil {
		t.Fatal(err)
	}
	if auth := srv.Last(t, "signed").Header.Get("Authorization"); !strings.Contains(auth, "/us-west-2/lambda/aws4_request") {
		t.Errorf("Authorization %q", auth)
	}

	// The ARN in the path (':' and '$' percent-encoded, as the SDKs do)
	// is signed correctly too.
	arnSigned := newClient(t, lambda.Config{Endpoint: srv.URL, SendARN: true, Credentials: credentials.NewStaticCredentialsProvider("AKIDSTAGECRAFT", "s3cr3t", "")})
	if _, err := arnSigned.Invoke(context.Background(), mustFunction(t, "arn:aws:lambda:eu-central-1:123456789012:function:signed:$LATEST"), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if inv := srv.Last(t, "signed"); inv.FunctionName != "arn:aws:lambda:eu-central-1:123456789012:function:signed:$LATEST" || inv.Qualifier != "$LATEST" {
		t.Errorf("ARN invocation: %q %q", inv.FunctionName, inv.Qualifier)
	}

	cases := []struct {
		name   string
		cfg    lambda.Config
		status int
		code   string
	}{
		{"wrong secret", lambda.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDSTAGECRAFT", "nope", "")}, 403, "InvalidSignatureException"},
		{"unknown key", lambda.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDOTHER", "s3cr3t", "")}, 403, "UnrecognizedClientException"},
		{"unsigned", lambda.Config{}, 403, "MissingAuthenticationTokenException"},
		// The signing time comes from the injected clock: an hour-old
		// clock gives an expired signature.
		{"signing clock", lambda.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDSTAGECRAFT", "s3cr3t", ""),
			Clock: clock.NewFake(time.Now().Add(-time.Hour))}, 403, "InvalidSignatureException"},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			cs.cfg.Endpoint = srv.URL
			_, err := newClient(t, cs.cfg).Invoke(context.Background(), fn, []byte(`{}`))
			var se *lambda.ServiceError
			if !errors.As(err, &se) || se.StatusCode != cs.status || se.Code != cs.code {
				t.Errorf("err = %v, want %d %s", err, cs.status, cs.code)
			}
		})
	}
}

// TestInvokeRuntimeInterfaceEmulator: a function mapped to its own RIE is
// invoked as "function", the only name RIE serves.
func TestInvokeRuntimeInterfaceEmulator(t *testing.T) {
	rie := lambdatest.Start(t)
	rie.Register("function", func(context.Context, []byte) ([]byte, error) { return []byte(`"from rie"`), nil })
	shared := lambdatest.Start(t)
	shared.Register("other", func(context.Context, []byte) ([]byte, error) { return []byte(`"from shared"`), nil })
	c := newClient(t, lambda.Config{Endpoint: shared.URL, Functions: map[string]string{"orders": rie.URL + "/"}})
	for fn, want := range map[string]string{"orders": `"from rie"`, "other": `"from shared"`} {
		res, err := c.Invoke(context.Background(), mustFunction(t, "arn:aws:lambda:us-east-1:123456789012:function:"+fn), nil)
		if err != nil || string(res.Payload) != want {
			t.Errorf("%s: %v %v", fn, res, err)
		}
	}
	if inv := rie.Last(t, "function"); inv.FunctionName != "function" {
		t.Errorf("RIE saw %q", inv.FunctionName)
	}
	if _, err := lambda.New(lambda.Config{}); err == nil {
		t.Error("a client without endpoints was created")
	}
	if _, err := lambda.New(lambda.Config{Endpoint: "localhost:9001"}); err == nil {
		t.Error("an endpoint without scheme was accepted")
	}
}

func TestInvokeReusesConnections(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("echo", func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	for i := 0; i < 50; i++ {
		if _, err := c.Invoke(context.Background(), lambda.Function{Name: "echo"}, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	// Function errors and 404s keep the connection too.
	srv.Register("fails", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("x") })
	for i := 0; i < 10; i++ {
		c.Invoke(context.Background(), lambda.Function{Name: "missing"}, nil)
		c.Invoke(context.Background(), lambda.Function{Name: "fails"}, nil)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("70 sequential invocations opened %d connections, want 1", n)
	}
	first := srv.Connections()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if _, err := c.Invoke(context.Background(), lambda.Function{Name: "echo"}, []byte(`{}`)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Roughly one connection per concurrent caller: the transport may
	// start a dial while every connection is busy and keep it when an
	// idle one comes back first, so the bound is loose; without reuse it
	// would be 200.
	if n := srv.Connections() - first; n > 24 {
		t.Errorf("200 invocations from 8 concurrent callers opened %d more connections", n)
	}
}

func TestInvokePayloadLimits(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("echo", func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	big := bytes.Repeat([]byte("x"), 1<<20)
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	res, err := c.Invoke(context.Background(), lambda.Function{Name: "echo"}, big)
	if err != nil || !bytes.Equal(res.Payload, big) {
		t.Fatalf("1 MiB echo: %v", err)
	}
	small := newClient(t, lambda.Config{Endpoint: srv.URL, MaxResponseBytes: 1000})
	if _, err := small.Invoke(context.Background(), lambda.Function{Name: "echo"}, big); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("oversized response: %v", err)
	}
}

// TestServiceErrorShapes: error documents other servers send (LocalStack
// and AWS use X-Amzn-ErrorType; some send __type in the body).
func TestServiceErrorShapes(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		header      string
		body        string
		code, msg   string
		functionErr string
	}{
		{"header with namespace", 429, "TooManyRequestsException:http://internal.amazon.com/coral/com.amazonaws.lambda/", `{"message":"Rate exceeded","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}`, "TooManyRequestsException", "Rate exceeded", ""},
		{"__type in body", 400, "", `{"__type":"com.amazonaws.lambda#InvalidRequestContentException","Message":"Could not parse request body into json"}`, "InvalidRequestContentException", "Could not parse request body into json", ""},
		{"no document", 502, "", `<html>bad gateway</html>`, "Bad Gateway", "", ""},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if cs.header != "" {
					w.Header().Set("X-Amzn-ErrorType", cs.header)
				}
				w.WriteHeader(cs.status)
				w.Write([]byte(cs.body))
			}))
			defer hs.Close()
			_, err := newClient(t, lambda.Config{Endpoint: hs.URL}).Invoke(context.Background(), lambda.Function{Name: "f"}, nil)
			var se *lambda.ServiceError
			if !errors.As(err, &se) || se.StatusCode != cs.status || se.Code != cs.code || se.Message != cs.msg {
				t.Errorf("err = %#v", err)
			}
		})
	}

	// An unreachable endpoint is a transport error, not a timeout.
	hs := httptest.NewServer(http.NotFoundHandler())
	url := hs.URL
	hs.Close()
	_, err := newClient(t, lambda.Config{Endpoint: url}).Invoke(context.Background(), lambda.Function{Name: "f"}, nil)
	var se *lambda.ServiceError
	if err == nil || errors.Is(err, lambda.ErrTimeout) || errors.As(err, &se) {
		t.Errorf("unreachable endpoint: %v", err)
	}
}

// TestRoundTripPerAPIType: each event builder's output is what a function
// written with aws-lambda-go's matching type reads, and each parser reads
// what such a function returns.
func TestRoundTripPerAPIType(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.RegisterV2("v2", func(e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 202, Headers: map[string]string{"x-route": e.RouteKey},
			Body: e.Cookies[0] + " " + e.QueryStringParameters["a"], Cookies: []string{"s=1; HttpOnly", "t=2"}}, nil
	})
	srv.RegisterProxy("v1", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.Headers["x-multi"] + " " + e.RequestContext.Stage,
			IsBase64Encoded: true}, nil
	})
	srv.RegisterWebsocket("ws", func(e events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		if e.RequestContext.EventType == "CONNECT" && e.QueryStringParameters["token"] != "ok" {
			return events.APIGatewayProxyResponse{StatusCode: 401}, nil
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.RequestContext.RouteKey + ":" + e.Body}, nil
	})
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	invoke := func(fn string, payload []byte) []byte {
		t.Helper()
		res, err := c.Invoke(context.Background(), lambda.Function{Name: fn}, payload)
		if err != nil {
			t.Fatal(err)
		}
		return res.Payload
	}

	r2, err := lambda.ParseResponseV2(invoke("v2", lambda.HTTPEventV2(v2Request())))
	if err != nil || r2.StatusCode != 202 || r2.Body != "c1=v1 1,2" || r2.Headers["x-route"][0] != "POST /pets/{id}" ||
		strings.Join(r2.Cookies, "|") != "s=1; HttpOnly|t=2" {
		t.Errorf("2.0: %+v %v", r2, err)
	}

	v1 := v2Request()
	r1, err := lambda.ParseResponseV1(invoke("v1", lambda.HTTPEventV1(v1)))
	if err != nil || r1.StatusCode != 200 || !r1.IsBase64Encoded || r1.Body != "v2 prod" {
		t.Errorf("1.0: %+v %v", r1, err)
	}

	connect := wsRequest("$connect")
	connect.Query = map[string][]string{"token": {"bad"}}
	rc, err := lambda.ParseResponseWebSocket(invoke("ws", lambda.WebSocketEvent(connect, &lambda.WebSocket{EventType: lambda.EventConnect, ConnectionID: "c"})))
	if err != nil || rc.StatusCode != 401 {
		t.Errorf("$connect: %+v %v", rc, err)
	}
	msg := wsRequest("sendmessage")
	msg.Body = []byte(`{"action":"sendmessage","data":"hi"}`)
	rm, err := lambda.ParseResponseWebSocket(invoke("ws", lambda.WebSocketEvent(msg, &lambda.WebSocket{EventType: lambda.EventMessage, ConnectionID: "c", MessageID: "m"})))
	if err != nil || rm.StatusCode != 200 || rm.Body != `sendmessage:{"action":"sendmessage","data":"hi"}` {
		t.Errorf("message: %+v %v", rm, err)
	}
}
