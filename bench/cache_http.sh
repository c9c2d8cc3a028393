#!/usr/bin/env bash
# By-id lookups: tandem's GET /cache?id= (cache hits) with the memory cache and with the Redis
# cache, against nginx serving the same body statically and against redis-server GET of the same
# bytes on the same Redis (redis-benchmark, 50 clients), in the same run on the same machine.
# Then the latency of each at half its own maximum rate (nginx at the memory backend's), held
# open-loop by bench/open_loop (50 connections, three rounds each, the median round reported).
# Last, a memory-cache tandem on half a core: the slowdown the benchmark must see.
#
#   bench/cache_http.sh [path/to/tandem] [seconds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/prepare.sh" tandem open_loop
tandem=${1:-$here/../build/release/src/cli/tandem}
secs=${2:-10}
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers read the body file
tandem_pid= nginx_pid= redis_pid= memory_pid= cached_pid=
source "$here/lib.sh"
cleanup() {
  stop_tandem
  stop_pids $memory_pid $cached_pid $nginx_pid $redis_pid
  rm -rf "$work"
}
trap cleanup EXIT

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no > "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$rport" ping > /dev/null 2>&1 && break; sleep 0.05; done

"$tandem" generate --count 1 --seed 5 --now 2026-01-01T00:00:00Z > "$work/record.json"
id=$(grep -oE '"id":"[^"]+"' "$work/record.json" | head -1 | cut -d'"' -f4)
# start_backend NAME [serve flags]: a tandem holding the record, its cache warm; sets $port.
start_backend() {
  local name=$1
  shift
  work_dir=$work/$name
  mkdir -p "$work_dir"
  work=$work_dir TANDEM_JOBS_GENERATE_ENABLED=false start_tandem "$@"
  curl -sf "${key_header[@]}" -X POST "http://127.0.0.1:$port/v1/collections/products/records?wait=indexed" \
    -H 'Content-Type: application/json' --data-binary @"$work/record.json" > /dev/null
  curl -sf "${key_header[@]}" "http://127.0.0.1:$port/cache?id=$id" > /dev/null  # warm
  [ "$(curl -s "${key_header[@]}" "http://127.0.0.1:$port/cache?id=$id" | grep -o '"source":"cache"')" ]
}
# Requests without a key are let in too (auth.anonymous_scopes), to measure what the key's check
# costs on the same instance in the same run.
start_backend memory --set auth.anonymous_scopes=search
memory_pid=$tandem_pid mport=$port
start_backend redis --set cache.backend=redis --set "cache.redis.url=redis://127.0.0.1:$rport/0"
dport=$port cached_pid=$tandem_pid
body=$(curl -sf "${key_header[@]}" "http://127.0.0.1:$mport/cache?id=$id")
[ "$body" = "$(curl -sf "${key_header[@]}" "http://127.0.0.1:$dport/cache?id=$id")" ]

printf '%s' "$body" > "$work/cache.json"
chmod 644 "$work/cache.json"
start_nginx "location = /cache { default_type application/json; alias $work/cache.json; }" /cache
redis-cli -p "$rport" -x set "bench/$id" < "$work/cache.json" > /dev/null
echo "body bytes: tandem ${#body}, nginx $(curl -s "http://127.0.0.1:$nport/cache" | wc -c), redis $(redis-cli -p "$rport" strlen "bench/$id")"

rps() {  # rps URL [wrk flags...]: "requests/s p50_ms p99_ms"
  local url=$1
  shift
  wrk_run -t1 -c50 -d"${secs}s" "$@" "$url" | cut -d' ' -f1-3
}
read -r m mp50 mp99 < <(rps "http://127.0.0.1:$mport/cache?id=$id" "${key_header[@]}")
read -r m0 m0p50 m0p99 < <(rps "http://127.0.0.1:$mport/cache?id=$id")
read -r d dp50 dp99 < <(rps "http://127.0.0.1:$dport/cache?id=$id" "${key_header[@]}")
read -r n np50 np99 < <(rps "http://127.0.0.1:$nport/cache")
r=$(redis-benchmark -p "$rport" -c 50 -n $((secs * 40000)) -q "GET" "bench/$id" | grep -oE '[0-9.]+ requests per second' | cut -d' ' -f1)
# Latency at half the maximum rate, held open-loop: three rounds, alternating, each server's
# median round by p99 (this machine is shared).
mhalf=$(python3 -c "print(int($m / 2))")
dhalf=$(python3 -c "print(int($d / 2))")
open_loop=$here/../build/release/bench/open_loop
for round in 1 2 3; do
  "$open_loop" 127.0.0.1 "$mport" "/cache?id=$id" "$mhalf" "$secs" 50 "X-API-Key: $bench_key" >> "$work/memory-half.txt"
  "$open_loop" 127.0.0.1 "$dport" "/cache?id=$id" "$dhalf" "$secs" 50 "X-API-Key: $bench_key" >> "$work/redis-half.txt"
  "$open_loop" 127.0.0.1 "$nport" /cache "$mhalf" "$secs" 50 >> "$work/nginx-half.txt"
done
median_round() { sort -n -k10 "$1" | sed -n 2p; }
read -r -a mh < <(median_round "$work/memory-half.txt")
read -r -a dh < <(median_round "$work/redis-half.txt")
read -r -a nh < <(median_round "$work/nginx-half.txt")
half_line() { echo "  at half rate:     ${1} req/s held open-loop, median of 3: p50 ${2} ms, p99 ${3} ms, p99.9 ${4} ms (errors ${5})"; }
echo "tandem /cache hits, memory cache: $m req/s (p50 $mp50 ms, p99 $mp99 ms), with a key"
echo "  the same without a key:          $m0 req/s (p50 $m0p50 ms, p99 $m0p99 ms): with/without $(python3 -c "print(f'{$m/$m0:.2f}')") (goal 0.95)"
half_line "${mh[3]}" "${mh[5]}" "${mh[9]}" "${mh[11]}" "${mh[15]}"
echo "tandem /cache hits, Redis cache:  $d req/s (p50 $dp50 ms, p99 $dp99 ms)"
half_line "${dh[3]}" "${dh[5]}" "${dh[9]}" "${dh[11]}" "${dh[15]}"
echo "nginx static body:  $n req/s (p50 $np50 ms, p99 $np99 ms)"
half_line "${nh[3]}" "${nh[5]}" "${nh[9]}" "${nh[11]}" "${nh[15]}"
echo "redis-server GET:   $r req/s (redis-benchmark, 50 clients, the same Redis)"
python3 -c "print(f'memory: ratio to nginx {$m/$n:.2f}, to redis {$m/$r:.2f}; redis backend: ratio to redis-benchmark {$d/$r:.2f}, to memory {$d/$m:.2f}')"

start_backend slowed slowed
read -r sm _ _ < <(rps "http://127.0.0.1:$port/cache?id=$id" "${key_header[@]}")
echo "slowed (tandem on half a core): memory cache $sm req/s, $(python3 -c "print(f'{$sm/$m:.2f}')") of its rate"
half() { echo "{\"rate\": $1, \"p50_ms\": $2, \"p99_ms\": $3, \"p999_ms\": $4, \"errors\": $5}"; }
record cache "{\"memory\": {\"rps\": $m, \"p99_ms\": $mp99, \"without_key_rps\": $m0, \"half\": $(half "${mh[3]}" "${mh[5]}" "${mh[9]}" "${mh[11]}" "${mh[15]}")},
  \"redis\": {\"rps\": $d, \"p99_ms\": $dp99, \"half\": $(half "${dh[3]}" "${dh[5]}" "${dh[9]}" "${dh[11]}" "${dh[15]}")},
  \"nginx\": {\"rps\": $n, \"p99_ms\": $np99, \"half\": $(half "${nh[3]}" "${nh[5]}" "${nh[9]}" "${nh[11]}" "${nh[15]}")},
  \"redis_benchmark\": {\"rps\": $r}, \"slowed\": $sm}"
