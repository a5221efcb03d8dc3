package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
)

// The null server answers every API Gateway call of the workload at once
// with a fixed, valid body and keeps no state. Run under the same SDK
// client on the same machine, it shows the ceiling any server can reach:
// what is left of each call is the client's own CPU, the loopback round
// trip and the kernel. It runs as a child process (cpbench -null-server
// ADDR) so its CPU is measured apart from the client's, as the real
// servers' is.

// nullDeployments is a full first page (AWS's default limit, 25 items) of
// GetDeployments, as large as the page Stagecraft answers once the
// workload has created 25 deployments, so the client parses as much.
var nullDeployments = func() []byte {
	var b strings.Builder
	b.WriteString(`{"item":[`)
	for i := range 25 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"dep%07d","createdDate":1.7e9,"description":"d%d"}`, i, i)
	}
	b.WriteString(`],"position":"next"}`)
	return []byte(b.String())
}()

func nullServer(addr string) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" {
		return fmt.Errorf("null server: %q is not a 127.0.0.1 address", addr)
	}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		p := r.URL.Path
		switch {
		case r.Method == http.MethodGet && p == "/ping":
			w.Write([]byte(`{}`))
		case r.Method == http.MethodPost && p == "/restapis":
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"null000001","name":"bench","rootResourceId":"root000001","createdDate":1.7e9}`))
		case r.Method == http.MethodPost && strings.HasSuffix(p, "/deployments"):
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"dep0000001","createdDate":1.7e9}`))
		case r.Method == http.MethodPost && strings.Contains(p, "/resources/"):
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"res0000001","parentId":"root000001","pathPart":"bench","path":"/bench"}`))
		case r.Method == http.MethodGet && strings.HasSuffix(p, "/deployments"):
			w.Write(nullDeployments)
		case r.Method == http.MethodGet && strings.Contains(p, "/stages/"):
			w.Write([]byte(`{"stageName":"prod","deploymentId":"dep0000001","createdDate":1.7e9,"lastUpdatedDate":1.7e9}`))
		case r.Method == http.MethodPut:
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"null server: unexpected call"}`))
		}
	})
	return http.ListenAndServe(addr, mux)
}

// startNull starts this program again as a null server on port.
func startNull(ctx context.Context, port int) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startProcess(ctx, self, "-null-server", fmt.Sprintf("127.0.0.1:%d", port))
}
