# shellcheck shell=bash
# config_dockerfile.sh — the Dockerfile checks of `strata config` on the
# corpus written for them, tests/fixtures/config/dockerfile:
#  1. coverage: every dockerfile-* check --list-checks knows has a fail
#     example fail/<check>.Dockerfile and a pass example
#     pass/<check>.Dockerfile (the check id without "dockerfile-");
#  2. each fail example reports its check; each pass example reports
#     nothing at all (they are written to be clean of every check);
#  3. every finding of fail/, pass/ and real/ (multi-stage builds,
#     heredocs, ONBUILD, a Windows image with the backtick escape) as
#     "file:line:column check object" equals the hand-checked golden
#     tests/integration/golden/config-dockerfile.txt;
#  4. SARIF: each result's rule carries the check's equivalent ids as tags
#     (hadolint:DL3007, checkov:CKV_DOCKER_7) and its region the line;
#  5. --exit-code: N for fail/, 0 for pass/.
# ST_GOLDEN_UPDATE=1 rewrites the golden file instead of comparing (review
# the diff before committing it). Needs jq.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip.

command -v jq >/dev/null || skip "config_dockerfile: no jq"
FX=$ST_SRC/tests/fixtures/config/dockerfile
GOLDEN=$ST_SRC/tests/integration/golden/config-dockerfile.txt

# findings JSON -> "file:line:col check object", paths relative to FX,
# sorted by file, line, then the rest
lines() {
  jq -r --arg fx "$FX/" '.findings[] |
    "\(.path | ltrimstr($fx)):\(.line // 0):\(.column // 0) \(.id) \(.object // "-")"' |
    LC_ALL=C sort -t: -k1,1 -k2,2n -k3
}

# 1. coverage
expect_exit 0 "$STRATA" config --list-checks -f json
jq -r '.[].id | select(startswith("dockerfile-")) | ltrimstr("dockerfile-")' \
  "$ST_TMP/out" | LC_ALL=C sort >"$ST_TMP/checks"
[[ $(wc -l <"$ST_TMP/checks") -ge 29 ]] || fail "too few dockerfile checks listed"
missing=0
while read -r c; do
  for kind in fail pass; do
    [[ -f $FX/$kind/$c.Dockerfile ]] || { echo "no $kind/$c.Dockerfile" >&2; missing=1; }
  done
done <"$ST_TMP/checks"
((missing == 0)) || fail "checks without a pass and a fail example"
for f in "$FX"/fail/*.Dockerfile; do
  c=$(basename "$f" .Dockerfile)
  grep -qx "$c" "$ST_TMP/checks" || fail "fail/$c.Dockerfile names no check"
done
pass "every dockerfile check has a pass and a fail example"

# 2. each example on its own
while read -r c; do
  expect_exit 0 "$STRATA" config -f json "$FX/fail/$c.Dockerfile"
  jq -e --arg id "dockerfile-$c" 'any(.findings[]; .id == $id)' "$ST_TMP/out" \
    >/dev/null || fail "fail/$c.Dockerfile: no dockerfile-$c finding"
  expect_exit 0 "$STRATA" config -f json "$FX/pass/$c.Dockerfile"
  n=$(jq '.findings | length' "$ST_TMP/out")
  [[ $n == 0 ]] || fail "pass/$c.Dockerfile: $n findings: $(jq -c '[.findings[].id]' "$ST_TMP/out")"
done <"$ST_TMP/checks"
pass "each fail example reports its check, each pass example nothing"

# 3. the golden file
expect_exit 0 "$STRATA" config -f json "$FX"
lines <"$ST_TMP/out" >"$ST_TMP/got.txt"
[[ $(jq '.diagnostics | map(select(.level != "info")) | length' "$ST_TMP/out") == 0 ]] ||
  fail "diagnostics: $(jq -c '.diagnostics' "$ST_TMP/out")"
if [[ ${ST_GOLDEN_UPDATE:-} == 1 ]]; then
  cp "$ST_TMP/got.txt" "$GOLDEN"
  pass "golden rewritten: $GOLDEN"
else
  same_files "$GOLDEN" "$ST_TMP/got.txt"
  pass "findings match the hand-checked golden ($(wc -l <"$GOLDEN") lines)"
fi

# 4. SARIF: tags on the rule, the line in the region
expect_exit 0 "$STRATA" config -f sarif "$FX/fail/from-latest.Dockerfile"
jq -e '.runs[0] as $r | $r.results[] | select(.ruleId == "dockerfile-from-latest") |
  .locations[0].physicalLocation.region.startLine == 7 and
  ($r.tool.driver.rules[.ruleIndex].properties.tags |
    index("hadolint:DL3007") and index("checkov:CKV_DOCKER_7"))' \
  "$ST_TMP/out" >/dev/null || fail "SARIF: dockerfile-from-latest without its tags or line"
pass "SARIF rules carry the equivalent ids"

# 5. exit codes
expect_exit 3 "$STRATA" config --exit-code 3 "$FX/fail"
expect_exit 0 "$STRATA" config --exit-code 3 "$FX/pass"
pass "--exit-code"
