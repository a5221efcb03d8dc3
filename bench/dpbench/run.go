package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"
)

// runOpts are "dpbench run"'s flags.
type runOpts struct {
	bin       string // directory with stagecraft and upstream
	work      string // logs, configs, data dir, results
	sutCPU    string // the core the proxy and the upstream share
	clientCPU string // the core wrk runs on
	duration  time.Duration
	warmup    time.Duration
	reps      int
	conns     []int
	portBase  int
	only      map[string]bool
	perfDir   string
	strict    bool
	extra     []string // name=command [args]: more proxies, started as command [args] -listen ADDR -upstream URL
}

// target is one row of the table: a URL wrk drives and the processes
// whose CPU counts as the system under test.
type target struct {
	name     string
	url      string
	host     string // Host header, "" for the URL's
	sut      []*proc
	upstream bool   // goes through the upstream (whose CPU is counted apart)
	expect   string // a substring of a good answer's body
}

// sample is one measured wrk run.
type sample struct {
	target   string
	conns    int
	rep      int
	wrk      wrkResult
	sutUs    float64 // SUT CPU µs per request
	upUs     float64 // upstream CPU µs per request (proxies)
	clientPc float64 // wrk's CPU, % of one core
	foreign  float64 // % of the SUT core used by processes that are not ours
	cforeign float64 // % of the client core used by processes other than wrk
	softirq  float64 // % of the SUT core in irq/softirq
}

const upBodyMark = `"from":"dpbench-up"`

func runMain(args []string) int {
	var o runOpts
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	fs.StringVar(&o.bin, "bin", "", "directory holding the stagecraft and upstream binaries (required)")
	fs.StringVar(&o.work, "work", "", "directory for configs, logs and results (required)")
	fs.StringVar(&o.sutCPU, "sut-cpu", "1", "CPU the system under test and the upstream share")
	fs.StringVar(&o.clientCPU, "client-cpu", "0", "CPU wrk runs on")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "length of each measured wrk run")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured wrk run before each measured one")
	fs.IntVar(&o.reps, "reps", 3, "measured runs per target and concurrency (the table shows the median)")
	conns := fs.String("c", "1,64", "wrk connection counts: 1 gives latency, 64 throughput")
	fs.IntVar(&o.portBase, "port-base", 18080, "first of 7 (plus one per -extra) consecutive loopback ports")
	only := fs.String("targets", "", "comma-separated subset of: direct,nginx,caddy,haproxy,go-httputil,stagecraft-proxy,stagecraft-mock,stagecraft-httpapi and the names of -extra rows (default all available)")
	fs.StringVar(&o.perfDir, "perf", "", "after measuring, record `perf` profiles of the stagecraft, nginx, go-httputil and proto-* targets at the highest concurrency into this directory")
	fs.BoolVar(&o.strict, "strict", false, "exit 3 when a goal is not met")
	fs.Func("extra", "`name=command [args]`: one more proxy row (repeatable), started pinned as: command [args] -listen 127.0.0.1:PORT -upstream http://127.0.0.1:UPPORT", func(v string) error {
		name, cmd, ok := strings.Cut(v, "=")
		if !ok || name == "" || strings.TrimSpace(cmd) == "" {
			return fmt.Errorf("want name=command [args], not %q", v)
		}
		o.extra = append(o.extra, v)
		return nil
	})
	fs.Parse(args)
	if o.bin == "" || o.work == "" {
		fmt.Fprintln(os.Stderr, "dpbench run: -bin and -work are required")
		return 2
	}
	for _, s := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "dpbench run: bad -c %q\n", *conns)
			return 2
		}
		o.conns = append(o.conns, n)
	}
	if *only != "" {
		o.only = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			o.only[strings.TrimSpace(s)] = true
		}
	}
	b := &bench{o: o}
	// Ctrl-C or SIGTERM: stop everything we started, then leave.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "dpbench: %v: stopping\n", s)
		if c := b.client.Load(); c != nil && c.Process != nil {
			c.Process.Kill() // wrk or perf
		}
		b.stopAll()
		os.Exit(130)
	}()
	code := b.run()
	b.stopAll()
	return code
}

type bench struct {
	o       runOpts
	client  atomic.Pointer[exec.Cmd] // the wrk or perf running now
	procs   []*proc
	up      *proc
	targets []*target
	samples []sample
	failed  []string
}

func (b *bench) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "FAIL:", msg)
	b.failed = append(b.failed, msg)
}

func (b *bench) stopAll() {
	for i := len(b.procs) - 1; i >= 0; i-- {
		b.procs[i].stop()
	}
	b.procs = nil
}

func (b *bench) want(name string) bool { return b.o.only == nil || b.o.only[name] }

func (b *bench) addr(i int) string { return "127.0.0.1:" + strconv.Itoa(b.o.portBase+i) }

func (b *bench) start(name string, env []string, argv ...string) (*proc, error) {
	p, err := startPinned(b.o.work, name, b.o.sutCPU, env, argv...)
	if err != nil {
		return nil, err
	}
	b.procs = append(b.procs, p)
	return p, nil
}

// waitListen waits until addr accepts connections or p exits.
func waitListen(p *proc, addr string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%s exited while starting; log:\n%s", p.name, p.logTail())
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not listen on %s in 15s; log:\n%s", p.name, addr, p.logTail())
}

func (b *bench) run() int {
	for _, tool := range []string{"taskset", "wrk"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "dpbench run: %s is not installed\n", tool)
			return 2
		}
	}
	if err := b.startAll(); err != nil {
		b.fail("%v", err)
		return 1
	}
	for _, t := range b.targets {
		if err := verify(t); err != nil {
			b.fail("%s: %v", t.name, err)
		}
	}
	if len(b.failed) > 0 {
		return 1
	}
	b.printSetup()
	for rep := 1; rep <= b.o.reps; rep++ {
		for _, c := range b.o.conns {
			for _, t := range b.targets {
				b.measure(t, c, rep)
				if len(b.failed) > 0 && b.anyDied() {
					return 1
				}
			}
		}
	}
	b.writeRaw()
	goalsMet := b.report()
	if b.o.perfDir != "" {
		b.profile()
	}
	switch {
	case len(b.failed) > 0:
		fmt.Fprintf(os.Stderr, "dpbench: %d failure(s)\n", len(b.failed))
		return 1
	case b.o.strict && !goalsMet:
		return 3
	}
	return 0
}

func (b *bench) anyDied() bool {
	for _, p := range b.procs {
		if p.exited() {
			return true
		}
	}
	return false
}

// startAll starts the upstream and every proxy, pinned to the SUT core.
func (b *bench) startAll() error {
	w := b.o.work
	upAddr := b.addr(0)
	up, err := b.start("upstream", nil, filepath.Join(b.o.bin, "upstream"), "-listen", upAddr)
	if err != nil {
		return err
	}
	if err := waitListen(up, upAddr); err != nil {
		return err
	}
	b.up = up
	upURL := "http://" + upAddr
	if b.want("direct") {
		b.targets = append(b.targets, &target{name: "direct", url: upURL + "/items/1", sut: []*proc{up}, expect: upBodyMark})
	}

	if b.want("nginx") {
		if _, err := exec.LookPath("nginx"); err != nil {
			fmt.Fprintln(os.Stderr, "dpbench: nginx is not installed; skipping it (apt-get install nginx)")
		} else {
			addr := b.addr(1)
			conf := filepath.Join(w, "nginx.conf")
			os.MkdirAll(filepath.Join(w, "nginx"), 0o777)
			if err := os.WriteFile(conf, []byte(nginxConf(w, addr, upAddr)), 0o644); err != nil {
				return err
			}
			p, err := b.start("nginx", nil, "nginx", "-p", filepath.Join(w, "nginx"), "-c", conf, "-e", "stderr")
			if err != nil {
				return err
			}
			if err := waitListen(p, addr); err != nil {
				return err
			}
			b.targets = append(b.targets, &target{name: "nginx", url: "http://" + addr + "/items/1", sut: []*proc{p}, upstream: true, expect: upBodyMark})
		}
	}

	if b.want("caddy") {
		if _, err := exec.LookPath("caddy"); err != nil {
			fmt.Fprintln(os.Stderr, "dpbench: caddy is not installed; skipping it (apt-get install caddy)")
		} else {
			addr := b.addr(2)
			conf := filepath.Join(w, "Caddyfile")
			if err := os.WriteFile(conf, []byte(caddyConf(addr, upAddr)), 0o644); err != nil {
				return err
			}
			home := filepath.Join(w, "caddy-home")
			os.MkdirAll(home, 0o777)
			env := []string{"HOME=" + home, "XDG_DATA_HOME=" + home, "XDG_CONFIG_HOME=" + home}
			p, err := b.start("caddy", env, "caddy", "run", "--config", conf, "--adapter", "caddyfile")
			if err != nil {
				return err
			}
			if err := waitListen(p, addr); err != nil {
				return err
			}
			b.targets = append(b.targets, &target{name: "caddy", url: "http://" + addr + "/items/1", sut: []*proc{p}, upstream: true, expect: upBodyMark})
		}
	}

	if b.want("haproxy") {
		if _, err := exec.LookPath("haproxy"); err == nil {
			addr := b.addr(3)
			conf := filepath.Join(w, "haproxy.cfg")
			if err := os.WriteFile(conf, []byte(haproxyConf(addr, upAddr)), 0o644); err != nil {
				return err
			}
			p, err := b.start("haproxy", nil, "haproxy", "-db", "-f", conf)
			if err != nil {
				return err
			}
			if err := waitListen(p, addr); err != nil {
				return err
			}
			b.targets = append(b.targets, &target{name: "haproxy", url: "http://" + addr + "/items/1", sut: []*proc{p}, upstream: true, expect: upBodyMark})
		} else if b.o.only != nil {
			fmt.Fprintln(os.Stderr, "dpbench: haproxy is not installed; skipping it")
		}
	}

	if b.want("go-httputil") {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		addr := b.addr(4)
		p, err := b.start("go-httputil", nil, self, "goproxy", "-listen", addr, "-upstream", upURL)
		if err != nil {
			return err
		}
		if err := waitListen(p, addr); err != nil {
			return err
		}
		b.targets = append(b.targets, &target{name: "go-httputil", url: "http://" + addr + "/items/1", sut: []*proc{p}, upstream: true, expect: upBodyMark})
	}

	for i, e := range b.o.extra {
		name, cmd, _ := strings.Cut(e, "=")
		if b.o.only != nil && !b.want(name) {
			continue
		}
		addr := b.addr(7 + i)
		p, err := b.start(name, nil, append(strings.Fields(cmd), "-listen", addr, "-upstream", upURL)...)
		if err != nil {
			return err
		}
		if err := waitListen(p, addr); err != nil {
			return err
		}
		b.targets = append(b.targets, &target{name: name, url: "http://" + addr + "/items/1", sut: []*proc{p}, upstream: true, expect: upBodyMark})
	}

	if b.want("stagecraft-proxy") || b.want("stagecraft-mock") || b.want("stagecraft-httpapi") {
		addr := b.addr(5)
		p, err := b.start("stagecraft", nil, filepath.Join(b.o.bin, "stagecraft"),
			"--listen", addr, "--data-dir", filepath.Join(w, "stagecraft-data"))
		if err != nil {
			return err
		}
		if err := waitListen(p, addr); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		st, err := setup(ctx, "http://"+addr, upURL)
		cancel()
		if err != nil {
			return fmt.Errorf("setting up the stagecraft API: %w", err)
		}
		if b.want("stagecraft-proxy") {
			b.targets = append(b.targets, &target{name: "stagecraft-proxy", url: "http://" + addr + st.proxyPath, host: st.host, sut: []*proc{p}, upstream: true, expect: upBodyMark})
		}
		if b.want("stagecraft-mock") {
			b.targets = append(b.targets, &target{name: "stagecraft-mock", url: "http://" + addr + st.mockPath, host: st.host, sut: []*proc{p}, expect: `"pong":true`})
		}
		if b.want("stagecraft-httpapi") {
			b.targets = append(b.targets, &target{name: "stagecraft-httpapi", url: "http://" + addr + st.httpPath, host: st.httpHost, sut: []*proc{p}, upstream: true, expect: upBodyMark})
		}
	}
	if len(b.targets) == 0 {
		return errors.New("no target to measure")
	}
	return nil
}

func nginxConf(work, addr, upAddr string) string {
	t := filepath.Join(work, "nginx")
	// One worker (one core), no access log (Stagecraft writes none per
	// request either), keep-alive to the upstream as a tuned deployment
	// has it, and no cap on requests per connection.
	return fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
daemon off;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    keepalive_requests 10000000;
    upstream up {
        server %[3]s;
        keepalive 256;
        keepalive_requests 10000000;
    }
    server {
        listen %[2]s;
        location / {
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`, t, addr, upAddr)
}

func caddyConf(addr, upAddr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf(`{
	admin off
	auto_https off
}
http://127.0.0.1:%s {
	bind 127.0.0.1
	reverse_proxy %s
}
`, port, upAddr)
}

func haproxyConf(addr, upAddr string) string {
	return fmt.Sprintf(`global
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend f
    bind %s
    default_backend b
backend b
    http-reuse always
    server up %s
`, addr, upAddr)
}

// verify sends one request and checks the answer before measuring.
func verify(t *target) error {
	req, _ := http.NewRequest("GET", t.url, nil)
	if t.host != "" {
		req.Host = t.host
	}
	cl := &http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(t.expect)) {
		return fmt.Errorf("GET %s answered %d %q; want 200 with %s", t.url, resp.StatusCode, body, t.expect)
	}
	return nil
}

func (b *bench) printSetup() {
	fmt.Printf("dpbench: SUT+upstream on CPU %s, wrk on CPU %s; %d × %v per target and concurrency (after %v warm-up); upstream: bench/dpbench/upstream (Go net/http, %d-byte body)\n",
		b.o.sutCPU, b.o.clientCPU, b.o.reps, b.o.duration, b.o.warmup, len(`{"ok":true,"from":"dpbench-up"}`)+1)
	for _, t := range b.targets {
		h := ""
		if t.host != "" {
			h = " (Host: " + t.host + ")"
		}
		fmt.Printf("  %-17s %s%s\n", t.name, t.url, h)
	}
}

func (b *bench) wrkArgs(t *target, conns int, d time.Duration) []string {
	args := []string{"-c", b.o.clientCPU, "wrk", "-t1", "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency", "--timeout", "5s"}
	if t.host != "" {
		args = append(args, "-H", "Host: "+t.host)
	}
	return append(args, t.url)
}

// runWrk runs wrk pinned to the client core and returns its output and
// its CPU time.
func (b *bench) runWrk(t *target, conns int, d time.Duration) (string, time.Duration, time.Duration, error) {
	cmd := exec.Command("taskset", b.wrkArgs(t, conns, d)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	b.client.Store(cmd)
	err := cmd.Run()
	b.client.Store(nil)
	wall := time.Since(start)
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err != nil {
		return out.String(), 0, 0, fmt.Errorf("wrk: %v\n%s", err, out.String())
	}
	return out.String(), cpu, wall, nil
}

func pids(ps []*proc) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.pid())
	}
	return out
}

// measure runs a warm-up and one measured wrk run of t at conns.
func (b *bench) measure(t *target, conns, rep int) {
	if b.o.warmup >= time.Second {
		if _, _, _, err := b.runWrk(t, conns, b.o.warmup); err != nil {
			b.fail("%s c=%d warm-up: %v", t.name, conns, err)
			return
		}
	}
	sutPids := pids(t.sut)
	ours := append(slices.Clone(sutPids), b.up.pid())
	if !t.upstream {
		ours = sutPids
	}
	s0, u0, all0, core0, cl0 := treeTicks(sutPids...), treeTicks(b.up.pid()), treeTicks(ours...), readCore(b.o.sutCPU), readCore(b.o.clientCPU)
	out, clientCPU, wall, err := b.runWrk(t, conns, b.o.duration)
	s1, u1, all1, core1, cl1 := treeTicks(sutPids...), treeTicks(b.up.pid()), treeTicks(ours...), readCore(b.o.sutCPU), readCore(b.o.clientCPU)
	if err != nil {
		b.fail("%s c=%d: %v", t.name, conns, err)
		return
	}
	r, err := parseWrk(out)
	if err != nil {
		b.fail("%s c=%d: %v", t.name, conns, err)
		return
	}
	if r.non2xx > 0 {
		b.fail("%s c=%d: %d non-2xx answers", t.name, conns, r.non2xx)
	}
	if r.sockErrs*1000 > r.requests {
		b.fail("%s c=%d: %d socket errors in %d requests", t.name, conns, r.sockErrs, r.requests)
	}
	us := func(ticks int64) float64 { return float64(ticks) * 1e6 / clkTck / float64(r.requests) }
	s := sample{target: t.name, conns: conns, rep: rep, wrk: r, sutUs: us(s1 - s0)}
	if t.upstream {
		s.upUs = us(u1 - u0)
	}
	if wall > 0 {
		s.clientPc = 100 * clientCPU.Seconds() / wall.Seconds()
	}
	if tot := core1.total - core0.total; tot > 0 {
		s.foreign = max(0, 100*float64((core1.busy-core0.busy)-(all1-all0))/float64(tot))
		s.softirq = 100 * float64(core1.softirq-core0.softirq) / float64(tot)
	}
	if tot := cl1.total - cl0.total; tot > 0 {
		s.cforeign = max(0, 100*(float64(cl1.busy-cl0.busy)/clkTck-clientCPU.Seconds())/(float64(tot)/clkTck))
	}
	b.samples = append(b.samples, s)
	fmt.Printf("  rep %d  c=%-3d %-17s %9.0f req/s  p50 %7.1f µs  p99 %8.1f µs  SUT %6.1f µs/req  up %5.1f µs/req  wrk %3.0f%%  foreign %3.0f%%/%3.0f%%\n",
		rep, conns, t.name, r.rps, r.p50, r.p99, s.sutUs, s.upUs, s.clientPc, s.foreign, s.cforeign)
}

func (b *bench) writeRaw() {
	var buf bytes.Buffer
	fmt.Fprintln(&buf, "target\tconns\trep\treq_s\tp50_us\tp99_us\tmean_us\tsut_us_req\tup_us_req\twrk_cpu_pct\tforeign_pct\tclient_foreign_pct\tsoftirq_pct\trequests\tnon2xx\tsocket_errors")
	for _, s := range b.samples {
		fmt.Fprintf(&buf, "%s\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\n",
			s.target, s.conns, s.rep, s.wrk.rps, s.wrk.p50, s.wrk.p99, s.wrk.mean, s.sutUs, s.upUs, s.clientPc, s.foreign, s.cforeign, s.softirq, s.wrk.requests, s.wrk.non2xx, s.wrk.sockErrs)
	}
	path := filepath.Join(b.o.work, "samples.tsv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err == nil {
		fmt.Printf("\nraw samples: %s\n", path)
	}
}

// stat is the median and range of one figure over the repetitions.
type stat struct{ med, lo, hi float64 }

func statOf(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{med: m, lo: s[0], hi: s[len(s)-1]}
}

func (s stat) spread() string {
	if s.med == 0 {
		return "-"
	}
	return fmt.Sprintf("±%.0f%%", 100*max(s.hi-s.med, s.med-s.lo)/s.med)
}

func (b *bench) pick(target string, conns int, f func(sample) float64) stat {
	var xs []float64
	for _, s := range b.samples {
		if s.target == target && s.conns == conns {
			xs = append(xs, f(s))
		}
	}
	return statOf(xs)
}

// report prints the table and the goals; it returns whether every goal
// that could be checked was met.
func (b *bench) report() bool {
	fmt.Printf("\nMedian of %d runs per row (spread = largest deviation from the median). ratio = req/s ÷ direct req/s at the same c.\n", b.o.reps)
	fmt.Println("SUT µs/req = CPU (user+sys, /proc/<pid>/stat) of the proxy per request; up = the upstream's; cpu ratio = direct's µs/req ÷ (SUT + up µs/req),")
	fmt.Println("the ratio the CPU costs predict, steady under other load; foreign = busy time of the SUT core / the wrk core outside our processes (other load on the machine).")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tc\treq/s\tspread\tratio\tcpu ratio\tp50 µs\tp99 µs\t+p50 µs\tSUT µs/req\tup µs/req\twrk cpu%\tforeign%\t")
	rps := func(s sample) float64 { return s.wrk.rps }
	for _, c := range b.o.conns {
		direct := b.pick("direct", c, rps)
		directP50 := b.pick("direct", c, func(s sample) float64 { return s.wrk.p50 })
		directCPU := b.pick("direct", c, func(s sample) float64 { return s.sutUs })
		for _, t := range b.targets {
			r := b.pick(t.name, c, rps)
			if r.med == 0 {
				continue
			}
			p50 := b.pick(t.name, c, func(s sample) float64 { return s.wrk.p50 })
			p99 := b.pick(t.name, c, func(s sample) float64 { return s.wrk.p99 })
			sut := b.pick(t.name, c, func(s sample) float64 { return s.sutUs })
			up := b.pick(t.name, c, func(s sample) float64 { return s.upUs })
			cl := b.pick(t.name, c, func(s sample) float64 { return s.clientPc })
			fo := b.pick(t.name, c, func(s sample) float64 { return s.foreign })
			cfo := b.pick(t.name, c, func(s sample) float64 { return s.cforeign })
			ratio, added, upS := "-", "-", "-"
			cpuRatio := b.cpuRatio(t, c, directCPU.med)
			if direct.med > 0 {
				ratio = fmt.Sprintf("%.2f", r.med/direct.med)
			}
			if directP50.med > 0 && t.name != "direct" {
				added = fmt.Sprintf("%.1f", p50.med-directP50.med)
			}
			if t.upstream {
				upS = fmt.Sprintf("%.1f", up.med)
			}
			fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%.1f\t%.1f\t%s\t%.1f\t%s\t%.0f\t%.0f/%.0f\t\n",
				t.name, c, r.med, r.spread(), ratio, cpuRatio, p50.med, p99.med, added, sut.med, upS, cl.med, fo.med, cfo.med)
		}
	}
	tw.Flush()
	for _, s := range b.samples {
		if s.clientPc > 90 {
			fmt.Printf("note: wrk used %.0f%% of its core for %s c=%d rep %d: the client may have limited that run\n", s.clientPc, s.target, s.conns, s.rep)
		}
	}
	return b.goals()
}

// cpuRatio is the throughput ratio the CPU figures predict when the
// shared core is the bottleneck: the direct upstream's CPU per request
// over the proxy's plus the upstream's. Unlike req/s it does not move
// with other load on the machine, which takes time from both alike.
func (b *bench) cpuRatio(t *target, c int, directUs float64) string {
	if directUs <= 0 {
		return "-"
	}
	sut := b.pick(t.name, c, func(s sample) float64 { return s.sutUs }).med
	up := b.pick(t.name, c, func(s sample) float64 { return s.upUs }).med
	if sut+up <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", directUs/(sut+up))
}

// goals checks the targets for Stagecraft.
func (b *bench) goals() bool {
	rps := func(s sample) float64 { return s.wrk.rps }
	p50 := func(s sample) float64 { return s.wrk.p50 }
	hi := slices.Max(b.o.conns)
	ok := true
	line := func(name string, met bool, got string) {
		word := "met"
		if !met {
			word, ok = "NOT met", false
		}
		fmt.Printf("  %-52s %-28s %s\n", name, got, word)
	}
	fmt.Println("\nGoals")
	direct, proxy, mock := b.pick("direct", hi, rps), b.pick("stagecraft-proxy", hi, rps), b.pick("stagecraft-mock", hi, rps)
	if direct.med > 0 && proxy.med > 0 {
		r := proxy.med / direct.med
		line(fmt.Sprintf("HTTP_PROXY ≥ 0.50 of direct req/s (c=%d)", hi), r >= 0.5, fmt.Sprintf("%.2f", r))
		dcpu := b.pick("direct", hi, func(s sample) float64 { return s.sutUs }).med
		for _, t := range b.targets {
			if t.name == "stagecraft-proxy" {
				cr := b.cpuRatio(t, hi, dcpu)
				v, _ := strconv.ParseFloat(cr, 64)
				line(fmt.Sprintf("HTTP_PROXY ≥ 0.50 of direct by CPU cost (c=%d)", hi), v >= 0.5, cr)
			}
		}
	}
	dl, pl := b.pick("direct", 1, p50), b.pick("stagecraft-proxy", 1, p50)
	if dl.med > 0 && pl.med > 0 {
		line("HTTP_PROXY added p50 latency ≤ 80 µs (c=1)", pl.med-dl.med <= 80, fmt.Sprintf("%.1f µs", pl.med-dl.med))
	}
	if caddy := b.pick("caddy", hi, rps); caddy.med > 0 && proxy.med > 0 {
		line(fmt.Sprintf("HTTP_PROXY ≥ 2× Caddy's req/s (c=%d)", hi), proxy.med >= 2*caddy.med, fmt.Sprintf("%.2f×", proxy.med/caddy.med))
	}
	if httpAPI := b.pick("stagecraft-httpapi", hi, rps); httpAPI.med > 0 && proxy.med > 0 {
		line(fmt.Sprintf("HTTP API HTTP_PROXY ≥ REST HTTP_PROXY req/s (c=%d)", hi), httpAPI.med >= proxy.med, fmt.Sprintf("%.2f×", httpAPI.med/proxy.med))
		cpu := func(name string) float64 {
			return b.pick(name, hi, func(s sample) float64 { return s.sutUs + s.upUs }).med
		}
		if h := cpu("stagecraft-httpapi"); h > 0 {
			r := cpu("stagecraft-proxy") / h
			line(fmt.Sprintf("HTTP API ≥ REST HTTP_PROXY by CPU cost (c=%d)", hi), r >= 1, fmt.Sprintf("%.2f×", r))
		}
	}
	if proxy.med > 0 && mock.med > 0 {
		line(fmt.Sprintf("MOCK ≥ 2× HTTP_PROXY req/s (c=%d)", hi), mock.med >= 2*proxy.med, fmt.Sprintf("%.2f×", mock.med/proxy.med))
		cpu := func(name string) float64 {
			return b.pick(name, hi, func(s sample) float64 { return s.sutUs + s.upUs }).med
		}
		if m := cpu("stagecraft-mock"); m > 0 {
			r := cpu("stagecraft-proxy") / m
			line(fmt.Sprintf("MOCK ≥ 2× HTTP_PROXY by CPU cost (c=%d)", hi), r >= 2, fmt.Sprintf("%.2f×", r))
		}
	}
	return ok
}

// profile records perf profiles of the stagecraft targets (and nginx,
// go-httputil and the proto-* engine prototypes) under load.
func (b *bench) profile() {
	if _, err := exec.LookPath("perf"); err != nil {
		fmt.Fprintln(os.Stderr, "dpbench: perf is not installed; no profiles (apt-get install linux-perf)")
		return
	}
	os.MkdirAll(b.o.perfDir, 0o777)
	hi := slices.Max(b.o.conns)
	for _, t := range b.targets {
		if !strings.HasPrefix(t.name, "stagecraft") && !strings.HasPrefix(t.name, "proto-") && t.name != "go-httputil" && t.name != "nginx" {
			continue
		}
		data := filepath.Join(b.o.perfDir, t.name+".perf.data")
		// -p takes every process of the target (nginx's workers too).
		var ps []string
		for _, pid := range treePids(pids(t.sut)...) {
			ps = append(ps, strconv.Itoa(pid))
		}
		args := []string{"-c", b.o.clientCPU, "perf", "record", "-F", "1999", "-g", "-o", data, "-p", strings.Join(ps, ",")}
		rec := exec.Command("taskset", args...)
		var out bytes.Buffer
		rec.Stdout, rec.Stderr = &out, &out
		if err := rec.Start(); err != nil {
			b.fail("perf record: %v", err)
			return
		}
		b.client.Store(rec)
		time.Sleep(300 * time.Millisecond)
		_, _, _, err := b.runWrk(t, hi, b.o.duration)
		rec.Process.Signal(os.Interrupt)
		rec.Wait()
		b.client.Store(nil)
		if err != nil {
			b.fail("%s under perf: %v", t.name, err)
			continue
		}
		fmt.Printf("perf profile: %s (perf report -i %s --no-children)\n", data, data)
	}
}
