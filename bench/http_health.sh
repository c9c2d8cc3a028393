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
"$here/prepare.sh" tandem
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

source "$here/lib.sh"

start_tandem ${EXTRA_ARGS:-}
body=$(curl -sf "http://127.0.0.1:$port/health")
start_nginx "location = /health { default_type application/json; return 200 '$body'; }" /health
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
