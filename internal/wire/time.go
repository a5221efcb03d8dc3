package wire

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

// EpochTime is a timestamp sent as epoch seconds (a JSON number), the
// restJson1 default for body members.
type EpochTime struct{ time.Time }

// ISOTime is a timestamp sent as an ISO 8601 string in UTC.
type ISOTime struct{ time.Time }

// HTTPDate is a timestamp sent as an RFC 7231 date (headers).
type HTTPDate struct{ time.Time }

// Epoch, ISO and Date wrap a time for the matching wire format.
func Epoch(t time.Time) EpochTime { return EpochTime{t.UTC()} }
func ISO(t time.Time) ISOTime     { return ISOTime{t.UTC()} }
func Date(t time.Time) HTTPDate   { return HTTPDate{t.UTC()} }

const isoLayout = "2006-01-02T15:04:05.999Z07:00"

func (t EpochTime) String() string { return strconv.FormatInt(t.Unix(), 10) }
func (t ISOTime) String() string   { return t.UTC().Format(isoLayout) }
func (t HTTPDate) String() string  { return t.UTC().Format(http.TimeFormat) }

func (t EpochTime) MarshalJSON() ([]byte, error) { return t.AppendJSON(nil), nil }
func (t ISOTime) MarshalJSON() ([]byte, error)   { return t.AppendJSON(nil), nil }
func (t HTTPDate) MarshalJSON() ([]byte, error)  { return t.AppendJSON(nil), nil }

// AppendJSON appends what MarshalJSON returns: epoch seconds, with
// milliseconds as a fraction when there are any.
func (t EpochTime) AppendJSON(b []byte) []byte {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(b, ms/1000, 10)
	}
	return strconv.AppendFloat(b, float64(ms)/1000, 'f', -1, 64)
}

// AppendJSON appends what MarshalJSON returns: the quoted String (only
// digits, letters and punctuation that need no escaping).
func (t ISOTime) AppendJSON(b []byte) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, isoLayout)
	return append(b, '"')
}

// AppendJSON appends what MarshalJSON returns: the quoted String.
func (t HTTPDate) AppendJSON(b []byte) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, http.TimeFormat)
	return append(b, '"')
}

func (t *EpochTime) UnmarshalJSON(b []byte) error { return unmarshalTime(b, &t.Time) }
func (t *ISOTime) UnmarshalJSON(b []byte) error   { return unmarshalTime(b, &t.Time) }
func (t *HTTPDate) UnmarshalJSON(b []byte) error  { return unmarshalTime(b, &t.Time) }

// unmarshalTime accepts every form a client might send: epoch seconds as
// number or string, ISO 8601 or HTTP dates.
func unmarshalTime(b []byte, dst *time.Time) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return err
		}
		t, err := parseAnyTime(s)
		if err != nil {
			return err
		}
		*dst = t
		return nil
	}
	if sec, ok := epochInt(b); ok {
		*dst = time.Unix(sec, 0).UTC()
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*dst = epochFloat(f)
	return nil
}

// epochInt parses whole epoch seconds (what Stagecraft itself stores and
// sends) without converting b to a string; ok is false for anything else
// (fractions, exponents, signs, more than 15 digits), which goes the
// ParseFloat way.
func epochInt(b []byte) (sec int64, ok bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		sec = sec*10 + int64(c-'0')
	}
	return sec, true
}

func epochFloat(f float64) time.Time {
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Round(time.Millisecond)
}

func parseAnyTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return epochFloat(f), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", http.TimeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &time.ParseError{Value: s, Message: ": not a timestamp"}
}
