#!/usr/bin/env bash
# By-id lookups: tandem's GET /cache?id= (cache hits) against nginx serving the same body
# statically and against redis-server GET of the same bytes (redis-benchmark, 50 clients), in
# the same run on the same machine.
#
#   bench/cache_http.sh [path/to/tandem] [seconds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

TANDEM_JOBS_GENERATE_ENABLED=false "$tandem" serve --port 0 --data-dir "$work/data" \
  --set server.threads=2 --set log.file="$work/tandem.log" &
tandem_pid=$!
for _ in $(seq 100); do
  port=$(grep -oE '"msg":"listening".*"port":[0-9]+' "$work/tandem.log" 2>/dev/null | grep -oE '[0-9]+$' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
"$tandem" generate --count 1 --seed 5 --now 2026-01-01T00:00:00Z > "$work/record.json"
id=$(grep -oE '"id":"[^"]+"' "$work/record.json" | head -1 | cut -d'"' -f4)
curl -sf -X POST "http://127.0.0.1:$port/v1/collections/products/records" \
  -H 'Content-Type: application/json' --data-binary @"$work/record.json" > /dev/null
curl -sf "http://127.0.0.1:$port/cache?id=$id" > /dev/null  # warm
body=$(curl -sf "http://127.0.0.1:$port/cache?id=$id")
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/cache?id=$id")" = 200 ]

nport=$(free_port)
mkdir -p "$work/tmp"
printf '%s' "$body" > "$work/cache.json"
chmod 644 "$work/cache.json"
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx-access.log;
  client_body_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$nport;
    location = /cache { default_type application/json; alias $work/cache.json; }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no > "$work/redis.log" &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$rport" ping > /dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$rport" -x set "products/$id" < "$work/cache.json" > /dev/null
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nport/cache" > /dev/null && break; sleep 0.05; done
echo "body bytes: tandem ${#body}, nginx $(curl -s "http://127.0.0.1:$nport/cache" | wc -c), redis $(redis-cli -p "$rport" strlen "products/$id")"

rps() {
  wrk -t1 -c50 -d"${secs}s" --latency "$1" |
    awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print r, p50, p99}'
}
read -r t tp50 tp99 < <(rps "http://127.0.0.1:$port/cache?id=$id")
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nport/cache")" = 200 ] || { echo "nginx does not serve the body" >&2; exit 1; }
read -r n np50 np99 < <(rps "http://127.0.0.1:$nport/cache")
r=$(redis-benchmark -p "$rport" -c 50 -n $((secs * 40000)) -q "GET" "products/$id" | grep -oE '[0-9.]+ requests per second' | cut -d' ' -f1)
echo "tandem /cache hits: $t req/s (p50 $tp50, p99 $tp99)"
echo "nginx static body:  $n req/s (p50 $np50, p99 $np99)"
echo "redis-server GET:   $r req/s (redis-benchmark, 50 clients)"
python3 -c "print(f'ratio to nginx {$t/$n:.2f}, to redis {$t/$r:.2f}')"
