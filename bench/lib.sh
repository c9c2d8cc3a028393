# Shared by the benchmark scripts (sourced, not run): free ports, and tandem and nginx started on
# loopback with their logs in $work. Callers set $tandem and $work, and stop $tandem_pid and
# $nginx_pid in their own cleanup.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The admin key of the tandems started here: requests carry it as X-API-Key ("${key_header[@]}"
# for curl and wrk).
bench_key=bench-admin-key-0123456789abcdef
key_header=(-H "X-API-Key: $bench_key")

# start_tandem [serve flags...]: tandem on a free port, data in $work/data, 2 threads, logging
# to $work/tandem.log. Sets tandem_pid and port once it listens. With `slowed` first, tandem
# shares one core with two busy loops (taskset): at most half a core, the slowdown each scenario
# must see.
hog_pids=()
start_tandem() {
  local wrap=()
  if [ "${1:-}" = slowed ]; then
    wrap=(taskset -c 0)
    for _ in 1 2; do
      taskset -c 0 sh -c 'while :; do :; done' &
      hog_pids+=($!)
    done
    shift
  fi
  rm -f "$work/tandem.log"  # a restart must not find the last run's port
  TANDEM_AUTH_ADMIN_KEY=$bench_key "${wrap[@]}" "$tandem" serve --port 0 --data-dir "$work/data" --set server.threads=2 \
    --set log.file="$work/tandem.log" "$@" &
  tandem_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(grep -oE '"msg":"listening".*"port":[0-9]+' "$work/tandem.log" 2>/dev/null | grep -oE '[0-9]+$' || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "tandem did not start" >&2
  exit 1
}

# stop_pids PID...: stops each process and waits for it (for cleanups: never fails).
stop_pids() {
  for p in "$@"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true  # its status is 143 (SIGTERM): not an error here
  done
}

# stop_tandem: stops $tandem_pid (and the busy loops of a slowed one).
stop_tandem() {
  stop_pids ${tandem_pid:-} "${hog_pids[@]}"
  tandem_pid= hog_pids=()
}

# wait_caught_up: until every sink of the tandem on $port has applied the store's last change
# (so that indexing left over from one measurement does not slow the next, or the peer's).
wait_caught_up() {
  for _ in $(seq 6000); do
    curl -s "http://127.0.0.1:$port/health" | python3 -c '
import json, sys
c = json.load(sys.stdin)["components"]
sys.exit(0 if all(s["applied_seq"] >= c["store"]["head_seq"] for s in c["sinks"]) else 1)' && return 0
    sleep 0.1
  done
  echo "tandem did not catch up" >&2
  exit 1
}

# wrk_run WRK-ARGS...: one wrk run with --latency; prints "requests/s p50_ms p99_ms non2xx".
wrk_run() {
  wrk --latency "$@" |
    awk 'function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; return v*1000 }
         /Requests\/sec/ {r=$2} $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)}
         /Non-2xx/ {bad=$NF} END {printf "%s %.3f %.3f %d\n", r, p50, p99, bad}'
}

# record NAME JSON: keeps a scenario's figures as $BENCH_RESULTS/NAME.json for bench/report.py
# (bench/run.sh sets BENCH_RESULTS; run alone, a script only prints).
record() {
  [ -z "${BENCH_RESULTS:-}" ] || printf '%s\n' "$2" > "$BENCH_RESULTS/$1.json"
}

# start_nginx 'location ... { ... }': nginx 1.22 with 2 workers and an access log, serving the
# given location on a free port. Sets nginx_pid and nport once it answers on URL path $1's.
start_nginx() {
  local location=$1 path=$2
  nport=$(free_port)
  mkdir -p "$work/tmp"
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
    $location
  }
}
NGINX
  nginx -c "$work/nginx.conf" -p "$work" &
  nginx_pid=$!
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nport$path")" = 200 ] && return 0
    sleep 0.05
  done
  echo "nginx does not serve $path" >&2
  exit 1
}
