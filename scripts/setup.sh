#!/usr/bin/env bash
# Installs the Debian 12 packages tandem needs, and nothing when they are all present.
#   scripts/setup.sh build   # compilers, libraries, CMake (enough to build and serve)
#   scripts/setup.sh test    # build + what the tests drive (curl, python3, redis-server, openssl,
#                            #   wrk, slowhttptest, prometheus, chromium, wordnet-base, patchelf)
#   scripts/setup.sh bench   # test + the peers benchmarks compare against (nginx, PostgreSQL)
#   scripts/setup.sh --list LEVEL   # prints LEVEL's packages, one a line, installs nothing
# Every dependency has a decision record in docs/decisions/. scripts/audit-packages.sh checks
# that these lists hold every package the build, the tests and the benchmarks use.
set -euo pipefail

list=
if [ "${1:-}" = --list ]; then list=1; shift; fi
level=${1:-build}

build_packages=(
  build-essential cmake ninja-build ccache pkgconf
  libboost1.81-dev          # Asio + Beast (1.81; plain libboost-dev is 1.74 and conflicts)
  libssl-dev                # TLS
  zlib1g-dev                # gzip of OpenSearch bulk bodies
  libcli11-dev              # command line
  libtomlplusplus-dev       # tandem.toml
  libexpected-dev           # Result<T>
  libsimdjson-dev           # JSON parsing
  libxapian-dev             # embedded search
  libsqlite3-dev            # the store
  libhiredis-dev            # RESP encoding and parsing for the Redis client
  prometheus-cpp-dev        # metrics registry and text format
  libgtest-dev libgmock-dev # tests (configured with the build)
  libbenchmark-dev          # micro-benchmarks (configured with the build)
)
test_packages=(curl python3 procps clang libclang-rt-14-dev  # clang: libFuzzer targets
  redis-server redis-tools   # the Redis cache's contract and end-to-end tests (and a cluster)
  openssl                    # certificates made at test time for TLS
  wrk slowhttptest           # load beyond a key's rate; slow-header and slow-body attacks
  prometheus                 # promtool checks the shipped alert rules; a real server scrapes us
  chromium                   # the web pages' browser tests (driven by npm playwright-core)
  wordnet-base               # real text for the relevance test and benchmark (WordNet 3.0)
  patchelf)                  # scripts/package-lambda.sh: the package's loader and library path
bench_packages=(nginx-light postgresql)

want=("${build_packages[@]}")
case "$level" in
  build) ;;
  test) want+=("${test_packages[@]}") ;;
  bench) want+=("${test_packages[@]}" "${bench_packages[@]}") ;;
  *) echo "usage: $0 [--list] build|test|bench" >&2; exit 2 ;;
esac

# Node.js runs the cron cross-check (npm aws-cron-parser); Debian's packages when none is present
# (always in the list: what a fresh machine gets).
if [ "$level" != build ] && { [ -n "$list" ] || ! command -v node >/dev/null; }; then
  want+=(nodejs npm)
fi
if [ -n "$list" ]; then
  printf '%s\n' "${want[@]}"
  exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Packages like redis-server and nginx must not start system-wide services: tests and benchmarks
  # start their own on free loopback ports. policy-rc.d tells Debian's scripts not to.
  guard=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$guard" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
elif [ "$level" != build ] && ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
  # The relevance suite's second corpus is the package catalogue apt knows (bench/relevance/
  # packages.py): a machine whose lists were cleaned fetches them again.
  $SUDO apt-get update -qq
fi

# npm packages the tests use, pinned by their package-lock.json: the cross-checks', the browser
# tests' (playwright-core, driving Debian's chromium; it never downloads a browser) and the
# CloudFormation templates' checks (cfn-lint, cfn-guard and its rules).
if [ "$level" != build ]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  for dir in tests/crosscheck tests/browser deploy/aws/checks; do
    lock="$here/$dir/package-lock.json"
    stamp="$here/$dir/node_modules/.installed-lock"
    if ! cmp -s "$lock" "$stamp" 2>/dev/null; then
      (cd "$here/$dir" && npm ci --no-audit --no-fund --silent) && cp "$lock" "$stamp"
    fi
  done
fi
