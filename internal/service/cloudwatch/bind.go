package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/awsquery"
	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/cbor"
)

// The input and output shapes are plain Go structs whose field names are
// the model's member names, in the model's (XML) member order. Optional
// scalars are pointers, lists are slices, nested structures are pointers
// to structs (slice elements are structs).
//
// bind fills such a struct from a decoded request tree:
//   - CBOR: typed leaves (int64/uint64, float64, bool, string, time.Time);
//   - JSON: json.Number, bool, string;
//   - query (fromQuery): every leaf a string, lists in awsquery's form.
//
// Members the struct does not have are ignored (clients may be newer than
// this model); null members are absent.

// bindError is a value whose type does not fit its member.
func bindError(fromQuery bool, path string, v any, want string) error {
	if fromQuery {
		// [P] AWS's exact wording for an unparsable query parameter is not
		// documented; CloudWatch reports bad parameter values with
		// InvalidParameterValue.
		return &apiError{Code: "InvalidParameterValue", Shape: "InvalidParameterValueException", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Value '%v' for parameter %s is invalid: expected %s.", v, path, want)}
	}
	return serializationError(fmt.Sprintf("Expected %s for %s, got %s", want, path, kindOf(v)))
}

func bind(dst any, tree map[string]any, fromQuery bool) error {
	return bindStruct(reflect.ValueOf(dst).Elem(), tree, "", fromQuery)
}

func bindStruct(dst reflect.Value, src map[string]any, path string, q bool) error {
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		v, ok := src[f.Name]
		if !ok || v == nil {
			continue
		}
		p := f.Name
		if path != "" {
			p = path + "." + f.Name
		}
		if err := bindValue(dst.Field(i), v, p, q); err != nil {
			return err
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

func bindValue(dst reflect.Value, v any, path string, q bool) error {
	switch dst.Kind() {
	case reflect.Pointer:
		nv := reflect.New(dst.Type().Elem())
		if err := bindValue(nv.Elem(), v, path, q); err != nil {
			return err
		}
		dst.Set(nv)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return bindError(q, path, v, "a string")
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
			dst.SetBool(x)
			return nil
		case string:
			if q && (x == "true" || x == "false") {
				dst.SetBool(x == "true")
				return nil
			}
		}
		return bindError(q, path, v, "a boolean")
	case reflect.Int32, reflect.Int64:
		n, ok := toInt(v, q)
		if !ok || dst.OverflowInt(n) {
			return bindError(q, path, v, "an integer")
		}
		dst.SetInt(n)
		return nil
	case reflect.Float64:
		f, ok := toFloat(v, q)
		if !ok {
			return bindError(q, path, v, "a number")
		}
		dst.SetFloat(f)
		return nil
	case reflect.Slice:
		var items []any
		if q {
			l, ok := awsquery.List(v)
			if !ok {
				return bindError(q, path, v, "a list (Name.member.N)")
			}
			items = l
		} else {
			l, ok := v.([]any)
			if !ok {
				return bindError(q, path, v, "a list")
			}
			items = l
		}
		out := reflect.MakeSlice(dst.Type(), 0, len(items))
		for i, it := range items {
			ev := reflect.New(dst.Type().Elem()).Elem()
			if it == nil {
				return bindError(q, fmt.Sprintf("%s.member.%d", path, i+1), it, "a value")
			}
			if err := bindValue(ev, it, fmt.Sprintf("%s.member.%d", path, i+1), q); err != nil {
				return err
			}
			out = reflect.Append(out, ev)
		}
		dst.Set(out)
		return nil
	case reflect.Struct:
		if dst.Type() == timeType {
			t, ok := toTime(v, q)
			if !ok {
				return bindError(q, path, v, "a timestamp")
			}
			dst.Set(reflect.ValueOf(t))
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return bindError(q, path, v, "a structure")
		}
		return bindStruct(dst, m, path, q)
	}
	return fmt.Errorf("cloudwatch: cannot bind into %s", dst.Type())
}

func toInt(v any, q bool) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case uint64:
		return 0, false
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		if q {
			n, err := strconv.ParseInt(x, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func toFloat(v any, q bool) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case string:
		if q {
			f, err := strconv.ParseFloat(x, 64)
			return f, err == nil
		}
		// JSON protocols write non-finite doubles as strings.
		switch x {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
	}
	return 0, false
}

func toTime(v any, q bool) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e15 {
			return time.Time{}, false
		}
		return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), true
	case string:
		if q {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
				if t, err := time.Parse(layout, x); err == nil {
					return t.UTC(), true
				}
			}
		}
	}
	return time.Time{}, false
}

// toTree turns an output struct into the ordered tree the protocol
// writers encode: structs as cbor.Map in field order, slices as []any,
// nil pointers and nil slices left out, integers as int64.
func toTree(v any) any {
	t, _ := treeOf(reflect.ValueOf(v))
	return t
}

func treeOf(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return treeOf(v.Elem())
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float64, reflect.Float32:
		return v.Float(), true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		out := make([]any, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			if e, ok := treeOf(v.Index(i)); ok {
				out = append(out, e)
			}
		}
		return out, true
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).UTC(), true
		}
		m := cbor.Map{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("cw") == "-" {
				continue
			}
			if e, ok := treeOf(v.Field(i)); ok {
				m = append(m, cbor.Pair{Key: f.Name, Value: e})
			}
		}
		return m, true
	}
	return nil, false
}
