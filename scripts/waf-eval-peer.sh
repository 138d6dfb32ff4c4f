#!/usr/bin/env bash
# The ModSecurity half of `make waf-eval`: the same corpus replayed through nginx + ModSecurity v3 +
# OWASP CRS (Debian's packages) at each paranoia level, with the shared peer set-up's own scripts
# (../shared/peers/modsec: setup.sh, start.sh, stop.sh; nothing of them is copied here) and the
# shared replayer. Loopback only; each replay is bounded by MAX_SECONDS.
#
#   scripts/waf-eval-peer.sh OUTDIR
#
# Writes OUTDIR/crs-pl<N>.results.jsonl (replay.py --out) and OUTDIR/crs-pl<N>.txt (its summary).
# Exit status 3: the peer's packages are not installed and INSTALL is not 1.
#
# Environment: CORPUS (../shared/corpus/waf-dev.jsonl), PLS ("1 2"), THREADS (4),
#   MAX_SECONDS (300, per replay), BLOCKED_STATUSES (403), INSTALL (0; 1 runs the peer's setup.sh,
#   which installs the Debian packages when missing: apt-get, needs root or sudo),
#   PEER_HOME (../shared/peers/modsec), PORT (a free loopback port).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUTDIR=${1:?usage: waf-eval-peer.sh OUTDIR}
PEER_HOME=${PEER_HOME:-$ROOT/../shared/peers/modsec}
CORPUS=${CORPUS:-$ROOT/../shared/corpus/waf-dev.jsonl}
REPLAY=${REPLAY:-$ROOT/../shared/corpus/replay.py}
PLS=${PLS:-1 2}
THREADS=${THREADS:-4}
MAX_SECONDS=${MAX_SECONDS:-300}
BLOCKED_STATUSES=${BLOCKED_STATUSES:-403}
INSTALL=${INSTALL:-0}

[[ -x $PEER_HOME/start.sh ]] || { echo "waf-eval-peer: no peer set-up at $PEER_HOME" >&2; exit 1; }
[[ -f $CORPUS && -f $REPLAY ]] || { echo "waf-eval-peer: corpus or replayer missing ($CORPUS, $REPLAY)" >&2; exit 1; }

# The same paths as the peer's lib.sh checks.
installed() {
    [[ -x /usr/sbin/nginx && -f /usr/lib/nginx/modules/ngx_http_modsecurity_module.so \
        && -d /usr/share/modsecurity-crs/rules ]]
}
if ! installed; then
    if [[ $INSTALL != 1 ]]; then
        echo "waf-eval-peer: nginx + ModSecurity + CRS are not installed (make waf-eval PEER=1 installs them)" >&2
        exit 3
    fi
    # Installs the packages (apt-get) and checks the set-up (verify.sh starts and stops its own nginx).
    setup_dir=$(mktemp -d /tmp/palisade-modsec-setup.XXXXXX)
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
        MODSEC_PEER_DIR=$setup_dir "$PEER_HOME/setup.sh"
    rm -rf "$setup_dir"
fi

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
# Our own working dir and port, so that a peer someone else runs (default /tmp/modsec-peer, port
# 18080) is never touched. nginx's workers may run as another user: the dir must be traversable.
export MODSEC_PEER_DIR
MODSEC_PEER_DIR=$(mktemp -d /tmp/palisade-waf-eval-modsec.XXXXXX)
chmod 755 "$MODSEC_PEER_DIR"
export PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

cleanup() {
    "$PEER_HOME/stop.sh" >/dev/null 2>&1 || true
    rm -rf "$MODSEC_PEER_DIR"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

for pl in $PLS; do
    PL=$pl "$PEER_HOME/start.sh" modsec "$pl"
    echo "== CRS PL$pl: $(basename "$CORPUS") against nginx + ModSecurity on 127.0.0.1:$PORT"
    python3 "$REPLAY" "$CORPUS" --base-url "http://127.0.0.1:$PORT" --out "$OUTDIR/crs-pl$pl.results.jsonl" \
        --threads "$THREADS" --blocked-statuses "$BLOCKED_STATUSES" --max-seconds "$MAX_SECONDS" \
        | tee "$OUTDIR/crs-pl$pl.txt"
    cp "$MODSEC_PEER_DIR/logs/error-$PORT.log" "$OUTDIR/crs-pl$pl.error.log" 2>/dev/null || true
    PL=$pl "$PEER_HOME/stop.sh" >/dev/null
done
