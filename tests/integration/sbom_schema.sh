# shellcheck shell=bash
# sbom_schema.sh — strata's SBOMs of a real image are valid against the
# official schemas (CycloneDX 1.5, SPDX 2.3; copies in tests/schemas, ajv
# installed from the npm registry by scripts/install-validators.sh), are
# byte-for-byte reproducible under SOURCE_DATE_EPOCH, and list every package
# the JSON report lists; the JSON report has exactly the keys, in the order,
# that docs/formats/json.md documents.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_FIXTURES, ST_TMP.

F=$ST_FIXTURES
image=$F/minbase/docker-archive.tar
oci=$F/minbase/oci
[[ -s $image && -d $oci ]] || fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"
command -v jq >/dev/null || fail "jq not found"
command -v node >/dev/null || skip "node not found: cannot run the schema validator"

tools=$ST_BUILD/tools
"$ST_SRC/scripts/install-validators.sh" "$tools" >/dev/null ||
  fail "scripts/install-validators.sh failed (npm registry reachable?)"
validate() { # KIND FILE
  node "$ST_SRC/tests/schemas/validate.js" "$tools" "$1" "$2" >"$ST_TMP/v.out" 2>&1 ||
    { cat "$ST_TMP/v.out" >&2; fail "$2 is not valid $1"; }
}

export SOURCE_DATE_EPOCH=1704067200 # 2024-01-01T00:00:00Z
# sbom NAME FORMAT REF: the SBOM in $ST_TMP/NAME
sbom() {
  expect_exit 0 "$STRATA" sbom -q --format "$2" "$3"
  mv "$ST_TMP/out" "$ST_TMP/$1"
}

# ---- the JSON report: the reference inventory -----------------------------
expect_exit 0 "$STRATA" image -q --list-packages --format json "$image"
mv "$ST_TMP/out" "$ST_TMP/scan.json"
n=$(jq '.packages | length' "$ST_TMP/scan.json")
[[ $n -gt 50 ]] || fail "json: only $n packages"
jq -r '.packages[].purl' "$ST_TMP/scan.json" | sort >"$ST_TMP/purls"

# Documented keys: the example in docs/formats/json.md, between the
# <!-- example --> marker and the end of its code block.
sed -n '/<!-- example -->/,/^```$/p' "$ST_SRC/docs/formats/json.md" | sed '1,2d;$d' >"$ST_TMP/doc.json"
jq -e . "$ST_TMP/doc.json" >/dev/null || fail "docs/formats/json.md: the example is not JSON"
# shape DOC: for each kind of object, its keys in order (one line per kind
# seen in DOC)
shape() {
  jq -r '{top: keys_unsorted, artifact: (.artifact | keys_unsorted),
          os: (.os | keys_unsorted), stats: (.stats | keys_unsorted)}
         + (if (.artifact.layers | length) > 0 then {layer: (.artifact.layers | map(keys_unsorted) | unique)} else {} end)
         + (if (.packages | length) > 0 then {package: (.packages | map(keys_unsorted) | unique)} else {} end)
         + (if (.diagnostics | length) > 0 then {diagnostic: (.diagnostics | map(keys_unsorted) | unique)} else {} end)
         | to_entries[] | "\(.key) \(.value)"' "$1"
}
shape "$ST_TMP/doc.json" >"$ST_TMP/shape.doc"
shape "$ST_TMP/scan.json" >"$ST_TMP/shape.out"
# Every kind of object the scan produced must match the documented one.
grep -F -x -v -f "$ST_TMP/shape.doc" "$ST_TMP/shape.out" >"$ST_TMP/shape.bad" &&
  { cat "$ST_TMP/shape.bad" >&2; echo "documented:" >&2; cat "$ST_TMP/shape.doc" >&2;
    fail "json: keys differ from docs/formats/json.md"; }
[[ $(jq -r .schema "$ST_TMP/scan.json") == strata.scan/v1 ]] || fail "json: schema is not strata.scan/v1"
pass "json report: $n packages, keys as documented"

# ---- CycloneDX 1.5 ---------------------------------------------------------
sbom cdx.json cyclonedx "$image"
validate cyclonedx-1.5 "$ST_TMP/cdx.json"
sbom cdx2.json cyclonedx "$image"
same_files "$ST_TMP/cdx.json" "$ST_TMP/cdx2.json"
jq -e '.bomFormat == "CycloneDX" and .specVersion == "1.5" and .version == 1' "$ST_TMP/cdx.json" >/dev/null ||
  fail "cyclonedx: header fields"
[[ $(jq -r .metadata.timestamp "$ST_TMP/cdx.json") == 2024-01-01T00:00:00Z ]] ||
  fail "cyclonedx: timestamp does not follow SOURCE_DATE_EPOCH"
jq -e '.metadata.component.type == "container" and .metadata.tools.components[0].name == "strata"' \
  "$ST_TMP/cdx.json" >/dev/null || fail "cyclonedx: metadata"
jq -r '.components[] | select(.type == "library") | .purl' "$ST_TMP/cdx.json" | sort >"$ST_TMP/cdx.purls"
same_files "$ST_TMP/purls" "$ST_TMP/cdx.purls"
jq -e '[.components[] | select(.type == "operating-system")] | length == 1' "$ST_TMP/cdx.json" >/dev/null ||
  fail "cyclonedx: no operating-system component"
jq -e '[.metadata.component."bom-ref", .components[]."bom-ref"] | length == (unique | length)' \
  "$ST_TMP/cdx.json" >/dev/null || fail "cyclonedx: bom-refs are not unique"
jq -e '(.dependencies[0].dependsOn | sort) == ([.components[]."bom-ref"] | sort)' \
  "$ST_TMP/cdx.json" >/dev/null || fail "cyclonedx: the image does not depend on every component"
# The validator must be able to fail: a broken copy is rejected.
jq '.components[0].type = "no-such-type"' "$ST_TMP/cdx.json" >"$ST_TMP/cdx-bad.json"
node "$ST_SRC/tests/schemas/validate.js" "$tools" cyclonedx-1.5 "$ST_TMP/cdx-bad.json" >/dev/null 2>&1 &&
  fail "validator accepted an invalid CycloneDX document"
pass "cyclonedx: valid CycloneDX 1.5, reproducible, $n packages"

# ---- SPDX 2.3 ----------------------------------------------------------------
sbom spdx.json spdx-json "$image"
validate spdx-2.3 "$ST_TMP/spdx.json"
sbom spdx2.json spdx-json "$image"
same_files "$ST_TMP/spdx.json" "$ST_TMP/spdx2.json"
jq -e '.spdxVersion == "SPDX-2.3" and .dataLicense == "CC0-1.0" and .SPDXID == "SPDXRef-DOCUMENT"
       and .creationInfo.created == "2024-01-01T00:00:00Z"
       and (.creationInfo.creators[0] | startswith("Tool: strata-"))
       and (.documentNamespace | test("^https://strata.invalid/spdx/[A-Za-z0-9.-]+-[0-9a-f-]{36}$"))' \
  "$ST_TMP/spdx.json" >/dev/null || fail "spdx: document fields"
# The schema does not check SPDXIDs: they must be idstrings and unique.
jq -e '[.packages[].SPDXID] | all(test("^SPDXRef-[A-Za-z0-9.-]+$")) and length == (unique | length)' \
  "$ST_TMP/spdx.json" >/dev/null || fail "spdx: SPDXIDs not valid or not unique"
jq -r '.packages[].externalRefs[]? | select(.referenceType == "purl") | .referenceLocator' \
  "$ST_TMP/spdx.json" | sort >"$ST_TMP/spdx.purls"
same_files "$ST_TMP/purls" "$ST_TMP/spdx.purls"
jq -e '(.packages | map(select(.primaryPackagePurpose == "CONTAINER")) | length) == 1' \
  "$ST_TMP/spdx.json" >/dev/null || fail "spdx: no CONTAINER package"
# Relationships: the document describes the image, which contains every
# other package; every element named exists.
jq -e '(.packages | map(select(.primaryPackagePurpose == "CONTAINER"))[0].SPDXID) as $img
       | ([.packages[].SPDXID] + ["SPDXRef-DOCUMENT"]) as $ids
       | any(.relationships[]; .spdxElementId == "SPDXRef-DOCUMENT" and .relationshipType == "DESCRIBES" and .relatedSpdxElement == $img)
       and ([.relationships[] | select(.spdxElementId == $img and .relationshipType == "CONTAINS") | .relatedSpdxElement] | sort)
           == ([.packages[].SPDXID | select(. != $img)] | sort)
       and all(.relationships[]; (.spdxElementId as $a | $ids | index($a)) and (.relatedSpdxElement as $b | $ids | index($b)))' \
  "$ST_TMP/spdx.json" >/dev/null || fail "spdx: relationships"
jq '.packages[0].SPDXID = 7' "$ST_TMP/spdx.json" >"$ST_TMP/spdx-bad.json"
node "$ST_SRC/tests/schemas/validate.js" "$tools" spdx-2.3 "$ST_TMP/spdx-bad.json" >/dev/null 2>&1 &&
  fail "validator accepted an invalid SPDX document"
pass "spdx: valid SPDX 2.3, reproducible, $n packages"

# ---- the OCI layout (manifest digest known) gives valid SBOMs too ------------
sbom oci.cdx.json cyclonedx "oci:$oci"
validate cyclonedx-1.5 "$ST_TMP/oci.cdx.json"
sbom oci.spdx.json spdx-json "oci:$oci"
validate spdx-2.3 "$ST_TMP/oci.spdx.json"
# Same image, same inventory: the same packages whatever the container form.
jq -r '.components[] | select(.type == "library") | .purl' "$ST_TMP/oci.cdx.json" | sort >"$ST_TMP/oci.purls"
same_files "$ST_TMP/purls" "$ST_TMP/oci.purls"
pass "oci layout: valid CycloneDX and SPDX"
