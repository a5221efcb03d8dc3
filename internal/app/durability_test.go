package app_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// TestAcknowledgedWritesSurviveKill9 drives the real binary with
// concurrent writers, kills it with SIGKILL after a random number of
// acknowledged writes (while other writes are in flight), restarts it on
// the same data directory, and checks that every write it acknowledged is
// there. Three rounds accumulate on one data directory.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	dataDir := t.TempDir()
	type ack struct{ apiID, resourceID string }
	var acked []ack
	for round := 0; round < 3; round++ {
		env := testenv.StartBinary(t, dataDir)
		c := env.APIGateway()
		killAfter := 20 + rand.IntN(60)
		var (
			mu    sync.Mutex
			count int
			wg    sync.WaitGroup
			kill  = make(chan struct{})
			once  sync.Once
		)
		ctx, cancel := context.WithCancel(context.Background())
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("durable")})
					if err != nil {
						return // the node is gone
					}
					res, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: ra.RootResourceId, PathPart: aws.String("p")})
					mu.Lock()
					a := ack{apiID: *ra.Id}
					if err == nil {
						a.resourceID = *res.Id
					}
					acked = append(acked, a)
					count++
					if count >= killAfter {
						once.Do(func() { close(kill) })
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
		select {
		case <-kill:
		case <-time.After(60 * time.Second):
			t.Fatal("writers made no progress")
		}
		env.Cmd.Process.Signal(syscall.SIGKILL)
		env.Cmd.Wait()
		cancel()
		wg.Wait()

		// Restart and look for every acknowledged write.
		env2 := testenv.StartBinary(t, dataDir)
		c2 := env2.APIGateway()
		mu.Lock()
		for _, a := range acked {
			if _, err := c2.GetRestApi(context.Background(), &sdk.GetRestApiInput{RestApiId: aws.String(a.apiID)}); err != nil {
				t.Fatalf("round %d: acknowledged API %s lost: %v", round, a.apiID, err)
			}
			if a.resourceID != "" {
				if _, err := c2.GetResource(context.Background(), &sdk.GetResourceInput{RestApiId: aws.String(a.apiID), ResourceId: aws.String(a.resourceID)}); err != nil {
					t.Fatalf("round %d: acknowledged resource %s/%s lost: %v", round, a.apiID, a.resourceID, err)
				}
			}
		}
		t.Logf("round %d: killed after %d acknowledged writes; all %d acknowledged APIs present", round, killAfter, len(acked))
		mu.Unlock()
		env2.Kill()
	}
}

// TestGracefulShutdownOnSIGTERM: SIGTERM lets the node finish and exit 0,
// and the data directory is reusable at once (the store lock is released).
func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	dataDir := t.TempDir()
	env := testenv.StartBinary(t, dataDir)
	c := env.APIGateway()
	ra, err := c.CreateRestApi(context.Background(), &sdk.CreateRestApiInput{Name: aws.String("before-term")})
	if err != nil {
		t.Fatal(err)
	}
	env.Cmd.Process.Signal(syscall.SIGTERM)
	if err := env.Cmd.Wait(); err != nil {
		t.Fatalf("stagecraft did not exit cleanly on SIGTERM: %v", err)
	}
	env2 := testenv.StartBinary(t, dataDir)
	if _, err := env2.APIGateway().GetRestApi(context.Background(), &sdk.GetRestApiInput{RestApiId: ra.Id}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(env2.URL + "/_stagecraft/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health after restart: %v %v", err, resp)
	}
}
