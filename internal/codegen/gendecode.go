package main

import (
	"fmt"
	"strconv"
	"strings"
)

// genDecodeJSON emits (*T).DecodeJSON and (*T).DecodeJSONFrom for the
// structure genStruct has just emitted: the reflection-free decoder of what
// AppendJSON writes (see wire.JSONDecoder). Every body member is matched by
// its exact JSON name; anything encoding/json might treat differently (an
// unknown or case-variant key, a key seen twice, a document member, a value
// of the wrong type or out of range) makes the decoder fail, and
// wire.Unmarshal falls back to json.Unmarshal.
func (g *svcGen) genDecodeJSON(name string) {
	s := g.shape(name)
	gn := goName(name)
	var fields []Member
	for _, mb := range s.Members {
		if _, ok := g.bodyName(s, mb); ok {
			fields = append(fields, mb)
		}
	}
	g.p("// DecodeJSON decodes b into v as json.Unmarshal decodes it into a zero\n// value, or reports false and leaves v zero (see wire.JSONDecoder).\n")
	g.p("func (v *%s) DecodeJSON(b []byte) bool {\n\t*v = %s{}\n\td := wire.NewDecoder(b)\n", gn, gn)
	g.p("\tif !d.Null() {\n\t\tv.DecodeJSONFrom(&d)\n\t}\n")
	g.p("\tif !d.End() {\n\t\t*v = %s{}\n\t\treturn false\n\t}\n\treturn true\n}\n\n", gn)
	g.p("// DecodeJSONFrom decodes the object d holds next into v, a zero value,\n// failing d on anything DecodeJSON declines.\n")
	g.p("func (v *%s) DecodeJSONFrom(d *wire.Decoder) {\n\tif !d.ObjectStart() {\n\t\treturn\n\t}\n", gn)
	if len(fields) > 0 {
		g.p("\tvar seen [%d]bool\n", len(fields))
	}
	g.p("\tfor n := 0; ; {\n\t\tk, ok := d.Key(&n)\n\t\tif !ok {\n\t\t\treturn\n\t\t}\n\t\tswitch string(k) {\n")
	for i, mb := range fields {
		jn, _ := g.bodyName(s, mb)
		g.p("\t\tcase %s:\n", strconv.Quote(jn))
		g.p("\t\t\tif seen[%d] {\n\t\t\t\td.Fail()\n\t\t\t\treturn\n\t\t\t}\n\t\t\tseen[%d] = true\n", i, i)
		fe := "v." + goName(mb.Name)
		typ := g.fieldType(mb)
		st := g.shape(mb.Shape).Type
		if st == "document" {
			g.p("\t\t\td.Fail() // documents are left to encoding/json\n\t\t\treturn\n")
			continue
		}
		g.p("\t\t\tif !d.Null() {\n")
		switch {
		case strings.HasPrefix(typ, "*") && st == "structure":
			g.p("\t\t\t\t%s = new(%s)\n\t\t\t\t%s.DecodeJSONFrom(d)\n", fe, strings.TrimPrefix(typ, "*"), fe)
		case strings.HasPrefix(typ, "*"):
			g.p("\t\t\t\tvar x %s\n", strings.TrimPrefix(typ, "*"))
			g.decodeValue(mb.Ref, "x", 0)
			g.p("\t\t\t\t%s = &x\n", fe)
		default:
			g.decodeValue(mb.Ref, fe, 0)
		}
		g.p("\t\t\t}\n")
	}
	g.p("\t\tdefault:\n\t\t\td.Fail()\n\t\t\treturn\n\t\t}\n\t}\n}\n\n")
}

// decodeValue emits statements decoding the (non-null) value d holds next
// into dst, an addressable zero value of shape ref (a value, not a
// pointer); depth keeps the names of nested loops apart.
func (g *svcGen) decodeValue(ref *Ref, dst string, depth int) {
	s := g.shape(ref.Shape)
	switch s.Type {
	case "string":
		g.p("\t%s = d.String()\n", dst)
	case "integer":
		g.p("\t%s = d.Int32()\n", dst)
	case "long":
		g.p("\t%s = d.Int64()\n", dst)
	case "float":
		g.p("\t%s = d.Float32()\n", dst)
	case "double":
		g.p("\t%s = d.Float64()\n", dst)
	case "boolean":
		g.p("\t%s = d.Bool()\n", dst)
	case "blob":
		g.p("\t%s = d.Bytes()\n", dst)
	case "document":
		g.p("\td.Fail() // documents are left to encoding/json\n")
	case "timestamp":
		g.p("\td.Unmarshaler(&%s) // as encoding/json: through its UnmarshalJSON\n", dst)
	case "structure":
		g.p("\t%s.DecodeJSONFrom(d)\n", dst)
	case "list":
		sv, n := fmt.Sprintf("s%d", depth), fmt.Sprintf("n%d", depth)
		et := g.goType(s.Member, false, "")
		g.p("\tif d.ArrayStart() {\n\t\t%s := []%s{}\n", sv, et)
		g.p("\t\tfor %s := 0; d.More(&%s); {\n", n, n)
		g.p("\t\t\tvar e %s\n\t\t\t%s = append(%s, e)\n", et, sv, sv)
		g.p("\t\t\tif !d.Null() {\n")
		g.decodeValue(s.Member, sv+"[len("+sv+")-1]", depth+1)
		g.p("\t\t\t}\n\t\t}\n\t\t%s = %s\n\t}\n", dst, sv)
	case "map":
		if g.shape(s.Key.Shape).Type != "string" {
			panic("map key of type " + g.shape(s.Key.Shape).Type)
		}
		mv, n, k, e := fmt.Sprintf("m%d", depth), fmt.Sprintf("n%d", depth), fmt.Sprintf("k%d", depth), fmt.Sprintf("e%d", depth)
		et := g.goType(s.Value, false, "")
		g.p("\tif d.ObjectStart() {\n\t\t%s := map[string]%s{}\n", mv, et)
		g.p("\t\tfor %s := 0; ; {\n\t\t\tkb, ok := d.Key(&%s)\n\t\t\tif !ok {\n\t\t\t\tbreak\n\t\t\t}\n", n, n)
		g.p("\t\t\t%s := string(kb)\n\t\t\tvar %s %s\n\t\t\tif !d.Null() {\n", k, e, et)
		g.decodeValue(s.Value, e, depth+1)
		g.p("\t\t\t}\n\t\t\t%s[%s] = %s\n\t\t}\n\t\t%s = %s\n\t}\n", mv, k, e, dst, mv)
	default:
		panic("decodeValue: unhandled type " + s.Type)
	}
}
