package appconfig

import (
	"context"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

type applicationRecord struct {
	api.Application
	Seq     uint64    `json:"seq"`
	Created time.Time `json:"created"`
}

func application(ctx context.Context, tx store.Tx, id string) (*applicationRecord, error) {
	return get[applicationRecord](tx, tApplications, key(ctx, id), errNoApp(id))
}

func (s *Service) CreateApplication(ctx context.Context, in *api.CreateApplicationRequest) (*api.Application, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *api.Application
	err := s.st.Update(ctx, func(tx store.Tx) error {
		id, err := newID(ctx, tx, tApplications)
		if err != nil {
			return err
		}
		seq, err := nextOrder(tx)
		if err != nil {
			return err
		}
		rec := &applicationRecord{Application: api.Application{Id: &id, Name: in.Name, Description: in.Description},
			Seq: seq, Created: s.now()}
		if err := store.PutJSON(tx, tApplications, key(ctx, id), rec); err != nil {
			return err
		}
		out = &rec.Application
		return putTags(tx, ctx, appARN(ctx, id), in.Tags)
	})
	return out, err
}

func (s *Service) GetApplication(ctx context.Context, in *api.GetApplicationRequest) (*api.Application, error) {
	var out *api.Application
	err := s.st.View(ctx, func(tx store.Tx) error {
		rec, err := application(ctx, tx, in.ApplicationId)
		if err == nil {
			out = &rec.Application
		}
		return err
	})
	return out, err
}

func (s *Service) ListApplications(ctx context.Context, in *api.ListApplicationsRequest) (*api.Applications, error) {
	var all []*applicationRecord
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[applicationRecord](tx, tApplications, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	sortBySeq(all, func(r *applicationRecord) uint64 { return r.Seq })
	items, next, err := page("applications", all, func(r *applicationRecord) string { return orderKey(r.Seq) }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &api.Applications{Items: []api.Application{}, NextToken: next}
	for _, r := range items {
		out.Items = append(out.Items, r.Application)
	}
	return out, nil
}

func (s *Service) UpdateApplication(ctx context.Context, in *api.UpdateApplicationRequest) (*api.Application, error) {
	var out *api.Application
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, err := application(ctx, tx, in.ApplicationId)
		if err != nil {
			return err
		}
		if in.Name != nil {
			rec.Name = in.Name
		}
		if in.Description != nil {
			rec.Description = in.Description
		}
		out = &rec.Application
		return store.PutJSON(tx, tApplications, key(ctx, in.ApplicationId), rec)
	})
	return out, err
}

// DeleteApplication refuses while the application still has environments
// or configuration profiles. AWS's model lists no ConflictException for
// this call, and AWS answers the analogous case of a profile that still
// has hosted versions with a 400 ("Cannot delete configuration profile X
// because there are still hosted configuration versions existing under
// it.", observed through Terraform/CDK/Pulumi); we answer alike.
func (s *Service) DeleteApplication(ctx context.Context, in *api.DeleteApplicationRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if has, err := hasChildren(tx, tEnvironments, prefix(ctx, in.ApplicationId)); err != nil {
			return err
		} else if has {
			return badRequest("Cannot delete application %s because there are still environments existing under it.", in.ApplicationId)
		}
		if has, err := hasChildren(tx, tProfiles, prefix(ctx, in.ApplicationId)); err != nil {
			return err
		} else if has {
			return badRequest("Cannot delete application %s because there are still configuration profiles existing under it.", in.ApplicationId)
		}
		if err := deleteAssociationsOf(ctx, tx, appARN(ctx, in.ApplicationId)); err != nil {
			return err
		}
		if err := deleteTags(tx, ctx, appARN(ctx, in.ApplicationId)); err != nil {
			return err
		}
		return tx.Delete(tApplications, key(ctx, in.ApplicationId))
	})
}
