package appconfig

import (
	"context"
	"strconv"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Extensions and extension associations are stored and reported
// (Deployment.AppliedExtensions). Lambda actions at PRE_START_DEPLOYMENT
// and ON_DEPLOYMENT_* are invoked (lambda.go, actions.go); other targets,
// other action points and the AWS-authored extensions are not.

type extensionRecord struct {
	api.Extension
	Seq     uint64    `json:"seq"`
	Created time.Time `json:"created"`
}

type associationRecord struct {
	api.ExtensionAssociation
	ExtensionID string    `json:"extensionId"`
	Seq         uint64    `json:"seq"`
	Created     time.Time `json:"created"`
}

// awsExtensions are the AWS-authored extensions every account sees. Their
// ARNs have an empty account field, as AWS's do
// (arn:aws:appconfig:us-west-2::extension/AWS.AppConfig.FeatureFlags/1).
// Descriptions are ours; their actions are AWS-internal and not shown.
var awsExtensions = []struct {
	id, desc string
	params   map[string]api.Parameter
}{
	{"AWS.AppConfig.FeatureFlags", "Validates and transforms feature flag configuration data.", nil},
	{"AWS.AppConfig.DeploymentNotificationsToEventBridge", "Sends deployment notifications to the Amazon EventBridge default event bus.", nil},
	{"AWS.AppConfig.DeploymentNotificationsToSqs", "Sends deployment notifications to an Amazon SQS queue.",
		map[string]api.Parameter{"queueArn": {Description: ptr("The ARN of the Amazon SQS queue that receives the notifications."), Required: ptr(true), Dynamic: ptr(false)}}},
	{"AWS.AppConfig.DeploymentNotificationsToSns", "Sends deployment notifications to an Amazon SNS topic.",
		map[string]api.Parameter{"topicArn": {Description: ptr("The ARN of the Amazon SNS topic that receives the notifications."), Required: ptr(true), Dynamic: ptr(false)}}},
	{"AWS.AppConfig.JiraIntegration", "Integrates AWS AppConfig feature flags with Jira issues.", nil},
}

func awsExtension(ctx context.Context, id string) *api.Extension {
	for _, x := range awsExtensions {
		if x.id == id {
			a := "arn:" + partition(region(ctx)) + ":appconfig:" + region(ctx) + "::extension/" + x.id + "/1"
			return &api.Extension{Id: ptr(x.id), Name: ptr(x.id), VersionNumber: ptr(int32(1)), Arn: &a,
				Description: ptr(x.desc), Parameters: x.params}
		}
	}
	return nil
}

func isAWSExtension(id string) bool { return strings.HasPrefix(id, "AWS.") }

// extensionVersions lists a customer extension's versions, oldest first.
func extensionVersions(ctx context.Context, tx store.Tx, id string) ([]*extensionRecord, error) {
	return store.ScanJSON[extensionRecord](tx, tExtensions, prefix(ctx, id))
}

// findExtension resolves an extension identifier (ID, name or ARN, the ARN
// naming a version) to one version: the given version, else the ARN's,
// else the newest.
func findExtension(ctx context.Context, tx store.Tx, ident string, version *int32) (*api.Extension, error) {
	id := ident
	if strings.HasPrefix(ident, "arn:") {
		i := strings.Index(ident, ":extension/")
		if i < 0 {
			return nil, errNoExtension(ident)
		}
		rest := strings.Split(ident[i+len(":extension/"):], "/")
		id = rest[0]
		if len(rest) > 1 && version == nil {
			if n, err := strconv.Atoi(rest[1]); err == nil {
				version = ptr(int32(n))
			}
		}
	}
	if isAWSExtension(id) {
		x := awsExtension(ctx, id)
		if x == nil || (version != nil && *version != 1) {
			return nil, errNoExtension(ident)
		}
		return x, nil
	}
	vs, err := extensionVersions(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 { // by name
		all, err := store.ScanJSON[extensionRecord](tx, tExtensions, prefix(ctx))
		if err != nil {
			return nil, err
		}
		for _, r := range all {
			if str(r.Name) == id {
				vs = append(vs, r)
			}
		}
	}
	if len(vs) == 0 {
		return nil, errNoExtension(ident)
	}
	if version == nil {
		return &vs[len(vs)-1].Extension, nil
	}
	for _, r := range vs {
		if *r.VersionNumber == *version {
			return &r.Extension, nil
		}
	}
	return nil, errNoExtension(ident)
}

func validateParameters(ps map[string]api.Parameter) error {
	for name, p := range ps {
		if p.Dynamic != nil && *p.Dynamic && p.Required != nil && *p.Required {
			return badRequest("Parameter %s cannot be both dynamic and required.", name)
		}
	}
	return nil
}

func (s *Service) CreateExtension(ctx context.Context, in *api.CreateExtensionRequest) (*api.Extension, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validateParameters(in.Parameters); err != nil {
		return nil, err
	}
	if isAWSExtension(str(in.Name)) {
		return nil, badRequest("Extension names starting with AWS. are reserved.")
	}
	var out *api.Extension
	err := s.st.Update(ctx, func(tx store.Tx) error {
		all, err := store.ScanJSON[extensionRecord](tx, tExtensions, prefix(ctx))
		if err != nil {
			return err
		}
		var latest *extensionRecord
		for _, r := range all {
			if str(r.Name) == str(in.Name) && (latest == nil || *r.VersionNumber > *latest.VersionNumber) {
				latest = r
			}
		}
		id, v := "", int32(1)
		if latest != nil {
			// A new version: Latest-Version-Number must name the newest one.
			if in.LatestVersionNumber == nil {
				return conflict("An extension with the name %s already exists. To create a new version, specify the latest version number %d.", str(in.Name), *latest.VersionNumber)
			}
			if *in.LatestVersionNumber != *latest.VersionNumber {
				return conflict("Latest version number %d does not match the latest version %d of extension %s.", *in.LatestVersionNumber, *latest.VersionNumber, str(in.Name))
			}
			id, v = *latest.Id, *latest.VersionNumber+1
		} else if id, err = newID(ctx, tx, tExtensions); err != nil {
			return err
		}
		seq, err := nextOrder(tx)
		if err != nil {
			return err
		}
		rec := &extensionRecord{Extension: api.Extension{
			Id: &id, Name: in.Name, VersionNumber: &v, Arn: ptr(extensionARN(ctx, id, v)), Description: in.Description,
			Actions: in.Actions, Parameters: in.Parameters,
		}, Seq: seq, Created: s.now()}
		if err := store.PutJSON(tx, tExtensions, key(ctx, id, num(v)), rec); err != nil {
			return err
		}
		out = &rec.Extension
		return putTags(tx, ctx, *rec.Arn, in.Tags)
	})
	return out, err
}

func (s *Service) GetExtension(ctx context.Context, in *api.GetExtensionRequest) (*api.Extension, error) {
	var out *api.Extension
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = findExtension(ctx, tx, in.ExtensionIdentifier, in.VersionNumber)
		return err
	})
	return out, err
}

// ListExtensions lists every version of the customer's extensions
// (creation order) and then the AWS-authored ones; name filters by name.
func (s *Service) ListExtensions(ctx context.Context, in *api.ListExtensionsRequest) (*api.Extensions, error) {
	var recs []*extensionRecord
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		recs, err = store.ScanJSON[extensionRecord](tx, tExtensions, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	sortBySeq(recs, func(r *extensionRecord) uint64 { return r.Seq })
	type item struct {
		k string
		e api.ExtensionSummary
	}
	var all []item
	sum := func(e *api.Extension) api.ExtensionSummary {
		return api.ExtensionSummary{Id: e.Id, Name: e.Name, VersionNumber: e.VersionNumber, Arn: e.Arn, Description: e.Description}
	}
	for _, r := range recs {
		if in.Name == nil || str(r.Name) == *in.Name {
			all = append(all, item{"0" + orderKey(r.Seq), sum(&r.Extension)})
		}
	}
	for i, x := range awsExtensions {
		if in.Name == nil || x.id == *in.Name {
			all = append(all, item{"1" + orderKey(uint64(i)), sum(awsExtension(ctx, x.id))})
		}
	}
	items, next, err := page("extensions/"+str(in.Name), all, func(i item) string { return i.k }, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &api.Extensions{Items: []api.ExtensionSummary{}, NextToken: next}
	for _, it := range items {
		out.Items = append(out.Items, it.e)
	}
	return out, nil
}

func (s *Service) UpdateExtension(ctx context.Context, in *api.UpdateExtensionRequest) (*api.Extension, error) {
	if err := validateParameters(in.Parameters); err != nil {
		return nil, err
	}
	var out *api.Extension
	err := s.st.Update(ctx, func(tx store.Tx) error {
		x, err := findExtension(ctx, tx, in.ExtensionIdentifier, in.VersionNumber)
		if err != nil {
			return err
		}
		if isAWSExtension(*x.Id) {
			return badRequest("Cannot update AWS authored extension %s.", *x.Id)
		}
		k := key(ctx, *x.Id, num(*x.VersionNumber))
		rec, err := get[extensionRecord](tx, tExtensions, k, errNoExtension(in.ExtensionIdentifier))
		if err != nil {
			return err
		}
		if in.Description != nil {
			rec.Description = in.Description
		}
		if in.Actions != nil {
			rec.Actions = in.Actions
		}
		if in.Parameters != nil {
			rec.Parameters = in.Parameters
		}
		out = &rec.Extension
		return store.PutJSON(tx, tExtensions, k, rec)
	})
	return out, err
}

// DeleteExtension deletes one version (version), else the newest one.
func (s *Service) DeleteExtension(ctx context.Context, in *api.DeleteExtensionRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		x, err := findExtension(ctx, tx, in.ExtensionIdentifier, in.VersionNumber)
		if err != nil {
			return err
		}
		if isAWSExtension(*x.Id) {
			return badRequest("Cannot delete AWS authored extension %s.", *x.Id)
		}
		assocs, err := store.ScanJSON[associationRecord](tx, tAssociations, prefix(ctx))
		if err != nil {
			return err
		}
		for _, a := range assocs {
			if a.ExtensionID == *x.Id && *a.ExtensionVersionNumber == *x.VersionNumber {
				return badRequest("Cannot delete extension %s version %d because it is associated with %s (extension association %s).",
					*x.Id, *x.VersionNumber, str(a.ResourceArn), str(a.Id))
			}
		}
		if err := deleteTags(tx, ctx, *x.Arn); err != nil {
			return err
		}
		return tx.Delete(tExtensions, key(ctx, *x.Id, num(*x.VersionNumber)))
	})
}

// Associations.

// resourceRef is a parsed AppConfig resource ARN of the request's scope.
type resourceRef struct {
	kind                 string // application, environment, configurationprofile, deploymentstrategy, deployment, extension, extensionassociation
	app, env, id         string
	deployment, version  int32
	account, region, arn string
}

// parseARN parses an AppConfig ARN; ok is false for a malformed one.
func parseARN(a string) (resourceRef, bool) {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "appconfig" {
		return resourceRef{}, false
	}
	r := resourceRef{account: parts[4], region: parts[3], arn: a}
	seg := strings.Split(parts[5], "/")
	atoi := func(s string) (int32, bool) {
		n, err := strconv.ParseInt(s, 10, 32)
		return int32(n), err == nil
	}
	switch {
	case len(seg) == 2 && seg[0] == "application":
		r.kind, r.app = "application", seg[1]
	case len(seg) == 4 && seg[0] == "application" && seg[2] == "environment":
		r.kind, r.app, r.env = "environment", seg[1], seg[3]
	case len(seg) == 4 && seg[0] == "application" && seg[2] == "configurationprofile":
		r.kind, r.app, r.id = "configurationprofile", seg[1], seg[3]
	case len(seg) == 6 && seg[0] == "application" && seg[2] == "environment" && seg[4] == "deployment":
		n, ok := atoi(seg[5])
		if !ok {
			return r, false
		}
		r.kind, r.app, r.env, r.deployment = "deployment", seg[1], seg[3], n
	case len(seg) == 2 && seg[0] == "deploymentstrategy":
		r.kind, r.id = "deploymentstrategy", seg[1]
	case len(seg) == 3 && seg[0] == "extension":
		n, ok := atoi(seg[2])
		if !ok {
			return r, false
		}
		r.kind, r.id, r.version = "extension", seg[1], n
	case len(seg) == 2 && seg[0] == "extensionassociation":
		r.kind, r.id = "extensionassociation", seg[1]
	default:
		return r, false
	}
	return r, true
}

// resourceExists checks that the ARN names an existing resource of the
// request's account and region.
func resourceExists(ctx context.Context, tx store.Tx, r resourceRef) error {
	if r.region != region(ctx) || (r.account != account(ctx) && !(r.kind == "extension" && r.account == "")) {
		return notFound("Resource", "Resource %s could not be found.", r.arn)
	}
	switch r.kind {
	case "application":
		_, err := application(ctx, tx, r.app)
		return err
	case "environment":
		if _, err := application(ctx, tx, r.app); err != nil {
			return err
		}
		_, err := environment(ctx, tx, r.app, r.env)
		return err
	case "configurationprofile":
		if _, err := application(ctx, tx, r.app); err != nil {
			return err
		}
		_, err := profile(ctx, tx, r.app, r.id)
		return err
	case "deployment":
		if _, err := application(ctx, tx, r.app); err != nil {
			return err
		}
		if _, err := environment(ctx, tx, r.app, r.env); err != nil {
			return err
		}
		ok, err := exists(tx, TableDeployments, key(ctx, r.app, r.env, num(r.deployment)))
		if err == nil && !ok {
			err = errNoDeployment(r.deployment)
		}
		return err
	case "deploymentstrategy":
		_, err := strategy(ctx, tx, r.id)
		return err
	case "extension":
		_, err := findExtension(ctx, tx, r.arn, nil)
		return err
	case "extensionassociation":
		_, err := get[associationRecord](tx, tAssociations, key(ctx, r.id), errNoAssociation(r.id))
		return err
	}
	return notFound("Resource", "Resource %s could not be found.", r.arn)
}

func (s *Service) CreateExtensionAssociation(ctx context.Context, in *api.CreateExtensionAssociationRequest) (*api.ExtensionAssociation, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	res, ok := parseARN(str(in.ResourceIdentifier))
	if !ok || (res.kind != "application" && res.kind != "environment" && res.kind != "configurationprofile") {
		return nil, badRequest("ResourceIdentifier %s must be the ARN of an application, environment or configuration profile.", str(in.ResourceIdentifier))
	}
	var out *api.ExtensionAssociation
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := resourceExists(ctx, tx, res); err != nil {
			return err
		}
		x, err := findExtension(ctx, tx, str(in.ExtensionIdentifier), in.ExtensionVersionNumber)
		if err != nil {
			return err
		}
		if err := checkAssociationParameters(x, in.Parameters); err != nil {
			return err
		}
		all, err := store.ScanJSON[associationRecord](tx, tAssociations, prefix(ctx))
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.ExtensionID == *x.Id && str(a.ResourceArn) == res.arn {
				return badRequest("Extension %s is already associated with %s (extension association %s).", *x.Id, res.arn, str(a.Id))
			}
		}
		id, err := newID(ctx, tx, tAssociations)
		if err != nil {
			return err
		}
		seq, err := nextOrder(tx)
		if err != nil {
			return err
		}
		rec := &associationRecord{ExtensionAssociation: api.ExtensionAssociation{
			Id: &id, Arn: ptr(associationARN(ctx, id)), ExtensionArn: x.Arn, ExtensionVersionNumber: x.VersionNumber,
			ResourceArn: &res.arn, Parameters: in.Parameters,
		}, ExtensionID: *x.Id, Seq: seq, Created: s.now()}
		if err := store.PutJSON(tx, tAssociations, key(ctx, id), rec); err != nil {
			return err
		}
		out = &rec.ExtensionAssociation
		return putTags(tx, ctx, *rec.Arn, in.Tags)
	})
	return out, err
}

// checkAssociationParameters: values may only be given for parameters the
// extension declares (and not for dynamic ones, which are supplied at
// StartDeployment); required ones must be given.
func checkAssociationParameters(x *api.Extension, given map[string]string) error {
	for name := range given {
		p, ok := x.Parameters[name]
		if !ok {
			return badRequest("Parameter %s is not defined by extension %s.", name, str(x.Id))
		}
		if p.Dynamic != nil && *p.Dynamic {
			return badRequest("Parameter %s of extension %s is dynamic; supply it in StartDeployment's DynamicExtensionParameters.", name, str(x.Id))
		}
	}
	for name, p := range x.Parameters {
		if p.Required != nil && *p.Required {
			if _, ok := given[name]; !ok {
				return badRequest("Required parameter %s of extension %s is missing.", name, str(x.Id))
			}
		}
	}
	return nil
}

func (s *Service) GetExtensionAssociation(ctx context.Context, in *api.GetExtensionAssociationRequest) (*api.ExtensionAssociation, error) {
	var out *api.ExtensionAssociation
	err := s.st.View(ctx, func(tx store.Tx) error {
		rec, err := get[associationRecord](tx, tAssociations, key(ctx, in.ExtensionAssociationId), errNoAssociation(in.ExtensionAssociationId))
		if err == nil {
			out = &rec.ExtensionAssociation
		}
		return err
	})
	return out, err
}

func (s *Service) ListExtensionAssociations(ctx context.Context, in *api.ListExtensionAssociationsRequest) (*api.ExtensionAssociations, error) {
	var out *api.ExtensionAssociations
	err := s.st.View(ctx, func(tx store.Tx) error {
		all, err := store.ScanJSON[associationRecord](tx, tAssociations, prefix(ctx))
		if err != nil {
			return err
		}
		extID := ""
		if in.ExtensionIdentifier != nil {
			x, err := findExtension(ctx, tx, *in.ExtensionIdentifier, in.ExtensionVersionNumber)
			if err != nil {
				return err
			}
			extID = *x.Id
		}
		kept := all[:0]
		for _, a := range all {
			if in.ResourceIdentifier != nil && str(a.ResourceArn) != *in.ResourceIdentifier {
				continue
			}
			if extID != "" && a.ExtensionID != extID {
				continue
			}
			if in.ExtensionVersionNumber != nil && *a.ExtensionVersionNumber != *in.ExtensionVersionNumber {
				continue
			}
			kept = append(kept, a)
		}
		sortBySeq(kept, func(r *associationRecord) uint64 { return r.Seq })
		list := "associations/" + str(in.ResourceIdentifier) + "/" + extID
		items, next, err := page(list, kept, func(r *associationRecord) string { return orderKey(r.Seq) }, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &api.ExtensionAssociations{Items: []api.ExtensionAssociationSummary{}, NextToken: next}
		for _, a := range items {
			out.Items = append(out.Items, api.ExtensionAssociationSummary{Id: a.Id, ExtensionArn: a.ExtensionArn, ResourceArn: a.ResourceArn})
		}
		return nil
	})
	return out, err
}

func (s *Service) UpdateExtensionAssociation(ctx context.Context, in *api.UpdateExtensionAssociationRequest) (*api.ExtensionAssociation, error) {
	var out *api.ExtensionAssociation
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, err := get[associationRecord](tx, tAssociations, key(ctx, in.ExtensionAssociationId), errNoAssociation(in.ExtensionAssociationId))
		if err != nil {
			return err
		}
		if in.Parameters != nil {
			x, err := findExtension(ctx, tx, str(rec.ExtensionArn), nil)
			if err != nil {
				return err
			}
			if err := checkAssociationParameters(x, in.Parameters); err != nil {
				return err
			}
			rec.Parameters = in.Parameters
		}
		out = &rec.ExtensionAssociation
		return store.PutJSON(tx, tAssociations, key(ctx, in.ExtensionAssociationId), rec)
	})
	return out, err
}

func (s *Service) DeleteExtensionAssociation(ctx context.Context, in *api.DeleteExtensionAssociationRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := get[associationRecord](tx, tAssociations, key(ctx, in.ExtensionAssociationId), errNoAssociation(in.ExtensionAssociationId)); err != nil {
			return err
		}
		if err := deleteTags(tx, ctx, associationARN(ctx, in.ExtensionAssociationId)); err != nil {
			return err
		}
		return tx.Delete(tAssociations, key(ctx, in.ExtensionAssociationId))
	})
}

// deleteAssociationsOf removes the associations of a deleted resource.
func deleteAssociationsOf(ctx context.Context, tx store.Tx, resourceARN string) error {
	all, err := store.ScanJSON[associationRecord](tx, tAssociations, prefix(ctx))
	if err != nil {
		return err
	}
	for _, a := range all {
		if str(a.ResourceArn) == resourceARN {
			if err := deleteTags(tx, ctx, str(a.Arn)); err != nil {
				return err
			}
			if err := tx.Delete(tAssociations, key(ctx, *a.Id)); err != nil {
				return err
			}
		}
	}
	return nil
}

// appliedExtensions are the associations in scope of a deployment
// (application, environment, profile), in that order.
func appliedExtensions(ctx context.Context, tx store.Tx, app, env, prof string) ([]*associationRecord, error) {
	all, err := store.ScanJSON[associationRecord](tx, tAssociations, prefix(ctx))
	if err != nil {
		return nil, err
	}
	sortBySeq(all, func(r *associationRecord) uint64 { return r.Seq })
	var out []*associationRecord
	for _, target := range []string{appARN(ctx, app), envARN(ctx, app, env), profileARN(ctx, app, prof)} {
		for _, a := range all {
			if str(a.ResourceArn) == target {
				out = append(out, a)
			}
		}
	}
	return out, nil
}
