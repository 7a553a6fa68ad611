# shellcheck shell=bash
# registry_signature.sh — cosign signatures of images in a registry,
# checked by `strata image --key PUB [--require-signature]`. Keys are made
# here (openssl, EC P-256); signatures are pushed in cosign's layout by
# tests/fixtures/registry/cosign.sh (payload blob + REPO:sha256-<hex>.sig).
#  1. a valid openssl-made signature passes --require-signature and the
#     JSON lists it: valid, the key file, the signed digest, the identity
#     and the payload's "optional" annotations; with two keys the one that
#     verifies is named;
#  2. a signature relayed by skopeo (copy with use-sigstore-attachments:
#     skopeo writes the .sig manifest itself) verifies too; one made by
#     skopeo --sign-by-sigstore-private-key when this skopeo can sign (the
#     Debian build of skopeo 1.9.3 has sigstore signing compiled out:
#     "Debian-local change: sigstore disabled"; then that part is skipped
#     and says so);
#  3. --require-signature fails (exit 2, nothing on stdout, one line on
#     stderr saying why) for a signature by another key, a signature over
#     another image's digest, an unsigned image, a signature whose
#     payload blob was altered in the registry's storage;
#  4. without --require-signature the same invalid signatures are listed
#     with valid=false and their problem, and the scan succeeds;
#  5. a multi-platform index signed at the index digest: --platform
#     linux/arm64 passes --require-signature (cosign signs what the tag
#     resolves to);
#  6. an image read from an OCI layout fails --require-signature too:
#     nothing on disk carries a cosign signature.
# Needs docker-registry, skopeo, jq, curl, openssl, python3. Sourced by
# run-one.sh: STRATA, ST_SRC, ST_FIXTURES, ST_TMP, fail/pass/skip/expect_exit.

for t in docker-registry skopeo jq curl openssl; do
  command -v $t >/dev/null || skip "registry_signature: $t missing (scripts/setup.sh installs it)"
done
F=$ST_FIXTURES
RS=$ST_SRC/tests/fixtures/registry
[[ -f $F/minbase/oci/index.json && -f $F/layered/oci/index.json ]] ||
  fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"
ST=$ST_TMP/reg
trap '"$RS/registry.sh" stop "$ST" >/dev/null 2>&1 || true; rm -rf "$ST_TMP"' EXIT
"$RS/registry.sh" start open "$ST" >"$ST_TMP/start.log" 2>&1 ||
  { cat "$ST_TMP/start.log" >&2; fail "registry.sh start open"; }
# shellcheck source=/dev/null # written by registry.sh start
REG=$(source "$ST/env" && echo "$REGISTRY")
# shellcheck source=/dev/null
STORAGE=$(source "$ST/env" && echo "$REGISTRY_STORAGE")
mkdir -p "$ST_TMP/no-docker"
export DOCKER_CONFIG=$ST_TMP/no-docker
unset STRATA_REGISTRY_USERNAME STRATA_REGISTRY_PASSWORD

push() { # SRC REPO:TAG
  "$RS/registry.sh" push "$ST" "$1" "$2" >"$ST_TMP/push.log" 2>&1 ||
    { cat "$ST_TMP/push.log" >&2; fail "push $1 to $2"; }
}
sign() { # REPO IMAGE_DIGEST KEY [SIGNED_DIGEST]: prints the payload digest
  "$RS/cosign.sh" sign "$ST" "$@" 2>"$ST_TMP/sign.err" ||
    { cat "$ST_TMP/sign.err" >&2; fail "cosign.sh sign $*"; }
}
K=$ST_TMP/keys
mkdir -p "$K"
"$RS/cosign.sh" keygen "$K/trusted" ec
"$RS/cosign.sh" keygen "$K/other" ec

MIN=$(jq -r '.manifests[0].digest' "$F/minbase/oci/index.json")
LAY=$(jq -r '.manifests[0].digest' "$F/layered/oci/index.json")
for repo in signed other-key other-digest unsigned tampered; do
  push "$F/minbase/oci" "strata-test/$repo:latest"
done
sign strata-test/signed "$MIN" "$K/trusted.key" >/dev/null
sign strata-test/other-key "$MIN" "$K/other.key" >/dev/null
sign strata-test/other-digest "$MIN" "$K/trusted.key" "$LAY" >/dev/null
tampered_payload=$(sign strata-test/tampered "$MIN" "$K/trusted.key")

img() { # REPO ARGS...: strata image of REPO:latest from the registry
  local repo=$1; shift
  expect_exit "$WANT" "$STRATA" image -q --format json --insecure-registry "$REG" "$@" \
    "$REG/strata-test/$repo:latest"
}
# refused WHAT PATTERN: the last run failed as --require-signature must
refused() {
  [[ ! -s $ST_TMP/out ]] || fail "$1: printed a result"
  [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "$1: stderr is not one line: $(cat "$ST_TMP/err")"
  grep -qi 'signature' "$ST_TMP/err" || fail "$1: the error does not mention the signature: $(cat "$ST_TMP/err")"
  grep -qiE "$2" "$ST_TMP/err" || fail "$1: the error does not say /$2/: $(cat "$ST_TMP/err")"
  pass "$1: refused ($(cut -c1-160 "$ST_TMP/err"))"
}

# ---- 1. a valid openssl-made signature ----------------------------------------
WANT=0 img signed --key "$K/trusted.pub" --require-signature
jq -e --arg k "$K/trusted.pub" --arg d "$MIN" --arg id "$REG/strata-test/signed" '
    .artifact.signatures | length == 1 and (.[0] | .valid == true and .key == $k and
    .signed_digest == $d and .identity == $id and .problem == null and
    .annotations.creator == "strata test fixture (openssl)")' "$ST_TMP/out" >/dev/null ||
  fail "signed: $(jq -c .artifact.signatures "$ST_TMP/out")"
[[ $(jq '.packages | length' "$ST_TMP/out") -gt 50 ]] || fail "signed: the image was not scanned"
WANT=0 img signed --key "$K/other.pub" --key "$K/trusted.pub" --require-signature
jq -e --arg k "$K/trusted.pub" '.artifact.signatures[0] | .valid and .key == $k' "$ST_TMP/out" >/dev/null ||
  fail "signed, two keys: $(jq -c .artifact.signatures "$ST_TMP/out")"
# without --key nothing is checked and the report has no signatures
WANT=0 img signed
jq -e '.artifact | has("signatures") | not' "$ST_TMP/out" >/dev/null ||
  fail "no --key: signatures listed anyway"
pass "openssl-made signature verifies and is listed"

# ---- 2. skopeo ------------------------------------------------------------------
rd=$ST_TMP/registries.d
mkdir -p "$rd"
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$REG" >"$rd/r.yaml"
skopeo --insecure-policy --registries.d "$rd" copy -q --src-tls-verify=false --dest-tls-verify=false \
  "docker://$REG/strata-test/signed:latest" "docker://$REG/strata-test/relayed:latest" ||
  fail "skopeo copy with sigstore attachments"
sigtag=sha256-${MIN#sha256:}.sig
ours=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://$REG/v2/strata-test/signed/manifests/$sigtag" | sha256sum)
theirs=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
  "http://$REG/v2/strata-test/relayed/manifests/$sigtag" | sha256sum)
[[ $theirs != "$ours" ]] || fail "skopeo copied the .sig manifest byte for byte: the relay proves nothing"
WANT=0 img relayed --key "$K/trusted.pub" --require-signature
jq -e --arg k "$K/trusted.pub" '.artifact.signatures | length == 1 and .[0].valid and .[0].key == $k' \
  "$ST_TMP/out" >/dev/null || fail "relayed: $(jq -c .artifact.signatures "$ST_TMP/out")"
pass "a signature stored by skopeo (sigstore attachments) verifies"

echo "skopeo-passphrase-$RANDOM$RANDOM" >"$K/pass"
"$RS/cosign.sh" sigstore-key "$K/trusted" "$K/pass"
if "$RS/cosign.sh" skopeo-sign "$ST" "$F/minbase/oci" strata-test/skopeo:latest \
  "$K/trusted.sigstore" "$K/pass" 2>"$ST_TMP/skopeo.err"; then
  WANT=0 img skopeo --key "$K/trusted.pub" --require-signature
  jq -e --arg d "$MIN" '.artifact.signatures | any(.valid and .signed_digest == $d)' \
    "$ST_TMP/out" >/dev/null || fail "skopeo-signed: $(jq -c .artifact.signatures "$ST_TMP/out")"
  pass "a signature made by skopeo --sign-by-sigstore-private-key verifies"
elif grep -q 'sigstore disabled' "$ST_TMP/skopeo.err"; then
  echo "SKIP (part): this skopeo cannot sign with sigstore keys: $(cat "$ST_TMP/skopeo.err")"
else
  cat "$ST_TMP/skopeo.err" >&2
  fail "skopeo --sign-by-sigstore-private-key failed"
fi

# ---- 3. --require-signature refuses -------------------------------------------
WANT=2 img other-key --key "$K/trusted.pub" --require-signature
refused "signature by another key" "does not verify"
WANT=2 img other-digest --key "$K/trusted.pub" --require-signature
refused "signature over another digest" "${LAY:7:12}"
WANT=2 img unsigned --key "$K/trusted.pub" --require-signature
refused "unsigned image" "no signature"
h=${tampered_payload#sha256:}
f=$STORAGE/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data
[[ -f $f ]] || fail "tamper: no payload blob at $f"
sed -i 's/strata test fixture/strata test fixturE/' "$f"
WANT=2 img tampered --key "$K/trusted.pub" --require-signature
refused "altered signature payload" "${h:0:12}"

# ---- 4. listed, not required ------------------------------------------------------
WANT=0 img other-key --key "$K/trusted.pub"
jq -e '.artifact.signatures | length == 1 and (.[0] | .valid == false and .key == null and
    (.problem | test("does not verify")))' "$ST_TMP/out" >/dev/null ||
  fail "other-key listed: $(jq -c .artifact.signatures "$ST_TMP/out")"
WANT=0 img other-digest --key "$K/trusted.pub"
jq -e --arg l "$LAY" '.artifact.signatures[0] | .valid == false and .signed_digest == $l' \
  "$ST_TMP/out" >/dev/null || fail "other-digest listed: $(jq -c .artifact.signatures "$ST_TMP/out")"
pass "invalid signatures are listed with their problem when not required"

# Malformed .sig manifests: an index under the tag is one invalid
# signature; in an image manifest, a signature layer without annotation or
# with an oversized payload is invalid and a layer of another type is not
# a signature at all.
OCI_M=application/vnd.oci.image.manifest.v1+json
put_sig() { # REPO FILE: the .sig manifest of MIN in REPO
  curl -sf -o /dev/null -X PUT -H "Content-Type: $(jq -r .mediaType "$2")" --data-binary "@$2" \
    "http://$REG/v2/$1/manifests/$sigtag" || fail "PUT $1:$sigtag"
}
push "$F/minbase/oci" strata-test/bad-index:latest
jq -n --arg d "$MIN" --argjson s "$(stat -c %s "$F/minbase/oci/blobs/sha256/${MIN#sha256:}")" \
  '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s}]}' \
  >"$ST_TMP/index-sig.json"
put_sig strata-test/bad-index "$ST_TMP/index-sig.json"
WANT=0 img bad-index --key "$K/trusted.pub"
jq -e '.artifact.signatures | length == 1 and (.[0].problem | test("not an image manifest"))' \
  "$ST_TMP/out" >/dev/null || fail "index as .sig: $(jq -c .artifact.signatures "$ST_TMP/out")"
WANT=2 img bad-index --key "$K/trusted.pub" --require-signature
refused "an index under the .sig tag" "not an image manifest"
push "$F/minbase/oci" strata-test/bad-layers:latest
sign strata-test/bad-layers "$MIN" "$K/trusted.key" >/dev/null
curl -sf -H "Accept: $OCI_M" "http://$REG/v2/strata-test/bad-layers/manifests/$sigtag" |
  jq '.layers[0] as $l | .layers = [
        ($l | del(.annotations)),
        ($l | .size = 2000000),
        ($l | .mediaType = "application/vnd.oci.image.layer.v1.tar")]' >"$ST_TMP/layers-sig.json"
put_sig strata-test/bad-layers "$ST_TMP/layers-sig.json"
WANT=0 img bad-layers --key "$K/trusted.pub"
jq -e '.artifact.signatures | length == 2 and (map(.valid) | any | not) and
    (.[0].problem == "no signature") and (.[1].problem | test("more than"))' "$ST_TMP/out" >/dev/null ||
  fail "malformed signature layers: $(jq -c .artifact.signatures "$ST_TMP/out")"
pass "malformed .sig manifests give invalid signatures that say why"

# ---- 5. a signed index ------------------------------------------------------------
"$RS/make-multiarch.sh" "$F/minbase/oci" "$ST_TMP/multi" || fail "make-multiarch.sh"
idx=$(awk '$1 == "index" {print $2}' "$ST_TMP/multi/platforms.tsv")
push "$ST_TMP/multi" strata-test/multi:latest
sign strata-test/multi "$idx" "$K/trusted.key" >/dev/null
WANT=0 img multi --platform linux/arm64 --key "$K/trusted.pub" --require-signature
jq -e --arg d "$idx" '.artifact.architecture == "arm64" and
    (.artifact.signatures | any(.valid and .signed_digest == $d))' "$ST_TMP/out" >/dev/null ||
  fail "signed index: $(jq -c '[.artifact.architecture, .artifact.signatures]' "$ST_TMP/out")"
pass "an index signed at its digest verifies for --platform linux/arm64"

# ---- 6. no registry, no signature ------------------------------------------
# an image on disk carries no signature: requiring one cannot succeed
expect_exit 2 "$STRATA" image -q --format json --key "$K/trusted.pub" --require-signature \
  "oci:$F/minbase/oci"
refused "an OCI layout (no registry, so no signature)" "signature"
