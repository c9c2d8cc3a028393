#!/usr/bin/env bash
# Throughput of GET /health against nginx serving a static body of the same size, measured in the
# same run on the same machine (the machines are shared and noisy: only the ratio is meaningful).
#
#   bench/http_health.sh [path/to/tandem] [seconds]
#
# Both servers use 2 worker threads/processes, write an access log line per request to a file,
# and are driven by `wrk -t1 -c32`. Rounds alternate between the two to spread out noise. A last
# round runs tandem on half a core: the slowdown the benchmark must see.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/prepare.sh" tandem
tandem=${1:-$here/../build/release/src/cli/tandem}
secs=${2:-10}
rounds=${ROUNDS:-2}
work=$(mktemp -d)
tandem_pid= nginx_pid=
source "$here/lib.sh"
cleanup() {
  stop_tandem
  stop_pids $nginx_pid
  rm -rf "$work"
}
trap cleanup EXIT

start_tandem ${EXTRA_ARGS:-}
body=$(curl -sf "http://127.0.0.1:$port/health")
start_nginx "location = /health { default_type application/json; return 200 '$body'; }" /health
nbody=$(curl -sf "http://127.0.0.1:$nport/health")
echo "body bytes: tandem ${#body}, nginx ${#nbody}"

rows=()
for r in $(seq "$rounds"); do
  read -r t tp50 tp99 _ < <(wrk_run -t1 -c32 -d"${secs}s" "http://127.0.0.1:$port/health")
  read -r n np50 np99 _ < <(wrk_run -t1 -c32 -d"${secs}s" "http://127.0.0.1:$nport/health")
  echo "round $r: tandem $t req/s (p50 $tp50 ms, p99 $tp99 ms), nginx $n req/s (p50 $np50 ms, p99 $np99 ms)"
  rows+=("{\"tandem\": $t, \"tandem_p99_ms\": $tp99, \"nginx\": $n, \"nginx_p99_ms\": $np99}")
done
stop_tandem
start_tandem slowed ${EXTRA_ARGS:-}
read -r s _ sp99 _ < <(wrk_run -t1 -c32 -d"${secs}s" "http://127.0.0.1:$port/health")
echo "slowed (tandem on half a core): $s req/s (p99 $sp99 ms)"
json=$(python3 - "$s" "${rows[@]}" <<'PY'
import json, sys
slowed, rounds = float(sys.argv[1]), [json.loads(r) for r in sys.argv[2:]]
t = sum(r["tandem"] for r in rounds) / len(rounds)
n = sum(r["nginx"] for r in rounds) / len(rounds)
print(f"mean: tandem {t:.0f} req/s, nginx {n:.0f} req/s, ratio {t / n:.2f}; slowed {slowed / t:.2f} of tandem's rate",
      file=sys.stderr)
print(json.dumps({"tandem": t, "nginx": n, "ratio": t / n, "rounds": rounds, "slowed": slowed}))
PY
)
record health "$json"
