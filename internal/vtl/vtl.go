package vtl

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
)

// Default limits applied when the Context leaves them zero.
const (
	DefaultMaxSteps  = 1_000_000
	DefaultMaxOutput = 10 << 20 // API Gateway's 10 MB payload limit
)

// Errors wrapped by render failures; test with errors.Is.
var (
	// ErrStepLimit means the render exceeded Context.MaxSteps.
	ErrStepLimit = errors.New("vtl: render step budget exceeded")
	// ErrOutputLimit means the output, or a string built while rendering,
	// exceeded Context.MaxOutput bytes.
	ErrOutputLimit = errors.New("vtl: render output limit exceeded")
	// ErrDepthLimit means macros, #define blocks, #evaluate or nested
	// values recursed too deeply.
	ErrDepthLimit = errors.New("vtl: recursion depth limit exceeded")
	// ErrInvalidJSONBody means $input.json or $input.path was used on a
	// body that is not JSON (API Gateway answers 400 "Could not parse
	// request body into json").
	ErrInvalidJSONBody = errors.New("vtl: could not parse request body into json")
)

var (
	errOutputLimit = ErrOutputLimit
	errDepthLimit  = ErrDepthLimit
)

// ParseError is a template syntax error.
type ParseError struct {
	Template  string
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Template, e.Line, e.Col, e.Msg)
}

// RenderError is a failure while rendering, located at the template
// construct that caused it.
type RenderError struct {
	Template  string
	Line, Col int
	Err       error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %v", e.Template, e.Line, e.Col, e.Err)
}

func (e *RenderError) Unwrap() error { return e.Err }

// Template is a parsed mapping template. It is immutable and safe for
// concurrent use by multiple goroutines.
type Template struct {
	name   string
	src    string
	nodes  []node
	macros map[string]*macroDef
	// literal: the source has no '$' and no '#', so it renders to itself.
	literal bool
	// ctxReadOnly: the template only reads $context.name... (ctxview.go).
	ctxReadOnly bool
}

// Name returns the name given to Parse.
func (t *Template) Name() string { return t.name }

// Parse parses a template. name is used in error messages.
func Parse(name, src string) (*Template, error) {
	p := &parser{
		scanner: scanner{src: src, orig: src, end: len(src), fixed: -1},
		name:    name,
		macros:  map[string]*macroDef{},
	}
	nodes, term, err := p.parseBlock()
	if err != nil {
		return nil, err
	}
	if term.kind != termEOF {
		line, col := lineCol(src, term.p)
		what := map[termKind]string{termEnd: "#end", termElse: "#else", termElseIf: "#elseif"}[term.kind]
		return nil, &ParseError{Template: name, Line: line, Col: col, Msg: "unexpected " + what}
	}
	return &Template{name: name, src: src, nodes: nodes, macros: p.macros,
		literal:     !strings.ContainsAny(src, "$#"),
		ctxReadOnly: contextReadOnly(nodes, p.macros)}, nil
}

// MustParse is Parse for templates known to be valid; it panics on error.
func MustParse(name, src string) *Template {
	t, err := Parse(name, src)
	if err != nil {
		panic(err)
	}
	return t
}

// Context carries the variables of one Render call and receives the
// overrides the template sets. Use one Context per Render.
type Context struct {
	// Vars are the top-level references: "input" (*Input), "context"
	// (map), "stageVariables" (map), and anything else. "util" defaults
	// to Util{}. Values may be engine values (*Map, *List, string, int64,
	// float64, bool) or plain Go maps/slices/numbers. #set on a top-level
	// name never modifies Vars, but setting a property of a caller-owned
	// map (other than $context's override maps) writes through to it.
	Vars map[string]any
	// MaxSteps bounds the work of one Render (0: DefaultMaxSteps).
	MaxSteps int
	// MaxOutput bounds the output size in bytes (0: DefaultMaxOutput).
	MaxOutput int
	// QuietRoots names top-level references whose null values render as
	// nothing, as if written $!name: an undefined $stageVariables.x or
	// $context.x prints "" in API Gateway rather than the reference text
	// Velocity prints (apigateway-rest spec §8.5 [V]). Only printing is
	// affected (#if, #set and method arguments still see null); escaped
	// references (\$stageVariables.x) stay literal. Empty: plain Velocity.
	QuietRoots []string

	// RequestOverride and ResponseOverride are filled by Render with
	// what the template assigned under $context.requestOverride and
	// $context.responseOverride.
	RequestOverride  RequestOverride
	ResponseOverride ResponseOverride
}

// RequestOverride holds $context.requestOverride.* values set by a
// request mapping template.
type RequestOverride struct {
	Header      map[string][]string
	QueryString map[string][]string
	Path        map[string]string
}

// ResponseOverride holds $context.responseOverride.* values set by a
// response mapping template. Status is 0 when not set.
type ResponseOverride struct {
	Status int
	Header map[string][]string
}

// Literal returns the template's source and true when it has no
// reference and no directive (no '$', no '#'): its output is its source,
// whatever the variables.
func (t *Template) Literal() (string, bool) { return t.src, t.literal }

// Render executes the template. On error the partial output is discarded.
func (t *Template) Render(ctx *Context) (string, error) {
	if ctx == nil {
		ctx = &Context{}
	}
	ctx.RequestOverride = RequestOverride{}
	ctx.ResponseOverride = ResponseOverride{}
	if t.literal && len(t.src) <= cmp.Or(max(ctx.MaxOutput, 0), DefaultMaxOutput) {
		// No reference and no directive: the text is the output (a
		// MOCK's {"statusCode": 200}), and no override can be set.
		return t.src, nil
	}
	r := newRenderer(t, ctx)
	err := r.renderNodes(t.nodes)
	if err != nil {
		return "", r.wrap(0, err)
	}
	r.collectOverrides()
	return string(r.out), nil
}
