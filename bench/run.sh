#!/usr/bin/env bash
# Every benchmark in one command: tandem against its peers (nginx, redis-server, PostgreSQL,
# SQLite FTS5) in the same run on this machine, then one table of ratios and goals, the raw
# results (JSON) and charts (SVG) in bench/results/<UTC time>-<mode>/.
#
#   bench/run.sh quick   # 10k and 100k records, 5 s load runs: within 10 minutes on 2 cores
#   bench/run.sh full    # 10k, 100k and 1M records, 10 s load runs
#   bench/run.sh huge    # as full, and 10M records
#
# Each scenario script also runs alone (see its header); here they share a results directory.
# Peers are installed from Debian (scripts/setup.sh bench), started on loopback on free ports with
# the settings their scripts document, and stopped by PID.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-}
case "$mode" in
  quick) sizes=(10000 100000) secs=5 runs=100 ;;
  full) sizes=(10000 100000 1000000) secs=10 runs=200 ;;
  huge) sizes=(10000 100000 1000000 10000000) secs=10 runs=200 ;;
  *) echo "usage: $0 quick|full|huge" >&2; exit 2 ;;
esac
"$here/prepare.sh" tandem open_loop
tandem=$here/../build/release/src/cli/tandem
out=$here/results/$(date -u +%Y%m%dT%H%M%SZ)-$mode
mkdir -p "$out"
export BENCH_RESULTS=$out
started=$(date +%s)

python3 - "$out/machine.json" "$mode" "$tandem" <<'PY'
import json, os, platform, subprocess, sys, time
run = lambda *a: subprocess.run(a, capture_output=True, text=True).stdout.strip()
mem = int(open("/proc/meminfo").read().split()[1]) * 1024
json.dump({"mode": sys.argv[2], "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "cpus": os.cpu_count(), "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                                                if l.startswith("model name")), "?"),
           "memory_bytes": mem, "kernel": platform.release(),
           "os": run("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
           "commit": run("git", "-C", os.path.dirname(sys.argv[1]), "rev-parse", "--short", "HEAD"),
           "tandem": run(sys.argv[3], "--version"), "compiler": run("c++", "--version").splitlines()[0]},
          open(sys.argv[1], "w"), indent=1)
PY

step() { echo; echo "== $1 ($(($(date +%s) - started)) s)"; }
step "/health against nginx"
ROUNDS=2 "$here/http_health.sh" "$tandem" "$secs" 2>&1 | tee "$out/health.log"
step "/cache hits against nginx and redis-server"
"$here/cache_http.sh" "$tandem" "$secs" 2>&1 | tee "$out/cache.log"
step "durable ingest against PostgreSQL"
"$here/ingest.sh" "$tandem" "$secs" 2>&1 | tee "$out/ingest.log"
for n in "${sizes[@]}"; do
  step "search and indexing at $n records against SQLite FTS5 and PostgreSQL"
  peer_runs=$runs slowed=1
  [ "$n" -ge 10000000 ] && peer_runs=20 slowed=0  # FTS5's common word takes seconds there
  RUNS=$runs PEER_RUNS=$peer_runs SLOWED=$slowed "$here/search_bench.py" "$tandem" "$n" 2>&1 | tee "$out/search-$n.log"
done
step "relevance over WordNet and the package catalogue against SQLite FTS5 and PostgreSQL"
"$here/relevance/run.py" "$tandem" 2>&1 | tee "$out/relevance.log"
step "report"
"$here/report.py" "$out" | tee "$out/summary.md"
echo "results: $out ($(($(date +%s) - started)) s)"
