# shellcheck shell=bash
# registry_scan.sh — `strata image` pulls from real registries (Debian's
# docker-registry started by tests/fixtures/registry/registry.sh, images
# pushed by skopeo with their digests preserved) and scans exactly what a
# scan of the same OCI layout finds:
#  1. open registry (plain http, --insecure-registry): minbase and layered
#     give the layout's JSON report once the fields that name the source
#     are removed (see `same_scan`); docker:// names the same image;
#  2. a two-platform index (make-multiarch.sh: minbase as linux/amd64, and
#     linux/arm64/v8 with one more layer): --platform linux/arm64 picks the
#     arm64 manifest (its extra layer and architecture show), the default
#     picks amd64 on an amd64 host, an absent platform is an error; both
#     equal the layout's scans with the same --platform;
#  3. --cache-dir: the first scan leaves every layer blob in the cache under
#     its digest (contents that hash to the name), the second scan fetches
#     no layer blob from the registry (its access log) and reports the same;
#  4. a blob altered in the registry's storage after the push (a layer, the
#     config, the manifest; one byte flipped, then flipped back) is exit 2,
#     nothing on stdout, one line on stderr naming the digest; a tampered
#     layer never reaches the cache;
#  5. basic auth behind TLS with a test CA: credentials from
#     STRATA_REGISTRY_USERNAME/PASSWORD and from a DOCKER_CONFIG config.json
#     both work (with --registry-ca); no credentials, a wrong password, and
#     no CA (TLS verification on) are exit 2;
#  6. token auth: anonymous pull works (the token server grants pull), the
#     test user works, a wrong password is exit 2; strata asked the token
#     server for the repository's pull scope;
#  7. with the registry gone, a scan fails cleanly (exit 2, one line naming
#     the registry).
# Needs docker-registry, skopeo, jq, curl, openssl, htpasswd, python3
# (scripts/setup.sh installs them). Sourced by run-one.sh: STRATA, ST_SRC,
# ST_FIXTURES, ST_TMP, fail/pass/skip/expect_exit.

for t in docker-registry skopeo jq curl openssl htpasswd; do
  command -v $t >/dev/null || skip "registry_scan: $t missing (scripts/setup.sh installs it)"
done
F=$ST_FIXTURES
RS=$ST_SRC/tests/fixtures/registry
[[ -f $F/minbase/oci/index.json && -f $F/layered/oci/index.json ]] ||
  fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"

REGS=()
stop_all() {
  local d
  for d in "${REGS[@]}"; do "$RS/registry.sh" stop "$d" >/dev/null 2>&1 || true; done
}
# run-one.sh removes ST_TMP on exit; the registries go first.
trap 'stop_all; rm -rf "$ST_TMP"' EXIT

# start MODE NAME: a registry in $ST_TMP/NAME
start() {
  local d=$ST_TMP/$2
  REGS+=("$d")
  "$RS/registry.sh" start "$1" "$d" >"$ST_TMP/start-$2.log" 2>&1 ||
    { cat "$ST_TMP/start-$2.log" >&2; fail "registry.sh start $1"; }
}
# var NAME KEY: a value of the registry's env file
# shellcheck source=/dev/null # written by registry.sh start
var() { (source "$ST_TMP/$1/env" && printf '%s' "${!2}"); }
push() { # NAME SRC REPO:TAG
  "$RS/registry.sh" push "$ST_TMP/$1" "$2" "$3" >"$ST_TMP/push.log" 2>&1 ||
    { cat "$ST_TMP/push.log" >&2; fail "push $2 to $1/$3"; }
}

# No credentials from the machine's own docker config, ever.
mkdir -p "$ST_TMP/no-docker"
export DOCKER_CONFIG=$ST_TMP/no-docker
unset STRATA_REGISTRY_USERNAME STRATA_REGISTRY_PASSWORD

# The comparison: the same image scanned from the registry and from its
# OCI layout differs only where the report names where it came from:
#   artifact.ref        what was asked ("127.0.0.1:P/strata-test/x:latest"
#                       vs "oci:DIR")
#   artifact.source     "registry" vs "oci"
#   artifact.path       the registry reference vs the layout's directory
#   artifact.repo_tags  the registry tag vs none (the layout's tag is a
#                       ref name, not a repository tag)
# Everything else (digests, layers, OS, packages, findings, stats) must be
# equal: the registry serves the same bytes.
norm() {
  jq -S 'del(.artifact.ref, .artifact.source, .artifact.path, .artifact.repo_tags)' "$1"
}
same_scan() { # REG_JSON LOCAL_JSON WHAT
  norm "$1" >"$1.norm"
  norm "$2" >"$2.norm"
  diff -u "$2.norm" "$1.norm" >&2 || fail "$3: the registry's scan differs from the layout's"
  [[ $(jq '.packages | length' "$1") -gt 50 ]] || fail "$3: too few packages: the comparison proves nothing"
}
scan() { # OUT ARGS...: strata image --format json, must succeed
  local out=$1; shift
  expect_exit 0 "$STRATA" image -q --format json "$@"
  cp "$ST_TMP/out" "$out"
}

# ---- 1. open registry --------------------------------------------------
start open open
REG=$(var open REGISTRY)
INS=(--insecure-registry "$REG")
for img in minbase layered; do
  push open "$F/$img/oci" "strata-test/$img:latest"
  scan "$ST_TMP/$img.local.json" "oci:$F/$img/oci"
  scan "$ST_TMP/$img.reg.json" "${INS[@]}" "$REG/strata-test/$img:latest"
  same_scan "$ST_TMP/$img.reg.json" "$ST_TMP/$img.local.json" "$img"
  want=$(jq -r '.manifests[0].digest' "$F/$img/oci/index.json")
  got=$(jq -r .artifact.manifest_digest "$ST_TMP/$img.reg.json")
  [[ $got == "$want" ]] || fail "$img: manifest digest $got, want $want"
  pass "open registry: $img scans as its layout does ($(jq '.packages|length' "$ST_TMP/$img.reg.json") packages)"
done
scan "$ST_TMP/docker.json" "${INS[@]}" "docker://$REG/strata-test/layered:latest"
same_scan "$ST_TMP/docker.json" "$ST_TMP/layered.local.json" "docker://"
# by digest too
d=$(jq -r .artifact.manifest_digest "$ST_TMP/layered.reg.json")
scan "$ST_TMP/bydigest.json" "${INS[@]}" "$REG/strata-test/layered@$d"
same_scan "$ST_TMP/bydigest.json" "$ST_TMP/layered.local.json" "by digest"
# without --insecure-registry the plain-http registry is refused
expect_exit 2 "$STRATA" image -q --format json "$REG/strata-test/minbase:latest"
[[ ! -s $ST_TMP/out ]] || fail "refused pull printed a result"
pass "docker:// and @digest name the same image; plain http needs --insecure-registry"

# ---- 2. a multi-platform index --------------------------------------------
"$RS/make-multiarch.sh" "$F/minbase/oci" "$ST_TMP/multi" || fail "make-multiarch.sh"
amd=$(awk '$1 == "linux/amd64" {print $2}' "$ST_TMP/multi/platforms.tsv")
arm=$(awk '$1 == "linux/arm64/v8" {print $2}' "$ST_TMP/multi/platforms.tsv")
extra=$(jq -r '.layers[1].digest' "$ST_TMP/multi/blobs/sha256/${arm#sha256:}")
push open "$ST_TMP/multi" "strata-test/multi:latest"
scan "$ST_TMP/arm.reg.json" "${INS[@]}" --platform linux/arm64 "$REG/strata-test/multi:latest"
jq -e --arg m "$arm" --arg l "$extra" '.artifact | .manifest_digest == $m and
    .architecture == "arm64" and (.layers | length) == 2 and .layers[1].digest == $l' \
  "$ST_TMP/arm.reg.json" >/dev/null ||
  fail "--platform linux/arm64: $(jq -c '.artifact | [.manifest_digest, .architecture, [.layers[].digest]]' "$ST_TMP/arm.reg.json")"
scan "$ST_TMP/arm.local.json" --platform linux/arm64 "oci:$ST_TMP/multi"
same_scan "$ST_TMP/arm.reg.json" "$ST_TMP/arm.local.json" "linux/arm64"
if [[ $(uname -m) == x86_64 ]]; then
  scan "$ST_TMP/amd.reg.json" "${INS[@]}" "$REG/strata-test/multi:latest"
  jq -e --arg m "$amd" '.artifact | .manifest_digest == $m and .architecture == "amd64" and
      (.layers | length) == 1' "$ST_TMP/amd.reg.json" >/dev/null ||
    fail "default platform: $(jq -c '.artifact | [.manifest_digest, .architecture]' "$ST_TMP/amd.reg.json")"
  same_scan "$ST_TMP/amd.reg.json" "$ST_TMP/minbase.local.json" "default platform"
fi
expect_exit 2 "$STRATA" image -q --format json "${INS[@]}" --platform linux/s390x "$REG/strata-test/multi:latest"
[[ ! -s $ST_TMP/out ]] || fail "--platform linux/s390x printed a result"
grep -q s390x "$ST_TMP/err" || fail "--platform linux/s390x: the error does not name the platform: $(cat "$ST_TMP/err")"
pass "index: --platform linux/arm64 -> ${arm:7:12} (2 layers), default -> ${amd:7:12}, s390x refused"

# ---- 3. --cache-dir ----------------------------------------------------------
cache=$ST_TMP/cache
log=$(var open REGISTRY_LOG)
blob_gets() { # how many layer blob GETs of layered the registry answered
  local n=0 l
  for l in $(jq -r '.artifact.layers[].digest' "$ST_TMP/layered.reg.json"); do
    n=$((n + $(grep -c "\"GET /v2/strata-test/layered/blobs/$l" "$log" || true)))
  done
  echo "$n"
}
before=$(blob_gets)
scan "$ST_TMP/cache1.json" "${INS[@]}" --cache-dir "$cache" "$REG/strata-test/layered:latest"
first=$(($(blob_gets) - before))
[[ $first -ge 1 ]] || fail "--cache-dir: the first scan fetched no layer blob (log $log)"
for l in $(jq -r '.artifact.layers[].digest' "$ST_TMP/cache1.json"); do
  f=$cache/blobs/sha256/${l#sha256:}
  [[ -f $f ]] || fail "--cache-dir: layer $l is not in the cache ($(find "$cache" -type f | head -5))"
  [[ sha256:$(sha256sum "$f" | cut -d' ' -f1) == "$l" ]] || fail "--cache-dir: $f does not hash to its name"
done
before=$(blob_gets)
scan "$ST_TMP/cache2.json" "${INS[@]}" --cache-dir "$cache" "$REG/strata-test/layered:latest"
second=$(($(blob_gets) - before))
[[ $second -eq 0 ]] || fail "--cache-dir: the second scan fetched $second layer blobs again"
same_files "$ST_TMP/cache1.json" "$ST_TMP/cache2.json"
same_scan "$ST_TMP/cache2.json" "$ST_TMP/layered.local.json" "cached scan"
pass "--cache-dir: first scan fetched $first layer blobs and cached them verified, the second none"

# ---- 4. tampering in the registry's storage ------------------------------
start open tamper
TREG=$(var tamper REGISTRY)
storage=$(var tamper REGISTRY_STORAGE)
push tamper "$F/minbase/oci" "strata-test/minbase:latest"
mdig=$(jq -r '.manifests[0].digest' "$F/minbase/oci/index.json")
mfile=$F/minbase/oci/blobs/sha256/${mdig#sha256:}
cdig=$(jq -r .config.digest "$mfile")
ldig=$(jq -r '.layers[0].digest' "$mfile")
flip() { # FILE OFFSET: xor one byte with 0x01 (twice restores it)
  python3 - "$1" "$2" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 1]))
EOF
}
stored() { local h=${1#sha256:}; echo "$storage/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data"; }
tcache=$ST_TMP/tamper-cache
for what in layer config manifest; do
  case $what in
    layer) dig=$ldig off=$(($(stat -c %s "$(stored "$ldig")") / 2)) ;;
    # a digit inside the JSON: still valid JSON, only the digest can tell
    config) dig=$cdig off=$(grep -bo '"created":"2' "$(stored "$cdig")" | head -1 | cut -d: -f1) off=$((off + 14)) ;;
    manifest) dig=$mdig off=$(grep -bo '"size":[0-9]' "$(stored "$mdig")" | head -1 | cut -d: -f1) off=$((off + 7)) ;;
  esac
  f=$(stored "$dig")
  [[ -f $f ]] || fail "tamper: $f is not where the registry keeps $dig"
  flip "$f" "$off"
  expect_exit 2 "$STRATA" image -q --format json --insecure-registry "$TREG" --cache-dir "$tcache" \
    "$TREG/strata-test/minbase:latest"
  flip "$f" "$off"
  [[ ! -s $ST_TMP/out ]] || fail "tampered $what: printed a result"
  [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "tampered $what: stderr is not one line: $(cat "$ST_TMP/err")"
  grep -q '^strata: ' "$ST_TMP/err" || fail "tampered $what: stderr does not start with 'strata: '"
  grep -qF "${dig:7:12}" "$ST_TMP/err" || fail "tampered $what: the error does not name $dig: $(cat "$ST_TMP/err")"
  [[ ! -e $tcache/blobs/sha256/${ldig#sha256:} ]] || fail "tampered $what: the layer reached the cache"
  pass "tampered $what refused: $(cut -c1-150 "$ST_TMP/err")"
done
# flipped back: the same registry serves a good image again
scan "$ST_TMP/untampered.json" --insecure-registry "$TREG" "$TREG/strata-test/minbase:latest"
same_scan "$ST_TMP/untampered.json" "$ST_TMP/minbase.local.json" "untampered"
[[ -z $(find "$tcache" -name '*.part*' 2>/dev/null) ]] || fail "tamper: partial files left in the cache"

# ---- 5. basic auth behind TLS ------------------------------------------------
start basic-tls tls
REG=$(var tls REGISTRY)
CA=(--registry-ca "$(var tls REGISTRY_CA)")
push tls "$F/minbase/oci" "strata-test/minbase:latest"
ref=$REG/strata-test/minbase:latest
expect_exit 2 "$STRATA" image -q --format json "${CA[@]}" "$ref"
grep -qi 'auth' "$ST_TMP/err" || fail "basic-tls without credentials: $(cat "$ST_TMP/err")"
STRATA_REGISTRY_USERNAME=$(var tls REGISTRY_USER) STRATA_REGISTRY_PASSWORD=$(var tls REGISTRY_PASS) \
  scan "$ST_TMP/tls-env.json" "${CA[@]}" "$ref"
same_scan "$ST_TMP/tls-env.json" "$ST_TMP/minbase.local.json" "basic-tls, credentials from env"
DOCKER_CONFIG=$(var tls REGISTRY_DOCKER_CONFIG) scan "$ST_TMP/tls-cfg.json" "${CA[@]}" "$ref"
same_scan "$ST_TMP/tls-cfg.json" "$ST_TMP/minbase.local.json" "basic-tls, DOCKER_CONFIG"
STRATA_REGISTRY_USERNAME=$(var tls REGISTRY_USER) STRATA_REGISTRY_PASSWORD=wrong-password \
  expect_exit 2 "$STRATA" image -q --format json "${CA[@]}" "$ref"
# the CA is needed: TLS verification is on by default
STRATA_REGISTRY_USERNAME=$(var tls REGISTRY_USER) STRATA_REGISTRY_PASSWORD=$(var tls REGISTRY_PASS) \
  expect_exit 2 "$STRATA" image -q --format json "$ref"
[[ ! -s $ST_TMP/out ]] || fail "basic-tls without the CA printed a result"
pass "basic-tls: env and DOCKER_CONFIG credentials work; none, a wrong one, and no CA are refused"

# ---- 6. token auth -------------------------------------------------------------
start token token
REG=$(var token REGISTRY)
push token "$F/minbase/oci" "strata-test/minbase:latest"
ref=$REG/strata-test/minbase:latest
tlog=$ST_TMP/token/token.log
: >"$tlog"
scan "$ST_TMP/token-anon.json" --insecure-registry "$REG" "$ref"
same_scan "$ST_TMP/token-anon.json" "$ST_TMP/minbase.local.json" "token, anonymous"
grep -q 'GET /token?.*scope=repository%3Astrata-test%2Fminbase%3Apull' "$tlog" ||
  fail "token: strata did not ask the token server for pull on strata-test/minbase: $(cat "$tlog")"
STRATA_REGISTRY_USERNAME=$(var token REGISTRY_USER) STRATA_REGISTRY_PASSWORD=$(var token REGISTRY_PASS) \
  scan "$ST_TMP/token-user.json" --insecure-registry "$REG" "$ref"
same_scan "$ST_TMP/token-user.json" "$ST_TMP/minbase.local.json" "token, test user"
STRATA_REGISTRY_USERNAME=$(var token REGISTRY_USER) STRATA_REGISTRY_PASSWORD=wrong-password \
  expect_exit 2 "$STRATA" image -q --format json --insecure-registry "$REG" "$ref"
[[ ! -s $ST_TMP/out ]] || fail "token with a wrong password printed a result"
pass "token: anonymous pull and the test user work, a wrong password is refused"

# ---- 7. the registry gone ------------------------------------------------------
REG=$(var open REGISTRY)
"$RS/registry.sh" stop "$ST_TMP/open"
expect_exit 2 "$STRATA" image -q --format json --insecure-registry "$REG" "$REG/strata-test/minbase:latest"
[[ ! -s $ST_TMP/out && $(wc -l <"$ST_TMP/err") == 1 ]] || fail "registry gone: $(cat "$ST_TMP/err")"
grep -qF "$REG" "$ST_TMP/err" || fail "registry gone: the error does not name $REG: $(cat "$ST_TMP/err")"
pass "registry gone: $(cat "$ST_TMP/err")"
