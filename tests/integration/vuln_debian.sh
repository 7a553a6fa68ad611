# Matching real Debian advisories against a real Debian 12 package database
# whose versions were set back to real older bookworm versions
# (tests/fixtures/make-vuln-rootfs.py). Three independent checks:
#  1. an oracle: every Debian:12 advisory for every source package of the
#     rootfs is re-decided here with `dpkg --compare-versions`, reading the
#     OSV records straight from the zip (not through strata's DB); strata
#     must report exactly that set;
#  2. a hand-checked golden list (golden/vuln-debian.tsv);
#  3. filters and --exit-code.
osv=$ST_SRC/../shared/data/osv
[[ -d $osv/Debian ]] || osv=$ST_SRC/tests/data/osv
echo "advisories from $osv"

"$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >"$ST_TMP/update.out"
python3 "$ST_SRC/tests/fixtures/make-vuln-rootfs.py" "$ST_FIXTURES/rootfs/minbase" "$ST_TMP/vf"
root=$ST_TMP/vf/rootfs
"$STRATA" image -q --db "$ST_TMP/db" -f json "dir:$root" >"$ST_TMP/scan.json"

jq -r '.vulnerabilities[] | [.package.name, .id, .installed_version, (.fixed_version // "-")] | @tsv' \
  "$ST_TMP/scan.json" | sort >"$ST_TMP/got.tsv"
[[ -s $ST_TMP/got.tsv ]] || fail "no findings at all"

# 1. the oracle
dpkg-query --admindir="$root/var/lib/dpkg" -W \
  -f '${Package}\t${Version}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n' \
  >"$ST_TMP/pkgs.tsv"
python3 - "$osv/Debian/all.zip" "$ST_TMP/pkgs.tsv" >"$ST_TMP/want.tsv" <<'PY'
import json, subprocess, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
pkgs = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
sources = {p[2] for p in pkgs}
adv = {}  # source -> [(id, events)]
for n in z.namelist():
    d = json.loads(z.read(n))
    if d.get("withdrawn"):
        continue
    for a in d.get("affected", []):
        pk = a.get("package", {})
        if pk.get("ecosystem") == "Debian:12" and pk.get("name") in sources:
            for r in a.get("ranges", []):
                if r.get("type") == "ECOSYSTEM":
                    adv.setdefault(pk["name"], []).append((d["id"], r["events"]))
def dpkg(a, op, b):
    return subprocess.run(["dpkg", "--compare-versions", a, op, b]).returncode == 0
for name, ver, src, srcver, status in pkgs:
    if not status.startswith("ii"):
        continue
    for vid, events in adv.get(src, []):
        intro = [e["introduced"] for e in events if "introduced" in e]
        fixed = [e["fixed"] for e in events if "fixed" in e]
        ok_in = any(i == "0" or dpkg(srcver, "ge", i) for i in intro)
        ok_fix = all(dpkg(srcver, "lt", f) for f in fixed)
        if ok_in and ok_fix:
            print(f"{name}\t{vid}\t{ver}\t{fixed[0] if fixed else '-'}")
PY
sort -o "$ST_TMP/want.tsv" "$ST_TMP/want.tsv"
same_files "$ST_TMP/want.tsv" "$ST_TMP/got.tsv"
pass "oracle: $(wc -l <"$ST_TMP/got.tsv") findings, each re-derived with dpkg --compare-versions"

# 2. the golden list (checked by hand against the Debian security tracker)
grep -v '^#' "$ST_SRC/tests/integration/golden/vuln-debian.tsv" >"$ST_TMP/golden.tsv"
same_files "$ST_TMP/golden.tsv" "$ST_TMP/got.tsv"
# known-fixed must stay silent: glibc at DSA-5514-1's fix, gnutls28 at
# DSA-5867-1's, libfile-find-rule-perl at DSA-5936-1's
for id in DSA-5514-1 DSA-5867-1 DSA-5936-1; do
  ! grep -qP "\t$id\t" "$ST_TMP/got.tsv" || fail "$id reported although the installed version is its fix"
done
pass "golden list and known-fixed advisories"

# the purl, layer and source of each finding point at the real package
jq -e '[.vulnerabilities[] | select(.data_source != "Debian:12" or .status != "fixed")] | length == 0' \
  "$ST_TMP/scan.json" >/dev/null || fail "a finding without Debian:12 source or fix"

# 3. filters and exit codes
expect_exit 1 "$STRATA" image -q --db "$ST_TMP/db" --exit-code 1 "dir:$root"
grep -q 'Total: ' "$ST_TMP/out" || fail "table without a total"
expect_exit 0 "$STRATA" image -q --db "$ST_TMP/db" --exit-code 1 --severity CRITICAL "dir:$root"
expect_exit 0 "$STRATA" image -q --db "$ST_TMP/db" --exit-code 1 --ignore-unfixed \
  "dir:$ST_FIXTURES/rootfs/minbase"
expect_exit 2 "$STRATA" image -q --db "$ST_TMP/nodb" --exit-code 1 "dir:$root"
grep -q "strata db update" "$ST_TMP/err" || fail "missing DB: the message does not say what to run"
pass "filters and exit codes"
