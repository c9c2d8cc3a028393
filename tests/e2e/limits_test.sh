#!/usr/bin/env bash
# End-to-end limits on the built binary: under wrk load beyond a key's rate, the accepted
# requests stay within 10% of the rate (the rest get 429) while another key is unaffected; and
# slowhttptest in slow-headers and slow-body modes does not keep a second client from its normal
# answers. Prints "N passed, N failed"; exits non-zero on failure.
#   tests/e2e/limits_test.sh path/to/tandem
set -uo pipefail
tandem=${1:?usage: limits_test.sh path/to/tandem}
for tool in wrk slowhttptest curl; do
  command -v "$tool" >/dev/null || { echo "limits_test: $tool missing (scripts/setup.sh test installs it)"; exit 1; }
done
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
pid= attack=
cleanup() {
  [ -n "$attack" ] && kill -KILL "$attack" 2>/dev/null
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

admin=e2e-limits-admin-key-0123456789
TANDEM_AUTH_ADMIN_KEY=$admin "$tandem" serve --data-dir "$work/data" --port 0 \
  --set jobs.generate.enabled=false --set log.access=false --set server.read_timeout=2s \
  --set server.threads=2 > "$work/log" 2>&1 &
pid=$!
port=$(wait_port "$work/log" "$pid") || exit 1
base="http://127.0.0.1:$port"
make_key() {  # make_key RATE BURST: prints the key
  curl -s -H "X-API-Key: $admin" -H 'Content-Type: application/json' "$base/v1/keys" \
    -d "{\"scopes\":[\"search\"],\"rate\":$1,\"burst\":$2}" | grep -oE '"key":"tdm_[a-z0-9_]+"' | cut -d'"' -f4
}

# 1. A key of 100 requests/s (burst 20) loaded by wrk far beyond that, for 6 s.
rate=100 burst=20 secs=6
limited=$(make_key $rate $burst)
other=$(make_key 0 0)
wrk -t1 -c16 -d${secs}s -H "X-API-Key: $limited" "$base/search?q=*&per_page=1" > "$work/wrk" &
load=$!
other_codes=
for _ in $(seq 20); do
  other_codes+=$(curl -s -o /dev/null -w '%{http_code} ' -H "X-API-Key: $other" "$base/search?q=*")
  sleep 0.1
done
wait "$load"
total=$(grep -oE '[0-9]+ requests in' "$work/wrk" | grep -oE '^[0-9]+')
took=$(grep -oE 'requests in [0-9.]+s' "$work/wrk" | grep -oE '[0-9.]+')
refused=$(grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$work/wrk" | grep -oE '[0-9]+$' || echo 0)
accepted=$((total - ${refused:-0}))
per_second=$(python3 -c "print(round(($accepted - $burst) / $took, 1))")
echo "wrk: $total requests in ${took}s, $refused refused, $accepted accepted: $per_second/s after the burst (rate $rate)"
check "wrk pushed well beyond the rate" [ "$total" -gt $((rate * secs * 3)) ]
check "accepted requests within 10% of the rate ($per_second/s)" \
  python3 -c "import sys; sys.exit(0 if abs($per_second - $rate) <= 0.1 * $rate else 1)"
check "another key is unaffected meanwhile" [ "$(echo "$other_codes" | tr ' ' '\n' | grep -c '^200$')" = 20 ]

# 2. slowhttptest: slow headers (slowloris), then slow bodies, each with 300 connections, while a
# second client keeps asking; its answers stay fast and 200.
for mode in -H -B; do
  slowhttptest $mode -c 300 -r 150 -i 5 -l 8 -s 8192 -t POST -u "$base/v1/collections/products/records" \
    -x 16 -p 3 -g -o "$work/slow$mode" > "$work/slow$mode.out" 2>&1 &
  attack=$!
  sleep 2
  worst=0 ok=0
  for _ in $(seq 20); do
    read -r code t < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "X-API-Key: $admin" "$base/search?q=*")
    [ "$code" = 200 ] && ok=$((ok + 1))
    worst=$(python3 -c "print(max($worst, $t))")
    sleep 0.2
  done
  wait "$attack" 2>/dev/null
  attack=
  echo "slowhttptest $mode: 20 requests beside it, $ok answered 200, slowest ${worst}s"
  check "slowhttptest $mode: the other client is answered" [ "$ok" = 20 ]
  check "slowhttptest $mode: within its normal latency (slowest ${worst}s)" \
    python3 -c "import sys; sys.exit(0 if $worst < 0.5 else 1)"
done
check "the server is still up" kill -0 "$pid"
kill -TERM "$pid"; wait "$pid"; pid=
summary
