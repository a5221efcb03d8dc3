// Package vtl is Stagecraft's Apache Velocity Template Language engine, used
// for API Gateway mapping templates (integration request/response bodies,
// gateway responses) with the semantics of Velocity 1.7, the engine API
// Gateway runs.
//
// This folder holds the whole pipeline, which runs in two phases:
//
//   - Parse (deploy time): the lexer (lexer.go) and the recursive-descent
//     parser (parser.go) turn template source into an immutable AST
//     (nodes.go). Velocity 1.7's whitespace rules are applied here: a
//     directive's closing ')' and the #else/#end keywords swallow trailing
//     spaces/tabs plus one line break, #set swallows the indentation in
//     front of it when that indentation starts a new text token, and "##"
//     comments swallow their line break. Syntax errors carry line:col.
//   - Render (per request): the evaluator (eval.go, methods.go) walks the
//     AST against a Context. Java-flavoured values (values.go, format.go)
//     reproduce how Velocity prints maps ({a=1}), lists ([1, 2]) and
//     doubles, and how Java's String/List/Map methods behave. Every Render
//     is bounded by a step budget and an output-size cap, so hostile
//     templates return an error rather than hang or exhaust memory. A
//     parsed *Template is immutable and safe for concurrent Render calls.
//
// The API Gateway variables are provided by input.go: *Input implements
// $input (body, json, path, params) on top of an order-preserving JSON
// parser (jsonparse.go) and ojg JSONPath (jsonpath.go); Util implements
// $util; $context and $stageVariables are plain maps the caller passes in
// Context.Vars. Templates may set $context.requestOverride.* and
// $context.responseOverride.*; Render reports them back in the Context.
// Java regular expressions used by replaceAll/matches/split are translated
// to Go RE2 by javaregex.go.
package vtl
