#!/usr/bin/env bash
# Fresh-machine check: the README's two commands, exactly as written, in a new Debian 12 root
# (debootstrap --variant=minbase) that holds a clone of this repository and this machine's
# package-client configuration (apt sources and apt.conf.d, npm config, the local CA certificates
# and CA variables) but none of its packages. Prints how long each command took and its exit
# code; exits 1 if one failed. Needs root; takes 30-60 minutes, mostly compiling (at nice 19).
#
#   scripts/fresh-check.sh [--root DIR] [--keep] [--tarball FILE] [--ref REF]
#     --root DIR      where to make the root (default /var/tmp/tandem-fresh/root); replaced if a
#                     previous check made it
#     --keep          keep the root afterwards (chroot DIR, cd /root/tandem to look around)
#     --tarball FILE  the base system's packages, downloaded once (debootstrap --make-tarball)
#                     and unpacked on later runs (default /var/tmp/tandem-fresh/bookworm.tgz;
#                     delete it to download afresh)
#     --ref REF       the commit to check (default HEAD: what is committed, not the work tree)
#   FUZZ_SECONDS is passed to the test command.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=/var/tmp/tandem-fresh/root
tarball=/var/tmp/tandem-fresh/bookworm.tgz
keep='' ref=HEAD
while [ $# -gt 0 ]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --tarball) tarball=$2; shift 2 ;;
    --ref) ref=$2; shift 2 ;;
    *) sed -n '8,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
root=$(realpath -m "$root")
marker=$root/.tandem-fresh-check  # only a root this script made is ever removed
port=8080                         # where the README's run command serves
ready_within=120                  # seconds from the end of the build to data being served

note() { echo "fresh-check: $*"; }
mounts_under() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts; }
# Stops what is still running inside the root (started by this script), then unmounts.
release_root() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  mounts_under | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
remove_root() {
  release_root
  if [ -n "$(mounts_under)" ]; then note "mounts left under $root; not removing it" >&2; return 1; fi
  rm -rf --one-file-system "$root"
}
cleanup() {
  if [ -n "$keep" ]; then release_root; note "kept $root"; else remove_root; fi
}

# Host tools: debootstrap belongs to this check only, not to scripts/setup.sh.
need=()
for tool in debootstrap curl; do
  command -v "$tool" >/dev/null || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
  echo "fresh-check: something already serves on 127.0.0.1:$port, where the run command serves" >&2
  exit 2
fi

# The mirror and proxy apt uses here: the source of bookworm itself, Acquire::http::Proxy.
# shellcheck disable=SC2016  # apt's format fields, not shell
mirror=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' |
  awk '$2 == "bookworm" && $3 == "deb" && !m {m = $1} END {print m}')
mirror=${mirror:-http://deb.debian.org/debian}
eval "$(apt-config shell http_proxy Acquire::http::Proxy)"
[ -z "${http_proxy:-}" ] || export http_proxy

if [ -e "$root" ]; then
  [ -e "$marker" ] || { echo "fresh-check: $root exists and is not a root this script made" >&2; exit 2; }
  remove_root
fi
trap cleanup EXIT
mkdir -p "$(dirname "$tarball")" "$root"
touch "$marker"

t0=$SECONDS
log=$(dirname "$tarball")/debootstrap.log
if [ ! -s "$tarball" ]; then
  note "downloading the base system from $mirror into $tarball"
  debootstrap --variant=minbase --make-tarball="$tarball.part" bookworm "$root.download" "$mirror" > "$log" 2>&1 ||
    { tail -20 "$log" >&2; exit 1; }
  mv "$tarball.part" "$tarball"
fi
debootstrap --variant=minbase --unpack-tarball="$tarball" bookworm "$root" "$mirror" > "$log" 2>&1 ||
  { tail -20 "$log" >&2; exit 1; }
touch "$marker"

# The package-client configuration of a fresh machine of this kind: the files in apt's sources
# and apt.conf.d that no package installed (those the root's own apt and debconf ship it has),
# npm's config files, the local CAs (ca-certificates adds them when setup.sh installs it), DNS.
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/* /etc/apt/apt.conf.d/*; do
  if [ -f "$f" ] && ! dpkg -S "$f" >/dev/null 2>&1; then cp -p "$f" "$root$f"; fi
done
for f in /root/.npmrc /etc/npmrc /usr/etc/npmrc /etc/resolv.conf /etc/hosts; do
  if [ -f "$f" ]; then mkdir -p "$root$(dirname "$f")" && cp -pL "$f" "$root$f"; fi
done
if [ -d /usr/local/share/ca-certificates ]; then
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
# A login shell's environment there: the standard PATH, and the CA and proxy variables set here
# (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, ...: without them npm fails with SELF_SIGNED_CERT_IN_CHAIN).
env_vars=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root USER=root
  LOGNAME=root SHELL=/bin/bash TERM=dumb)
for name in $(compgen -e); do
  if [[ $name =~ (^|_)CA(INFO|S)?(_|$)|CERT|_ROOTS_|^(https?|no)_proxy$|^FUZZ_SECONDS$ ]]; then
    env_vars+=("$name=${!name}")
  fi
done
in_root=(nice -n 19 chroot "$root" /usr/bin/env -i --chdir=/root/tandem "${env_vars[@]}")

# The repository: a clone of the commit under check, made from here (the root needs no git).
commit=$(git -C "$here" rev-parse --verify "$ref^{commit}")
git clone -q "$here" "$root/root/tandem"
git -C "$root/root/tandem" checkout -q --detach "$commit"
note "base root and clone of $(git -C "$root/root/tandem" log -1 --format='%h %s') ready in $((SECONDS - t0)) s"

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"

# 1. ./scripts/run.sh in the clone (nice, chroot and env exec it, so $! is its PID, and run.sh
# execs tandem once it is built). Done when it serves the generator's first 10 records; then
# stopped with SIGTERM by its PID.
note "running ./scripts/run.sh"
t0=$SECONDS
"${in_root[@]}" ./scripts/run.sh &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  case $(readlink "/proc/$pid/exe" || true) in */root/tandem/build/release/src/cli/tandem) break ;; esac
  sleep 2
done
built=$((SECONDS - t0))
ready=
for _ in $(seq "$ready_within"); do
  kill -0 "$pid" 2>/dev/null || break  # it, not another server on the port
  # With the admin key run.sh keeps where the README says.
  key=$(cat "$root/root/tandem/data/admin.key" 2>/dev/null || true)
  docs=$(curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$port/v1/collections/products" | grep -oE '"documents":[0-9]+' | cut -d: -f2) || true
  if curl -sf -o /dev/null "http://127.0.0.1:$port/health" && [ "${docs:-0}" -ge 10 ]; then ready=1; break; fi
  sleep 1
done
run_rc=0
if [ -n "$ready" ]; then
  note "serving $docs records $((SECONDS - t0 - built)) s after the build; stopping PID $pid"
  kill -TERM "$pid"
  wait "$pid" || run_rc=$?
elif kill -TERM "$pid" 2>/dev/null; then
  note "no data served within ${ready_within} s of the build" >&2
  wait "$pid" || true
  run_rc=1
else
  wait "$pid" || run_rc=$?
  note "./scripts/run.sh exited ($run_rc) before serving data" >&2
  [ "$run_rc" -ne 0 ] || run_rc=1
fi
run_s=$((SECONDS - t0))

# 2. ./scripts/test.sh
note "running ./scripts/test.sh"
t0=$SECONDS
test_rc=0
"${in_root[@]}" ./scripts/test.sh || test_rc=$?
test_s=$((SECONDS - t0))

note "./scripts/run.sh: ${run_s}s (build ${built}s), exit $run_rc"
note "./scripts/test.sh: ${test_s}s, exit $test_rc"
[ "$run_rc" -eq 0 ] && [ "$test_rc" -eq 0 ]
