# Language packages inside a real OCI image layer (made with umoci), on
# top of the Debian minbase layer: a node project with lodash 4.17.15 and
# minimist 1.2.5 (lockfile v3 + installed node_modules) and an installed
# requests 2.19.0 dist-info must report their known advisories from the
# real OSV data, each with the layer that added it.
osv=$ST_SRC/../shared/data/osv
[[ -d $osv/npm ]] || osv=$ST_SRC/tests/data/osv
command -v umoci >/dev/null || skip "umoci missing (scripts/setup.sh installs it)"
"$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >/dev/null

r=$ST_TMP/layer
mkdir -p "$r/app/node/node_modules/lodash" "$r/app/node/node_modules/minimist" \
  "$r/usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info"
cat >"$r/app/node/package.json" <<'J'
{"name": "app", "version": "1.0.0", "dependencies": {"lodash": "4.17.15", "minimist": "1.2.5"}}
J
cat >"$r/app/node/package-lock.json" <<'J'
{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
 "packages": {
  "": {"name": "app", "version": "1.0.0", "dependencies": {"lodash": "4.17.15", "minimist": "1.2.5"}},
  "node_modules/lodash": {"version": "4.17.15", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz", "license": "MIT"},
  "node_modules/minimist": {"version": "1.2.5", "resolved": "https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz", "license": "MIT"}}}
J
echo '{"name": "lodash", "version": "4.17.15", "license": "MIT"}' >"$r/app/node/node_modules/lodash/package.json"
echo '{"name": "minimist", "version": "1.2.5", "license": "MIT"}' >"$r/app/node/node_modules/minimist/package.json"
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\nLicense: Apache 2.0\n' \
  >"$r/usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA"
tar -C "$r" --numeric-owner --owner=0 --group=0 -cf "$ST_TMP/app.tar" app usr

img=$ST_TMP/oci
cp -r "$ST_FIXTURES/minbase/oci" "$img"
umoci raw add-layer --image "$img:latest" "$ST_TMP/app.tar" >/dev/null 2>&1 \
  || umoci raw add-layer --image "$img:latest" --history.created_by "app layer" "$ST_TMP/app.tar"
"$STRATA" image -q --db "$ST_TMP/db" -f json "oci:$img:latest" >"$ST_TMP/scan.json"

jq -e '.artifact.layers | length == 2' "$ST_TMP/scan.json" >/dev/null || fail "the image does not have 2 layers"
jq -r '.vulnerabilities[] | select(.package.type != "deb")
       | [.package.name, .package.version, (.ids | join(",")), (.package.layer_index | tostring), .package.found_in] | @tsv' \
  "$ST_TMP/scan.json" | sort >"$ST_TMP/got.tsv"
for want in \
  "lodash	4.17.15	.*GHSA-35jh-r3h4-6jhm.*	1	/app/node/package-lock.json" \
  "lodash	4.17.15	.*GHSA-p6mc-m468-83gw.*	1	/app/node/node_modules/lodash/package.json" \
  "minimist	1.2.5	.*GHSA-xvch-5gv4-984h.*	1	/app/node/package-lock.json" \
  "requests	2.19.0	.*CVE-2018-18074.*	1	/usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA"; do
  grep -qP "^$want\$" "$ST_TMP/got.tsv" || fail "missing: $want; got: $(cat "$ST_TMP/got.tsv")"
done
# fixed long before 4.17.15: must not be reported
! grep -q "GHSA-jf85-cpcp-j695" "$ST_TMP/got.tsv" || fail "lodash: GHSA-jf85-cpcp-j695 (fixed in 4.17.12) reported"
# the Debian packages of layer 0 stay in layer 0
jq -e '[.packages[] | select(.type == "deb") | .layer_index] | unique == [0]' "$ST_TMP/scan.json" >/dev/null \
  || fail "deb packages not all from layer 0"
pass "node and python packages in an image layer: $(wc -l <"$ST_TMP/got.tsv") findings with their layer"
