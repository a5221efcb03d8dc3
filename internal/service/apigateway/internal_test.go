package apigateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

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

// The snapshot CreateDeployment stores for an API without customized
// gateway responses is byte for byte what json.Marshal makes of the full
// snapshot.
func TestSnapshotSpliceMatchesMarshal(t *testing.T) {
	ra := api.RestApi{Id: ptr("abc123"), Name: ptr("x<&>y"), BinaryMediaTypes: []string{"image/png"}}
	base := func() *Snapshot {
		return &Snapshot{DeploymentID: "d1", CreatedDate: wire.Epoch(time.Unix(1700000000, 0)), RestApi: ra,
			Resources: []SnapshotResource{{ID: "r", Path: "/"}, {ID: "s", ParentID: "r", PathPart: "a", Path: "/a",
				Methods: map[string]api.Method{"GET": {HttpMethod: ptr("GET"), AuthorizationType: ptr("NONE")}}}},
			Models: map[string]api.Model{"Empty": {Name: ptr("Empty"), Schema: ptr(`{"type":"object"}`)}}}
	}
	full := base()
	full.GatewayResponses = map[string]api.GatewayResponse{}
	for _, typ := range gwrTypes {
		full.GatewayResponses[typ] = *gwrDefault(typ)
	}
	want, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	got, err := snapSpliceGatewayResponses(base(), gwrDefaultsJSON())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("spliced snapshot\n%s\nwant\n%s", got, want)
	}
	if _, err := snapSpliceGatewayResponses(full, gwrDefaultsJSON()); err == nil {
		t.Fatal("splicing into a snapshot that has gateway responses: no error")
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
