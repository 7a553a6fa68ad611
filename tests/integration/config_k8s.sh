# shellcheck shell=bash
# config_k8s.sh — `strata config` on the Kubernetes corpus of
# tests/fixtures/config/k8s (written for the tests, real-world-shaped):
#  1. every finding (check id, object, file:line:column) of app-good,
#     app-bad and hostile matches the hand-reviewed golden file
#     golden/config-k8s.txt, and the diagnostics of the hostile files match
#     golden/config-k8s-diagnostics.txt;
#  2. a pass and a fail example for every Kubernetes and storage check:
#     app-good has only INFO findings (the inventory), app-bad has at least
#     one finding of each such check;
#  3. hostile YAML (tabs, duplicate keys, a billion laughs, deep nesting,
#     a template, a broken second document, a file over the size limit) is
#     a diagnostic with file:line and the other files are still audited;
#  4. the formats: table (WHERE path:line:col, OBJECT, the storage graph),
#     JSON (finding keys, the storage section), SARIF valid against the
#     2.1.0 schema with the equivalent ids as rule tags, columns and the
#     object as a logical location;
#  5. options: --exit-code (INFO never counts), --skip-check,
#     --severity-override, --severity, --policy (a user check by
#     predicate), --no-builtin-policies, --list-checks (table, json,
#     markdown; docs/config.md holds the current Kubernetes table), and
#     errors (a bad policy names its file and line, exit 2).
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_FIXTURES, ST_TMP.

command -v jq >/dev/null || fail "jq not found"
golden=$ST_SRC/tests/integration/golden
corpus=$ST_SRC/tests/fixtures/config/k8s
# the corpus is audited from its directory: paths in reports are relative
cfg() { (cd "$corpus" && "$STRATA" config "$@"); }
rows() { # JSON report -> "path:line:column<TAB>id<TAB>object", sorted
  jq -r '.findings[] | ["\(.path):\(.line // 0):\(.column // 0)", .id, (.object // "-")] | @tsv' "$1" |
    LC_ALL=C sort -t$'\t' -k1,1V -k2,2 -k3,3
}
trusted=(--trusted-registries registry.example.com)

# ---- 1. golden findings and diagnostics --------------------------------------
cfg -f json "${trusted[@]}" app-good app-bad hostile >"$ST_TMP/all.json" 2>"$ST_TMP/err" ||
  { cat "$ST_TMP/err" >&2; fail "strata config on the corpus"; }
rows "$ST_TMP/all.json" >"$ST_TMP/all.txt"
if [[ ${ST_REGEN:-} == 1 ]]; then cp "$ST_TMP/all.txt" "$golden/config-k8s.txt"; fi
same_files "$golden/config-k8s.txt" "$ST_TMP/all.txt"
jq -r '.diagnostics[] | "\(.level)\t\(.path)\t\(.message)"' "$ST_TMP/all.json" | LC_ALL=C sort >"$ST_TMP/diag.txt"
if [[ ${ST_REGEN:-} == 1 ]]; then cp "$ST_TMP/diag.txt" "$golden/config-k8s-diagnostics.txt"; fi
same_files "$golden/config-k8s-diagnostics.txt" "$ST_TMP/diag.txt"
pass "$(wc -l <"$ST_TMP/all.txt") findings and $(wc -l <"$ST_TMP/diag.txt") diagnostics match the golden files"

# every finding is a config finding of the kubernetes kind (or of the
# storage graph) with a
# severity, a title, a remediation and a 1-based line and column
jq -e '.findings | length > 100 and all(.kind == "config" and (.category | IN("kubernetes", "storage"))
         and (.severity | IN("CRITICAL","HIGH","MEDIUM","LOW","INFO"))
         and (.title | length > 0) and (.remediation | length > 0)
         and .line >= 1 and .column >= 1 and (.object | length > 0) and (.tags | type == "array"))' \
  "$ST_TMP/all.json" >/dev/null || fail "a finding lacks a field"

# ---- 2. a pass and a fail example for every check ------------------------------
cfg -f json "${trusted[@]}" app-good >"$ST_TMP/good.json"
jq -e '.findings | length > 0 and all(.severity == "INFO")' "$ST_TMP/good.json" >/dev/null ||
  fail "app-good has findings above INFO: $(jq -c '[.findings[] | select(.severity != "INFO") | [.id, .object]]' "$ST_TMP/good.json")"
jq -e '[.findings[] | select(.id == "k8s-pss-level") | .detail] | length == 2 and all(. == "restricted")' \
  "$ST_TMP/good.json" >/dev/null || fail "app-good's workloads are not all restricted"
cfg -f json "${trusted[@]}" app-bad >"$ST_TMP/bad.json"
cfg --list-checks -f json >"$ST_TMP/checks.json"
missing=$(jq -r --slurpfile bad "$ST_TMP/bad.json" '
  [$bad[0].findings[].id] as $found
  | .[] | select(.id | test("^(k8s|storage)-")) | .id | select(. as $i | $found | index($i) | not)' \
  "$ST_TMP/checks.json")
[[ -z $missing ]] || fail "no fail example in app-bad for: $missing"
n=$(jq '[.[] | select(.id | test("^(k8s|storage)-"))] | length' "$ST_TMP/checks.json")
[[ $n -ge 60 ]] || fail "only $n Kubernetes and storage checks"
pass "app-good passes every check, app-bad fails each of the $n Kubernetes and storage checks"

# ---- 3. hostile files -------------------------------------------------------------
for f in tabs.yaml duplicate-key.yaml laughs.yaml deep.yaml syntax.yaml helm-template.yaml second-doc-bad.yaml; do
  jq -e --arg p "hostile/$f" '[.diagnostics[] | select(.path == $p and .level == "warning"
        and (.message | test("^line [0-9]+, column [0-9]+: ")))] | length >= 1' "$ST_TMP/all.json" >/dev/null ||
    fail "no file:line diagnostic for hostile/$f"
done
# the files next to them, and the first document of a broken file, are audited
jq -e '[.findings[] | select(.object == "Pod/hostile/ok" and .id == "k8s-host-pid")] | length == 1' "$ST_TMP/all.json" >/dev/null ||
  fail "hostile/ok.yaml was not audited"
jq -e '[.findings[] | select(.object == "Pod/hostile/first/container app" and .id == "k8s-privileged")] | length == 1' \
  "$ST_TMP/all.json" >/dev/null || fail "the first document of hostile/second-doc-bad.yaml was not audited"
# a file over the limit (default 8 MiB), generated here
mkdir -p "$ST_TMP/huge"
cp "$corpus/hostile/ok.yaml" "$ST_TMP/huge/"
awk 'BEGIN { printf "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n"
             for (i = 1; i <= 150000; i++) printf "  key%06d: \"%060d\"\n", i, 0 }' >"$ST_TMP/huge/huge.yaml"
[[ $(stat -c %s "$ST_TMP/huge/huge.yaml") -gt $((8 << 20)) ]] || fail "huge.yaml is not over 8 MiB"
expect_exit 0 "$STRATA" config -f json "$ST_TMP/huge"
jq -e --arg p "$ST_TMP/huge/huge.yaml" '[.diagnostics[] | select(.path == $p and (.message | test("larger than 8388608 bytes")))] | length == 1' \
  "$ST_TMP/out" >/dev/null || fail "no diagnostic for the huge file: $(jq -c .diagnostics "$ST_TMP/out")"
jq -e '[.findings[] | select(.id == "k8s-host-pid")] | length == 1' "$ST_TMP/out" >/dev/null ||
  fail "the file next to the huge one was not audited"
# with a larger limit the huge file is parsed (150,000 keys) and audited
expect_exit 0 "$STRATA" config -f json --max-file-size 16M "$ST_TMP/huge/huge.yaml"
jq -e '.diagnostics == [] and ([.findings[] | select(.id == "k8s-default-namespace")] | length == 1)' "$ST_TMP/out" >/dev/null ||
  fail "huge.yaml with --max-file-size 16M: $(jq -c .diagnostics "$ST_TMP/out")"
pass "hostile files are file:line diagnostics; their neighbours are audited"

# ---- 4. formats ---------------------------------------------------------------------
cfg "${trusted[@]}" app-bad/storage.yaml >"$ST_TMP/t.txt" 2>&1 || fail "table output"
grep -qE '^SEVERITY +CHECK +WHERE +OBJECT +DETAIL$' "$ST_TMP/t.txt" || fail "table: no OBJECT column"
grep -qE '^CRITICAL +storage-runtime-socket +app-bad/storage.yaml:93:15 +DaemonSet/media/log-shipper/container shipper +hostPath /var/run holds' \
  "$ST_TMP/t.txt" || fail "table: the runtime socket row"
grep -qE '^INFO +k8s-pss-level ' "$ST_TMP/t.txt" || fail "table: INFO rows"
grep -qE '^Total: [0-9]+ \(CRITICAL: 1, HIGH: [0-9]+, MEDIUM: [0-9]+, LOW: [0-9]+, INFO: 3\)$' "$ST_TMP/t.txt" ||
  fail "table: the totals line"
grep -qE '^Storage$' "$ST_TMP/t.txt" || fail "table: no Storage section"
grep -qE '^pvc +media/library +Deployment/media/uploader \(app\) +/library +rw RWX +app-bad/storage.yaml:31:15$' "$ST_TMP/t.txt" ||
  fail "table: the RWX claim row"
# JSON: the storage graph groups mounts by what is mounted
jq -e '.storage | length == 7
       and (map(select(.store == "pvc" and .source == "media/library"))[0]
            | .workloads == 2 and .writers == 1 and (.mounts | length == 2) and all(.mounts[]; .shared_access))
       and (map(select(.source == "/srv/media"))[0].mounts[0]
            | .workload == "Deployment/media/uploader" and .container == "app" and .mount_path == "/srv/media"
              and .writable and .path == "app-bad/storage.yaml" and .line == 30 and .column == 15)' \
  "$ST_TMP/bad.json" >/dev/null || fail "JSON storage graph: $(jq -c .storage "$ST_TMP/bad.json")"
jq -e '(.findings[0] | keys_unsorted) == ["kind","id","category","title","severity","origin","path","layer_index",
        "layer_diff_id","visible","state","line","match","detail","suppressed_by","column","object","remediation","tags"]' \
  "$ST_TMP/bad.json" >/dev/null || fail "JSON finding keys"
jq -e '[.findings[] | select(.id == "k8s-privileged")][0].tags == ["pss:baseline","checkov:CKV_K8S_16","cis-k8s:5.2.2"]' \
  "$ST_TMP/bad.json" >/dev/null || fail "JSON tags"
cfg -f sarif "${trusted[@]}" app-bad >"$ST_TMP/bad.sarif" || fail "sarif output"
jq -e '.runs[0] as $r
       | ($r.tool.driver.rules[] | select(.id == "k8s-privileged") | .properties.tags
          | index("pss:baseline") and index("checkov:CKV_K8S_16"))
       and ($r.tool.driver.rules[] | select(.id == "k8s-image-tag-latest") | .properties.tags | index("checkov:CKV_K8S_14"))
       and ($r.tool.driver.rules[] | select(.id == "k8s-run-as-non-root") | .properties.tags | index("pss:restricted"))
       and ($r.results[] | select(.ruleId == "k8s-privileged") | .locations[0]
            | .physicalLocation.region == {"startLine": 50, "startColumn": 9}
              and .physicalLocation.artifactLocation.uri == "app-bad/pss-baseline.yaml"
              and .logicalLocations == [{"name": "Pod/pss/privileged/container app",
                   "fullyQualifiedName": "Pod/pss/privileged/container app", "kind": "resource"}])' \
  "$ST_TMP/bad.sarif" >/dev/null || fail "SARIF: tags, region or logical location"
if command -v node >/dev/null; then
  tools=$ST_BUILD/tools
  "$ST_SRC/scripts/install-validators.sh" "$tools" >/dev/null ||
    fail "scripts/install-validators.sh failed (npm registry reachable?)"
  cfg -f sarif app-good >"$ST_TMP/good.sarif"
  node "$ST_SRC/tests/schemas/validate.js" "$tools" sarif-2.1.0 "$ST_TMP/bad.sarif" "$ST_TMP/good.sarif" >"$ST_TMP/v.out" 2>&1 ||
    { cat "$ST_TMP/v.out" >&2; fail "not valid SARIF 2.1.0"; }
  # the validator can fail on what config findings add
  jq '.runs[0].results[0].locations[0].physicalLocation.region.startColumn = 0' "$ST_TMP/bad.sarif" >"$ST_TMP/x.sarif"
  node "$ST_SRC/tests/schemas/validate.js" "$tools" sarif-2.1.0 "$ST_TMP/x.sarif" >/dev/null 2>&1 &&
    fail "the validator accepted startColumn 0"
  pass "table, JSON and SARIF (valid 2.1.0) carry columns, objects, tags and the storage graph"
else
  pass "table, JSON and SARIF carry columns, objects, tags and the storage graph (node missing: schema not checked)"
fi

# ---- 5. options -------------------------------------------------------------------------
(cd "$corpus" && expect_exit 7 "$STRATA" config --exit-code 7 app-bad/rbac.yaml)
(cd "$corpus" && expect_exit 0 "$STRATA" config --exit-code 7 "${trusted[@]}" app-good)
(cd "$corpus" && expect_exit 0 "$STRATA" config --exit-code 7 --severity CRITICAL app-bad/ha-network.yaml)
cfg -f json --skip-check k8s-ha-no-pdb,k8s-pss-level --severity-override k8s-ha-replicas=CRITICAL \
  app-bad/ha-network.yaml >"$ST_TMP/o.json"
jq -e '([.findings[] | select(.id == "k8s-ha-no-pdb" or .id == "k8s-pss-level")] | length == 0)
       and ([.findings[] | select(.id == "k8s-ha-replicas")][0].severity == "CRITICAL")' "$ST_TMP/o.json" >/dev/null ||
  fail "--skip-check / --severity-override"
cfg -f json --severity HIGH,CRITICAL app-bad/rbac.yaml >"$ST_TMP/o.json"
jq -e '.findings | length > 0 and all(.severity == "HIGH" or .severity == "CRITICAL")' "$ST_TMP/o.json" >/dev/null ||
  fail "--severity"
mkdir -p "$ST_TMP/pol"
cat >"$ST_TMP/pol/team.yaml" <<'EOF'
checks:
  - id: acme-team-label
    title: Workloads carry a team label
    severity: MEDIUM
    rationale: On-call needs an owner.
    remediation: Add metadata.labels.team.
    kinds: [workload]
    tags: ["acme:OPS-7"]
    deny: {path: metadata.labels.team, missing: true}
EOF
cfg -f json --no-builtin-policies --policy "$ST_TMP/pol" app-bad/ha-network.yaml >"$ST_TMP/o.json"
jq -e '(.findings | length == 3) and all(.findings[]; .id == "acme-team-label" and .tags == ["acme:OPS-7"])
       and .diagnostics == []
       and ([.findings[].object] | sort == ["Deployment/billing/single", "Deployment/billing/worker", "StatefulSet/billing/ledger"])' \
  "$ST_TMP/o.json" >/dev/null || fail "--policy: $(jq -c '[.findings[] | [.id, .object]]' "$ST_TMP/o.json")"
printf 'checks:\n  - id: x\n    title: T\n    severity: LOW\n    rationale: R\n    remediation: M\n    kinds: [Pod]\n    deny: {path: a, equal: 1}\n' \
  >"$ST_TMP/pol/bad.yaml"
expect_exit 2 "$STRATA" config --policy "$ST_TMP/pol/bad.yaml" "$corpus/app-good"
grep -q "bad.yaml:8: unknown key \"equal\" in a predicate" "$ST_TMP/err" || fail "a bad policy: $(cat "$ST_TMP/err")"
[[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "a bad policy: more than one line of error"
expect_exit 2 "$STRATA" config --skip-check k8s-no-such-check "$corpus/app-good"
grep -q 'no check "k8s-no-such-check"' "$ST_TMP/err" || fail "unknown --skip-check id"
expect_exit 2 "$STRATA" config "$ST_TMP/does-not-exist"
expect_exit 2 "$STRATA" config
# --list-checks: every check, with its equivalent ids
expect_exit 0 "$STRATA" config --list-checks
grep -qE '^k8s-privileged +CRITICAL +A container runs privileged \[pss:baseline checkov:CKV_K8S_16 cis-k8s:5.2.2\]$' "$ST_TMP/out" ||
  fail "--list-checks: the k8s-privileged row"
[[ $(($(wc -l <"$ST_TMP/out") - 1)) == $(jq length "$ST_TMP/checks.json") ]] || fail "--list-checks: table and JSON differ"
# docs/config.md holds the current table of Kubernetes and storage checks
"$STRATA" config --list-checks -f markdown | grep -E '^\| `(k8s|storage)-' >"$ST_TMP/md.txt"
grep -E '^\| `(k8s|storage)-' "$ST_SRC/docs/config.md" >"$ST_TMP/doc.txt" || true
same_files "$ST_TMP/md.txt" "$ST_TMP/doc.txt"
pass "--exit-code, --skip-check, --severity-override, --severity, --policy, --list-checks and errors"
