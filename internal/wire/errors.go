package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// APIError is an error answered to the client as an AWS error. The
// generated exception types of every service implement it.
type APIError interface {
	error
	ErrorCode() string
	HTTPStatus() int
}

// Error is an AWS error that is not a modeled shape of the service, such as
// ValidationException, SerializationException or NotImplementedException.
type Error struct {
	Code    string `json:"-"`
	Status  int    `json:"-"`
	Message string `json:"message"`
}

func (e *Error) Error() string     { return e.Code + ": " + e.Message }
func (e *Error) ErrorCode() string { return e.Code }
func (e *Error) HTTPStatus() int   { return e.Status }

// AppendJSON appends e encoded as json.Marshal encodes it.
func (e *Error) AppendJSON(b []byte) []byte {
	if e == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"message":`...)
	b = AppendString(b, e.Message)
	return append(b, '}')
}

// Errorf builds an Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: Sprintf(format, args...)}
}

// NotImplemented is the answer for a routed operation that has no logic yet.
func NotImplemented(service, op string) error {
	return &Error{Code: "NotImplementedException", Status: http.StatusNotImplemented,
		Message: fmt.Sprintf("Stagecraft does not implement %s:%s yet; see docs/compatibility.md", service, op)}
}

// IsNotImplemented reports whether err is the NotImplemented answer.
func IsNotImplemented(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "NotImplementedException"
}

// Sprintf is fmt.Sprintf that leaves a format without arguments untouched,
// so messages that contain '%' stay intact.
func Sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

type errorHeaders interface{ ErrorHeaders(http.Header) }

// WriteError answers err the way AWS answers errors of restJson1 services.
// It returns the status written and, for errors that are not APIErrors,
// false so the caller can log the failure.
func WriteError(w http.ResponseWriter, requestID string, err error) (status int, known bool) {
	var ae APIError
	if !errors.As(err, &ae) {
		ae = &Error{Code: "InternalFailure", Status: http.StatusInternalServerError,
			Message: "The request processing has failed because of an unknown error, exception or failure. Request id: " + requestID}
		known = false
	} else {
		known = true
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-ErrorType", ae.ErrorCode())
	if requestID != "" {
		h.Set("x-amzn-RequestId", requestID)
	}
	if eh, ok := ae.(errorHeaders); ok {
		eh.ErrorHeaders(h)
	}
	body, mErr := Marshal(ae)
	if mErr != nil || len(body) == 0 || body[0] != '{' {
		body, _ = json.Marshal(map[string]string{"message": ae.Error()})
	}
	w.WriteHeader(ae.HTTPStatus())
	w.Write(body)
	return ae.HTTPStatus(), known
}

// serializationError turns an encoding/json failure into AWS's
// SerializationException, naming Java classes the way AWS's messages do.
func serializationError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		from := map[string]string{"string": "String", "number": "Integer", "bool": "Boolean", "object": "LinkedHashMap", "array": "ArrayList"}[te.Value]
		if from == "" {
			from = "Object"
		}
		if strings.HasPrefix(te.Value, "number") {
			from = "Integer"
		}
		to := javaName(te.Type.String())
		msg := fmt.Sprintf("class java.lang.%s can not be converted to an %s", from, to)
		if te.Field != "" {
			msg += " (at " + te.Field + ")"
		}
		return &Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: msg}
	}
	return &Error{Code: "SerializationException", Status: http.StatusBadRequest,
		Message: "Could not parse request body into json: " + err.Error()}
}

func javaName(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case t == "string":
		return "String"
	case t == "bool":
		return "Boolean"
	case strings.HasPrefix(t, "int"):
		return "Integer"
	case strings.HasPrefix(t, "float"):
		return "Double"
	case strings.HasPrefix(t, "map"):
		return "Map"
	case strings.HasPrefix(t, "[]"):
		return "List"
	}
	return "Object"
}
