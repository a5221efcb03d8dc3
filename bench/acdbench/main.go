// Command acdbench measures AppConfig data plane polls
// (GetLatestConfiguration) on the real binary: Stagecraft pinned to one
// CPU, this load client on another. bench/acdbench/run.sh builds both and
// runs it; by hand:
//
//	acdbench -bin ./stagecraft -sut-cpu 1 [-sessions 10000] [-conns 64] [-d 10s] [-log-level info]
//
// It starts the binary (through taskset, on a loopback port, a fresh data
// directory, --clock-rate 200 so that the 15-second poll interval passes
// in 75 ms of wall time), creates an application, environment, hosted
// profile and version through the AWS SDK, deploys it AllAtOnce, starts
// -sessions configuration sessions and polls each once (full content).
// Then -conns keep-alive connections poll round-robin over their share of
// the sessions for -d (after -warmup), each session at most once per poll
// interval, and it reports successful polls per second, latency
// percentiles, other answers, and the CPU the server used (utime+stime
// from /proc) as a share of its one core: a share well below 100 % means
// the client, not the server, was the bottleneck.
//
// Steady-state polls answer 200 with an empty body (nothing changed), the
// common case of a fleet polling a configuration.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ac "github.com/aws/aws-sdk-go-v2/service/appconfig"
	acd "github.com/aws/aws-sdk-go-v2/service/appconfigdata"
)

func main() {
	bin := flag.String("bin", "./stagecraft", "stagecraft binary")
	sutCPU := flag.String("sut-cpu", "1", "CPU the server is pinned to (taskset -c)")
	sessions := flag.Int("sessions", 10000, "live configuration sessions")
	conns := flag.Int("conns", 64, "concurrent keep-alive connections")
	dur := flag.Duration("d", 10*time.Second, "measured duration")
	warmup := flag.Duration("warmup", 2*time.Second, "load before measuring")
	rate := flag.Float64("clock-rate", 200, "server --clock-rate")
	logLevel := flag.String("log-level", "info", "server --log-level (info logs one line per request)")
	flag.Parse()
	if err := run(*bin, *sutCPU, *sessions, *conns, *dur, *warmup, *rate, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "acdbench:", err)
		os.Exit(1)
	}
}

func run(bin, sutCPU string, sessions, conns int, dur, warmup time.Duration, rate float64, logLevel string) error {
	dir, err := os.MkdirTemp("", "acdbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(filepath.Join(dir, "stagecraft.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command("taskset", "-c", sutCPU, bin, "--listen", addr, "--data-dir", filepath.Join(dir, "data"),
		"--clock-rate", strconv.FormatFloat(rate, 'f', -1, 64), "--log-level", logLevel)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	defer func() {
		// End the process group we started (taskset execs the server, so
		// the group is the server).
		syscall.Kill(-pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-pid, syscall.SIGKILL)
			<-done
		}
	}()
	base := "http://" + addr
	if err := waitHealthy(base); err != nil {
		return err
	}

	ctx := context.Background()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		BaseEndpoint: aws.String(base), RetryMaxAttempts: 1}
	c, d := ac.NewFromConfig(cfg), acd.NewFromConfig(cfg)
	a, err := c.CreateApplication(ctx, &ac.CreateApplicationInput{Name: aws.String("bench")})
	if err != nil {
		return err
	}
	e, err := c.CreateEnvironment(ctx, &ac.CreateEnvironmentInput{ApplicationId: a.Id, Name: aws.String("prod")})
	if err != nil {
		return err
	}
	p, err := c.CreateConfigurationProfile(ctx, &ac.CreateConfigurationProfileInput{ApplicationId: a.Id, Name: aws.String("flags"), LocationUri: aws.String("hosted")})
	if err != nil {
		return err
	}
	content := []byte(`{"checkout":{"enabled":true,"limit":100},"search":{"enabled":false}}`)
	v, err := c.CreateHostedConfigurationVersion(ctx, &ac.CreateHostedConfigurationVersionInput{ApplicationId: a.Id, ConfigurationProfileId: p.Id,
		Content: content, ContentType: aws.String("application/json")})
	if err != nil {
		return err
	}
	if _, err := c.StartDeployment(ctx, &ac.StartDeploymentInput{ApplicationId: a.Id, EnvironmentId: e.Id, ConfigurationProfileId: p.Id,
		ConfigurationVersion: aws.String(strconv.Itoa(int(v.VersionNumber))), DeploymentStrategyId: aws.String("AppConfig.AllAtOnce")}); err != nil {
		return err
	}

	fmt.Printf("setup: %d sessions ...", sessions)
	t0 := time.Now()
	toks := make([]string, sessions)
	if err := parallel(32, sessions, func(i int) error {
		out, err := d.StartConfigurationSession(ctx, &acd.StartConfigurationSessionInput{ApplicationIdentifier: aws.String("bench"),
			EnvironmentIdentifier: aws.String("prod"), ConfigurationProfileIdentifier: aws.String("flags"),
			RequiredMinimumPollIntervalInSeconds: aws.Int32(15)})
		if err != nil {
			return err
		}
		first, err := d.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: out.InitialConfigurationToken})
		if err != nil {
			return err
		}
		if string(first.Configuration) != string(content) {
			return fmt.Errorf("first poll returned %q", first.Configuration)
		}
		toks[i] = *first.NextPollConfigurationToken
		return nil
	}); err != nil {
		return err
	}
	fmt.Printf(" %.1fs\n", time.Since(t0).Seconds())

	// Load.
	interval := time.Duration(float64(15*time.Second)/rate) + 5*time.Millisecond
	var (
		ok, early, other atomic.Int64
		measuring        atomic.Bool
		stop             atomic.Bool
		latMu            sync.Mutex
		lats             []time.Duration
		wg               sync.WaitGroup
		firstErr         atomic.Value
	)
	for w := 0; w < conns; w++ {
		cn, err := dial(addr)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func(w int, cn *conn) {
			defer wg.Done()
			defer cn.c.Close()
			var mine []int
			for i := w; i < sessions; i += conns {
				mine = append(mine, i)
			}
			last := make([]time.Time, len(mine))
			var local []time.Duration
			for k := 0; !stop.Load(); k = (k + 1) % len(mine) {
				if wait := interval - time.Since(last[k]); wait > 0 {
					time.Sleep(wait) // this session polled too recently
				}
				i := mine[k]
				start := time.Now()
				status, errType, next, err := cn.poll(toks[i])
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					other.Add(1)
					return
				}
				last[k] = time.Now()
				m := measuring.Load()
				switch {
				case status == 200:
					toks[i] = next
					if m {
						ok.Add(1)
						local = append(local, time.Since(start))
					}
				case status == 400 && errType == "BadRequestException":
					if m {
						early.Add(1)
					}
				default:
					if m {
						other.Add(1)
					}
				}
			}
			latMu.Lock()
			lats = append(lats, local...)
			latMu.Unlock()
		}(w, cn)
	}
	time.Sleep(warmup)
	cpu0, err := procCPU(pid)
	if err != nil {
		return err
	}
	measuring.Store(true)
	m0 := time.Now()
	time.Sleep(dur)
	measuring.Store(false)
	elapsed := time.Since(m0)
	cpu1, _ := procCPU(pid)
	stop.Store(true)
	wg.Wait()

	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[int(p*float64(len(lats)-1))]
	}
	fmt.Printf("GetLatestConfiguration, %d sessions, %d connections, server on CPU %s (GOMAXPROCS=1, --log-level %s):\n", sessions, conns, sutCPU, logLevel)
	fmt.Printf("  %.0f polls/s (200 OK, empty body)   p50 %v  p99 %v   server CPU %.0f%% of one core\n",
		float64(ok.Load())/elapsed.Seconds(), pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		100*(cpu1-cpu0).Seconds()/elapsed.Seconds())
	if n := ok.Load(); n > 0 && cpu1 > cpu0 {
		per := (cpu1 - cpu0) / time.Duration(n)
		fmt.Printf("  server CPU per poll %.1f µs: about %.0f polls/s on a whole core\n", float64(per.Nanoseconds())/1000, float64(time.Second)/float64(per))
	}
	if early.Load() > 0 || other.Load() > 0 {
		fmt.Printf("  also: %d BadRequest answers, %d other failures (first: %v)\n", early.Load(), other.Load(), firstErr.Load())
		return fmt.Errorf("unexpected answers")
	}
	return nil
}

func parallel(workers, n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var first atomic.Value
	next := atomic.Int64{}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || first.Load() != nil {
					return
				}
				if err := fn(i); err != nil {
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return err
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitHealthy(base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/_stagecraft/health")
		if err == nil {
			var h struct{ Status string }
			json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Status == "ok" {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("stagecraft did not become healthy")
}

// conn is one keep-alive HTTP/1.1 connection with a minimal client: the
// load generator must cost less than the server it measures (net/http's
// client costs about as much per request as the server does).
type conn struct {
	c    net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	host string
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 16<<10), w: bufio.NewWriterSize(c, 4<<10), host: addr}, nil
}

// poll sends GET /configuration and reads the answer: status, error type,
// next token; the body is read and dropped.
func (c *conn) poll(tok string) (status int, errType, next string, err error) {
	c.w.WriteString("GET /configuration?configuration_token=")
	c.w.WriteString(url.QueryEscape(tok))
	c.w.WriteString(" HTTP/1.1\r\nHost: ")
	c.w.WriteString(c.host)
	c.w.WriteString("\r\nUser-Agent: acdbench\r\n\r\n")
	if err = c.w.Flush(); err != nil {
		return
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return
	}
	if len(line) < 12 {
		return 0, "", "", fmt.Errorf("bad status line %q", line)
	}
	status, _ = strconv.Atoi(string(line[9:12]))
	length := 0
	for {
		line, err = c.r.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(line) <= 2 {
			break
		}
		k, v, _ := strings.Cut(strings.TrimRight(string(line), "\r\n"), ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "content-length":
			length, _ = strconv.Atoi(v)
		case "next-poll-configuration-token":
			next = v
		case "x-amzn-errortype":
			errType = v
		}
	}
	_, err = c.r.Discard(length)
	return
}

// procCPU is the user+system CPU time of pid.
func procCPU(pid int) (time.Duration, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return 0, err
	}
	// Fields after the command name (which is in parentheses).
	rest := line[strings.LastIndexByte(line, ')')+2:]
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat: %q", line)
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	const hz = 100 // USER_HZ
	return time.Duration(ut+st) * time.Second / hz, nil
}
