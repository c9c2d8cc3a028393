#!/usr/bin/env bash
# Package audit: every file a configured build found and every program the tests and benchmarks
# run must come from a Debian package that scripts/setup.sh installs on a fresh Debian 12 machine
# (a debootstrap minbase root): one it lists for the level, a Depends or Pre-Depends of those
# (apt-cache depends --recurse), or a package of priority required / essential.
#
#   scripts/audit-packages.sh [build-dir]     (default build/release; configured, need not be built)
#
# Build level: the paths in CMakeCache.txt (libraries, headers, CMake package dirs, tools), in
# build.ninja (every CMake file configure read, the libraries linked, include dirs), and the .pc
# files and dirs of the pkg-config modules.
# Test and bench levels: the programs and runtimes listed below. Each path is mapped with dpkg -S
# along its symlink chain, /lib and /usr/lib alike. Exits 1 naming each package setup.sh does not
# install and the path that needs it. Offline; a few seconds.
set -euo pipefail
build=$(cd "${1:-$(dirname "$0")/../build/release}" && pwd)
cd "$(dirname "$0")/.."
[ -f "$build/CMakeCache.txt" ] || { echo "audit: no $build/CMakeCache.txt; configure first" >&2; exit 2; }
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Programs are looked up as a fresh machine's root shell finds them (not pyenv shims, ~/.local).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# use LEVEL WHO PATH-OR-PROGRAM...: what scripts/, tests/ and bench/ run beyond the essential
# tools (coreutils, grep, sed, util-linux, ...), by the level of setup.sh that must provide it.
use() {
  local level=$1 who=$2
  shift 2
  for u in "$@"; do printf '%s\t%s\tused by %s\n' "$level" "$u" "$who"; done
}
declared() {
  use build scripts/run.sh cmake
  use test "scripts/test.sh, tests/" ctest curl python3 node npm
  use test tests/e2e/disk_full_test.sh mount umount mountpoint  # it skips without them
  use test "the fuzz preset" clang++ \
    "$(clang++ -print-resource-dir 2>/dev/null)/lib/linux/libclang_rt.fuzzer-$(uname -m).a"
  local runtimes=()
  for l in asan ubsan tsan; do runtimes+=("$(c++ -print-file-name="lib$l.so")"); done
  use test "the asan and tsan presets" "${runtimes[@]}"
  use test tests/contract redis-server redis-cli openssl
  use test tests/e2e/limits_test.sh wrk slowhttptest
  use test tests/e2e/prometheus_test.sh prometheus promtool
  use test tests/e2e/browser_test.sh /usr/bin/chromium
  use test "scripts/package-lambda.sh, tests/e2e/lambda_package_test.py" patchelf strip
  use test "tests/e2e/relevance_test.py, bench/relevance/" /usr/share/wordnet/data.noun apt-cache
  use bench bench/ nginx redis-benchmark psql runuser \
    /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl /usr/lib/postgresql/*/bin/pgbench
}

# uses.tsv: level, path, where it comes from.
{
  # Cache entries naming files and directories (a compiler given with -D is a STRING); the
  # install prefix is not something found.
  grep -E '^[^#/][^:]*:(FILEPATH|PATH|STRING)=/' "$build/CMakeCache.txt" | grep -v '^CMAKE_INSTALL_PREFIX:' |
    sed -E 's/^([^:]*):[A-Z]*=(.*)/build\t\2\tCMakeCache.txt \1/'
  # The CMake files configure read, and absolute paths in link lines and include flags.
  sed -n 's/^build build.ninja: RERUN_CMAKE | //p' "$build/build.ninja" | tr ' ' '\n' |
    sed 's/^/build\t/; s/$/\tbuild.ninja, read by configure/'
  grep -E '^ +(LINK_LIBRARIES|INCLUDES) = ' "$build/build.ninja" | tr ' ' '\n' | sed 's/^-[IL]//' |
    grep '^/' | sed 's/^/build\t/; s/$/\tbuild.ninja link line or include flag/'
  # pkg-config modules: their .pc files and the -I/-L dirs they gave.
  sed -n 's/^__pkg_config_arguments_\([^:]*\):INTERNAL=\(.*\)/\1 \2/p' "$build/CMakeCache.txt" |
    while read -r prefix args; do
      for m in ${args//;/ }; do
        case $m in REQUIRED | QUIET | IMPORTED_TARGET | GLOBAL | NO_CMAKE_*) continue ;; esac
        m=${m%%[<>=]*}
        printf 'build\t%s\tpkg-config %s\n' "$(pkg-config --path "$m" || echo "$m.pc")" "$m"
      done
      sed -n "s/^${prefix}_\(INCLUDE\|LIBRARY\)_DIRS:INTERNAL=//p" "$build/CMakeCache.txt" |
        tr ';' '\n' | grep '^/' | sed "s/^/build\t/; s/\$/\tpkg-config $prefix dirs/" || true
    done
  declared
} | awk -F'\t' -v src="$src/" -v bin="$build/" \
  'index($2 "/", src) != 1 && index($2 "/", bin) != 1 && $2 !~ /^(CMakeCache.txt|CMakeFiles\/)/' |
  sort -u -t$'\t' -k1,2 > "$work/uses.tsv"

# hops.tsv: level, path, each file along its symlink chain, and both the /usr and the / spelling
# of it (dpkg knows each file by the name its package ships).
alias_of() {
  case $1 in
    /usr/bin/* | /usr/sbin/* | /usr/lib*/*) echo "${1#/usr}" ;;
    /bin/* | /sbin/* | /lib*/*) echo "/usr$1" ;;
  esac
}
# Absent programs fail the build and test levels; bench peers are only checked where installed.
: > "$work/absent"
while IFS=$'\t' read -r level path why; do
  case $path in
    /*) file=$path ;;
    *) file=$(command -v "$path" || true) ;;
  esac
  if [ -z "$file" ] || [ ! -e "$file" ]; then
    printf '%s\t%s\t%s\n' "$level" "$path" "$why" >> "$work/absent"
    continue
  fi
  hop=$file
  for _ in 1 2 3 4 5 6 7 8; do
    hop=$(realpath -ms "$hop")
    printf '%s\t%s\t%s\n' "$level" "$path" "$hop"
    a=$(alias_of "$hop")
    [ -z "$a" ] || printf '%s\t%s\t%s\n' "$level" "$path" "$a"
    [ -L "$hop" ] || break
    t=$(readlink "$hop")
    case $t in /*) hop=$t ;; *) hop=$(dirname "$hop")/$t ;; esac
  done
  r=$(realpath -m "$file")  # directories that are symlinks (/lib -> usr/lib)
  printf '%s\t%s\t%s\n' "$level" "$path" "$r"
  a=$(alias_of "$r")
  [ -z "$a" ] || printf '%s\t%s\t%s\n' "$level" "$path" "$a"
done < "$work/uses.tsv" | sort -u > "$work/hops.tsv"

# owners.tsv: file, package (one line each; dpkg -S prints "pkg1, pkg2:arch: /file").
cut -f3 "$work/hops.tsv" | sort -u | xargs -d '\n' dpkg -S 2>/dev/null |
  awk '!/^diversion by / { i = index($0, ": /"); n = split(substr($0, 1, i - 1), p, ", ");
       for (k = 1; k <= n; k++) { sub(/:.*/, "", p[k]); print substr($0, i + 2) "\t" p[k] } }' |
  sort -u > "$work/owners.tsv" || true

# closure-LEVEL: what a minbase root holds after `scripts/setup.sh LEVEL`.
apt-cache dumpavail | awk '/^Package: / {p = $2} /^(Priority: required|Essential: yes)$/ {print p}' |
  sort -u > "$work/required"
for level in build test bench; do
  scripts/setup.sh --list "$level" > "$work/list-$level"
  # shellcheck disable=SC2046  # one package name a word
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances $(cat "$work/required" "$work/list-$level") |
    grep -v '^[ <]' | sed 's/:.*//' | sort -u > "$work/closure-$level"
  # apt ignores names it does not know; apt-get install would not.
  if unknown=$(grep -vxFf "$work/closure-$level" "$work/list-$level"); then
    echo "audit: scripts/setup.sh $level lists packages apt does not know: ${unknown//$'\n'/ }" \
      "(a typo, or no package lists: apt-get update)" >&2
    exit 1
  fi
done

# A path passes when some file along its chain is owned and every owned file has an owner in the
# closure of its level. Failures are grouped by the package missing (dpkg -S's first owner).
status=0
awk -F'\t' '
  FILENAME ~ /\/closure-/ { lvl = FILENAME; sub(/.*closure-/, "", lvl); in_closure[lvl, $1] = 1; next }
  FILENAME ~ /\/owners.tsv$/ { owners[$1] = owners[$1] (owners[$1] == "" ? "" : " ") $2; next }
  FILENAME ~ /\/uses.tsv$/ { why[$2] = $3; next }
  FILENAME ~ /\/absent$/ {
    if ($1 == "bench") skipped = skipped " " $2
    else problem("audit: " $2 " (" $3 ") is not on this machine: scripts/setup.sh " $1 " does not install it")
    next
  }
  {
    key = $1 "\t" $2
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    if (!($3 in owners)) next
    owned[key] = 1
    k = split(owners[$3], o, " "); ok = 0
    for (i = 1; i <= k; i++) if (in_closure[$1, o[i]]) ok = 1
    if (ok || ($1, o[1], $2) in counted) next
    counted[$1, o[1], $2] = 1
    pkg = $1 "\t" o[1]
    if (!(pkg in paths)) { pkgs[++m] = pkg; first[pkg] = $2 (($3 == $2) ? "" : " -> " $3) " (" why[$2] ")" }
    paths[pkg]++
  }
  function problem(text) { print text; fails++ }
  END {
    for (i = 1; i <= n; i++)
      if (!(order[i] in owned)) {
        split(order[i], lp, "\t")
        problem("audit: " lp[2] " (" why[lp[2]] ") is owned by no Debian package")
      }
    for (i = 1; i <= m; i++) {
      split(pkgs[i], lp, "\t"); more = paths[pkgs[i]] - 1
      problem(sprintf("audit: scripts/setup.sh %s does not install %s, needed by %s%s", lp[1], lp[2],
                      first[pkgs[i]], more ? " and " more " more" : ""))
    }
    if (skipped != "") print "audit: bench peers not installed here, not checked:" skipped
    printf "audit: %d paths checked against what scripts/setup.sh installs; problems: %d\n", n, fails
    exit (fails > 0)
  }' "$work"/closure-* "$work/owners.tsv" "$work/uses.tsv" "$work/absent" "$work/hops.tsv" || status=$?
exit "$status"
