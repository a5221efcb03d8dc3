package apigateway

import (
	"context"
	"encoding/json"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// TestInvokeInput is one TestInvokeMethod run: the method to run and the
// request to run it with.
type TestInvokeInput struct {
	ResourceID          string
	HTTPMethod          string
	PathWithQueryString string // "/pets/7?debug=1"; "" is the resource's own path
	Body                string
	Headers             map[string]string
	MultiValueHeaders   map[string][]string
	StageVariables      map[string]string
}

// TestInvokeOutput is what the method answered, with API Gateway's
// execution log of the run.
type TestInvokeOutput struct {
	Status            int
	Body              string
	Headers           map[string]string
	MultiValueHeaders map[string][]string
	Log               string
	LatencyMillis     int64
}

// TestInvoker runs one method of an API's current (undeployed)
// configuration, frozen into snap, the way the REST data plane would
// serve it, without authorization or API keys. The data plane implements
// it (internal/dataplane imports this package, so it is injected with
// SetTestInvoker).
type TestInvoker interface {
	TestInvoke(ctx context.Context, account, region, apiID string, snap *Snapshot, in *TestInvokeInput) (*TestInvokeOutput, error)
	// TestAuthorize runs authorizer a (its current configuration) with
	// the request of a TestInvokeAuthorizer call.
	TestAuthorize(ctx context.Context, account, region, apiID string, a *api.Authorizer, in *TestAuthorizeInput) (*TestAuthorizeOutput, error)
}

// TestAuthorizeInput is the request a TestInvokeAuthorizer run presents
// to the authorizer.
type TestAuthorizeInput struct {
	PathWithQueryString string
	Body                string
	Headers             map[string]string
	MultiValueHeaders   map[string][]string
	StageVariables      map[string]string
}

// TestAuthorizeOutput is the authorizer's answer: ClientStatus is the
// status the client would have received, 0 when the authorizer allowed
// the request.
type TestAuthorizeOutput struct {
	ClientStatus  int
	PrincipalID   string
	Policy        string // the returned policy document, JSON
	Claims        map[string]string
	Authorization map[string][]string
	Log           string
	LatencyMillis int64
}

// TestInvokeAuthorizer runs an authorizer's current configuration with
// the given request.
func (s *Service) TestInvokeAuthorizer(ctx context.Context, in *api.TestInvokeAuthorizerRequest) (*api.TestInvokeAuthorizerResponse, error) {
	var a *api.Authorizer
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		a, err = get[api.Authorizer](tx, tAuthorizers, key(ctx, in.RestApiId, in.AuthorizerId), errNoAuthorizer())
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.invoker == nil {
		return nil, wire.NotImplemented(api.ServiceName, "TestInvokeAuthorizer")
	}
	sc := wire.ScopeFrom(ctx)
	out, err := s.invoker.TestAuthorize(ctx, sc.Account, sc.Region, in.RestApiId, a, &TestAuthorizeInput{
		PathWithQueryString: str(in.PathWithQueryString),
		Body:                str(in.Body),
		Headers:             in.Headers,
		MultiValueHeaders:   in.MultiValueHeaders,
		StageVariables:      in.StageVariables,
	})
	if err != nil {
		return nil, err
	}
	resp := &api.TestInvokeAuthorizerResponse{
		ClientStatus:  ptr(int32(out.ClientStatus)),
		Log:           ptr(out.Log),
		Latency:       ptr(out.LatencyMillis),
		Claims:        out.Claims,
		Authorization: out.Authorization,
	}
	if out.PrincipalID != "" {
		resp.PrincipalId = ptr(out.PrincipalID)
	}
	if out.Policy != "" {
		resp.Policy = ptr(out.Policy)
	}
	return resp, nil
}

// SetTestInvoker gives the service the engine TestInvokeMethod runs
// methods with. Without one, TestInvokeMethod answers 501.
func (s *Service) SetTestInvoker(ti TestInvoker) { s.invoker = ti }

// testInvokeDeploymentID is $context.deploymentId of a test invocation:
// it runs the live configuration, which no deployment holds.
const testInvokeDeploymentID = "test-invoke-deployment-id"

// TestInvokeMethod runs a method's current configuration (no deployment
// needed) with the given request, skipping authorization and API keys.
func (s *Service) TestInvokeMethod(ctx context.Context, in *api.TestInvokeMethodRequest) (*api.TestInvokeMethodResponse, error) {
	var snap *Snapshot
	err := s.st.View(ctx, func(tx store.Tx) error {
		_, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if m.MethodIntegration == nil {
			return badRequest("No integration defined for method")
		}
		ra, err := s.restAPIShared(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		t, err := s.loadTreeShared(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		b, err := depSnapshotJSON(ctx, tx, ra, t, testInvokeDeploymentID, s.now())
		if err != nil {
			return err
		}
		snap = new(Snapshot)
		return json.Unmarshal(b, snap)
	})
	if err != nil {
		return nil, err
	}
	if s.invoker == nil {
		return nil, wire.NotImplemented(api.ServiceName, "TestInvokeMethod")
	}
	sc := wire.ScopeFrom(ctx)
	out, err := s.invoker.TestInvoke(ctx, sc.Account, sc.Region, in.RestApiId, snap, &TestInvokeInput{
		ResourceID:          in.ResourceId,
		HTTPMethod:          in.HttpMethod,
		PathWithQueryString: str(in.PathWithQueryString),
		Body:                str(in.Body),
		Headers:             in.Headers,
		MultiValueHeaders:   in.MultiValueHeaders,
		StageVariables:      in.StageVariables,
	})
	if err != nil {
		return nil, err
	}
	return &api.TestInvokeMethodResponse{
		Status:            ptr(int32(out.Status)),
		Body:              ptr(out.Body),
		Headers:           out.Headers,
		MultiValueHeaders: out.MultiValueHeaders,
		Log:               ptr(out.Log),
		Latency:           ptr(out.LatencyMillis),
	}, nil
}
