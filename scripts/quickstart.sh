#!/usr/bin/env bash
# Installs the dependencies, builds strata, builds a real Debian image from
# Debian's packages (no Docker needed) and scans it end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
tests/fixtures/make-images.sh build/fixtures >&2
echo
build/strata image build/fixtures/minbase/docker-archive.tar
echo
build/strata image --list-packages oci:build/fixtures/layered/oci:latest | head -20
