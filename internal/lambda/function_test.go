package lambda_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/lambda"
)

func TestParseFunction(t *testing.T) {
	const fnARN = "arn:aws:lambda:us-west-2:123456789012:function:my-function"
	ok := []struct {
		uri     string
		want    lambda.Function
		wantARN string
	}{
		{"arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/" + fnARN + "/invocations",
			lambda.Function{Name: "my-function", Partition: "aws", Region: "us-west-2", Account: "123456789012"}, fnARN},
		{"arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/" + fnARN + ":live/invocations",
			lambda.Function{Name: "my-function", Qualifier: "live", Partition: "aws", Region: "us-west-2", Account: "123456789012"}, fnARN + ":live"},
		{"arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/" + fnARN + ":12/invocations",
			lambda.Function{Name: "my-function", Qualifier: "12", Partition: "aws", Region: "us-west-2", Account: "123456789012"}, fnARN + ":12"},
		{"arn:aws:apigateway:us-west-2:lambda:path/2021-11-15/functions/" + fnARN + "/response-streaming-invocations",
			lambda.Function{Name: "my-function", Partition: "aws", Region: "us-west-2", Account: "123456789012"}, fnARN},
		{"arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:f_1/invocations",
			lambda.Function{Name: "f_1", Partition: "aws-cn", Region: "cn-north-1", Account: "123456789012"}, "arn:aws-cn:lambda:cn-north-1:123456789012:function:f_1"},
		// HTTP APIs take the function ARN itself.
		{fnARN, lambda.Function{Name: "my-function", Partition: "aws", Region: "us-west-2", Account: "123456789012"}, fnARN},
		{fnARN + ":$LATEST", lambda.Function{Name: "my-function", Qualifier: "$LATEST", Partition: "aws", Region: "us-west-2", Account: "123456789012"}, fnARN + ":$LATEST"},
		// Names Invoke accepts, in the path form or alone.
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/123456789012:function:short/invocations",
			lambda.Function{Name: "short", Account: "123456789012"}, "short"},
		{"my-function", lambda.Function{Name: "my-function"}, "my-function"},
		{"my-function:prod", lambda.Function{Name: "my-function", Qualifier: "prod"}, "my-function:prod"},
	}
	for _, c := range ok {
		got, err := lambda.ParseFunction(c.uri)
		if err != nil {
			t.Errorf("ParseFunction(%q): %v", c.uri, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("ParseFunction(%q) (-want +got):\n%s", c.uri, d)
		}
		if got.ARN() != c.wantARN {
			t.Errorf("ParseFunction(%q).ARN() = %q, want %q", c.uri, got.ARN(), c.wantARN)
		}
	}

	bad := []string{
		"",
		"arn:aws:apigateway:us-east-1:s3:path/bucket/key",                                          // not Lambda
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN,                   // no /invocations
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations",               // empty (unset stage variable)
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN + ":/invocations", // empty qualifier
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:/invocations",
		"arn:aws:lambda:us-east-1:123456789012:layer:my-layer:1", // a layer
		"arn:aws:lambda:us-east-1:12345:function:f",              // bad account
		"arn:aws:lambda:us-east-1:123456789012:function:f:a:b",   // too many parts
		"arn:aws:lambda::123456789012:function:f",                // no region
		"my function", // space
		"f:bad.qualifier",
		"https://example.com/",
		"a:b:c",
	}
	for _, uri := range bad {
		if f, err := lambda.ParseFunction(uri); !errors.Is(err, lambda.ErrInvalidFunction) {
			t.Errorf("ParseFunction(%q) = %+v, %v; want ErrInvalidFunction", uri, f, err)
		}
	}
}

func TestSubstituteStageVariables(t *testing.T) {
	vars := map[string]string{"fn": "orders", "alias": "live", "empty": ""}
	cases := []struct{ in, want string }{
		{"no variables", "no variables"},
		{"function:${stageVariables.fn}", "function:orders"},
		{"function:${stageVariables.fn}:${stageVariables.alias}/invocations", "function:orders:live/invocations"},
		{"x${stageVariables.missing}y", "xy"},
		{"x${stageVariables.empty}y", "xy"},
		{"unterminated ${stageVariables.fn", "unterminated ${stageVariables.fn"},
		{"${stageVariables.fn}${stageVariables.fn}", "ordersorders"},
		{"$stageVariables.fn stays", "$stageVariables.fn stays"},
	}
	for _, c := range cases {
		if got := lambda.SubstituteStageVariables(c.in, vars); got != c.want {
			t.Errorf("SubstituteStageVariables(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
