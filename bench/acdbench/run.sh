#!/bin/sh
# AppConfig data plane benchmark: GetLatestConfiguration polls per second
# on one core with 10,000 live sessions, against the real binary.
#
#   bench/acdbench/run.sh [acdbench flags]
#
# e.g.  bench/acdbench/run.sh                       (default: info logging, then warn)
#       bench/acdbench/run.sh -conns 128 -d 20s
#
# Pinning: the server runs alone on CPU $SUT_CPU (default 1), the load
# client (bench/acdbench) on CPU $CLIENT_CPU (default 0). Needs taskset and
# two CPUs. The server is started with --clock-rate 200 so that each
# session's 15-second poll interval passes in 75 ms of wall time; the
# client polls every session at most once per interval. Two rows: the
# default --log-level info (one JSON log line per request on stderr, as
# shipped) and --log-level warn.
set -eu
cd "$(dirname "$0")/../.."

for tool in go taskset; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: $tool is not installed" >&2
		exit 2
	fi
done
if [ "$(nproc)" -lt 2 ]; then
	echo "run.sh: needs at least 2 CPUs (one for the server, one for the client)" >&2
	exit 2
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

echo "building stagecraft and acdbench ($(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
go build -o "$WORK/stagecraft" ./cmd/stagecraft
go build -o "$WORK/acdbench" ./bench/acdbench

for level in info warn; do
	taskset -c "${CLIENT_CPU:-0}" "$WORK/acdbench" -bin "$WORK/stagecraft" -sut-cpu "${SUT_CPU:-1}" -log-level "$level" "$@"
done
