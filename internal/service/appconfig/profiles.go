package appconfig

import (
	"context"
	"regexp"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Configuration profile types.
const (
	typeFreeform     = "AWS.Freeform"
	typeFeatureFlags = "AWS.AppConfig.FeatureFlags"
	locationHosted   = "hosted"
)

type profileRecord struct {
	api.ConfigurationProfile
	Seq     uint64    `json:"seq"`
	Created time.Time `json:"created"`
}

func profile(ctx context.Context, tx store.Tx, app, id string) (*profileRecord, error) {
	return get[profileRecord](tx, tProfiles, key(ctx, app, id), errNoProfile(id))
}

func (p *profileRecord) hosted() bool       { return str(p.LocationUri) == locationHosted }
func (p *profileRecord) featureFlags() bool { return str(p.Type) == typeFeatureFlags }

// locationPrefixes are the configuration sources AWS documents. Stagecraft
// serves content only for "hosted"; the others are stored and deployable
// (by version number) so that scripts written against them run.
var locationPrefixes = []string{"ssm-parameter://", "ssm-document://", "s3://", "codepipeline://", "secretsmanager://", "arn:"}

func validateLocation(uri string) error {
	if uri == locationHosted {
		return nil
	}
	for _, p := range locationPrefixes {
		if strings.HasPrefix(uri, p) && len(uri) > len(p) {
			return nil
		}
	}
	return badRequest("Invalid LocationUri %s. Supported formats are hosted, ssm-parameter://, ssm-document://, s3://, codepipeline:// and secretsmanager://.", uri)
}

var lambdaARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?$`)

// validateValidators checks validator content: a JSON_SCHEMA validator
// must hold a JSON Schema document, a LAMBDA validator a function ARN.
func validateValidators(vs []api.Validator) error {
	for _, v := range vs {
		switch str(v.Type) {
		case "JSON_SCHEMA":
			if _, err := compileValidator([]byte(str(v.Content))); err != nil {
				return badRequest("Validator content is not a valid JSON Schema: %s", err.Error())
			}
		case "LAMBDA":
			if !lambdaARN.MatchString(str(v.Content)) {
				return badRequest("Validator content %s is not a valid Lambda function ARN.", str(v.Content))
			}
		}
	}
	return nil
}

// kmsKeyArn derives the key ARN of a KMS key identifier when it can: a key
// ARN or alias ARN is itself, a bare key id becomes the key ARN in the
// request's account and region; a bare alias cannot be resolved without
// KMS and yields nothing.
func kmsKeyArn(ctx context.Context, id string) *string {
	switch {
	case id == "":
		return nil
	case strings.HasPrefix(id, "arn:"):
		return &id
	case strings.HasPrefix(id, "alias/"):
		return nil
	}
	a := "arn:" + partition(region(ctx)) + ":kms:" + region(ctx) + ":" + account(ctx) + ":key/" + id
	return &a
}

func (s *Service) CreateConfigurationProfile(ctx context.Context, in *api.CreateConfigurationProfileRequest) (*api.ConfigurationProfile, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	typ := typeFreeform
	if in.Type != nil {
		typ = *in.Type
	}
	if typ != typeFreeform && typ != typeFeatureFlags {
		return nil, badRequest("Invalid configuration profile type %s. Supported types are AWS.Freeform and AWS.AppConfig.FeatureFlags.", typ)
	}
	loc := str(in.LocationUri)
	if err := validateLocation(loc); err != nil {
		return nil, err
	}
	if typ == typeFeatureFlags && loc != locationHosted {
		return nil, badRequest("Feature flag configuration profiles must use the hosted configuration store (LocationUri hosted).")
	}
	if err := validateValidators(in.Validators); err != nil {
		return nil, err
	}
	var out *api.ConfigurationProfile
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		id, err := newID(ctx, tx, tProfiles, in.ApplicationId)
		if err != nil {
			return err
		}
		seq, err := nextOrder(tx)
		if err != nil {
			return err
		}
		rec := &profileRecord{ConfigurationProfile: api.ConfigurationProfile{
			ApplicationId: &in.ApplicationId, Id: &id, Name: in.Name, Description: in.Description,
			LocationUri: in.LocationUri, RetrievalRoleArn: in.RetrievalRoleArn, Validators: in.Validators,
			Type: &typ, KmsKeyIdentifier: in.KmsKeyIdentifier, KmsKeyArn: kmsKeyArn(ctx, str(in.KmsKeyIdentifier)),
		}, Seq: seq, Created: s.now()}
		if err := store.PutJSON(tx, tProfiles, key(ctx, in.ApplicationId, id), rec); err != nil {
			return err
		}
		out = &rec.ConfigurationProfile
		return putTags(tx, ctx, profileARN(ctx, in.ApplicationId, id), in.Tags)
	})
	return out, err
}

func (s *Service) GetConfigurationProfile(ctx context.Context, in *api.GetConfigurationProfileRequest) (*api.ConfigurationProfile, error) {
	var out *api.ConfigurationProfile
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		rec, err := profile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId)
		if err == nil {
			out = &rec.ConfigurationProfile
		}
		return err
	})
	return out, err
}

func (s *Service) ListConfigurationProfiles(ctx context.Context, in *api.ListConfigurationProfilesRequest) (*api.ConfigurationProfiles, error) {
	var out *api.ConfigurationProfiles
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		all, err := store.ScanJSON[profileRecord](tx, tProfiles, prefix(ctx, in.ApplicationId))
		if err != nil {
			return err
		}
		if in.Type != nil {
			kept := all[:0]
			for _, p := range all {
				if str(p.Type) == *in.Type {
					kept = append(kept, p)
				}
			}
			all = kept
		}
		sortBySeq(all, func(r *profileRecord) uint64 { return r.Seq })
		list := "profiles/" + in.ApplicationId + "/" + str(in.Type)
		items, next, err := page(list, all, func(r *profileRecord) string { return orderKey(r.Seq) }, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &api.ConfigurationProfiles{Items: []api.ConfigurationProfileSummary{}, NextToken: next}
		for _, p := range items {
			sum := api.ConfigurationProfileSummary{ApplicationId: p.ApplicationId, Id: p.Id, Name: p.Name,
				LocationUri: p.LocationUri, Type: p.Type}
			for _, v := range p.Validators {
				sum.ValidatorTypes = append(sum.ValidatorTypes, str(v.Type))
			}
			out.Items = append(out.Items, sum)
		}
		return nil
	})
	return out, err
}

// UpdateConfigurationProfile is a partial update. Validators, when present,
// replace the list; KmsKeyIdentifier "" removes the key.
func (s *Service) UpdateConfigurationProfile(ctx context.Context, in *api.UpdateConfigurationProfileRequest) (*api.ConfigurationProfile, error) {
	if in.Validators != nil {
		if err := validateValidators(in.Validators); err != nil {
			return nil, err
		}
	}
	var out *api.ConfigurationProfile
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		rec, err := profile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId)
		if err != nil {
			return err
		}
		if in.Name != nil {
			rec.Name = in.Name
		}
		if in.Description != nil {
			rec.Description = in.Description
		}
		if in.RetrievalRoleArn != nil {
			rec.RetrievalRoleArn = optStr(*in.RetrievalRoleArn)
		}
		if in.Validators != nil {
			rec.Validators = in.Validators
			if len(rec.Validators) == 0 {
				rec.Validators = nil
			}
		}
		if in.KmsKeyIdentifier != nil {
			rec.KmsKeyIdentifier = optStr(*in.KmsKeyIdentifier)
			rec.KmsKeyArn = kmsKeyArn(ctx, *in.KmsKeyIdentifier)
		}
		out = &rec.ConfigurationProfile
		return store.PutJSON(tx, tProfiles, key(ctx, in.ApplicationId, in.ConfigurationProfileId), rec)
	})
	return out, err
}

// DeleteConfigurationProfile is refused while hosted versions exist (AWS's
// observed 400 and message) and when deletion protection applies.
func (s *Service) DeleteConfigurationProfile(ctx context.Context, in *api.DeleteConfigurationProfileRequest) error {
	now := s.now()
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		rec, err := profile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId)
		if err != nil {
			return err
		}
		if has, err := hasChildren(tx, tHostedVersions, prefix(ctx, in.ApplicationId, in.ConfigurationProfileId)); err != nil {
			return err
		} else if has {
			return badRequest("Cannot delete configuration profile %s because there are still hosted configuration versions existing under it.", in.ConfigurationProfileId)
		}
		if p, err := protected(ctx, tx, in.DeletionProtectionCheck, rec.Created, usageKey(ctx, "profile", in.ApplicationId, in.ConfigurationProfileId), now); err != nil {
			return err
		} else if p {
			return badRequest("Configuration profile %s is actively being used in your application and cannot be deleted.", in.ConfigurationProfileId)
		}
		if err := tx.Delete(TableUsage, usageKey(ctx, "profile", in.ApplicationId, in.ConfigurationProfileId)); err != nil {
			return err
		}
		if err := deleteAssociationsOf(ctx, tx, profileARN(ctx, in.ApplicationId, in.ConfigurationProfileId)); err != nil {
			return err
		}
		if err := deleteTags(tx, ctx, profileARN(ctx, in.ApplicationId, in.ConfigurationProfileId)); err != nil {
			return err
		}
		return tx.Delete(tProfiles, key(ctx, in.ApplicationId, in.ConfigurationProfileId))
	})
}
