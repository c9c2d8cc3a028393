#!/usr/bin/env bash
# Installs what is missing, builds the release binary and runs `tandem serve` on the embedded
# defaults (http://127.0.0.1:8080, data in ./data). Extra arguments go to `tandem serve`.
# Every route but /health, /ready, /metrics and the web pages needs an API key: unless
# TANDEM_AUTH_ADMIN_KEY or TANDEM_AUTH_ADMIN_KEY_FILE is set, the admin key is a random one kept
# in data/admin.key (made once, readable by its owner only), so that the README's examples can
# read it from there.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cmake --preset release >/dev/null
cmake --build --preset release --target tandem
if [ -z "${TANDEM_AUTH_ADMIN_KEY:-}" ] && [ -z "${TANDEM_AUTH_ADMIN_KEY_FILE:-}" ]; then
  export TANDEM_AUTH_ADMIN_KEY_FILE=data/admin.key
  if [ ! -s "$TANDEM_AUTH_ADMIN_KEY_FILE" ]; then
    mkdir -p data
    (umask 077 && head -c 30 /dev/urandom | base64 | tr -d '/+=\n' > "$TANDEM_AUTH_ADMIN_KEY_FILE")
  fi
fi
if [ -n "${TANDEM_AUTH_ADMIN_KEY_FILE:-}" ]; then
  echo "admin API key: in $TANDEM_AUTH_ADMIN_KEY_FILE; try:" >&2
  echo "  curl -H \"X-API-Key: \$(cat $TANDEM_AUTH_ADMIN_KEY_FILE)\" 'http://127.0.0.1:8080/search?q=*'" >&2
  echo "  or open http://127.0.0.1:8080/ (search) and /dashboard, and paste the key when asked" >&2
fi
exec build/release/src/cli/tandem serve "$@"
