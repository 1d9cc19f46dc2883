#!/usr/bin/env bash
# Where Envoy's CPU goes per request, with and without the filter: a perf profile of one Envoy
# under load, each sample classed by what it ran.
#
#   scripts/profile-envoy.sh [get|get4k|post] [seconds]     (needs perf, wrk, and `make build`)
#
# For each of two Envoys rendered by `vigil render-config` (no filter; the filter with `{}`),
# loaded in turn by wrk -t1 -c16 with scripts/bench/calls.lua, it prints Envoy CPU per request
# split into: the filter's wasm code (V8's compiled code: samples outside any mapped binary), host
# calls (Envoy or libc code with wasm code below it on the stack: what the filter asked of Envoy),
# Envoy's own work (Envoy or libc with no wasm code on the stack), the kernel, and other threads.
# perf's own cost inflates every class alike; compare classes and variants, not absolute figures.
# Envoy is stripped, so Envoy's own time cannot be split further; its growth with the filter,
# spread thinly over thousands of Envoy functions, is the sign of cache and TLB pressure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALL="${1:-get}"
SECS="${2:-6}"
VIGIL_BIN="${VIGIL_BIN:-$ROOT/target/release/vigil}"
VIGIL_WASM="${VIGIL_WASM:-$ROOT/target/wasm32-wasip1/release/vigil_filter.wasm}"
ENVOY_BIN="${ENVOY_BIN:-$ROOT/.venv/bin/envoy}"
for tool in perf wrk python3; do command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }; done
for f in "$VIGIL_BIN" "$VIGIL_WASM" "$ENVOY_BIN"; do [ -e "$f" ] || { echo "missing $f: run 'make build'" >&2; exit 1; }; done

TMP="$(mktemp -d /tmp/vigil-profile.XXXXXX)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
JWT="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEwMDEiLCJzY29wZSI6ImFjY291bnRzIiwiaWF0IjoxNzYzNzAwMDAwLCJleHAiOjE3NjM3MDM2MDB9.dGVzdC1zaWduYXR1cmUtYnl0ZXMtMzItbG9uZy4uLi4"
HDRS=(-H "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
      -H "Accept: application/json" -H "Authorization: Bearer $JWT"
      -H "Cookie: session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; theme=dark")
echo '{}' >"$TMP/config.json"
echo '{"id":1001,"balance":"12.50","currency":"EUR"}' >"$TMP/answer.json"

profile() { # LABEL render-config-args...
  local label="$1"; shift
  "$VIGIL_BIN" render-config --wasm "$VIGIL_WASM" --listen 127.0.0.1:18790 --admin 127.0.0.1:18791 \
    --access-log "$TMP/access.jsonl" --direct-response-file "$TMP/answer.json" "$@" -o "$TMP/envoy.yaml"
  "$ENVOY_BIN" -c "$TMP/envoy.yaml" --concurrency 1 --disable-hot-restart -l warn --log-path "$TMP/envoy.log" >/dev/null 2>&1 &
  PID=$!
  for _ in $(seq 100); do [ "$(curl -s http://127.0.0.1:18791/ready || true)" = LIVE ] && break; sleep 0.1; done
  export BENCH_CALL="$CALL" BENCH_BODY="$ROOT/scripts/bench/request.json"
  wrk -t1 -c16 -d2s "${HDRS[@]}" -s "$ROOT/scripts/bench/calls.lua" http://127.0.0.1:18790/ >/dev/null
  local t0 t1 n
  t0=$(sed 's/^.*) //' "/proc/$PID/stat" | awk '{print $12 + $13}')
  perf record -g -p "$PID" -o "$TMP/perf.data" -- sleep "$SECS" >/dev/null 2>&1 &
  local perf_pid=$!
  n=$(wrk -t1 -c16 -d"${SECS}s" "${HDRS[@]}" -s "$ROOT/scripts/bench/calls.lua" http://127.0.0.1:18790/ | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
  wait "$perf_pid"
  t1=$(sed 's/^.*) //' "/proc/$PID/stat" | awk '{print $12 + $13}')
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  perf script -i "$TMP/perf.data" -F comm,ip,dso 2>/dev/null | python3 -c "$CLASSIFY" "$label" "$(( t1 - t0 ))" "$(getconf CLK_TCK)" "$n"
}

CLASSIFY='
import sys, collections
label, ticks, hz, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per_req = ticks / hz * 1e6 / n
classes, total = collections.Counter(), 0
def binary(dso):
    return not dso.startswith("[JIT]") and not dso.startswith("perf-") and dso not in ("[unknown]", "")
def close(thread, frames):
    global total
    if not frames:
        return
    total += 1
    leaf = frames[0]
    if "worker" not in thread:
        classes["other threads (access-log flush, main)"] += 1
    elif leaf == "[kernel.kallsyms]":
        classes["kernel"] += 1
    elif not binary(leaf):
        classes["filter wasm code"] += 1
    elif any(not binary(f) for f in frames[1:]):
        classes["host calls made by the filter"] += 1
    else:
        classes["Envoy and libc, no wasm below"] += 1
thread, frames = "", []
for line in sys.stdin:
    if not line.strip():
        close(thread, frames); frames = []
    elif not line[0].isspace():
        close(thread, frames); thread, frames = line.split()[0], []
    else:
        dso = line.strip().rsplit("(", 1)[-1].rstrip(")")
        frames.append(dso.rsplit("/", 1)[-1] if dso.startswith("/") else dso)
close(thread, frames)
print("%s: %d requests, Envoy CPU %.1f us/request under perf" % (label, n, per_req))
for k, v in sorted(classes.items(), key=lambda kv: -kv[1]):
    print("  %-42s %6.1f us  (%4.1f%%)" % (k, per_req * v / total, 100 * v / total))
'
profile "no filter" --no-filter
profile "filter {}" --config "$TMP/config.json"
