#!/usr/bin/env bash
# Throughput of GET /health against nginx serving a static body of the same size, measured in the
# same run on the same machine (the machines are shared and noisy: only the ratio is meaningful).
#
#   bench/http_health.sh [path/to/tandem] [seconds]
#
# Both servers use 2 worker threads/processes, write an access log line per request to a file,
# and are driven by `wrk -t1 -c32`. Rounds alternate between the two to spread out noise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tandem=${1:-$here/../build/release/src/cli/tandem}
secs=${2:-10}
rounds=${ROUNDS:-2}
work=$(mktemp -d)
tandem_pid= nginx_pid=
cleanup() {
  [ -n "$tandem_pid" ] && kill "$tandem_pid" 2>/dev/null && wait "$tandem_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$tandem" serve --port 0 --data-dir "$work/data" --set server.threads=2 \
  --set log.file="$work/tandem.log" ${EXTRA_ARGS:-} &
tandem_pid=$!
for _ in $(seq 100); do
  port=$(grep -o '"msg":"listening".*"port":[0-9]*' "$work/tandem.log" 2>/dev/null | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "tandem did not start" >&2; exit 1; }
body=$(curl -sf "http://127.0.0.1:$port/health")

nport=$(free_port)
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
    location = /health { default_type application/json; return 200 '$body'; }
  }
}
NGINX
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nport/health" >/dev/null && break; sleep 0.05; done
nbody=$(curl -sf "http://127.0.0.1:$nport/health")
echo "body bytes: tandem ${#body}, nginx ${#nbody}"

# Prints "req/s p50 p99" for one wrk run.
rps() {
  wrk -t1 -c32 -d"${secs}s" --latency "$1" |
    awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print r, p50, p99}'
}
t_total=0 n_total=0
for r in $(seq "$rounds"); do
  read -r t tp50 tp99 < <(rps "http://127.0.0.1:$port/health")
  read -r n np50 np99 < <(rps "http://127.0.0.1:$nport/health")
  echo "round $r: tandem $t req/s (p50 $tp50, p99 $tp99), nginx $n req/s (p50 $np50, p99 $np99)"
  t_total=$(python3 -c "print($t_total + $t)")
  n_total=$(python3 -c "print($n_total + $n)")
done
python3 -c "t=$t_total/$rounds; n=$n_total/$rounds; print(f'mean: tandem {t:.0f} req/s, nginx {n:.0f} req/s, ratio {t/n:.2f}')"
