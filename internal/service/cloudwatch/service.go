// Package cloudwatch is a small, real Amazon CloudWatch (service
// monitoring, 2010-08-01): metric alarms that users create, list, flip and
// delete the way AWS's documentation does it — PutMetricAlarm,
// DescribeAlarms, SetAlarmState, DeleteAlarms — so that AWS AppConfig
// deployment monitors have a real alarm source (see AlarmState and
// MonitorChecker). Alarms are not evaluated against metric data: an alarm
// stays INSUFFICIENT_DATA until SetAlarmState moves it.
//
// CloudWatch does not speak restJson1, so it does not go through
// internal/wire's generated tables. It answers three wire protocols, all
// hand-written here over one set of operation handlers:
//
//   - Smithy RPC v2 CBOR (current botocore/boto3/AWS CLI v1 and
//     aws-sdk-go-v2 service/cloudwatch ≥ v1.53.0): POST
//     /service/GraniteServiceVersion20100801/operation/{Operation},
//     "smithy-protocol: rpc-v2-cbor", CBOR bodies (package cbor).
//   - AWS query (older SDKs, Debian's AWS CLI v2): form-encoded POST with
//     Action and Version, XML answers (package awsquery reads the form).
//   - AWS JSON 1.0 (X-Amz-Target: GraniteServiceVersion20100801.{Operation}),
//     which the model also lists; reachable when the request is signed for
//     "monitoring".
//
// The service is query-compatible (the model's awsQueryCompatible trait):
// CBOR and JSON errors carry x-amzn-query-error "{Code};{Sender|Receiver}"
// so SDKs report the same error codes as over the query protocol.
//
// Tables (keys are store.Key(account, region, ...) with the parts noted):
//
//	cloudwatch.alarms   alarmName → alarmRecord (the PutMetricAlarm input,
//	                    the alarm's state and its timestamps)
package cloudwatch

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

const tAlarms = "cloudwatch.alarms"

// Names of the service on the wire.
const (
	// ServiceShape is the Smithy service shape name, the {serviceName}
	// path segment of RPC v2 CBOR requests and the X-Amz-Target prefix.
	ServiceShape = "GraniteServiceVersion20100801"
	// Namespace is the Smithy namespace of CloudWatch's shapes.
	Namespace = "com.amazonaws.cloudwatch"
	// APIVersion is the query protocol's Version.
	APIVersion = "2010-08-01"
	// XMLNamespace is the namespace of query protocol responses.
	XMLNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"
	// SigningName is the SigV4 service name of CloudWatch.
	SigningName = "monitoring"
)

// Service is the CloudWatch front end: it serves requests the server
// routes to it (see internal/server) with the request's scope.
type Service struct {
	st  store.Store
	clk clock.Clock
	log *slog.Logger
}

// New returns the CloudWatch service over st.
func New(st store.Store, clk clock.Clock) *Service {
	if clk == nil {
		clk = clock.Wall{}
	}
	return &Service{st: st, clk: clk, log: slog.New(slog.DiscardHandler)}
}

// WithLogger makes s log one line per request to l, like the restJson1
// services do, and returns s.
func (s *Service) WithLogger(l *slog.Logger) *Service {
	if l != nil {
		s.log = l
	}
	return s
}

// now is the service time at CloudWatch's resolution (milliseconds).
func (s *Service) now() time.Time { return s.clk.Now().UTC().Truncate(time.Millisecond) }

// Serve answers one CloudWatch request in any of the three protocols.
// scope carries the account, region and request id.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, scope wire.Scope) {
	start := time.Now()
	scope.Service = "cloudwatch"
	w.Header().Set("x-amzn-RequestId", scope.RequestID)
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	proto, opName := s.serve(sw, r, &scope)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", scope.RequestID), slog.String("service", scope.Service),
		slog.String("operation", opName), slog.String("protocol", proto.String()),
		slog.String("method", r.Method), slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", sw.status), slog.String("account", scope.Account),
		slog.String("region", scope.Region), slog.Duration("duration", time.Since(start)))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
