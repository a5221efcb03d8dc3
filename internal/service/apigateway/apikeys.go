package apigateway

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// API keys: create, get, list, update, delete, import.
//
// Shapes recorded against AWS (LocalStack snapshot tests marked validated,
// TestApigatewayApiKeysCrud): a key created with only a name comes back as
// {createdDate, enabled:false, id, lastUpdatedDate, name, stageKeys:[], value};
// lists leave `value` out unless includeValues=true and list the newest key
// first; the name filter is a case-sensitive prefix match.

const (
	acctKeyValueMin = 20
	acctKeyValueMax = 128
	acctKeyValueGen = 40 // length of a generated value, e.g. "Gn9SBen8M75JRXd3aAY2U7LyXXzZ1VAw6FeG1vfN" [C]
)

func acctErrNoKey() error { return notFound("Invalid API Key identifier specified") }

// acctPlain reports whether an identifier from a request can be part of a
// store key (store keys use "/" as separator; a label may carry %2F).
func acctPlain(id string) bool { return id != "" && !strings.Contains(id, "/") }

// acctAPIKey loads an API key or answers AWS's 404.
func acctAPIKey(ctx context.Context, tx store.Tx, id string) (*api.ApiKey, error) {
	if !acctPlain(id) {
		return nil, acctErrNoKey()
	}
	return get[api.ApiKey](tx, tAPIKeys, key(ctx, id), acctErrNoKey())
}

// acctKeyValueProblem applies AWS's length rules to a key value and returns
// AWS's message for a violation [V], "" when the value is fine.
func acctKeyValueProblem(v string) string {
	n := utf8.RuneCountInString(v)
	if n < acctKeyValueMin {
		return fmt.Sprintf("API Key value should be at least %d characters", acctKeyValueMin)
	}
	if n > acctKeyValueMax {
		return fmt.Sprintf("API Key value exceeds maximum size of %d characters", acctKeyValueMax)
	}
	return ""
}

// acctValueOwner returns the id of the key holding value, "" when none.
// Two keys with one value are refused: 409 "API Key already exists" [C].
func acctValueOwner(ctx context.Context, tx store.Tx, value string) (string, error) {
	all, err := store.ScanJSON[api.ApiKey](tx, tAPIKeys, prefix(ctx))
	if err != nil {
		return "", err
	}
	for _, k := range all {
		if str(k.Value) == value {
			return str(k.Id), nil
		}
	}
	return "", nil
}

// acctStageExists reports whether apiID has a stage named stage.
func acctStageExists(ctx context.Context, tx store.Tx, apiID, stage string) (bool, error) {
	if !acctPlain(apiID) || !acctPlain(stage) {
		return false, nil
	}
	if ok, err := exists(tx, tStages, key(ctx, apiID, stage)); ok || err != nil {
		return ok, err
	}
	// Usage plans (and stage keys) also bind WebSocket API stages.
	a, err := apigatewayv2.LoadAPI(ctx, tx, apiID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && str(a.ProtocolType) != "WEBSOCKET") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = apigatewayv2.LoadStage(ctx, tx, apiID, stage)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// acctStageKey validates a "restApiId/stageName" stage key. AWS's text for
// an unknown stage here is not recorded [?]; we answer like GetStage does.
func acctStageKey(ctx context.Context, tx store.Tx, apiID, stage string) (string, error) {
	ok, err := acctStageExists(ctx, tx, apiID, stage)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", notFound("Invalid Stage identifier specified")
	}
	return apiID + "/" + stage, nil
}

// acctTags stores an empty tag map as none, so `tags` is omitted [V].
func acctTags(t map[string]string) map[string]string {
	if len(t) == 0 {
		return nil
	}
	return t
}

// acctNewestFirst is an ascending sort key that lists newer items first,
// ties broken by id: AWS lists API keys newest first [V].
func acctNewestFirst(t wire.EpochTime, id string) string {
	return fmt.Sprintf("%019d/%s", math.MaxInt64-t.Unix(), id)
}

// acctPage pages like page() (items already sorted ascending by keyOf) but
// tolerates the limits AWS tolerates: GetApiKeys(limit=-1) answers 200 with
// the default page size [V, LocalStack snapshot
// test_negative_get_usage_plan_api_keys]; above the maximum we clamp [?].
func acctPage[T any](items []T, keyOf func(T) string, position *string, limit *int32) ([]T, *string, error) {
	if limit != nil && *limit <= 0 {
		limit = nil
	}
	if limit != nil && *limit > maxLimit {
		limit = ptr(int32(maxLimit))
	}
	return page(items, keyOf, position, limit)
}

func (s *Service) CreateApiKey(ctx context.Context, in *api.CreateApiKeyRequest) (*api.ApiKey, error) {
	value := str(in.Value)
	if value != "" {
		if p := acctKeyValueProblem(value); p != "" {
			return nil, badRequest("%s", p)
		}
	} else {
		// An empty value means "generate one" [V: create_api_key(value="") succeeds].
		value = ids.Mixed(acctKeyValueGen)
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.now()
	// generateDistinctId is accepted and ignored: ids and values are always
	// distinct on current accounts [C: aws-sdk-go#2342].
	k := &api.ApiKey{
		Id:              ptr(ids.Lower(10)),
		Value:           &value,
		Name:            in.Name,
		Description:     in.Description,
		CustomerId:      in.CustomerId,
		Enabled:         ptr(boolv(in.Enabled)), // defaults to false [V]
		CreatedDate:     now,
		LastUpdatedDate: now,
		Tags:            acctTags(in.Tags),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		k.StageKeys = []string{} // always present, [] when empty [V]
		for _, sk := range in.StageKeys {
			v, err := acctStageKey(ctx, tx, str(sk.RestApiId), str(sk.StageName))
			if err != nil {
				return err
			}
			if !acctContains(k.StageKeys, v) {
				k.StageKeys = append(k.StageKeys, v)
			}
		}
		owner, err := acctValueOwner(ctx, tx, value)
		if err != nil {
			return err
		}
		if owner != "" {
			return conflict("API Key already exists")
		}
		return store.PutJSON(tx, tAPIKeys, key(ctx, *k.Id), k)
	})
	if err != nil {
		return nil, err
	}
	return k, nil // CreateApiKey always returns the value [V]
}

func acctContains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func (s *Service) GetApiKey(ctx context.Context, in *api.GetApiKeyRequest) (*api.ApiKey, error) {
	var k *api.ApiKey
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		k, err = acctAPIKey(ctx, tx, in.ApiKey)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !boolv(in.IncludeValue) {
		k.Value = nil
	}
	return k, nil
}

func (s *Service) GetApiKeys(ctx context.Context, in *api.GetApiKeysRequest) (*api.ApiKeys, error) {
	var all []*api.ApiKey
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.ApiKey](tx, tAPIKeys, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	var keep []*api.ApiKey
	for _, k := range all {
		if in.NameQuery != nil && !strings.HasPrefix(str(k.Name), *in.NameQuery) {
			continue
		}
		if in.CustomerId != nil && str(k.CustomerId) != *in.CustomerId {
			continue
		}
		keep = append(keep, k)
	}
	orderOf := func(k *api.ApiKey) string { return acctNewestFirst(k.CreatedDate, str(k.Id)) }
	sort.Slice(keep, func(i, j int) bool { return orderOf(keep[i]) < orderOf(keep[j]) })
	items, next, err := acctPage(keep, orderOf, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.ApiKeys{Items: []api.ApiKey{}, Position: next}
	for _, k := range items {
		if !boolv(in.IncludeValues) {
			k.Value = nil
		}
		out.Items = append(out.Items, *k)
	}
	return out, nil
}

// UpdateApiKey applies the API key patch paths [D: API Gateway patch
// operations table]: replace on /name, /description, /enabled and
// /customerId; add and remove on /stages with the value
// "{restApiId}/{stageName}". Other paths answer the service's usual
// "Invalid patch path" error; AWS's exact text for them is not recorded [?].
func (s *Service) UpdateApiKey(ctx context.Context, in *api.UpdateApiKeyRequest) (*api.ApiKey, error) {
	var out *api.ApiKey
	err := s.st.Update(ctx, func(tx store.Tx) error {
		k, err := acctAPIKey(ctx, tx, in.ApiKey)
		if err != nil {
			return err
		}
		for _, o := range in.PatchOperations {
			op, path, val := str(o.Op), str(o.Path), str(o.Value)
			switch {
			case op == "replace" && path == "/name":
				k.Name = ptr(val)
			case op == "replace" && path == "/description":
				k.Description = ptr(val)
			case op == "replace" && path == "/customerId":
				k.CustomerId = ptr(val)
			case op == "replace" && path == "/enabled":
				// Anything but "true" reads as false: AWS accepts
				// "not-a-boolean" here and answers 200 [V].
				k.Enabled = ptr(strings.EqualFold(val, "true"))
			case (op == "add" || op == "remove") && path == "/stages":
				apiID, stage, _ := strings.Cut(val, "/")
				if op == "add" {
					v, err := acctStageKey(ctx, tx, apiID, stage)
					if err != nil {
						return err
					}
					if !acctContains(k.StageKeys, v) {
						k.StageKeys = append(k.StageKeys, v)
					}
					continue
				}
				kept := []string{}
				for _, e := range k.StageKeys {
					if e != val {
						kept = append(kept, e)
					}
				}
				k.StageKeys = kept
			default:
				return errInvalidPatch(op, path)
			}
		}
		if k.StageKeys == nil {
			k.StageKeys = []string{}
		}
		k.LastUpdatedDate = s.now()
		if err := store.PutJSON(tx, tAPIKeys, key(ctx, in.ApiKey), k); err != nil {
			return err
		}
		out = k
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The UpdateApiKey answer has no `value` and always carries `tags`
	// ({} when none) [V: LocalStack snapshot "update-api-key-name"].
	out.Value = nil
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	return out, nil
}

func (s *Service) DeleteApiKey(ctx context.Context, in *api.DeleteApiKeyRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := acctAPIKey(ctx, tx, in.ApiKey); err != nil {
			return err
		}
		// A deleted key leaves every usage plan [V: GetUsagePlanKeys is
		// empty after the keys are deleted].
		if err := acctDropPlanKey(ctx, tx, in.ApiKey); err != nil {
			return err
		}
		return tx.Delete(tAPIKeys, key(ctx, in.ApiKey))
	})
}

// acctDropPlanKey removes keyID from every usage plan.
func acctDropPlanKey(ctx context.Context, tx store.Tx, keyID string) error {
	var doomed []string
	err := tx.Scan(tUsagePlanKeys, prefix(ctx), func(k string, _ []byte) bool {
		if strings.HasSuffix(k, "/"+keyID) {
			doomed = append(doomed, k)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := tx.Delete(tUsagePlanKeys, k); err != nil {
			return err
		}
	}
	return nil
}

// ImportApiKeys reads the API key file format [D: api-key-file-format]:
// a CSV file whose header names Key and Name (any case, any order) and
// optionally Description, Enabled and UsagePlanIds; other columns are
// ignored. Enabled defaults to true and Description to "". UsagePlanIds
// lists plan ids separated by commas inside double or single quotes.
// Importing a value that already exists overwrites that key (same id).
// Rows that cannot be imported become warnings; with failonwarnings=true
// any warning fails the whole import and nothing is written. The warning
// and error wording is ours [?].
func (s *Service) ImportApiKeys(ctx context.Context, in *api.ImportApiKeysRequest) (*api.ApiKeyIds, error) {
	rows, err := acctParseCSV(string(in.Body))
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, badRequest("Invalid API key file: the file is empty")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"key", "name"} {
		if _, ok := col[need]; !ok {
			return nil, badRequest("Invalid API key file: the header must contain the Key and Name columns")
		}
	}
	cell := func(row []string, name string) (string, bool) {
		i, ok := col[name]
		if !ok || i >= len(row) {
			return "", false
		}
		return row[i], true
	}
	out := &api.ApiKeyIds{}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out.Ids, out.Warnings = []string{}, nil
		warn := func(line int, format string, args ...any) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("Line %d: ", line)+fmt.Sprintf(format, args...))
		}
		for i, row := range rows[1:] {
			line := i + 2
			value, _ := cell(row, "key")
			name, _ := cell(row, "name")
			if p := acctKeyValueProblem(value); p != "" {
				warn(line, "%s", p)
				continue
			}
			if utf8.RuneCountInString(name) > 1024 {
				warn(line, "API Key name exceeds maximum size of 1024 characters")
				continue
			}
			enabled := true
			if v, ok := cell(row, "enabled"); ok && strings.TrimSpace(v) != "" {
				switch strings.ToLower(strings.TrimSpace(v)) {
				case "true":
				case "false":
					enabled = false
				default:
					warn(line, "Invalid value for Enabled: %s", v)
					continue
				}
			}
			desc, _ := cell(row, "description")
			owner, err := acctValueOwner(ctx, tx, value)
			if err != nil {
				return err
			}
			now := s.now()
			var k *api.ApiKey
			if owner != "" {
				if k, err = acctAPIKey(ctx, tx, owner); err != nil {
					return err
				}
			} else {
				k = &api.ApiKey{Id: ptr(ids.Lower(10)), Value: ptr(value), CreatedDate: now, StageKeys: []string{}}
			}
			k.Name, k.Description, k.Enabled, k.LastUpdatedDate = ptr(name), ptr(desc), ptr(enabled), now
			if err := store.PutJSON(tx, tAPIKeys, key(ctx, *k.Id), k); err != nil {
				return err
			}
			out.Ids = append(out.Ids, *k.Id)
			plans, _ := cell(row, "usageplanids")
			for _, p := range strings.Split(plans, ",") {
				p = strings.TrimSpace(p)
				if p == "" {
					continue
				}
				if !acctPlain(p) {
					warn(line, "Invalid Usage Plan ID specified: %s", p)
					continue
				}
				ok, err := exists(tx, tUsagePlans, key(ctx, p))
				if err != nil {
					return err
				}
				if !ok {
					warn(line, "Invalid Usage Plan ID specified: %s", p)
					continue
				}
				upk := api.UsagePlanKey{Id: k.Id, Type: ptr("API_KEY"), Name: k.Name, Value: k.Value}
				if err := store.PutJSON(tx, tUsagePlanKeys, key(ctx, p, *k.Id), upk); err != nil {
					return err
				}
			}
		}
		if boolv(in.FailOnWarnings) && len(out.Warnings) > 0 {
			return badRequest("%s", strings.Join(out.Warnings, "; "))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// acctParseCSV splits a CSV file into rows. Besides RFC 4180 double quotes
// it accepts single-quoted fields, which the API key file format allows
// for UsagePlanIds. Blank lines are skipped.
func acctParseCSV(s string) ([][]string, error) {
	s = strings.TrimPrefix(s, "\ufeff")
	var rows [][]string
	var row []string
	var field strings.Builder
	blank := true // the current row has no content yet
	i := 0
	endField := func() {
		row = append(row, field.String())
		field.Reset()
	}
	endRow := func() {
		endField()
		if !blank {
			rows = append(rows, row)
		}
		row, blank = nil, true
	}
	for i < len(s) {
		c := s[i]
		switch {
		case (c == '"' || c == '\'') && field.Len() == 0:
			q := c
			i++
			closed := false
			for i < len(s) {
				if s[i] == q {
					if i+1 < len(s) && s[i+1] == q {
						field.WriteByte(q)
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				field.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, badRequest("Invalid API key file: unterminated quoted field")
			}
			blank = false
			continue
		case c == ',':
			endField()
			blank = false
		case c == '\r':
			// CRLF or a lone CR ends the row
			endRow()
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case c == '\n':
			endRow()
		default:
			field.WriteByte(c)
			if c != ' ' && c != '\t' {
				blank = false
			}
		}
		i++
	}
	if field.Len() > 0 || len(row) > 0 {
		endRow()
	}
	return rows, nil
}
