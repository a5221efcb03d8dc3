// Package wire is Stagecraft's generic restJson1 server codec: the
// counterpart of the AWS SDKs' restJson1 serializers.
//
//	HTTP request ──► Router.Route (method + escaped path + fixed query)
//	            ──► Operation.Handle (generated per operation in internal/api/<service>):
//	                  bind path labels, query, headers and the JSON body or blob payload
//	                  into the input struct; validate model constraints (Violations)
//	            ──► Service method (hand-written, internal/service/<service>)
//	            ──► Request.WriteJSON / WriteBlob / WriteEmpty, or WriteError
//
// Nothing in here knows a particular service: the generated packages hold
// the tables, and the services hold the logic. Errors a service returns are
// answered the way AWS does (status, x-amzn-ErrorType, x-amzn-RequestId and
// a JSON body with the error's members) when they implement APIError;
// anything else is a 500 InternalFailure that does not leak internals.
package wire
