package cloudwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/awsquery"
	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/cbor"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// protocol is the wire protocol of one request; the answer uses the same.
type protocol int

const (
	protoQuery protocol = iota
	protoCBOR
	protoJSON
)

func (p protocol) String() string {
	return [...]string{"query", "rpc-v2-cbor", "json"}[p]
}

// operation is one implemented operation: bind the input tree, run,
// and say whether the operation has an output shape (Unit otherwise).
type operation struct {
	run       func(s *Service, ctx context.Context, tree map[string]any, fromQuery bool) (any, error)
	hasOutput bool
}

func op[In, Out any](f func(*Service, context.Context, *In) (*Out, error)) operation {
	var probe *Out
	_, unit := any(probe).(*unit)
	return operation{hasOutput: !unit, run: func(s *Service, ctx context.Context, tree map[string]any, q bool) (any, error) {
		in := new(In)
		if err := bind(in, tree, q); err != nil {
			return nil, err
		}
		out, err := f(s, ctx, in)
		if err != nil || out == nil {
			return nil, err
		}
		return out, nil
	}}
}

// unit is the output of operations without an output shape.
type unit struct{}

var operations = map[string]operation{
	"PutMetricAlarm": op((*Service).PutMetricAlarm),
	"DescribeAlarms": op((*Service).DescribeAlarms),
	"SetAlarmState":  op((*Service).SetAlarmState),
	"DeleteAlarms":   op((*Service).DeleteAlarms),
}

// allOperations is every operation of the CloudWatch model (botocore
// 1.43 and aws-sdk-go-v2 service/cloudwatch v1.75), so that the ones not
// written here answer "not implemented" by name rather than "unknown".
var allOperations = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`AssociateDatasetKmsKey CreateResourceMetricsConfiguration
		DeleteAlarmMuteRule DeleteAlarms DeleteAnomalyDetector DeleteDashboards DeleteInsightRules
		DeleteMetricStream DeleteResourceMetricsConfiguration DescribeAlarmContributors
		DescribeAlarmHistory DescribeAlarms DescribeAlarmsForMetric DescribeAnomalyDetectors
		DescribeInsightRules DisableAlarmActions DisableInsightRules DisassociateDatasetKmsKey
		EnableAlarmActions EnableInsightRules GetAlarmMuteRule GetDashboard GetDataset
		GetInsightRuleReport GetMetricData GetMetricStatistics GetMetricStream GetMetricWidgetImage
		GetOTelEnrichment GetResourceMetricsConfiguration ListAlarmMuteRules ListDashboards
		ListManagedInsightRules ListMetricStreams ListMetrics ListTagsForResource PutAlarmMuteRule
		PutAnomalyDetector PutCompositeAlarm PutDashboard PutInsightRule PutLogAlarm
		PutManagedInsightRules PutMetricAlarm PutMetricData PutMetricStream SetAlarmState
		StartMetricStreams StartOTelEnrichment StopMetricStreams StopOTelEnrichment TagResource
		UntagResource UpdateOTelEnrichment UpdateResourceMetricsConfiguration`) {
		allOperations[n] = true
	}
}

// Operations lists the operations this package implements.
func Operations() []string {
	return []string{"DeleteAlarms", "DescribeAlarms", "PutMetricAlarm", "SetAlarmState"}
}

// rpcPath splits /…/service/{service}/operation/{operation}; only the last
// four segments count (RPC v2 allows a prefix).
func rpcPath(p string) (service, operation string, ok bool) {
	segs := strings.Split(strings.TrimSuffix(p, "/"), "/")
	if n := len(segs); n >= 5 && segs[n-4] == "service" && segs[n-2] == "operation" {
		return segs[n-3], segs[n-1], true
	}
	return "", "", false
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request, scope *wire.Scope) (protocol, string) {
	proto := protoQuery
	var opName string
	if svc, o, ok := rpcPath(r.URL.Path); ok {
		proto, opName = protoCBOR, o
		// The service segment may also be the absolute shape id with "#"
		// written as "." (Smithy RPC v2: servers SHOULD accept both).
		if svc != ServiceShape && svc != Namespace+"."+ServiceShape {
			s.writeError(w, proto, scope.RequestID, unknownOperation(proto, svc+"/"+o))
			return proto, ""
		}
	} else if t := r.Header.Get("X-Amz-Target"); t != "" {
		proto = protoJSON
		svc, o, _ := strings.Cut(t, ".")
		if svc != ServiceShape {
			s.writeError(w, proto, scope.RequestID, unknownOperation(proto, t))
			return proto, ""
		}
		opName = o
	}
	if r.Method != http.MethodPost && (proto != protoQuery || r.Method != http.MethodGet) {
		s.writeError(w, proto, scope.RequestID, &apiError{Code: "UnsupportedOperation", Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("CloudWatch does not accept %s requests with the %s protocol", r.Method, proto)})
		return proto, opName
	}
	if proto == protoCBOR && (r.Header.Get("X-Amz-Target") != "" || r.Header.Get("X-Amzn-Target") != "") {
		// Smithy RPC v2: servers MUST reject requests carrying a target header.
		s.writeError(w, proto, scope.RequestID, serializationError("An rpc-v2-cbor request must not carry an X-Amz-Target header"))
		return proto, opName
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wire.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, proto, scope.RequestID, &apiError{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
				Message: "Request body is larger than the allowed maximum"})
		} else {
			s.writeError(w, proto, scope.RequestID, serializationError("Could not read the request body"))
		}
		return proto, opName
	}

	// Decode the input tree.
	var tree map[string]any
	switch proto {
	case protoCBOR:
		tree, err = decodeCBOR(body)
	case protoJSON:
		tree, err = decodeJSON(body)
	case protoQuery:
		tree, opName, err = decodeQuery(r, body)
	}
	if err != nil {
		s.writeError(w, proto, scope.RequestID, err)
		return proto, opName
	}
	scope.Operation = opName
	o, ok := operations[opName]
	if !ok {
		if allOperations[opName] {
			ne := wire.NotImplemented("cloudwatch", opName).(*wire.Error)
			s.writeError(w, proto, scope.RequestID, &apiError{Code: ne.Code, Status: ne.Status, Message: ne.Message, Receiver: true})
		} else {
			s.writeError(w, proto, scope.RequestID, unknownOperation(proto, opName))
		}
		return proto, opName
	}
	ctx := wire.WithScope(r.Context(), *scope)
	out, err := s.call(ctx, o, tree, proto == protoQuery)
	if err != nil {
		s.writeError(w, proto, scope.RequestID, err)
		return proto, opName
	}
	s.writeOutput(w, proto, scope.RequestID, opName, o.hasOutput, out)
	return proto, opName
}

func (s *Service) call(ctx context.Context, o operation, tree map[string]any, q bool) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			sc := wire.ScopeFrom(ctx)
			s.log.Error("panic", "request_id", sc.RequestID, "operation", sc.Operation, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return o.run(s, ctx, tree, q)
}

// ---------------------------------------------------------------------------
// Request decoding

func decodeCBOR(body []byte) (map[string]any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil // an empty body is an empty input structure
	}
	v, err := cbor.Unmarshal(body)
	if err != nil {
		return nil, serializationError("Could not parse the request body as CBOR: " + err.Error())
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, serializationError(fmt.Sprintf("The request body is a CBOR %s, not a map", kindOf(v)))
	}
	return m, nil
}

func decodeJSON(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, serializationError("Could not parse the request body as JSON: " + err.Error())
	}
	if dec.More() {
		return nil, serializationError("Could not parse the request body as JSON: trailing data")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, serializationError("The request body is not a JSON object")
	}
	return m, nil
}

// decodeQuery reads the form (URL query plus, for POST, the urlencoded
// body) and checks Action and Version.
func decodeQuery(r *http.Request, body []byte) (map[string]any, string, error) {
	form := url.Values{}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		for k, v := range q {
			form[k] = append(form[k], v...)
		}
	} else {
		return nil, "", &apiError{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: "The query string is malformed: " + err.Error()}
	}
	if len(body) > 0 {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
			return nil, "", &apiError{Code: "UnsupportedMediaType", Status: http.StatusUnsupportedMediaType,
				Message: fmt.Sprintf("Content type %q is not supported; send application/x-www-form-urlencoded", r.Header.Get("Content-Type"))}
		}
		b, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", &apiError{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: "The request body is malformed: " + err.Error()}
		}
		for k, v := range b {
			form[k] = append(form[k], v...)
		}
	}
	tree, err := awsquery.Parse(form)
	if err != nil {
		return nil, form.Get("Action"), &apiError{Code: "MalformedQueryString", Status: http.StatusBadRequest, Message: err.Error()}
	}
	action, _ := tree["Action"].(string)
	version, _ := tree["Version"].(string)
	delete(tree, "Action")
	delete(tree, "Version")
	if action == "" {
		return nil, "", &apiError{Code: "MissingAction", Status: http.StatusBadRequest, Message: "The request must contain the parameter Action."}
	}
	if version != APIVersion {
		return nil, action, &apiError{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Could not find operation %s for version %s", action, version)}
	}
	return tree, action, nil
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "text string"
	case []byte:
		return "byte string"
	case int64, uint64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case time.Time:
		return "timestamp"
	case map[string]any:
		return "map"
	}
	return fmt.Sprintf("%T", v)
}

// ---------------------------------------------------------------------------
// Responses

func (s *Service) writeOutput(w http.ResponseWriter, proto protocol, reqID, opName string, hasOutput bool, out any) {
	var tree any = cbor.Map{}
	if hasOutput && out != nil {
		tree = toTree(out)
	}
	switch proto {
	case protoCBOR:
		w.Header().Set("smithy-protocol", "rpc-v2-cbor")
		if !hasOutput {
			// Unit output: no body and no Content-Type (Smithy RPC v2).
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		b, err := cbor.Marshal(tree)
		if err != nil {
			s.writeError(w, proto, reqID, err)
			return
		}
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	case protoJSON:
		var buf bytes.Buffer
		writeJSON(&buf, tree)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
	default:
		var buf bytes.Buffer
		buf.WriteString(`<` + opName + `Response xmlns="` + XMLNamespace + `">`)
		if hasOutput {
			writeXML(&buf, opName+"Result", tree)
		}
		buf.WriteString(`<ResponseMetadata><RequestId>` + xmlEscape(reqID) + `</RequestId></ResponseMetadata></` + opName + `Response>`)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
	}
}

// writeXML writes v as the element name in the query protocol's shape:
// structures as child elements in member order, lists as <member> items
// (an empty list as an empty element), timestamps in ISO 8601 with
// milliseconds.
func writeXML(buf *bytes.Buffer, name string, v any) {
	switch x := v.(type) {
	case cbor.Map:
		buf.WriteString("<" + name + ">")
		for _, p := range x {
			writeXML(buf, p.Key, p.Value)
		}
		buf.WriteString("</" + name + ">")
	case []any:
		if len(x) == 0 {
			buf.WriteString("<" + name + "/>")
			return
		}
		buf.WriteString("<" + name + ">")
		for _, it := range x {
			writeXML(buf, "member", it)
		}
		buf.WriteString("</" + name + ">")
	default:
		buf.WriteString("<" + name + ">" + xmlEscape(scalarText(v)) + "</" + name + ">")
	}
}

// scalarText is a leaf value as the query protocol writes it.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatDouble(x)
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return fmt.Sprint(v)
}

// formatDouble writes a double the way AWS's Java services do for
// ordinary magnitudes: always with a fractional part ("80.0", "0.5").
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		case '\r':
			b.WriteString("&#xD;")
		case '\n':
			b.WriteString("&#xA;")
		case '\t':
			b.WriteString("&#x9;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeJSON writes a tree as AWS JSON 1.0: timestamps as epoch seconds.
func writeJSON(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case cbor.Map:
		buf.WriteByte('{')
		for i, p := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(p.Key)
			buf.Write(k)
			buf.WriteByte(':')
			writeJSON(buf, p.Value)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, it)
		}
		buf.WriteByte(']')
	case time.Time:
		buf.WriteString(strconv.FormatFloat(float64(x.UnixMilli())/1000, 'f', -1, 64))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b, _ := json.Marshal(formatDouble(x))
			buf.Write(b)
			return
		}
		buf.WriteString(formatDouble(x)) // 70.0, as AWS writes a double
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}

// ---------------------------------------------------------------------------
// Errors

// apiError is a CloudWatch error. Code is the query protocol code (what
// every SDK reports); Shape is the modeled error shape's name when there
// is one (the CBOR/JSON __type), else Code is used.
type apiError struct {
	Code     string
	Shape    string // shape name in Namespace, or an absolute shape id
	Status   int
	Message  string
	Receiver bool // the fault is the service's (5xx)
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func (e *apiError) typeID() string {
	switch {
	case strings.Contains(e.Shape, "#"):
		return e.Shape
	case e.Shape != "":
		return Namespace + "#" + e.Shape
	}
	return Namespace + "#" + e.Code
}

func serializationError(msg string) *apiError {
	return &apiError{Code: "SerializationException", Status: http.StatusBadRequest, Message: msg}
}

func unknownOperation(proto protocol, name string) *apiError {
	if proto == protoQuery {
		return &apiError{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Could not find operation %s for version %s", name, APIVersion)}
	}
	return &apiError{Code: "UnknownOperationException", Status: http.StatusNotFound,
		Message: fmt.Sprintf("CloudWatch has no operation %s", name)}
}

// asAPIError turns any error into what is answered: apiErrors as they
// are, wire errors by code, anything else an internal failure that does
// not leak details.
func asAPIError(err error, reqID string) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	var we *wire.Error
	if errors.As(err, &we) {
		return &apiError{Code: we.Code, Status: we.Status, Message: we.Message, Receiver: we.Status >= 500}, true
	}
	return &apiError{Code: "InternalServiceError", Shape: "InternalServiceFault", Status: http.StatusInternalServerError, Receiver: true,
		Message: "The request processing has failed because of an unknown error, exception or failure. Request id: " + reqID}, false
}

func (s *Service) writeError(w http.ResponseWriter, proto protocol, reqID string, err error) {
	ae, known := asAPIError(err, reqID)
	if !known {
		s.log.Error("internal failure", "request_id", reqID, "err", err)
	}
	fault := "Sender"
	if ae.Receiver {
		fault = "Receiver"
	}
	h := w.Header()
	switch proto {
	case protoCBOR, protoJSON:
		h.Set("x-amzn-query-error", ae.Code+";"+fault)
		var b []byte
		if proto == protoCBOR {
			h.Set("smithy-protocol", "rpc-v2-cbor")
			h.Set("Content-Type", "application/cbor")
			b, _ = cbor.Marshal(cbor.Map{{Key: "__type", Value: ae.typeID()}, {Key: "message", Value: ae.Message}})
		} else {
			h.Set("Content-Type", "application/x-amz-json-1.0")
			b, _ = json.Marshal(map[string]string{"__type": ae.typeID(), "message": ae.Message})
		}
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(ae.Status)
		w.Write(b)
	default:
		var buf bytes.Buffer
		buf.WriteString(`<ErrorResponse xmlns="` + XMLNamespace + `"><Error><Type>` + fault + `</Type><Code>` + xmlEscape(ae.Code) +
			`</Code><Message>` + xmlEscape(ae.Message) + `</Message></Error><RequestId>` + xmlEscape(reqID) + `</RequestId></ErrorResponse>`)
		h.Set("Content-Type", "text/xml")
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(ae.Status)
		w.Write(buf.Bytes())
	}
}
