#!/usr/bin/env bash
# Makes a self-signed certificate for localhost, 127.0.0.1 and ::1 (for the demo's HTTPS
# listener) unless one is already there:  scripts/make-certs.sh [DIR]   (default envoy/certs)
set -euo pipefail
dir=${1:-envoy/certs}
mkdir -p "$dir"
if [[ -s $dir/server.crt && -s $dir/server.key ]] && openssl x509 -checkend 86400 -noout -in "$dir/server.crt" >/dev/null 2>&1; then
  exit 0
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$dir/server.key" -out "$dir/server.crt" -days 365 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null
# A throwaway demo key; readable so that the Envoy container (user envoy) can load it.
chmod 644 "$dir/server.key"
chmod 644 "$dir/server.crt"
echo "made a self-signed certificate in $dir/"
