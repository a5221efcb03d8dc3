// Command cpbench measures Stagecraft's control plane against moto_server
// side by side in one run: the same aws-sdk-go-v2 workload (CreateDeployment
// to a stage, GetStage, GetDeployments) against each, printing throughput,
// latency percentiles and the ratio.
//
//	go build -o /tmp/stagecraft ./cmd/stagecraft
//	go run ./bench/cpbench -stagecraft /tmp/stagecraft -n 500 -c 1,8
//
// Each concurrency level gets fresh servers (and a fresh data directory on
// the default temp dir, so the disk's fsync cost is part of the figure).
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

func main() {
	cfg := Config{}
	flag.StringVar(&cfg.Stagecraft, "stagecraft", "", "path of a built stagecraft binary (required)")
	flag.StringVar(&cfg.Store, "store", "", "stagecraft's --store (wal or bolt); empty: its default")
	flag.StringVar(&cfg.Moto, "moto", "moto_server", "moto_server command")
	flag.IntVar(&cfg.N, "n", 300, "workload iterations per target (each is 3 calls)")
	conc := flag.String("c", "1,8", "concurrent clients: one run per comma-separated value")
	reps := flag.Int("reps", 1, "runs per concurrency level, each with fresh servers; more than one prints the median ratio")
	cpuProfile := flag.String("cpuprofile", "", "write this process's CPU profile (the SDK clients' side) to this file")
	clientGOGC := flag.Int("client-gogc", 400, "GC target of this benchmark process (the SDK clients), the same for every target; stagecraft's own default is 400 too. -1 leaves GOGC's")
	flag.BoolVar(&cfg.Null, "null", true, "also run the workload against a null server (instant canned answers) to show the ceiling")
	nullAddr := flag.String("null-server", "", "internal: serve as the null server on this 127.0.0.1 address")
	flag.Parse()
	if *nullAddr != "" {
		fmt.Fprintln(os.Stderr, "cpbench:", nullServer(*nullAddr))
		os.Exit(1)
	}
	if cfg.Stagecraft == "" {
		fmt.Fprintln(os.Stderr, "cpbench: -stagecraft is required")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cpbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *clientGOGC >= 0 {
		debug.SetGCPercent(*clientGOGC)
	}
	var summary []string
	for _, c := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || *reps < 1 {
			fmt.Fprintf(os.Stderr, "cpbench: -c %q is not a list of positive numbers (or -reps < 1)\n", *conc)
			os.Exit(2)
		}
		cfg.Concurrency = n
		var ratios, ceilings []float64
		for r := 0; r < *reps; r++ {
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				fmt.Fprintln(os.Stderr, "cpbench:", err)
				os.Exit(1)
			}
			fmt.Print(rep.String(), "\n")
			ratios = append(ratios, rep.Ratio())
			if rep.Null.Calls > 0 {
				ceilings = append(ceilings, rep.Null.PerSecond()/rep.Moto.PerSecond())
			}
		}
		if *reps > 1 {
			summary = append(summary, fmt.Sprintf("%d client(s): ratio median %.1fx (runs %s)%s", n, median(ratios), fmtRatios(ratios), ceilingNote(ceilings)))
		}
	}
	if len(summary) > 0 {
		fmt.Println("summary over", *reps, "runs per level (fresh servers each run):")
		for _, l := range summary {
			fmt.Println(" ", l)
		}
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtRatios(v []float64) string {
	p := make([]string, len(v))
	for i, r := range v {
		p[i] = fmt.Sprintf("%.1fx", r)
	}
	return strings.Join(p, " ")
}

func ceilingNote(c []float64) string {
	if len(c) == 0 {
		return ""
	}
	return fmt.Sprintf(", ceiling (null ÷ moto) median %.1fx", median(c))
}

// Config says what to run.
type Config struct {
	Stagecraft, Moto string
	Store            string // stagecraft's --store; "" leaves its default
	N, Concurrency   int
	Null             bool // also measure the null server (needs this program as the executable)
}

// Result is one target's measurements.
type Result struct {
	Target  string
	Elapsed time.Duration
	Calls   int
	Lat     map[string][]time.Duration // per operation
	// ClientCPU and ServerCPU are the CPU time (user+system) the benchmark
	// process (the aws-sdk-go-v2 clients) and the server process spent
	// during the measured run; zero when unknown.
	ClientCPU, ServerCPU time.Duration
}

func (r Result) PerSecond() float64 { return float64(r.Calls) / r.Elapsed.Seconds() }

// Report holds both targets.
type Report struct {
	Stagecraft, Moto Result
	Null             Result // zero unless Cfg.Null
	Cfg              Config
}

// Ratio is how many times more calls per second Stagecraft served.
func (r Report) Ratio() float64 { return r.Stagecraft.PerSecond() / r.Moto.PerSecond() }

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func (r Report) String() string {
	var b strings.Builder
	store := r.Cfg.Store
	if store == "" {
		store = "default"
	}
	fmt.Fprintf(&b, "workload: %d × (CreateDeployment stage=prod, GetStage, GetDeployments), %d client(s), aws-sdk-go-v2, stagecraft store %s\n", r.Cfg.N, r.Cfg.Concurrency, store)
	fmt.Fprintf(&b, "%-11s %10s %12s   %-36s %-36s %-36s\n", "target", "calls/s", "elapsed", "CreateDeployment p50/p99", "GetStage p50/p99", "GetDeployments p50/p99")
	rows := []Result{r.Stagecraft, r.Moto}
	if r.Null.Calls > 0 {
		rows = append(rows, r.Null)
	}
	for _, res := range rows {
		fmt.Fprintf(&b, "%-11s %10.0f %12s", res.Target, res.PerSecond(), res.Elapsed.Round(time.Millisecond))
		for _, op := range []string{"CreateDeployment", "GetStage", "GetDeployments"} {
			fmt.Fprintf(&b, "   %-36s", fmt.Sprintf("%v / %v", pct(res.Lat[op], 0.5).Round(time.Microsecond), pct(res.Lat[op], 0.99).Round(time.Microsecond)))
		}
		b.WriteString("\n")
	}
	for _, res := range rows {
		if res.Calls > 0 && res.ServerCPU > 0 {
			fmt.Fprintf(&b, "cpu per call (%s): server %v, sdk client %v\n", res.Target,
				(res.ServerCPU / time.Duration(res.Calls)).Round(time.Microsecond), (res.ClientCPU / time.Duration(res.Calls)).Round(time.Microsecond))
		}
	}
	fmt.Fprintf(&b, "ratio: stagecraft serves %.1fx the calls/s of moto_server\n", r.Ratio())
	if r.Null.Calls > 0 {
		fmt.Fprintf(&b, "ceiling: the null server (no work at all, same client) serves %.1fx moto's calls/s; stagecraft reaches %.0f%% of it\n",
			r.Null.PerSecond()/r.Moto.PerSecond(), 100*r.Stagecraft.PerSecond()/r.Null.PerSecond())
	}
	return b.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitUp(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond) // polling a child process's readiness, not test logic
	}
	return fmt.Errorf("%s did not come up within 60s", url)
}

func startProcess(ctx context.Context, name string, args ...string) (*exec.Cmd, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	return cmd, cmd.Start()
}

// Run starts both servers, runs the workload against each, stops them.
func Run(ctx context.Context, cfg Config) (Report, error) {
	rep := Report{Cfg: cfg}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	dir, err := os.MkdirTemp("", "cpbench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)

	sp, err := freePort()
	if err != nil {
		return rep, err
	}
	// Both servers run with their default logging (one line per request;
	// the output goes to /dev/null), as a user would start them.
	args := []string{"--listen", fmt.Sprintf("127.0.0.1:%d", sp), "--data-dir", filepath.Join(dir, "data")}
	if cfg.Store != "" {
		args = append(args, "--store", cfg.Store)
	}
	sc, err := startProcess(ctx, cfg.Stagecraft, args...)
	if err != nil {
		return rep, fmt.Errorf("start stagecraft: %w", err)
	}
	defer func() { sc.Process.Kill(); sc.Wait() }()
	mp, err := freePort()
	if err != nil {
		return rep, err
	}
	mc, err := startProcess(ctx, cfg.Moto, "-p", fmt.Sprint(mp), "-H", "127.0.0.1")
	if err != nil {
		return rep, fmt.Errorf("start moto_server: %w", err)
	}
	defer func() { mc.Process.Kill(); mc.Wait() }()

	surl, murl := fmt.Sprintf("http://127.0.0.1:%d", sp), fmt.Sprintf("http://127.0.0.1:%d", mp)
	if err := waitUp(ctx, surl+"/_stagecraft/health"); err != nil {
		return rep, err
	}
	if err := waitUp(ctx, murl+"/moto-api/"); err != nil {
		return rep, err
	}
	if rep.Stagecraft, err = runTarget(ctx, "stagecraft", surl, sc.Process.Pid, cfg); err != nil {
		return rep, fmt.Errorf("stagecraft: %w", err)
	}
	if rep.Moto, err = runTarget(ctx, "moto", murl, mc.Process.Pid, cfg); err != nil {
		return rep, fmt.Errorf("moto: %w", err)
	}
	if cfg.Null {
		np, err := freePort()
		if err != nil {
			return rep, err
		}
		nc, err := startNull(ctx, np)
		if err != nil {
			return rep, fmt.Errorf("start null server: %w", err)
		}
		defer func() { nc.Process.Kill(); nc.Wait() }()
		nurl := fmt.Sprintf("http://127.0.0.1:%d", np)
		if err := waitUp(ctx, nurl+"/ping"); err != nil {
			return rep, err
		}
		if rep.Null, err = runTarget(ctx, "null", nurl, nc.Process.Pid, cfg); err != nil {
			return rep, fmt.Errorf("null server: %w", err)
		}
	}
	return rep, nil
}

func client(url string) *sdk.Client {
	return sdk.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	})
}

// setup builds an API with one GET method on a MOCK integration.
func setup(ctx context.Context, c *sdk.Client) (string, error) {
	ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("bench")})
	if err != nil {
		return "", err
	}
	res, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: ra.RootResourceId, PathPart: aws.String("bench")})
	if err != nil {
		return "", err
	}
	if _, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: ra.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		return "", err
	}
	if _, err := c.PutIntegration(ctx, &sdk.PutIntegrationInput{RestApiId: ra.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}); err != nil {
		return "", err
	}
	if _, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("prod")}); err != nil {
		return "", err
	}
	return *ra.Id, nil
}

// procCPU is the user+system CPU time of process pid, read from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// warmup is how many workload iterations run, unmeasured, before the
// measured ones: connections are opened, the server's heap and caches grow
// to their working size. They go to a separate API so the measured API's
// state (its deployment list, which moto returns whole) is the same for
// every target.
func warmup(n, concurrency int) int { return max(10*concurrency, n/10) }

func runTarget(ctx context.Context, name, url string, pid int, cfg Config) (Result, error) {
	c := client(url)
	warmAPI, err := setup(ctx, c)
	if err != nil {
		return Result{}, fmt.Errorf("setup: %w", err)
	}
	if _, err := drive(ctx, c, warmAPI, warmup(cfg.N, cfg.Concurrency), cfg.Concurrency); err != nil {
		return Result{}, fmt.Errorf("warm-up: %w", err)
	}
	apiID, err := setup(ctx, c)
	if err != nil {
		return Result{}, fmt.Errorf("setup: %w", err)
	}
	start, cpu0, scpu0 := time.Now(), selfCPU(), procCPU(pid)
	res, err := drive(ctx, c, apiID, cfg.N, cfg.Concurrency)
	res.Elapsed = time.Since(start)
	res.ClientCPU, res.ServerCPU = selfCPU()-cpu0, procCPU(pid)-scpu0
	res.Target = name
	return res, err
}

// drive runs n workload iterations against apiID from concurrency
// clients and returns the calls made and their latencies.
func drive(ctx context.Context, c *sdk.Client, apiID string, n, concurrency int) (Result, error) {
	res := Result{Lat: map[string][]time.Duration{}}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan int)
	timed := func(op string, f func() error) error {
		t0 := time.Now()
		err := f()
		d := time.Since(t0)
		mu.Lock()
		res.Lat[op] = append(res.Lat[op], d)
		res.Calls++
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", op, err)
		}
		mu.Unlock()
		return err
	}
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Keep draining work after a failure so the feeder never blocks;
			// the first error is reported when all workers are done.
			for i := range work {
				mu.Lock()
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					continue
				}
				_ = timed("CreateDeployment", func() error {
					_, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: &apiID, StageName: aws.String("prod"), Description: aws.String(fmt.Sprint("d", i))})
					return err
				}) == nil &&
					timed("GetStage", func() error {
						_, err := c.GetStage(ctx, &sdk.GetStageInput{RestApiId: &apiID, StageName: aws.String("prod")})
						return err
					}) == nil &&
					timed("GetDeployments", func() error {
						_, err := c.GetDeployments(ctx, &sdk.GetDeploymentsInput{RestApiId: &apiID})
						return err
					}) == nil
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	return res, firstErr
}
