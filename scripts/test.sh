#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test: unit, contract,
# integration, end-to-end and cross-checks on the release build; the fuzzers for a bounded time;
# the unit tests again under ASan+UBSan; the concurrent parts under TSan. ctest's summary is last.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

cmake --preset release -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset release
ctest --preset release

# libFuzzer: the ingest parsers, the query language, the RESP reply parser, the OpenSearch
# response parsers, Lambda's payloads and native index segments, each from its seed corpus, for a bounded time
# (FUZZ_SECONDS, default 30).
cmake --preset fuzz -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset fuzz --target record_fuzz q_fuzz filter_fuzz resp_fuzz opensearch_fuzz lambda_fuzz segment_fuzz
for target in record:record q:q filter:filter resp:resp opensearch:opensearch lambda:lambda segment:segment; do
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


# ThreadSanitizer over the concurrent parts (the concurrency_tests target): caches (the Redis
# client's own thread too), read-through, appliers, job runner, the HTTP client, the shared query
# cache.
cmake --preset tsan -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset tsan --target concurrency_tests
ctest --preset tsan
