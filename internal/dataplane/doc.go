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
//
// Implemented: routing (spec §8.3), canary split (§7.2), MOCK (§8.4),
// integration response selection and mapping (§8.5), gateway responses
// (§8.6), HTTP and HTTP_PROXY (§8.7), request validation (required
// parameters; bodies against JSON Schema draft-4 models, validate.go).
// Not implemented yet (answer 500 Internal server error and log what is
// missing): AWS and AWS_PROXY (Lambda, AWS services) integrations,
// authorizers and AWS_IAM authorization, API keys and usage plans. Access
// logs, throttling, caching, binary media types / contentHandling and
// custom domain names are not done either.
package dataplane
