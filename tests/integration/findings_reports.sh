# shellcheck shell=bash
# findings_reports.sh — secrets, malware and hardening findings in the
# reports, on the hand-made result of tests/unit/report/test_findings.c
# (every kind and origin, a file deleted by a later layer, a suppressed
# finding, hostile strings, a rule id two kinds share):
#   - the SARIF logs are valid SARIF 2.1.0 (OASIS schema) and have what
#     GitHub code scanning needs;
#   - the JSON findings have exactly the keys docs/formats/json.md shows;
#   - neither holds a secret whole (the unit test checks every format;
#     here the files on disk are checked once more).
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

unit=$ST_BUILD/tests/unit_report_test_findings
[[ -x $unit ]] || fail "$unit not built"
mkdir -p "$ST_TMP/unit"
ST_REPORT_DUMP=$ST_TMP/unit "$unit" >"$ST_TMP/unit.log" 2>&1 ||
  { cat "$ST_TMP/unit.log" >&2; fail "unit_report_test_findings failed"; }
cd "$ST_TMP/unit"
for f in findings.json findings.sarif.json findings-all.sarif.json findings-min.sarif.json; do
  [[ -s $f ]] || fail "the unit test did not write $f"
done

# ---- SARIF -------------------------------------------------------------------
validate sarif-2.1.0 findings.sarif.json findings-all.sarif.json findings-min.sarif.json
# The validator must be able to fail on what the findings add: a region
# whose line is 0, a logical location that is not an object.
jq '(.runs[0].results[] | select(.ruleId == "aws-access-key-id")
     | .locations[0].physicalLocation.region.startLine) = 0' findings.sarif.json >bad1.sarif
jq '(.runs[0].results[] | select(.ruleId == "github-pat")
     | .locations[0].logicalLocations[0]) = "ENV"' findings.sarif.json >bad2.sarif
for bad in bad1.sarif bad2.sarif; do
  node "$ST_SRC/tests/schemas/validate.js" "$tools" sarif-2.1.0 "$bad" >/dev/null 2>&1 &&
    fail "validator accepted an invalid SARIF log ($bad)"
done
# What GitHub code scanning needs, for every kind.
for f in findings.sarif.json findings-all.sarif.json; do
  jq -e '.runs[0] as $run | $run.tool.driver.rules as $rules
         | ($rules | map(.id) | length) == ($rules | map(.id) | unique | length)
         and all($rules[]; (.properties.tags | index("security")) != null
                 and (.properties["security-severity"] | test("^[0-9]\\.[0-9]$"))
                 and .shortDescription.text != null and .help.text != null)
         and all($run.results[]; . as $r | $rules[$r.ruleIndex].id == $r.ruleId
                 and (.level | IN("error", "warning", "note"))
                 and (.locations[0].physicalLocation.artifactLocation.uri | test("^[^/]"))
                 and (.partialFingerprints["strataFinding/v1"] | test("^[0-9a-f]{64}$")))
         and ($run.results | map(.properties.kind // "vulnerability") | unique
              == ["hardening", "malware", "secret", "vulnerability"])' "$f" >/dev/null ||
    fail "sarif ($f): rules or results miss what code scanning needs"
done
pass "sarif: findings of every kind, valid SARIF 2.1.0"

# ---- JSON keys as documented -------------------------------------------------
sed -n '/<!-- example -->/,/^```$/p' "$ST_SRC/docs/formats/json.md" | sed '1,2d;$d' >doc.json
jq -e . doc.json >/dev/null || fail "docs/formats/json.md: the example is not JSON"
[[ $(jq -c 'keys_unsorted' doc.json) == "$(jq -c 'keys_unsorted' findings.json)" ]] ||
  fail "json: top-level keys differ from docs/formats/json.md"
[[ $(jq -c '.findings | map(keys_unsorted) | unique' doc.json) == \
   "$(jq -c '.findings | map(keys_unsorted) | unique' findings.json)" ]] ||
  fail "json: finding keys differ from docs/formats/json.md"
jq -e '[.findings[].kind] | unique == ["hardening", "malware", "secret"]' findings.json >/dev/null ||
  fail "json: not every kind of finding"
pass "json: finding keys as documented"

# ---- no secret whole -----------------------------------------------------------
for s in AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; do
  grep -qF "$s" findings.json findings.sarif.json findings-all.sarif.json &&
    fail "a report holds the secret $s"
done
grep -qF 'AKIA****************' findings.json || fail "json: no redacted AWS key id"
pass "reports hold secrets redacted only"
