# shellcheck shell=bash
# vuln_reports.sh — the vulnerability reports of a real scan with real
# findings: a DB built from the OSV advisories in tests/data/osv, a Debian
# 12 root filesystem whose dpkg status holds older, vulnerable versions
# ($ST_FIXTURES/vuln/rootfs, from tests/fixtures/make-vuln-rootfs.py).
#   - SARIF is valid SARIF 2.1.0 (OASIS schema) and has what GitHub code
#     scanning needs; CycloneDX with vulnerabilities is valid 1.5; both are
#     reproducible under SOURCE_DATE_EPOCH;
#   - JSON, SARIF and CycloneDX agree on the findings; JSON keys are the
#     documented ones;
#   - an ignore file and a VEX document suppress findings: JSON keeps them
#     with suppressed_by, SARIF and --exit-code drop them.
# The hand-made findings of tests/unit/report/test_vulns.c (hostile
# strings, merged ids, no CVSS) are validated against the schemas too.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_FIXTURES, ST_TMP.

command -v jq >/dev/null || fail "jq not found"
command -v node >/dev/null || skip "node not found: cannot run the schema validator"
tools=$ST_BUILD/tools
"$ST_SRC/scripts/install-validators.sh" "$tools" >/dev/null ||
  fail "scripts/install-validators.sh failed (npm registry reachable?)"
validate() { # KIND FILE...
  node "$ST_SRC/tests/schemas/validate.js" "$tools" "$@" >"$ST_TMP/v.out" 2>&1 ||
    { cat "$ST_TMP/v.out" >&2; fail "not valid $1: ${*:2}"; }
}

# ---- the writers on hand-made findings ---------------------------------------
unit=$ST_BUILD/tests/unit_report_test_vulns
[[ -x $unit ]] || fail "$unit not built"
mkdir -p "$ST_TMP/unit"
ST_REPORT_DUMP=$ST_TMP/unit "$unit" >"$ST_TMP/unit.log" 2>&1 ||
  { cat "$ST_TMP/unit.log" >&2; fail "unit_report_test_vulns failed"; }
validate sarif-2.1.0 "$ST_TMP/unit/vulns.sarif.json" "$ST_TMP/unit/empty.sarif.json"
validate cyclonedx-1.5 "$ST_TMP/unit/vulns.cdx.json"
# The validator must be able to fail.
jq '.runs[0].results[0].level = "fatal"' "$ST_TMP/unit/vulns.sarif.json" >"$ST_TMP/bad.sarif"
node "$ST_SRC/tests/schemas/validate.js" "$tools" sarif-2.1.0 "$ST_TMP/bad.sarif" >/dev/null 2>&1 &&
  fail "validator accepted an invalid SARIF log"
jq '.vulnerabilities[0].ratings[0].severity = "severe"' "$ST_TMP/unit/vulns.cdx.json" >"$ST_TMP/bad.cdx"
node "$ST_SRC/tests/schemas/validate.js" "$tools" cyclonedx-1.5 "$ST_TMP/bad.cdx" >/dev/null 2>&1 &&
  fail "validator accepted an invalid CycloneDX vulnerability"
pass "hand-made findings: valid SARIF 2.1.0 and CycloneDX 1.5"

# ---- a real scan ---------------------------------------------------------------
if ! "$STRATA" db --help >/dev/null 2>&1; then
  skip "'strata db' does not exist yet: no real scan with findings (the hand-made ones passed)"
fi
rootfs=$ST_FIXTURES/vuln/rootfs
if [[ ! -f $rootfs/var/lib/dpkg/status && -d $ST_FIXTURES/rootfs/minbase &&
      -f $ST_SRC/tests/fixtures/make-vuln-rootfs.py ]]; then
  # Older fixture trees: derive it from the minbase root filesystem.
  python3 "$ST_SRC/tests/fixtures/make-vuln-rootfs.py" "$ST_FIXTURES/rootfs/minbase" "$ST_TMP/vuln" >&2 ||
    fail "make-vuln-rootfs.py failed"
  rootfs=$ST_TMP/vuln/rootfs
fi
[[ -f $rootfs/var/lib/dpkg/status ]] ||
  skip "no vulnerable rootfs: $ST_FIXTURES/vuln/rootfs missing (tests/fixtures/make-vuln-rootfs.py)"

expect_exit 0 "$STRATA" db update -q --from "$ST_SRC/tests/data/osv" --db "$ST_TMP/db"
export SOURCE_DATE_EPOCH=1704067200 # 2024-01-01T00:00:00Z
cd "$ST_TMP" # no stray ./.strataignore
# scan NAME ARGS...: the report on stdout into $ST_TMP/NAME
scan() {
  local name=$1; shift
  expect_exit 0 "$STRATA" image -q --db "$ST_TMP/db" "$@" "dir:$rootfs"
  mv "$ST_TMP/out" "$ST_TMP/$name"
}
scan scan.json --format json
scan scan.sarif --format sarif
scan scan2.sarif --format sarif
scan scan.cdx --format cyclonedx
scan scan2.cdx --format cyclonedx
scan scan.txt --format table

n=$(jq '.vulnerabilities | length' scan.json)
[[ $n -ge 5 ]] || fail "json: only $n findings on the vulnerable rootfs"
jq -e '[.vulnerabilities[] | select(.package.name == "libssl3")] | length > 0' scan.json >/dev/null ||
  fail "json: no finding for libssl3 3.0.9-1"
jq -e 'all(.vulnerabilities[]; .suppressed_by == null)' scan.json >/dev/null ||
  fail "json: a finding is suppressed without an ignore file or VEX"

# Documented keys: the example in docs/formats/json.md.
sed -n '/<!-- example -->/,/^```$/p' "$ST_SRC/docs/formats/json.md" | sed '1,2d;$d' >doc.json
jq -e . doc.json >/dev/null || fail "docs/formats/json.md: the example is not JSON"
[[ $(jq -c '.vulnerabilities[0] | keys_unsorted' doc.json) == \
   "$(jq -c '.vulnerabilities[0] | keys_unsorted' scan.json)" ]] ||
  fail "json: finding keys differ from docs/formats/json.md"
[[ $(jq -c '.vulnerabilities[0].package | keys_unsorted' doc.json) == \
   "$(jq -c '.vulnerabilities[0].package | keys_unsorted' scan.json)" ]] ||
  fail "json: finding package keys differ from docs/formats/json.md"
[[ $(jq -c 'keys_unsorted' doc.json) == "$(jq -c 'keys_unsorted' scan.json)" ]] ||
  fail "json: top-level keys differ from docs/formats/json.md"
pass "json: $n findings, keys as documented"

# ---- SARIF -------------------------------------------------------------------
validate sarif-2.1.0 scan.sarif
same_files scan.sarif scan2.sarif
[[ $(jq '.runs[0].results | length' scan.sarif) == "$n" ]] ||
  fail "sarif: $(jq '.runs[0].results | length' scan.sarif) results, json has $n findings"
# What GitHub code scanning needs.
jq -e '.version == "2.1.0" and (.runs | length) == 1
       and .runs[0].tool.driver.name == "strata"
       and (.runs[0].tool.driver.informationUri | test("^https://"))' scan.sarif >/dev/null ||
  fail "sarif: header"
jq -e '.runs[0] as $run | $run.tool.driver.rules as $rules
       | ($rules | map(.id) | length) == ($rules | map(.id) | unique | length)
       and all($rules[]; (.properties.tags | index("security")) != null
               and (.properties["security-severity"] | test("^(10\\.0|[0-9]\\.[0-9])$"))
               and .shortDescription.text != null and .fullDescription.text != null
               and (.helpUri | test("^https://")) and .help.text != null and .help.markdown != null)
       and all($run.results[]; . as $r | $rules[$r.ruleIndex].id == $r.ruleId
               and (.level | IN("error", "warning", "note"))
               and (.message.text | test("Installed Version: ")) 
               and (.locations[0].physicalLocation.artifactLocation.uri | test("^[^/]"))
               and .locations[0].physicalLocation.region.startLine == 1
               and (.partialFingerprints["strataFinding/v1"] | test("^[0-9a-f]{64}$")))' scan.sarif >/dev/null ||
  fail "sarif: rules or results miss what code scanning needs"
jq -e '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | unique == ["var/lib/dpkg/status"]' \
  scan.sarif >/dev/null || fail "sarif: location is not var/lib/dpkg/status"
pass "sarif: valid SARIF 2.1.0, reproducible, $n results for code scanning"

# ---- CycloneDX -----------------------------------------------------------------
validate cyclonedx-1.5 scan.cdx
same_files scan.cdx scan2.cdx
[[ $(jq '.vulnerabilities | length' scan.cdx) == "$n" ]] || fail "cyclonedx: vulnerability count differs from json"
jq -e '[.components[]."bom-ref"] as $refs
       | all(.vulnerabilities[]; .affects[0].ref as $a | $refs | index($a))
       and ([.vulnerabilities[]."bom-ref"] | length == (unique | length))' scan.cdx >/dev/null ||
  fail "cyclonedx: a vulnerability affects no component, or bom-refs repeat"
pass "cyclonedx: valid CycloneDX 1.5 with $n vulnerabilities"

# ---- table -------------------------------------------------------------------
grep -q '^Vulnerabilities$' scan.txt || fail "table: no vulnerability section"
grep -q "^Total: $n (CRITICAL: " scan.txt || fail "table: no totals line for $n"
pass "table: vulnerability section with totals"

# ---- suppression: ignore file, VEX, exit codes ---------------------------------
expect_exit 5 "$STRATA" image -q --db "$ST_TMP/db" --exit-code 5 "dir:$rootfs"
first_id=$(jq -r '.vulnerabilities[0].id' scan.json)
first_purl=$(jq -r '.vulnerabilities[0].package.purl | sub("@.*"; "")' scan.json)
k=$(jq --arg id "$first_id" --arg p "$first_purl" \
  '[.vulnerabilities[] | select(.id == $id and (.package.purl | sub("@.*"; "")) == $p)] | length' scan.json)
jq -r '.vulnerabilities[].id' scan.json | sort -u >ignore-all
expect_exit 0 "$STRATA" image -q --db "$ST_TMP/db" --ignorefile ignore-all --exit-code 5 "dir:$rootfs"
scan ign.json --format json --ignorefile ignore-all
jq -e 'all(.vulnerabilities[]; .suppressed_by | test("^ignored by ignore-all:[0-9]+$"))' ign.json >/dev/null ||
  fail "ignore file: json does not keep every finding with suppressed_by"
scan ign.sarif --format sarif --ignorefile ignore-all
[[ $(jq '.runs[0].results | length' ign.sarif) == 0 ]] || fail "ignore file: sarif still has results"
validate sarif-2.1.0 ign.sarif

cat >vex.json <<EOF
{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://strata.invalid/vex/test",
  "author": "strata tests",
  "timestamp": "2024-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": {"name": "$first_id"},
      "products": [{"@id": "$first_purl"}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    }
  ]
}
EOF
scan vex.json.out --format json --vex vex.json
jq -e --arg id "$first_id" \
  '[.vulnerabilities[] | select(.suppressed_by == "VEX not_affected: vulnerable_code_not_in_execute_path (vex.json)") | .id] | unique == [$id]' \
  vex.json.out >/dev/null || fail "vex: $first_id on $first_purl is not the one suppressed"
scan vex.sarif --format sarif --vex vex.json
[[ $(jq '.runs[0].results | length' vex.sarif) == $((n - k)) ]] ||
  fail "vex: sarif has $(jq '.runs[0].results | length' vex.sarif) results, want $((n - k))"
scan vex.cdx --format cyclonedx --vex vex.json
validate cyclonedx-1.5 vex.cdx
jq -e '[.vulnerabilities[] | select(.analysis.state == "not_affected" and .analysis.justification == "code_not_reachable")] | length > 0' \
  vex.cdx >/dev/null || fail "vex: cyclonedx has no not_affected analysis"
scan vex-shown.sarif --format sarif --vex vex.json --show-suppressed
[[ $(jq '.runs[0].results | length' vex-shown.sarif) == "$n" ]] || fail "vex: --show-suppressed does not bring them back"
pass "ignore file and VEX: suppressed in sarif and --exit-code, kept with reasons in json and cyclonedx"
