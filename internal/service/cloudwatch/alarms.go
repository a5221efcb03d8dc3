package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// initialStateReason is the StateReason of a new alarm. [P] the wording
// AWS shows for a freshly created alarm in DescribeAlarms.
const initialStateReason = "Unchecked: Initial alarm creation"

// alarmRecord is the value of cloudwatch.alarms.
type alarmRecord struct {
	Config            PutMetricAlarmInput `json:"config"` // without Tags
	Tags              []Tag               `json:"tags,omitempty"`
	StateValue        string              `json:"stateValue"`
	StateReason       string              `json:"stateReason"`
	StateReasonData   *string             `json:"stateReasonData,omitempty"`
	StateUpdated      time.Time           `json:"stateUpdated"`
	StateTransitioned time.Time           `json:"stateTransitioned"`
	ConfigUpdated     time.Time           `json:"configUpdated"`
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// AlarmArn is the ARN of the alarm name in account and region.
func AlarmArn(account, region, name string) string {
	return "arn:" + partition(region) + ":cloudwatch:" + region + ":" + account + ":alarm:" + name
}

// ---------------------------------------------------------------------------
// Validation

var (
	enumStatistic  = wire.NewEnum("SampleCount", "Average", "Sum", "Minimum", "Maximum")
	enumComparison = wire.NewEnum("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
		"LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
	enumUnit = wire.NewEnum("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
		"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
		"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
		"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None")
	enumState     = wire.NewEnum(StateOK, StateAlarm, StateInsufficientData)
	enumAlarmType = wire.NewEnum("CompositeAlarm", "MetricAlarm")
)

// validation turns model-constraint violations into CloudWatch's
// ValidationError (its query code; the CBOR/JSON __type is Coral's
// ValidationException). Member paths are camelCase, as AWS words them.
func validation(v *wire.Violations) error {
	err := v.Err("ValidationError")
	if err == nil {
		return nil
	}
	return &apiError{Code: "ValidationError", Shape: "com.amazon.coral.validate#ValidationException",
		Status: http.StatusBadRequest, Message: err.(*wire.Error).Message}
}

func validationErr(format string, args ...any) error {
	return &apiError{Code: "ValidationError", Shape: "com.amazon.coral.validate#ValidationException",
		Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func invalidParameter(format string, args ...any) error {
	return &apiError{Code: "InvalidParameterValue", Shape: "InvalidParameterValueException",
		Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func invalidCombination(format string, args ...any) error {
	return &apiError{Code: "InvalidParameterCombination", Shape: "InvalidParameterCombinationException",
		Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// alarmNotFound is SetAlarmState's answer for an unknown alarm: the
// modeled ResourceNotFound with its modeled status 404. [P] the message
// wording; AWS answers the code ResourceNotFound (confirmed by users
// against real AWS) but its message text is not documented.
func alarmNotFound(name string) error {
	return &apiError{Code: "ResourceNotFound", Status: http.StatusNotFound, Message: "Alarm " + name + " does not exist"}
}

func camel(s string) string {
	if s == "" {
		return s
	}
	if strings.HasPrefix(s, "OK") {
		return "oK" + s[2:]
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func checkStrings(v *wire.Violations, name string, l []string, maxItems, minLen, maxLen int) {
	v.Size(camel(name), "", len(l), -1, maxItems)
	for _, s := range l {
		v.Len(camel(name)+".member", "", s, minLen, maxLen)
	}
}

func checkDimensions(v *wire.Violations, path string, dims []Dimension) {
	v.Size(path, "", len(dims), -1, 30)
	for i, d := range dims {
		p := fmt.Sprintf("%s.%d", path, i+1)
		if d.Name == nil {
			v.Required(p, "name")
		} else {
			v.Len(p, "name", *d.Name, 1, 255)
		}
		if d.Value == nil {
			v.Required(p, "value")
		} else {
			v.Len(p, "value", *d.Value, 1, 1024)
		}
	}
}

func optLen(v *wire.Violations, name string, s *string, min, max int) {
	if s != nil {
		v.Len(name, "", *s, min, max)
	}
}

func optRange(v *wire.Violations, name string, n *int32, min, max float64) {
	if n != nil {
		v.Range(name, "", float64(*n), min, max)
	}
}

func validatePut(in *PutMetricAlarmInput) error {
	var v wire.Violations
	if in.AlarmName == nil {
		v.Required("alarmName", "")
	} else {
		v.Len("alarmName", "", *in.AlarmName, 1, 255)
	}
	optLen(&v, "alarmDescription", in.AlarmDescription, 0, 1024)
	checkStrings(&v, "OKActions", in.OKActions, 5, 1, 1024)
	checkStrings(&v, "AlarmActions", in.AlarmActions, 5, 1, 1024)
	checkStrings(&v, "InsufficientDataActions", in.InsufficientDataActions, 5, 1, 1024)
	optLen(&v, "metricName", in.MetricName, 1, 255)
	if in.Namespace != nil {
		v.Len("namespace", "", *in.Namespace, 1, 255)
		if *in.Namespace != "" {
			v.Pattern("namespace", "", *in.Namespace, reNamespace, "[^:].*")
		}
	}
	if in.Statistic != nil {
		v.Enum("statistic", "", *in.Statistic, enumStatistic)
	}
	checkDimensions(&v, "dimensions", in.Dimensions)
	optRange(&v, "period", in.Period, 1, wire.NoBound)
	if in.Unit != nil {
		v.Enum("unit", "", *in.Unit, enumUnit)
	}
	optRange(&v, "evaluationPeriods", in.EvaluationPeriods, 1, wire.NoBound)
	optRange(&v, "datapointsToAlarm", in.DatapointsToAlarm, 1, wire.NoBound)
	if in.ComparisonOperator != nil {
		v.Enum("comparisonOperator", "", *in.ComparisonOperator, enumComparison)
	}
	optLen(&v, "treatMissingData", in.TreatMissingData, 1, 255)
	optLen(&v, "evaluateLowSampleCountPercentile", in.EvaluateLowSampleCountPercentile, 1, 255)
	for i, m := range in.Metrics {
		p := fmt.Sprintf("metrics.%d", i+1)
		if m.Id == nil {
			v.Required(p, "id")
		} else {
			v.Len(p+".id", "", *m.Id, 1, 255)
		}
		optLen(&v, p+".expression", m.Expression, 1, 2048)
		optRange(&v, p+".period", m.Period, 1, wire.NoBound)
		optLen(&v, p+".accountId", m.AccountId, 1, 255)
		if ms := m.MetricStat; ms != nil {
			if ms.Metric == nil {
				v.Required(p+".metricStat", "metric")
			} else {
				optLen(&v, p+".metricStat.metric.metricName", ms.Metric.MetricName, 1, 255)
				optLen(&v, p+".metricStat.metric.namespace", ms.Metric.Namespace, 1, 255)
				checkDimensions(&v, p+".metricStat.metric.dimensions", ms.Metric.Dimensions)
			}
			if ms.Period == nil {
				v.Required(p+".metricStat", "period")
			} else {
				v.Range(p+".metricStat.period", "", float64(*ms.Period), 1, wire.NoBound)
			}
			if ms.Stat == nil {
				v.Required(p+".metricStat", "stat")
			}
			if ms.Unit != nil {
				v.Enum(p+".metricStat.unit", "", *ms.Unit, enumUnit)
			}
		}
	}
	for i, t := range in.Tags {
		p := fmt.Sprintf("tags.%d", i+1)
		if t.Key == nil {
			v.Required(p, "key")
		} else {
			v.Len(p, "key", *t.Key, 1, 128)
		}
		if t.Value == nil {
			v.Required(p, "value")
		} else {
			v.Len(p, "value", *t.Value, 0, 256)
		}
	}
	optLen(&v, "thresholdMetricId", in.ThresholdMetricId, 1, 255)
	if ec := in.EvaluationCriteria; ec != nil && ec.PromQLCriteria != nil {
		c := ec.PromQLCriteria
		if c.Query == nil {
			v.Required("evaluationCriteria.promQLCriteria", "query")
		} else {
			v.Len("evaluationCriteria.promQLCriteria.query", "", *c.Query, 1, 10000)
		}
		optRange(&v, "evaluationCriteria.promQLCriteria.pendingPeriod", c.PendingPeriod, 0, 86400)
		optRange(&v, "evaluationCriteria.promQLCriteria.recoveryPeriod", c.RecoveryPeriod, 0, 86400)
	}
	optRange(&v, "evaluationInterval", in.EvaluationInterval, 10, 3600)
	if err := validation(&v); err != nil {
		return err
	}

	// Rules of the operation beyond the model [D: PutMetricAlarm API
	// reference]. Wording: "X must not be null" and "Statistic should not
	// be set if list of Metrics is set." are AWS's as users quote them
	// [E]; the others are [P].
	if in.Threshold != nil && (math.IsNaN(*in.Threshold) || math.IsInf(*in.Threshold, 0)) {
		return invalidParameter("The value %s for parameter Threshold is invalid.", formatDouble(*in.Threshold))
	}
	switch {
	case in.EvaluationCriteria != nil:
		// A PromQL alarm carries its condition in the criteria.
	case len(in.Metrics) > 0:
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"MetricName", in.MetricName != nil}, {"Namespace", in.Namespace != nil},
			{"Statistic", in.Statistic != nil}, {"ExtendedStatistic", in.ExtendedStatistic != nil},
			{"Dimensions", len(in.Dimensions) > 0}, {"Period", in.Period != nil},
		} {
			if f.set {
				return validationErr("%s should not be set if list of Metrics is set.", f.name)
			}
		}
	default:
		if in.MetricName == nil {
			return validationErr("MetricName must not be null")
		}
		if in.Namespace == nil {
			return validationErr("Namespace must not be null")
		}
		if in.Statistic == nil && in.ExtendedStatistic == nil {
			return validationErr("Either Statistic or ExtendedStatistic must be specified.")
		}
		if in.Statistic != nil && in.ExtendedStatistic != nil {
			return invalidCombination("Statistic and ExtendedStatistic cannot both be specified.")
		}
		if in.Period == nil {
			return validationErr("Period must not be null")
		}
	}
	if in.EvaluationCriteria == nil {
		if in.EvaluationPeriods == nil {
			return validationErr("EvaluationPeriods must not be null")
		}
		if in.ComparisonOperator == nil {
			return validationErr("ComparisonOperator must not be null")
		}
		if in.Threshold == nil && in.ThresholdMetricId == nil {
			return validationErr("Threshold must not be null")
		}
	}
	// [D] "Valid values are 10, 20, 30, and any multiple of 60."
	if p := in.Period; p != nil && *p != 10 && *p != 20 && *p != 30 && *p%60 != 0 {
		return invalidParameter("The parameter Period must be 10, 20, 30 or a multiple of 60.")
	}
	// [D] DatapointsToAlarm is the M of "M out of N" EvaluationPeriods.
	if in.DatapointsToAlarm != nil && in.EvaluationPeriods != nil && *in.DatapointsToAlarm > *in.EvaluationPeriods {
		return validationErr("DatapointsToAlarm must be less than or equal to EvaluationPeriods")
	}
	// [D] Valid values: breaching | notBreaching | ignore | missing.
	if t := in.TreatMissingData; t != nil {
		switch *t {
		case "breaching", "notBreaching", "ignore", "missing":
		default:
			return validationErr("TreatMissingData must be one of breaching, notBreaching, ignore, missing")
		}
	}
	return nil
}

// reNamespace is the model's Namespace pattern, anchored as AWS applies it.
var reNamespace = regexp.MustCompile(`^[^:].*$`)

// ---------------------------------------------------------------------------
// Operations

// PutMetricAlarm creates an alarm, or replaces the whole configuration of
// an existing one. A new alarm starts in INSUFFICIENT_DATA; updating an
// alarm leaves its state unchanged and ignores Tags [D].
func (s *Service) PutMetricAlarm(ctx context.Context, in *PutMetricAlarmInput) (*unit, error) {
	if err := validatePut(in); err != nil {
		return nil, err
	}
	sc := wire.ScopeFrom(ctx)
	now := s.now()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		k := store.Key(sc.Account, sc.Region, *in.AlarmName)
		rec, err := store.GetJSON[alarmRecord](tx, tAlarms, k)
		switch {
		case errors.Is(err, store.ErrNotFound):
			rec = &alarmRecord{StateValue: StateInsufficientData, StateReason: initialStateReason,
				StateUpdated: now, StateTransitioned: now, Tags: in.Tags}
		case err != nil:
			return err
		}
		rec.Config = *in
		rec.Config.Tags = nil
		rec.ConfigUpdated = now
		return store.PutJSON(tx, tAlarms, k, rec)
	})
	return nil, err
}

// DescribeAlarms lists metric alarms in name order, filtered by
// AlarmNames or AlarmNamePrefix, StateValue, ActionPrefix and AlarmTypes,
// MaxRecords (default 50) at a time.
func (s *Service) DescribeAlarms(ctx context.Context, in *DescribeAlarmsInput) (*DescribeAlarmsOutput, error) {
	var v wire.Violations
	checkStrings(&v, "AlarmNames", in.AlarmNames, 100, 1, 255)
	optLen(&v, "alarmNamePrefix", in.AlarmNamePrefix, 1, 255)
	for _, t := range in.AlarmTypes {
		v.Enum("alarmTypes.member", "", t, enumAlarmType)
	}
	optLen(&v, "childrenOfAlarmName", in.ChildrenOfAlarmName, 1, 255)
	optLen(&v, "parentsOfAlarmName", in.ParentsOfAlarmName, 1, 255)
	if in.StateValue != nil {
		v.Enum("stateValue", "", *in.StateValue, enumState)
	}
	optLen(&v, "actionPrefix", in.ActionPrefix, 1, 1024)
	optRange(&v, "maxRecords", in.MaxRecords, 1, 100)
	if err := validation(&v); err != nil {
		return nil, err
	}
	// [D] "If you use this parameter [AlarmNamePrefix], you cannot specify
	// AlarmNames"; [P] the error code and wording.
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != nil {
		return nil, invalidCombination("AlarmNames and AlarmNamePrefix cannot be specified together.")
	}
	after := ""
	if in.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || len(b) < 2 || b[0] != 'a' || len(b) > 256 {
			return nil, &apiError{Code: "InvalidNextToken", Status: http.StatusBadRequest, Message: "The NextToken is not valid."}
		}
		after = string(b[1:])
	}
	limit := 50
	if in.MaxRecords != nil {
		limit = int(*in.MaxRecords)
	}
	out := &DescribeAlarmsOutput{CompositeAlarms: []CompositeAlarm{}, MetricAlarms: []MetricAlarm{}}
	wantMetric := len(in.AlarmTypes) == 0
	for _, t := range in.AlarmTypes {
		wantMetric = wantMetric || t == "MetricAlarm"
	}
	// Stagecraft has no composite alarms, so the composite relations
	// (ChildrenOfAlarmName, ParentsOfAlarmName) have nothing to list.
	if !wantMetric || in.ChildrenOfAlarmName != nil || in.ParentsOfAlarmName != nil {
		return out, nil
	}
	sc := wire.ScopeFrom(ctx)
	keep := func(name string, rec *alarmRecord) bool {
		if name <= after && after != "" {
			return false
		}
		if in.StateValue != nil && rec.StateValue != *in.StateValue {
			return false
		}
		if in.ActionPrefix != nil && !hasActionPrefix(rec, *in.ActionPrefix) {
			return false
		}
		return true
	}
	var recs []*alarmRecord
	more := false
	err := s.st.View(ctx, func(tx store.Tx) error {
		recs, more = nil, false
		if len(in.AlarmNames) > 0 {
			names := append([]string(nil), in.AlarmNames...)
			sort.Strings(names)
			for i, n := range names {
				if i > 0 && names[i-1] == n {
					continue
				}
				rec, err := store.GetJSON[alarmRecord](tx, tAlarms, store.Key(sc.Account, sc.Region, n))
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if keep(n, rec) {
					if len(recs) == limit {
						more = true
						return nil
					}
					recs = append(recs, rec)
				}
			}
			return nil
		}
		prefix := store.Prefix(sc.Account, sc.Region)
		if in.AlarmNamePrefix != nil {
			prefix += *in.AlarmNamePrefix
		}
		var decErr error
		err := tx.Scan(tAlarms, prefix, func(_ string, b []byte) bool {
			rec := new(alarmRecord)
			if decErr = json.Unmarshal(b, rec); decErr != nil {
				return false
			}
			if !keep(*rec.Config.AlarmName, rec) {
				return true
			}
			if len(recs) == limit {
				more = true
				return false
			}
			recs = append(recs, rec)
			return true
		})
		if err != nil {
			return err
		}
		return decErr
	})
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out.MetricAlarms = append(out.MetricAlarms, rec.describe(sc.Account, sc.Region))
	}
	if more && len(recs) > 0 {
		tok := base64.RawURLEncoding.EncodeToString([]byte("a" + *recs[len(recs)-1].Config.AlarmName))
		out.NextToken = &tok
	}
	return out, nil
}

func hasActionPrefix(rec *alarmRecord, prefix string) bool {
	for _, l := range [][]string{rec.Config.AlarmActions, rec.Config.OKActions, rec.Config.InsufficientDataActions} {
		for _, a := range l {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
	}
	return false
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// describe renders a record as DescribeAlarms' MetricAlarm: the action
// lists and Dimensions are always present (empty when unset), as AWS
// returns them.
func (rec *alarmRecord) describe(account, region string) MetricAlarm {
	c := rec.Config
	arn := AlarmArn(account, region, *c.AlarmName)
	enabled := true
	if c.ActionsEnabled != nil {
		enabled = *c.ActionsEnabled
	}
	state, reason := rec.StateValue, rec.StateReason
	cu, su, st := rec.ConfigUpdated, rec.StateUpdated, rec.StateTransitioned
	dims := c.Dimensions
	if dims == nil {
		dims = []Dimension{}
	}
	return MetricAlarm{
		AlarmName: c.AlarmName, AlarmArn: &arn, AlarmDescription: c.AlarmDescription,
		AlarmConfigurationUpdatedTimestamp: &cu, ActionsEnabled: &enabled,
		OKActions: nonNil(c.OKActions), AlarmActions: nonNil(c.AlarmActions),
		InsufficientDataActions: nonNil(c.InsufficientDataActions),
		StateValue:              &state, StateReason: &reason, StateReasonData: rec.StateReasonData,
		StateUpdatedTimestamp: &su, MetricName: c.MetricName, Namespace: c.Namespace,
		Statistic: c.Statistic, Dimensions: dims, Period: c.Period, Unit: c.Unit,
		EvaluationPeriods: c.EvaluationPeriods, Threshold: c.Threshold,
		ComparisonOperator: c.ComparisonOperator, ExtendedStatistic: c.ExtendedStatistic,
		TreatMissingData: c.TreatMissingData, EvaluateLowSampleCountPercentile: c.EvaluateLowSampleCountPercentile,
		DatapointsToAlarm: c.DatapointsToAlarm, Metrics: c.Metrics, ThresholdMetricId: c.ThresholdMetricId,
		StateTransitionedTimestamp: &st, EvaluationCriteria: c.EvaluationCriteria,
		EvaluationInterval: c.EvaluationInterval,
	}
}

// SetAlarmState sets an alarm's state. Stagecraft does not evaluate
// alarms against metric data, so the state stays until the next
// SetAlarmState (AWS would re-evaluate at the next period).
func (s *Service) SetAlarmState(ctx context.Context, in *SetAlarmStateInput) (*unit, error) {
	var v wire.Violations
	if in.AlarmName == nil {
		v.Required("alarmName", "")
	} else {
		v.Len("alarmName", "", *in.AlarmName, 1, 255)
	}
	if in.StateValue == nil {
		v.Required("stateValue", "")
	} else {
		v.Enum("stateValue", "", *in.StateValue, enumState)
	}
	if in.StateReason == nil {
		v.Required("stateReason", "")
	} else {
		v.Len("stateReason", "", *in.StateReason, 0, 1023)
	}
	optLen(&v, "stateReasonData", in.StateReasonData, 0, 4000)
	if err := validation(&v); err != nil {
		return nil, err
	}
	// [D] StateReasonData is "in JSON format"; the model's InvalidFormat
	// error is the answer otherwise. [P] the message.
	if d := in.StateReasonData; d != nil && !json.Valid([]byte(*d)) {
		return nil, &apiError{Code: "InvalidFormat", Shape: "InvalidFormatFault", Status: http.StatusBadRequest,
			Message: "Data was not syntactically valid JSON"}
	}
	sc := wire.ScopeFrom(ctx)
	now := s.now()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		k := store.Key(sc.Account, sc.Region, *in.AlarmName)
		rec, err := store.GetJSON[alarmRecord](tx, tAlarms, k)
		if errors.Is(err, store.ErrNotFound) {
			return alarmNotFound(*in.AlarmName)
		}
		if err != nil {
			return err
		}
		if rec.StateValue != *in.StateValue {
			rec.StateTransitioned = now
		}
		rec.StateValue, rec.StateReason, rec.StateReasonData = *in.StateValue, *in.StateReason, in.StateReasonData
		rec.StateUpdated = now
		return store.PutJSON(tx, tAlarms, k, rec)
	})
	return nil, err
}

// DeleteAlarms deletes up to 100 alarms. Names that do not exist are
// ignored: "If you specify any incorrect alarm names, the alarms you
// specify with correct names are still deleted" [D].
func (s *Service) DeleteAlarms(ctx context.Context, in *DeleteAlarmsInput) (*unit, error) {
	var v wire.Violations
	if in.AlarmNames == nil {
		v.Required("alarmNames", "")
	}
	checkStrings(&v, "AlarmNames", in.AlarmNames, 100, 1, 255)
	if err := validation(&v); err != nil {
		return nil, err
	}
	sc := wire.ScopeFrom(ctx)
	err := s.st.Update(ctx, func(tx store.Tx) error {
		for _, n := range in.AlarmNames {
			if err := tx.Delete(tAlarms, store.Key(sc.Account, sc.Region, n)); err != nil {
				return err
			}
		}
		return nil
	})
	return nil, err
}

// ---------------------------------------------------------------------------
// For AWS AppConfig

// AlarmState reports the state (OK, ALARM or INSUFFICIENT_DATA) of the
// CloudWatch alarm alarmArn, for the AppConfig rollout engine's deployment
// monitors. account and region are the caller's scope (the AppConfig
// environment's); they are used only when alarmArn is a bare alarm name or
// an ARN with an empty region or account field. Otherwise the alarm is
// looked up where its ARN says it lives: a monitor may name an alarm of
// another account or region (AWS reaches it through the monitor's
// AlarmRoleArn, which Stagecraft does not check).
//
// found is false when no such alarm exists or alarmArn is not a CloudWatch
// alarm ARN; err is only a store failure. It reads in its own View, so a
// caller inside an Update of its own should not rely on seeing its writes.
func AlarmState(ctx context.Context, st store.Store, account, region, alarmArn string) (state string, found bool, err error) {
	acct, reg, name, ok := parseAlarmArn(alarmArn)
	if !ok {
		return "", false, nil
	}
	if acct == "" {
		acct = account
	}
	if reg == "" {
		reg = region
	}
	err = st.View(ctx, func(tx store.Tx) error {
		rec, err := store.GetJSON[alarmRecord](tx, tAlarms, store.Key(acct, reg, name))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		state, found = rec.StateValue, true
		return nil
	})
	if err != nil {
		return "", false, err
	}
	return state, found, nil
}

// parseAlarmArn splits arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}
// (the name may contain ':'); a string without "arn:" is a bare name.
func parseAlarmArn(s string) (account, region, name string, ok bool) {
	if !strings.HasPrefix(s, "arn:") {
		return "", "", s, s != "" && len(s) <= 255
	}
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[2] != "cloudwatch" || parts[5] != "alarm" || parts[6] == "" {
		return "", "", "", false
	}
	return parts[4], parts[3], parts[6], true
}

// MonitorChecker is the rollout.AlarmChecker backed by these alarms: it
// answers the first of the environment's monitors whose alarm is in
// ALARM, and "" when none is. Monitors naming alarms that do not exist are
// skipped (they cannot fire).
func MonitorChecker(st store.Store) rollout.AlarmChecker {
	return func(ctx context.Context, m rollout.MonitorScope) (string, error) {
		for _, arn := range m.AlarmArns {
			state, found, err := AlarmState(ctx, st, m.Account, m.Region, arn)
			if err != nil {
				return "", err
			}
			if found && state == StateAlarm {
				return arn, nil
			}
		}
		return "", nil
	}
}
