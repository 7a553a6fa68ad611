# shellcheck shell=bash
# tamper.sh — a blob whose content does not hash to its name is refused: exit
# 2, no result at all on stdout (not even a partial one), one line on stderr
# that says "does not match its digest" and names the blob. The fixtures are
# copies of minbase with one byte flipped (tests/fixtures/make-images.sh,
# truth/tampered.tsv: artifact, blob, byte offset):
#   layer-oci         inside the gzip stream of the layer blob
#   layer-header-oci  the gzip header's OS byte: the layer still decompresses
#                     to the same tar (same diff_id); only the blob digest
#                     can tell
#   config-oci        a digit of "created" in the config (still valid JSON)
#   manifest-oci      a digit of a "size" in the manifest (still valid JSON)
#   layer-docker.tar  a byte of etc/debian_version inside the layer tar
#                     (the tar still lists; only the diff_id can tell)
#   config-docker.tar a digit of "created" in the config
# Sourced by run-one.sh: STRATA, ST_FIXTURES, ST_TMP, fail/pass/expect_exit.

F=$ST_FIXTURES
tsv=$F/truth/tampered.tsv
[[ -s $tsv ]] || fail "fixtures missing: $tsv"
[[ $(wc -l <"$tsv") -ge 6 ]] || fail "$tsv: expected 6 tampered artifacts"

while IFS=$'\t' read -r name blob _offset; do
  path=$F/tampered/$name
  [[ -e $path ]] || fail "missing fixture $path"
  case $name in
    *-oci) refs=("oci:$path:latest" "$path") ;;
    *.tar) refs=("docker-archive:$path" "$path") ;;
    *) fail "unknown tampered artifact $name" ;;
  esac
  hex=${blob#sha256:}; hex=${hex%%.*}; short=${hex:0:12}
  for ref in "${refs[@]}"; do
    for cmd in "image --list-packages --format json" "image" "sbom --format cyclonedx"; do
      # shellcheck disable=SC2086 # cmd is a word list on purpose
      expect_exit 2 "$STRATA" $cmd "$ref"
      what="strata $cmd $ref"
      [[ ! -s $ST_TMP/out ]] || fail "$what: printed a (partial) result: $(head -c 300 "$ST_TMP/out")"
      [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "$what: stderr is not one line: $(cat "$ST_TMP/err")"
      grep -q '^strata: ' "$ST_TMP/err" || fail "$what: stderr does not start with 'strata: '"
      grep -qF 'does not match its digest' "$ST_TMP/err" \
        || fail "$what: stderr lacks 'does not match its digest': $(cat "$ST_TMP/err")"
      grep -qF "$short" "$ST_TMP/err" \
        || fail "$what: stderr does not name the blob ($short...): $(cat "$ST_TMP/err")"
    done
  done
  pass "$name: refused ($(cut -c1-160 "$ST_TMP/err"))"
done <"$tsv"

# The untampered originals pass, so the failures above are the flips' doing.
expect_exit 0 "$STRATA" image --format json "oci:$F/minbase/oci:latest"
expect_exit 0 "$STRATA" image --format json "docker-archive:$F/minbase/docker-archive.tar"
pass "untampered minbase accepted"
