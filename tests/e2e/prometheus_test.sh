#!/usr/bin/env bash
# A real Prometheus scrapes a real tandem on loopback (with a bearer key: auth.public_probes off)
# and loads the shipped rules: the scrape is up, every rule evaluates without error, and the
# query of every rule, with its comparison made a `bool` one (so that it answers whether or not
# the alert fires), returns data: each metric the rules watch is exported under the names and
# labels they use. Also runs `promtool check rules` and `promtool test rules` on the rules.
# Prints "N passed, N failed"; exits non-zero on failure.
#   tests/e2e/prometheus_test.sh path/to/tandem
set -uo pipefail
tandem=${1:?usage: prometheus_test.sh path/to/tandem}
here=$(cd "$(dirname "$0")/../.." && pwd)
rules=$here/deploy/prometheus
for tool in prometheus promtool curl python3; do
  command -v "$tool" >/dev/null || { echo "prometheus_test: $tool missing (scripts/setup.sh test installs it)"; exit 1; }
done
source "$here/tests/e2e/lib.sh"
work=$(mktemp -d)
pid= prom=
cleanup() {
  [ -n "$prom" ] && kill -KILL "$prom" 2>/dev/null
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

check "promtool check rules" promtool check rules "$rules/tandem-rules.yml"
check "promtool test rules" promtool test rules "$rules/tandem-rules.test.yml"

admin=e2e-prometheus-admin-key-0123456789
TANDEM_AUTH_ADMIN_KEY=$admin "$tandem" serve --data-dir "$work/data" --port 0 \
  --set auth.public_probes=false --set log.access=false --set server.threads=2 > "$work/log" 2>&1 &
pid=$!
port=$(wait_port "$work/log" "$pid") || exit 1
check "/metrics needs the key" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" = 401

prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '%s' "$admin" > "$work/key"
cp "$rules/tandem-rules.yml" "$work/"
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [tandem-rules.yml]
scrape_configs:
  - job_name: tandem
    authorization:
      type: Bearer
      credentials_file: $work/key
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn > "$work/prom.log" 2>&1 &
prom=$!
api="http://127.0.0.1:$prom_port/api/v1"

# Traffic for the rates: a few searches and a batch of records.
key_header="X-API-Key: $admin"
curl -s -o /dev/null -H "$key_header" -H 'Content-Type: application/x-ndjson' \
  --data-binary $'{"id":"p1","name":"Lamp","category":"home","brand":"Oak","price":3}\n' \
  "http://127.0.0.1:$port/v1/collections/products/records"
for _ in 1 2 3; do curl -s -o /dev/null -H "$key_header" "http://127.0.0.1:$port/search?q=lamp"; done

# Up, and a few scrapes in (rate() and increase() need two samples).
up=
for _ in $(seq 150); do
  up=$(curl -s "$api/query" --data-urlencode 'query=up{job="tandem"}' 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
  [ "$up" = 1 ] && break
  sleep 0.2
done
check "Prometheus scrapes tandem with the key (up = 1)" test "$up" = 1
[ "$up" = 1 ] || { cat "$work/prom.log"; curl -s "$api/targets"; }
sleep 4

# Every rule loaded and evaluated without error; each query, as a bool comparison, has data.
report=$(curl -s "$api/rules" | python3 -c '
import json, sys, urllib.parse, urllib.request
api = sys.argv[1]

def as_bool(q):
    """The query with its last top-level comparison made a bool one."""
    depth, quote, at = 0, None, None
    i = 0
    while i < len(q):
        c = q[i]
        if quote:
            if c == "\\": i += 1
            elif c == quote: quote = None
        elif c in "\"'\''": quote = c
        elif c in "([{": depth += 1
        elif c in ")]}": depth -= 1
        elif depth == 0 and c in "<>=!":
            op = q[i:i + 2] if q[i:i + 2] in ("==", "!=", ">=", "<=") else c
            if op in ("==", "!=", ">=", "<=", ">", "<"):
                at = (i, len(op))
                i += len(op) - 1
        i += 1
    if at is None: return None
    return q[:at[0] + at[1]] + " bool" + q[at[0] + at[1]:]

rules = [r for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]]
print("rules", len(rules))
for r in rules:
    name = r["name"]
    if r.get("health") != "ok" or r.get("lastError"):
        print("FAIL", name, "health", r.get("health"), r.get("lastError")); continue
    q = as_bool(r["query"])
    if q is None:
        print("FAIL", name, "has no top-level comparison:", r["query"]); continue
    url = api + "/query?" + urllib.parse.urlencode({"query": q})
    res = json.load(urllib.request.urlopen(url))
    series = res["data"]["result"] if res.get("status") == "success" else []
    print("ok" if series else "FAIL", name, len(series), "series:", q.replace("\n", " "))
' "$api")
echo "$report"
check "the seven shipped rules are loaded" grep -q '^rules 7$' <<< "$report"
check "every rule evaluates and its query returns data" bash -c '! grep -q "^FAIL" <<< "$1"' _ "$report"
# (The disk alert depends on this machine's disk, not on tandem.)
check "no alert fires on a healthy tandem" test "$(curl -s "$api/alerts" | python3 -c '
import json, sys
print([a["labels"]["alertname"] for a in json.load(sys.stdin)["data"]["alerts"]
       if a["labels"]["alertname"] != "TandemDiskNearlyFull"])')" = "[]"

summary
