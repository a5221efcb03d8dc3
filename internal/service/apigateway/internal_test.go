package apigateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// key and prefix build in one allocation what store.Key and store.Prefix
// build from the scope and the parts.
func TestKeyMatchesStoreKey(t *testing.T) {
	ctx := wire.WithScope(context.Background(), wire.Scope{Account: "123456789012", Region: "eu-west-1"})
	for _, parts := range [][]string{nil, {"a"}, {"abc", "def"}, {"", "x", ""}} {
		all := append([]string{"123456789012", "eu-west-1"}, parts...)
		if got, want := key(ctx, parts...), store.Key(all...); got != want {
			t.Errorf("key(%q) = %q, want %q", parts, got, want)
		}
		if got, want := prefix(ctx, parts...), store.Prefix(all...); got != want {
			t.Errorf("prefix(%q) = %q, want %q", parts, got, want)
		}
	}
}

// Snapshots hold only the customized gateway responses; snapshots of
// earlier versions hold every type resolved (customization, default, or
// inherited from a customized DEFAULT_4XX/5XX). EffectiveGatewayResponse
// gives the same response for every type from either form.
func TestEffectiveGatewayResponseBothSnapshotForms(t *testing.T) {
	for name, custom := range map[string]map[string]api.GatewayResponse{
		"none": nil,
		"classes and one type": {
			"DEFAULT_4XX": {ResponseType: ptr("DEFAULT_4XX"), DefaultResponse: ptr(false), StatusCode: ptr("418"),
				ResponseParameters: map[string]string{"gatewayresponse.header.X-Four": "'4'"},
				ResponseTemplates:  map[string]string{"application/json": `{"four":1}`, "text/plain": "four"}},
			"DEFAULT_5XX": {ResponseType: ptr("DEFAULT_5XX"), DefaultResponse: ptr(false),
				ResponseParameters: map[string]string{"gatewayresponse.header.X-Five": "'5'"}, ResponseTemplates: map[string]string{}},
			"ACCESS_DENIED": {ResponseType: ptr("ACCESS_DENIED"), DefaultResponse: ptr(false), StatusCode: ptr("403"),
				ResponseParameters: map[string]string{}, ResponseTemplates: map[string]string{"application/json": `{"denied":true}`}},
		},
	} {
		full := map[string]api.GatewayResponse{}
		for _, typ := range GatewayResponseTypes() {
			full[typ] = EffectiveGatewayResponse(typ, custom)
		}
		for _, typ := range GatewayResponseTypes() {
			got, want := EffectiveGatewayResponse(typ, custom), EffectiveGatewayResponse(typ, full)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if !bytes.Equal(gb, wb) {
				t.Errorf("%s: %s: from customizations %s, from the full map %s", name, typ, gb, wb)
			}
			if _, ok := custom[typ]; !ok && custom[gwrParent(typ)].ResponseType == nil {
				db, _ := json.Marshal(gwrDefault(typ))
				if !bytes.Equal(gb, db) {
					t.Errorf("%s: %s: %s, want the default %s", name, typ, gb, db)
				}
			}
		}
	}
}

func TestDocCache(t *testing.T) {
	var c docCache[api.Deployment]
	a, err := c.decode("k", []byte(`{"id":"a","createdDate":1700000000}`))
	if err != nil || str(a.Id) != "a" || a.CreatedDate.Unix() != 1700000000 {
		t.Fatalf("decode: %+v, %v", a, err)
	}
	if again, _ := c.decode("k", []byte(`{"id":"a","createdDate":1700000000}`)); again != a {
		t.Fatal("same key and bytes: decoded again instead of reused")
	}
	b, err := c.decode("k", []byte(`{"id":"a","description":"new","createdDate":1700000000}`))
	if err != nil || b == a || str(b.Description) != "new" {
		t.Fatalf("changed bytes under the same key: got %+v, %v", b, err)
	}
	if _, err := c.decode("bad", []byte(`{"id":`)); err == nil {
		t.Fatal("invalid JSON: no error")
	}
	for i := 0; i <= docCacheMax; i++ {
		c.decode(fmt.Sprint(i), []byte(`{}`))
	}
	if len(c.m) > docCacheMax {
		t.Fatalf("cache holds %d records, bound is %d", len(c.m), docCacheMax)
	}
}
