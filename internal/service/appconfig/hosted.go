package appconfig

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

// hostedVersionRecord is a hosted configuration version's metadata; the
// content is stored separately (appconfig.hostedcontent) so listing
// versions does not read every payload.
type hostedVersionRecord struct {
	api.HostedConfigurationVersionSummary
	Created time.Time `json:"created"`
}

func hostedKey(ctx context.Context, app, prof string, v int32) string {
	return key(ctx, app, prof, num(v))
}

// allDigits reports whether s is a version number rather than a label
// (labels must contain a non-digit, so the two never collide).
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// hostedProfile loads the application and a profile that must be hosted.
func hostedProfile(ctx context.Context, tx store.Tx, app, prof string) (*profileRecord, error) {
	if _, err := application(ctx, tx, app); err != nil {
		return nil, err
	}
	p, err := profile(ctx, tx, app, prof)
	if err != nil {
		return nil, err
	}
	if !p.hosted() {
		return nil, badRequest("Configuration profile %s does not use the AWS AppConfig hosted configuration store.", prof)
	}
	return p, nil
}

// versions lists a profile's hosted versions, oldest first.
func versions(ctx context.Context, tx store.Tx, app, prof string) ([]*hostedVersionRecord, error) {
	return store.ScanJSON[hostedVersionRecord](tx, tHostedVersions, prefix(ctx, app, prof))
}

func (s *Service) CreateHostedConfigurationVersion(ctx context.Context, in *api.CreateHostedConfigurationVersionRequest) (*api.HostedConfigurationVersion, error) {
	if kb := float64(len(in.Content)) / 1024; s.maxContentKB > 0 && kb > float64(s.maxContentKB) {
		e := api.NewPayloadTooLargeException("Configuration data exceeds the maximum size of %d KB.", s.maxContentKB)
		e.Measure = ptr("KILOBYTES")
		e.Limit = ptr(float32(s.maxContentKB))
		e.Size = ptr(float32(kb))
		return nil, e
	}
	var out *api.HostedConfigurationVersion
	err := s.st.Update(ctx, func(tx store.Tx) error {
		p, err := hostedProfile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId)
		if err != nil {
			return err
		}
		existing, err := versions(ctx, tx, in.ApplicationId, in.ConfigurationProfileId)
		if err != nil {
			return err
		}
		// Latest-Version-Number is an optimistic lock: it must name the
		// newest existing version. With no version yet there is nothing to
		// overwrite and any value is accepted (AWS's own example sends 1
		// when creating version 1).
		if in.LatestVersionNumber != nil && len(existing) > 0 {
			latest := *existing[len(existing)-1].VersionNumber
			if *in.LatestVersionNumber != latest {
				return conflict("Latest version number %d does not match the latest hosted configuration version %d of configuration profile %s.",
					*in.LatestVersionNumber, latest, in.ConfigurationProfileId)
			}
		}
		if in.VersionLabel != nil {
			for _, v := range existing {
				if str(v.VersionLabel) == *in.VersionLabel {
					return conflict("Version label %s is already used by hosted configuration version %d.", *in.VersionLabel, *v.VersionNumber)
				}
			}
		}
		if err := validateContent(p, in.Content); err != nil {
			return err
		}
		n, err := tx.NextSequence(tHostedVersions, key(ctx, in.ApplicationId, in.ConfigurationProfileId))
		if err != nil {
			return err
		}
		v := int32(n)
		rec := &hostedVersionRecord{HostedConfigurationVersionSummary: api.HostedConfigurationVersionSummary{
			ApplicationId: &in.ApplicationId, ConfigurationProfileId: &in.ConfigurationProfileId, VersionNumber: &v,
			Description: in.Description, ContentType: in.ContentType, VersionLabel: in.VersionLabel, KmsKeyArn: p.KmsKeyArn,
		}, Created: s.now()}
		k := hostedKey(ctx, in.ApplicationId, in.ConfigurationProfileId, v)
		if err := store.PutJSON(tx, tHostedVersions, k, rec); err != nil {
			return err
		}
		content := in.Content
		if content == nil {
			content = []byte{}
		}
		if err := tx.Put(tHostedContent, k, content); err != nil {
			return err
		}
		out = rec.full(content)
		return nil
	})
	return out, err
}

func (r *hostedVersionRecord) full(content []byte) *api.HostedConfigurationVersion {
	return &api.HostedConfigurationVersion{
		ApplicationId: r.ApplicationId, ConfigurationProfileId: r.ConfigurationProfileId, VersionNumber: r.VersionNumber,
		Description: r.Description, ContentType: r.ContentType, VersionLabel: r.VersionLabel, KmsKeyArn: r.KmsKeyArn,
		Content: content,
	}
}

// hostedVersion reads one version's metadata and content.
func hostedVersion(ctx context.Context, tx store.Tx, app, prof string, v int32) (*hostedVersionRecord, []byte, error) {
	k := hostedKey(ctx, app, prof, v)
	rec, err := get[hostedVersionRecord](tx, tHostedVersions, k, errNoVersion(strconv.Itoa(int(v))))
	if err != nil {
		return nil, nil, err
	}
	b, err := tx.Get(tHostedContent, k)
	if errors.Is(err, store.ErrNotFound) {
		b, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return rec, append([]byte{}, b...), nil
}

func (s *Service) GetHostedConfigurationVersion(ctx context.Context, in *api.GetHostedConfigurationVersionRequest) (*api.HostedConfigurationVersion, error) {
	var out *api.HostedConfigurationVersion
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if _, err := profile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId); err != nil {
			return err
		}
		rec, content, err := hostedVersion(ctx, tx, in.ApplicationId, in.ConfigurationProfileId, in.VersionNumber)
		if err != nil {
			return err
		}
		out = rec.full(content)
		return nil
	})
	return out, err
}

// ListHostedConfigurationVersions lists newest first. version_label
// filters by exact label, or by prefix when it ends with "*".
func (s *Service) ListHostedConfigurationVersions(ctx context.Context, in *api.ListHostedConfigurationVersionsRequest) (*api.HostedConfigurationVersions, error) {
	var out *api.HostedConfigurationVersions
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if _, err := profile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId); err != nil {
			return err
		}
		all, err := versions(ctx, tx, in.ApplicationId, in.ConfigurationProfileId)
		if err != nil {
			return err
		}
		if in.VersionLabel != nil {
			want := *in.VersionLabel
			kept := all[:0]
			for _, v := range all {
				if v.VersionLabel == nil {
					continue
				}
				l := *v.VersionLabel
				if pre, ok := strings.CutSuffix(want, "*"); ok {
					if strings.HasPrefix(l, pre) {
						kept = append(kept, v)
					}
				} else if l == want {
					kept = append(kept, v)
				}
			}
			all = kept
		}
		slices.Reverse(all)
		// Newest first: the sort key counts down.
		keyOf := func(r *hostedVersionRecord) string { return num(1<<31 - 1 - *r.VersionNumber) }
		list := "hostedversions/" + in.ApplicationId + "/" + in.ConfigurationProfileId + "/" + str(in.VersionLabel)
		items, next, err := page(list, all, keyOf, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &api.HostedConfigurationVersions{Items: []api.HostedConfigurationVersionSummary{}, NextToken: next}
		for _, r := range items {
			out.Items = append(out.Items, r.HostedConfigurationVersionSummary)
		}
		return nil
	})
	return out, err
}

func (s *Service) DeleteHostedConfigurationVersion(ctx context.Context, in *api.DeleteHostedConfigurationVersionRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if _, err := profile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId); err != nil {
			return err
		}
		k := hostedKey(ctx, in.ApplicationId, in.ConfigurationProfileId, in.VersionNumber)
		if ok, err := exists(tx, tHostedVersions, k); err != nil {
			return err
		} else if !ok {
			return errNoVersion(strconv.Itoa(int(in.VersionNumber)))
		}
		if err := tx.Delete(tHostedContent, k); err != nil {
			return err
		}
		return tx.Delete(tHostedVersions, k)
	})
}

// ValidateConfiguration runs the profile's validators against a version:
// the feature flag or JSON Schema checks, then the LAMBDA validators
// (invoked outside the store transaction).
func (s *Service) ValidateConfiguration(ctx context.Context, in *api.ValidateConfigurationRequest) error {
	var (
		p       *profileRecord
		version *hostedVersionRecord
		content []byte
	)
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if p, err = profile(ctx, tx, in.ApplicationId, in.ConfigurationProfileId); err != nil {
			return err
		}
		if !p.hosted() {
			return badRequest("Stagecraft can only validate configurations in the AWS AppConfig hosted configuration store; %s is not available.", str(p.LocationUri))
		}
		if version, content, err = resolveVersion(ctx, tx, p, str(in.ConfigurationVersion)); err != nil {
			return err
		}
		return validateContent(p, content)
	})
	if err != nil {
		return err
	}
	return s.runLambdaValidators(ctx, p, strconv.Itoa(int(*version.VersionNumber)), content)
}

// resolveVersion finds a hosted version by number or label.
func resolveVersion(ctx context.Context, tx store.Tx, p *profileRecord, ref string) (*hostedVersionRecord, []byte, error) {
	app, prof := str(p.ApplicationId), str(p.Id)
	if allDigits(ref) {
		n, err := strconv.ParseInt(ref, 10, 32)
		if err != nil {
			return nil, nil, errNoVersion(ref)
		}
		rec, content, err := hostedVersion(ctx, tx, app, prof, int32(n))
		if err != nil {
			return nil, nil, errNoVersion(ref)
		}
		return rec, content, nil
	}
	all, err := versions(ctx, tx, app, prof)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range all {
		if str(v.VersionLabel) == ref {
			return hostedVersion(ctx, tx, app, prof, *v.VersionNumber)
		}
	}
	return nil, nil, errNoVersion(ref)
}
