package apigateway

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// resourceRecord is how a Resource is stored: its place in the tree and its
// methods (each with its integration, method responses and integration
// responses inside, as api.Method carries them). The path is derived from
// the tree on read, so moving a resource moves its subtree.
type resourceRecord struct {
	ID       string                `json:"id"`
	ParentID string                `json:"parentId,omitempty"`
	PathPart string                `json:"pathPart,omitempty"`
	Methods  map[string]api.Method `json:"methods,omitempty"`
}

func putResource(ctx context.Context, tx store.Tx, apiID string, r *resourceRecord) error {
	return store.PutJSON(tx, tResources, key(ctx, apiID, r.ID), r)
}

func errNoResource() error { return notFound("Invalid Resource identifier specified") }

// getResourceRecord loads one resource of an API that is known to exist.
func getResourceRecord(ctx context.Context, tx store.Tx, apiID, id string) (*resourceRecord, error) {
	return get[resourceRecord](tx, tResources, key(ctx, apiID, id), errNoResource())
}

// tree is an API's whole resource tree, loaded in one scan.
type tree struct {
	byID     map[string]*resourceRecord
	children map[string][]*resourceRecord
	root     *resourceRecord
	// raw holds each record's stored document by id, rawSize their total
	// length (loadTreeShared only: its records are never changed).
	raw     map[string][]byte
	rawSize int
}

func loadTree(ctx context.Context, tx store.Tx, apiID string) (*tree, error) {
	recs, err := store.ScanJSON[resourceRecord](tx, tResources, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	return newTree(recs), nil
}

// loadTreeShared is loadTree for callers that only read the tree: its
// records may come from s.resources and must not be modified.
func (s *Service) loadTreeShared(ctx context.Context, tx store.Tx, apiID string) (*tree, error) {
	var recs []*resourceRecord
	var raws [][]byte
	var decErr error
	err := tx.Scan(tResources, prefix(ctx, apiID), func(k string, v []byte) bool {
		r, own, err := s.resources.decodeRaw(k, v)
		if decErr = err; err != nil {
			return false
		}
		recs = append(recs, r)
		raws = append(raws, own)
		return true
	})
	if err == nil {
		err = decErr
	}
	if err != nil {
		return nil, err
	}
	t := newTree(recs)
	t.raw = make(map[string][]byte, len(recs))
	for i, r := range recs {
		t.raw[r.ID] = raws[i]
		t.rawSize += len(raws[i])
	}
	return t, nil
}

func newTree(recs []*resourceRecord) *tree {
	t := &tree{byID: map[string]*resourceRecord{}, children: map[string][]*resourceRecord{}}
	for _, r := range recs {
		t.byID[r.ID] = r
		if r.ParentID == "" {
			t.root = r
		} else {
			t.children[r.ParentID] = append(t.children[r.ParentID], r)
		}
	}
	return t
}

// path is the full path of a resource: "/" for the root, "/a/{b}" below.
func (t *tree) path(r *resourceRecord) string {
	if r.ParentID == "" {
		return "/"
	}
	var parts []string
	for cur := r; cur != nil && cur.ParentID != ""; cur = t.byID[cur.ParentID] {
		parts = append(parts, cur.PathPart)
		if len(parts) > len(t.byID) { // a cycle would be a bug; do not loop forever
			break
		}
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// subtree returns r and all its descendants.
func (t *tree) subtree(r *resourceRecord) []*resourceRecord {
	out := []*resourceRecord{r}
	for i := 0; i < len(out); i++ {
		out = append(out, t.children[out[i].ID]...)
	}
	return out
}

// sorted returns every resource ordered by path (what GetResources lists).
// sortedPaths is sorted with each resource's path, computed once.
func (t *tree) sortedPaths() ([]*resourceRecord, []string) {
	type rp struct {
		r    *resourceRecord
		path string
	}
	all := make([]rp, 0, len(t.byID))
	for _, r := range t.byID {
		all = append(all, rp{r, t.path(r)})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].path != all[j].path {
			return all[i].path < all[j].path
		}
		return all[i].r.ID < all[j].r.ID
	})
	recs, paths := make([]*resourceRecord, len(all)), make([]string, len(all))
	for i, e := range all {
		recs[i], paths[i] = e.r, e.path
	}
	return recs, paths
}

func (t *tree) sorted() []*resourceRecord {
	out := make([]*resourceRecord, 0, len(t.byID))
	for _, r := range t.byID {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		pi, pj := t.path(out[i]), t.path(out[j])
		if pi != pj {
			return pi < pj
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// view renders a stored resource as the API shows it. With methods, the
// full Method objects are embedded (embed=methods); otherwise each method
// appears as an empty object, as AWS lists them.
func (t *tree) view(r *resourceRecord, methods bool) api.Resource {
	v := api.Resource{Id: ptr(r.ID), Path: ptr(t.path(r))}
	if r.ParentID != "" {
		v.ParentId = ptr(r.ParentID)
		v.PathPart = ptr(r.PathPart)
	}
	if len(r.Methods) > 0 {
		v.ResourceMethods = map[string]api.Method{}
		for verb, m := range r.Methods {
			if methods {
				v.ResourceMethods[verb] = m
			} else {
				v.ResourceMethods[verb] = api.Method{}
			}
		}
	}
	return v
}

func wantsMethods(embed []string) bool {
	for _, e := range embed {
		for _, p := range strings.Split(e, ",") {
			if strings.TrimSpace(p) == "methods" {
				return true
			}
		}
	}
	return false
}

var pathPartRE = regexp.MustCompile(`^(\{[a-zA-Z0-9._-]+\+?\}|[a-zA-Z0-9._:$@~-]+)$`)

func isVariable(pathPart string) bool { return strings.HasPrefix(pathPart, "{") }
func isGreedy(pathPart string) bool   { return strings.HasSuffix(pathPart, "+}") }

// checkPlacement enforces the tree rules for putting pathPart under parent.
func (t *tree) checkPlacement(parent *resourceRecord, pathPart, selfID string) error {
	if !pathPartRE.MatchString(pathPart) {
		return badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
	}
	if isGreedy(parent.PathPart) {
		return badRequest("Cannot create a child of a resource with a greedy path variable: %s", parent.PathPart)
	}
	for _, sib := range t.children[parent.ID] {
		if sib.ID == selfID {
			continue
		}
		if sib.PathPart == pathPart {
			return conflict("Another resource with the same parent already has this name: %s", pathPart)
		}
		if isVariable(pathPart) && isVariable(sib.PathPart) {
			return badRequest("A sibling (%s) of this resource already has a variable path part -- only one is allowed", sib.PathPart)
		}
	}
	return nil
}

func (s *Service) CreateResource(ctx context.Context, in *api.CreateResourceRequest) (*api.Resource, error) {
	var out api.Resource
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		t, err := loadTree(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		parent := t.byID[in.ParentId]
		if parent == nil {
			return errNoResource()
		}
		pp := str(in.PathPart)
		if err := t.checkPlacement(parent, pp, ""); err != nil {
			return err
		}
		r := &resourceRecord{ID: ids.Lower(6), ParentID: parent.ID, PathPart: pp}
		t.byID[r.ID] = r
		out = t.view(r, false)
		return putResource(ctx, tx, in.RestApiId, r)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) GetResource(ctx context.Context, in *api.GetResourceRequest) (*api.Resource, error) {
	var out api.Resource
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		t, err := loadTree(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		r := t.byID[in.ResourceId]
		if r == nil {
			return errNoResource()
		}
		out = t.view(r, wantsMethods(in.Embed))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) GetResources(ctx context.Context, in *api.GetResourcesRequest) (*api.Resources, error) {
	var t *tree
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		var err error
		t, err = loadTree(ctx, tx, in.RestApiId)
		return err
	})
	if err != nil {
		return nil, err
	}
	all := t.sorted()
	items, next, err := page(all, func(r *resourceRecord) string { return t.path(r) + "\x00" + r.ID }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.Resources{Position: next, Items: []api.Resource{}}
	methods := wantsMethods(in.Embed)
	for _, r := range items {
		out.Items = append(out.Items, t.view(r, methods))
	}
	return out, nil
}

func (s *Service) UpdateResource(ctx context.Context, in *api.UpdateResourceRequest) (*api.Resource, error) {
	var out api.Resource
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		t, err := loadTree(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		r := t.byID[in.ResourceId]
		if r == nil {
			return errNoResource()
		}
		for _, o := range in.PatchOperations {
			op, path := str(o.Op), str(o.Path)
			if op != "replace" || (path != "/pathPart" && path != "/parentId") {
				return errInvalidPatch(op, path)
			}
			if r.ParentID == "" {
				if path == "/pathPart" {
					return badRequest("Root resource cannot update its pathPart.")
				}
				return badRequest("Root resource cannot update its parentId.")
			}
			switch path {
			case "/pathPart":
				if err := t.checkPlacement(t.byID[r.ParentID], str(o.Value), r.ID); err != nil {
					return err
				}
				r.PathPart = str(o.Value)
			case "/parentId":
				np := t.byID[str(o.Value)]
				if np == nil {
					return errNoResource()
				}
				for cur := np; cur != nil; cur = t.byID[cur.ParentID] {
					if cur.ID == r.ID {
						return badRequest("Resources cannot be cyclical.")
					}
					if cur.ParentID == "" {
						break
					}
				}
				if err := t.checkPlacement(np, r.PathPart, r.ID); err != nil {
					return err
				}
				old := t.children[r.ParentID]
				t.children[r.ParentID] = slices.DeleteFunc(slices.Clone(old), func(c *resourceRecord) bool { return c.ID == r.ID })
				r.ParentID = np.ID
				t.children[np.ID] = append(t.children[np.ID], r)
			}
		}
		out = t.view(r, false)
		return putResource(ctx, tx, in.RestApiId, r)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) DeleteResource(ctx context.Context, in *api.DeleteResourceRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		t, err := loadTree(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		r := t.byID[in.ResourceId]
		if r == nil {
			return errNoResource()
		}
		if r.ParentID == "" {
			return badRequest("Cannot delete the root resource")
		}
		for _, d := range t.subtree(r) {
			if err := tx.Delete(tResources, key(ctx, in.RestApiId, d.ID)); err != nil {
				return err
			}
		}
		return nil
	})
}
