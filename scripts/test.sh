#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test: unit,
# integration and end-to-end on the release build, then the unit tests again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

cmake --preset release -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset release
ctest --preset release

cmake --preset asan -DTANDEM_WERROR=ON >/dev/null
cmake --build --preset asan --target unit_tests
ctest --preset asan

