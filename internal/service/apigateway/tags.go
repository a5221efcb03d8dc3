package apigateway

import (
	"context"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Tags: TagResource, UntagResource, GetTags on every taggable v1 resource.
//
// A resource is addressed by an ARN without account [D]:
//
//	arn:aws:apigateway:{region}::/restapis/{id}
//	arn:aws:apigateway:{region}::/restapis/{id}/stages/{stageName}
//	arn:aws:apigateway:{region}::/apikeys/{id}
//	arn:aws:apigateway:{region}::/usageplans/{id}
//	arn:aws:apigateway:{region}::/domainnames/{name}
//	arn:aws:apigateway:{region}::/clientcertificates/{id}
//	arn:aws:apigateway:{region}::/vpclinks/{id}
//
// The ARN travels as one percent-encoded path label; the router matches the
// escaped path and decodes the label, so ResourceArn arrives decoded here.
// Tags live in the resource's own `tags` map: load, change, store, in one
// transaction. AWS's answer for an ARN naming nothing is not recorded [?];
// we answer 404 NotFoundException "Invalid resource identifier specified",
// in the style of the service's other identifier errors.

func acctErrNoTagged() error { return notFound("Invalid resource identifier specified") }

// acctTagged is the stored resource an ARN names.
type acctTagged struct {
	table, key string
	// edit loads the record, calls f on its tags and stores it when f
	// reports a change; f's map is never nil.
	edit func(tx store.Tx, f func(map[string]string) bool) (map[string]string, error)
}

// acctEditTags is acctTagged.edit for a record of type T whose tags field
// tagsOf returns.
func acctEditTags[T any](table, k string, tagsOf func(*T) *map[string]string) func(store.Tx, func(map[string]string) bool) (map[string]string, error) {
	return func(tx store.Tx, f func(map[string]string) bool) (map[string]string, error) {
		rec, err := get[T](tx, table, k, acctErrNoTagged())
		if err != nil {
			return nil, err
		}
		tags := tagsOf(rec)
		m := map[string]string{}
		for k, v := range *tags {
			m[k] = v
		}
		if !f(m) {
			return m, nil
		}
		// An empty map is stored as none, so the resource omits `tags` [V].
		*tags = acctTags(m)
		return m, store.PutJSON(tx, table, k, rec)
	}
}

// acctResolveArn maps an ARN to the stored resource it names, or false.
func acctResolveArn(ctx context.Context, arn string) (acctTagged, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" || parts[3] != region(ctx) || (parts[4] != "" && parts[4] != account(ctx)) {
		return acctTagged{}, false
	}
	// Only a private domain name's ARN carries the account, and its
	// name ends in "+{domainNameId}" (domainaccess.go).
	private := parts[4] != ""
	if private {
		name, _, ok := strings.Cut(strings.TrimPrefix(parts[5], "/domainnames/"), "+")
		if !strings.HasPrefix(parts[5], "/domainnames/") || !ok {
			return acctTagged{}, false
		}
		parts[5] = "/domainnames/" + name
	}
	segs := strings.Split(strings.TrimPrefix(parts[5], "/"), "/")
	if !strings.HasPrefix(parts[5], "/") {
		return acctTagged{}, false
	}
	for _, s := range segs {
		if s == "" {
			return acctTagged{}, false
		}
	}
	var t acctTagged
	switch {
	case len(segs) == 2 && segs[0] == "restapis":
		t.table, t.key = tRestAPIs, key(ctx, segs[1])
		t.edit = acctEditTags(t.table, t.key, func(r *api.RestApi) *map[string]string { return &r.Tags })
	case len(segs) == 4 && segs[0] == "restapis" && segs[2] == "stages":
		t.table, t.key = tStages, key(ctx, segs[1], segs[3])
		t.edit = acctEditTags(t.table, t.key, func(r *api.Stage) *map[string]string { return &r.Tags })
	case len(segs) == 2 && segs[0] == "apikeys":
		t.table, t.key = tAPIKeys, key(ctx, segs[1])
		t.edit = acctEditTags(t.table, t.key, func(r *api.ApiKey) *map[string]string { return &r.Tags })
	case len(segs) == 2 && segs[0] == "usageplans":
		t.table, t.key = tUsagePlans, key(ctx, segs[1])
		t.edit = acctEditTags(t.table, t.key, func(r *api.UsagePlan) *map[string]string { return &r.Tags })
	case len(segs) == 2 && segs[0] == "domainnames":
		t.table, t.key = tDomainNames, key(ctx, segs[1])
		t.edit = acctEditTags(t.table, t.key, func(r *api.DomainName) *map[string]string { return &r.Tags })
	case len(segs) == 2 && segs[0] == "clientcertificates":
		t.table, t.key = tClientCerts, key(ctx, segs[1])
		t.edit = acctEditTags(t.table, t.key, func(r *api.ClientCertificate) *map[string]string { return &r.Tags })
	case len(segs) == 2 && segs[0] == "vpclinks":
		t.table, t.key = tVpcLinks, key(ctx, segs[1])
		t.edit = acctEditTags(t.table, t.key, func(r *api.VpcLink) *map[string]string { return &r.Tags })
	default:
		return acctTagged{}, false
	}
	return t, true
}

func (s *Service) TagResource(ctx context.Context, in *api.TagResourceRequest) error {
	if err := validateTags(in.Tags); err != nil {
		return err
	}
	t, ok := acctResolveArn(ctx, in.ResourceArn)
	if !ok {
		return acctErrNoTagged()
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		_, err := t.edit(tx, func(m map[string]string) bool {
			for k, v := range in.Tags {
				m[k] = v
			}
			return len(in.Tags) > 0
		})
		return err
	})
}

func (s *Service) UntagResource(ctx context.Context, in *api.UntagResourceRequest) error {
	t, ok := acctResolveArn(ctx, in.ResourceArn)
	if !ok {
		return acctErrNoTagged()
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		_, err := t.edit(tx, func(m map[string]string) bool {
			changed := false
			for _, k := range in.TagKeys {
				if _, ok := m[k]; ok {
					delete(m, k)
					changed = true
				}
			}
			return changed
		})
		return err
	})
}

// GetTags answers {"tags":{...}}, {"tags":{}} for an untagged resource.
// The position and limit members exist in the model but AWS documents no
// paging for tags; all tags come in one answer.
func (s *Service) GetTags(ctx context.Context, in *api.GetTagsRequest) (*api.Tags, error) {
	t, ok := acctResolveArn(ctx, in.ResourceArn)
	if !ok {
		return nil, acctErrNoTagged()
	}
	var out map[string]string
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = t.edit(tx, func(map[string]string) bool { return false })
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.Tags{Tags: out}, nil
}
