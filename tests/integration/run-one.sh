#!/usr/bin/env bash
# Runs one integration script in a fresh scratch directory (ST_TMP) that is
# removed afterwards, with the shared helpers of lib.sh loaded.
set -euo pipefail
script=$1
ST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-it.XXXXXX")
export ST_TMP
trap 'rm -rf "$ST_TMP"' EXIT
cd "$ST_TMP"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
source "$script"
