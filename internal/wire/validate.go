package wire

import (
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// NoBound marks a missing min or max of a numeric range.
const NoBound = math.MaxFloat64

// Enum is the value set of a modeled enum, in model order.
type Enum struct {
	set  map[string]struct{}
	text string
}

// NewEnum builds an Enum.
func NewEnum(vals ...string) *Enum {
	e := &Enum{set: make(map[string]struct{}, len(vals)), text: "[" + strings.Join(vals, ", ") + "]"}
	for _, v := range vals {
		e.set[v] = struct{}{}
	}
	return e
}

// Has reports whether v is in the set.
func (e *Enum) Has(v string) bool { _, ok := e.set[v]; return ok }

// Violations collects model-constraint failures of one request, worded as
// AWS words them ("1 validation error detected: Value 'x' at
// 'createRestApiInput.name' failed to satisfy constraint: ...").
type Violations struct{ msgs []string }

func (v *Violations) add(val *string, p, m, constraint string) {
	var b strings.Builder
	if val == nil {
		b.WriteString("Value null")
	} else {
		b.WriteString("Value '")
		b.WriteString(*val)
		b.WriteString("'")
	}
	b.WriteString(" at '")
	b.WriteString(p)
	if m != "" {
		b.WriteString(".")
		b.WriteString(m)
	}
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(constraint)
	v.msgs = append(v.msgs, b.String())
}

// Required records a missing required member.
func (v *Violations) Required(p, m string) { v.add(nil, p, m, "Member must not be null") }

// Len checks a string's length in characters; a bound of -1 is absent.
func (v *Violations) Len(p, m, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	if min >= 0 && n < min {
		v.add(&s, p, m, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max >= 0 && n > max {
		v.add(&s, p, m, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// Size checks the element count of a list, map or blob.
func (v *Violations) Size(p, m string, n, min, max int) {
	if min >= 0 && n < min {
		v.add(nil, p, m, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max >= 0 && n > max {
		v.add(nil, p, m, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// Pattern checks s against a model pattern (anchored at both ends).
func (v *Violations) Pattern(p, m, s string, re *regexp.Regexp, text string) {
	if !re.MatchString(s) {
		v.add(&s, p, m, "Member must satisfy regular expression pattern: "+text)
	}
}

// Enum checks s against an enum's value set.
func (v *Violations) Enum(p, m, s string, e *Enum) {
	if !e.Has(s) {
		v.add(&s, p, m, "Member must satisfy enum value set: "+e.text)
	}
}

// Range checks a number against its model min and max.
func (v *Violations) Range(p, m string, x, min, max float64) {
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if min != NoBound && x < min {
		v.add(&s, p, m, "Member must have value greater than or equal to "+strconv.FormatFloat(min, 'g', -1, 64))
	}
	if max != NoBound && x > max {
		v.add(&s, p, m, "Member must have value less than or equal to "+strconv.FormatFloat(max, 'g', -1, 64))
	}
}

// Len reports how many violations were found.
func (v *Violations) Count() int { return len(v.msgs) }

// Err is nil when nothing failed, else one 400 error of the given code.
func (v *Violations) Err(code string) error {
	if len(v.msgs) == 0 {
		return nil
	}
	head := "1 validation error detected: "
	if len(v.msgs) > 1 {
		head = strconv.Itoa(len(v.msgs)) + " validation errors detected: "
	}
	return &Error{Code: code, Status: http.StatusBadRequest, Message: head + strings.Join(v.msgs, "; ")}
}
