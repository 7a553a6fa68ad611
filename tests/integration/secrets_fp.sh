# shellcheck shell=bash
# secrets_fp.sh — false positives of the built-in secret rules on a whole
# real Debian image where nothing is planted ($ST_FIXTURES/docs: minbase
# plus python3, pip, perl, git, openssl, curl, libssl-dev, man-db, the
# Python and Perl manuals, CA certificates; /usr/share/doc kept; built by
# tests/fixtures/make-secrets.sh): `strata image --scanners secret` must
# report no finding, and `strata fs --scanners secret` on its rootfs
# neither. Each false positive is printed (rule, path, line, redacted
# match) for whoever tunes rules/secrets.yaml.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_FIXTURES, ST_TMP.

command -v jq >/dev/null || fail "jq not found"
if [[ ! -d $ST_FIXTURES/docs/oci && $EUID -ne 0 ]]; then
  skip "secrets_fp: $ST_FIXTURES/docs missing and building it needs root (mmdebstrap)"
fi
bash "$ST_SRC/tests/fixtures/make-secrets.sh" "$ST_FIXTURES" docs >"$ST_TMP/fixture.log" 2>&1 ||
  { cat "$ST_TMP/fixture.log" >&2; fail "make-secrets.sh $ST_FIXTURES docs"; }

# The scanner must be able to fail here: one planted file in a copy of a
# small part of the tree is found (so "no finding" below is not a scanner
# that reads nothing).
mkdir -p "$ST_TMP/probe/usr/share/doc"
cp -r "$ST_FIXTURES/docs/rootfs/usr/share/doc/git" "$ST_TMP/probe/usr/share/doc/"
printf 'aws_access_key_id = %s\n' AKIAIOSFODNN7EXAMPLE >"$ST_TMP/probe/usr/share/doc/git/notes.txt"
expect_exit 0 "$STRATA" fs -q --scanners secret --format json "$ST_TMP/probe"
[[ $(jq -r '[.findings[] | select(.id == "aws-access-key-id") | .path | ltrimstr("/")] | join(" ")' "$ST_TMP/out") \
  == usr/share/doc/git/notes.txt ]] || fail "the probe's planted AWS key is not found: $(jq -c .findings "$ST_TMP/out")"

report_fp() { # WHAT JSON: print each finding, fail when there is one
  local n
  n=$(jq '.findings | length' "$2")
  ((n == 0)) && return 0
  echo "$1: $n false positive(s):" >&2
  jq -r '.findings[] | "  \(.id)\t\(.path):\(.line // "-")\t\(.match)"' "$2" >&2
  fail "$1: $n secret findings in an image where nothing is planted"
}
expect_exit 0 "$STRATA" image -q --scanners secret --format json "oci:$ST_FIXTURES/docs/oci"
cp "$ST_TMP/out" "$ST_TMP/image.json"
jq -e '.stats.files_read > 1000' "$ST_TMP/image.json" >/dev/null ||
  fail "the secret scan read only $(jq .stats.files_read "$ST_TMP/image.json") files of the docs image"
expect_exit 0 "$STRATA" fs -q --scanners secret --format json "$ST_FIXTURES/docs/rootfs"
cp "$ST_TMP/out" "$ST_TMP/fs.json"
report_fp "strata image oci:docs" "$ST_TMP/image.json"
report_fp "strata fs docs/rootfs" "$ST_TMP/fs.json"
pass "no secret findings in the docs image ($(jq .stats.files_read "$ST_TMP/image.json") files read) nor its rootfs"
