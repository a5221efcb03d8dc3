package apigateway

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/stagecraft/stagecraft/internal/wire"
)

// FuzzUnmarshal holds wire.Unmarshal (the generated DecodeJSON, with its
// fallback) to json.Unmarshal for Stage and Deployment on arbitrary input:
// same value, same error.
func FuzzUnmarshal(f *testing.F) {
	s := "prod"
	n := int32(7)
	pct := 12.5
	on := true
	for _, v := range []any{
		&Stage{StageName: &s, Variables: map[string]string{"a": "b\u2028", "<": ""}, MethodSettings: map[string]MethodSetting{"*/*": {ThrottlingBurstLimit: &n, CachingEnabled: &on}},
			CanarySettings: &CanarySettings{PercentTraffic: &pct}, CreatedDate: wire.EpochTime{}},
		&Deployment{Id: &s, ApiSummary: map[string]map[string]MethodSnapshot{"/x": {"GET": {ApiKeyRequired: &on}}}},
	} {
		b, err := wire.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, seed := range []string{`{"stageName":"\ud83d\ude00\ud800"}`, `{"StageName":"x"}`, `{"id":1e400}`, `{"createdDate":"2020-01-02T03:04:05Z"}`,
		`{"createdDate":1577934245.123,"lastUpdatedDate":null}`, `{"variables":{"a":null,"a":"b"}} `, `{"cacheClusterEnabled":"true"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareUnmarshal[Stage](t, b)
		compareUnmarshal[Deployment](t, b)
	})
}

func compareUnmarshal[T any](t *testing.T, b []byte) {
	fast, slow := new(T), new(T)
	errF := wire.Unmarshal(b, fast)
	errS := json.Unmarshal(b, slow)
	if fmt.Sprint(errF) != fmt.Sprint(errS) || !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%T: wire.Unmarshal %v %+v, json.Unmarshal %v %+v\ninput %q", fast, errF, fast, errS, slow, b)
	}
}
