#!/bin/sh
# Data-plane benchmark: Stagecraft's REST HTTP_PROXY and MOCK next to
# nginx, Caddy (and HAProxy when installed) and a plain Go
# httputil.ReverseProxy, all in front of the same upstream
# (bench/dpbench/upstream: a Go net/http server returning a fixed 32-byte
# JSON body), on loopback only.
#
#   bench/dpbench/run.sh [dpbench run flags]
#
# e.g.  bench/dpbench/run.sh                      (3 × 10 s per row, c=1 and c=64)
#       bench/dpbench/run.sh -reps 1 -d 5s        (quick look)
#       bench/dpbench/run.sh -targets direct,stagecraft-proxy -perf /tmp/prof
#       DPBENCH_KEEP=/tmp/dp bench/dpbench/run.sh (keep configs, logs, samples.tsv)
#       DPBENCH_PROTOS=1 bench/dpbench/run.sh     (add the engine prototypes of bench/dpbench/proto)
#
# Pinning: the system under test and the upstream share CPU $SUT_CPU
# (default 1) and wrk runs alone on CPU $CLIENT_CPU (default 0), so a
# proxy's throughput is bounded by its own CPU cost plus the upstream's,
# as in a fair one-core proxy benchmark. Each row is the median of -reps
# runs (default 3): the machine may be shared, and the "foreign%" column
# shows how much of the SUT core other processes took.
#
# Needs wrk and taskset; nginx and caddy rows are skipped when those are
# missing (apt-get install wrk nginx caddy). Exits non-zero when anything
# fails (a process dies, a target answers wrong, wrk sees errors); with
# -strict also (3) when a goal is not met. Run from anywhere.
set -eu
cd "$(dirname "$0")/../.."

for tool in go wrk taskset; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is not installed (apt-get install wrk util-linux)" >&2
		exit 2
	fi
done
if [ "$(nproc)" -lt 2 ]; then
	echo "run.sh: needs at least 2 CPUs (one for the system under test, one for wrk)" >&2
	exit 2
fi

if [ -n "${DPBENCH_KEEP:-}" ]; then
	WORK=$DPBENCH_KEEP
	rm -rf "$WORK"
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d)
fi
cleanup() {
	if [ -z "${DPBENCH_KEEP:-}" ]; then
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building stagecraft, upstream and dpbench ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
mkdir -p "$WORK/bin"
go build -o "$WORK/bin/stagecraft" ./cmd/stagecraft
go build -o "$WORK/bin/upstream" ./bench/dpbench/upstream
go build -o "$WORK/bin/dpbench" ./bench/dpbench
# DPBENCH_PROTOS=1 adds the engine prototypes of bench/dpbench/proto as rows.
if [ -n "${DPBENCH_PROTOS:-}" ]; then
	go build -o "$WORK/bin/proto" ./bench/dpbench/proto
	set -- "$@" -extra "proto-nethttp+sync=$WORK/bin/proto -engine nethttp" -extra "proto-raw+sync=$WORK/bin/proto -engine raw" \
		-extra "proto-epoll=$WORK/bin/proto -engine epoll"
fi

# dpbench itself stays on the client core; it starts every server pinned
# to the SUT core and stops them (and only them) when it ends, or when
# this script is interrupted (the signal is passed on to it).
taskset -c "${CLIENT_CPU:-0}" "$WORK/bin/dpbench" run -bin "$WORK/bin" -work "$WORK" \
	-sut-cpu "${SUT_CPU:-1}" -client-cpu "${CLIENT_CPU:-0}" "$@" &
DP=$!
trap 'kill -TERM "$DP" 2>/dev/null || true' INT TERM
rc=0
wait "$DP" || rc=$?
# A trapped signal ends the wait early: wait for dpbench to stop its servers.
while kill -0 "$DP" 2>/dev/null; do
	wait "$DP" || rc=$?
done
exit "$rc"
