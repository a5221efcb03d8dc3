package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"strconv"
	"strings"
	"unicode"
)

// genAppendJSON emits (*T).AppendJSON for the structure genStruct has just
// emitted: the reflection-free twin of json.Marshal for it (see
// wire.JSONAppender). It follows what encoding/json does with the struct
// tags genStruct writes: members tagged json:"-" are left out, the others
// are written in field order under their tag name, and left out when zero
// (omitzero: nil pointers, slices, maps and documents, zero times).
func (g *svcGen) genAppendJSON(name string) {
	s := g.shape(name)
	gn := goName(name)
	type field struct {
		mb  Member
		key string // ,"name":
	}
	var fields []field
	seen := map[string]bool{}
	for _, mb := range s.Members {
		jn, ok := g.bodyName(s, mb)
		if !ok {
			continue
		}
		if !isValidTag(jn) {
			// encoding/json would fall back to the Go field name.
			panic(fmt.Sprintf("%s.%s: JSON name %q is not a valid struct tag name", name, mb.Name, jn))
		}
		if seen[jn] {
			// encoding/json would drop both fields.
			panic(fmt.Sprintf("%s: two members named %q in JSON", name, jn))
		}
		seen[jn] = true
		q, _ := json.Marshal(jn) // the name as encoding/json writes it (HTML-escaped)
		fields = append(fields, field{mb, "," + string(q) + ":"})
	}
	g.p("// AppendJSON appends v encoded exactly as json.Marshal encodes it, without\n// reflection (see wire.JSONAppender).\n")
	g.p("func (v *%s) AppendJSON(b []byte) []byte {\n", gn)
	g.p("\tif v == nil {\n\t\treturn append(b, \"null\"...)\n\t}\n")
	if len(fields) == 0 {
		g.p("\treturn append(b, \"{}\"...)\n}\n\n")
		return
	}
	// Each member is written as ,"name":value; the first comma becomes
	// the opening brace.
	g.p("\tstart := len(b)\n")
	for _, f := range fields {
		fe := "v." + goName(f.mb.Name)
		typ := g.fieldType(f.mb)
		cond, val := "", fe
		switch {
		case strings.HasPrefix(typ, "*"):
			cond = fe + " != nil"
			if g.shape(f.mb.Shape).Type != "structure" {
				val = "*" + fe
			}
		case strings.HasPrefix(typ, "[]"), strings.HasPrefix(typ, "map["), typ == "any":
			cond = fe + " != nil"
		case strings.HasPrefix(typ, "wire."):
			cond = "!" + fe + ".IsZero()" // the IsZero method omitzero uses
		default:
			panic(fmt.Sprintf("%s.%s: no AppendJSON rule for a body member of type %s", name, f.mb.Name, typ))
		}
		g.p("\tif %s {\n\t\tb = append(b, %s...)\n", cond, strconv.Quote(f.key))
		g.appendValue(f.mb.Ref, val, 0, true)
		g.p("\t}\n")
	}
	g.p("\tif len(b) == start {\n\t\treturn append(b, \"{}\"...)\n\t}\n")
	g.p("\tb[start] = '{'\n\treturn append(b, '}')\n}\n\n")
}

// appendValue emits statements appending expr, a value of shape ref (a
// pointer for a structure member, else a value; an addressable one for a
// structure element), to b. nonNil says that a list or map is known not to
// be nil; depth keeps the names of nested loops apart.
func (g *svcGen) appendValue(ref *Ref, expr string, depth int, nonNil bool) {
	s := g.shape(ref.Shape)
	switch s.Type {
	case "string":
		g.p("\tb = wire.AppendString(b, %s)\n", expr)
	case "integer", "long":
		g.p("\tb = strconv.AppendInt(b, int64(%s), 10)\n", expr)
	case "float":
		g.p("\tb = wire.AppendFloat32(b, %s)\n", expr)
	case "double":
		g.p("\tb = wire.AppendFloat64(b, %s)\n", expr)
	case "boolean":
		g.p("\tb = strconv.AppendBool(b, %s)\n", expr)
	case "blob":
		g.p("\tb = wire.AppendBytes(b, %s)\n", expr)
	case "document":
		g.p("\tb = wire.AppendAny(b, %s)\n", expr)
	case "timestamp":
		g.p("\tb = %s.AppendJSON(b)\n", expr) // what its MarshalJSON returns
	case "structure":
		g.p("\tb = %s.AppendJSON(b)\n", expr) // a pointer or an addressable value
	case "list":
		i := fmt.Sprintf("i%d", depth)
		if !nonNil {
			g.p("\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else {\n", expr)
		}
		g.p("\tb = append(b, '[')\n\tfor %s := range %s {\n\t\tif %s > 0 {\n\t\t\tb = append(b, ',')\n\t\t}\n", i, expr, i)
		g.appendValue(s.Member, expr+"["+i+"]", depth+1, false)
		g.p("\t}\n\tb = append(b, ']')\n")
		if !nonNil {
			g.p("\t}\n")
		}
	case "map":
		if g.shape(s.Key.Shape).Type != "string" {
			panic("map key of type " + g.shape(s.Key.Shape).Type)
		}
		// Keys sorted byte-wise as encoding/json sorts them; a small
		// map's keys stay in a stack array.
		j, k, kb := fmt.Sprintf("j%d", depth), fmt.Sprintf("k%d", depth), fmt.Sprintf("kb%d", depth)
		if !nonNil {
			g.p("\tif %s == nil {\n\t\tb = append(b, \"null\"...)\n\t} else {\n", expr)
		}
		g.p("\tvar %s [16]string\n\tb = append(b, '{')\n", kb)
		g.p("\tfor %s, %s := range wire.SortedKeys(%s[:0], %s) {\n", j, k, kb, expr)
		g.p("\t\tif %s > 0 {\n\t\t\tb = append(b, ',')\n\t\t}\n", j)
		g.p("\t\tb = wire.AppendString(b, %s)\n\t\tb = append(b, ':')\n", k)
		switch g.shape(s.Value.Shape).Type {
		case "structure", "list", "map":
			// One lookup, and an addressable copy for AppendJSON.
			e := fmt.Sprintf("e%d", depth)
			g.p("\t\t%s := %s[%s]\n", e, expr, k)
			g.appendValue(s.Value, e, depth+1, false)
		default:
			g.appendValue(s.Value, expr+"["+k+"]", depth+1, false)
		}
		g.p("\t}\n\tb = append(b, '}')\n")
		if !nonNil {
			g.p("\t}\n")
		}
	default:
		panic("appendValue: unhandled type " + s.Type)
	}
}

// isValidTag is encoding/json's rule for a usable name in a struct tag.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// generateTest writes the tests that hold every generated structure's
// AppendJSON to json.Marshal and its DecodeJSON to json.Unmarshal, over one
// table of the structures (the wiretest checks also compare it with the
// types zz_generated.go declares).
func (g *svcGen) generateTest() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by internal/codegen from models/%s.json. DO NOT EDIT.\n\n", g.name)
	fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"testing\"\n\n\t\"github.com/stagecraft/stagecraft/internal/wire/wiretest\"\n)\n\n", g.pkg)
	b.WriteString("// structures lists every structure zz_generated.go declares.\nvar structures = []any{\n")
	for _, n := range g.structs {
		fmt.Fprintf(&b, "\t(*%s)(nil),\n", n)
	}
	b.WriteString("}\n\n")
	b.WriteString("// TestAppendJSON compares the AppendJSON of every generated structure with\n// json.Marshal, on many random values of each.\n")
	b.WriteString("func TestAppendJSON(t *testing.T) {\n\twiretest.CheckAppendJSON(t, \"zz_generated.go\", structures)\n}\n\n")
	b.WriteString("// TestDecodeJSON compares the DecodeJSON of every generated structure with\n// json.Unmarshal, on what AppendJSON writes for many random values of each\n// and on malformed and odd variants of it.\n")
	b.WriteString("func TestDecodeJSON(t *testing.T) {\n\twiretest.CheckDecodeJSON(t, \"zz_generated.go\", structures)\n}\n")
	return format.Source(b.Bytes())
}
