#!/usr/bin/env bash
# Builds strata twice — warnings as errors, then with ASan+UBSan — and runs
# the whole test suite in both: unit, integration (real images built from
# Debian packages by tests/fixtures), and fuzz-corpus regression.
# Usage: scripts/test.sh            (from the source tree; needs root for
#                                   the image fixtures: mmdebstrap, apt)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
jobs=$(nproc)

scripts/setup.sh

fixtures=$src/build/fixtures  # built once, shared by both builds

run_build() {
  local dir=$1; shift
  echo "== configure $dir $*" >&2
  cmake -S "$src" -B "$dir" -DSTRATA_WERROR=ON -DST_FIXTURES="$fixtures" "$@" >/dev/null
  echo "== build $dir" >&2
  cmake --build "$dir" -j"$jobs"
  echo "== test $dir" >&2
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 1800)
}

run_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_build build-asan -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON
echo "all tests passed (release and ASan+UBSan builds)"
