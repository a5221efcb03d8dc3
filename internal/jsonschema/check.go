package jsonschema

import (
	"encoding/json"
	"iter"
	"maps"
	"slices"
	"strconv"
)

// Ordered is a decoded JSON object that keeps its members in document
// order; Check walks it in that order (a map[string]any is walked by
// member name).
type Ordered interface {
	Members() iter.Seq2[string, any]
}

// ProblemKind classifies what Check found wrong.
type ProblemKind int

const (
	// Unsupported: a keyword outside the draft-4 vocabulary (Draft4 only).
	Unsupported ProblemKind = iota
	// Invalid: the keyword's value does not have the shape the keyword
	// requires.
	Invalid
	// NotASchema: a subschema is not an object (or a boolean, outside
	// Draft4).
	NotASchema
	// BadPattern: CheckOptions.Pattern refused a pattern.
	BadPattern
	// BadRef: CheckOptions.Ref refused a "$ref".
	BadRef
)

// Problem is one thing wrong with a schema document.
type Problem struct {
	Kind ProblemKind
	// Path is the JSON pointer of the keyword (Unsupported, Invalid,
	// BadPattern, BadRef) or of the subschema (NotASchema).
	Path string
	// Keyword is the keyword ("" for NotASchema).
	Keyword string
	// Value is the keyword's value, or the subschema.
	Value any
	// Err is why Pattern or Ref refused.
	Err error
}

// CheckOptions select how strictly Check reads a schema.
type CheckOptions struct {
	// Draft4 accepts only the draft-4 keywords, with the shapes the
	// draft-4 meta-schema requires (API Gateway's models). Otherwise the
	// keywords Compile understands are checked loosely and unknown ones are
	// ignored.
	Draft4 bool
	// Pattern checks a "pattern" or "patternProperties" expression (nil:
	// any string).
	Pattern func(string) error
	// Ref checks a "$ref" (nil: any string).
	Ref func(string) error
}

// Check reports what is wrong with a decoded schema document whose objects
// are map[string]any or Ordered, in the order of a walk of the document.
func Check(doc any, opts CheckOptions) []Problem {
	c := &checker{opts: opts}
	c.schema(doc, "", 0)
	return c.probs
}

type checker struct {
	opts  CheckOptions
	probs []Problem
}

// members iterates an object, reporting whether v is one.
func members(v any) (iter.Seq2[string, any], bool) {
	switch o := v.(type) {
	case map[string]any:
		return func(yield func(string, any) bool) {
			for _, k := range slices.Sorted(maps.Keys(o)) {
				if !yield(k, o[k]) {
					return
				}
			}
		}, true
	case Ordered:
		return o.Members(), true
	}
	return nil, false
}

var draft4Keywords = map[string]bool{
	"$schema": true, "id": true, "title": true, "description": true, "default": true,
	"multipleOf": true, "maximum": true, "exclusiveMaximum": true, "minimum": true, "exclusiveMinimum": true,
	"maxLength": true, "minLength": true, "pattern": true,
	"additionalItems": true, "items": true, "maxItems": true, "minItems": true, "uniqueItems": true,
	"maxProperties": true, "minProperties": true, "required": true,
	"additionalProperties": true, "definitions": true, "properties": true, "patternProperties": true, "dependencies": true,
	"enum": true, "type": true, "allOf": true, "anyOf": true, "oneOf": true, "not": true,
	"format": true, "$ref": true,
}

// KnownType reports whether t is a JSON Schema primitive type.
func KnownType(t string) bool {
	switch t {
	case "null", "boolean", "object", "array", "number", "integer", "string":
		return true
	}
	return false
}

const maxCheckDepth = 256

func (c *checker) add(kind ProblemKind, path, kw string, v any, err error) {
	c.probs = append(c.probs, Problem{Kind: kind, Path: path, Keyword: kw, Value: v, Err: err})
}

// schema checks a subschema found at path.
func (c *checker) schema(v any, path string, depth int) {
	ms, ok := members(v)
	if !ok {
		if _, isBool := v.(bool); !isBool || c.opts.Draft4 {
			c.add(NotASchema, path, "", v, nil)
		}
		return
	}
	if depth > maxCheckDepth {
		return
	}
	for k, x := range ms {
		p := path + "/" + escape(k)
		if c.opts.Draft4 && !draft4Keywords[k] {
			c.add(Unsupported, p, k, x, nil)
			continue
		}
		if !c.keyword(k, x, p, depth) {
			c.add(Invalid, p, k, x, nil)
		}
	}
}

// keyword checks one keyword's value, reporting whether its shape is
// right (problems inside it are recorded).
func (c *checker) keyword(k string, x any, p string, depth int) bool {
	d4 := c.opts.Draft4
	switch k {
	case "$schema", "id", "title", "description", "format":
		_, ok := x.(string)
		return ok || !d4
	case "pattern":
		s, ok := x.(string)
		if ok && c.opts.Pattern != nil {
			if err := c.opts.Pattern(s); err != nil {
				c.add(BadPattern, p, k, x, err)
			}
		}
		return ok
	case "$ref":
		s, ok := x.(string)
		if ok && c.opts.Ref != nil {
			if err := c.opts.Ref(s); err != nil {
				c.add(BadRef, p, k, x, err)
			}
		}
		return ok
	case "type":
		switch t := x.(type) {
		case string:
			return KnownType(t)
		case []any:
			seen := map[string]bool{}
			for _, e := range t {
				s, ok := e.(string)
				if !ok || !KnownType(s) || (d4 && seen[s]) {
					return false
				}
				seen[s] = true
			}
			return len(t) > 0 || !d4
		}
		return false
	case "multipleOf":
		f, ok := number(x)
		return ok && (f > 0 || !d4)
	case "minimum", "maximum":
		_, ok := number(x)
		return ok
	case "maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties":
		if !d4 {
			_, ok := number(x)
			return ok
		}
		n, ok := x.(json.Number)
		i, err := strconv.ParseInt(string(n), 10, 64)
		return ok && err == nil && i >= 0
	case "exclusiveMaximum", "exclusiveMinimum", "uniqueItems":
		_, ok := x.(bool)
		return ok || !d4
	case "required":
		if !d4 {
			_, isArr := x.([]any)
			_, isBool := x.(bool) // draft-03 style
			return isArr || isBool
		}
		return stringSet(x)
	case "enum":
		a, ok := x.([]any)
		return ok && (len(a) > 0 || !d4)
	case "properties", "patternProperties", "definitions", "$defs", "dependencies":
		if k == "$defs" && d4 {
			return true // not reached: Unsupported
		}
		ms, ok := members(x)
		if !ok {
			return false
		}
		for name, sub := range ms {
			sp := p + "/" + escape(name)
			if k == "dependencies" {
				if _, isObj := members(sub); !isObj {
					if d4 && !stringSet(sub) {
						c.add(Invalid, p, k, x, nil)
					} else if _, isList := sub.([]any); !isList && !d4 {
						c.schema(sub, sp, depth+1)
					}
					continue
				}
			}
			if k == "patternProperties" && c.opts.Pattern != nil {
				if err := c.opts.Pattern(name); err != nil {
					c.add(BadPattern, p, k, name, err)
				}
			}
			c.schema(sub, sp, depth+1)
		}
		return true
	case "items":
		if a, ok := x.([]any); ok {
			for i, e := range a {
				c.schema(e, p+"/"+strconv.Itoa(i), depth+1)
			}
			return true
		}
		if _, ok := members(x); !ok && d4 {
			return false
		}
		c.schema(x, p, depth+1)
		return true
	case "additionalItems", "additionalProperties":
		if _, ok := x.(bool); ok {
			return true
		}
		if _, ok := members(x); !ok && d4 {
			return false
		}
		c.schema(x, p, depth+1)
		return true
	case "allOf", "anyOf", "oneOf":
		a, ok := x.([]any)
		if !ok || len(a) == 0 {
			return false
		}
		for i, e := range a {
			c.schema(e, p+"/"+strconv.Itoa(i), depth+1)
		}
		return true
	case "not":
		c.schema(x, p, depth+1)
		return true
	case "contains", "propertyNames", "if", "then", "else":
		if !d4 {
			c.schema(x, p, depth+1)
		}
		return true
	}
	return true
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// stringSet: a non-empty array of unique strings (draft-4 stringArray).
func stringSet(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return false
	}
	seen := map[string]bool{}
	for _, e := range a {
		s, ok := e.(string)
		if !ok || seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}
