package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Error codes, as AWS sends them in x-amzn-ErrorType.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
)

// Messages that do not depend on the request.
const (
	MsgMissingAuthenticationToken = "Missing Authentication Token"
	MsgUnrecognizedClient         = "The security token included in the request is invalid."
	MsgSignatureMismatch          = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	MsgHostNotSigned              = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	MsgBothAuthorizations         = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
)

// Error is a signature check failure, shaped like the error AWS answers
// with. It implements error.
type Error struct {
	Code    string // e.g. "InvalidSignatureException"
	Status  int    // HTTP status: 400 or 403
	Message string // AWS's message text

	// CanonicalRequest and StringToSign are what the server computed, set
	// when the signature did not match. They are meant for logs and
	// debugging; they are not part of the response AWS sends.
	CanonicalRequest string
	StringToSign     string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Write sends e the way AWS's REST-JSON services (API Gateway, AppConfig)
// do: the x-amzn-ErrorType header and a {"message": ...} JSON body.
func (e *Error) Write(w http.ResponseWriter) {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{e.Message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", e.Code)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

func incomplete(msg string) *Error {
	return &Error{Code: CodeIncompleteSignature, Status: http.StatusBadRequest, Message: msg}
}

func invalid(msg string) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusForbidden, Message: msg}
}

// missingEqualSign is API Gateway's current wording for an Authorization
// component without '='. Older AWS stacks quoted the whole header; API
// Gateway quotes only its SHA-256 so that bearer tokens are not echoed.
func missingEqualSign(header string) *Error {
	sum := sha256.Sum256([]byte(header))
	return incomplete("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" +
		base64.StdEncoding.EncodeToString(sum[:]) + "'.")
}

// amzTimeFormat is ISO 8601 basic format, as in X-Amz-Date.
const amzTimeFormat = "20060102T150405Z"

// skewDuration formats a window the way AWS does in its expiry messages:
// "15 min" or, when not whole minutes, "90 sec".
func skewDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	if secs%60 == 0 {
		return strconv.FormatInt(secs/60, 10) + " min"
	}
	return strconv.FormatInt(secs, 10) + " sec"
}

// expired: "Signature expired: 20250101T000000Z is now earlier than
// 20250101T000500Z (20250101T001500Z - 15 min.)".
func expired(signed, now time.Time, window time.Duration) *Error {
	return invalid("Signature expired: " + signed.UTC().Format(amzTimeFormat) +
		" is now earlier than " + now.Add(-window).UTC().Format(amzTimeFormat) +
		" (" + now.UTC().Format(amzTimeFormat) + " - " + skewDuration(window) + ".)")
}

// notYetCurrent: "Signature not yet current: 20250101T003000Z is still
// later than 20250101T001500Z (20250101T000000Z + 15 min.)".
func notYetCurrent(signed, now time.Time, window time.Duration) *Error {
	return invalid("Signature not yet current: " + signed.UTC().Format(amzTimeFormat) +
		" is still later than " + now.Add(window).UTC().Format(amzTimeFormat) +
		" (" + now.UTC().Format(amzTimeFormat) + " + " + skewDuration(window) + ".)")
}
