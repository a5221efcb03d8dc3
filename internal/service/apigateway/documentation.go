package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Documentation parts (tDocParts, apiId/partId → api.DocumentationPart with
// its location normalized: the defaults of the fields valid for its type
// filled in) and documentation versions (tDocVersions, apiId/version →
// api.DocumentationVersion). A version freezes the parts as they were when
// it was created; the frozen list is kept in tDocVersionParts so that an
// export of a documentation version can read it (docVersionParts).

// tDocVersionParts holds the parts of each documentation version:
// apiId/version → []api.DocumentationPart.
const tDocVersionParts = "apigw.docversionparts"

func errNoDocPart() error { return notFound("Invalid Documentation part identifier specified") } // [V]

// [C] the serverless-aws-documentation plugin matches this exact text from
// GetDocumentationVersion of a version that does not exist.
func errNoDocVersion() error { return notFound("Invalid Documentation version specified") }

// docFields says which location fields a type takes [D
// DocumentationPartLocation]: path, method and statusCode are valid (and
// default to "/", "*" and "*"); name is invalid, optional or required.
type docFields struct {
	path, method, status bool
	name                 int // 0 invalid, 1 optional, 2 required
}

var docTypeFields = map[string]docFields{
	"API":             {},
	"AUTHORIZER":      {name: 2},
	"MODEL":           {name: 2},
	"RESOURCE":        {path: true},
	"METHOD":          {path: true, method: true},
	"PATH_PARAMETER":  {path: true, method: true, name: 2},
	"QUERY_PARAMETER": {path: true, method: true, name: 2},
	"REQUEST_HEADER":  {path: true, method: true, name: 2},
	// The reference lists name as required for REQUEST_BODY too, but its own
	// REQUEST_BODY example has no name [D]; it is optional here.
	"REQUEST_BODY":    {path: true, method: true, name: 1},
	"RESPONSE":        {path: true, method: true, status: true},
	"RESPONSE_HEADER": {path: true, method: true, status: true, name: 2},
	"RESPONSE_BODY":   {path: true, method: true, status: true},
}

// docNormalize validates a location for its type and fills in the defaults
// [D: a RESOURCE part created without a path is returned with path "/"].
// [?] the wording of both refusals.
func docNormalize(in *api.DocumentationPartLocation) (*api.DocumentationPartLocation, error) {
	if in == nil || str(in.Type) == "" {
		return nil, badRequest("Invalid documentation part location: type must be specified")
	}
	typ := str(in.Type)
	f, ok := docTypeFields[typ]
	if !ok {
		return nil, badRequest("Invalid documentation part location: unknown type '%s'", typ)
	}
	out := &api.DocumentationPartLocation{Type: ptr(typ)}
	field := func(name string, valid bool, v *string, def string) (*string, error) {
		if str(v) == "" {
			if valid && def != "" {
				return ptr(def), nil
			}
			return nil, nil
		}
		if !valid {
			return nil, badRequest("Invalid documentation part location: '%s' is not a valid field for type '%s'", name, typ)
		}
		return ptr(*v), nil
	}
	var err error
	if out.Path, err = field("path", f.path, in.Path, "/"); err != nil {
		return nil, err
	}
	if out.Method, err = field("method", f.method, in.Method, "*"); err != nil {
		return nil, err
	}
	if out.StatusCode, err = field("statusCode", f.status, in.StatusCode, "*"); err != nil {
		return nil, err
	}
	if out.Name, err = field("name", f.name > 0, in.Name, ""); err != nil {
		return nil, err
	}
	if f.name == 2 && out.Name == nil {
		return nil, badRequest("Invalid documentation part location: 'name' is required for type '%s'", typ)
	}
	if out.Path != nil && !strings.HasPrefix(*out.Path, "/") {
		return nil, badRequest("Invalid documentation part location: path must start with '/'")
	}
	return out, nil
}

// docLocKey identifies a normalized location (one part per location).
func docLocKey(l *api.DocumentationPartLocation) string {
	return strings.Join([]string{str(l.Type), str(l.Path), str(l.Method), str(l.StatusCode), str(l.Name)}, "\x00")
}

// docConflict is the 409 for a location that already has a part [D: "Documentation
// part already exists for the specified location: type 'API'."; [?] how the
// other fields are listed].
func docConflict(l *api.DocumentationPartLocation) error {
	msg := fmt.Sprintf("type '%s'", str(l.Type))
	for _, f := range []struct{ n, v string }{{"path", str(l.Path)}, {"method", str(l.Method)}, {"statusCode", str(l.StatusCode)}, {"name", str(l.Name)}} {
		if f.v != "" {
			msg += fmt.Sprintf(", %s '%s'", f.n, f.v)
		}
	}
	return conflict("Documentation part already exists for the specified location: %s.", msg)
}

// docCheckProperties: the properties are a JSON object encoded as a string.
func docCheckProperties(p string) error {
	if strings.TrimSpace(p) == "" {
		return badRequest("Documentation part properties must be non-empty") // [L]
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(p), &m); err != nil || m == nil {
		return badRequest("Invalid documentation part properties: properties must be a JSON object") // [?]
	}
	return nil
}

func docAll(ctx context.Context, tx store.Tx, apiID string) ([]*api.DocumentationPart, error) {
	all, err := store.ScanJSON[api.DocumentationPart](tx, tDocParts, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return docSortKey(all[i]) < docSortKey(all[j]) })
	return all, nil
}

// docSortKey orders parts by location, the order AWS lists them in [V:
// GetDocumentationParts after an import lists API, METHOD, MODEL, RESPONSE].
func docSortKey(p *api.DocumentationPart) string {
	return docLocKey(p.Location) + "\x00" + str(p.Id)
}

func (s *Service) CreateDocumentationPart(ctx context.Context, in *api.CreateDocumentationPartRequest) (*api.DocumentationPart, error) {
	var out *api.DocumentationPart
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		loc, err := docNormalize(in.Location)
		if err != nil {
			return err
		}
		if err := docCheckProperties(str(in.Properties)); err != nil {
			return err
		}
		all, err := docAll(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		for _, p := range all {
			if docLocKey(p.Location) == docLocKey(loc) {
				return docConflict(loc)
			}
		}
		p := &api.DocumentationPart{Id: ptr(ids.Lower(6)), Location: loc, Properties: in.Properties}
		out = p
		return store.PutJSON(tx, tDocParts, key(ctx, in.RestApiId, *p.Id), p)
	})
	return out, err
}

func (s *Service) GetDocumentationPart(ctx context.Context, in *api.GetDocumentationPartRequest) (*api.DocumentationPart, error) {
	var out *api.DocumentationPart
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		// [V] an unknown API answers like an unknown part.
		out, err = get[api.DocumentationPart](tx, tDocParts, key(ctx, in.RestApiId, in.DocumentationPartId), errNoDocPart())
		return err
	})
	return out, err
}

func (s *Service) GetDocumentationParts(ctx context.Context, in *api.GetDocumentationPartsRequest) (*api.DocumentationParts, error) {
	var all []*api.DocumentationPart
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		all, err = docAll(ctx, tx, in.RestApiId)
		return err
	})
	if err != nil {
		return nil, err
	}
	var kept []*api.DocumentationPart
	for _, p := range all {
		l := p.Location
		if in.Type != nil && *in.Type != "" && str(l.Type) != *in.Type {
			continue
		}
		// [?] name is matched as a prefix, as other nameQuery filters of the
		// service (GetApiKeys) are.
		if in.NameQuery != nil && *in.NameQuery != "" && !strings.HasPrefix(str(l.Name), *in.NameQuery) {
			continue
		}
		if in.Path != nil && *in.Path != "" && str(l.Path) != *in.Path {
			continue
		}
		// [D] DOCUMENTED: parts with content; UNDOCUMENTED: parts without.
		if st := str(in.LocationStatus); st != "" && (st == "DOCUMENTED") != docHasContent(p) {
			continue
		}
		kept = append(kept, p)
	}
	items, next, err := page(kept, docSortKey, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.DocumentationParts{Position: next, Items: []api.DocumentationPart{}}
	for _, p := range items {
		out.Items = append(out.Items, *p)
	}
	return out, nil
}

func docHasContent(p *api.DocumentationPart) bool {
	var m map[string]any
	if json.Unmarshal([]byte(str(p.Properties)), &m) != nil {
		return strings.TrimSpace(str(p.Properties)) != ""
	}
	return len(m) > 0
}

func (s *Service) UpdateDocumentationPart(ctx context.Context, in *api.UpdateDocumentationPartRequest) (*api.DocumentationPart, error) {
	var out *api.DocumentationPart
	err := s.st.Update(ctx, func(tx store.Tx) error {
		k := key(ctx, in.RestApiId, in.DocumentationPartId)
		// [V] an unknown API answers like an unknown part.
		p, err := get[api.DocumentationPart](tx, tDocParts, k, errNoDocPart())
		if err != nil {
			return err
		}
		for _, o := range in.PatchOperations {
			op, path := str(o.Op), str(o.Path)
			// [V] both refusals, op checked first.
			if op != "replace" {
				return badRequest("Invalid patch path  '%s' specified for op '%s'. Please choose supported operations", path, op)
			}
			if path != "/properties" {
				return badRequest("Invalid patch path  '%s' specified for op 'replace'. Must be one of: [/properties]", path)
			}
			if err := docCheckProperties(str(o.Value)); err != nil {
				return err
			}
			p.Properties = ptr(str(o.Value))
		}
		out = p
		return store.PutJSON(tx, tDocParts, k, p)
	})
	return out, err
}

func (s *Service) DeleteDocumentationPart(ctx context.Context, in *api.DeleteDocumentationPartRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		k := key(ctx, in.RestApiId, in.DocumentationPartId)
		if _, err := get[api.DocumentationPart](tx, tDocParts, k, errNoDocPart()); err != nil {
			return err
		}
		return tx.Delete(tDocParts, k)
	})
}

// ImportDocumentationParts reads the x-amazon-apigateway-documentation
// extension of an OpenAPI (2.0 or 3.x) JSON document:
// {"version": ..., "documentationParts": [{"location": {...}, "properties": {...}}]}.
// mode=merge (the default [D]) updates the properties of parts whose
// location already has one and adds the others; mode=overwrite replaces all
// parts. The answer lists the id of every imported part, in document order.
func (s *Service) ImportDocumentationParts(ctx context.Context, in *api.ImportDocumentationPartsRequest) (*api.DocumentationPartIds, error) {
	type entry struct {
		loc   *api.DocumentationPartLocation
		props string
	}
	var entries []entry
	var warnings []string
	// [?] JSON documents only: YAML input is answered as invalid.
	root, err := mdlParse(string(in.Body))
	doc, _ := root.(mdlObject)
	if err != nil || doc == nil {
		return nil, badRequest("Invalid OpenAPI input") // [?]
	}
	ext, _ := doc.getOr("x-amazon-apigateway-documentation").(mdlObject)
	list, _ := ext.getOr("documentationParts").([]any)
	for i, raw := range list {
		p, ok := raw.(mdlObject)
		if !ok {
			warnings = append(warnings, fmt.Sprintf("Invalid documentation part at index %d: not an object", i)) // [?]
			continue
		}
		lm, _ := p.getOr("location").(mdlObject)
		field := func(k string) *string {
			switch v := lm.getOr(k).(type) {
			case string:
				return &v
			case json.Number:
				s := string(v)
				return &s
			}
			return nil
		}
		loc, err := docNormalize(&api.DocumentationPartLocation{
			Type:       field("type"),
			Path:       field("path"),
			Method:     field("method"),
			StatusCode: field("statusCode"),
			Name:       field("name"),
		})
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("Invalid documentation part at index %d: %s", i, docErrText(err)))
			continue
		}
		props := "{}"
		switch v := p.getOr("properties").(type) {
		case nil:
		case string:
			props = v
		default:
			props = mdlCompact(v)
		}
		if err := docCheckProperties(props); err != nil {
			warnings = append(warnings, fmt.Sprintf("Invalid documentation part at index %d: %s", i, docErrText(err)))
			continue
		}
		entries = append(entries, entry{loc, props})
	}
	if boolv(in.FailOnWarnings) && len(warnings) > 0 {
		return nil, badRequest("Warnings found during import:\n\t%s", strings.Join(warnings, "\n\t")) // [?]
	}
	out := &api.DocumentationPartIds{Ids: []string{}}
	if len(warnings) > 0 {
		out.Warnings = warnings
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out.Ids = out.Ids[:0]
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		byLoc := map[string]*api.DocumentationPart{}
		if str(in.Mode) == "overwrite" {
			if _, err := tx.DeletePrefix(tDocParts, prefix(ctx, in.RestApiId)); err != nil {
				return err
			}
		} else {
			all, err := docAll(ctx, tx, in.RestApiId)
			if err != nil {
				return err
			}
			for _, p := range all {
				byLoc[docLocKey(p.Location)] = p
			}
		}
		seen := map[string]bool{}
		for _, e := range entries {
			k := docLocKey(e.loc)
			p := byLoc[k]
			if p == nil {
				p = &api.DocumentationPart{Id: ptr(ids.Lower(6)), Location: e.loc}
				byLoc[k] = p
			}
			p.Properties = ptr(e.props)
			if err := store.PutJSON(tx, tDocParts, key(ctx, in.RestApiId, *p.Id), p); err != nil {
				return err
			}
			if !seen[*p.Id] {
				seen[*p.Id] = true
				out.Ids = append(out.Ids, *p.Id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// docErrText is the message of an API error.
func docErrText(err error) string {
	var br *api.BadRequestException
	if errors.As(err, &br) && br.Message != nil {
		return *br.Message
	}
	return err.Error()
}

// ---- Documentation versions ----

// docVersionParts returns the parts frozen in a documentation version (for
// GetExport with a documentationVersion), or nil when the version has none.
func docVersionParts(ctx context.Context, tx store.Tx, apiID, version string) ([]api.DocumentationPart, error) {
	v, err := store.GetJSON[[]api.DocumentationPart](tx, tDocVersionParts, key(ctx, apiID, version))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return *v, nil
}

func (s *Service) CreateDocumentationVersion(ctx context.Context, in *api.CreateDocumentationVersionRequest) (*api.DocumentationVersion, error) {
	var out *api.DocumentationVersion
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		ver := str(in.DocumentationVersion)
		if strings.TrimSpace(ver) == "" {
			return badRequest("Documentation version must be non-empty") // [?]
		}
		k := key(ctx, in.RestApiId, ver)
		there, err := exists(tx, tDocVersions, k)
		if err != nil {
			return err
		}
		if there {
			return conflict("Documentation version already exists") // [?]
		}
		now := s.now()
		if sn := str(in.StageName); sn != "" {
			sk := key(ctx, in.RestApiId, sn)
			st, err := get[api.Stage](tx, tStages, sk, notFound("Invalid Stage identifier specified"))
			if err != nil {
				return err
			}
			st.DocumentationVersion = ptr(ver)
			st.LastUpdatedDate = now
			if err := store.PutJSON(tx, tStages, sk, st); err != nil {
				return err
			}
		}
		parts, err := docAll(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		frozen := make([]api.DocumentationPart, 0, len(parts))
		for _, p := range parts {
			frozen = append(frozen, *p)
		}
		if err := store.PutJSON(tx, tDocVersionParts, k, frozen); err != nil {
			return err
		}
		v := &api.DocumentationVersion{Version: ptr(ver), CreatedDate: now}
		if str(in.Description) != "" {
			v.Description = in.Description
		}
		out = v
		return store.PutJSON(tx, tDocVersions, k, v)
	})
	return out, err
}

func (s *Service) GetDocumentationVersion(ctx context.Context, in *api.GetDocumentationVersionRequest) (*api.DocumentationVersion, error) {
	var out *api.DocumentationVersion
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		out, err = get[api.DocumentationVersion](tx, tDocVersions, key(ctx, in.RestApiId, in.DocumentationVersion), errNoDocVersion())
		return err
	})
	return out, err
}

func (s *Service) GetDocumentationVersions(ctx context.Context, in *api.GetDocumentationVersionsRequest) (*api.DocumentationVersions, error) {
	var all []*api.DocumentationVersion
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.DocumentationVersion](tx, tDocVersions, prefix(ctx, in.RestApiId))
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return str(all[i].Version) < str(all[j].Version) })
	items, next, err := page(all, func(v *api.DocumentationVersion) string { return str(v.Version) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.DocumentationVersions{Position: next, Items: []api.DocumentationVersion{}}
	for _, v := range items {
		out.Items = append(out.Items, *v)
	}
	return out, nil
}

func (s *Service) UpdateDocumentationVersion(ctx context.Context, in *api.UpdateDocumentationVersionRequest) (*api.DocumentationVersion, error) {
	var out *api.DocumentationVersion
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		k := key(ctx, in.RestApiId, in.DocumentationVersion)
		v, err := get[api.DocumentationVersion](tx, tDocVersions, k, errNoDocVersion())
		if err != nil {
			return err
		}
		for _, o := range in.PatchOperations {
			op, path := str(o.Op), str(o.Path)
			// [?] worded like the other single-path updates (models, parts) [V].
			if op != "replace" {
				return badRequest("Invalid patch path  '%s' specified for op '%s'. Please choose supported operations", path, op)
			}
			if path != "/description" {
				return badRequest("Invalid patch path  '%s' specified for op 'replace'. Must be one of: [/description]", path)
			}
			if str(o.Value) == "" {
				v.Description = nil
			} else {
				v.Description = ptr(str(o.Value))
			}
		}
		out = v
		return store.PutJSON(tx, tDocVersions, k, v)
	})
	return out, err
}

func (s *Service) DeleteDocumentationVersion(ctx context.Context, in *api.DeleteDocumentationVersionRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		k := key(ctx, in.RestApiId, in.DocumentationVersion)
		if _, err := get[api.DocumentationVersion](tx, tDocVersions, k, errNoDocVersion()); err != nil {
			return err
		}
		if err := tx.Delete(tDocVersionParts, k); err != nil {
			return err
		}
		return tx.Delete(tDocVersions, k)
	})
}
