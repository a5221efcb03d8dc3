package apigateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

func TestSdkTypes(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()

	// Paging: the Go SDK leaves "position" out of GetSdkTypesOutput, so
	// the pages are read over plain HTTP (as the CLI does).
	type page struct {
		Item     []struct{ Id string }
		Position *string
	}
	var ids []string
	pos := ""
	for pages := 0; ; pages++ {
		u := env.URL + "/sdktypes?limit=4"
		if pos != "" {
			u += "&position=" + url.QueryEscape(pos)
		}
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var pg page
		err = json.NewDecoder(resp.Body).Decode(&pg)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %v", resp.StatusCode, err)
		}
		for _, it := range pg.Item {
			ids = append(ids, it.Id)
		}
		if pg.Position == nil {
			if pages != 1 {
				t.Fatalf("%d pages", pages+1)
			}
			break
		}
		pos = *pg.Position
	}
	all, err := c.GetSdkTypes(ctx, &sdk.GetSdkTypesInput{})
	if err != nil || len(all.Items) != 6 {
		t.Fatalf("%v %+v", err, all)
	}
	want := []string{"android", "java", "javascript", "objectivec", "ruby", "swift"}
	if len(ids) != len(want) {
		t.Fatalf("ids %v", ids)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("ids %v", ids)
		}
	}

	// The documented required parameters of GetSdk.
	required := map[string][]string{
		"android":    {"groupId", "artifactId", "artifactVersion", "invokerPackage"},
		"java":       {"serviceName", "javaPackageName"},
		"javascript": nil,
		"objectivec": {"classPrefix"},
		"swift":      {"classPrefix"},
		"ruby":       {"service.name"},
	}
	for id, req := range required {
		st, err := c.GetSdkType(ctx, &sdk.GetSdkTypeInput{Id: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if *st.Id != id || aws.ToString(st.FriendlyName) == "" || aws.ToString(st.Description) == "" {
			t.Fatalf("%s: %+v", id, st)
		}
		var got []string
		for _, p := range st.ConfigurationProperties {
			if aws.ToString(p.Name) == "" || aws.ToString(p.FriendlyName) == "" {
				t.Fatalf("%s: property %+v", id, p)
			}
			if p.Required {
				got = append(got, *p.Name)
			}
		}
		if len(got) != len(req) {
			t.Fatalf("%s: required %v, want %v", id, got, req)
		}
		for i := range req {
			if got[i] != req[i] {
				t.Fatalf("%s: required %v, want %v", id, got, req)
			}
		}
	}

	_, err = c.GetSdkType(ctx, &sdk.GetSdkTypeInput{Id: aws.String("cobol")})
	apiErr(t, err, "NotFoundException", "Invalid SDK type identifier specified")
	_, err = c.GetSdkTypes(ctx, &sdk.GetSdkTypesInput{Position: aws.String("!!")})
	apiErr(t, err, "BadRequestException", "Invalid position parameter")
}
