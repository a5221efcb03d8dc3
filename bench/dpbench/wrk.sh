#!/bin/sh
# Data-plane load test: builds Stagecraft, starts it on a fresh data dir,
# sets up a MOCK and an HTTP_PROXY route (bench/dpbench), and drives both
# with wrk through the execute-api Host form.
#
#   bench/dpbench/wrk.sh [duration] [connections]      (defaults: 10s 64)
#
# Needs wrk (apt-get install wrk). Run from the repository root.
set -eu
DURATION=${1:-10s}
CONNS=${2:-64}
PORT=${PORT:-4599}
UPPORT=${UPPORT:-4598}

if ! command -v wrk >/dev/null 2>&1; then
	echo "wrk is not installed (apt-get install wrk)" >&2
	exit 2
fi

TMP=$(mktemp -d)
go build -o "$TMP/stagecraft" ./cmd/stagecraft
go build -o "$TMP/dpbench" ./bench/dpbench

"$TMP/stagecraft" --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" 2>"$TMP/stagecraft.log" &
SC_PID=$!
"$TMP/dpbench" upstream -listen "127.0.0.1:$UPPORT" &
UP_PID=$!
cleanup() {
	kill "$SC_PID" "$UP_PID" 2>/dev/null || true
	wait "$SC_PID" "$UP_PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# Wait for the node to answer its health check.
i=0
until curl -fs "http://127.0.0.1:$PORT/_stagecraft/health" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then
		echo "stagecraft did not start; log:" >&2
		cat "$TMP/stagecraft.log" >&2
		exit 1
	fi
	sleep 0.1
done

eval "$("$TMP/dpbench" setup -endpoint "http://127.0.0.1:$PORT" -upstream "http://127.0.0.1:$UPPORT")"

echo "== MOCK  GET $MOCK_PATH (Host: $HOST_HEADER)"
wrk -t4 -c"$CONNS" -d"$DURATION" --latency -H "Host: $HOST_HEADER" "http://127.0.0.1:$PORT$MOCK_PATH"
echo "== HTTP_PROXY GET $PROXY_PATH"
wrk -t4 -c"$CONNS" -d"$DURATION" --latency -H "Host: $HOST_HEADER" "http://127.0.0.1:$PORT$PROXY_PATH"
