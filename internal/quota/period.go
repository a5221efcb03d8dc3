package quota

import (
	"fmt"
	"time"
)

// Period is a usage plan quota's period.
type Period string

const (
	Day   Period = "DAY"
	Week  Period = "WEEK"
	Month Period = "MONTH"
)

// Settings is a usage plan's quota: at most Limit requests per Period and
// API key.
type Settings struct {
	Limit  int64
	Offset int
	Period Period
}

// Window is the quota period containing t: [start, end), in UTC.
//
// Periods are calendar periods in UTC, not rolling ones: a DAY quota of
// 1000 allows 1000 requests from 00:00 to 23:59:59 UTC [C: the answer
// given for "When does the day window take effect for API Gateway usage
// plans"], and a MONTH quota "resets at the beginning of the month" [D: AWS
// CLI create-usage-plan example with offset=0, period=MONTH].
//
// Offset: AWS has documented it two ways — "the day that a time period
// starts. For example, with a time period of WEEK, an offset of 0 starts
// on Sunday, and an offset of 1 starts on Monday" (the API reference and
// SDK documentation, and CloudFormation's current schema), and "the number
// of requests subtracted from the given limit in the initial time period"
// (older CloudFormation pages, the current API reference). This follows
// the first, the only one that defines window boundaries: a WEEK starts at
// 00:00 UTC on weekday Offset (0 = Sunday), a MONTH on day 1+Offset of the
// month (offsets above 27 are taken as 27, so every month has the day),
// and a DAY ignores Offset.
func (s Settings) Window(t time.Time) (start, end time.Time) {
	t = t.UTC()
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	off := max(s.Offset, 0)
	switch s.Period {
	case Week:
		back := (int(t.Weekday()) - off%7 + 7) % 7
		start = midnight.AddDate(0, 0, -back)
		return start, start.AddDate(0, 0, 7)
	case Month:
		first := 1 + min(off, 27)
		start = time.Date(t.Year(), t.Month(), first, 0, 0, 0, 0, time.UTC)
		if t.Day() < first {
			start = start.AddDate(0, -1, 0)
		}
		return start, start.AddDate(0, 1, 0)
	default:
		return midnight, midnight.AddDate(0, 0, 1)
	}
}

// Validate reports settings this package cannot apply.
func (s Settings) Validate() error {
	switch s.Period {
	case Day, Week, Month:
	default:
		return fmt.Errorf("invalid quota period %q", s.Period)
	}
	if s.Limit < 0 {
		return fmt.Errorf("invalid quota limit %d", s.Limit)
	}
	return nil
}

// dayNum is a UTC calendar day: days since 1970-01-01.
type dayNum int32

func dayOf(t time.Time) dayNum {
	return dayNum(t.UTC().Unix() / 86400)
}

func (d dayNum) time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (d dayNum) String() string { return d.time().Format(time.DateOnly) }

func parseDay(s string) (dayNum, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return dayOf(t), true
}

// monthPrefix is the "2006-01" of a day.
func (d dayNum) month() string { return d.time().Format("2006-01") }
