package cloudwatch

import "time"

// Shapes of the CloudWatch model (botocore 1.43.11, cloudwatch
// 2010-08-01) used by the implemented operations. Field names are member
// names; field order is the model's xmlOrder where it has one.

// Dimension is a name/value pair of a metric.
type Dimension struct {
	Name  *string
	Value *string
}

// Tag is a resource tag.
type Tag struct {
	Key   *string
	Value *string
}

// Metric names a metric.
type Metric struct {
	Namespace  *string
	MetricName *string
	Dimensions []Dimension
}

// MetricStat is a metric, period and statistic.
type MetricStat struct {
	Metric *Metric
	Period *int32
	Stat   *string
	Unit   *string
}

// MetricDataQuery is one metric or math expression of a metric-math alarm.
type MetricDataQuery struct {
	Id         *string
	MetricStat *MetricStat
	Expression *string
	Label      *string
	ReturnData *bool
	Period     *int32
	AccountId  *string
}

// AlarmPromQLCriteria is a PromQL alarm's condition.
type AlarmPromQLCriteria struct {
	Query          *string
	PendingPeriod  *int32
	RecoveryPeriod *int32
}

// EvaluationCriteria is a union; PromQLCriteria is its only member.
type EvaluationCriteria struct {
	PromQLCriteria *AlarmPromQLCriteria
}

// PutMetricAlarmInput is the input of PutMetricAlarm.
type PutMetricAlarmInput struct {
	AlarmName                        *string
	AlarmDescription                 *string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	MetricName                       *string
	Namespace                        *string
	Statistic                        *string
	ExtendedStatistic                *string
	Dimensions                       []Dimension
	Period                           *int32
	Unit                             *string
	EvaluationPeriods                *int32
	DatapointsToAlarm                *int32
	Threshold                        *float64
	ComparisonOperator               *string
	TreatMissingData                 *string
	EvaluateLowSampleCountPercentile *string
	Metrics                          []MetricDataQuery
	Tags                             []Tag
	ThresholdMetricId                *string
	EvaluationCriteria               *EvaluationCriteria
	EvaluationInterval               *int32
}

// DescribeAlarmsInput is the input of DescribeAlarms.
type DescribeAlarmsInput struct {
	AlarmNames          []string
	AlarmNamePrefix     *string
	AlarmTypes          []string
	ChildrenOfAlarmName *string
	ParentsOfAlarmName  *string
	StateValue          *string
	ActionPrefix        *string
	MaxRecords          *int32
	NextToken           *string
}

// DescribeAlarmsOutput is the output of DescribeAlarms (query
// resultWrapper DescribeAlarmsResult).
type DescribeAlarmsOutput struct {
	CompositeAlarms []CompositeAlarm
	MetricAlarms    []MetricAlarm
	NextToken       *string
}

// CompositeAlarm is listed for shape completeness; Stagecraft has no
// composite alarms (PutCompositeAlarm is not implemented), so the list is
// always empty.
type CompositeAlarm struct {
	AlarmName *string
}

// MetricAlarm is one alarm as DescribeAlarms returns it (xmlOrder).
type MetricAlarm struct {
	AlarmName                          *string
	AlarmArn                           *string
	AlarmDescription                   *string
	AlarmConfigurationUpdatedTimestamp *time.Time
	ActionsEnabled                     *bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         *string
	StateReason                        *string
	StateReasonData                    *string
	StateUpdatedTimestamp              *time.Time
	MetricName                         *string
	Namespace                          *string
	Statistic                          *string
	Dimensions                         []Dimension
	Period                             *int32
	Unit                               *string
	EvaluationPeriods                  *int32
	Threshold                          *float64
	ComparisonOperator                 *string
	ExtendedStatistic                  *string
	TreatMissingData                   *string
	EvaluateLowSampleCountPercentile   *string
	DatapointsToAlarm                  *int32
	Metrics                            []MetricDataQuery
	ThresholdMetricId                  *string
	EvaluationState                    *string
	StateTransitionedTimestamp         *time.Time
	EvaluationCriteria                 *EvaluationCriteria
	EvaluationInterval                 *int32
}

// SetAlarmStateInput is the input of SetAlarmState.
type SetAlarmStateInput struct {
	AlarmName       *string
	StateValue      *string
	StateReason     *string
	StateReasonData *string
}

// DeleteAlarmsInput is the input of DeleteAlarms.
type DeleteAlarmsInput struct {
	AlarmNames []string
}
