package main

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// wrkResult is what one wrk run printed.
type wrkResult struct {
	requests int64
	rps      float64
	p50, p99 float64 // µs
	mean     float64 // µs
	non2xx   int64
	sockErrs int64
}

var (
	reRPS      = regexp.MustCompile(`^Requests/sec:\s+([0-9.]+)`)
	reReqs     = regexp.MustCompile(`^\s*(\d+) requests in `)
	rePct      = regexp.MustCompile(`^\s*(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s|m)\s*$`)
	reLatency  = regexp.MustCompile(`^\s*Latency\s+([0-9.]+)(us|ms|s|m)\s`)
	reNon2xx   = regexp.MustCompile(`^\s*Non-2xx or 3xx responses:\s+(\d+)`)
	reSockErrs = regexp.MustCompile(`^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func toMicros(v, unit string) float64 {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "ms":
		return f * 1e3
	case "s":
		return f * 1e6
	case "m":
		return f * 60e6
	}
	return f
}

// parseWrk reads wrk --latency output.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	var haveRPS, have50, have99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if m := reRPS.FindStringSubmatch(line); m != nil {
			r.rps, _ = strconv.ParseFloat(m[1], 64)
			haveRPS = true
		} else if m := reReqs.FindStringSubmatch(line); m != nil {
			r.requests, _ = strconv.ParseInt(m[1], 10, 64)
		} else if m := rePct.FindStringSubmatch(line); m != nil {
			if m[1] == "50" {
				r.p50, have50 = toMicros(m[2], m[3]), true
			} else {
				r.p99, have99 = toMicros(m[2], m[3]), true
			}
		} else if m := reLatency.FindStringSubmatch(line); m != nil {
			r.mean = toMicros(m[1], m[2])
		} else if m := reNon2xx.FindStringSubmatch(line); m != nil {
			r.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
		} else if m := reSockErrs.FindStringSubmatch(line); m != nil {
			for _, s := range m[1:] {
				n, _ := strconv.ParseInt(s, 10, 64)
				r.sockErrs += n
			}
		}
	}
	if !haveRPS || !have50 || !have99 || r.requests == 0 {
		return r, fmt.Errorf("could not read wrk's output:\n%s", out)
	}
	return r, nil
}
