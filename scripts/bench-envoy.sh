#!/usr/bin/env bash
# Load benchmark through Envoy: what the Vigil filter costs per request (part of `make bench`).
#
#   scripts/bench-envoy.sh [--model model.json] [--duration 10] [--rounds 2]
#   scripts/bench-envoy.sh --learn-model scripts/bench/model.json   (re-learns variant (iii)'s model)
#   scripts/bench-envoy.sh --floor   (adds the proxy-wasm floor: scripts/bench/floor, three builds)
#
# Three Envoys run at once (--concurrency 1, --disable-hot-restart, each on its own ports) and are
# loaded one at a time by wrk -t1 -c16, in interleaved rounds, after a 2 s warm-up each:
#   (i)   no wasm filter       `vigil render-config --no-filter --direct-response-file ...`
#   (i')  the filter without per-client state `{"behaviour":{"capacity":0}}` (so (ii) - (i') is
#         the state's cost: two shared-data reads, one compare-and-swap write, the update)
#   (ii)  the filter, `{}`     `vigil render-config --config {} --direct-response-file ...`
#   (iii) the filter + model   `vigil render-config --model FILE --direct-response-file ...` (with --model)
#   (f0) (f1) (f2) with --floor: the same bootstrap with scripts/bench/floor's probe instead of Vigil:
#         callbacks that return at once; + reading the request and response (headers and bodies);
#         + a 965-byte event property for the access log. What any inspecting filter pays.
# All bootstraps come from render-config, so they differ only in the filter. No upstream is measured:
# routes answer with direct_response 200, a small JSON body for /api/v1/accounts/ and
# /api/v1/transfers (the script adds those two routes) and a ~4 KB JSON body (scripts/bench/response.json)
# for everything else. Scenarios, as design.md's typical calls: `get` (a GET with a query, small
# JSON answer), `post` (a POST of a ~4 KB JSON body, small answer), `get4k` (a GET answered with 4 KB of JSON). A direct_response is sent as soon as the request headers arrive; for a POST Envoy then
# closes the connection rather than read the unread body, so every POST would pay a new TCP connection
# (measured: downstream_cx_total == downstream_rq_total). The script therefore puts an
# envoy.filters.http.buffer filter before the router when the rendered config has none (the body is
# read fully, as a real upstream would), and warns if connections are not reused. Requests: a GET with a query string, and a POST of a ~4 KB JSON body
# (scripts/bench/request.json), both with realistic headers (UA, Accept, Authorization: Bearer JWT,
# X-Request-Id, Cookie); scripts/bench/calls.lua gives each request its own request id and each GET
# another account and cursor (or page), so the filter cannot skip what it saw on the last call. Envoy CPU per request comes from /proc/PID/stat utime+stime deltas divided by
# the requests wrk completed: less sensitive than req/s to other load on a shared 2-core box.
# Access logs go to a temp dir (truncated after each run). Environment: VIGIL_BIN, VIGIL_WASM,
# ENVOY_BIN, DURATION, WARMUP, ROUNDS, CONNS, BENCH_KEEP=1 (keep the temp dir).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VIGIL_BIN="${VIGIL_BIN:-$ROOT/target/release/vigil}"
VIGIL_WASM="${VIGIL_WASM:-$ROOT/target/wasm32-wasip1/release/vigil_filter.wasm}"
ENVOY_BIN="${ENVOY_BIN:-$ROOT/.venv/bin/envoy}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
ROUNDS="${ROUNDS:-2}"
CONNS="${CONNS:-16}"
MODEL=""
LEARN_OUT=""
FLOOR=""
BENCH="$ROOT/scripts/bench"

while [ $# -gt 0 ]; do
  case "$1" in
    --model) MODEL="$2"; shift 2 ;;
    --learn-model) LEARN_OUT="$2"; shift 2 ;;
    --floor) FLOOR=1; shift ;;
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

for f in "$VIGIL_BIN" "$VIGIL_WASM" "$ENVOY_BIN"; do
  [ -e "$f" ] || { echo "missing $f: run 'make build'" >&2; exit 1; }
done
[ -z "$MODEL" ] || [ -f "$MODEL" ] || { echo "model $MODEL not found" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found: run 'make setup-bench' (Debian package wrk)" >&2; exit 1; }

TMP="$(mktemp -d /tmp/vigil-bench.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  trap - INT TERM EXIT
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

VARIANTS=(nofilter nostate filter)
[ -n "$MODEL" ] && VARIANTS+=(model)
declare -A LABEL=([nofilter]="(i) no wasm filter" [nostate]="(i') vigil, no client state" [filter]="(ii) vigil, {} config" [model]="(iii) vigil + model"
  [floor0]="(f0) floor: callbacks only" [floor1]="(f1) floor: + read request and response" [floor2]="(f2) floor: + read + 1 KB event")
declare -A PID LISTEN ADMIN WASM
for v in nofilter nostate filter model; do WASM[$v]="$VIGIL_WASM"; done
# The floor probe, built once per level (features: none, read, read+event).
if [ -n "$FLOOR" ]; then
  FLOOR_DIR="$ROOT/scripts/bench/floor"
  for level in 0 1 2; do
    features=("" "--features=read" "--features=read,event")
    cargo build -q --release --target wasm32-wasip1 --manifest-path "$FLOOR_DIR/Cargo.toml" ${features[$level]}
    cp "$FLOOR_DIR/target/wasm32-wasip1/release/vigil_floor_probe.wasm" "$TMP/floor$level.wasm"
    WASM[floor$level]="$TMP/floor$level.wasm"
    VARIANTS+=("floor$level")
  done
fi
[ -n "$LEARN_OUT" ] && VARIANTS=(filter)

# Ephemeral ports, two per variant (listener, admin).
read -r -a PORTS <<<"$(python3 -c 'import socket
ss=[socket.socket() for _ in range(14)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(" ".join(str(s.getsockname()[1]) for s in ss))')"

# Adds the two small-answer routes in front of the catch-all route (same indentation).
add_small_routes() {
  python3 - "$1" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
m = re.search(r"^( *)- match:\n *prefix: /\n", text, re.M)
if not m:
    sys.exit("bench: no catch-all route found in %s" % path)
ind = m.group(1)
small = '{"id":"tr-20261121-0001","status":"accepted","ok":true}'
block = "".join(
    f"{ind}- match:\n{ind}    prefix: {prefix}\n{ind}  direct_response:\n{ind}    status: 200\n"
    f"{ind}    body:\n{ind}      inline_string: '{small}'\n"
    f"{ind}  response_headers_to_add:\n{ind}    - header:\n{ind}        key: content-type\n{ind}        value: application/json\n"
    for prefix in ("/api/v1/accounts/", "/api/v1/transfers"))
open(path, "w").write(text[:m.start()] + block + text[m.start():])
PY
}

# Inserts envoy.filters.http.buffer right before the router (same indentation) unless present.
add_buffer_filter() {
  python3 - "$1" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
if "envoy.filters.http.buffer" not in text:
    m = re.search(r"^( *)- name: envoy\.filters\.http\.router\s*$", text, re.M)
    if not m:
        sys.exit("bench: no router filter found in %s" % path)
    ind = m.group(1)
    block = (f"{ind}- name: envoy.filters.http.buffer\n"
             f"{ind}  typed_config:\n"
             f"{ind}    \"@type\": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer\n"
             f"{ind}    max_request_bytes: 1048576\n")
    text = text[:m.start()] + block + text[m.start():]
    open(path, "w").write(text)
PY
}

i=0
for v in "${VARIANTS[@]}"; do
  LISTEN[$v]="${PORTS[$i]}"; ADMIN[$v]="${PORTS[$((i + 1))]}"; i=$((i + 2))
  d="$TMP/$v"; mkdir -p "$d"
  case "$v" in
    nofilter) extra=(--no-filter) ;;
    nostate) echo '{"behaviour":{"capacity":0}}' >"$d/config.json"; extra=(--config "$d/config.json") ;;
    filter|floor*) echo '{}' >"$d/config.json"; extra=(--config "$d/config.json") ;;
    model) extra=(--model "$MODEL") ;;
  esac
  "$VIGIL_BIN" render-config --wasm "${WASM[$v]}" --listen "127.0.0.1:${LISTEN[$v]}" \
    --admin "127.0.0.1:${ADMIN[$v]}" --access-log "$d/access.jsonl" \
    --direct-response-file "$BENCH/response.json" "${extra[@]}" -o "$d/envoy.yaml"
  add_buffer_filter "$d/envoy.yaml"
  add_small_routes "$d/envoy.yaml"
  "$ENVOY_BIN" -c "$d/envoy.yaml" --concurrency 1 --disable-hot-restart -l warn \
    --log-path "$d/envoy.log" >/dev/null 2>&1 &
  PID[$v]=$!
  PIDS+=("${PID[$v]}")
done

# Readiness with a deadline, then a sanity request per variant and scenario.
for v in "${VARIANTS[@]}"; do
  end=$((SECONDS + 30))
  until [ "$(curl -s --max-time 1 "http://127.0.0.1:${ADMIN[$v]}/ready" || true)" = LIVE ]; do
    if ! kill -0 "${PID[$v]}" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
      echo "Envoy for ${LABEL[$v]} did not become ready; tail of $TMP/$v/envoy.log:" >&2
      tail -n 30 "$TMP/$v/envoy.log" >&2
      BENCH_KEEP=1; exit 1
    fi
    sleep 0.1
  done
done

# A typical HS256-shaped token with an expiry (an accepted alg:none token would add a posture finding).
JWT="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEwMDEiLCJzY29wZSI6ImFjY291bnRzIiwiaWF0IjoxNzYzNzAwMDAwLCJleHAiOjE3NjM3MDM2MDB9.dGVzdC1zaWduYXR1cmUtYnl0ZXMtMzItbG9uZy4uLi4"
HDRS=(-H "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
      -H "Accept: application/json"
      -H "Authorization: Bearer $JWT"
      -H "X-Request-Id: 5b0e7c1a-2f44-4d0e-9c3b-8a1f6d2e9b70"
      -H "Cookie: session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; theme=dark")
GET_PATH="/api/v1/accounts/1001/transactions?from=2026-11-01&to=2026-11-21&limit=50&cursor=c2VxPTEyMzQ1"
POST_PATH="/api/v1/transfers/batch"
GET4K_PATH="/api/v1/orders?page=1&status=shipped"
export BENCH_BODY="$BENCH/request.json"

for v in "${VARIANTS[@]}"; do
  for s in get post get4k; do
    case "$s" in
      get) args=("http://127.0.0.1:${LISTEN[$v]}$GET_PATH"); min=40 ;;
      get4k) args=("http://127.0.0.1:${LISTEN[$v]}$GET4K_PATH"); min=3000 ;;
      *) args=(-X POST -H "Content-Type: application/json" --data-binary "@$BENCH_BODY" "http://127.0.0.1:${LISTEN[$v]}$POST_PATH"); min=40 ;;
    esac
    code="$(curl -s -o "$TMP/sanity.out" -w '%{http_code}' --max-time 5 "${HDRS[@]}" "${args[@]}" || true)"
    if [ "$code" != 200 ] || [ "$(wc -c <"$TMP/sanity.out")" -lt "$min" ]; then
      echo "sanity check failed for ${LABEL[$v]} $s: HTTP $code, $(wc -c <"$TMP/sanity.out") bytes" >&2
      tail -n 20 "$TMP/$v/envoy.log" >&2
      BENCH_KEEP=1; exit 1
    fi
  done
done

# --learn-model: the benchmark's three calls with varied ids and parameters, 400 of each, through
# variant (ii); `vigil learn` on its access log writes the model variant (iii) uses.
if [ -n "$LEARN_OUT" ]; then
  python3 - "127.0.0.1:${LISTEN[filter]}" "$BENCH_BODY" "$JWT" <<'PY'
import http.client, sys
hostport, body_file, jwt = sys.argv[1], sys.argv[2], sys.argv[3]
body = open(body_file, "rb").read()
conn = http.client.HTTPConnection(hostport, timeout=5)
base = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0", "Accept": "application/json", "Authorization": "Bearer " + jwt}
for i in range(400):
    for method, path, data in (
        ("GET", f"/api/v1/accounts/{1000 + i % 57}/transactions?from=2026-11-{1 + i % 9:02d}&to=2026-11-21&limit={10 + i % 90}&cursor=c2VxPT{i:05d}", None),
        ("POST", "/api/v1/transfers/batch", body),
        ("GET", f"/api/v1/orders?page={1 + i % 40}&status={('shipped', 'open', 'paid')[i % 3]}", None),
    ):
        headers = dict(base, **({"Content-Type": "application/json"} if data else {}))
        conn.request(method, path, body=data, headers=headers)
        conn.getresponse().read()
PY
  sleep 1
  "$VIGIL_BIN" learn "$TMP/filter/access.jsonl" -o "$LEARN_OUT"
  exit 0
fi

conns() { # downstream connections accepted so far by a variant's listener
  curl -s "http://127.0.0.1:${ADMIN[$1]}/stats?filter=^listener\.127\.0\.0\.1_${LISTEN[$1]}\.downstream_cx_total\$" \
    | awk -F': ' '{print $2 + 0}'
}

cpu_ticks() { # utime + stime of a pid, in clock ticks (fields 14 and 15 of /proc/PID/stat)
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
run_wrk() { # VARIANT SCENARIO SECONDS OUTFILE
  local v="$1" s="$2" secs="$3" out="$4" url
  local wargs=(-t1 "-c$CONNS" "-d${secs}s" --latency "${HDRS[@]}" -s "$BENCH/calls.lua")
  BENCH_CALL="$s" wrk "${wargs[@]}" "http://127.0.0.1:${LISTEN[$v]}/" >"$out"
}

echo "benchmark: wrk -t1 -c$CONNS -d${DURATION}s (+${WARMUP}s warm-up), $ROUNDS interleaved round(s), temp dir $TMP"
for r in $(seq 1 "$ROUNDS"); do
  for s in get post get4k; do
    for v in "${VARIANTS[@]}"; do
      run_wrk "$v" "$s" "$WARMUP" /dev/null
      k0="$(conns "$v")"
      c0="$(cpu_ticks "${PID[$v]}")"
      run_wrk "$v" "$s" "$DURATION" "$TMP/wrk.out"
      c1="$(cpu_ticks "${PID[$v]}")"
      k1="$(conns "$v")"
      if [ "$((k1 - k0))" -gt "$((CONNS * 4))" ]; then
        echo "  warning: ${LABEL[$v]} $s opened $((k1 - k0)) connections for -c$CONNS (keep-alive not kept; numbers include TCP setup)" >&2
      fi
      : >"$TMP/$v/access.jsonl"   # Envoy appends (O_APPEND): truncating keeps the disk use bounded
      python3 - "$TMP/wrk.out" "$v" "$s" "$r" "$((c1 - c0))" "$(getconf CLK_TCK)" >>"$RESULTS" <<'PY'
import re, sys
out, v, s, r, ticks, hz = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
t = open(out).read()
def unit(x):
    m = re.match(r"([\d.]+)(us|ms|s)", x)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
reqs = int(re.search(r"(\d+) requests in", t).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = unit(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = unit(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
errs = re.search(r"Socket errors: (.*)", t)
cpu_us = ticks * 1e6 / hz / max(reqs, 1)
print("\t".join(map(str, [v, s, r, reqs, rps, p50, p99, cpu_us, bad.group(1) if bad else 0, errs.group(1) if errs else ""])))
PY
      tail -n 1 "$RESULTS" | awk -F'\t' '{printf "  round %s %-4s %-9s %9.0f req/s  p50 %6.0f us  CPU %6.2f us/req\n", $3, $2, $1, $5, $6, $8}'
    done
  done
done

for v in "${VARIANTS[@]}"; do
  if [ "$v" != nofilter ] && [ "${v#floor}" = "$v" ]; then
    n="$(curl -s "http://127.0.0.1:${ADMIN[$v]}/stats/prometheus" | awk '/^vigil_requests_total/ {s += $NF} END {print s + 0}')"
    engine="$(curl -s "http://127.0.0.1:${ADMIN[$v]}/stats/prometheus" | awk '/^vigil_inspect_microseconds_sum/ {s = $NF} /^vigil_inspect_microseconds_count/ {c = $NF} END {if (c > 0) printf "%.1f", s / c; else print "n/a"}')"
    echo "  ${LABEL[$v]}: vigil_requests_total = $n, time in the engine (vigil_inspect_microseconds) $engine us/request"
  fi
done

echo
echo "Envoy $("$ENVOY_BIN" --version | sed -n 's/.*version: \([^ ]*\).*/\1/p' | cut -d/ -f2), $(nproc) CPUs, wasm $(wc -c <"$VIGIL_WASM") bytes, $(date -u +%Y-%m-%dT%H:%MZ)"
python3 - "$RESULTS" "${VARIANTS[@]}" <<'PY'
import sys, statistics
path, variants = sys.argv[1], sys.argv[2:]
label = {"nofilter": "(i) no wasm filter", "nostate": "(i') vigil, no client state", "filter": "(ii) vigil, `{}` config", "model": "(iii) vigil + model",
         "floor0": "(f0) floor: callbacks only", "floor1": "(f1) floor: + read request and response", "floor2": "(f2) floor: + read + 1 KB event"}
rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
agg = {}
for v, s, r, reqs, rps, p50, p99, cpu, bad, errs in rows:
    a = agg.setdefault((v, s), {"rps": [], "p50": [], "p99": [], "cpu": [], "bad": 0})
    a["rps"].append(float(rps)); a["p50"].append(float(p50)); a["p99"].append(float(p99)); a["cpu"].append(float(cpu))
    a["bad"] += int(bad)
print()
print("| request | config | req/s | req/s vs (i) | p50 (us) | p99 (us) | Envoy CPU us/req | CPU vs (i) | non-2xx |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for s, title in (("get", "GET + query, small answer"), ("post", "POST 4 KB JSON, small answer"), ("get4k", "GET, 4 KB JSON answer")):
    base = agg.get(("nofilter", s))
    for v in variants:
        a = agg.get((v, s))
        if not a:
            continue
        rps, cpu = statistics.mean(a["rps"]), statistics.mean(a["cpu"])
        rr = rps / statistics.mean(base["rps"]) if base else float("nan")
        cr = cpu / statistics.mean(base["cpu"]) if base else float("nan")
        print("| %s | %s | %.0f | %.3f | %.0f | %.0f | %.2f | %.3f | %d |" % (
            title, label[v], rps, rr, statistics.median(a["p50"]), statistics.median(a["p99"]), cpu, cr, a["bad"]))
print()
print("Means over rounds (p50/p99: medians); answers: direct_response 200 (small JSON, or ~4 KB JSON for get4k).")
PY
