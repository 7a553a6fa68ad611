# shellcheck shell=bash
# lang_python.sh — the Python packages strata finds, against independent
# oracles:
#  1. Debian's own python3-* packages (downloaded with apt-get download and
#     unpacked with dpkg-deb -x, nothing installed on the host): strata's
#     list of the unpacked tree equals what Python's importlib.metadata
#     reads from the same dist-packages directory, and each version is the
#     upstream part of the .deb's own Version (dpkg-deb -f);
#  2. the lockfiles of tests/data/python: the hand-checked golden lists
#     (expected.tsv: name, version, direct, dev), and the name/version
#     lists that Python's tomllib and json modules read from the same files;
#     dev packages only with --include-dev-deps;
#  3. matching: a dist-info of requests 2.19.0 gets exactly the advisories
#     of the real PyPI OSV data that python3-packaging's version order says
#     affect it (PYSEC-2018-28 / CVE-2018-18074 among them).
# Parts whose tools are missing (no Debian archive, no python3-packaging)
# are skipped LOUDLY; the lockfile part always runs.
# Needs: python3 (tomllib: 3.11+), jq; apt-get download + dpkg-deb for 1;
# python3-packaging for the oracle of 3.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip.

data=$ST_SRC/tests/data/python
py=/usr/bin/python3 # Debian's python, the one python3-packaging is for
[[ -x $py ]] || py=$(command -v python3 || true)
if [[ -z $py ]] || ! "$py" -c 'import tomllib' 2>/dev/null; then
  skip "no python3 with tomllib (3.11+): no oracle for the python analyzer"
fi

# pkgs JSON: strata's pypi packages as sorted "name version direct dev"
pkgs() {
  jq -r '.packages[] | select(.type == "pypi")
    | [.name, .version,
       (if .direct == true then 1 elif .direct == false then 0 else -1 end),
       (if .dev then 1 else 0 end)] | @tsv' "$1" | LC_ALL=C sort
}
# scan NAME DIR [ARGS]: strata's JSON for a directory in $ST_TMP/NAME.json
scan() {
  local name=$1 dir=$2
  shift 2
  expect_exit 0 "$STRATA" fs --list-packages --format json --no-vulns "$@" "$dir"
  mv "$ST_TMP/out" "$ST_TMP/$name.json"
}

# ---- 1. Debian's python3 packages --------------------------------------------
debs=(python3-requests python3-urllib3 python3-yaml python3-six python3-idna
      python3-certifi python3-chardet python3-charset-normalizer)
mkdir -p "$ST_TMP/debs" "$ST_TMP/root"
chmod 777 "$ST_TMP/debs" # apt's _apt user writes the downloads
if (cd "$ST_TMP/debs" && apt-get download "${debs[@]}") >"$ST_TMP/apt.log" 2>&1; then
  for d in "$ST_TMP"/debs/*.deb; do dpkg-deb -x "$d" "$ST_TMP/root"; done
  sp=$ST_TMP/root/usr/lib/python3/dist-packages
  "$py" - "$sp" >"$ST_TMP/importlib.tsv" <<'EOF'
import importlib.metadata as m, sys
for d in m.distributions(path=[sys.argv[1]]):
    print(d.metadata["Name"], d.version, sep="\t")
EOF
  LC_ALL=C sort -o "$ST_TMP/importlib.tsv" "$ST_TMP/importlib.tsv"
  scan debian "$ST_TMP/root"
  jq -r '.packages[] | select(.type == "pypi") | [.name, .version] | @tsv' \
    "$ST_TMP/debian.json" | LC_ALL=C sort >"$ST_TMP/debian.tsv"
  [[ $(wc -l <"$ST_TMP/importlib.tsv") -ge ${#debs[@]} ]] ||
    fail "importlib.metadata found only $(wc -l <"$ST_TMP/importlib.tsv") distributions"
  same_files "$ST_TMP/importlib.tsv" "$ST_TMP/debian.tsv"
  bad=$(jq -r '.packages[] | select(.type == "pypi")
    | select((.found_in | test("^/usr/lib/python3/dist-packages/[^/]+\\.(dist-info/METADATA|egg-info/PKG-INFO|egg-info)$") | not)
             or .direct != null or (.dev // false) or .purl != "pkg:pypi/\(.name | ascii_downcase | gsub("[-_.]+"; "-"))@\(.version)")
    | "\(.name): \(.found_in) direct=\(.direct) dev=\(.dev) \(.purl)"' "$ST_TMP/debian.json")
  [[ -z $bad ]] || fail "Debian packages with wrong fields:"$'\n'"$bad"
  # the .deb's own version, upstream part (no epoch, revision, +dfsg)
  n=0
  for d in "$ST_TMP"/debs/*.deb; do
    up=$(dpkg-deb -f "$d" Version | sed -E 's/^[0-9]+://; s/-[^-]*$//; s/[+~](dfsg|ds|repack).*$//')
    meta=$(dpkg-deb -c "$d" | awk '{print $NF}' | sed 's|^\./|/|' |
      grep -E '/dist-packages/[^/]+\.(dist-info/METADATA|egg-info/PKG-INFO)$|/dist-packages/[^/]+\.egg-info$' | head -1)
    [[ -n $meta ]] || fail "$(basename "$d"): no metadata file in the package"
    got=$(jq -r --arg f "$meta" '.packages[] | select(.found_in == $f) | .version' "$ST_TMP/debian.json")
    [[ $got == "$up" ]] || fail "$(basename "$d"): strata says '$got' for $meta, the .deb says upstream '$up'"
    n=$((n + 1))
  done
  pass "debian: $(wc -l <"$ST_TMP/debian.tsv") distributions equal importlib.metadata's; $n versions equal the .debs' upstream versions"
else
  echo "SKIP (loud): apt-get download ${debs[*]} failed; Debian oracle not run:" >&2
  tail -3 "$ST_TMP/apt.log" >&2
fi

# ---- 2. lockfiles against hand-checked golden lists and tomllib ----------------
# (directory, golden files)
cp -r "$data" "$ST_TMP/proj"
for dir in requirements poetry1 poetry2 poetry21 pipenv uv; do
  scan "$dir" "$ST_TMP/proj/$dir" --include-dev-deps
  pkgs "$ST_TMP/$dir.json" >"$ST_TMP/$dir.got"
  tail -q -n +2 "$data/$dir"/*expected.tsv | LC_ALL=C sort >"$ST_TMP/$dir.want"
  same_files "$ST_TMP/$dir.want" "$ST_TMP/$dir.got"
  # without --include-dev-deps the dev ones are gone
  scan "$dir-nodev" "$ST_TMP/proj/$dir"
  pkgs "$ST_TMP/$dir-nodev.json" >"$ST_TMP/$dir-nodev.got"
  awk -F'\t' '$4 == 0' "$ST_TMP/$dir.want" >"$ST_TMP/$dir-nodev.want"
  same_files "$ST_TMP/$dir-nodev.want" "$ST_TMP/$dir-nodev.got"
  bad=$(jq -r '.packages[] | select(.found_in | test("^/[^/]+$") | not) | .found_in' "$ST_TMP/$dir.json")
  [[ -z $bad ]] || fail "$dir: found_in not the file: $bad"
  pass "$dir: $(wc -l <"$ST_TMP/$dir.got") packages equal the golden list ($(wc -l <"$ST_TMP/$dir-nodev.got") without dev)"
done
# the same name/version lists through Python's own parsers
"$py" - "$data" >"$ST_TMP/tomllib.tsv" <<'EOF'
import json, sys, tomllib
d = sys.argv[1]
for lock in ("poetry1", "poetry2", "poetry21"):
    for p in tomllib.load(open(f"{d}/{lock}/poetry.lock", "rb"))["package"]:
        print(lock, p["name"], p["version"], sep="\t")
for p in tomllib.load(open(f"{d}/uv/uv.lock", "rb"))["package"]:
    src = p.get("source", {})
    if "editable" not in src and "virtual" not in src:
        print("uv", p["name"], p["version"], sep="\t")
lock = json.load(open(f"{d}/pipenv/Pipfile.lock"))
seen = set()
for sec in ("default", "develop"):
    for name, v in lock[sec].items():
        if "version" in v and name not in seen:
            seen.add(name)
            print("pipenv", name, v["version"].lstrip("="), sep="\t")
EOF
for dir in poetry1 poetry2 poetry21 uv pipenv; do
  cut -f1,2 "$ST_TMP/$dir.got" | sed "s/^/$dir\t/"
done | LC_ALL=C sort >"$ST_TMP/strata-locks.tsv"
LC_ALL=C sort -o "$ST_TMP/tomllib.tsv" "$ST_TMP/tomllib.tsv"
same_files "$ST_TMP/tomllib.tsv" "$ST_TMP/strata-locks.tsv"
pass "locks: $(wc -l <"$ST_TMP/tomllib.tsv") name/version pairs equal Python's tomllib/json reading"
# unpinned requirements are diagnostics, not packages
for want in "unpinned: flask>=2.0" "unpinned: numpy" "unpinned: pandas==1.*"; do
  jq -e --arg w "$want" '[.diagnostics[] | select(.message | contains($w))] | length == 1' \
    "$ST_TMP/requirements.json" >/dev/null || fail "requirements: no diagnostic '$want'"
done
pass "requirements: unpinned lines are diagnostics"

# ---- 3. matching: requests 2.19.0 against the real PyPI advisories -------------
osv=$ST_SRC/../shared/data/osv
[[ -f $osv/PyPI/all.zip ]] || osv=$ST_SRC/tests/data/osv
"$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >"$ST_TMP/update.out" ||
  fail "strata db update --from $osv failed"
expect_exit 0 "$STRATA" fs --format json --db "$ST_TMP/db" "$ST_TMP/proj/site-packages"
mv "$ST_TMP/out" "$ST_TMP/vulns.json"
jq -r '.vulnerabilities[] | select(.package.name == "requests") | .ids[]' "$ST_TMP/vulns.json" |
  LC_ALL=C sort >"$ST_TMP/requests.ids"
for id in PYSEC-2018-28 CVE-2018-18074; do
  grep -qx "$id" "$ST_TMP/requests.ids" ||
    fail "requests 2.19.0: no PYSEC-2018-28 / CVE-2018-18074 (got: $(tr '\n' ' ' <"$ST_TMP/requests.ids"))"
done
if "$py" -c 'import packaging.version' 2>/dev/null; then
  "$py" - "$osv/PyPI/all.zip" >"$ST_TMP/oracle.ids" <<'EOF'
import json, sys, zipfile
from packaging.version import Version
z, v = zipfile.ZipFile(sys.argv[1]), Version("2.19.0")
for n in z.namelist():
    d = json.loads(z.read(n))
    if d.get("withdrawn"):
        continue
    for a in d.get("affected", []):
        if a["package"]["name"].lower() != "requests":
            continue
        hit = v.public in a.get("versions", [])
        for r in a.get("ranges", []):
            if r["type"] != "ECOSYSTEM":
                continue
            intro = None
            for e in r["events"]:
                if "introduced" in e:
                    intro = Version(e["introduced"]) if e["introduced"] != "0" else Version("0")
                elif intro is not None and ("fixed" in e or "last_affected" in e):
                    hi = e.get("fixed") or e["last_affected"]
                    if intro <= v and (v < Version(hi) if "fixed" in e else v <= Version(hi)):
                        hit = True
                    intro = None
            if intro is not None and intro <= v:
                hit = True
        if hit:
            print(d["id"])
            for al in d.get("aliases", []):
                print(al)
EOF
  LC_ALL=C sort -u -o "$ST_TMP/oracle.ids" "$ST_TMP/oracle.ids"
  same_files "$ST_TMP/oracle.ids" "$ST_TMP/requests.ids"
  pass "requests 2.19.0: $(wc -l <"$ST_TMP/requests.ids") advisory ids equal the python3-packaging oracle's (PYSEC-2018-28 among them)"
else
  echo "SKIP (loud): no python3-packaging; only PYSEC-2018-28 was checked" >&2
  pass "requests 2.19.0: PYSEC-2018-28 / CVE-2018-18074 found"
fi
