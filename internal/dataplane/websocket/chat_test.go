package websocket_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	mgmt "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	mgmttypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/smithy-go"
	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

// TestChat is the classic WebSocket chat: $connect records the
// connection (refusing clients without a name), "sendmessage" broadcasts
// through the @connections API from inside the function, $disconnect
// forgets the connection, $default answers through a two-way MOCK route.
func TestChat(t *testing.T) {
	lam := lambdatest.Start(t)
	hs := newHarness(t, withLambda(lam.URL))
	id := hs.api("chat", "$request.body.action")

	var mu sync.Mutex
	names := map[string]string{} // connection id → name
	lambdatest.Handle(lam, "connect", func(ctx context.Context, e events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		name := e.QueryStringParameters["name"]
		if name == "" {
			return events.APIGatewayProxyResponse{StatusCode: 403, Body: "no name"}, nil
		}
		mu.Lock()
		names[e.RequestContext.ConnectionID] = name
		mu.Unlock()
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	mc := hs.mgmt(id, "prod")
	lambdatest.Handle(lam, "send", func(ctx context.Context, e events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		var msg struct {
			Text string `json:"text"`
		}
		json.Unmarshal([]byte(e.Body), &msg)
		mu.Lock()
		from := names[e.RequestContext.ConnectionID]
		var ids []string
		for cid := range names {
			ids = append(ids, cid)
		}
		mu.Unlock()
		for _, cid := range ids {
			if _, err := mc.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: aws.String(cid), Data: []byte(from + ": " + msg.Text)}); err != nil {
				return events.APIGatewayProxyResponse{}, err
			}
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	lambdatest.Handle(lam, "disconnect", func(ctx context.Context, e events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		mu.Lock()
		delete(names, e.RequestContext.ConnectionID)
		mu.Unlock()
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	hs.route(id, "$connect", hs.lambdaInteg(id, "connect"), false, nil)
	hs.route(id, "sendmessage", hs.lambdaInteg(id, "send"), false, nil)
	hs.route(id, "$disconnect", hs.lambdaInteg(id, "disconnect"), false, nil)
	hs.route(id, "$default", hs.mock(id, 200, `{"error":"unknown action","route":"$context.routeKey","id":"$context.connectionId"}`), true, nil)
	hs.stage(id, "prod")

	// $connect refuses with the function's status.
	_, res, err := hs.dial(id, "prod", "", nil)
	if err == nil || res == nil || res.StatusCode != 403 {
		t.Fatalf("dial without a name: %v %v", err, res)
	}
	alice := hs.mustDial(id, "prod", "?name=alice")
	bob := hs.mustDial(id, "prod", "?name=bob")

	mu.Lock()
	var aliceID, bobID string
	for cid, n := range names {
		if len(cid) != 16 || !strings.HasSuffix(cid, "=") {
			t.Errorf("connection id %q is not 16 characters ending in '='", cid)
		}
		if n == "alice" {
			aliceID = cid
		} else {
			bobID = cid
		}
	}
	mu.Unlock()
	var ce events.APIGatewayWebsocketProxyRequest
	lam.Last(t, "connect").Decode(t, &ce)
	if rc := ce.RequestContext; rc.EventType != "CONNECT" || rc.RouteKey != "$connect" || rc.Stage != "prod" || rc.APIID != id ||
		rc.Identity.SourceIP != "127.0.0.1" || rc.ConnectedAt == 0 || ce.Headers["Host"] == "" {
		t.Errorf("CONNECT event %+v", ce)
	}

	// Route by action; the function broadcasts through @connections.
	send(t, alice, `{"action":"sendmessage","text":"hi"}`)
	if got := read(t, alice); got != "alice: hi" {
		t.Fatalf("alice got %q", got)
	}
	if got := read(t, bob); got != "alice: hi" {
		t.Fatalf("bob got %q", got)
	}
	var me events.APIGatewayWebsocketProxyRequest
	lam.Last(t, "send").Decode(t, &me)
	if rc := me.RequestContext; rc.EventType != "MESSAGE" || rc.RouteKey != "sendmessage" || rc.ConnectionID != aliceID || rc.MessageID == "" ||
		me.Body != `{"action":"sendmessage","text":"hi"}` {
		t.Errorf("MESSAGE event %+v", me)
	}
	// Unknown actions and non-JSON go to $default, whose MOCK answers.
	send(t, bob, `{"action":"dance"}`)
	if got := read(t, bob); got != `{"error":"unknown action","route":"$default","id":"`+bobID+`"}` {
		t.Fatalf("bob got %q", got)
	}
	send(t, bob, `not json`)
	if got := read(t, bob); !strings.Contains(got, `"route":"$default"`) {
		t.Fatalf("bob got %q", got)
	}

	// GetConnection.
	ctx := context.Background()
	info, err := mc.GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: &bobID})
	if err != nil {
		t.Fatal(err)
	}
	if info.Identity == nil || *info.Identity.SourceIp != "127.0.0.1" || info.ConnectedAt == nil || info.LastActiveAt == nil ||
		info.LastActiveAt.Before(*info.ConnectedAt) || time.Since(*info.ConnectedAt) > time.Minute {
		t.Errorf("GetConnection %+v", info)
	}
	// Unknown connection: 410 GoneException.
	expectGone(t, func() error {
		_, err := mc.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: aws.String("AAAAAAAAAAAAAAA="), Data: []byte("x")})
		return err
	})
	// Another stage's endpoint does not reach the connection.
	expectGone(t, func() error {
		_, err := hs.mgmt(id, "other").GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: &bobID})
		return err
	})
	// Payload over 128 KB: 413.
	_, err = mc.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: &bobID, Data: make([]byte, 128<<10+1)})
	var tooLarge *mgmttypes.PayloadTooLargeException
	if !errors.As(err, &tooLarge) {
		t.Fatalf("oversized post: %v", err)
	}

	// DeleteConnection closes bob; $disconnect runs; bob is gone.
	if _, err := mc.DeleteConnection(ctx, &mgmt.DeleteConnectionInput{ConnectionId: &bobID}); err != nil {
		t.Fatal(err)
	}
	if code := closeStatus(t, bob); code != ws.StatusNormalClosure {
		t.Errorf("bob closed with %d", code)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	lam.WaitInvocations(dctx, t, "disconnect", 1)
	var de events.APIGatewayWebsocketProxyRequest
	lam.Last(t, "disconnect").Decode(t, &de)
	if de.RequestContext.EventType != "DISCONNECT" || de.RequestContext.ConnectionID != bobID || de.RequestContext.RouteKey != "$disconnect" {
		t.Errorf("DISCONNECT event %+v", de)
	}
	expectGone(t, func() error {
		_, err := mc.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: &bobID, Data: []byte("x")})
		return err
	})
	expectGone(t, func() error {
		_, err := mc.DeleteConnection(ctx, &mgmt.DeleteConnectionInput{ConnectionId: &bobID})
		return err
	})

	// alice leaves; her close code reaches $disconnect.
	alice.Close(ws.StatusNormalClosure, "bye")
	lam.WaitInvocations(dctx, t, "disconnect", 2)
	var ae map[string]any
	lam.Last(t, "disconnect").Decode(t, &ae)
	rc, _ := ae["requestContext"].(map[string]any)
	if rc["connectionId"] != aliceID || rc["disconnectStatusCode"] != float64(1000) || rc["disconnectReason"] != "bye" {
		t.Errorf("alice's DISCONNECT event %v", ae)
	}
	expectGone(t, func() error {
		_, err := mc.GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: &aliceID})
		return err
	})
	if n := hs.h.Hub().Len(); n != 0 {
		t.Errorf("%d connections still registered", n)
	}
	_ = sdk.CreateApiInput{}
	_ = http.StatusOK
}

func expectGone(t *testing.T, f func() error) {
	t.Helper()
	err := f()
	var gone *mgmttypes.GoneException
	if !errors.As(err, &gone) {
		t.Fatalf("want GoneException, got %v", err)
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != 410 {
		t.Fatalf("GoneException with status %d", re.HTTPStatusCode())
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() != "GoneException" {
		t.Fatalf("error code %s", ae.ErrorCode())
	}
}
