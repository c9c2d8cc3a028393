# Shared by the benchmark scripts (sourced, not run): free ports, and tandem and nginx started on
# loopback with their logs in $work. Callers set $tandem and $work, and stop $tandem_pid and
# $nginx_pid in their own cleanup.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The admin key of the tandems started here: requests carry it as X-API-Key ("${key_header[@]}"
# for curl and wrk).
bench_key=bench-admin-key-0123456789abcdef
key_header=(-H "X-API-Key: $bench_key")

# start_tandem [serve flags...]: tandem on a free port, data in $work/data, 2 threads, logging
# to $work/tandem.log. Sets tandem_pid and port once it listens.
start_tandem() {
  TANDEM_AUTH_ADMIN_KEY=$bench_key "$tandem" serve --port 0 --data-dir "$work/data" --set server.threads=2 \
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
