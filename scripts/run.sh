#!/usr/bin/env bash
# Installs what is missing, builds the release binary and runs `tandem serve` on the embedded
# defaults (http://127.0.0.1:8080, data in ./data). Extra arguments go to `tandem serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cmake --preset release >/dev/null
cmake --build --preset release --target tandem
exec build/release/src/cli/tandem serve "$@"
