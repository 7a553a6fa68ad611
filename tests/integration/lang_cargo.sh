# shellcheck shell=bash
# lang_cargo.sh — the Rust crates strata finds in Cargo.lock, against
# independent oracles: the hand-checked golden lists of tests/data/cargo
# (expected.tsv: name, version, direct, dev), the crates that Python's
# tomllib reads from the same locks (every [[package]] with a source),
# dev crates only with --include-dev-deps; and matching: the old crates of
# v1/Cargo.lock get exactly the RustSec advisories of the real crates.io
# OSV data listed below, checked by hand against each record's ranges.
# Needs: python3 with tomllib (3.11+), jq.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip.

data=$ST_SRC/tests/data/cargo
py=$(command -v python3 || true)
if [[ -z $py ]] || ! "$py" -c 'import tomllib' 2>/dev/null; then
  skip "no python3 with tomllib (3.11+): no oracle for the cargo analyzer"
fi

pkgs() {
  jq -r '.packages[] | select(.type == "cargo")
    | [.name, .version,
       (if .direct == true then 1 elif .direct == false then 0 else -1 end),
       (if .dev then 1 else 0 end)] | @tsv' "$1" | LC_ALL=C sort
}
scan() {
  local name=$1 dir=$2
  shift 2
  expect_exit 0 "$STRATA" fs --list-packages --format json --no-vulns "$@" "$dir"
  mv "$ST_TMP/out" "$ST_TMP/$name.json"
}

cp -r "$data" "$ST_TMP/proj"
for dir in workspace v1; do
  scan "$dir" "$ST_TMP/proj/$dir" --include-dev-deps
  pkgs "$ST_TMP/$dir.json" >"$ST_TMP/$dir.got"
  tail -n +2 "$data/$dir/expected.tsv" | LC_ALL=C sort >"$ST_TMP/$dir.want"
  same_files "$ST_TMP/$dir.want" "$ST_TMP/$dir.got"
  scan "$dir-nodev" "$ST_TMP/proj/$dir"
  pkgs "$ST_TMP/$dir-nodev.json" >"$ST_TMP/$dir-nodev.got"
  awk -F'\t' '$4 == 0' "$ST_TMP/$dir.want" >"$ST_TMP/$dir-nodev.want"
  same_files "$ST_TMP/$dir-nodev.want" "$ST_TMP/$dir-nodev.got"
  bad=$(jq -r '.packages[] | select(.found_in != "/Cargo.lock"
      or .purl != "pkg:cargo/\(.name)@\(.version)") | "\(.name): \(.found_in) \(.purl)"' "$ST_TMP/$dir.json")
  [[ -z $bad ]] || fail "$dir: wrong found_in or purl:"$'\n'"$bad"
  # tomllib: every [[package]] with a source
  "$py" - "$data/$dir/Cargo.lock" <<'EOF' | LC_ALL=C sort >"$ST_TMP/$dir.tomllib"
import sys, tomllib
for p in tomllib.load(open(sys.argv[1], "rb"))["package"]:
    if "source" in p:
        print(p["name"], p["version"], sep="\t")
EOF
  cut -f1,2 "$ST_TMP/$dir.got" >"$ST_TMP/$dir.nv"
  same_files "$ST_TMP/$dir.tomllib" "$ST_TMP/$dir.nv"
  pass "$dir: $(wc -l <"$ST_TMP/$dir.got") crates equal the golden list and tomllib's ($(wc -l <"$ST_TMP/$dir-nodev.got") without dev)"
done

# ---- matching ---------------------------------------------------------------
osv=$ST_SRC/../shared/data/osv
[[ -f $osv/crates.io/all.zip ]] || osv=$ST_SRC/tests/data/osv
"$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >"$ST_TMP/update.out" ||
  fail "strata db update --from $osv failed"
expect_exit 0 "$STRATA" fs --format json --db "$ST_TMP/db" "$ST_TMP/proj/v1"
jq -r '.vulnerabilities[] | [.package.name, (.ids[] | select(startswith("RUSTSEC")))] | @tsv' \
  "$ST_TMP/out" | LC_ALL=C sort >"$ST_TMP/rustsec.got"
# smallvec 0.6.9: 2018-0018 (< 0.6.13), 2019-0009 and 2019-0012 (0.6.3 to
# 0.6.10), 2021-0003 (0.6.3 to 0.6.14), not 2018-0003 (fixed in 0.6.3);
# time 0.1.42: 2020-0071 (< 0.2.0), not 2026-0009 (from 0.3.6)
LC_ALL=C sort >"$ST_TMP/rustsec.want" <<'EOF'
smallvec	RUSTSEC-2018-0018
smallvec	RUSTSEC-2019-0009
smallvec	RUSTSEC-2019-0012
smallvec	RUSTSEC-2021-0003
time	RUSTSEC-2020-0071
EOF
same_files "$ST_TMP/rustsec.want" "$ST_TMP/rustsec.got"
pass "v1: $(wc -l <"$ST_TMP/rustsec.got") RustSec advisories, as checked by hand"
