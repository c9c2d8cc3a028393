#!/usr/bin/env bash
# Gets a machine ready for a benchmark: installs the peers the benchmarks compare against
# (scripts/setup.sh bench) and builds the given targets of the release preset. Every benchmark
# runs it first, so each works right after the README's run command on a fresh machine.
#   bench/prepare.sh TARGET...      e.g. bench/prepare.sh tandem open_loop
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh bench
cmake --preset release >/dev/null
cmake --build --preset release --target "$@" >&2  # progress off stdout, which holds the results
