# strata serve, end to end with real parts: Debian's docker-registry on
# 127.0.0.1 notifying the server of pushes, skopeo pushing the real test
# images, the server indexing them (SQLite), a vulnerability DB update that
# makes the stored inventories vulnerable to more advisories, and a webhook
# receiver that checks the HMAC signature of what it gets.
#
# Oracles: the server's report lists the same vulnerabilities as `strata
# image` on the same image with the same DB; after the update, the webhook
# names exactly the findings a direct scan with the new DB has and one with
# the old DB had not. Hostile requests get clear HTTP errors and the server
# stays up. Every process started here is stopped by PID.
for t in jq curl skopeo docker-registry unzip umoci; do
  command -v $t >/dev/null || skip "server_flow: no $t (scripts/setup.sh installs it)"
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
F=$ST_FIXTURES
[[ -d $F/minbase/oci && -d $F/layered/oci ]] ||
  fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"
REG=$ST_SRC/tests/fixtures/registry/registry.sh
# the committed real subset: small, and it names the packages the
# vulnerable image carries
osv=$ST_SRC/tests/data/osv

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  [[ -f $ST_TMP/reg/env ]] && bash "$REG" stop "$ST_TMP/reg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# an image real advisories apply to (older real Debian versions)
bash "$ST_SRC/tests/fixtures/server/make-vuln-image.sh" "$F" "$ST_TMP/vimg" >/dev/null
img=oci:$ST_TMP/vimg:latest

# ---- two DBs: the old one lacks the advisories of one source package ----
mkdir -p "$ST_TMP/full/Debian" "$ST_TMP/old/Debian"
unzip -q -o "$osv/Debian/all.zip" -d "$ST_TMP/full/Debian"
"$STRATA" db update -q --from "$ST_TMP/full" --db "$ST_TMP/dbfull" >/dev/null
"$STRATA" image -q --format json --db "$ST_TMP/dbfull" "$img" >"$ST_TMP/full.json"
# the package with the most findings: the advisories of its source package
# (what Debian's advisories name) go missing from the old DB
pkg=$(jq -r '[.vulnerabilities[] | .package.name] | group_by(.) |
              max_by(length)[0]' "$ST_TMP/full.json")
[[ -n $pkg && $pkg != null ]] || fail "no vulnerabilities in the test image with the full DB"
victim=$(jq -r --arg p "$pkg" '[.packages[] | select(.name == $p) |
                                 (.source_name // .name)][0]' "$ST_TMP/full.json")
removed=$("$PY" - "$ST_TMP/full/Debian" "$ST_TMP/old/Debian" "$victim" <<'PYEOF'
import json, os, shutil, sys
src, dst, victim = sys.argv[1:]
n = 0
for name in os.listdir(src):
    with open(os.path.join(src, name)) as f:
        doc = json.load(f)
    if any(a.get("package", {}).get("name") == victim for a in doc.get("affected", [])):
        n += 1
    else:
        shutil.copy(os.path.join(src, name), dst)
print(n)
PYEOF
)
((removed > 0)) || fail "no advisory names $victim"
db=$ST_TMP/db
"$STRATA" db update -q --from "$ST_TMP/old" --db "$db" >/dev/null
"$STRATA" image -q --format json --db "$db" "$img" >"$ST_TMP/old.json"
key() { jq -r '.vulnerabilities[] | "\(.id) \(.package.purl)"' "$1" | sort -u; }
key "$ST_TMP/old.json" >"$ST_TMP/old.keys"
key "$ST_TMP/full.json" >"$ST_TMP/full.keys"
comm -13 "$ST_TMP/old.keys" "$ST_TMP/full.keys" >"$ST_TMP/new.keys"
[[ -s $ST_TMP/new.keys ]] || fail "the update adds no finding to the test image"
pass "DBs: old lacks $removed advisories of $victim ($(wc -l <"$ST_TMP/new.keys") findings)"

# ---- the webhook receiver, the server, the registry ----
echo "s3cr3t-test-only" >"$ST_TMP/hook.secret"
echo "t0ken-test-only" >"$ST_TMP/token"
mkdir -p "$ST_TMP/hooks"
"$PY" "$ST_SRC/tests/fixtures/server/webhook.py" --dir "$ST_TMP/hooks" \
  --port-file "$ST_TMP/hook.port" --secret-file "$ST_TMP/hook.secret" \
  --timeout 600 --fail 1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $ST_TMP/hook.port ]] && break; sleep 0.1; done
hook=http://127.0.0.1:$(cat "$ST_TMP/hook.port")/hook

sport=$(free_port)
srv=http://127.0.0.1:$sport
REGISTRY_NOTIFY_URL=$srv/v1/notifications REGISTRY_NOTIFY_TOKEN=$(cat "$ST_TMP/token") \
  bash "$REG" start open "$ST_TMP/reg" >/dev/null
# shellcheck disable=SC1091
source "$ST_TMP/reg/env"

"$STRATA" serve --listen "127.0.0.1:$sport" --vulndb "$db" \
  --data-dir "$ST_TMP/data" --allow-registry "$REGISTRY" \
  --insecure-registry "$REGISTRY" --token-file "$ST_TMP/token" \
  --webhook "$hook" --webhook-secret-file "$ST_TMP/hook.secret" \
  --db-poll 1 2>"$ST_TMP/serve.log" &
spid=$!
pids+=($spid)
for _ in $(seq 100); do curl -sf "$srv/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$srv/healthz" | jq -e '.status == "ok" and .store == "sqlite"' >/dev/null ||
  { cat "$ST_TMP/serve.log" >&2; fail "server did not come up"; }
auth=(-H "Authorization: Bearer $(cat "$ST_TMP/token")")

# ---- push -> notify -> index ----
bash "$REG" push "$ST_TMP/reg" "$ST_TMP/vimg" strata/vuln:1 >/dev/null
digest=""
for _ in $(seq 300); do
  digest=$(curl -sf "$srv/v1/images" | jq -r '.images[] | select(.ref | contains("strata/vuln")) | select(.state == "indexed") | .digest' | head -1)
  [[ -n $digest ]] && break
  sleep 0.2
done
[[ -n $digest ]] || { cat "$ST_TMP/serve.log" >&2; fail "the pushed image was not indexed from the registry's notification"; }
pass "push notification indexed $digest"

# index by reference: idempotent, same digest, already indexed
curl -s "${auth[@]}" -X POST "$srv/v1/index" -d "{\"image\":\"$REGISTRY/strata/vuln:1\"}" >"$ST_TMP/idx.json"
jq -e --arg d "$digest" '.digest == $d and .state == "indexed"' "$ST_TMP/idx.json" >/dev/null ||
  fail "index by reference: $(cat "$ST_TMP/idx.json")"
[[ $(grep -c "index $digest.*indexed in" "$ST_TMP/serve.log") == 1 ]] || fail "indexed more than once"
pass "index by reference is idempotent"

# the report equals a direct scan with the same DB
curl -sf "$srv/v1/report/$digest" >"$ST_TMP/srv.json"
key "$ST_TMP/srv.json" >"$ST_TMP/srv.keys"
same_files "$ST_TMP/old.keys" "$ST_TMP/srv.keys"
[[ $(jq '.packages | length' "$ST_TMP/srv.json") == $(jq '.packages | length' "$ST_TMP/old.json") ]] ||
  fail "package count differs from a direct scan"
pass "report = direct scan ($(wc -l <"$ST_TMP/srv.keys") findings)"
# other formats
curl -sf "$srv/v1/report/$digest?format=sarif" | jq -e '.version == "2.1.0"' >/dev/null || fail "sarif report"
curl -sf "$srv/v1/report/$digest?format=cyclonedx" | jq -e '.bomFormat == "CycloneDX"' >/dev/null || fail "cyclonedx report"
# the index report: layers with their packages, all of them
curl -sf "$srv/v1/index/$digest" >"$ST_TMP/index.json"
[[ $(jq '[.layers[].packages | length] | add' "$ST_TMP/index.json") == $(jq '.packages | length' "$ST_TMP/old.json") ]] ||
  fail "index report packages differ from the scan's"
pass "index report per layer"

# a second image sharing the base layer: its inventory is reused
bash "$REG" push "$ST_TMP/reg" "$F/layered/oci" strata/layered:1 >/dev/null
curl -s "${auth[@]}" -X POST "$srv/v1/index?wait=120" -d "{\"image\":\"$REGISTRY/strata/layered:1\"}" >"$ST_TMP/idx2.json"
d2=$(jq -r .digest "$ST_TMP/idx2.json")
jq -e '.state == "indexed"' "$ST_TMP/idx2.json" >/dev/null || fail "layered: $(cat "$ST_TMP/idx2.json")"
pass "second image indexed"

# ---- hostile requests: clear errors, the server stays up ----
code() { curl -s -o "$ST_TMP/body" -w '%{http_code}' "$@"; }
[[ $(code -X POST "$srv/v1/index" -d '{"image":"x"}') == 401 ]] || fail "no token: want 401"
[[ $(code "${auth[@]}" -X POST "$srv/v1/index" -d '{"image":') == 400 ]] || fail "malformed JSON: want 400"
jq -e '.error.code == "bad_request"' "$ST_TMP/body" >/dev/null || fail "error shape"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$ST_TMP/big"
[[ $(code "${auth[@]}" -X POST "$srv/v1/index" --data-binary @"$ST_TMP/big") == 413 ]] || fail "huge body: want 413"
[[ $(code "${auth[@]}" -X POST "$srv/v1/index" -d '{"image":"evil.example:443/x:1"}') == 403 ]] || fail "disallowed registry: want 403"
[[ $(code "$srv/v1/report/sha256:$(printf '0%.0s' $(seq 64))") == 404 ]] || fail "unknown image: want 404"
[[ $(code "$srv/v1/report/nope") == 400 ]] || fail "bad digest: want 400"
[[ $(code -X DELETE "$srv/v1/images") == 405 ]] || fail "DELETE: want 405"
[[ $(code "${auth[@]}" -X POST "$srv/v1/index" -d "{\"image\":\"$REGISTRY/strata/nosuch:1\"}") == 404 ]] || fail "unknown repository: want 404"
for w in nan abc -1 601 inf; do
  [[ $(code "${auth[@]}" -X POST "$srv/v1/index?wait=$w" -d "{\"image\":\"$REGISTRY/strata/vuln:1\"}") == 400 ]] ||
    fail "wait=$w: want 400"
done
curl -sf "$srv/healthz" >/dev/null || fail "server down after hostile requests"
pass "hostile requests: 401 400 413 403 404 400 405 404, wait=nan|abc|-1|601|inf 400"

# ---- DB update -> re-match -> signed webhook with exactly the new findings ----
"$STRATA" db update -q --from "$ST_TMP/full" --db "$db" >/dev/null
for _ in $(seq 300); do
  grep -ql "$digest" "$ST_TMP/hooks/"*.json 2>/dev/null && break
  sleep 0.2
done
found=""
for f in "$ST_TMP/hooks/"*.json; do
  [[ -f $f ]] || continue
  [[ $(cat "${f%.json}.sig") == valid ]] || fail "webhook signature invalid: $f"
  if [[ $(jq -r .image.digest "$f") == "$digest" ]]; then found=$f; fi
done
[[ -n $found ]] || { cat "$ST_TMP/serve.log" >&2; fail "no webhook for $digest after the DB update"; }
jq -r '.findings[] | "\(.id) \(.purl)"' "$found" | sort -u >"$ST_TMP/hook.keys"
same_files "$ST_TMP/new.keys" "$ST_TMP/hook.keys"
pass "webhook: $(wc -l <"$ST_TMP/hook.keys") new findings, signed, after one 503 retry"
# and the stored report now matches a direct scan with the new DB
curl -sf "$srv/v1/report/$digest" | key /dev/stdin >"$ST_TMP/srv2.keys"
same_files "$ST_TMP/full.keys" "$ST_TMP/srv2.keys"
curl -sf "$srv/metrics" >"$ST_TMP/metrics"
grep -q '^strata_rematch_runs_total [1-9]' "$ST_TMP/metrics" || fail "metrics: no rematch run"
grep -q '^strata_webhook_deliveries_total{outcome="sent"} [1-9]' "$ST_TMP/metrics" || fail "metrics: no webhook sent"
grep -q 'strata_http_requests_total{route="report",code="2xx"}' "$ST_TMP/metrics" || fail "metrics: requests"
pass "re-match replaced the report; metrics count it"

kill "$spid"
wait "$spid" || { tail -40 "$ST_TMP/serve.log" >&2; fail "serve exited non-zero on SIGTERM"; }
pass "SIGTERM stops the server cleanly"
