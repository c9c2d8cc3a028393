#!/usr/bin/env bash
# By-id lookups: tandem's GET /cache?id= (cache hits) against nginx serving the same body
# statically and against redis-server GET of the same bytes (redis-benchmark, 50 clients), in
# the same run on the same machine. Then the latency of tandem and nginx at half tandem's maximum
# rate, held open-loop by bench/open_loop (50 connections, three rounds each).
#
#   bench/cache_http.sh [path/to/tandem] [seconds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/prepare.sh" tandem open_loop
tandem=${1:-$here/../build/release/src/cli/tandem}
secs=${2:-10}
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers read the body file
tandem_pid= nginx_pid= redis_pid=
cleanup() {
  for p in $tandem_pid $nginx_pid $redis_pid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$here/lib.sh"

TANDEM_JOBS_GENERATE_ENABLED=false start_tandem
"$tandem" generate --count 1 --seed 5 --now 2026-01-01T00:00:00Z > "$work/record.json"
id=$(grep -oE '"id":"[^"]+"' "$work/record.json" | head -1 | cut -d'"' -f4)
curl -sf -X POST "http://127.0.0.1:$port/v1/collections/products/records" \
  -H 'Content-Type: application/json' --data-binary @"$work/record.json" > /dev/null
curl -sf "http://127.0.0.1:$port/cache?id=$id" > /dev/null  # warm
body=$(curl -sf "http://127.0.0.1:$port/cache?id=$id")
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/cache?id=$id")" = 200 ]

printf '%s' "$body" > "$work/cache.json"
chmod 644 "$work/cache.json"
start_nginx "location = /cache { default_type application/json; alias $work/cache.json; }" /cache

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no > "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$rport" ping > /dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$rport" -x set "products/$id" < "$work/cache.json" > /dev/null
echo "body bytes: tandem ${#body}, nginx $(curl -s "http://127.0.0.1:$nport/cache" | wc -c), redis $(redis-cli -p "$rport" strlen "products/$id")"

rps() {
  wrk -t1 -c50 -d"${secs}s" --latency "$1" |
    awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print r, p50, p99}'
}
read -r t tp50 tp99 < <(rps "http://127.0.0.1:$port/cache?id=$id")
read -r n np50 np99 < <(rps "http://127.0.0.1:$nport/cache")
r=$(redis-benchmark -p "$rport" -c 50 -n $((secs * 40000)) -q "GET" "products/$id" | grep -oE '[0-9.]+ requests per second' | cut -d' ' -f1)
# Latency at half tandem's maximum rate, held open-loop, and nginx at the same rate as the peer:
# three rounds, alternating, reporting each server's median round (this machine is shared).
half=$(python3 -c "print(int($t / 2))")
open_loop=$here/../build/release/bench/open_loop
for round in 1 2 3; do
  "$open_loop" 127.0.0.1 "$port" "/cache?id=$id" "$half" "$secs" 50 >> "$work/tandem-half.txt"
  "$open_loop" 127.0.0.1 "$nport" /cache "$half" "$secs" 50 >> "$work/nginx-half.txt"
done
median_round() { sort -n -k10 "$1" | sed -n 2p; }  # by p99
read -r -a th < <(median_round "$work/tandem-half.txt")
read -r -a nh < <(median_round "$work/nginx-half.txt")
echo "tandem /cache hits: $t req/s (p50 $tp50, p99 $tp99)"
echo "  at half rate:     ${th[3]} req/s held open-loop, median of 3: p50 ${th[5]} ms, p99 ${th[9]} ms, p99.9 ${th[11]} ms (errors ${th[15]})"
echo "nginx static body:  $n req/s (p50 $np50, p99 $np99)"
echo "  at the same rate: ${nh[3]} req/s held open-loop, median of 3: p50 ${nh[5]} ms, p99 ${nh[9]} ms, p99.9 ${nh[11]} ms (errors ${nh[15]})"
echo "redis-server GET:   $r req/s (redis-benchmark, 50 clients)"
python3 -c "print(f'ratio to nginx {$t/$n:.2f}, to redis {$t/$r:.2f}')"
