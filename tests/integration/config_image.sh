# shellcheck shell=bash
# config_image.sh — `strata image --scanners config`, the image config
# checks, on real images and on one made here:
#  1. the fixture images (minbase as an OCI layout, a docker-archive and an
#     oci-archive; layered, multiarch, docs, secrets): the config findings
#     equal what an oracle written in jq derives from each image's config
#     blob by the rules of docs/config-dockerfile.md (User empty/0/root;
#     no Healthcheck or NONE; exposed ports; /bin/sh -c as the program);
#     minbase's config has Cmd ["bash"] and no User: runs as root, no
#     health check, nothing else. Each finding carries its check's
#     remediation and equivalent ids, and no config finding appears
#     without --scanners config;
#  2. the secrets fixture: its Env DB_URL holds a password in a URL; the
#     secret scanner reports it and the config scanner does not report it
#     again (image-env-secret is for names that say "secret");
#  3. an image built here (OCI layout, digests by sha256sum) whose config
#     runs as root, exposes SSH, VNC and 80, keeps MYSQL_ROOT_PASSWORD in
#     Env and starts through /bin/sh -c: exactly those findings, in JSON
#     and in SARIF (rule tags), and the table names them.
# Needs jq and sha256sum. Sourced by run-one.sh: STRATA, ST_FIXTURES,
# ST_TMP, fail/pass/skip.

for t in jq sha256sum; do
  command -v $t >/dev/null || skip "config_image: no $t"
done
F=$ST_FIXTURES
# the planted-secrets and docs images are built on demand (make-secrets.sh
# takes a lock: secrets.sh and secrets_fp.sh may ask at the same time)
bash "$ST_SRC/tests/fixtures/make-secrets.sh" "$F" all >"$ST_TMP/fixture.log" 2>&1 ||
  { cat "$ST_TMP/fixture.log" >&2; fail "make-secrets.sh $F all"; }
[[ -d $F/minbase/oci && -d $F/secrets/oci && -d $F/docs/oci ]] ||
  fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"

# The config blob of the first image of an OCI layout (through an index).
config_of() {
  local dir=$1 d mt
  d=$(jq -r '.manifests[0].digest' "$dir/index.json")
  mt=$(jq -r '.manifests[0].mediaType' "$dir/index.json")
  if [[ $mt == *index* ]]; then
    d=$(jq -r '.manifests[0].digest' "$dir/blobs/sha256/${d#sha256:}")
  fi
  d=$(jq -r '.config.digest' "$dir/blobs/sha256/${d#sha256:}")
  cat "$dir/blobs/sha256/${d#sha256:}"
}

# The oracle: "check path" lines the config calls for, sorted.
oracle() {
  jq -r '(.config // {}) as $c |
    (if ($c.User // "") == "" or ($c.User | test("^(root|0)(:|$)"))
     then "image-user-root config.User" else empty end),
    (if (($c.Healthcheck.Test // []) | length) == 0 or $c.Healthcheck.Test[0] == "NONE"
     then "image-no-healthcheck config.Healthcheck" else empty end),
    (($c.ExposedPorts // {}) | keys[] as $k | ($k | split("/")[0] | tonumber) as $p |
     if $p == 22 or $p == 23 or ($p >= 512 and $p <= 514) or $p == 2375 or
        $p == 2376 or $p == 3389 or ($p >= 5900 and $p <= 5909) or $p == 5985 or
        $p == 5986
     then "image-port-remote-admin config.ExposedPorts[\($k)]"
     elif $p < 1024 then "image-port-privileged config.ExposedPorts[\($k)]"
     else empty end),
    ((if (($c.Entrypoint // []) | length) > 0 then ["config.Entrypoint", $c.Entrypoint]
      else ["config.Cmd", ($c.Cmd // [])] end) as [$where, $a] |
     if ($a | length) >= 3 and $a[1] == "-c" and ($a[0] | test("^(/bin/)?(ba)?sh$"))
     then "image-shell-form \($where)" else empty end)' | LC_ALL=C sort
}

# strata's config findings: "check path" lines, sorted.
findings() {
  jq -r '.findings[] | select(.kind == "config") | "\(.id) \(.path)"' "$1" |
    LC_ALL=C sort
}

# 1. the fixture images against the oracle
for img in minbase layered multiarch docs secrets; do
  config_of "$F/$img/oci" | oracle >"$ST_TMP/want.$img"
  expect_exit 0 "$STRATA" image -q --no-vulns --scanners config -f json "oci:$F/$img/oci"
  findings "$ST_TMP/out" >"$ST_TMP/got.$img"
  same_files "$ST_TMP/want.$img" "$ST_TMP/got.$img"
  jq -e '[.findings[] | select(.kind == "config")] |
    all(.remediation != null and (.tags | length) > 0 and .category == "image")' \
    "$ST_TMP/out" >/dev/null || fail "$img: a config finding without its metadata"
done
printf '%s\n' "image-no-healthcheck config.Healthcheck" "image-user-root config.User" \
  >"$ST_TMP/minbase.expected"
same_files "$ST_TMP/minbase.expected" "$ST_TMP/got.minbase"
for ref in "docker-archive:$F/minbase/docker-archive.tar" "oci-archive:$F/minbase/oci-archive.tar"; do
  expect_exit 0 "$STRATA" image -q --no-vulns --scanners config -f json "$ref"
  findings "$ST_TMP/out" >"$ST_TMP/got.ref"
  same_files "$ST_TMP/minbase.expected" "$ST_TMP/got.ref"
done
expect_exit 0 "$STRATA" image -q --no-vulns -f json "oci:$F/minbase/oci"
[[ -z $(findings "$ST_TMP/out") ]] || fail "config findings without --scanners config"
pass "fixture images: config findings match the oracle (minbase: root, no health check)"

# 2. a secret in Env is the secret scanner's, once
expect_exit 0 "$STRATA" image -q --no-vulns --scanners secret,config -f json "oci:$F/secrets/oci"
jq -e 'any(.findings[]; .kind == "secret" and .origin == "env" and .path == "DB_URL")' \
  "$ST_TMP/out" >/dev/null || fail "secrets: the secret scanner missed Env DB_URL"
jq -e 'all(.findings[]; .id != "image-env-secret")' "$ST_TMP/out" >/dev/null ||
  fail "secrets: DB_URL reported twice"
pass "Env secrets: reported by the secret scanner, not again by config"

# 3. an image made here
L=$ST_TMP/layout
mkdir -p "$L/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
# blob FILE MEDIATYPE: stores FILE, prints its descriptor
blob() {
  local sum size
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$L/blobs/sha256/$sum"
  printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$2" "$sum" "$size"
}
head -c 1024 /dev/zero >"$ST_TMP/layer.tar"
diff_id=sha256:$(sha256sum "$ST_TMP/layer.tar" | cut -d' ' -f1)
cat >"$ST_TMP/config.json" <<EOF
{"architecture":"amd64","os":"linux",
 "config":{"User":"root",
   "ExposedPorts":{"22/tcp":{},"5900/tcp":{},"80/tcp":{},"8080/tcp":{}},
   "Env":["PATH=/usr/bin","MYSQL_ROOT_PASSWORD=not-a-real-password","MYSQL_PASSWORD_FILE=/run/secrets/pw"],
   "Cmd":["/bin/sh","-c","exec mysqld --user=root"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]}}
EOF
layer=$(blob "$ST_TMP/layer.tar" application/vnd.oci.image.layer.v1.tar)
config=$(blob "$ST_TMP/config.json" application/vnd.oci.image.config.v1+json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}' \
  "$config" "$layer" >"$ST_TMP/manifest.json"
manifest=$(blob "$ST_TMP/manifest.json" application/vnd.oci.image.manifest.v1+json)
printf '{"schemaVersion":2,"manifests":[%s]}' "$manifest" >"$L/index.json"

expect_exit 0 "$STRATA" image -q --no-vulns --scanners config -f json "oci:$L"
findings "$ST_TMP/out" >"$ST_TMP/got.made"
cat >"$ST_TMP/want.made" <<'EOF'
image-env-secret MYSQL_ROOT_PASSWORD
image-no-healthcheck config.Healthcheck
image-port-privileged config.ExposedPorts[80/tcp]
image-port-remote-admin config.ExposedPorts[22/tcp]
image-port-remote-admin config.ExposedPorts[5900/tcp]
image-shell-form config.Cmd
image-user-root config.User
EOF
same_files "$ST_TMP/want.made" "$ST_TMP/got.made"
oracle <"$ST_TMP/config.json" >"$ST_TMP/oracle.made"
grep -v image-env-secret "$ST_TMP/want.made" >"$ST_TMP/want.noenv"
same_files "$ST_TMP/want.noenv" "$ST_TMP/oracle.made"
jq -e 'any(.findings[]; .id == "image-env-secret" and .origin == "env" and
  (.detail | contains("not-a-real-password") | not))' "$ST_TMP/out" >/dev/null ||
  fail "image-env-secret: origin or detail"
expect_exit 0 "$STRATA" image -q --no-vulns --scanners config -f sarif "oci:$L"
jq -e '.runs[0].tool.driver.rules[] | select(.id == "image-port-remote-admin") |
  .properties.tags | index("checkov:CKV_DOCKER_1")' "$ST_TMP/out" >/dev/null ||
  fail "SARIF: image-port-remote-admin without its tags"
expect_exit 0 "$STRATA" image -q --no-vulns --scanners config "oci:$L"
grep -q "image-shell-form" "$ST_TMP/out" && grep -q "Configuration" "$ST_TMP/out" ||
  fail "table: no Configuration section"
pass "an image made here: exactly its config findings, in JSON, SARIF and table"
