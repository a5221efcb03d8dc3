package authz_test

import (
	"context"
	"testing"

	"github.com/stagecraft/stagecraft/internal/authz"
)

func TestDenialBodies(t *testing.T) {
	cases := []struct {
		d    *authz.Denial
		want string
	}{
		{&authz.Denial{Message: "Unauthorized"}, `{"message":"Unauthorized"}`},
		{&authz.Denial{Null: true}, `{"message":null}`},
		{&authz.Denial{Message: "a \"b\"\\\n\x01"}, `{"message":"a \"b\"\\\n\u0001"}`},
	}
	for _, tc := range cases {
		if got := tc.d.MessageJSON(); got != tc.want {
			t.Errorf("MessageJSON = %s, want %s", got, tc.want)
		}
	}
	// An authorizer error renders as AWS's REST body.
	a, _ := authz.NewRESTLambda("a", "TOKEN", "method.request.header.Authorization", "", 0)
	id, _ := a.Identity(tokenRequest("t"))
	_, _, err := a.Authorize(context.Background(), nil, "s", id, "arn", (&fakeFunction{out: "[]"}).invoke)
	d := wantDenial(t, err, 500, "AUTHORIZER_CONFIGURATION_ERROR", "", true)
	if d.MessageJSON() != `{"message":null}` || d.ErrorType != "AuthorizerConfigurationException" {
		t.Errorf("denial = %+v", d)
	}
}
