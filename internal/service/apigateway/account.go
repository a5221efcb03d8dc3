package apigateway

import (
	"context"
	"errors"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// The Account resource: API Gateway's per-account, per-region settings.
// Until UpdateAccount writes one, an account reads as AWS shows a fresh
// account [D: GetAccount example]: the default account-level throttle
// (burst 5000, rate 10000), usage plans enabled, API key version 4, and no
// CloudWatch role.

const acctAccountKey = "account"

func acctDefaultAccount() *api.Account {
	return &api.Account{
		ThrottleSettings: &api.ThrottleSettings{BurstLimit: ptr(int32(5000)), RateLimit: ptr(10000.0)},
		Features:         []string{"UsagePlans"},
		ApiKeyVersion:    ptr("4"),
	}
}

func acctLoadAccount(ctx context.Context, tx store.Tx) (*api.Account, error) {
	a, err := store.GetJSON[api.Account](tx, tAccount, key(ctx, acctAccountKey))
	if errors.Is(err, store.ErrNotFound) {
		return acctDefaultAccount(), nil
	}
	return a, err
}

func (s *Service) GetAccount(ctx context.Context, _ *api.GetAccountRequest) (*api.Account, error) {
	var out *api.Account
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = acctLoadAccount(ctx, tx)
		return err
	})
	return out, err
}

// UpdateAccount supports [D: patch operations table, and the documented
// "op=add,path=/features,value=UsagePlans" migration call]:
//
//	/cloudwatchRoleArn  replace (an empty value clears it), remove
//	/features           add, remove; the value is the feature name
//
// The role is not checked against IAM: AWS verifies that API Gateway can
// assume it, which needs an IAM service this product does not have.
func (s *Service) UpdateAccount(ctx context.Context, in *api.UpdateAccountRequest) (*api.Account, error) {
	var out *api.Account
	err := s.st.Update(ctx, func(tx store.Tx) error {
		a, err := acctLoadAccount(ctx, tx)
		if err != nil {
			return err
		}
		for _, o := range in.PatchOperations {
			op, path, val := str(o.Op), str(o.Path), str(o.Value)
			switch {
			case path == "/cloudwatchRoleArn" && op == "replace":
				a.CloudwatchRoleArn = nil
				if val != "" {
					a.CloudwatchRoleArn = ptr(val)
				}
			case path == "/cloudwatchRoleArn" && op == "remove":
				a.CloudwatchRoleArn = nil
			case path == "/features" && op == "add":
				if val != "" && !acctContains(a.Features, val) {
					a.Features = append(a.Features, val)
				}
			case path == "/features" && op == "remove":
				kept := []string{}
				for _, f := range a.Features {
					if f != val {
						kept = append(kept, f)
					}
				}
				a.Features = kept
			default:
				return errInvalidPatch(op, path)
			}
		}
		out = a
		return store.PutJSON(tx, tAccount, key(ctx, acctAccountKey), a)
	})
	return out, err
}
