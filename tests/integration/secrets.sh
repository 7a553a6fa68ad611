# shellcheck shell=bash
# secrets.sh — the secret scanner on a real multi-layer image with planted
# fake secrets ($ST_FIXTURES/secrets, built by tests/fixtures/make-secrets.sh;
# its truth.json lists every planted item):
#  1. `strata image --scanners secret --format json` reports exactly the
#     planted items: rule id, origin (file, env, history, label), path,
#     layer_index and diff_id, visible/deleted (the Stripe key of a file
#     that layer 2 deletes), line; nothing else (minbase's layer included);
#  2. with --show-secrets each match is the planted secret (or holds its
#     key part: a PEM key's body, a database URL's password); without it, no
#     secret appears anywhere in the JSON or table output, whole or in part;
#  3. --exit-code 5 --severity CRITICAL exits 5 on this image, 0 on
#     minbase (no secrets); --severity filters the findings;
#  4. --secret-config: a user rule finds the planted ACME token; `disable:`
#     removes a built-in rule's findings; a malformed rule file exits 2 with
#     one line naming the file and the line;
#  5. `strata fs --scanners secret DIR` finds secrets in plain files, with
#     no layer (layer_index null).
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_FIXTURES, ST_TMP.

command -v jq >/dev/null || fail "jq not found"
bash "$ST_SRC/tests/fixtures/make-secrets.sh" "$ST_FIXTURES" secrets >"$ST_TMP/fixture.log" 2>&1 ||
  { cat "$ST_TMP/fixture.log" >&2; fail "make-secrets.sh $ST_FIXTURES secrets"; }
truth=$ST_FIXTURES/secrets/truth.json
img=oci:$ST_FIXTURES/secrets/oci
[[ $(jq '.items | length' "$truth") -ge 10 ]] || fail "$truth: too few planted items"

# rows FILE: the findings of a JSON report as sorted TSV rows (what the
# truth says: rule, origin, path, layer, diff_id, visible, state, line for
# files); truth_rows JQ-FILTER: the same from truth.json's items.
row='[.rule, .origin, .path, (.layer_index | tostring), (.layer_diff_id // "null"),
      (.visible | tostring), .state, (if .origin == "file" then .line | tostring else "-" end)] | @tsv'
rows() {
  jq -r ".findings[] | .rule = .id | .path |= ltrimstr(\"/\") | $row" "$1" | sort
}
truth_rows() { jq -r "$1 | $row" "$truth" | sort; }

scan() { # OUT ARGS...: a JSON scan of the planted image
  local out=$1; shift
  "$STRATA" image -q --scanners secret --format json "$@" "$img" >"$out" 2>"$ST_TMP/err" ||
    { cat "$ST_TMP/err" >&2; fail "strata image --scanners secret $*"; }
}

# ---- 1. exactly the planted items -----------------------------------------------
scan "$ST_TMP/s.json"
jq -e '.findings | type == "array"' "$ST_TMP/s.json" >/dev/null || fail "no findings array in the JSON report"
rows "$ST_TMP/s.json" >"$ST_TMP/got.tsv"
truth_rows '.items[]' >"$ST_TMP/want.tsv"
same_files "$ST_TMP/want.tsv" "$ST_TMP/got.tsv"
jq -e '.findings | all(.kind == "secret" and (.title | type == "string") and (.category | type == "string")
         and (.severity | IN("LOW", "MEDIUM", "HIGH", "CRITICAL")))' "$ST_TMP/s.json" >/dev/null ||
  fail "a finding lacks kind secret, a title, a category or a severity: $(jq -c '.findings' "$ST_TMP/s.json")"
jq -e '[.findings[] | select(.origin == "file" and .state == "deleted")] | length == 1' "$ST_TMP/s.json" >/dev/null ||
  fail "expected one secret in a deleted file"
pass "$(wc -l <"$ST_TMP/got.tsv") findings == the $(wc -l <"$ST_TMP/want.tsv") planted items (rule, origin, path, layer, visible, line)"

# ---- 2. matches and redaction -----------------------------------------------------
scan "$ST_TMP/shown.json" --show-secrets
same_files "$ST_TMP/got.tsv" <(rows "$ST_TMP/shown.json")
# each truth item joined with its finding (same rule, origin, path)
jq -n --slurpfile t "$truth" --slurpfile s "$ST_TMP/shown.json" -r '
  $t[0].items[] as $i
  | [$s[0].findings[] | select(.id == $i.rule and .origin == $i.origin
                               and (.path | ltrimstr("/")) == $i.path)][0] as $f
  | if $f == null then "\($i.rule) \($i.path): not found"
    elif $i.exact and $f.match != $i.secret then "\($i.rule) \($i.path): match \($f.match | @json), planted \($i.secret | @json)"
    elif ($i.exact | not) and (($f.match | contains($i.key_part)) | not) then
      "\($i.rule) \($i.path): match \($f.match | @json) lacks \($i.key_part | @json)"
    elif ($i.secret | contains($f.match) | not) then "\($i.rule) \($i.path): match \($f.match | @json) is not in the planted secret"
    else empty end' >"$ST_TMP/bad"
[[ ! -s $ST_TMP/bad ]] || fail "with --show-secrets: $(cat "$ST_TMP/bad")"
pass "--show-secrets: every match is the planted secret (or holds its key part)"

# No planted secret, nor its last 10 characters, anywhere in the output.
no_secret_in() { # WHAT FILE
  local part
  while IFS= read -r part; do
    ! grep -qF -- "$part" "$2" || fail "$1 shows a secret (or its end): ${part:0:6}…"
  done < <(jq -r '.items[] | .key_part, .key_part[-10:]' "$truth")
}
no_secret_in "the JSON report" "$ST_TMP/s.json"
jq -e '[.findings[].match] | all(type == "string" and length > 0)' "$ST_TMP/s.json" >/dev/null ||
  fail "a redacted match is empty or null"
"$STRATA" image --scanners secret "$img" >"$ST_TMP/table" 2>&1 || fail "strata image --scanners secret (table)"
no_secret_in "the table report" "$ST_TMP/table"
grep -qF 'app/old-creds.txt' "$ST_TMP/table" || fail "the table does not name the deleted file"
"$STRATA" image --scanners secret --show-secrets "$img" >"$ST_TMP/table-shown" 2>&1 ||
  fail "strata image --scanners secret --show-secrets (table)"
grep -qF -- "$(jq -r '.items[] | select(.rule == "github-pat") | .secret' "$truth")" "$ST_TMP/table-shown" ||
  fail "the table with --show-secrets lacks the GitHub token"
pass "redacted by default (JSON and table: no secret, no secret's end), shown with --show-secrets"

# ---- 3. exit code and severity filter ------------------------------------------
jq -e '[.findings[] | select(.severity == "CRITICAL")] | length > 0' "$ST_TMP/s.json" >/dev/null ||
  fail "no CRITICAL secret (the AWS key pair and the private key are CRITICAL in every scanner)"
expect_exit 5 "$STRATA" image -q --scanners secret --exit-code 5 --severity CRITICAL "$img"
expect_exit 0 "$STRATA" image -q --scanners secret --exit-code 5 --severity CRITICAL "oci:$ST_FIXTURES/minbase/oci"
expect_exit 0 "$STRATA" image -q --scanners secret --format json "oci:$ST_FIXTURES/minbase/oci"
jq -e '.findings == []' "$ST_TMP/out" >/dev/null ||
  fail "minbase has secret findings: $(jq -c '[.findings[] | {id, path, match}]' "$ST_TMP/out")"
scan "$ST_TMP/crit.json" --severity CRITICAL
same_files <(jq -r '.findings[] | select(.severity == "CRITICAL") | [.id, .origin, .path] | @tsv' "$ST_TMP/s.json" | sort) \
  <(jq -r '.findings[] | [.id, .origin, .path] | @tsv' "$ST_TMP/crit.json" | sort)
pass "--exit-code 5 --severity CRITICAL: 5 here, 0 on minbase (no findings); --severity filters"

# ---- 4. user rules ----------------------------------------------------------------
cat >"$ST_TMP/acme.yaml" <<'EOF'
# a rule of our own: ACME's internal service tokens
rules:
  - id: acme-token
    category: ACME
    title: ACME internal service token
    severity: HIGH
    keywords: [ACME-TOKEN-]
    regex: '\b(?<secret>ACME-TOKEN-[0-9a-f]{32})\b'
EOF
scan "$ST_TMP/acme.json" --secret-config "$ST_TMP/acme.yaml"
rows "$ST_TMP/acme.json" >"$ST_TMP/got.tsv"
truth_rows '.items[], .custom' >"$ST_TMP/want.tsv"
same_files "$ST_TMP/want.tsv" "$ST_TMP/got.tsv"
jq -e '.findings[] | select(.id == "acme-token") | .severity == "HIGH" and .category == "ACME"
       and .title == "ACME internal service token"' "$ST_TMP/acme.json" >/dev/null ||
  fail "the user rule's severity, category or title is not reported"
pass "--secret-config: a user rule finds the planted ACME token, the built-in rules still run"

disabled=github-pat
printf 'disable: [%s]\n' "$disabled" >"$ST_TMP/disable.yaml"
scan "$ST_TMP/dis.json" --secret-config "$ST_TMP/disable.yaml"
rows "$ST_TMP/dis.json" >"$ST_TMP/got.tsv"
truth_rows ".items[] | select(.rule != \"$disabled\")" >"$ST_TMP/want.tsv"
[[ $(jq --arg r "$disabled" '[.items[] | select(.rule == $r)] | length' "$truth") -gt 0 ]] ||
  fail "truth has no $disabled item: nothing to disable"
same_files "$ST_TMP/want.tsv" "$ST_TMP/got.tsv"
pass "--secret-config disable: [$disabled]: its findings are gone, the others stay"

# A rule file with an error: exit 2, one line that names the file and line.
bad_rule() { # NAME WANT-LINE: write $ST_TMP/NAME first, then call
  expect_exit 2 "$STRATA" image -q --scanners secret --secret-config "$ST_TMP/$1" "$img"
  [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "$1: error is not one line: $(cat "$ST_TMP/err")"
  grep -qF "$1:$2" "$ST_TMP/err" || fail "$1: error does not name $1:$2: $(cat "$ST_TMP/err")"
  [[ ! -s $ST_TMP/out ]] || fail "$1: a report was written despite the error"
}
cat >"$ST_TMP/badregex.yaml" <<'EOF'
rules:
  - id: broken
    title: a regex that does not compile
    severity: HIGH
    keywords: [broken]
    regex: 'broken(?<secret>[a-z]+'
EOF
bad_rule badregex.yaml 6
printf 'rules:\n  - id: unclosed\n    keywords: [a, b\n    regex: x\n' >"$ST_TMP/badyaml.yaml"
bad_rule badyaml.yaml ""
printf 'rules:\n  - id: nosev\n    title: no regex at all\n    severity: HIGH\n    keywords: [x]\n' >"$ST_TMP/noregex.yaml"
bad_rule noregex.yaml ""
expect_exit 2 "$STRATA" image -q --scanners secret --secret-config "$ST_TMP/missing.yaml" "$img"
grep -qF missing.yaml "$ST_TMP/err" || fail "a missing rule file is not named: $(cat "$ST_TMP/err")"
pass "malformed rule files (bad regex at line 6, bad YAML, no regex, missing file): exit 2, one line naming the file"

# ---- 5. a plain directory ----------------------------------------------------------
mkdir -p "$ST_TMP/tree/conf" "$ST_TMP/tree/src"
aws_id=$(jq -r '.items[] | select(.rule == "aws-access-key-id") | .secret' "$truth")
ghp=$(jq -r '.items[] | select(.rule == "github-pat") | .secret' "$truth")
printf '[deploy]\nregion = eu-west-1\naccess_key_id = %s\n' "$aws_id" >"$ST_TMP/tree/conf/settings.ini"
printf 'def main():\n    print("hello")\n\n\nTOKEN = "%s"\n' "$ghp" >"$ST_TMP/tree/src/app.py"
printf 'nothing to see here\n' >"$ST_TMP/tree/README"
expect_exit 0 "$STRATA" fs -q --scanners secret --format json "$ST_TMP/tree"
jq -r '.findings[] | [.id, .origin, (.path | ltrimstr("/")), (.layer_index | tostring),
         (.layer_diff_id | tostring), (.visible | tostring), .state, (.line | tostring)] | @tsv' \
  "$ST_TMP/out" | sort >"$ST_TMP/got.tsv"
printf '%s\n' "aws-access-key-id	file	conf/settings.ini	null	null	true	visible	3" \
  "github-pat	file	src/app.py	null	null	true	visible	5" >"$ST_TMP/want.tsv"
same_files "$ST_TMP/want.tsv" "$ST_TMP/got.tsv"
pass "strata fs --scanners secret: both planted files, no layer, right lines"
