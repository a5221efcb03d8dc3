package appconfig

import (
	"context"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/store"
)

type strategyRecord struct {
	api.DeploymentStrategy
	Seq     uint64    `json:"seq"`
	Created time.Time `json:"created"`
}

// predefined are AWS's four predefined strategies, read-only and present
// in every account and region. Name equals Id. Values: AWS's own
// ListDeploymentStrategies example for the first three; the fourth from
// the user guide (20 % every 6 minutes over 30 minutes, 30 minutes of
// bake) with the "AWS Recommended" description of its sibling.
var predefined = []api.DeploymentStrategy{
	predef("AppConfig.AllAtOnce", "Quick", 0, 100, rollout.Linear, 10),
	predef("AppConfig.Linear50PercentEvery30Seconds", "Test/Demo", 1, 50, rollout.Linear, 1),
	predef("AppConfig.Canary10Percent20Minutes", "AWS Recommended", 20, 10, rollout.Exponential, 10),
	predef("AppConfig.Linear20PercentEvery6Minutes", "AWS Recommended", 30, 20, rollout.Linear, 30),
}

func predef(id, desc string, dur int32, growth float32, typ string, bake int32) api.DeploymentStrategy {
	return api.DeploymentStrategy{Id: ptr(id), Name: ptr(id), Description: ptr(desc), DeploymentDurationInMinutes: ptr(dur),
		GrowthFactor: ptr(growth), GrowthType: ptr(typ), FinalBakeTimeInMinutes: ptr(bake), ReplicateTo: ptr("NONE")}
}

func predefinedStrategy(id string) *api.DeploymentStrategy {
	for i := range predefined {
		if *predefined[i].Id == id {
			s := predefined[i]
			return &s
		}
	}
	return nil
}

func isPredefinedID(id string) bool { return strings.HasPrefix(id, "AppConfig.") }

// strategy loads a customer or predefined strategy.
func strategy(ctx context.Context, tx store.Tx, id string) (*api.DeploymentStrategy, error) {
	if isPredefinedID(id) {
		if s := predefinedStrategy(id); s != nil {
			return s, nil
		}
		return nil, errNoStrategy(id)
	}
	rec, err := get[strategyRecord](tx, tStrategies, key(ctx, id), errNoStrategy(id))
	if err != nil {
		return nil, err
	}
	return &rec.DeploymentStrategy, nil
}

func (s *Service) CreateDeploymentStrategy(ctx context.Context, in *api.CreateDeploymentStrategyRequest) (*api.DeploymentStrategy, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *api.DeploymentStrategy
	err := s.st.Update(ctx, func(tx store.Tx) error {
		id, err := newID(ctx, tx, tStrategies)
		if err != nil {
			return err
		}
		seq, err := nextOrder(tx)
		if err != nil {
			return err
		}
		rec := &strategyRecord{DeploymentStrategy: api.DeploymentStrategy{
			Id: &id, Name: in.Name, Description: in.Description, DeploymentDurationInMinutes: in.DeploymentDurationInMinutes,
			GrowthFactor: in.GrowthFactor, GrowthType: in.GrowthType, FinalBakeTimeInMinutes: in.FinalBakeTimeInMinutes,
			ReplicateTo: in.ReplicateTo,
		}, Seq: seq, Created: s.now()}
		if rec.GrowthType == nil {
			rec.GrowthType = ptr(rollout.Linear)
		}
		if rec.FinalBakeTimeInMinutes == nil {
			rec.FinalBakeTimeInMinutes = ptr(int32(0))
		}
		if rec.ReplicateTo == nil {
			rec.ReplicateTo = ptr("NONE")
		}
		if err := store.PutJSON(tx, tStrategies, key(ctx, id), rec); err != nil {
			return err
		}
		out = &rec.DeploymentStrategy
		return putTags(tx, ctx, strategyARN(ctx, id), in.Tags)
	})
	return out, err
}

func (s *Service) GetDeploymentStrategy(ctx context.Context, in *api.GetDeploymentStrategyRequest) (*api.DeploymentStrategy, error) {
	var out *api.DeploymentStrategy
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = strategy(ctx, tx, in.DeploymentStrategyId)
		return err
	})
	return out, err
}

// ListDeploymentStrategies lists the customer's strategies (creation
// order) followed by the four predefined ones, as AWS does.
func (s *Service) ListDeploymentStrategies(ctx context.Context, in *api.ListDeploymentStrategiesRequest) (*api.DeploymentStrategies, error) {
	var recs []*strategyRecord
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		recs, err = store.ScanJSON[strategyRecord](tx, tStrategies, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	sortBySeq(recs, func(r *strategyRecord) uint64 { return r.Seq })
	type item struct {
		k string
		s api.DeploymentStrategy
	}
	var all []item
	for _, r := range recs {
		all = append(all, item{"0" + orderKey(r.Seq), r.DeploymentStrategy})
	}
	for i, p := range predefined {
		all = append(all, item{"1" + orderKey(uint64(i)), p})
	}
	items, next, err := page("strategies", all, func(i item) string { return i.k }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &api.DeploymentStrategies{Items: []api.DeploymentStrategy{}, NextToken: next}
	for _, it := range items {
		out.Items = append(out.Items, it.s)
	}
	return out, nil
}

func (s *Service) UpdateDeploymentStrategy(ctx context.Context, in *api.UpdateDeploymentStrategyRequest) (*api.DeploymentStrategy, error) {
	if isPredefinedID(in.DeploymentStrategyId) && predefinedStrategy(in.DeploymentStrategyId) != nil {
		return nil, badRequest("Cannot update predefined Deployment Strategy %s", in.DeploymentStrategyId)
	}
	var out *api.DeploymentStrategy
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if isPredefinedID(in.DeploymentStrategyId) {
			return errNoStrategy(in.DeploymentStrategyId)
		}
		rec, err := get[strategyRecord](tx, tStrategies, key(ctx, in.DeploymentStrategyId), errNoStrategy(in.DeploymentStrategyId))
		if err != nil {
			return err
		}
		if in.Description != nil {
			rec.Description = in.Description
		}
		if in.DeploymentDurationInMinutes != nil {
			rec.DeploymentDurationInMinutes = in.DeploymentDurationInMinutes
		}
		if in.FinalBakeTimeInMinutes != nil {
			rec.FinalBakeTimeInMinutes = in.FinalBakeTimeInMinutes
		}
		if in.GrowthFactor != nil {
			rec.GrowthFactor = in.GrowthFactor
		}
		if in.GrowthType != nil {
			rec.GrowthType = in.GrowthType
		}
		out = &rec.DeploymentStrategy
		return store.PutJSON(tx, tStrategies, key(ctx, in.DeploymentStrategyId), rec)
	})
	return out, err
}

// DeleteDeploymentStrategy is routed at AWS's misspelled path
// /deployementstrategies/{id} (generated from the model).
func (s *Service) DeleteDeploymentStrategy(ctx context.Context, in *api.DeleteDeploymentStrategyRequest) error {
	if isPredefinedID(in.DeploymentStrategyId) && predefinedStrategy(in.DeploymentStrategyId) != nil {
		return badRequest("Cannot delete predefined Deployment Strategy %s.", in.DeploymentStrategyId)
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		if isPredefinedID(in.DeploymentStrategyId) {
			return errNoStrategy(in.DeploymentStrategyId)
		}
		if ok, err := exists(tx, tStrategies, key(ctx, in.DeploymentStrategyId)); err != nil {
			return err
		} else if !ok {
			return errNoStrategy(in.DeploymentStrategyId)
		}
		if err := deleteTags(tx, ctx, strategyARN(ctx, in.DeploymentStrategyId)); err != nil {
			return err
		}
		return tx.Delete(tStrategies, key(ctx, in.DeploymentStrategyId))
	})
}
