# shellcheck shell=bash
# sources.sh — reference parsing and source selection: every reference kind
# is auto-detected from a bare path; tags and platforms select the right
# image; a missing tag, file or platform is one clear error (exit 2); the OS
# of the image is detected from its os-release.
# Sourced by run-one.sh: STRATA, ST_FIXTURES, ST_TMP, fail/pass/expect_exit.

F=$ST_FIXTURES
[[ -s $F/truth/minbase.json && -s $F/truth/multiarch.json ]] || fail "fixtures missing in $F"
npkg=$(wc -l <"$F/truth/minbase.dpkg.tsv")
minbase_manifest=$(jq -r .manifest_digest "$F/truth/minbase.json")
minbase_config=$(jq -r .config_digest "$F/truth/minbase.json")

scan() { expect_exit 0 "$STRATA" image --list-packages --format json "$@"; }
# refused WHAT ARGS...: exit 2, nothing on stdout, one line "strata: ..." on
# stderr that contains WHAT
refused() {
  local what=$1; shift
  expect_exit 2 "$STRATA" "$@"
  [[ ! -s $ST_TMP/out ]] || fail "$*: printed a result although it failed"
  [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "$*: stderr is not one line: $(cat "$ST_TMP/err")"
  grep -q '^strata: ' "$ST_TMP/err" || fail "$*: stderr does not start with 'strata: ': $(cat "$ST_TMP/err")"
  grep -qF -- "$what" "$ST_TMP/err" || fail "$*: stderr does not name '$what': $(cat "$ST_TMP/err")"
}
# is ARGS... JQ-EXPR: the JSON on stdout satisfies JQ-EXPR
is() { jq -e "$1" "$ST_TMP/out" >/dev/null || fail "${2:-}: not ($1): $(jq -c '{artifact: (.artifact | del(.layers)), os, npackages: (.packages | length)}' "$ST_TMP/out")"; }

# 1. Auto-detection of bare paths: kind and a full package list.
for pair in docker-archive="$F/minbase/docker-archive.tar" oci="$F/minbase/oci" \
  oci-archive="$F/minbase/oci-archive.tar" dir="$F/rootfs/minbase"; do
  kind=${pair%%=*} path=${pair#*=}
  scan "$path"
  is ".artifact.source == \"$kind\"" "bare $path"
  is "(.packages | length) == $npkg" "bare $path"
  [[ $kind == dir ]] || is ".artifact.config_digest == \"$minbase_config\"" "bare $path"
done
pass "bare paths detected as docker-archive, oci, oci-archive, dir ($npkg packages each)"

# 2. Tags.
scan "oci:$F/minbase/oci:latest"
is ".artifact.manifest_digest == \"$minbase_manifest\"" "oci:...:latest"
scan "oci-archive:$F/minbase/oci-archive.tar:latest"
is ".artifact.manifest_digest == \"$minbase_manifest\"" "oci-archive:...:latest"
refused no-such-tag image "oci:$F/minbase/oci:no-such-tag"
refused no-such-tag image "oci-archive:$F/minbase/oci-archive.tar:no-such-tag"
pass "tags: latest selects the image; a missing tag is one error naming it"

# 3. Missing files.
refused "$ST_TMP/absent.tar" image "docker-archive:$ST_TMP/absent.tar"
refused "$ST_TMP/absent-dir" image "oci:$ST_TMP/absent-dir"
refused "$ST_TMP/absent.tar" image "oci-archive:$ST_TMP/absent.tar"
refused "$ST_TMP/absent-path" image "$ST_TMP/absent-path"
refused "$ST_TMP/absent-path" sbom --format cyclonedx "$ST_TMP/absent-path"
pass "missing files: exit 2, one line naming the path"

# 4. Platforms: index.json -> nested index -> linux/amd64 + linux/arm64/v8.
M=$F/multiarch/oci
arm_manifest=$(jq -r '.platforms["linux/arm64/v8"].manifest_digest' "$F/truth/multiarch.json")
for p in linux/arm64 linux/arm64/v8; do
  scan --platform "$p" "oci:$M"
  is '.artifact.architecture == "arm64" and .artifact.os == "linux"' "--platform $p"
  is ".artifact.manifest_digest == \"$arm_manifest\"" "--platform $p"
  is '[.packages[].name] == ["strata-arm64-marker"]' "--platform $p"
done
scan --platform linux/amd64 "oci:$M:latest"
is '.artifact.architecture == "amd64"' "--platform linux/amd64"
is ".artifact.manifest_digest == \"$minbase_manifest\" and (.packages | length) == $npkg" "--platform linux/amd64"
case $(uname -m) in x86_64) host=amd64 ;; aarch64) host=arm64 ;; *) host= ;; esac
if [[ -n $host ]]; then
  scan "oci:$M"
  is ".artifact.architecture == \"$host\"" "multiarch without --platform (host is $host)"
fi
refused linux/s390x image --platform linux/s390x "oci:$M"
refused windows/amd64 image --platform windows/amd64 "oci:$M"
pass "platforms: arm64 and amd64 selected through a nested index; unknown platforms refused by name"

# 5. OS detection, for an image and for a rootfs.
for ref in "oci:$F/minbase/oci" "dir:$F/rootfs/minbase"; do
  scan "$ref"
  is '.os.family == "debian" and .os.id == "debian" and .os.version_id == "12"
      and .os.codename == "bookworm" and .os.distroless == false
      and (.os.pretty_name | startswith("Debian GNU/Linux 12"))' "$ref"
done
pass "os: debian 12 (bookworm), not distroless, from images and rootfs dirs"

# 6. Output contract: a table by default; --quiet keeps stderr empty.
expect_exit 0 "$STRATA" image --quiet --list-packages "oci:$F/minbase/oci"
grep -q 'libc6' "$ST_TMP/out" || fail "table output does not list libc6"
if jq -e . "$ST_TMP/out" >/dev/null 2>&1; then fail "default format is JSON, want table"; fi
[[ ! -s $ST_TMP/err ]] || fail "--quiet: stderr not empty: $(head -3 "$ST_TMP/err")"
pass "default table output lists packages; --quiet keeps stderr empty"

# 7. --platform on a single-platform image of another platform: refused, as
# docker does, rather than scanning an image that is not what was asked for.
refused linux/arm64 image --platform linux/arm64 "oci:$F/minbase/oci"
refused linux/arm64 image --platform linux/arm64 "docker-archive:$F/minbase/docker-archive.tar"
pass "--platform that no image matches is refused, by name"
