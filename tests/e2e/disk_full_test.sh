#!/usr/bin/env bash
# Disk full end-to-end: the data dir on a 4 MiB tmpfs. Writes fill it until the service answers
# 507 with Retry-After; nothing partial is stored, the service keeps serving reads, and writes
# succeed again once space is freed. Every acknowledged record survives a restart.
# Needs root (mount); exits 77 (skipped) otherwise.
#   tests/e2e/disk_full_test.sh path/to/tandem
set -uo pipefail
tandem=${1:?usage: disk_full_test.sh path/to/tandem}
work=$(mktemp -d)
mnt="$work/mnt"
pid=
source "$(dirname "$0")/lib.sh"
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  mountpoint -q "$mnt" && umount "$mnt"
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$mnt"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=4m tmpfs "$mnt" 2>/dev/null; then
  echo "disk_full_test: needs root and tmpfs mounts; skipped"
  exit 77
fi
head -c 1048576 /dev/zero > "$mnt/filler"  # freed later to give space back

admin=e2e-disk-full-admin-key-0123
start() {
  TANDEM_JOBS_GENERATE_ENABLED=false TANDEM_LOG_ACCESS=false TANDEM_AUTH_ADMIN_KEY="$admin" \
    "$tandem" serve --data-dir "$mnt/data" --port 0 > "$work/log" 2>&1 &
  pid=$!
  port=$(wait_port "$work/log" "$pid")
}
start || exit 1
base="http://127.0.0.1:$port/v1/collections/products/records"
pad=$(head -c 20000 /dev/zero | tr '\0' x)

# Write 10-record batches of ~200 KB until the disk is full (bounded: 4 MiB cannot take 100).
full_code= acked=0
for i in $(seq 1 100); do
  batch="["
  for j in $(seq 1 10); do
    batch+="{\"id\":\"r$i-$j\",\"name\":\"n\",\"category\":\"books\",\"brand\":\"b\",\"price\":1,\"description\":\"$pad\"},"
  done
  batch="${batch%,}]"
  code=$(printf '%s' "$batch" | curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' \
    -H "X-API-Key: $admin" -H 'Content-Type: application/json' --data-binary @- "$base")
  if [ "$code" = 200 ]; then
    acked=$i
  else
    full_code=$code
    break
  fi
done
check "a full disk answers 507 (got '$full_code' after $acked batches)" [ "$full_code" = 507 ]
check "507 carries Retry-After" grep -qi '^retry-after: ' "$work/headers"
check "507 body names insufficient_storage" grep -q '"code":"insufficient_storage"' "$work/body"
check "nothing of the refused batch was stored" \
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $admin" "$base/r$((acked + 1))-1")" = 404 ]
check "reads still work while full" [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $admin" "$base/r1-1")" = 200 ]
check "health still answers" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ]

rm -f "$mnt/filler"
code=$(curl -s -o "$work/body" -w '%{http_code}' -H "X-API-Key: $admin" -H 'Content-Type: application/json' \
  -d '{"id":"after","name":"n","category":"c","brand":"b","price":2}' "$base")
check "writes succeed again once space is freed (got $code)" [ "$code" = 200 ]

kill -TERM "$pid"; wait "$pid"; pid=
start || exit 1
base="http://127.0.0.1:$port/v1/collections/products/records"
missing=0
for i in $(seq 1 "$acked"); do
  for j in 1 10; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $admin" "$base/r$i-$j")" = 200 ] || missing=$((missing + 1))
  done
done
check "acknowledged records survive a restart ($missing missing)" [ "$missing" = 0 ]
check "the record written after recovery survives" [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $admin" "$base/after")" = 200 ]
kill -TERM "$pid"; wait "$pid"; pid=

echo "disk_full: $acked batches acknowledged before 507"
summary
