package appconfig

import (
	"context"
	"errors"
	"net/url"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Tags live in appconfig.tags keyed by the resource ARN. A malformed ARN
// is a 400, a well-formed ARN of a resource that does not exist a 404.

// taggable resolves the ResourceArn label (already unescaped by the wire
// layer; unescaped once more if a client double-encoded it).
func taggable(ctx context.Context, tx store.Tx, raw string) (string, error) {
	a := raw
	if _, ok := parseARN(a); !ok {
		if u, err := url.PathUnescape(raw); err == nil {
			a = u
		}
	}
	r, ok := parseARN(a)
	if !ok {
		return "", badRequest("Invalid resource ARN %s.", raw)
	}
	if err := resourceExists(ctx, tx, r); err != nil {
		var nf *api.ResourceNotFoundException
		if errors.As(err, &nf) {
			return "", notFound(*nf.ResourceName, "Resource %s could not be found.", a)
		}
		return "", err
	}
	return a, nil
}

func loadTags(ctx context.Context, tx store.Tx, a string) (map[string]string, error) {
	m, err := store.GetJSON[map[string]string](tx, tTags, key(ctx, a))
	if errors.Is(err, store.ErrNotFound) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return *m, nil
}

func (s *Service) TagResource(ctx context.Context, in *api.TagResourceRequest) error {
	if err := validateTags(in.Tags); err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := taggable(ctx, tx, in.ResourceArn)
		if err != nil {
			return err
		}
		tags, err := loadTags(ctx, tx, a)
		if err != nil {
			return err
		}
		for k, v := range in.Tags {
			tags[k] = v
		}
		if len(tags) > 50 {
			return badRequest("A resource can have at most 50 tags.")
		}
		return store.PutJSON(tx, tTags, key(ctx, a), tags)
	})
}

func (s *Service) UntagResource(ctx context.Context, in *api.UntagResourceRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := taggable(ctx, tx, in.ResourceArn)
		if err != nil {
			return err
		}
		tags, err := loadTags(ctx, tx, a)
		if err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		if len(tags) == 0 {
			return tx.Delete(tTags, key(ctx, a))
		}
		return store.PutJSON(tx, tTags, key(ctx, a), tags)
	})
}

func (s *Service) ListTagsForResource(ctx context.Context, in *api.ListTagsForResourceRequest) (*api.ResourceTags, error) {
	var out *api.ResourceTags
	err := s.st.View(ctx, func(tx store.Tx) error {
		a, err := taggable(ctx, tx, in.ResourceArn)
		if err != nil {
			return err
		}
		tags, err := loadTags(ctx, tx, a)
		out = &api.ResourceTags{Tags: tags}
		return err
	})
	return out, err
}
