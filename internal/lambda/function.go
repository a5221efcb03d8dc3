package lambda

import (
	"errors"
	"strings"
)

// Function names one Lambda function, optionally at a version or alias,
// as an integration URI or authorizer URI refers to it.
type Function struct {
	// Name is the bare function name ("my-function").
	Name string
	// Qualifier is the version or alias ("3", "live", "$LATEST"), empty
	// for the unqualified function.
	Qualifier string
	// Partition, Region and Account come from a function ARN; empty when
	// the reference was a bare name.
	Partition string
	Region    string
	Account   string
}

// ARN is the function's ARN (qualified when Qualifier is set) when the
// reference carried a region and account, otherwise Name[:Qualifier].
// It is the text Lambda prints in "Function not found: …".
func (f Function) ARN() string {
	if f.Region == "" || f.Account == "" {
		return f.qualifiedName()
	}
	p := f.Partition
	if p == "" {
		p = "aws"
	}
	return "arn:" + p + ":lambda:" + f.Region + ":" + f.Account + ":function:" + f.qualifiedName()
}

func (f Function) qualifiedName() string {
	if f.Qualifier == "" {
		return f.Name
	}
	return f.Name + ":" + f.Qualifier
}

func (f Function) String() string { return f.ARN() }

// ErrInvalidFunction is wrapped by every ParseFunction failure: the URI does
// not name a Lambda function (after stage-variable substitution, an empty
// or mistyped variable is the usual cause). API Gateway answers such a
// request as an integration configuration error (500 on REST).
var ErrInvalidFunction = errors.New("invalid Lambda function reference")

type invalidFunctionError struct{ uri, why string }

func (e *invalidFunctionError) Error() string {
	return "lambda: invalid function reference " + quote(e.uri) + ": " + e.why
}
func (e *invalidFunctionError) Unwrap() error { return ErrInvalidFunction }

func quote(s string) string { return "\"" + s + "\"" }

// ParseFunction extracts the function from an integration (or authorizer)
// URI. Accepted forms, the ones API Gateway accepts [M doc]:
//
//	arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{lambdaArn}/invocations
//	arn:aws:apigateway:{region}:lambda:path/2021-11-15/functions/{lambdaArn}/response-streaming-invocations
//	arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]   (HTTP APIs)
//
// and, inside the path form or on their own, the shorter references Lambda's
// Invoke accepts: "{account}:function:{name}[:{qualifier}]" and
// "{name}[:{qualifier}]". Substitute stage variables first
// (SubstituteStageVariables).
func ParseFunction(uri string) (Function, error) {
	ref := uri
	if strings.HasPrefix(uri, "arn:") && strings.Contains(uri, ":apigateway:") {
		_, path, ok := strings.Cut(uri, ":lambda:path/")
		if !ok {
			return Function{}, &invalidFunctionError{uri, "not a Lambda invocation URI"}
		}
		// path = 2015-03-31/functions/{lambdaArn}/invocations
		_, rest, ok := strings.Cut(path, "/functions/")
		if !ok {
			return Function{}, &invalidFunctionError{uri, "no /functions/ segment"}
		}
		switch {
		case strings.HasSuffix(rest, "/response-streaming-invocations"):
			ref = strings.TrimSuffix(rest, "/response-streaming-invocations")
		case strings.HasSuffix(rest, "/invocations"):
			ref = strings.TrimSuffix(rest, "/invocations")
		default:
			return Function{}, &invalidFunctionError{uri, "does not end in /invocations"}
		}
	}
	f, why := parseFunctionRef(ref)
	if why != "" {
		return Function{}, &invalidFunctionError{uri, why}
	}
	return f, nil
}

// parseFunctionRef parses a Lambda FunctionName as Invoke takes it.
func parseFunctionRef(ref string) (Function, string) {
	var f Function
	parts := strings.Split(ref, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn":
		// arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]
		if parts[2] != "lambda" || parts[5] != "function" || len(parts) > 8 {
			return f, "not a Lambda function ARN"
		}
		f.Partition, f.Region, f.Account, f.Name = parts[1], parts[3], parts[4], parts[6]
		if len(parts) == 8 {
			f.Qualifier = parts[7]
		}
		if f.Partition == "" || f.Region == "" {
			return f, "ARN without partition or region"
		}
		if !validAccount(f.Account) {
			return f, "bad account id in ARN"
		}
	case len(parts) >= 3 && parts[1] == "function":
		// {account}:function:{name}[:{qualifier}]
		if len(parts) > 4 || !validAccount(parts[0]) {
			return f, "not a partial function ARN"
		}
		f.Account, f.Name = parts[0], parts[2]
		if len(parts) == 4 {
			f.Qualifier = parts[3]
		}
	case len(parts) <= 2:
		f.Name = parts[0]
		if len(parts) == 2 {
			f.Qualifier = parts[1]
		}
	default:
		return f, "not a function name or ARN"
	}
	if !validName(f.Name) {
		return f, "bad function name"
	}
	if strings.HasSuffix(ref, ":") {
		return f, "empty qualifier"
	}
	if f.Qualifier != "" && !validQualifier(f.Qualifier) {
		return f, "bad qualifier"
	}
	return f, ""
}

// validName: Lambda function names are 1..64 of [A-Za-z0-9_-] [M].
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validQualifier: $LATEST, a version number or an alias (1..128 of
// [A-Za-z0-9_-]) [M].
func validQualifier(s string) bool {
	if s == "$LATEST" {
		return true
	}
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SubstituteStageVariables replaces every ${stageVariables.name} in s by
// the stage variable's value, or by nothing when the stage has no such
// variable [D, L], the way API Gateway resolves an integration URI.
func SubstituteStageVariables(s string, vars map[string]string) string {
	const open = "${stageVariables."
	i := strings.Index(s, open)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		rest := s[i+len(open):]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			// Unterminated: leave the text as it is.
			b.WriteString(s[i:])
			return b.String()
		}
		b.WriteString(vars[rest[:end]])
		s = rest[end+1:]
		i = strings.Index(s, open)
	}
	b.WriteString(s)
	return b.String()
}
