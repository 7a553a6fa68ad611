#!/usr/bin/env bash
# Installs the dependencies, builds strata, builds a real Debian image from
# Debian's packages (no Docker needed), builds the vulnerability DB (from
# ../shared/data/osv when present, else the real subset in tests/data/osv:
# this machine cannot reach the public OSV bucket) and scans end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
tests/fixtures/make-images.sh build/fixtures >&2
osv=../shared/data/osv
[[ -d $osv ]] || osv=tests/data/osv
build/strata db update -q --from "$osv" --db build/db
echo
build/strata image --db build/db build/fixtures/minbase/docker-archive.tar
echo
# the same Debian packages set back to older real versions: real findings
python3 tests/fixtures/make-vuln-rootfs.py build/fixtures/rootfs/minbase build/vuln
build/strata fs --db build/db build/vuln/rootfs | head -30
