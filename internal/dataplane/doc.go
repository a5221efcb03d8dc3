// Package dataplane serves deployed REST API stages (execute-api) the way
// API Gateway does: it resolves {apiId}/{stage} to the stage's deployment
// (or, for a share of requests, its canary deployment), routes the path
// and method against that deployment's snapshot, runs the integration and
// answers errors through the API's gateway responses.
//
// Compiled state. Nothing on the request path touches the store, decodes
// JSON of a snapshot, parses a template or compiles a regular expression:
//
//   - compiled (dataplane.go) is an immutable view of every account,
//     region, API and stage, held in an atomic.Pointer and swapped whole.
//     A request loads it once, so a swap never drops or mixes a request.
//   - Each stage entry carries its live settings (variables, canary split
//     and overrides) and points at compiled deployments.
//   - A deployment (compile.go) is a compiled snapshot: a resource trie
//     (router.go), parsed VTL templates, compiled selection patterns,
//     parsed parameter mappings and gateway responses. Snapshots are
//     immutable, so compiled deployments are cached by (account, region,
//     apiId, deploymentId) and reused across rebuilds; a rebuild scans the
//     stages table, reuses stages whose stored bytes did not change, and
//     compiles only deployments it has not seen.
//   - Changes are learnt two ways: store.Watch triggers a background
//     rebuild, and every request compares store.Revision (an atomic load)
//     with the compiled revision and, when the store is newer, rebuilds
//     first (single flight) — so the request after a CreateDeployment or
//     UpdateStage already sees it.
//   - The same rebuild reads API keys, usage plans and account throttles
//     (compiled to quota.KeyIndex and limits only when those rows
//     changed), custom domain base path mappings, the routing modes and
//     routing rules of custom domain names (routing.go), and the
//     authorizer cache epochs.
//
// The request path, in order: resolve the stage (execute-api host or
// path forms, or a custom domain name through its routing rules and then,
// as its routing mode says, its base path mappings, domain.go and
// routing.go), pick the deployment (canary split), route, then
// authorization (auth.go: Lambda TOKEN/REQUEST authorizers through
// internal/authz with the result cache, Cognito user pool tokens, AWS_IAM
// SigV4), the API key and throttling/quota layers (usage.go through
// internal/quota), request validation, and the integration: MOCK (§8.4),
// HTTP and HTTP_PROXY (§8.7), AWS_PROXY and AWS with Lambda (lambda.go,
// through internal/lambda and Config.Lambda). Errors are answered through
// the deployment's gateway responses (§8.6). binary.go holds the binary
// media type conversions (contentHandling) and payload compression
// (minimumCompressionSize); accesslog.go the stage access logs.
//
// Usage plan counts live in memory on the request path; Sync (every
// Config.SyncInterval, and on Close) writes them to the store and reads
// back other nodes' counts and UpdateUsage's extensions, which is what the
// control plane's GetUsage reports. FlushStageAuthorizersCache bumps an
// epoch in apigw.authcache; a rebuild that sees it change drops the
// stage's cached authorizer results.
//
// Not implemented (answer 500 Internal server error and log what is
// missing): AWS service integrations other than Lambda, VPC links, the
// response cache (cachingEnabled), IAM policy evaluation for AWS_IAM
// methods (a valid signature is allowed), resource policies, mutual TLS
// and client certificates.
package dataplane
