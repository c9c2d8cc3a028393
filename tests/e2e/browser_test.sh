#!/usr/bin/env bash
# The web pages in a real browser (Chromium through playwright-core, tests/browser): generates
# TANDEM_BROWSER_RECORDS records (default 1,000,000, fixed seed), imports them before the server
# starts, waits until the search index has caught up with the change log, then runs
# tests/browser/pages_test.mjs against the server. Screenshots go to TANDEM_ARTIFACTS (default:
# <build dir>/artifacts). Exits with the test's code; 77 (skipped) without Chromium or without
# tests/browser/node_modules (npm ci in tests/browser installs it).
#   tests/e2e/browser_test.sh path/to/tandem
set -uo pipefail
tandem=${1:?usage: browser_test.sh path/to/tandem}
tests=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "browser_test: $chromium missing; skipped"
  exit 77
fi
if [ ! -d "$tests/browser/node_modules/playwright-core" ]; then
  echo "browser_test: tests/browser/node_modules/playwright-core missing (npm ci in tests/browser); skipped"
  exit 77
fi
for tool in node curl; do
  command -v "$tool" >/dev/null || { echo "browser_test: $tool missing"; exit 1; }
done

build_dir() {  # the build tree holding the binary (the nearest CMakeCache.txt above it)
  local dir
  dir=$(cd "$(dirname "$tandem")" && pwd)
  while [ "$dir" != / ] && [ ! -f "$dir/CMakeCache.txt" ]; do dir=$(dirname "$dir"); done
  [ "$dir" = / ] && dir=$(cd "$(dirname "$tandem")" && pwd)
  echo "$dir"
}
count=${TANDEM_BROWSER_RECORDS:-1000000}
artifacts=${TANDEM_ARTIFACTS:-$(build_dir)/artifacts}
mkdir -p "$artifacts" || exit 1
# tandem refuses TANDEM_* variables that are not settings: these two are this script's own.
unset TANDEM_BROWSER_RECORDS TANDEM_ARTIFACTS
source "$tests/e2e/lib.sh"
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "browser_test: $*" >&2
  [ -f "$work/log" ] && tail -n 20 "$work/log" >&2
  exit 1
}

# 1. Records straight into the store while no server runs.
started=$SECONDS
"$tandem" generate --count "$count" --seed 20261201 > "$work/records.ndjson" || fail "generate failed"
"$tandem" import "$work/records.ndjson" --data-dir "$work/data" > "$work/import.log" 2>&1 \
  || { cat "$work/import.log" >&2; fail "import failed"; }
rm -f "$work/records.ndjson"
echo "browser_test: $count records generated and imported in $((SECONDS - started)) s"

# 2. The server; its indexes catch up with the imported change log by themselves. A small records
# cache (1 MiB) keeps the oldest records out of it, so that opening one reads the store first.
admin=e2e-browser-admin-key-0123456789
TANDEM_AUTH_ADMIN_KEY=$admin "$tandem" serve --data-dir "$work/data" --port 0 \
  --set jobs.generate.schedule='rate(1 day)' --set cache.max_bytes=1MiB > "$work/log" 2>&1 &
pid=$!
port=$(wait_port "$work/log" "$pid") || fail "the server did not listen"
base="http://127.0.0.1:$port"

started=$SECONDS
last_report=0
while :; do
  health=$(curl -s "$base/health")
  lags=$(echo "$health" | grep -oE '"lag":[0-9]+' | cut -d: -f2)
  # In step: no lag, and every sink past the imported records (a lag read before the store or a
  # sink has its position can be 0 for a moment; it once let the test start 1M records early).
  applied=$(echo "$health" | grep -oE '"applied_seq":[0-9]+' | cut -d: -f2 | sort -n | head -1)
  if [ -n "$lags" ] && ! echo "$lags" | grep -qv '^0$' && [ "${applied:-0}" -ge "$count" ]; then break; fi
  elapsed=$((SECONDS - started))
  [ "$elapsed" -ge 400 ] && fail "the sinks did not catch up within 400 s: $health"
  kill -0 "$pid" 2>/dev/null || fail "the server exited"
  if [ $((elapsed - last_report)) -ge 10 ]; then
    last_report=$elapsed
    echo "browser_test: ${elapsed} s, catching up: $(echo "$health" | grep -oE '"name":"[^"]+","applied_seq":[0-9]+,"lag":[0-9]+' \
      | sed -E 's/"name":"([^"]+)","applied_seq":([0-9]+),"lag":([0-9]+)/\1 at \2 (\3 behind)/' | paste -sd ',' | sed 's/,/, /g')"
  fi
  sleep 1
done
echo "browser_test: every sink in step after $((SECONDS - started)) s"

# 3. The browser test.
node "$tests/browser/pages_test.mjs" "$base" "$admin" "$artifacts"
code=$?
kill -0 "$pid" 2>/dev/null || { echo "browser_test: the server died during the test" >&2; code=1; }
kill -TERM "$pid"
wait "$pid"
pid=
[ "$code" = 0 ] || tail -n 20 "$work/log" >&2
echo "browser_test: screenshots in $artifacts"
exit "$code"
