# The vulnerability DB: import, status, bad input, atomic replacement.
osv=$ST_SRC/../shared/data/osv
[[ -d $osv/Debian ]] || osv=$ST_SRC/tests/data/osv
db=$ST_TMP/db

"$STRATA" db update -q --from "$osv" --db "$db" >"$ST_TMP/out"
grep -q '^updated .*advisories' "$ST_TMP/out" || fail "no summary line: $(cat "$ST_TMP/out")"
"$STRATA" db status --db "$db" --format json >"$ST_TMP/status.json"
want=$(python3 -c "
import json, sys, zipfile, glob
ids = set()
for z in glob.glob(sys.argv[1] + '/*/all.zip'):
    f = zipfile.ZipFile(z)
    ids |= {json.loads(f.read(n))['id'] for n in f.namelist() if n.endswith('.json')}
print(len(ids))" "$osv")
got=$(jq .advisories "$ST_TMP/status.json")
[[ $got == "$want" ]] || fail "status counts $got advisories, the zips hold $want distinct ids"
jq -e '.sources | length > 0 and all(.sha256 | startswith("sha256:"))' "$ST_TMP/status.json" >/dev/null \
  || fail "sources without sha256"
jq -e '[.ecosystems[].ecosystem] | index("Debian:12") != null' "$ST_TMP/status.json" >/dev/null \
  || fail "no Debian:12 in the ecosystems"
"$STRATA" db status --db "$db" >"$ST_TMP/status.txt"
grep -q "^Advisories  $want " "$ST_TMP/status.txt" || fail "table status: $(head -3 "$ST_TMP/status.txt")"
pass "import: $want advisories, status agrees"

# Malformed advisories are skipped, named and counted; the rest imports.
mkdir -p "$ST_TMP/mix"
cp "$ST_SRC/tests/data/osv/npm/all.zip" "$ST_TMP/mix/npm.zip"
printf '{"id": "BAD-1", "affected": [' >"$ST_TMP/mix/truncated.json"
printf '{"id": "BAD-2", "id": "dup"}' >"$ST_TMP/mix/dupkey.json"
printf '[1, 2, 3]' >"$ST_TMP/mix/array.json"
printf '{"id": "OK-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}' \
  >"$ST_TMP/mix/ok.json"
"$STRATA" db update --from "$ST_TMP/mix" --db "$ST_TMP/db2" >"$ST_TMP/out" 2>"$ST_TMP/err"
for f in truncated.json dupkey.json array.json; do
  grep -q "$f" "$ST_TMP/err" || fail "bad advisory $f not named: $(cat "$ST_TMP/err")"
done
"$STRATA" db status --db "$ST_TMP/db2" --format json | jq -e '.bad == 3' >/dev/null || fail "bad count is not 3"
pass "malformed advisories: named, counted, skipped"

# A truncated zip, a zip bomb, a file that is neither: exit 2, one line
# naming the file, and the live DB untouched.
before=$(sha256sum "$db/strata.db")
head -c 100000 "$ST_SRC/tests/data/osv/Debian/all.zip" >"$ST_TMP/truncated.zip"
python3 - "$ST_TMP/bomb.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("BOMB-1.json", b"{" + b" " * (200 << 20) + b"}")
PY
printf 'not json at all' >"$ST_TMP/junk.bin"
for f in truncated.zip bomb.zip; do
  expect_exit 2 "$STRATA" db update --from "$ST_TMP/$f" --db "$db"
  [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "$f: stderr is not one line: $(cat "$ST_TMP/err")"
  grep -q "$f" "$ST_TMP/err" || fail "$f: not named: $(cat "$ST_TMP/err")"
  [[ $(sha256sum "$db/strata.db") == "$before" ]] || fail "$f: the live DB changed"
done
grep -qi 'bomb\|16 MiB' "$ST_TMP/err" || fail "bomb: no limit named"
expect_exit 2 "$STRATA" db update --from "$ST_TMP/does-not-exist" --db "$db"
pass "truncated zip, zip bomb, missing source: exit 2, live DB untouched"

# kill -9 in the middle of an update: the old DB still answers, and the
# next update cleans up. 30000 advisories make the update last long enough.
python3 - "$ST_TMP/many" <<'PY'
import json, os, sys
d = sys.argv[1]
os.makedirs(d)
for i in range(30000):
    with open(f"{d}/MANY-{i}.json", "w") as f:
        json.dump({"id": f"MANY-{i}", "modified": "2024-01-01T00:00:00Z",
                   "affected": [{"package": {"ecosystem": "PyPI", "name": f"p{i}"},
                                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}, f)
PY
"$STRATA" db update -q --from "$ST_TMP/many" --db "$db" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
  ls "$db"/strata.db.new-* >/dev/null 2>&1 && break
  sleep 0.05
done
sleep 0.3
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[[ $(sha256sum "$db/strata.db") == "$before" ]] || fail "kill -9: the live DB changed"
"$STRATA" db status --db "$db" --format json | jq -e ".advisories == $want" >/dev/null \
  || fail "kill -9: the old DB does not answer"
"$STRATA" db update -q --from "$ST_SRC/tests/data/osv/npm/all.zip" --db "$db" >/dev/null
! ls "$db"/strata.db.new-* >/dev/null 2>&1 || fail "leftover of the killed update not removed"
pass "kill -9 mid-update: old DB intact, leftovers removed by the next update"

# status JSON stays JSON whatever the path holds (it is escaped, not pasted)
odd=$ST_TMP/'odd "dir" \ name'
"$STRATA" db update -q --from "$ST_SRC/tests/data/osv/npm/all.zip" --db "$odd" >/dev/null
"$STRATA" db status --db "$odd" --format json | jq -e --arg p "$odd/strata.db" '.path == $p' >/dev/null \
  || fail "db status --format json: a path with quotes breaks the JSON"
pass "db status JSON escapes paths"
