#!/usr/bin/env bash
# Builds the AWS Lambda deployment package of tandem for the provided.al2023 runtime: a zip
# holding `bootstrap` (the tandem executable, which runs `tandem lambda` under that name) and
# lib/ with every shared library it loads plus Debian's dynamic loader, since Amazon Linux 2023's
# glibc is older than the one this binary was linked against. The executable's interpreter is set
# to /var/task/lib/<loader> (Lambda unpacks the package in /var/task) and its DT_RPATH to
# $ORIGIN/lib, which the loader searches before LD_LIBRARY_PATH for every library, so none of the
# runtime's own /lib64 is mixed in. Debug information is stripped.
#
#   scripts/package-lambda.sh [tandem-binary] [out.zip]
#       (defaults: build/release/src/cli/tandem, build/lambda/tandem-lambda.zip)
#
# Needs patchelf, strip and python3 (scripts/setup.sh test). Prints the zip's path and size.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/src/cli/tandem}
out=${2:-build/lambda/tandem-lambda.zip}
[ -x "$bin" ] || { echo "package-lambda: no executable $bin (build it first)" >&2; exit 2; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$(dirname "$out")"

loader=$(patchelf --print-interpreter "$bin")
cp -L "$loader" "$stage/lib/"
# ldd lists what the loader resolves, transitively: "name => /path (addr)".
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
  cp -L "$lib" "$stage/lib/"
done
cp "$bin" "$stage/bootstrap"
strip --strip-debug "$stage/bootstrap" "$stage"/lib/*
patchelf --set-interpreter "/var/task/lib/$(basename "$loader")" \
  --force-rpath --set-rpath '$ORIGIN/lib' "$stage/bootstrap"
chmod 755 "$stage/bootstrap"

python3 - "$stage" "$out" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk(stage):
        for f in sorted(files):
            path = os.path.join(root, f)
            z.write(path, os.path.relpath(path, stage))  # keeps the mode bits (0755 bootstrap)
PY
echo "$out $(du -h "$out" | cut -f1)"
