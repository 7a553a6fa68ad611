# shellcheck shell=bash
# config_compose.sh — the compose checks of `strata config`, and the mounts
# the compose kind gives the storage graph, on the corpus written for them,
# tests/fixtures/config/compose:
#  1. coverage: every compose-* check --list-checks knows, and every
#     storage-* check that applies to compose, has fail/<check>.compose.yml
#     and pass/<check>.compose.yml (compose-* ids without "compose-");
#  2. each fail example reports its check; each pass example nothing;
#  3. every finding of fail/, pass/ and each deployment of real/ (a
#     WordPress quick start, a monitoring stack, a Traefik proxy, a
#     hardened stack with anchors and merge keys), each directory audited
#     on its own, as "file:line:column check object", and every edge of
#     the storage graph as "mount store source workload target rw|ro
#     file:line:column", equal the hand-checked golden
#     tests/integration/golden/config-compose.txt;
#  4. the services of the compose files the Compose docs show as equal,
#     one in short and one in long syntax, give the same findings (up to
#     positions).
# ST_GOLDEN_UPDATE=1 rewrites the golden file instead of comparing (review
# the diff before committing it). Needs jq.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip.

command -v jq >/dev/null || skip "config_compose: no jq"
FX=$ST_SRC/tests/fixtures/config/compose
GOLDEN=$ST_SRC/tests/integration/golden/config-compose.txt

# findings and the storage graph -> lines, paths relative to FX
lines() {
  jq -r --arg fx "$FX/" '
    (.findings[] |
      "\(.path | ltrimstr($fx)):\(.line // 0):\(.column // 0) \(.id) \(.object // "-")"),
    (.storage[]? as $s | $s.mounts[] |
      "mount \($s.store) \($s.source | ltrimstr($fx)) \(.workload | gsub(" "; "_")) \(.mount_path // "-") \(if .writable then "rw" else "ro" end) \(.path | ltrimstr($fx)):\(.line):\(.column)")' |
    LC_ALL=C sort -t: -k1,1 -k2,2n -k3
}
id_of() { [[ $1 == storage-* ]] && echo "$1" || echo "compose-$1"; }

# 1. coverage
expect_exit 0 "$STRATA" config --list-checks -f json
jq -r '.[] | select(.kinds | index("compose")) | .id |
  if startswith("compose-") then ltrimstr("compose-") else . end' \
  "$ST_TMP/out" | LC_ALL=C sort >"$ST_TMP/checks"
[[ $(wc -l <"$ST_TMP/checks") -ge 18 ]] || fail "too few compose checks listed"
missing=0
while read -r c; do
  for kind in fail pass; do
    [[ -f $FX/$kind/$c.compose.yml ]] || { echo "no $kind/$c.compose.yml" >&2; missing=1; }
  done
done <"$ST_TMP/checks"
((missing == 0)) || fail "checks without a pass and a fail example"
pass "every compose check has a pass and a fail example"

# 2. each example on its own
while read -r c; do
  id=$(id_of "$c")
  expect_exit 0 "$STRATA" config -f json "$FX/fail/$c.compose.yml"
  jq -e --arg id "$id" 'any(.findings[]; .id == $id)' "$ST_TMP/out" \
    >/dev/null || fail "fail/$c.compose.yml: no $id finding"
  expect_exit 0 "$STRATA" config -f json "$FX/pass/$c.compose.yml"
  n=$(jq '.findings | length' "$ST_TMP/out")
  [[ $n == 0 ]] || fail "pass/$c.compose.yml: $n findings: $(jq -c '[.findings[].id]' "$ST_TMP/out")"
done <"$ST_TMP/checks"
pass "each fail example reports its check, each pass example nothing"

# 3. the golden file: one audit per deployment (a directory), since the
# storage graph joins every mount of one audit
: >"$ST_TMP/got.txt"
for d in fail pass real/monitoring real/prod real/traefik real/wordpress; do
  expect_exit 0 "$STRATA" config -f json "$FX/$d"
  [[ $(jq '.diagnostics | map(select(.level != "info")) | length' "$ST_TMP/out") == 0 ]] ||
    fail "$d: diagnostics: $(jq -c '.diagnostics' "$ST_TMP/out")"
  echo "# $d" >>"$ST_TMP/got.txt"
  lines <"$ST_TMP/out" >>"$ST_TMP/got.txt"
done
if [[ ${ST_GOLDEN_UPDATE:-} == 1 ]]; then
  cp "$ST_TMP/got.txt" "$GOLDEN"
  pass "golden rewritten: $GOLDEN"
else
  same_files "$GOLDEN" "$ST_TMP/got.txt"
  pass "findings and storage graph match the hand-checked golden ($(wc -l <"$GOLDEN") lines)"
fi

# 4. short and long syntax say the same
mkdir -p "$ST_TMP/short" "$ST_TMP/long"
cat >"$ST_TMP/short/compose.yaml" <<'EOF'
services:
  web:
    image: nginx:1.25.4
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - ./site:/usr/share/nginx/html
      - cache:/var/cache/nginx
    environment:
      - NGINX_PASSWORD=not-a-real-one
volumes:
  cache: {}
EOF
cat >"$ST_TMP/long/compose.yaml" <<'EOF'
services:
  web:
    image: nginx:1.25.4
    ports:
      - target: 80
        published: "8080"
      - target: 443
        published: "8443"
        host_ip: 127.0.0.1
    volumes:
      - type: bind
        source: /var/run/docker.sock
        target: /var/run/docker.sock
        read_only: true
      - type: bind
        source: ./site
        target: /usr/share/nginx/html
      - type: volume
        source: cache
        target: /var/cache/nginx
    environment:
      NGINX_PASSWORD: not-a-real-one
volumes:
  cache: {}
EOF
for s in short long; do
  (cd "$ST_TMP/$s" && "$STRATA" config -f json compose.yaml) >"$ST_TMP/$s.json" ||
    fail "config $s"
  jq -r '[.findings[].id] | sort | join(" ")' "$ST_TMP/$s.json" >"$ST_TMP/$s.ids"
  jq -r '[.storage[] | .source as $src | .mounts[] |
    "\($src) \(.mount_path) \(.writable)"] | sort | join(",")' \
    "$ST_TMP/$s.json" >"$ST_TMP/$s.graph"
done
same_files "$ST_TMP/short.ids" "$ST_TMP/long.ids"
[[ $(cat "$ST_TMP/short.ids") == "compose-env-secret compose-port-all-interfaces compose-user-missing storage-host-path-writable storage-runtime-socket" ]] ||
  fail "short syntax: $(cat "$ST_TMP/short.ids")"
sed 's|[^ ,]*/site|site|' "$ST_TMP/short.graph" >"$ST_TMP/a"
sed 's|[^ ,]*/site|site|' "$ST_TMP/long.graph" >"$ST_TMP/b"
same_files "$ST_TMP/a" "$ST_TMP/b"
pass "short and long syntax give the same findings and graph"
