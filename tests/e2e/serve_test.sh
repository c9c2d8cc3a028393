#!/usr/bin/env bash
# End-to-end: the built binary on a free port with a temporary data dir, driven with curl,
# stopped with SIGTERM by its PID. Prints "N passed, N failed" and exits non-zero on failure.
#   tests/e2e/serve_test.sh path/to/tandem
set -uo pipefail
tandem=${1:?usage: serve_test.sh path/to/tandem}
work=$(mktemp -d)
pid=
source "$(dirname "$0")/lib.sh"
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The admin key of the services started below (the generated one is tested on its own).
admin=e2e-admin-key-0123456789abcdef
export TANDEM_AUTH_ADMIN_KEY=$admin
auth=(-H "X-API-Key: $admin")

# Polls for up to 2 s: log lines below warn reach the file within 50 ms, not at once.
eventually() {
  for _ in $(seq 40); do "$@" && return 0; sleep 0.05; done
  return 1
}

# Starts tandem with the given arguments, logging to $work/log; sets $pid and $port.
start() {
  : > "$work/log"
  "$tandem" serve --data-dir "${DATA:-$work/data}" --port 0 "$@" > "$work/log" 2>&1 &
  pid=$!
  port=
  for _ in $(seq 200); do
    port=$(grep -oE 'listening.*"?port"?[:=][0-9]+' "$work/log" | grep -oE '[0-9]+$')
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "tandem did not start:" >&2; cat "$work/log" >&2
  return 1
}

# Sends SIGTERM and waits; sets $status to the exit code.
stop() {
  kill -TERM "$pid"
  wait "$pid"
  status=$?
  pid=
}

start || exit 1
base="http://127.0.0.1:$port"

code=$(curl -s -o "$work/body" -w '%{http_code}' "$base/health")
check "GET /health is 200" [ "$code" = 200 ]
check "health body is JSON with status ok" grep -q '^{"status":"ok","version":"' "$work/body"
check "data dir was created" [ -d "$work/data" ]

code=$(curl -s -o "$work/body" -w '%{http_code}' "$base/nope")
check "unknown route is 404" [ "$code" = 404 ]
check "404 body is a JSON error" grep -q '"code":"not_found"' "$work/body"

code=$(curl -s -o /dev/null -D "$work/headers" -w '%{http_code}' -X DELETE "$base/health")
check "wrong method is 405" [ "$code" = 405 ]
check "405 carries Allow" grep -qi '^allow: GET, HEAD' "$work/headers"

curl -s -D "$work/headers" -o /dev/null -H 'X-Request-Id: e2e-1' "$base/health"
check "request id is echoed" grep -qi '^x-request-id: e2e-1' "$work/headers"
check "access log names the request id" eventually grep -q '"request_id":"e2e-1"' "$work/log"

curl -s "$base/metrics" > "$work/metrics"
check "metrics count /health requests" \
  grep -q 'tandem_http_requests_total{method="GET",route="/health",status="200"} 2' "$work/metrics"

code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "$base/health")
check "oversize headers are 431" [ "$code" = 431 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/health")
check "still serving after a bad request" [ "$code" = 200 ]

# Many concurrent keep-alive clients.
seq 50 | xargs -P 10 -I{} curl -s -o /dev/null -o /dev/null -w '%{http_code}\n' "$base/health" "$base/health" > "$work/codes"
check "100 concurrent requests all 200" [ "$(grep -c '^200$' "$work/codes")" = 100 ]

stop
check "SIGTERM exits 0" [ "$status" = 0 ]
check "shutdown is logged" grep -q '"msg":"stopped"' "$work/log"

# The port is taken: exit code 1 and a clear message.
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' > "$work/port" &
holder=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
"$tandem" serve --data-dir "$work/data" --port "$(cat "$work/port")" > "$work/log" 2>&1
check "port in use exits 1" [ $? = 1 ]
check "port in use is explained" grep -q 'cannot listen on 127.0.0.1:' "$work/log"
kill "$holder"; wait "$holder" 2>/dev/null

# Configuration errors: exit 2 and a message naming the setting.
"$tandem" serve --port 70000 > "$work/out" 2>&1
check "out-of-range flag exits 2" [ $? = 2 ]
check "message names the setting" grep -q 'server.port (from --port): 70000 is out of range' "$work/out"
TANDEM_LOG_LEVEL=loud "$tandem" serve > "$work/out" 2>&1
check "bad env value exits 2" [ $? = 2 ]
check "message names the variable" grep -q 'log.level (from TANDEM_LOG_LEVEL)' "$work/out"
printf '[server]\nprot = 1\n' > "$work/bad.toml"
"$tandem" serve --config "$work/bad.toml" > "$work/out" 2>&1
check "unknown file key exits 2" [ $? = 2 ]
check "message names the key" grep -q "unknown setting 'server.prot'" "$work/out"

# config defaults is a valid file; env and flags show in the dump.
"$tandem" config defaults > "$work/defaults.toml"
TANDEM_SERVER_PORT=9999 "$tandem" config dump --config "$work/defaults.toml" --host ::1 > "$work/dump"
check "defaults load back and env/flags apply" grep -q '^port = 9999$' "$work/dump"
check "flag applies" grep -q '^host = "::1"$' "$work/dump"

"$tandem" --version | grep -q '^tandem [0-9]'
check "--version prints the version" [ $? = 0 ]
"$tandem" bogus > /dev/null 2>&1
check "unknown command exits 2" [ $? = 2 ]

# generate is deterministic; import loads it straight into the store; serve then sees it.
"$tandem" generate --count 500 --seed 9 --now 2026-01-01T00:00:00Z > "$work/a.ndjson"
"$tandem" generate --count 500 --seed 9 --now 2026-01-01T00:00:00Z > "$work/b.ndjson"
check "generate is deterministic" cmp -s "$work/a.ndjson" "$work/b.ndjson"
check "generate writes one record per line" [ "$(wc -l < "$work/a.ndjson")" = 500 ]
printf '{"id":"bad","price":"x"}\n' >> "$work/a.ndjson"
"$tandem" import "$work/a.ndjson" --data-dir "$work/imported" > "$work/import.out" 2>&1
check "import exits 1 when a record is rejected" [ $? = 1 ]
check "import names the rejected line" grep -q 'line 501: ' "$work/import.out"
check "import prints a summary" grep -q 'import: 500 accepted, 1 rejected, [0-9]* records/s' "$work/import.out"
head -n 100 "$work/b.ndjson" | "$tandem" import - --data-dir "$work/imported2" > "$work/import.out" 2>&1
check "import from stdin exits 0" [ $? = 0 ]
"$tandem" reindex --data-dir "$work/imported" > "$work/reindex.out" 2>&1
check "reindex exits 0" [ $? = 0 ]
check "reindex reports what it did" grep -q 'reindex: 500 records in' "$work/reindex.out"
TANDEM_JOBS_GENERATE_ENABLED=false DATA="$work/imported" start || exit 1
count=$(curl -s "${auth[@]}" "http://127.0.0.1:$port/v1/collections/products" | grep -oE '"documents":[0-9]+')
check "served store holds the imported records ($count)" [ "$count" = '"documents":500' ]
found=$(curl -s "${auth[@]}" "http://127.0.0.1:$port/search?q=*&per_page=0" | grep -oE '"found":[0-9]+')
check "the rebuilt index finds them at once ($found)" [ "$found" = '"found":500' ]
"$tandem" reindex --data-dir "$work/imported" > "$work/reindex.out" 2>&1
check "reindex refuses while the service runs" [ $? = 1 ]
check "and says why" grep -qi 'lock' "$work/reindex.out"
found=$(curl -s "${auth[@]}" "http://127.0.0.1:$port/search?q=electronics&per_page=0" | grep -oE '"found":[0-9]+')
check "the demo search finds a category ($found)" [ "$found" != '"found":0' ]
id=$(head -n 1 "$work/b.ndjson" | grep -oE '"id":"[^"]+"' | cut -d'"' -f4)
curl -s "${auth[@]}" -D "$work/headers" "http://127.0.0.1:$port/cache?id=$id" > "$work/body"
check "the demo cache lookup finds the record" grep -q "\"id\":\"$id\",\"source\":" "$work/body"
curl -s "${auth[@]}" -D "$work/headers" "http://127.0.0.1:$port/cache?id=$id" > "$work/body"
check "then answers from the cache" grep -q '"source":"cache"' "$work/body"
check "and says so in X-Cache" grep -qi '^x-cache: hit' "$work/headers"
stop

# The generator job runs at first start, so a new data dir shows data at once.
rm -rf "$work/data"
start || exit 1
for _ in $(seq 100); do
  count=$(curl -s "${auth[@]}" "http://127.0.0.1:$port/v1/collections/products" | grep -oE '"documents":[0-9]+')
  [ "$count" = '"documents":10' ] && break
  sleep 0.05
done
check "first start generates 10 products ($count)" [ "$count" = '"documents":10' ]
stop

# Keys: without auth.admin_key the first start makes an admin key and shows it once, on the
# terminal and not in the log; every route but /health and /metrics needs a key with its scope.
TANDEM_AUTH_ADMIN_KEY= DATA="$work/keyed" start --set jobs.generate.enabled=false || exit 1
made=$(grep -oE 'tdm_[a-z0-9]{12}_[a-z0-9]{43}' "$work/log" | head -n 1)
check "the first start shows a made admin key" [ -n "$made" ]
check "the log's JSON lines never hold it" [ "$(grep '^{' "$work/log" | grep -c "$made")" = 0 ]
base="http://127.0.0.1:$port"
code=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' "$base/search?q=*")
check "no key: 401" [ "$code" = 401 ]
check "401 asks for a bearer token" grep -qi '^www-authenticate: Bearer' "$work/headers"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-API-Key: tdm_guess' "$base/search?q=*")
check "a wrong key: 401" [ "$code" = 401 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $made" "$base/search?q=*")
check "the made key as a bearer token: 200" [ "$code" = 200 ]
curl -s -o "$work/body" -w '%{http_code}' -H "X-API-Key: $made" -H 'Content-Type: application/json' \
  -d '{"description":"e2e","scopes":["search"],"rate":5,"burst":5}' "$base/v1/keys" > "$work/code"
check "POST /v1/keys is 201" [ "$(cat "$work/code")" = 201 ]
skey=$(grep -oE '"key":"tdm_[a-z0-9_]+"' "$work/body" | cut -d'"' -f4)
sid=$(grep -oE '"id":"[a-z0-9]+"' "$work/body" | head -n 1 | cut -d'"' -f4)
check "it answers the new key once" [ -n "$skey" ]
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $skey" "$base/search?q=*")
check "the search key searches" [ "$code" = 200 ]
code=$(curl -s -o "$work/body" -w '%{http_code}' -H "X-API-Key: $skey" -H 'Content-Type: application/json' \
  -d '{"id":"x","name":"n","category":"c","brand":"b","price":1}' "$base/v1/collections/products/records")
check "the search key cannot write: 403" [ "$code" = 403 ]
check "403 names the scope" grep -q "lacks the scope 'write'" "$work/body"
# Each answer's headers apart: the bucket refills a token every 200 ms, so on a slow machine the
# last of these may be let in again.
for _ in 1 2 3 4 5 6 7 8; do
  code=$(curl -s -o /dev/null -D "$work/headers" -w '%{http_code}' -H "X-API-Key: $skey" "$base/search?q=*")
  echo "$code"
  if [ "$code" = 429 ]; then cp "$work/headers" "$work/headers-429"; fi
done > "$work/codes"
check "beyond its rate: 429" grep -q '^429$' "$work/codes"
check "429 says when to retry" grep -qi '^retry-after: [0-9]' "$work/headers-429"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "X-API-Key: $made" "$base/v1/keys/$sid")
check "DELETE /v1/keys/{id} is 204" [ "$code" = 204 ]
code=$(curl -s -o "$work/body" -w '%{http_code}' -H "X-API-Key: $skey" "$base/search?q=*")
check "a revoked key: 401 at once" [ "$code" = 401 ]
check "the change is logged" eventually grep -q '"msg":"api key revoked"' "$work/log"
"$tandem" keys list --data-dir "$work/keyed" > "$work/out" 2>&1
check "tandem keys refuses while the service runs" [ $? = 1 ]
check "and points to /v1/keys" grep -q '/v1/keys' "$work/out"
stop
"$tandem" keys create --data-dir "$work/keyed" --scopes read --description cli > "$work/made.json"
check "tandem keys create exits 0" [ $? = 0 ]
ckey=$(grep -oE '"key":"tdm_[a-z0-9_]+"' "$work/made.json" | cut -d'"' -f4)
check "tandem keys list shows it without its text" \
  sh -c "'$tandem' keys list --data-dir '$work/keyed' | grep -q '\"description\":\"cli\"' && ! '$tandem' keys list --data-dir '$work/keyed' | grep -q '$ckey'"
TANDEM_AUTH_ADMIN_KEY= DATA="$work/keyed" start --set jobs.generate.enabled=false || exit 1
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $ckey" "http://127.0.0.1:$port/v1/collections/products")
check "a key made by tandem keys works" [ "$code" = 200 ]
stop

# Secrets never reach the output, not even when the process dies abnormally.
canary=e2e-canary-admin-5c2e8f0a7d41
TANDEM_AUTH_ADMIN_KEY=$canary TANDEM_SEARCH_OPENSEARCH_PASSWORD=e2e-canary-os-3b9d \
  DATA="$work/canary" start --set jobs.generate.enabled=false --set log.level=debug || exit 1
curl -s -o /dev/null -H "X-API-Key: $canary" "http://127.0.0.1:$port/v1/config"
curl -s -o /dev/null -H "X-API-Key: ${canary}x" "http://127.0.0.1:$port/v1/keys"
kill -ABRT "$pid"; wait "$pid" 2>/dev/null; pid=
check "an aborted process printed no secret" [ "$(grep -c -e "$canary" -e e2e-canary-os "$work/log")" = 0 ]

# HTTPS: certificates made now; curl verifies the server's; TLS 1.1 is refused; SIGHUP swaps the
# certificate while a client stays connected on the old one.
mk_cert() {  # dir common-name
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$2" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}
mk_cert "$work/tls1" first && mk_cert "$work/tls2" second
cp "$work/tls1/cert.pem" "$work/served.crt" && cp "$work/tls1/key.pem" "$work/served.key"
DATA="$work/https" start --set jobs.generate.enabled=false --set server.tls_cert_file="$work/served.crt" \
  --set server.tls_key_file="$work/served.key" || exit 1
check "the start says https" grep -q '"scheme":"https"' "$work/log"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/tls1/cert.pem" "https://127.0.0.1:$port/health")
check "HTTPS answers curl --cacert" [ "$code" = 200 ]
curl -s -o /dev/null -D "$work/headers" --cacert "$work/tls1/cert.pem" "https://127.0.0.1:$port/health"
check "HSTS over HTTPS" grep -qi '^strict-transport-security: max-age=' "$work/headers"
check "TLS 1.2 is spoken" sh -c "openssl s_client -connect 127.0.0.1:$port -tls1_2 -CAfile '$work/tls1/cert.pem' </dev/null 2>/dev/null | grep -q 'Protocol *: TLSv1.2'"
check "TLS 1.1 is refused" sh -c "! openssl s_client -connect 127.0.0.1:$port -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1"
check "TLS 1.0 is refused" sh -c "! openssl s_client -connect 127.0.0.1:$port -tls1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/tls1/cert.pem" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "https://127.0.0.1:$port/health")
check "limits hold over HTTPS: oversize headers are 431" [ "$code" = 431 ]
{ printf 'GET /health HTTP/1.1\r\nHost: h\r\n\r\n'; sleep 1.5
  printf 'GET /health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'; sleep 1; } |
  openssl s_client -connect 127.0.0.1:$port -quiet -CAfile "$work/tls1/cert.pem" > "$work/kept" 2>/dev/null &
client=$!
sleep 0.5
cp "$work/tls2/cert.pem" "$work/served.crt" && cp "$work/tls2/key.pem" "$work/served.key"
kill -HUP "$pid"
check "SIGHUP reloads the certificate" eventually grep -q '"msg":"TLS certificate reloaded"' "$work/log"
wait "$client"
check "a connection open across the reload gets both answers" [ "$(grep -o 'HTTP/1.1 200' "$work/kept" | wc -l)" = 2 ]
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/tls2/cert.pem" "https://127.0.0.1:$port/health")
check "new connections get the new certificate" [ "$code" = 200 ]
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/tls1/cert.pem" "https://127.0.0.1:$port/health")
check "and not the old one" [ "$code" = 000 ]
stop

# Collections declared in collections.file are created at startup; a bad file stops it (exit 2).
printf '[{"name":"books","fields":[{"name":"title","type":"text"},{"name":"year","type":"int","sort":true}]}]' > "$work/collections.json"
start --set collections.file="$work/collections.json" || exit 1
check "declared collection exists" [ "$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/collections/books")" = 200 ]
stop
printf '[{"name":"books","fields":[{"name":"title","type":"blob"}]}]' > "$work/bad-collections.json"
"$tandem" serve --data-dir "$work/data" --port 0 --set collections.file="$work/bad-collections.json" > "$work/out" 2>&1
check "an invalid collections.file exits 2" [ $? = 2 ]
check "the message names the file and the problem" grep -q "collections.file: collection 0: fields\[0\]: unknown type 'blob'" "$work/out"
TANDEM_JOBS_GENERATE_SCHEDULE='cron(0 24 * * ? *)' "$tandem" serve --data-dir "$work/data" --port 0 > "$work/out" 2>&1
check "an invalid schedule exits 2" [ $? = 2 ]
check "the message names the job and the field" grep -q "job 'generate' (jobs.generate.schedule): cron(0 24 \* \* ? \*): field 2 (hours)" "$work/out"

# Settings given with --set reach serve.
start --set log.format=text || exit 1
check "text log format" grep -q ' info listening ' "$work/log"
stop

summary
