// Package rollout is the schedule of an AppConfig configuration deployment:
// given a deployment strategy (duration, growth factor, growth type, final
// bake time) and the instant the deployment started, it says — as a pure
// function of the instant asked about — how far the rollout is
// (PercentageComplete), which state it is in (DEPLOYING, BAKING, COMPLETE,
// or the terminal states a stop or revert led to) and which events it has
// logged, newest first, with AWS's wording.
//
// Nothing here keeps a timer. A deployment's state at `now` is computed from
// its Record, so every reader (GetDeployment, the environment state, the
// 409 check of StartDeployment, the data plane) agrees, repeated reads are
// stable, and a node that restarts mid-rollout continues exactly where the
// schedule says, with the same event log an uninterrupted run would show.
// The only inputs that are not the schedule are the explicit interventions
// stored in the Record: a rollback (StopDeployment or an alarm) and a revert.
//
// The Driver (driver.go) is the active part: it persists the transitions
// that matter (completion) and asks an AlarmChecker whether a monitored
// alarm should roll a deployment back, holding a lease so that only one node
// drives a deployment when several nodes share a store.
package rollout

import (
	"fmt"
	"math"
	"time"
)

// Growth types.
const (
	Linear      = "LINEAR"
	Exponential = "EXPONENTIAL"
)

// Deployment states (the model's DeploymentState enum; VALIDATING is never
// produced because validation runs synchronously inside StartDeployment).
const (
	StateValidating  = "VALIDATING"
	StateDeploying   = "DEPLOYING"
	StateBaking      = "BAKING"
	StateComplete    = "COMPLETE"
	StateRollingBack = "ROLLING_BACK"
	StateRolledBack  = "ROLLED_BACK"
	StateReverted    = "REVERTED"
)

// Event types (DeploymentEventType) and who triggers them (TriggeredBy).
const (
	EventDeploymentStarted   = "DEPLOYMENT_STARTED"
	EventPercentageUpdated   = "PERCENTAGE_UPDATED"
	EventBakeTimeStarted     = "BAKE_TIME_STARTED"
	EventDeploymentCompleted = "DEPLOYMENT_COMPLETED"
	EventRollbackStarted     = "ROLLBACK_STARTED"
	EventRollbackCompleted   = "ROLLBACK_COMPLETED"
	EventRevertCompleted     = "REVERT_COMPLETED"

	ByUser            = "USER"
	ByAppConfig       = "APPCONFIG"
	ByCloudWatchAlarm = "CLOUDWATCH_ALARM"
	ByInternalError   = "INTERNAL_ERROR"
)

// Event descriptions. The first four are AWS's own words (AWS's published
// StartDeployment/GetDeployment examples); the rollback and revert wording
// is ours — AWS documents only that the ROLLBACK_STARTED description names
// the account or alarm ARN that initiated the rollback.
const (
	DescStarted          = "Deployment started"
	DescBakeStarted      = "Deployment bake time started"
	DescCompleted        = "Deployment completed"
	DescRollbackComplete = "Rollback completed"
	DescRevertCompleted  = "Deployment reverted"
)

// DescPercentage is the PERCENTAGE_UPDATED description: two decimals, as
// in "Configuration available to 25.00% of clients".
func DescPercentage(p float64) string {
	return fmt.Sprintf("Configuration available to %.2f%% of clients", p)
}

// DescRollbackByUser is the ROLLBACK_STARTED description of StopDeployment.
func DescRollbackByUser(account string) string {
	return "Rollback initiated by account " + account
}

// DescRollbackByAlarm is the ROLLBACK_STARTED description of an alarm.
func DescRollbackByAlarm(alarmArn string) string {
	return "Rollback initiated by CloudWatch alarm " + alarmArn
}

// Strategy is the part of a deployment strategy the schedule depends on. A
// deployment keeps a copy taken at StartDeployment, so later strategy
// updates do not change a running deployment.
type Strategy struct {
	DurationMinutes  int32   `json:"durationMinutes"`
	GrowthFactor     float64 `json:"growthFactor"`
	GrowthType       string  `json:"growthType"`
	FinalBakeMinutes int32   `json:"finalBakeMinutes"`
}

// Duration is DeploymentDurationInMinutes as a time.Duration.
func (s Strategy) Duration() time.Duration { return time.Duration(s.DurationMinutes) * time.Minute }

// Bake is FinalBakeTimeInMinutes as a time.Duration.
func (s Strategy) Bake() time.Duration { return time.Duration(s.FinalBakeMinutes) * time.Minute }

// Step is one rung of the percentage ladder: at Offset after the start the
// configuration becomes available to Percentage % of the targets.
type Step struct {
	Offset     time.Duration
	Percentage float64
}

// eps absorbs float error when comparing a growing percentage with 100, so
// a growth factor like 33.3333 (float32 on the wire) gives three steps, not
// a spurious fourth one at 99.9999 %.
const eps = 1e-3

// Ladder is the sequence of percentages a deployment steps through.
//
//   - LINEAR: k·G for k = 1, 2, … capped at 100; ceil(100/G) steps.
//   - EXPONENTIAL: G·2^(k−1) (G, 2G, 4G, …) capped at 100, AWS's documented
//     G·(2^N) rule with N counted from 0; 1+ceil(log2(100/G)) steps.
//
// The last value is always 100. A growth factor outside (0, 100] is
// clamped into [1, 100] (the API only lets 1.0..100.0 through).
func Ladder(growthFactor float64, growthType string) []float64 {
	g := growthFactor
	if math.IsNaN(g) || g < 1 {
		g = 1
	}
	if g > 100 {
		g = 100
	}
	var out []float64
	if growthType == Exponential {
		for p := g; p < 100-eps; p *= 2 {
			out = append(out, p)
		}
	} else {
		for k := 1; float64(k)*g < 100-eps; k++ {
			out = append(out, float64(k)*g)
		}
	}
	return append(out, 100)
}

// Timing says when each of the n ladder steps of a deployment lasting d
// happens. AWS documents this inconsistently (see the AppConfig spec §4.3),
// so the rule sits behind this interface and can be swapped once verified
// against real AWS.
type Timing interface {
	// StepOffsets returns n non-decreasing offsets, the last one ≤ d.
	StepOffsets(d time.Duration, n int) []time.Duration
}

// EndAligned is the default timing ("model B"): step k (1-based) of n
// happens at k·d/n, so the first increment comes after one interval and
// 100 % is reached exactly when the deployment duration ends. This is the
// reading of the user guide's timeline example and of the predefined
// strategy names (Linear50PercentEvery30Seconds: 50 % at 30 s, 100 % at
// 60 s; Linear20PercentEvery6Minutes: 20 % at 6 min, … 100 % at 30 min).
type EndAligned struct{}

func (EndAligned) StepOffsets(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for k := 1; k <= n; k++ {
		// k·d/n in integer nanoseconds, truncated to milliseconds because
		// that is the precision timestamps travel with.
		out[k-1] = (d * time.Duration(k) / time.Duration(n)).Truncate(time.Millisecond)
	}
	return out
}

// DefaultTiming is the step timing Schedule uses.
var DefaultTiming Timing = EndAligned{}

// Schedule is the percentage ladder of s with the time of each step.
func Schedule(s Strategy) []Step {
	ladder := Ladder(s.GrowthFactor, s.GrowthType)
	offs := DefaultTiming.StepOffsets(s.Duration(), len(ladder))
	steps := make([]Step, len(ladder))
	for i, p := range ladder {
		steps[i] = Step{Offset: offs[i], Percentage: p}
	}
	return steps
}

// Intervention is an explicit, stored change of course: a rollback
// (StopDeployment, an alarm) or a revert of a completed deployment.
type Intervention struct {
	At          time.Time `json:"at"`
	TriggeredBy string    `json:"triggeredBy"`
	Description string    `json:"description"`
}

// Record is what a deployment stores for its schedule.
type Record struct {
	Strategy  Strategy      `json:"strategy"`
	StartedAt time.Time     `json:"startedAt"`
	Rollback  *Intervention `json:"rollback,omitempty"`
	Revert    *Intervention `json:"revert,omitempty"`
}

// Event is one entry of a deployment's event log.
type Event struct {
	Type        string
	TriggeredBy string
	Description string
	At          time.Time
	// Percentage is the ladder value a PERCENTAGE_UPDATED event reached.
	Percentage float64
}

// Status is a deployment as of one instant.
type Status struct {
	State      string
	Percentage float64
	// Events, most recent first. Events that share an instant are listed in
	// causal order, the later one first (100 % step, then bake start).
	Events []Event
	// CompletedAt is when the deployment reached a terminal state (COMPLETE,
	// ROLLED_BACK, REVERTED); zero while it is in progress.
	CompletedAt time.Time
	// Next is the instant of the next scheduled change (a step, the bake
	// start, the completion); zero when nothing more is scheduled.
	Next time.Time
}

// InProgress reports whether the deployment still occupies its
// environment (only one deployment at a time per environment).
func (s Status) InProgress() bool {
	switch s.State {
	case StateDeploying, StateBaking, StateValidating, StateRollingBack:
		return true
	}
	return false
}

// Terminal reports whether nothing can change the state any more except a
// revert (COMPLETE) or nothing at all.
func (s Status) Terminal() bool { return !s.InProgress() }

// timeline is every scheduled event of r in causal order.
func timeline(r Record) []Event {
	start := r.StartedAt
	d, b := r.Strategy.Duration(), r.Strategy.Bake()
	ev := []Event{{Type: EventDeploymentStarted, TriggeredBy: ByUser, Description: DescStarted, At: start}}
	for _, st := range Schedule(r.Strategy) {
		ev = append(ev, Event{Type: EventPercentageUpdated, TriggeredBy: ByAppConfig,
			Description: DescPercentage(st.Percentage), At: start.Add(st.Offset), Percentage: st.Percentage})
	}
	ev = append(ev,
		Event{Type: EventBakeTimeStarted, TriggeredBy: ByAppConfig, Description: DescBakeStarted, At: start.Add(d)},
		Event{Type: EventDeploymentCompleted, TriggeredBy: ByAppConfig, Description: DescCompleted, At: start.Add(d + b)})
	return ev
}

// Initial is the deployment as StartDeployment answers it: DEPLOYING at
// 0 %, with only the DEPLOYMENT_STARTED event — also for strategies whose
// first step is due at the start instant (AllAtOnce): AWS's response shows
// the deployment as just started, and the ladder begins after it.
func Initial(r Record) Status {
	return Status{
		State:      StateDeploying,
		Percentage: 0,
		Events:     []Event{{Type: EventDeploymentStarted, TriggeredBy: ByUser, Description: DescStarted, At: r.StartedAt}},
		Next:       r.StartedAt,
	}
}

// Evaluate is the deployment r as of now. Scheduled events at or before now
// (or before the rollback, if there is one) have happened.
func Evaluate(r Record, now time.Time) Status {
	all := timeline(r)
	cut := now
	if r.Rollback != nil && r.Rollback.At.Before(cut) {
		cut = r.Rollback.At
	}
	var st Status
	st.State = StateDeploying
	var seen []Event
	for _, e := range all {
		if e.At.After(cut) {
			if st.Next.IsZero() && r.Rollback == nil && r.Revert == nil {
				st.Next = e.At
			}
			continue
		}
		seen = append(seen, e)
		switch e.Type {
		case EventPercentageUpdated:
			st.Percentage = e.Percentage
		case EventBakeTimeStarted:
			st.State = StateBaking
		case EventDeploymentCompleted:
			st.State = StateComplete
			st.CompletedAt = e.At
		}
	}
	switch {
	case r.Rollback != nil && !now.Before(r.Rollback.At):
		seen = append(seen,
			Event{Type: EventRollbackStarted, TriggeredBy: r.Rollback.TriggeredBy, Description: r.Rollback.Description, At: r.Rollback.At},
			Event{Type: EventRollbackCompleted, TriggeredBy: ByAppConfig, Description: DescRollbackComplete, At: r.Rollback.At})
		st.State = StateRolledBack
		st.CompletedAt = r.Rollback.At
		st.Next = time.Time{}
	case r.Revert != nil && !now.Before(r.Revert.At):
		seen = append(seen, Event{Type: EventRevertCompleted, TriggeredBy: r.Revert.TriggeredBy, Description: r.Revert.Description, At: r.Revert.At})
		st.State = StateReverted
		st.CompletedAt = r.Revert.At
		st.Next = time.Time{}
	}
	// Newest first; the timeline is already in causal order, so reversing
	// it lists same-instant events later-first.
	st.Events = make([]Event, len(seen))
	for i, e := range seen {
		st.Events[len(seen)-1-i] = e
	}
	return st
}
