package apigateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"regexp"
	"sort"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/jsonschema"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Models: CreateModel, GetModel(s), UpdateModel, DeleteModel,
// GetModelTemplate. A model is stored in tModels under apiId/modelName as
// an api.Model whose schema is the exact string the client sent.
//
// Every REST API AWS creates starts with two models, Empty and Error [V:
// GetModels right after CreateRestApi lists them; the console and the CLI
// docs show their exact schema strings]. ImportRestApi does not create them
// [L]. They are created by mdlEnsureDefaults, once per API: a marker in
// tModelDefaults records that it ran, so a user who deletes Empty does not
// get it back. Until CreateRestApi calls it, the model operations call it
// lazily themselves.

// tModelDefaults marks the APIs whose default models exist (or were
// deliberately skipped): apiId/defaults → "1".
const tModelDefaults = "apigw.modeldefaults"

func mdlDefaultsKey(ctx context.Context, apiID string) string {
	return key(ctx, apiID, "defaults")
}

// The default models, schema strings byte for byte as AWS returns them.
var mdlDefaults = []api.Model{
	{
		Name:        ptr("Empty"),
		ContentType: ptr("application/json"),
		Description: ptr("This is a default empty schema model"),
		Schema:      ptr("{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}"),
	},
	{
		Name:        ptr("Error"),
		ContentType: ptr("application/json"),
		Description: ptr("This is a default error schema model"),
		Schema:      ptr("{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}"),
	},
}

// mdlEnsureDefaults creates the Empty and Error models of an API the first
// time it is called for that API (CreateRestApi should call it in its
// transaction). Later calls do nothing.
func mdlEnsureDefaults(ctx context.Context, tx store.Tx, apiID string) error {
	done, err := exists(tx, tModelDefaults, mdlDefaultsKey(ctx, apiID))
	if err != nil || done {
		return err
	}
	for _, d := range mdlDefaults {
		k := key(ctx, apiID, *d.Name)
		there, err := exists(tx, tModels, k)
		if err != nil {
			return err
		}
		if there { // e.g. copied by cloneFrom
			continue
		}
		m := d
		m.Id = ptr(ids.Lower(6))
		if err := store.PutJSON(tx, tModels, k, &m); err != nil {
			return err
		}
	}
	return tx.Put(tModelDefaults, mdlDefaultsKey(ctx, apiID), []byte("1"))
}

// mdlSkipDefaults records that an API has no default models (ImportRestApi
// creates none), so they are never created lazily.
func mdlSkipDefaults(ctx context.Context, tx store.Tx, apiID string) error {
	return tx.Put(tModelDefaults, mdlDefaultsKey(ctx, apiID), []byte("1"))
}

// mdlLookup returns a model of an API, or nil when there is none. While the
// default models have not been materialized it answers Empty and Error as
// well, so code outside this file (PutMethod's requestModels check, the
// deployment snapshot) can rely on them in a read-only transaction.
func mdlLookup(ctx context.Context, tx store.Tx, apiID, name string) (*api.Model, error) {
	m, err := store.GetJSON[api.Model](tx, tModels, key(ctx, apiID, name))
	if err == nil {
		return m, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	done, err := exists(tx, tModelDefaults, mdlDefaultsKey(ctx, apiID))
	if err != nil || done {
		return nil, err
	}
	for _, d := range mdlDefaults {
		if *d.Name == name {
			v := d
			v.Id = ptr(mdlVirtualID(apiID, name))
			return &v, nil
		}
	}
	return nil, nil
}

// mdlVirtualID is a stable stand-in id for a default model that has not
// been written yet.
func mdlVirtualID(apiID, name string) string {
	h := uint32(2166136261)
	for _, c := range []byte(apiID + "/" + name) {
		h = (h ^ uint32(c)) * 16777619
	}
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	for i := range b {
		b[i] = alnum[h%36]
		h /= 36
		h = h*2654435761 + 7
	}
	return string(b)
}

// mdlRead runs fn in a read transaction after checking the API exists
// (answering apiErr otherwise). If the default models were never created it
// runs fn in a write transaction that creates them first.
func (s *Service) mdlRead(ctx context.Context, apiID string, apiErr error, fn func(tx store.Tx) error) error {
	need := false
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := get[api.RestApi](tx, tRestAPIs, key(ctx, apiID), apiErr); err != nil {
			return err
		}
		done, err := exists(tx, tModelDefaults, mdlDefaultsKey(ctx, apiID))
		if err != nil {
			return err
		}
		if !done {
			need = true
			return nil
		}
		return fn(tx)
	})
	if err != nil || !need {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := get[api.RestApi](tx, tRestAPIs, key(ctx, apiID), apiErr); err != nil {
			return err
		}
		if err := mdlEnsureDefaults(ctx, tx, apiID); err != nil {
			return err
		}
		return fn(tx)
	})
}

func errNoModel(name string) error { return notFound("Invalid model name specified: %s", name) }

var mdlNameRE = regexp.MustCompile(`^[a-zA-Z0-9]+$`)

func (s *Service) CreateModel(ctx context.Context, in *api.CreateModelRequest) (*api.Model, error) {
	var out *api.Model
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		if err := mdlEnsureDefaults(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		name := str(in.Name)
		if name == "" {
			return badRequest("Model name must be non-empty") // [V]
		}
		// [C] "Model name must be alphanumeric: body_1" (ImportRestApi error text).
		if !mdlNameRE.MatchString(name) {
			return badRequest("Model name must be alphanumeric: %s", name)
		}
		k := key(ctx, in.RestApiId, name)
		there, err := exists(tx, tModels, k)
		if err != nil {
			return err
		}
		if there {
			return conflict("Model name already exists for this REST API") // [V]
		}
		if err := mdlValidateSchema(str(in.ContentType), str(in.Schema)); err != nil {
			return err
		}
		m := &api.Model{
			Id:          ptr(ids.Lower(6)),
			Name:        ptr(name),
			ContentType: in.ContentType,
			Schema:      in.Schema,
		}
		if str(in.Description) != "" {
			m.Description = in.Description
		}
		out = m
		return store.PutJSON(tx, tModels, k, m)
	})
	return out, err
}

func (s *Service) GetModel(ctx context.Context, in *api.GetModelRequest) (*api.Model, error) {
	var out *api.Model
	// An unknown API answers like an unknown model [V: get-model-wrong-id].
	err := s.mdlRead(ctx, in.RestApiId, errNoModel(in.ModelName), func(tx store.Tx) error {
		m, err := get[api.Model](tx, tModels, key(ctx, in.RestApiId, in.ModelName), errNoModel(in.ModelName))
		if err != nil {
			return err
		}
		if boolv(in.Flatten) {
			flat, err := mdlFlatten(ctx, tx, in.RestApiId, m)
			if err != nil {
				return err
			}
			m.Schema = flat
		}
		out = m
		return nil
	})
	return out, err
}

// mdlAll returns an API's models ordered by id, the order AWS lists them in
// [C: two get-models outputs, both in id order].
func mdlAll(ctx context.Context, tx store.Tx, apiID string) ([]*api.Model, error) {
	all, err := store.ScanJSON[api.Model](tx, tModels, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return str(all[i].Id) < str(all[j].Id) })
	return all, nil
}

func (s *Service) GetModels(ctx context.Context, in *api.GetModelsRequest) (*api.Models, error) {
	var all []*api.Model
	err := s.mdlRead(ctx, in.RestApiId, errNoAPI(ctx, in.RestApiId), func(tx store.Tx) (err error) {
		all, err = mdlAll(ctx, tx, in.RestApiId)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(m *api.Model) string { return str(m.Id) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.Models{Position: next, Items: []api.Model{}}
	for _, m := range items {
		out.Items = append(out.Items, *m)
	}
	return out, nil
}

func (s *Service) UpdateModel(ctx context.Context, in *api.UpdateModelRequest) (*api.Model, error) {
	var out *api.Model
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := get[api.RestApi](tx, tRestAPIs, key(ctx, in.RestApiId), errNoModel(in.ModelName)); err != nil {
			return err
		}
		if err := mdlEnsureDefaults(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		k := key(ctx, in.RestApiId, in.ModelName)
		m, err := get[api.Model](tx, tModels, k, errNoModel(in.ModelName))
		if err != nil {
			return err
		}
		for _, o := range in.PatchOperations {
			op, path := str(o.Op), str(o.Path)
			// [V] wording of both refusals, op checked first.
			if op != "replace" {
				return badRequest("Invalid patch path  '%s' specified for op '%s'. Please choose supported operations", path, op)
			}
			switch path {
			case "/schema":
				if err := mdlValidateSchema(str(m.ContentType), str(o.Value)); err != nil {
					return err
				}
				m.Schema = ptr(str(o.Value))
			case "/description":
				if str(o.Value) == "" {
					m.Description = nil
				} else {
					m.Description = ptr(str(o.Value))
				}
			default:
				return badRequest("Invalid patch path  '%s' specified for op 'replace'. Must be one of: [/description, /schema]", path)
			}
		}
		out = m
		return store.PutJSON(tx, tModels, k, m)
	})
	return out, err
}

func (s *Service) DeleteModel(ctx context.Context, in *api.DeleteModelRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := get[api.RestApi](tx, tRestAPIs, key(ctx, in.RestApiId), errNoModel(in.ModelName)); err != nil {
			return err
		}
		if err := mdlEnsureDefaults(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		k := key(ctx, in.RestApiId, in.ModelName)
		if _, err := get[api.Model](tx, tModels, k, errNoModel(in.ModelName)); err != nil {
			return err
		}
		t, err := loadTree(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		for _, r := range t.sorted() {
			for _, verb := range mdlVerbs(r) {
				m := r.Methods[verb]
				for _, name := range m.RequestModels {
					if name == in.ModelName {
						// [V] 409 "Cannot delete model 'X', is referenced in method request: //ANY"
						return conflict("Cannot delete model '%s', is referenced in method request: %s/%s", in.ModelName, t.path(r), verb)
					}
				}
				codes := make([]string, 0, len(m.MethodResponses))
				for c := range m.MethodResponses {
					codes = append(codes, c)
				}
				sort.Strings(codes)
				for _, c := range codes {
					for _, name := range m.MethodResponses[c].ResponseModels {
						if name == in.ModelName {
							// [?] only the prefix "Cannot delete model 'Empty', is referenced
							// in method response" is on record; the location follows the
							// method-request form with the status code appended.
							return conflict("Cannot delete model '%s', is referenced in method response: %s/%s/%s", in.ModelName, t.path(r), verb, c)
						}
					}
				}
			}
		}
		return tx.Delete(tModels, k)
	})
}

// mdlVerbs lists a resource's methods in a stable order.
func mdlVerbs(r *resourceRecord) []string {
	verbs := make([]string, 0, len(r.Methods))
	for v := range r.Methods {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	return verbs
}

func (s *Service) GetModelTemplate(ctx context.Context, in *api.GetModelTemplateRequest) (*api.Template, error) {
	var out *api.Template
	err := s.mdlRead(ctx, in.RestApiId, errNoModel(in.ModelName), func(tx store.Tx) error {
		m, err := get[api.Model](tx, tModels, key(ctx, in.RestApiId, in.ModelName), errNoModel(in.ModelName))
		if err != nil {
			return err
		}
		root, err := mdlParse(str(m.Schema))
		if err != nil {
			// [?] a model whose schema is not JSON (e.g. an XML model) has no
			// generated template.
			return badRequest("Unable to generate template for model %s: the schema is not JSON", in.ModelName)
		}
		g := &mdlGen{ctx: ctx, tx: tx, apiID: in.RestApiId, root: root}
		sample, err := g.sample(root, 0)
		if err != nil {
			return err
		}
		out = &api.Template{Value: ptr("#set($inputRoot = $input.path('$'))\n" + mdlPretty(sample))}
		return nil
	})
	return out, err
}

// ---- Schema validation ----

// mdlInvalid is AWS's answer for a schema that fails validation; each
// problem is one entry of the errors list [V: "Invalid model specified:
// Validation Result: warnings : [], errors : [Invalid model schema specified,
// Model reference must be in canonical form]"].
func mdlInvalid(errs []string) error {
	return badRequest("Invalid model specified: Validation Result: warnings : [], errors : [%s]", strings.Join(errs, ", "))
}

const mdlBadSchema = "Invalid model schema specified"

// mdlValidateSchema checks a model schema the way AWS does: non-empty, and
// for JSON models a JSON Schema draft 4 document using only draft-4
// keywords, with model references in canonical form (internal/jsonschema's
// strict draft-4 Check; problems are listed in document order).
func mdlValidateSchema(contentType, schema string) error {
	if strings.TrimSpace(schema) == "" {
		return badRequest("Model schema must have at least 1 property or array items defined") // [V]
	}
	// [?] only JSON models are checked as JSON Schema; AWS documents the
	// schema as "a JSON schema draft 4 model" for application/json.
	if !strings.Contains(strings.ToLower(contentType), "json") {
		return nil
	}
	v, err := mdlParse(schema)
	if err != nil {
		return mdlInvalid([]string{mdlBadSchema})
	}
	obj, ok := v.(mdlObject)
	if !ok {
		return mdlInvalid([]string{mdlBadSchema})
	}
	var errs, unsupported []string
	for _, p := range jsonschema.Check(obj, jsonschema.CheckOptions{Draft4: true, Ref: mdlCheckRef}) {
		switch p.Kind {
		case jsonschema.Unsupported:
			unsupported = append(unsupported, p.Keyword)
		case jsonschema.BadRef:
			errs = append(errs, "Model reference must be in canonical form")
		default:
			errs = append(errs, mdlBadSchema)
		}
	}
	if len(unsupported) > 0 {
		// [C] "Invalid model schema specified. Unsupported keyword(s): ["example"]"
		b, _ := json.Marshal(unsupported)
		errs = append([]string{mdlBadSchema + ". Unsupported keyword(s): " + string(b)}, errs...)
	}
	if len(errs) > 0 {
		return mdlInvalid(errs)
	}
	return nil
}

// mdlCanonicalRef is the only external reference form AWS accepts.
var mdlCanonicalRef = regexp.MustCompile(`^https://apigateway\.amazonaws\.com/restapis/([^/]+)/models/([^/]+)$`)

var errNotCanonical = errors.New("model reference not in canonical form")

// mdlCheckRef accepts internal references and canonical model references.
func mdlCheckRef(ref string) error {
	if !strings.HasPrefix(ref, "#") && !mdlCanonicalRef.MatchString(ref) {
		return errNotCanonical
	}
	return nil
}

// ---- Flattening and templates ----

// mdlFlatten replaces canonical references to other models of the API with
// those models' schemas (GetModel flatten=true). A schema without external
// references comes back unchanged. [?] the flattened document is printed the
// way AWS prints generated JSON (Jackson's default pretty printer).
func mdlFlatten(ctx context.Context, tx store.Tx, apiID string, m *api.Model) (*string, error) {
	root, err := mdlParse(str(m.Schema))
	if err != nil {
		return m.Schema, nil
	}
	changed := false
	var walk func(v any, stack []string) (any, error)
	walk = func(v any, stack []string) (any, error) {
		switch t := v.(type) {
		case mdlObject:
			if ref, ok := t.get("$ref"); ok {
				if s, ok := ref.(string); ok {
					if mm := mdlCanonicalRef.FindStringSubmatch(s); mm != nil && !mdlIn(stack, mm[2]) {
						target, err := mdlLookup(ctx, tx, apiID, mm[2])
						if err != nil {
							return nil, err
						}
						if target != nil {
							if sub, err := mdlParse(str(target.Schema)); err == nil {
								changed = true
								return walk(sub, append(stack, mm[2]))
							}
						}
					}
				}
			}
			out := make(mdlObject, len(t))
			for i, kv := range t {
				nv, err := walk(kv.V, stack)
				if err != nil {
					return nil, err
				}
				out[i] = mdlMember{kv.K, nv}
			}
			return out, nil
		case []any:
			out := make([]any, len(t))
			for i, e := range t {
				nv, err := walk(e, stack)
				if err != nil {
					return nil, err
				}
				out[i] = nv
			}
			return out, nil
		}
		return v, nil
	}
	flat, err := walk(root, []string{str(m.Name)})
	if err != nil {
		return nil, err
	}
	if !changed {
		return m.Schema, nil
	}
	return ptr(mdlPretty(flat)), nil
}

func mdlIn(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// mdlGen builds the sample payload of GetModelTemplate: every property of
// an object schema with a sample value of its type, in schema order [D: the
// API reference sample for a model {a: number, b: number, op: string, c:
// number} is {"a" : 3.1415, "b" : 3.1415, "op" : "foo", "c" : 3.1415}; an
// object without properties prints as "{ }"]. [?] integer 42 and boolean
// true follow the same sample generator's conventions.
type mdlGen struct {
	ctx   context.Context
	tx    store.Tx
	apiID string
	root  any
}

const mdlMaxDepth = 8

func (g *mdlGen) resolve(ref string) (any, error) {
	if strings.HasPrefix(ref, "#/") {
		cur := g.root
		for _, seg := range strings.Split(ref[2:], "/") {
			o, ok := cur.(mdlObject)
			if !ok {
				return nil, nil
			}
			cur, ok = o.get(unescapePointer(seg))
			if !ok {
				return nil, nil
			}
		}
		return cur, nil
	}
	if mm := mdlCanonicalRef.FindStringSubmatch(ref); mm != nil {
		m, err := mdlLookup(g.ctx, g.tx, g.apiID, mm[2])
		if err != nil || m == nil {
			return nil, err
		}
		v, err := mdlParse(str(m.Schema))
		if err != nil {
			return nil, nil
		}
		return v, nil
	}
	return nil, nil
}

func (g *mdlGen) sample(v any, depth int) (any, error) {
	o, ok := v.(mdlObject)
	if !ok || depth > mdlMaxDepth {
		return mdlObject{}, nil
	}
	if r, ok := o.get("$ref"); ok {
		if s, ok := r.(string); ok {
			target, err := g.resolve(s)
			if err != nil {
				return nil, err
			}
			return g.sample(target, depth+1)
		}
	}
	if e, ok := o.get("enum"); ok {
		if a, ok := e.([]any); ok && len(a) > 0 {
			return a[0], nil
		}
	}
	typ := ""
	switch t := o.getOr("type").(type) {
	case string:
		typ = t
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s != "null" {
				typ = s
				break
			}
		}
	}
	if typ == "" {
		switch {
		case o.has("properties") || o.has("allOf"):
			typ = "object"
		case o.has("items"):
			typ = "array"
		default:
			typ = "object"
		}
	}
	switch typ {
	case "string":
		return "foo", nil
	case "number":
		return json.Number("3.1415"), nil
	case "integer":
		return json.Number("42"), nil
	case "boolean":
		return true, nil
	case "null":
		return nil, nil
	case "array":
		items, ok := o.get("items")
		if a, isList := items.([]any); isList && len(a) > 0 {
			items, ok = a[0], true
		}
		if !ok {
			return []any{}, nil
		}
		e, err := g.sample(items, depth+1)
		if err != nil {
			return nil, err
		}
		return []any{e}, nil
	}
	out := mdlObject{}
	add := func(props any) error {
		p, ok := props.(mdlObject)
		if !ok {
			return nil
		}
		for _, kv := range p {
			sv, err := g.sample(kv.V, depth+1)
			if err != nil {
				return err
			}
			out = out.set(kv.K, sv)
		}
		return nil
	}
	if all, ok := o.get("allOf"); ok {
		if a, ok := all.([]any); ok {
			for _, sub := range a {
				if so, ok := sub.(mdlObject); ok {
					if r, ok := so.get("$ref"); ok {
						if s, ok := r.(string); ok {
							t, err := g.resolve(s)
							if err != nil {
								return nil, err
							}
							so, _ = t.(mdlObject)
						}
					}
					if err := add(so.getOr("properties")); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if err := add(o.getOr("properties")); err != nil {
		return nil, err
	}
	return out, nil
}

// ---- Ordered JSON ----

// mdlObject is a JSON object that keeps its members in document order
// (property order matters in generated templates).
type mdlObject []mdlMember

type mdlMember struct {
	K string
	V any
}

func (o mdlObject) get(k string) (any, bool) {
	for _, kv := range o {
		if kv.K == k {
			return kv.V, true
		}
	}
	return nil, false
}

// Members iterates the members in document order (jsonschema.Ordered).
func (o mdlObject) Members() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, kv := range o {
			if !yield(kv.K, kv.V) {
				return
			}
		}
	}
}

func (o mdlObject) getOr(k string) any { v, _ := o.get(k); return v }

func (o mdlObject) has(k string) bool { _, ok := o.get(k); return ok }

func (o mdlObject) set(k string, v any) mdlObject {
	for i, kv := range o {
		if kv.K == k {
			o[i].V = v
			return o
		}
	}
	return append(o, mdlMember{k, v})
}

// mdlParse decodes one JSON document into mdlObject / []any / string /
// json.Number / bool / nil.
func mdlParse(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	v, err := mdlValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func mdlValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := mdlObject{}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				v, err := mdlValue(d)
				if err != nil {
					return nil, err
				}
				o = o.set(k, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			a := []any{}
			for d.More() {
				v, err := mdlValue(d)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return tok, nil
}

// mdlPretty prints a value the way Jackson's DefaultPrettyPrinter does,
// which is how AWS prints the JSON it generates: two-space indented
// objects, " : " between name and value, arrays inline ("[ 1, 2 ]"), and
// "{ }" / "[ ]" when empty.
func mdlPretty(v any) string {
	var b strings.Builder
	mdlWrite(&b, v, 0)
	return b.String()
}

func mdlWrite(b *strings.Builder, v any, level int) {
	switch t := v.(type) {
	case mdlObject:
		if len(t) == 0 {
			b.WriteString("{ }")
			return
		}
		b.WriteString("{")
		for i, kv := range t {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n")
			b.WriteString(strings.Repeat("  ", level+1))
			b.WriteString(mdlQuote(kv.K))
			b.WriteString(" : ")
			mdlWrite(b, kv.V, level+1)
		}
		b.WriteString("\n")
		b.WriteString(strings.Repeat("  ", level))
		b.WriteString("}")
	case []any:
		if len(t) == 0 {
			b.WriteString("[ ]")
			return
		}
		b.WriteString("[ ")
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			mdlWrite(b, e, level)
		}
		b.WriteString(" ]")
	case string:
		b.WriteString(mdlQuote(t))
	case json.Number:
		b.WriteString(string(t))
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case nil:
		b.WriteString("null")
	default:
		j, _ := json.Marshal(t)
		b.Write(j)
	}
}

// mdlCompact prints a value as compact JSON, keeping member order.
func mdlCompact(v any) string {
	var b strings.Builder
	var w func(v any)
	w = func(v any) {
		switch t := v.(type) {
		case mdlObject:
			b.WriteString("{")
			for i, kv := range t {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(mdlQuote(kv.K))
				b.WriteString(":")
				w(kv.V)
			}
			b.WriteString("}")
		case []any:
			b.WriteString("[")
			for i, e := range t {
				if i > 0 {
					b.WriteString(",")
				}
				w(e)
			}
			b.WriteString("]")
		default:
			mdlWrite(&b, t, 0)
		}
	}
	w(v)
	return b.String()
}

func mdlQuote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}
