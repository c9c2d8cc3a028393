#!/usr/bin/env bash
# Durable ingest throughput and latency, tandem against PostgreSQL 15 in the same run on the same
# machine (only the ratio is meaningful on shared machines).
#
#   bench/ingest.sh [path/to/tandem] [seconds]
#
# Both sides upsert the same generated product records, N per request/transaction, and only
# acknowledge after an fsync: tandem with store.synchronous = full (POST .../records, batch = one
# request body, driven by wrk), PostgreSQL with fsync and synchronous_commit on
# (INSERT ... ON CONFLICT (id) DO UPDATE of N jsonb rows per transaction, driven by pgbench).
# Batches of 1 and 10 use 16 connections; batches of 1000 use 4. The 10-record batch latency is
# also measured at 4 connections, and from arrival to searchable and cached (`?wait=indexed`,
# one connection; the AWS demo took 268 ms). Last, tandem again on half a core: the slowdown the
# benchmark must see.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/prepare.sh" tandem
tandem=${1:-$here/../build/release/src/cli/tandem}
secs=${2:-10}
work=$(mktemp -d)
chmod 755 "$work"
tandem_pid= pg_started=
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
source "$here/lib.sh"
cleanup() {
  stop_tandem
  [ -z "$pg_started" ] || runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Records: N generated products, as a JSON array (tandem) and as SQL VALUES rows (PostgreSQL).
make_bodies() {
  local n=$1
  "$tandem" generate --count "$n" --seed "$n" --now 2026-01-01T00:00:00Z > "$work/records-$n.ndjson"
  python3 - "$work/records-$n.ndjson" "$work/body-$n.json" "$work/insert-$n.sql" <<'PY'
import json, sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip()]
open(sys.argv[2], "w").write("[" + ",".join(lines) + "]")
rows = ",".join("('%s', '%s'::jsonb)" % (json.loads(l)["id"], l.replace("'", "''")) for l in lines)
open(sys.argv[3], "w").write("INSERT INTO products(id, body) VALUES " + rows +
                             " ON CONFLICT (id) DO UPDATE SET body = excluded.body;\n")
PY
}

# tandem on a fresh data dir.
TANDEM_JOBS_GENERATE_ENABLED=false start_tandem --set log.access=false

# PostgreSQL in a temporary cluster on loopback, as the postgres user.
pgport=$(free_port)
mkdir -p "$work/pg" "$work/pgsock" && chown postgres "$work/pg" "$work/pgsock"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
  -o "-p $pgport -k $work/pgsock -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=50" start >/dev/null
pg_started=1
psql=(runuser -u postgres -- psql -h 127.0.0.1 -p "$pgport" -U postgres -q)
"${psql[@]}" -c "CREATE TABLE products (id text PRIMARY KEY, body jsonb NOT NULL)"

cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("BENCH_KEY")
wrk.body = io.open(os.getenv("BODY_FILE")):read("*a")
LUA

# run_tandem N CONNS [QUERY]: wrk posting N records per request; "requests/s p50_ms p99_ms non2xx".
run_tandem() {
  local n=$1 conns=$2 query=${3:-}
  BODY_FILE="$work/body-$n.json" BENCH_KEY=$bench_key wrk_run -t1 -c"$conns" -d"${secs}s" -s "$work/post.lua" \
    "http://127.0.0.1:$port/v1/collections/products/records$query"
}

# pgbench: prints "tps p50_ms p99_ms failures".
run_pg() {
  local n=$1 conns=$2
  rm -f "$work"/pgbench_log.*
  (cd "$work" && runuser -u postgres -- "$pgbin/pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -n \
      -c "$conns" -j 1 -T "$secs" -f "$work/insert-$n.sql" -l --log-prefix="$work/pgbench_log" postgres) \
    > "$work/pgbench.out" 2>&1
  python3 - "$work" <<'PY'
import glob, re, sys
lat = sorted(int(l.split()[2]) for f in glob.glob(sys.argv[1] + "/pgbench_log*") for l in open(f))
out = open(sys.argv[1] + "/pgbench.out").read()
tps = re.search(r"tps = ([0-9.]+)", out).group(1)
fail = re.search(r"number of failed transactions: (\d+)", out)
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000.0
print(tps, "%.2f" % p(0.50), "%.2f" % p(0.99), fail.group(1) if fail else 0)
PY
}

chown -R postgres "$work"  # pgbench reads the scripts and writes its logs here
printf '%-30s %14s %10s %10s %14s %10s %10s %7s\n' scenario "tandem rec/s" "p50 ms" "p99 ms" "postgres rec/s" "p50 ms" "p99 ms" ratio
rows=()
for spec in "1 16" "10 16" "10 4" "1000 4"; do
  set -- $spec
  n=$1 conns=$2
  [ -f "$work/body-$n.json" ] || make_bodies "$n"
  read -r t_rps t50 t99 tbad < <(run_tandem "$n" "$conns")
  wait_caught_up
  read -r p_tps p50 p99 pbad < <(run_pg "$n" "$conns")
  [ "$tbad" = 0 ] || { echo "tandem answered $tbad non-2xx responses" >&2; exit 1; }
  [ "$pbad" = 0 ] || { echo "pgbench had $pbad failed transactions" >&2; exit 1; }
  rows+=("$(python3 -c "
import json; t=$t_rps*$n; p=$p_tps*$n
print('%-30s %14.0f %10s %10s %14.0f %10s %10s %7.2f' % ('batch of $n, $conns conns', t, '$t50', '$t99', p, '$p50', '$p99', t/p), file=__import__('sys').stderr)
print(json.dumps({'batch': $n, 'connections': $conns, 'tandem': t, 'tandem_p50_ms': $t50, 'tandem_p99_ms': $t99,
                  'postgresql': p, 'postgresql_p50_ms': $p50, 'postgresql_p99_ms': $p99, 'ratio': t / p}))")")
done
# The 10-record batch until searchable and cached, and the same on half a core, each on a fresh
# store after the same 4-connection run, so that the two compare: the runs above leave a store
# churned by millions of upserts of the same records, whose stalls their own p99s show.
fresh_tandem() {
  stop_tandem
  rm -rf "$work/data"
  TANDEM_JOBS_GENERATE_ENABLED=false start_tandem "$@" --set log.access=false
}
fresh_tandem
run_tandem 10 4 >/dev/null
wait_caught_up
read -r w_rps w50 w99 wbad < <(run_tandem 10 1 "?wait=indexed")
[ "$wbad" = 0 ] || { echo "tandem answered $wbad non-2xx responses" >&2; exit 1; }
echo "batch of 10 until searchable and cached (?wait=indexed, 1 conn): p50 $w50 ms, p99 $w99 ms ($w_rps requests/s)"

fresh_tandem slowed
read -r s_rps s50 s99 _ < <(run_tandem 10 4)
wait_caught_up
read -r sw_rps sw50 sw99 _ < <(run_tandem 10 1 "?wait=indexed")
echo "slowed (tandem on half a core): batch of 10, 4 conns: $(python3 -c "print(f'{$s_rps*10:.0f}')") records/s; ?wait=indexed p99 $sw99 ms"
record ingest "$(python3 - "${rows[@]}" <<PY
import json, sys
print(json.dumps({"rows": [json.loads(r) for r in sys.argv[1:]],
                  "wait_indexed": {"batch": 10, "p50_ms": $w50, "p99_ms": $w99, "requests": $w_rps},
                  "slowed": {"tandem": $s_rps * 10, "wait_indexed_p99_ms": $sw99}}))
PY
)"
