# Helpers for integration scripts (sourced by run-one.sh). Scripts run with
# `set -euo pipefail`; a failed check exits non-zero with a message.
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 0; }
pass() { echo "ok: $*"; }
# expect_exit CODE CMD... — runs CMD, checks its exit code; stdout in $ST_TMP/out, stderr in $ST_TMP/err
expect_exit() {
  local want=$1; shift
  local got=0
  "$@" >"$ST_TMP/out" 2>"$ST_TMP/err" || got=$?
  [[ $got == "$want" ]] || { cat "$ST_TMP/err" >&2; fail "exit $got, want $want: $*"; }
}
# same_files A B — diff two files, fail with the diff
same_files() { diff -u "$1" "$2" >&2 || fail "$1 and $2 differ"; }
