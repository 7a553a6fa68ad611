# Where reports go (-o): a regular file is replaced whole, only when the
# report is complete (no temporary file left, an old report untouched by a
# failed scan); a device, a FIFO or a terminal is written in place — a
# rename over /dev/null as root would replace the device itself, which an
# earlier version did; a directory is a clear error.
F=$ST_FIXTURES
img=oci:$F/minbase/oci
[[ -d $F/minbase/oci ]] || fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"

"$STRATA" image -q --no-vulns -f json -o "$ST_TMP/r.json" "$img"
jq -e '.packages | length == 96' "$ST_TMP/r.json" >/dev/null || fail "report not written"
[[ $(stat -c %a "$ST_TMP/r.json") == 644 ]] || fail "mode $(stat -c %a "$ST_TMP/r.json"), want 644"
cp "$ST_TMP/r.json" "$ST_TMP/before.json"
expect_exit 2 "$STRATA" image -q --no-vulns -f json -o "$ST_TMP/r.json" "oci:$ST_TMP/nonexistent"
same_files "$ST_TMP/before.json" "$ST_TMP/r.json"
[[ -z $(ls "$ST_TMP" | grep 'r.json.') ]] || fail "a temporary file was left: $(ls "$ST_TMP")"
pass "regular file: replaced whole, kept on failure, nothing left over"

# a character device: a private one, so that the test cannot harm the
# machine's /dev/null if it regresses
if [[ $EUID == 0 ]]; then
  mknod -m 666 "$ST_TMP/null" c 1 3
  for cmd in "image -q --no-vulns -f json $img" "config $ST_SRC/tests/fixtures/config/k8s" \
             "host --root $ST_TMP"; do
    # shellcheck disable=SC2086
    "$STRATA" $cmd -o "$ST_TMP/null" >/dev/null 2>&1 || true
    [[ -c $ST_TMP/null ]] || fail "strata $cmd -o DEVICE replaced the device with a file"
  done
  pass "a device stays a device (image, config, host)"
else
  echo "SKIP (part): mknod needs root"
fi

mkfifo "$ST_TMP/fifo"
cat "$ST_TMP/fifo" >"$ST_TMP/from-fifo" &
reader=$!
"$STRATA" image -q --no-vulns -f json -o "$ST_TMP/fifo" "$img"
wait $reader
jq -e '.packages | length == 96' "$ST_TMP/from-fifo" >/dev/null || fail "FIFO: report not received"
[[ -p $ST_TMP/fifo ]] || fail "the FIFO was replaced"
pass "a FIFO receives the report and stays a FIFO"

mkdir "$ST_TMP/dir"
expect_exit 2 "$STRATA" image -q --no-vulns -o "$ST_TMP/dir" "$img"
grep -q "is a directory" "$ST_TMP/err" || fail "directory: $(cat "$ST_TMP/err")"
pass "a directory is an error"
