# shellcheck shell=bash
# dpkg_oracle.sh — the Debian packages strata lists for the minbase image are
# exactly dpkg-query's own list (truth/minbase.dpkg.tsv, made by
# tests/fixtures/make-images.sh from the rootfs the image was packed from), in
# every reference form; the purls follow the purl spec; packages carry the
# layer they were found in; the layered image lists the same packages.
# Sourced by run-one.sh: STRATA, ST_FIXTURES, ST_TMP, fail/pass/expect_exit.

F=$ST_FIXTURES
truth=$F/truth/minbase.dpkg.tsv
[[ -s $truth && -s $F/truth/minbase.json ]] || fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"
diff_id=$(jq -r '.layers[0].diff_id' "$F/truth/minbase.json")
config_digest=$(jq -r .config_digest "$F/truth/minbase.json")
manifest_digest=$(jq -r .manifest_digest "$F/truth/minbase.json")

# scan NAME REF: strata's JSON for REF in $ST_TMP/NAME.json
scan() {
  expect_exit 0 "$STRATA" image --list-packages --format json "$2"
  jq -e 'type == "object"' "$ST_TMP/out" >/dev/null || fail "$1: stdout is not a JSON object"
  mv "$ST_TMP/out" "$ST_TMP/$1.json"
}
# as_tsv JSON: the packages in the truth file's columns, sorted
as_tsv() {
  jq -r '.packages[] | [.name, .version, .source_name, .source_version, .arch] | map(. // "") | @tsv' "$1" | sort
}

# The purl the spec asks for. Percent-encoding (purl spec, "Character
# encoding"): everything but A-Z a-z 0-9 . - _ ~ is encoded, except that the
# colon is never encoded (so an epoch "1:" stays as is); '+' becomes %2B.
# Qualifiers are sorted by key: arch, distro, then optionally upstream (the
# source package, "NAME" or "NAME@VERSION", as Syft writes it).
jq_penc='
  def hex2: [(. / 16 | floor), (. % 16)] | map("0123456789ABCDEF"[.:.+1]) | join("");
  def penc: explode | map(
      if (. >= 48 and . <= 57) or (. >= 65 and . <= 90) or (. >= 97 and . <= 122)
         or . == 45 or . == 46 or . == 95 or . == 126 or . == 58
      then [.] | implode else "%" + hex2 end) | join("");'
jq_purl="$jq_penc"'
  "pkg:deb/debian/" + (.name | penc) + "@" + (.version | penc)
    + "?arch=" + (.arch | penc) + "&distro=debian-12"'
# the purls a package may carry: without upstream, or with it
# shellcheck disable=SC2016 # $purl is a jq variable
jq_purl_ok="$jq_penc"'
  ("pkg:deb/debian/" + (.name | penc) + "@" + (.version | penc)
    + "?arch=" + (.arch | penc) + "&distro=debian-12") as $p
  | [$p, $p + "&upstream=" + (.source_name | penc),
     $p + "&upstream=" + ((.source_name + "@" + .source_version) | penc)] | index([$purl]) != null'

# check_packages NAME [DIFF_ID]: the package list of scan NAME against truth
check_packages() {
  local j=$ST_TMP/$1.json bad
  as_tsv "$j" >"$ST_TMP/$1.tsv"
  same_files "$truth" "$ST_TMP/$1.tsv"
  bad=$(jq -r '.packages[] | select(.type != "deb") | .name' "$j")
  [[ -z $bad ]] || fail "$1: packages of a type other than deb: $bad"
  bad=$(jq -r ".packages[] | .purl as \$purl | select(($jq_purl_ok) | not) | \"\\(.name): \\(.purl), want \" + ($jq_purl)" "$j")
  [[ -z $bad ]] || fail "$1: purls differ from the purl spec's form:"$'\n'"$bad"
  bad=$(jq -r '.packages[] | select((.found_in // "") | endswith("var/lib/dpkg/status") | not) | "\(.name): \(.found_in)"' "$j")
  [[ -z $bad ]] || fail "$1: packages not found in var/lib/dpkg/status:"$'\n'"$bad"
  if [[ -n ${2:-} ]]; then
    bad=$(jq -r --arg d "$2" '.packages[] | select(.layer_diff_id != $d or .layer_index != 0) | "\(.name): layer \(.layer_index) \(.layer_diff_id)"' "$j")
    [[ -z $bad ]] || fail "$1: packages not attributed to layer 0 ($2):"$'\n'"$bad"
  fi
  pass "$1: $(wc -l <"$ST_TMP/$1.tsv") packages equal dpkg-query's, purls and layers right"
}
# check_artifact NAME SOURCE: the artifact block of an image scan
check_artifact() {
  local j=$ST_TMP/$1.json
  jq -e --arg s "$2" --arg c "$config_digest" --arg d "$diff_id" '
    .artifact.source == $s and .artifact.config_digest == $c
    and .artifact.os == "linux" and .artifact.architecture == "amd64"
    and (.artifact.layers | length) == 1 and .artifact.layers[0].diff_id == $d
    and .artifact.layers[0].index == 0' "$j" >/dev/null \
    || fail "$1: artifact block wrong: $(jq -c '.artifact | del(.layers[]?.created_by)' "$j")"
}

scan docker "docker-archive:$F/minbase/docker-archive.tar"
check_artifact docker docker-archive
check_packages docker "$diff_id"

scan oci "oci:$F/minbase/oci"
check_artifact oci oci
jq -e --arg m "$manifest_digest" '.artifact.manifest_digest == $m' "$ST_TMP/oci.json" >/dev/null \
  || fail "oci: manifest_digest is not $manifest_digest"
check_packages oci "$diff_id"

scan oci-archive "oci-archive:$F/minbase/oci-archive.tar"
check_artifact oci-archive oci-archive
jq -e --arg m "$manifest_digest" '.artifact.manifest_digest == $m' "$ST_TMP/oci-archive.json" >/dev/null \
  || fail "oci-archive: manifest_digest is not $manifest_digest"
check_packages oci-archive "$diff_id"

scan rootfs "dir:$F/rootfs/minbase"
check_packages rootfs

# The layered image adds files over minbase and whites out /usr/bin/yes
# (coreutils), but its dpkg database is minbase's: same list, from layer 0.
scan layered "oci:$F/layered/oci:latest"
check_packages layered "$diff_id"
jq -e '(.artifact.layers | length) == 4' "$ST_TMP/layered.json" >/dev/null || fail "layered: not 4 layers"
same_files <(jq -c '[.layers[] | {index, digest, diff_id, media_type}]' "$F/truth/layered.json") \
  <(jq -c '[.artifact.layers[] | {index, digest, diff_id, media_type}]' "$ST_TMP/layered.json")
pass "layered: same packages as minbase; layer digests, diff_ids, media types (incl. zstd) as built"

# SBOMs carry the same packages under the same purls.
jq -r '.packages[].purl' "$ST_TMP/oci.json" | sort >"$ST_TMP/purls.want" # checked above
expect_exit 0 "$STRATA" sbom --format cyclonedx "oci:$F/minbase/oci"
jq -r '[.components[]?, (.components[]?.components[]?)] | .[] | .purl // empty | select(startswith("pkg:deb/"))' \
  "$ST_TMP/out" | sort -u >"$ST_TMP/purls.cdx"
same_files "$ST_TMP/purls.want" "$ST_TMP/purls.cdx"
jq -e '.bomFormat == "CycloneDX"' "$ST_TMP/out" >/dev/null || fail "cyclonedx: bomFormat is not CycloneDX"
pass "cyclonedx: $(wc -l <"$ST_TMP/purls.cdx") deb components with the expected purls"
expect_exit 0 "$STRATA" sbom --format spdx-json "oci:$F/minbase/oci"
jq -r '.packages[]?.externalRefs[]? | select(.referenceType == "purl") | .referenceLocator | select(startswith("pkg:deb/"))' \
  "$ST_TMP/out" | sort -u >"$ST_TMP/purls.spdx"
same_files "$ST_TMP/purls.want" "$ST_TMP/purls.spdx"
jq -e '.spdxVersion | startswith("SPDX-2.")' "$ST_TMP/out" >/dev/null || fail "spdx-json: no spdxVersion SPDX-2.x"
pass "spdx-json: $(wc -l <"$ST_TMP/purls.spdx") deb packages with the expected purls"
