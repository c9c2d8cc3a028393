#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test: unit,
# integration and end-to-end on the release build, then the unit tests again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

cmake --preset release -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset release
ctest --preset release

# libFuzzer: the ingest parsers and the query language, each from its seed corpus, for a bounded
# time (FUZZ_SECONDS, default 30).
cmake --preset fuzz -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset fuzz --target record_fuzz q_fuzz filter_fuzz
for target in record:record q:q filter:filter; do
  name=${target%%:*} corpus_seed=tests/fuzz/corpus/${target##*:}
  corpus=$(mktemp -d)
  echo "fuzz: ${name}_fuzz for ${FUZZ_SECONDS:-30}s"
  build/fuzz/tests/fuzz/${name}_fuzz -max_total_time="${FUZZ_SECONDS:-30}" -seed=1 \
    -artifact_prefix="$corpus/" "$corpus" "$corpus_seed" 2>&1 | tail -2
  rm -rf "$corpus"
done

cmake --preset asan -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset asan --target unit_tests
ctest --preset asan

