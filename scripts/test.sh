#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test: unit,
# integration and end-to-end on the release build, then the unit tests again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

cmake --preset release -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset release
ctest --preset release

# libFuzzer: the ingest parsers, from the seed corpus, for a bounded time.
cmake --preset fuzz -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset fuzz --target record_fuzz
corpus=$(mktemp -d)
build/fuzz/tests/fuzz/record_fuzz -max_total_time="${FUZZ_SECONDS:-30}" -seed=1 -print_final_stats=1 \
  -artifact_prefix="$corpus/" "$corpus" tests/fuzz/corpus/record 2>&1 | tail -3
rm -rf "$corpus"

cmake --preset asan -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset asan --target unit_tests
ctest --preset asan

