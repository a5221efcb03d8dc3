package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// generateAll writes (or, with check, compares) every generated file and
// returns the ones whose content differs from what is on disk.
func generateAll(root string, check bool) ([]string, error) {
	var stale []string
	write := func(path string, content []byte) error {
		old, _ := os.ReadFile(path)
		if bytes.Equal(old, content) {
			return nil
		}
		stale = append(stale, path)
		if check {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, content, 0o644)
	}
	var all []*svcGen
	for _, s := range services {
		m, err := loadModel(filepath.Join(root, "models", s.Name+".json"))
		if err != nil {
			return nil, err
		}
		g := &svcGen{name: s.Name, pkg: s.Package, validationCode: s.ValidationCode, m: m}
		src, err := g.generate()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		if err := write(filepath.Join(root, "internal", "api", s.Package, "zz_generated.go"), src); err != nil {
			return nil, err
		}
		test, err := g.generateTest()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		if err := write(filepath.Join(root, "internal", "api", s.Package, "zz_generated_test.go"), test); err != nil {
			return nil, err
		}
		all = append(all, g)
	}
	doc, err := compatibilityDoc(root, all)
	if err != nil {
		return nil, err
	}
	if err := write(filepath.Join(root, "docs", "compatibility.md"), doc); err != nil {
		return nil, err
	}
	return stale, nil
}

type svcGen struct {
	name, pkg      string
	validationCode string
	m              *Model
	buf            bytes.Buffer
	needValidate   map[string]bool // structure shape → has something to check
	patterns       []string
	patternIndex   map[string]int
	enums          map[string]string // shape name → var name
	structs        []string          // Go names of the structure types, in file order
}

func (g *svcGen) p(format string, args ...any) { fmt.Fprintf(&g.buf, format, args...) }

func (g *svcGen) sortedOps() []*Op {
	ops := make([]*Op, 0, len(g.m.Operations))
	for _, op := range g.m.Operations {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	return ops
}

func (g *svcGen) sortedShapes() []string {
	names := make([]string, 0, len(g.m.Shapes))
	for n := range g.m.Shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// goName turns a model name into an exported Go identifier.
func goName(s string) string {
	s = strings.TrimLeft(s, "_")
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '_' || r == '-' || r == '.' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" {
		out = "X"
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func (g *svcGen) shape(name string) *Shape {
	s, ok := g.m.Shapes[name]
	if !ok {
		panic("unknown shape " + name)
	}
	return s
}

// tsFormat decides how a timestamp travels: member override, then shape,
// then the rest-json default for its location.
func (g *svcGen) tsFormat(ref *Ref, location string) string {
	if ref.TimestampFormat != "" {
		return ref.TimestampFormat
	}
	if f := g.shape(ref.Shape).TimestampFormat; f != "" {
		return f
	}
	switch location {
	case "header":
		return "rfc822"
	case "querystring", "uri":
		return "iso8601"
	}
	return "unixTimestamp"
}

func tsType(format string) string {
	switch format {
	case "iso8601":
		return "wire.ISOTime"
	case "rfc822":
		return "wire.HTTPDate"
	default:
		return "wire.EpochTime"
	}
}

// goType is the Go type of a value of shape ref. ptr says whether scalar
// and structure values are pointers (members) or values (list/map elements).
func (g *svcGen) goType(ref *Ref, ptr bool, location string) string {
	s := g.shape(ref.Shape)
	star := ""
	if ptr {
		star = "*"
	}
	switch s.Type {
	case "string":
		return star + "string"
	case "integer":
		return star + "int32"
	case "long":
		return star + "int64"
	case "float":
		return star + "float32"
	case "double":
		return star + "float64"
	case "boolean":
		return star + "bool"
	case "blob":
		return "[]byte"
	case "timestamp":
		return tsType(g.tsFormat(ref, location))
	case "list":
		return "[]" + g.goType(s.Member, false, "")
	case "map":
		return "map[string]" + g.goType(s.Value, false, "")
	case "structure":
		return star + goName(ref.Shape)
	case "document":
		return "any"
	}
	panic("unhandled type " + s.Type)
}

// usedStructs returns every structure reachable from operations, and which
// of them are inputs (for validation).
func (g *svcGen) reachable() (all map[string]bool, input map[string]bool) {
	all, input = map[string]bool{}, map[string]bool{}
	var walk func(name string, in bool)
	walk = func(name string, in bool) {
		s := g.shape(name)
		switch s.Type {
		case "structure":
			if in {
				if input[name] {
					return
				}
				input[name] = true
			}
			if all[name] && !in {
				return
			}
			all[name] = true
			for _, mb := range s.Members {
				walk(mb.Shape, in)
			}
		case "list":
			walk(s.Member.Shape, in)
		case "map":
			walk(s.Key.Shape, in)
			walk(s.Value.Shape, in)
		}
	}
	for _, op := range g.m.Operations {
		if op.Input != nil {
			walk(op.Input.Shape, true)
		}
		if op.Output != nil {
			walk(op.Output.Shape, false)
		}
		for _, e := range op.Errors {
			walk(e.Shape, false)
		}
	}
	return all, input
}

func (g *svcGen) generate() ([]byte, error) {
	g.p("// Code generated by internal/codegen from models/%s.json. DO NOT EDIT.\n\n", g.name)
	g.p("// Package %s is the generated wire layer of the %s service: its types,\n", g.pkg, g.name)
	g.p("// operation table, request binding, validation and the Service interface.\n")
	g.p("package %s\n\n", g.pkg)
	g.p("import (\n\t\"context\"\n\t\"net/http\"\n\t\"regexp\"\n\t\"strconv\"\n\n\t\"github.com/stagecraft/stagecraft/internal/wire\"\n)\n\n")
	g.p("var (\n\t_ = http.StatusOK\n\t_ = regexp.MustCompile\n\t_ = strconv.Itoa\n)\n\n")
	g.p("// ServiceName is the model's service name.\nconst ServiceName = %q\n\n", g.name)
	g.p("// ValidationCode is the error code answered for a model-constraint violation.\nconst ValidationCode = %q\n\n", g.validationCode)

	all, input := g.reachable()
	g.needValidate = map[string]bool{}
	g.patternIndex = map[string]int{}
	g.enums = map[string]string{}
	g.computeNeedValidate(input)

	// Types.
	for _, name := range g.sortedShapes() {
		if !all[name] {
			continue
		}
		g.genStruct(name)
	}
	g.genErrors()
	g.genInterface()
	g.genOps()
	for _, name := range g.sortedShapes() {
		if input[name] && g.needValidate[name] {
			g.genValidate(name)
		}
	}
	// Pattern and enum tables last (they are collected while generating).
	if len(g.patterns) > 0 {
		g.p("var patterns = [...]*regexp.Regexp{\n")
		for _, p := range g.patterns {
			g.p("\tregexp.MustCompile(%q),\n", "^(?:"+p+")$")
		}
		g.p("}\n\n")
		g.p("var patternText = [...]string{\n")
		for _, p := range g.patterns {
			g.p("\t%q,\n", p)
		}
		g.p("}\n\n")
	}
	var enumShapes []string
	for s := range g.enums {
		enumShapes = append(enumShapes, s)
	}
	sort.Strings(enumShapes)
	for _, s := range enumShapes {
		var vals []string
		if strings.HasPrefix(s, "#member:") {
			vals = strings.Split(strings.TrimPrefix(s, "#member:"), "|")
		} else {
			vals = g.shape(s).Enum
		}
		g.p("var %s = wire.NewEnum(%s)\n\n", g.enums[s], quoteList(vals))
	}
	src, err := format.Source(g.buf.Bytes())
	if err != nil {
		os.WriteFile("/tmp/codegen_broken.go", g.buf.Bytes(), 0o644)
		return nil, fmt.Errorf("gofmt generated code (see /tmp/codegen_broken.go): %w", err)
	}
	return src, nil
}

func quoteList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

func (g *svcGen) genStruct(name string) {
	s := g.shape(name)
	if s.Type != "structure" {
		return
	}
	g.structs = append(g.structs, goName(name))
	g.p("type %s struct {\n", goName(name))
	used := map[string]bool{}
	for _, mb := range s.Members {
		fname := goName(mb.Name)
		if used[fname] {
			panic("duplicate field " + fname + " in " + name)
		}
		used[fname] = true
		tag := `json:"-"`
		if jn, ok := g.bodyName(s, mb); ok {
			tag = fmt.Sprintf(`json:"%s,omitzero"`, jn)
		}
		g.p("\t%s %s `%s`\n", fname, g.fieldType(mb), tag)
	}
	g.p("}\n\n")
	g.genAppendJSON(name)
	g.genDecodeJSON(name)
}

// bodyName is the JSON name of a member that travels in the body; ok is
// false for members bound elsewhere (tagged json:"-").
func (g *svcGen) bodyName(s *Shape, mb Member) (name string, ok bool) {
	if mb.Location != "" || (s.Payload == mb.Name && g.shape(mb.Shape).Type != "structure") {
		return "", false
	}
	if mb.LocationName != "" {
		return mb.LocationName, true
	}
	return mb.Name, true
}

// fieldType is the Go type of a structure member's field.
func (g *svcGen) fieldType(mb Member) string {
	typ := g.goType(mb.Ref, true, mb.Location)
	if mb.Location == "uri" {
		typ = strings.TrimPrefix(typ, "*")
	}
	return typ
}

func (g *svcGen) errorShapes() []string {
	var out []string
	for _, n := range g.sortedShapes() {
		if g.shape(n).Exception {
			out = append(out, n)
		}
	}
	return out
}

func messageMember(s *Shape) string {
	for _, mb := range s.Members {
		if strings.EqualFold(mb.Name, "message") {
			return goName(mb.Name)
		}
	}
	return ""
}

func (g *svcGen) genErrors() {
	all, _ := g.reachable()
	for _, n := range g.errorShapes() {
		if !all[n] {
			// Still generate: services may return any modeled error.
			g.genStruct(n)
		}
		s := g.shape(n)
		gn := goName(n)
		status := 400
		code := n
		if s.Error != nil {
			if s.Error.HTTPStatusCode != 0 {
				status = s.Error.HTTPStatusCode
			}
			if s.Error.Code != "" {
				code = s.Error.Code
			}
		}
		mm := messageMember(s)
		g.p("// ErrorCode is the x-amzn-ErrorType of %s.\nfunc (e *%s) ErrorCode() string { return %q }\n\n", gn, gn, code)
		g.p("// HTTPStatus is the status code %s is answered with.\nfunc (e *%s) HTTPStatus() int { return %d }\n\n", gn, gn, status)
		if mm != "" {
			g.p("func (e *%s) Error() string { if e.%s == nil { return %q }; return %q + \": \" + *e.%s }\n\n", gn, mm, code, code, mm)
			g.p("// New%s returns a %s with a formatted message.\nfunc New%s(format string, args ...any) *%s { m := wire.Sprintf(format, args...); return &%s{%s: &m} }\n\n", gn, gn, gn, gn, gn, mm)
		} else {
			g.p("func (e *%s) Error() string { return %q }\n\n", gn, code)
			g.p("// New%s returns a %s (the model gives it no message).\nfunc New%s() *%s { return &%s{} }\n\n", gn, gn, gn, gn, gn)
		}
		var hdrs []Member
		for _, mb := range s.Members {
			if mb.Location == "header" {
				hdrs = append(hdrs, mb)
			}
		}
		if len(hdrs) > 0 {
			g.p("// ErrorHeaders sets the members %s sends as headers.\nfunc (e *%s) ErrorHeaders(h http.Header) {\n", gn, gn)
			for _, mb := range hdrs {
				g.p("\tif e.%s != nil { h.Set(%q, %s) }\n", goName(mb.Name), mb.LocationName, g.formatScalar(mb.Ref, "*e."+goName(mb.Name), "header"))
			}
			g.p("}\n\n")
		}
	}
}

// formatScalar renders a Go expression of scalar shape ref as a string expression.
func (g *svcGen) formatScalar(ref *Ref, expr, location string) string {
	switch g.shape(ref.Shape).Type {
	case "string":
		return expr
	case "integer":
		return "strconv.FormatInt(int64(" + expr + "), 10)"
	case "long":
		return "strconv.FormatInt(" + expr + ", 10)"
	case "boolean":
		return "strconv.FormatBool(" + expr + ")"
	case "float":
		return "strconv.FormatFloat(float64(" + expr + "), 'g', -1, 32)"
	case "double":
		return "strconv.FormatFloat(" + expr + ", 'g', -1, 64)"
	case "timestamp":
		return strings.TrimPrefix(expr, "*") + ".String()"
	}
	panic("formatScalar " + g.shape(ref.Shape).Type)
}

func (g *svcGen) sig(op *Op) string {
	in := ""
	if op.Input != nil {
		in = ", in *" + goName(op.Input.Shape)
	}
	if op.Output != nil {
		return fmt.Sprintf("%s(ctx context.Context%s) (*%s, error)", op.Name, in, goName(op.Output.Shape))
	}
	return fmt.Sprintf("%s(ctx context.Context%s) error", op.Name, in)
}

func (g *svcGen) genInterface() {
	g.p("// Service is implemented by the hand-written logic of %s. Embed\n// Unimplemented to answer \"not implemented\" for operations not written yet.\n", g.name)
	g.p("type Service interface {\n")
	for _, op := range g.sortedOps() {
		g.p("\t%s\n", g.sig(op))
	}
	g.p("}\n\n")
	g.p("// Unimplemented answers every operation with a 501 NotImplemented error naming it.\ntype Unimplemented struct{}\n\n")
	for _, op := range g.sortedOps() {
		ret := "return wire.NotImplemented(ServiceName, %q)"
		if op.Output != nil {
			ret = "return nil, wire.NotImplemented(ServiceName, %q)"
		}
		g.p("func (Unimplemented) %s { "+ret+" }\n\n", g.sig(op), op.Name)
	}
}

func splitURI(uri string) (path, query string) {
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		return uri[:i], uri[i+1:]
	}
	return uri, ""
}

func (g *svcGen) genOps() {
	g.p("// Operations is the operation table of %s, in name order.\nvar Operations = []*wire.Operation{\n", g.name)
	for _, op := range g.sortedOps() {
		path, q := splitURI(op.HTTP.RequestURI)
		code := op.HTTP.ResponseCode
		if code == 0 {
			code = 200
		}
		g.p("\t{Name: %q, Method: %q, Path: %q, Query: %q, Code: %d, Handle: handle%s},\n", op.Name, op.HTTP.Method, path, q, code, op.Name)
	}
	g.p("}\n\n")
	for _, op := range g.sortedOps() {
		g.genHandler(op)
	}
}

func (g *svcGen) genHandler(op *Op) {
	code := op.HTTP.ResponseCode
	if code == 0 {
		code = 200
	}
	g.p("func handle%s(ctx context.Context, svc any, r *wire.Request) error {\n", op.Name)
	args := "ctx"
	if op.Input != nil {
		s := g.shape(op.Input.Shape)
		g.p("\tin := new(%s)\n", goName(op.Input.Shape))
		hasBody := false
		var boundQuery []string
		for _, mb := range s.Members {
			if mb.Location == "" && s.Payload != mb.Name {
				hasBody = true
			}
			if mb.Location == "querystring" && g.shape(mb.Shape).Type != "map" {
				boundQuery = append(boundQuery, mb.LocationName)
			}
		}
		if s.Payload != "" {
			pm := findMember(s, s.Payload)
			if g.shape(pm.Shape).Type == "structure" {
				g.p("\tif err := r.DecodeJSON(&in.%s); err != nil { return err }\n", goName(pm.Name))
			} else {
				g.p("\tin.%s = r.Body\n", goName(pm.Name))
			}
		} else if hasBody {
			g.p("\tif err := r.DecodeJSON(in); err != nil { return err }\n")
		}
		for _, mb := range s.Members {
			f := "in." + goName(mb.Name)
			ln := mb.LocationName
			if ln == "" {
				ln = mb.Name
			}
			st := g.shape(mb.Shape)
			switch mb.Location {
			case "uri":
				if st.Type == "string" {
					g.p("\t%s = r.Label(%q)\n", f, ln)
				} else {
					g.p("\tif v, err := wire.Parse%s(%q, r.Label(%q)); err != nil { return err } else { %s = v }\n", parseFn(st.Type), ln, ln, f)
				}
			case "querystring":
				switch st.Type {
				case "list":
					g.p("\tif l := r.QueryAll(%q); len(l) > 0 { %s = l }\n", ln, f)
				case "map":
					g.p("\t%s = r.QueryRest(%s)\n", f, quoteList(boundQuery))
				case "string":
					g.p("\tif v, ok := r.Query(%q); ok { %s = &v }\n", ln, f)
				case "timestamp":
					g.p("\tif v, ok := r.Query(%q); ok { t, err := wire.Parse%s(%q, v); if err != nil { return err }; %s = &t }\n", ln, tsParse(g.tsFormat(mb.Ref, "querystring")), ln, f)
				default:
					g.p("\tif v, ok := r.Query(%q); ok { n, err := wire.Parse%s(%q, v); if err != nil { return err }; %s = &n }\n", ln, parseFn(st.Type), ln, f)
				}
			case "header":
				switch st.Type {
				case "string":
					g.p("\tif v, ok := r.Header(%q); ok { %s = &v }\n", ln, f)
				case "timestamp":
					g.p("\tif v, ok := r.Header(%q); ok { t, err := wire.Parse%s(%q, v); if err != nil { return err }; %s = &t }\n", ln, tsParse(g.tsFormat(mb.Ref, "header")), ln, f)
				default:
					g.p("\tif v, ok := r.Header(%q); ok { n, err := wire.Parse%s(%q, v); if err != nil { return err }; %s = &n }\n", ln, parseFn(st.Type), ln, f)
				}
			case "headers":
				g.p("\t%s = r.HeaderPrefix(%q)\n", f, ln)
			}
		}
		if g.needValidate[op.Input.Shape] {
			g.p("\tvar vs wire.Violations\n\tvalidate%s(in, %q, &vs)\n", goName(op.Input.Shape), lowerFirst(op.Name)+"Input")
			g.p("\tif err := vs.Err(ValidationCode); err != nil { return err }\n")
		}
		args = "ctx, in"
	}
	if op.Output == nil {
		g.p("\tif err := svc.(Service).%s(%s); err != nil { return err }\n", op.Name, args)
		g.p("\treturn r.WriteEmpty(%d)\n}\n\n", code)
		return
	}
	g.p("\tout, err := svc.(Service).%s(%s)\n\tif err != nil { return err }\n", op.Name, args)
	g.p("\tif out == nil { out = new(%s) }\n", goName(op.Output.Shape))
	s := g.shape(op.Output.Shape)
	hasBody := false
	for _, mb := range s.Members {
		f := "out." + goName(mb.Name)
		switch mb.Location {
		case "header":
			st := g.shape(mb.Shape)
			if st.Type == "timestamp" {
				g.p("\tif !%s.IsZero() { r.SetHeader(%q, %s.String()) }\n", f, mb.LocationName, f)
			} else {
				g.p("\tif %s != nil { r.SetHeader(%q, %s) }\n", f, mb.LocationName, g.formatScalar(mb.Ref, "*"+f, "header"))
			}
		case "headers":
			g.p("\tfor k, v := range %s { r.SetHeader(%q+k, v) }\n", f, mb.LocationName)
		case "statusCode":
			g.p("\tif %s != nil { r.SetStatus(int(*%s)) }\n", f, f)
		case "":
			if s.Payload != mb.Name {
				hasBody = true
			}
		}
	}
	switch {
	case s.Payload != "":
		pm := findMember(s, s.Payload)
		if g.shape(pm.Shape).Type == "structure" {
			g.p("\treturn r.WriteJSON(%d, out.%s)\n}\n\n", code, goName(pm.Name))
		} else {
			g.p("\treturn r.WriteBlob(%d, out.%s)\n}\n\n", code, goName(pm.Name))
		}
	case hasBody:
		g.p("\treturn r.WriteJSON(%d, out)\n}\n\n", code)
	default:
		g.p("\treturn r.WriteEmptyObject(%d)\n}\n\n", code)
	}
}

func findMember(s *Shape, name string) Member {
	for _, mb := range s.Members {
		if mb.Name == name {
			return mb
		}
	}
	panic("no member " + name)
}

func parseFn(t string) string {
	switch t {
	case "integer":
		return "Int32"
	case "long":
		return "Int64"
	case "boolean":
		return "Bool"
	case "double":
		return "Float64"
	case "float":
		return "Float32"
	}
	panic("parseFn " + t)
}

func tsParse(format string) string {
	switch format {
	case "iso8601":
		return "ISOTime"
	case "rfc822":
		return "HTTPDate"
	}
	return "EpochTime"
}

// computeNeedValidate marks input structures that have any constraint,
// directly or through members.
func (g *svcGen) computeNeedValidate(input map[string]bool) {
	changed := true
	for changed {
		changed = false
		for name := range input {
			if g.needValidate[name] {
				continue
			}
			if g.structHasChecks(name) {
				g.needValidate[name] = true
				changed = true
			}
		}
	}
}

func (g *svcGen) structHasChecks(name string) bool {
	s := g.shape(name)
	if len(s.Required) > 0 {
		return true
	}
	for _, mb := range s.Members {
		if g.refHasChecks(mb.Ref) {
			return true
		}
	}
	return false
}

func (g *svcGen) refHasChecks(ref *Ref) bool {
	s := g.shape(ref.Shape)
	if len(ref.Enum) > 0 {
		return true
	}
	switch s.Type {
	case "structure":
		return g.needValidate[ref.Shape]
	case "list":
		return s.Min != nil || s.Max != nil || g.refHasChecks(s.Member)
	case "map":
		return s.Min != nil || s.Max != nil || g.refHasChecks(s.Key) || g.refHasChecks(s.Value)
	case "string":
		return s.Min != nil || s.Max != nil || g.usablePattern(s.Pattern) || len(s.Enum) > 0
	case "integer", "long", "float", "double":
		return s.Min != nil || s.Max != nil
	case "blob":
		return s.Min != nil || s.Max != nil
	}
	return false
}

// usablePattern says whether a model pattern compiles in Go's RE2 (a few
// Java-only constructs do not; those are skipped, and counted in the docs).
func (g *svcGen) usablePattern(p string) bool {
	if p == "" {
		return false
	}
	_, err := regexp.Compile(p)
	return err == nil
}

func (g *svcGen) patternVar(p string) int {
	if i, ok := g.patternIndex[p]; ok {
		return i
	}
	g.patterns = append(g.patterns, p)
	g.patternIndex[p] = len(g.patterns) - 1
	return len(g.patterns) - 1
}

func (g *svcGen) enumVar(shape string, vals []string) string {
	key := shape
	if vals != nil {
		key = "#member:" + strings.Join(vals, "|")
	}
	if v, ok := g.enums[key]; ok {
		return v
	}
	v := "enum" + goName(shape)
	if vals != nil {
		v += strconv.Itoa(len(g.enums))
	}
	g.enums[key] = v
	return v
}

func bound(f *float64) string {
	if f == nil {
		return "-1"
	}
	return strconv.FormatInt(int64(*f), 10)
}

func fbound(f *float64) string {
	if f == nil {
		return "wire.NoBound"
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

func (g *svcGen) genValidate(name string) {
	s := g.shape(name)
	g.p("func validate%s(v *%s, p string, vs *wire.Violations) {\n", goName(name), goName(name))
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	for _, mb := range s.Members {
		f := "v." + goName(mb.Name)
		st := g.shape(mb.Shape)
		isURI := mb.Location == "uri"
		if req[mb.Name] {
			switch {
			case isURI && st.Type != "string":
				// A non-string label is always bound (parsing fails first).
			case isURI:
				g.p("\tif %s == \"\" { vs.Required(p, %q) }\n", f, mb.Name)
			case st.Type == "list" || st.Type == "map" || st.Type == "blob":
				g.p("\tif %s == nil { vs.Required(p, %q) }\n", f, mb.Name)
			case st.Type == "timestamp":
				g.p("\tif %s.IsZero() { vs.Required(p, %q) }\n", f, mb.Name)
			default:
				g.p("\tif %s == nil { vs.Required(p, %q) }\n", f, mb.Name)
			}
		}
		if !g.refHasChecks(mb.Ref) {
			continue
		}
		val := "*" + f
		open, close := fmt.Sprintf("\tif %s != nil {\n", f), "\t}\n"
		switch {
		case isURI:
			val, open, close = f, "", ""
		case st.Type == "list" || st.Type == "map" || st.Type == "blob":
			val, open, close = f, "", ""
		case st.Type == "structure":
			val = f
		}
		g.p("%s", open)
		g.checkValue(mb.Ref, val, "p", strconv.Quote(mb.Name))
		g.p("%s", close)
	}
	g.p("}\n\n")
}

// checkValue emits checks of one value expression val of shape ref at
// location prefix p + "." + member (both Go expressions).
func (g *svcGen) checkValue(ref *Ref, val, p, member string) {
	s := g.shape(ref.Shape)
	enum := ref.Enum
	switch s.Type {
	case "string":
		if s.Min != nil || s.Max != nil {
			g.p("\tvs.Len(%s, %s, %s, %s, %s)\n", p, member, val, bound(s.Min), bound(s.Max))
		}
		if g.usablePattern(s.Pattern) {
			i := g.patternVar(s.Pattern)
			g.p("\tvs.Pattern(%s, %s, %s, patterns[%d], patternText[%d])\n", p, member, val, i, i)
		}
		if len(enum) > 0 {
			g.p("\tvs.Enum(%s, %s, %s, %s)\n", p, member, val, g.enumVar(ref.Shape, enum))
		} else if len(s.Enum) > 0 {
			g.p("\tvs.Enum(%s, %s, %s, %s)\n", p, member, val, g.enumVar(ref.Shape, nil))
		}
	case "integer", "long", "float", "double":
		if s.Min != nil || s.Max != nil {
			g.p("\tvs.Range(%s, %s, float64(%s), %s, %s)\n", p, member, val, fbound(s.Min), fbound(s.Max))
		}
	case "blob":
		if s.Min != nil || s.Max != nil {
			g.p("\tif %s != nil { vs.Size(%s, %s, len(%s), %s, %s) }\n", val, p, member, val, bound(s.Min), bound(s.Max))
		}
	case "structure":
		if g.needValidate[ref.Shape] {
			g.p("\tif %s != nil { validate%s(%s, %s+\".\"+%s, vs) }\n", val, goName(ref.Shape), val, p, member)
		}
	case "list":
		g.p("\tif %s != nil {\n", val)
		if s.Min != nil || s.Max != nil {
			g.p("\tvs.Size(%s, %s, len(%s), %s, %s)\n", p, member, val, bound(s.Min), bound(s.Max))
		}
		if g.refHasChecks(s.Member) {
			es := g.shape(s.Member.Shape)
			g.p("\tfor i := range %s {\n", val)
			g.p("\t\tep := %s + \".\" + %s + \".\" + strconv.Itoa(i+1)\n", p, member)
			if es.Type == "structure" {
				g.checkValue(s.Member, "&"+val+"[i]", "ep", `"member"`)
			} else {
				g.checkValue(s.Member, val+"[i]", "ep", `"member"`)
			}
			g.p("\t}\n")
		}
		g.p("\t}\n")
	case "map":
		g.p("\tif %s != nil {\n", val)
		if s.Min != nil || s.Max != nil {
			g.p("\tvs.Size(%s, %s, len(%s), %s, %s)\n", p, member, val, bound(s.Min), bound(s.Max))
		}
		kc, vc := g.refHasChecks(s.Key), g.refHasChecks(s.Value)
		if kc || vc {
			g.p("\tfor k, e := range %s {\n\t\t_, _ = k, e\n", val)
			g.p("\t\tep := %s + \".\" + %s\n", p, member)
			if kc {
				g.checkValue(s.Key, "k", "ep", `"key"`)
			}
			if vc {
				if g.shape(s.Value.Shape).Type == "structure" {
					g.p("\t\te := e\n")
					g.checkValue(s.Value, "&e", "ep", `"value"`)
				} else {
					g.checkValue(s.Value, "e", "ep", `"value"`)
				}
			}
			g.p("\t}\n")
		}
		g.p("\t}\n")
	}
}
