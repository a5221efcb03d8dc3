// Command proto holds engine prototypes for the data-plane benchmark
// (docs/performance-dataplane-notes.md): bare HTTP_PROXY-style proxies
// that do the same per-request header work as Stagecraft's HTTP_PROXY
// (request ids, X-Forwarded-*, x-amzn-* headers, response header
// remapping) on different engines, to measure what an engine costs apart
// from the data plane's logic. They are not products: GET/HEAD-sized
// bodies with Content-Length only, no TLS, no chunked encoding.
//
//	proto -engine raw -listen 127.0.0.1:18089 -upstream http://127.0.0.1:18080
//
// -engine nethttp: net/http's server + a synchronous pooled HTTP/1.1 client
// -engine raw:     a minimal goroutine-per-connection server + that client
// -engine epoll:   nginx's shape: edge-triggered epoll loops (epoll.go, linux)
//
// run.sh adds them as rows with DPBENCH_PROTOS=1.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"
)

func main() {
	engine := flag.String("engine", "raw", "nethttp, raw or epoll")
	flag.BoolVar(&epollRawSyscalls, "rawsys", false, "epoll engine: raw system calls (no entersyscall/exitsyscall), epoll_wait included")
	flag.IntVar(&epollLoops, "loops", 0, "epoll engine: event loops (0: GOMAXPROCS)")
	flag.IntVar(&epollProcs, "procs", 0, "epoll engine: set GOMAXPROCS to this after counting the loops (0: leave it)")
	flag.DurationVar(&epollStats, "stats", 0, "epoll engine: print allocations per request at this interval (0: off)")
	listen := flag.String("listen", "127.0.0.1:18089", "loopback address to serve on")
	upstream := flag.String("upstream", "http://127.0.0.1:18080", "loopback upstream URL")
	flag.Parse()
	u, err := url.Parse(*upstream)
	if err == nil {
		err = loopback(u.Host)
	}
	if err == nil {
		err = loopback(*listen)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "proto:", err)
		os.Exit(2)
	}
	pool := &Pool{Addr: u.Host, Timeout: 29 * time.Second}
	switch *engine {
	case "nethttp":
		err = serveNetHTTP(*listen, pool)
	case "raw":
		err = serveRaw(*listen, pool)
	case "epoll":
		err = serveEpoll(*listen, pool)
	default:
		err = fmt.Errorf("unknown -engine %q", *engine)
	}
	fmt.Fprintln(os.Stderr, "proto:", err)
	os.Exit(1)
}

func loopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address", hostport)
	}
	return nil
}
