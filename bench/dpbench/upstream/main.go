// Command upstream is the backend of the data-plane benchmark
// (bench/dpbench/run.sh): a plain net/http server that answers every
// request with the same small JSON body, so that what a proxy in front of
// it adds is all that differs between the "direct" row and the proxy rows.
//
//	upstream -listen 127.0.0.1:18080
//
// It refuses to listen anywhere but loopback.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
)

// Body is what every request gets (32 bytes).
const Body = `{"ok":true,"from":"dpbench-up"}` + "\n"

func main() {
	listen := flag.String("listen", "127.0.0.1:18080", "loopback address to serve on")
	flag.Parse()
	host, _, err := net.SplitHostPort(*listen)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "upstream: -listen must be a loopback address, not %q\n", *listen)
		os.Exit(2)
	}
	body := []byte(Body)
	clen := []string{strconv.Itoa(len(body))}
	ctype := []string{"application/json"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr["Content-Type"] = ctype
		hdr["Content-Length"] = clen
		w.Write(body)
	})
	if err := http.ListenAndServe(*listen, h); err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
}
