#!/usr/bin/env bash
# Menu endpoint throughput: our app vs. a bare Tornado handler serving the same bytes, same run.
# wrk (Debian package) at 64 connections. Servers are pinned to CPU 1 and wrk to CPU 0 (2-core
# machines) so they do not fight over a core; each side runs RUNS times, alternating, and the
# median run counts.
# Usage: [RUNS=3] bench/menu/run.sh [seconds-per-run]   (make bench-menu)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
RUNS=${RUNS:-3}
PY=.venv/bin/python
APP_PORT=${APP_PORT:-18080}
BARE_PORT=${BARE_PORT:-18081}
OUT=bench/results
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# The app as deployed: access log on (to a file), in-process store, demo data.
taskset -c 1 env APP_MODE=demo PORT=$APP_PORT LOG_LEVEL=INFO ACCESS_LOG=${ACCESS_LOG:-true} $PY -m api >"$WORK/app.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$APP_PORT/healthz" >/dev/null && break; sleep 0.1; done
URL=/api/v1/channels/wechat/menu
curl -sf -D "$WORK/headers" -o "$WORK/body" "http://127.0.0.1:$APP_PORT$URL"
ETAG=$(grep -i '^etag:' "$WORK/headers" | cut -d' ' -f2 | tr -d '\r')
taskset -c 1 $PY bench/menu/bare.py "$BARE_PORT" "$WORK/body" "$ETAG" &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$BARE_PORT$URL" >/dev/null && break; sleep 0.1; done
cmp <(curl -s "http://127.0.0.1:$BARE_PORT$URL") "$WORK/body"

measure() {  # port label -> "rps p99_ms"
  taskset -c 0 wrk -t1 -c64 -d"${DURATION}s" --latency "http://127.0.0.1:$1$URL" >"$WORK/$2.txt"
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/$2.txt")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$WORK/$2.txt")
  grep -q "Non-2xx" "$WORK/$2.txt" && { echo "non-2xx answers in $2" >&2; cat "$WORK/$2.txt" >&2; exit 1; }
  echo "$rps $p99"
}

taskset -c 0 wrk -t1 -c64 -d2s "http://127.0.0.1:$APP_PORT$URL" >/dev/null   # warm-up
taskset -c 0 wrk -t1 -c64 -d2s "http://127.0.0.1:$BARE_PORT$URL" >/dev/null
: >"$WORK/app.runs"; : >"$WORK/bare.runs"
for i in $(seq "$RUNS"); do
  measure "$APP_PORT" "app$i" >>"$WORK/app.runs"
  measure "$BARE_PORT" "bare$i" >>"$WORK/bare.runs"
done
median() { sort -n -k1,1 "$1" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'; }
read -r APP APP_P99 < <(median "$WORK/app.runs")
read -r BARE BARE_P99 < <(median "$WORK/bare.runs")
RATIO=$(awk -v a="$APP" -v b="$BARE" 'BEGIN {printf "%.3f", a / b}')
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LINE="$STAMP menu wrk -t1 -c64 -d${DURATION}s x${RUNS} median body=$(wc -c <"$WORK/body")B app=${APP} rps (p99 ${APP_P99} ms) bare=${BARE} rps (p99 ${BARE_P99} ms) ratio=${RATIO} runs(rps): app $(cut -d' ' -f1 "$WORK/app.runs" | paste -sd/) bare $(cut -d' ' -f1 "$WORK/bare.runs" | paste -sd/)"
echo "$LINE" | tee -a "$OUT/menu.log"
