# shellcheck shell=bash
# lang_npm.sh — the npm analyzer on real projects, against the tools' own
# view of them:
#  1. a project (express, lodash 4.17.15, minimist 1.2.5, @types/node;
#     devDependencies @babel/core; optional fsevents; a workspace) locked by
#     npm (`--package-lock-only`, lockfile v3): strata's name, version,
#     direct, dev (--include-dev-deps) == `npm ls --all --json
#     --package-lock-only` flattened, dev = absent with --omit=dev;
#  2. the same installed (`npm install`): the node_modules package.json
#     files strata lists == `npm ls --all --json` of the real tree;
#  3. the same project locked by yarn 1 and pnpm 8/9: the name and version
#     set == npm's set (same registry, same day, same ranges), and
#     direct/dev where the lockfile records them; yarn 4: == `yarn info -AR
#     --json`, direct dependencies == npm's;
#  4. lodash 4.17.15 and minimist 1.2.5 (lockfile + node_modules) against the
#     real OSV npm data: the advisories strata reports == those whose ranges
#     hold the version, read straight from the OSV zip by a python oracle.
# The tools come from the npm registry, cached under $ST_BUILD/tools/npm;
# without npm (or the registry) the test skips LOUDLY.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_TMP, fail/pass/skip.

command -v npm >/dev/null && command -v node >/dev/null ||
  skip "lang_npm: node/npm not installed (apt-get install nodejs npm)"
tools=$ST_BUILD/tools/npm
cache=$tools/.npm-cache
mkdir -p "$tools"
export npm_config_cache=$cache npm_config_audit=false npm_config_fund=false \
  npm_config_update_notifier=false npm_config_loglevel=error
T=$tools/node_modules
if [[ ! -f $T/pnpm9/bin/pnpm.cjs || ! -f $T/@yarnpkg/cli-dist/bin/yarn.js ]]; then
  npm install --prefix "$tools" --no-save yarn@1 pnpm8@npm:pnpm@8 \
    pnpm9@npm:pnpm@9 @yarnpkg/cli-dist@4 >"$ST_TMP/tools.log" 2>&1 ||
    skip "lang_npm: cannot install yarn/pnpm from the npm registry: $(tail -3 "$ST_TMP/tools.log")"
fi

# ---- the project ------------------------------------------------------------
mkproj() {
  rm -rf "$1"
  mkdir -p "$1/packages/util"
  cat >"$1/package.json" <<'EOF'
{
  "name": "strata-npm-it",
  "version": "1.0.0",
  "private": true,
  "workspaces": ["packages/*"],
  "dependencies": {
    "express": "4.18.2", "lodash": "4.17.15", "minimist": "1.2.5",
    "@types/node": "20.11.0"
  },
  "devDependencies": { "@babel/core": "7.23.7" },
  "optionalDependencies": { "fsevents": "2.3.3" }
}
EOF
  cat >"$1/packages/util/package.json" <<'EOF'
{ "name": "@strata/util", "version": "0.1.0",
  "dependencies": { "inherits": "2.0.4", "ms": "2.1.2" } }
EOF
}

# strata's packages of a directory as name<TAB>version<TAB>direct<TAB>dev,
# restricted to found_in matching $2.
strata_rows() {
  "$STRATA" fs -q --no-vulns --include-dev-deps --format json "$1" >"$ST_TMP/s.json" ||
    fail "strata fs $1"
  jq -r --arg re "$2" '.packages[] | select(.type == "npm" and (.found_in | test($re)))
    | [.name, .version,
       (if .direct == true then 1 elif .direct == false then 0 else "-" end),
       (if .dev then 1 else 0 end)] | @tsv' "$ST_TMP/s.json" | sort -u
}

# npm ls output (all, prod) → the same rows; a dependency of the root or of
# a workspace ("resolved": "file:…") is direct; workspaces are not listed.
cat >"$ST_TMP/flatten.js" <<'EOF'
'use strict';
const fs = require('fs');
const all = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const prod = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
function walk(node, direct, out) {
  for (const [name, d] of Object.entries(node.dependencies || {})) {
    if (!d.version) continue; // missing (optional for another platform)
    const ws = typeof d.resolved === 'string' && d.resolved.startsWith('file:');
    if (ws) { walk(d, true, out); continue; }
    const key = `${d.name || name}\t${d.version}`;
    out.set(key, (out.get(key) || false) || direct);
    walk(d, false, out);
  }
  return out;
}
const a = walk(all, true, new Map()), p = walk(prod, true, new Map());
const rows = [...a].map(([k, direct]) => `${k}\t${direct ? 1 : 0}\t${p.has(k) ? 0 : 1}`);
process.stdout.write(rows.sort().join('\n') + '\n');
EOF

compare() { # what, expected, actual
  sort -u "$2" >"$2.s"
  sort -u "$3" >"$3.s"
  diff -u "$2.s" "$3.s" >&2 || fail "$1: strata differs from the oracle"
  pass "$1: $(wc -l <"$2.s") packages identical"
}

# ---- 1. package-lock.json v3 ------------------------------------------------
mkproj "$ST_TMP/npm"
(cd "$ST_TMP/npm" && npm install --package-lock-only --ignore-scripts >/dev/null 2>&1) ||
  skip "lang_npm: npm install --package-lock-only failed (registry unreachable?)"
(cd "$ST_TMP/npm" &&
  npm ls --all --json --package-lock-only >"$ST_TMP/ls-all.json" 2>/dev/null
  npm ls --all --json --package-lock-only --omit=dev >"$ST_TMP/ls-prod.json" 2>/dev/null) || true
node "$ST_TMP/flatten.js" "$ST_TMP/ls-all.json" "$ST_TMP/ls-prod.json" >"$ST_TMP/oracle.tsv"
[[ $(wc -l <"$ST_TMP/oracle.tsv") -gt 50 ]] || fail "npm ls listed too little"
strata_rows "$ST_TMP/npm" '^/package-lock.json$' >"$ST_TMP/strata-lock.tsv"
compare "package-lock.json v3 (name, version, direct, dev)" \
  "$ST_TMP/oracle.tsv" "$ST_TMP/strata-lock.tsv"
# fsevents is darwin-only: in the lockfile (npm ls --package-lock-only
# lists it), not in node_modules
cut -f1,2 "$ST_TMP/oracle.tsv" >"$ST_TMP/oracle-nv.tsv"

# ---- 2. installed node_modules ------------------------------------------------
(cd "$ST_TMP/npm" && npm install --ignore-scripts >/dev/null 2>&1) ||
  fail "npm install failed"
(cd "$ST_TMP/npm" && npm ls --all --json >"$ST_TMP/ls-inst.json" 2>/dev/null) || true
node "$ST_TMP/flatten.js" "$ST_TMP/ls-inst.json" "$ST_TMP/ls-inst.json" |
  cut -f1,2 >"$ST_TMP/oracle-inst.tsv"
strata_rows "$ST_TMP/npm" '/node_modules/' | cut -f1,2 >"$ST_TMP/strata-inst.tsv"
compare "installed node_modules (name, version)" \
  "$ST_TMP/oracle-inst.tsv" "$ST_TMP/strata-inst.tsv"

# ---- 3. yarn 1, yarn 4, pnpm 8, pnpm 9 ------------------------------------------
mkproj "$ST_TMP/yc"
(cd "$ST_TMP/yc" && YARN_CACHE_FOLDER=$tools/yarn-cache node "$T/yarn/bin/yarn.js" \
  install --ignore-scripts --ignore-engines --non-interactive >"$ST_TMP/yc.log" 2>&1) ||
  fail "yarn 1 install: $(tail -3 "$ST_TMP/yc.log")"
strata_rows "$ST_TMP/yc" '^/yarn.lock$' | cut -f1,2 >"$ST_TMP/strata-yc.tsv"
compare "yarn.lock classic (name, version)" "$ST_TMP/oracle-nv.tsv" "$ST_TMP/strata-yc.tsv"

mkproj "$ST_TMP/yb"
touch "$ST_TMP/yb/yarn.lock"
(cd "$ST_TMP/yb" && YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_GLOBAL_CACHE=1 \
  YARN_GLOBAL_FOLDER=$tools/berry node "$T/@yarnpkg/cli-dist/bin/yarn.js" \
  install --mode=update-lockfile >"$ST_TMP/yb.log" 2>&1) ||
  fail "yarn 4 install: $(tail -3 "$ST_TMP/yb.log")"
strata_rows "$ST_TMP/yb" '^/yarn.lock$' >"$ST_TMP/strata-yb.tsv"
# yarn's own list of what it resolved (berry adds packages of its own, such
# as node-gyp for its fsevents patch, so npm's set is not the oracle here)
(cd "$ST_TMP/yb" && YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_GLOBAL_CACHE=1 \
  YARN_GLOBAL_FOLDER=$tools/berry node "$T/@yarnpkg/cli-dist/bin/yarn.js" \
  info -AR --json) >"$ST_TMP/yb-info.json" || fail "yarn info"
jq -r '.value | capture("^(?<n>(@[^/@]+/)?[^@]+)@npm:(?<v>.+)$") | "\(.n)\t\(.v)"' \
  "$ST_TMP/yb-info.json" >"$ST_TMP/oracle-yb.tsv"
cut -f1,2 "$ST_TMP/strata-yb.tsv" >"$ST_TMP/strata-yb-nv.tsv"
compare "yarn.lock berry (name, version; yarn info -AR)" "$ST_TMP/oracle-yb.tsv" "$ST_TMP/strata-yb-nv.tsv"
# berry records direct dependencies (not dev ones): the same as npm's
awk -F'\t' '$3 == 1 {print $1 "\t" $2}' "$ST_TMP/oracle.tsv" >"$ST_TMP/oracle-direct.tsv"
awk -F'\t' '$3 == 1 {print $1 "\t" $2}' "$ST_TMP/strata-yb.tsv" >"$ST_TMP/strata-yb-direct.tsv"
compare "yarn.lock berry (direct)" "$ST_TMP/oracle-direct.tsv" "$ST_TMP/strata-yb-direct.tsv"

for v in 8 9; do
  mkproj "$ST_TMP/p$v"
  printf 'packages:\n  - "packages/*"\n' >"$ST_TMP/p$v/pnpm-workspace.yaml"
  (cd "$ST_TMP/p$v" && node "$T/pnpm$v/bin/pnpm.cjs" install --lockfile-only \
    --store-dir "$tools/pnpm-store" >"$ST_TMP/p$v.log" 2>&1) ||
    fail "pnpm $v install: $(tail -3 "$ST_TMP/p$v.log")"
  strata_rows "$ST_TMP/p$v" '^/pnpm-lock.yaml$' >"$ST_TMP/strata-p$v.tsv"
  compare "pnpm $v lockfile (name, version, direct, dev)" \
    "$ST_TMP/oracle.tsv" "$ST_TMP/strata-p$v.tsv"
done

# ---- 4. advisories of lodash 4.17.15 and minimist 1.2.5 ------------------------
osv=$ST_SRC/../shared/data/osv
[[ -d $osv/npm ]] || osv=$ST_SRC/tests/data/osv
[[ -d $osv/npm ]] || fail "no OSV npm data"
mkdir -p "$ST_TMP/img/app"
cp "$ST_SRC/tests/data/npm/package-lock.v3.json" "$ST_TMP/img/app/package-lock.json"
cp -r "$ST_SRC/tests/data/npm/installed/node_modules" "$ST_TMP/img/app/"
mkdir -p "$ST_TMP/img/app/node_modules/minimist"
printf '{"name":"minimist","version":"1.2.5","license":"MIT"}\n' \
  >"$ST_TMP/img/app/node_modules/minimist/package.json"
"$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >/dev/null || fail "db update"
"$STRATA" fs -q --db "$ST_TMP/db" --format json "$ST_TMP/img" >"$ST_TMP/v.json" ||
  fail "strata fs with vulnerabilities"
for f in /app/package-lock.json /app/node_modules/lodash/package.json \
  /app/node_modules/minimist/package.json; do
  for p in lodash minimist; do
    [[ $f == */node_modules/* && $f != */$p/* ]] && continue
    jq -r --arg f "$f" --arg p "$p" '.vulnerabilities[]
      | select(.package.name == $p and .package.found_in == $f) | .ids[]' \
      "$ST_TMP/v.json" | sort -u >"$ST_TMP/ids-$p-${f//\//_}"
  done
done
# the oracle: OSV records straight from the zip; these versions and every
# event of these packages are plain x.y.z, compared as numbers
/usr/bin/python3 - "$osv/npm" >"$ST_TMP/oracle-vulns.tsv" <<'EOF' || fail "python oracle"
import json, os, re, sys, zipfile
want = {"lodash": "4.17.15", "minimist": "1.2.5"}
def v(s):
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", s)
    return tuple(map(int, m.groups())) if m else None
out = set()
d = sys.argv[1]
for zn in [f for f in os.listdir(d) if f.endswith(".zip")]:
    z = zipfile.ZipFile(os.path.join(d, zn))
    for n in z.namelist():
        rec = json.loads(z.read(n))
        if rec.get("withdrawn"):
            continue
        for aff in rec.get("affected", []):
            pkg = aff.get("package", {})
            name = pkg.get("name")
            if pkg.get("ecosystem") != "npm" or name not in want:
                continue
            ver = v(want[name]); hit = want[name] in aff.get("versions", [])
            for r in aff.get("ranges", []):
                if r.get("type") not in ("SEMVER", "ECOSYSTEM"):
                    continue
                lo, inside = None, False
                for e in r.get("events", []):
                    if "introduced" in e:
                        lo = (0, 0, 0) if e["introduced"] == "0" else v(e["introduced"])
                        inside = lo is not None and ver >= lo
                    elif "fixed" in e and inside:
                        f = v(e["fixed"]); hit |= f is not None and ver < f; inside = False
                    elif "last_affected" in e and inside:
                        f = v(e["last_affected"]); hit |= f is not None and ver <= f; inside = False
                if inside:
                    hit = True
            if hit:
                out.add((name, rec["id"]))
for name, i in sorted(out):
    print(f"{name}\t{i}")
EOF
for p in lodash minimist; do
  grep "^$p	" "$ST_TMP/oracle-vulns.tsv" | cut -f2 >"$ST_TMP/want-$p"
  [[ -s $ST_TMP/want-$p ]] || fail "the oracle found no advisory for $p"
  for f in "$ST_TMP"/ids-$p-*; do
    # every advisory the oracle finds is among strata's ids, and every id
    # strata reports is an advisory of the oracle or one of its aliases
    missing=$(grep -vxFf "$f" "$ST_TMP/want-$p" || true)
    [[ -z $missing ]] || fail "$p (${f##*ids-$p-}): strata misses $missing"
  done
  n=$(wc -l <"$ST_TMP/want-$p")
  pass "$p: all $n advisories of the oracle reported, from the lockfile and node_modules"
done
for id in GHSA-35jh-r3h4-6jhm GHSA-p6mc-m468-83gw; do
  grep -qx "$id" "$ST_TMP/want-lodash" || fail "lodash 4.17.15 should have $id"
done
grep -qx GHSA-jf85-cpcp-j695 "$ST_TMP/want-lodash" &&
  fail "GHSA-jf85-cpcp-j695 is fixed in 4.17.12"
grep -qx GHSA-xvch-5gv4-984h "$ST_TMP/want-minimist" || fail "minimist should have GHSA-xvch-5gv4-984h"
grep -qx GHSA-vh95-rmgr-6w4m "$ST_TMP/want-minimist" &&
  fail "GHSA-vh95-rmgr-6w4m is fixed in 1.2.3"
# nothing beyond the oracle: each finding names at least one oracle id
extra=$(jq -r '.vulnerabilities[] | select(.package.name == "lodash" or .package.name == "minimist")
  | "\(.package.name)\t\(.ids | join(","))"' "$ST_TMP/v.json" | sort -u |
  while IFS=$'\t' read -r p ids; do
    tr , '\n' <<<"$ids" | grep -qxFf "$ST_TMP/want-$p" || echo "$p $ids"
  done)
[[ -z $extra ]] || fail "strata reports advisories the oracle does not: $extra"
pass "no advisory beyond the oracle's"
