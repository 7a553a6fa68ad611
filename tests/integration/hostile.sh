# shellcheck shell=bash
# hostile.sh — hostile and broken inputs (generated into $ST_TMP by
# tests/fixtures/hostile/make-hostile.py, plus truncated copies of minbase):
# strata never crashes, never hangs, never writes outside its scratch space,
# never reads the host's files through a rootfs symlink, and refuses what it
# cannot read with one line on stderr. Exit codes are 0 or 2, nothing else.
# Knobs: ST_BOMB_MIB (size of the gzip bomb, default 1024), ST_HOSTILE_TIMEOUT
# (seconds per scan, default 300).
# Sourced by run-one.sh: STRATA, ST_SRC, ST_FIXTURES, ST_TMP, fail/pass.

command -v python3 >/dev/null || fail "python3 is needed (tests/fixtures/make-images.sh installs it)"
F=$ST_FIXTURES
H=$ST_TMP/hostile
token=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
python3 "$ST_SRC/tests/fixtures/hostile/make-hostile.py" "$H" "$token" --bomb-mib "${ST_BOMB_MIB:-1024}"
limit=${ST_HOSTILE_TIMEOUT:-300}

# probe ALLOWED REF [MUST-NAME]: scan REF; ALLOWED is "2" (must be refused)
# or "0|2" (refusing or scanning are both fine). On exit 2, stderr is one
# "strata: " line (containing MUST-NAME if given) and stdout is empty; on
# exit 0, stdout is JSON. Leaves the exit code in $rc, output in $ST_TMP/out.
probe() {
  local allowed=$1 ref=$2 name=${3:-}
  rc=0
  timeout -k 10 "$limit" "$STRATA" image --list-packages --format json "$ref" \
    >"$ST_TMP/out" 2>"$ST_TMP/err" || rc=$?
  ((rc != 124 && rc != 137)) || fail "$ref: no answer within ${limit}s"
  ((rc < 128)) || fail "$ref: killed by signal $((rc - 128)): $(tail -5 "$ST_TMP/err")"
  [[ $rc == 0 || $rc == 2 ]] || fail "$ref: exit $rc, want ${allowed}: $(tail -5 "$ST_TMP/err")"
  [[ "|$allowed|" == *"|$rc|"* ]] || fail "$ref: exit $rc, want $allowed"
  if ((rc == 2)); then
    [[ ! -s $ST_TMP/out ]] || fail "$ref: refused but printed a result"
    [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "$ref: stderr is not one line: $(head -5 "$ST_TMP/err")"
    grep -q '^strata: ' "$ST_TMP/err" || fail "$ref: stderr does not start with 'strata: '"
    [[ -z $name ]] || grep -qF -- "$name" "$ST_TMP/err" \
      || fail "$ref: stderr does not name '$name': $(cat "$ST_TMP/err")"
  else
    jq -e 'type == "object"' "$ST_TMP/out" >/dev/null || fail "$ref: exit 0 but stdout is not a JSON object"
  fi
  pass "$ref: exit $rc${name:+ (names $name)}"
}
# diagnosed WHAT: the last scan reported at least one diagnostic
diagnosed() {
  jq -e '(.diagnostics | length) > 0' "$ST_TMP/out" >/dev/null \
    || fail "$1: scanned without a single diagnostic"
}
# config_of LAYOUT: the 12 first hex digits of the config digest
config_of() {
  local m
  m=$(jq -r '.manifests[0].digest' "$1/index.json")
  jq -r '.config.digest' "$1/blobs/sha256/${m#sha256:}" | cut -c8-19
}

# -- Path traversal, absolute names, links out of the root, loops, devices.
for ref in "docker-archive:$H/traversal/docker-archive.tar" "oci:$H/traversal/oci"; do
  probe "0|2" "$ref"
  if ((rc == 0)); then
    jq -e '[.packages[].name] == ["strata-hostile"]' "$ST_TMP/out" >/dev/null \
      || fail "$ref: the package of the sane part of the layer is not listed"
    diagnosed "$ref"
  fi
done

# -- A rootfs whose os-release and dpkg status are absolute symlinks: they
# resolve inside the rootfs (os-release -> ID=strata-hostile; status -> itself,
# a loop), never to the host's /etc/os-release or /var/lib/dpkg/status.
probe "0|2" "dir:$H/hostile-rootfs"
if ((rc == 0)); then
  # shellcheck disable=SC1091
  host_id=$(. /etc/os-release && echo "${ID:-}")
  jq -e --arg h "$host_id" '(.os.id // "") != $h or $h == ""' "$ST_TMP/out" >/dev/null \
    || fail "hostile-rootfs: reports the host's OS ($host_id): etc/os-release followed outside the root"
  jq -e '(.os.id // "strata-hostile") == "strata-hostile"' "$ST_TMP/out" >/dev/null \
    || fail "hostile-rootfs: os.id $(jq -c .os.id "$ST_TMP/out"), want strata-hostile (usr/lib/os-release of the rootfs)"
  jq -e '(.packages | length) == 0' "$ST_TMP/out" >/dev/null \
    || fail "hostile-rootfs: lists $(jq '.packages | length' "$ST_TMP/out") packages: var/lib/dpkg/status followed to the host"
fi

# -- A rootfs whose var and usr directories are symlinks out of it: the
# lookups of var/lib/dpkg/status and usr/lib/os-release stay inside (where
# both are loops), never reaching the host's.
probe "0|2" "dir:$H/hostile-rootfs-dirlinks"
if ((rc == 0)); then
  jq -e '(.packages | length) == 0 and (.os.id // "") == ""' "$ST_TMP/out" >/dev/null \
    || fail "hostile-rootfs-dirlinks: os $(jq -c .os "$ST_TMP/out"), $(jq '.packages | length' "$ST_TMP/out") packages: a directory symlink was followed out of the root"
fi

# -- Gzip bomb: a 1 GiB file of zeros in a ~1 MiB layer.
probe "0|2" "oci:$H/bomb/oci"
if ((rc == 0)); then
  diagnosed "bomb"
else
  grep -qiE 'limit|too (large|big)|exceed|ratio' "$ST_TMP/err" || fail "bomb: the error names no limit: $(cat "$ST_TMP/err")"
fi

# -- Layers that end early or lie about sizes (their digests are right).
probe "0|2" "docker-archive:$H/truncated-tar/docker-archive.tar"
((rc == 2)) || diagnosed "truncated-tar"
probe "0|2" "docker-archive:$H/huge-size/docker-archive.tar"
((rc == 2)) || diagnosed "huge-size"

# -- Truncated archives and blobs (the digest no longer matches, or the
# archive ends early).
head -c 60000000 "$F/minbase/docker-archive.tar" >"$ST_TMP/truncated-docker.tar"
probe 2 "docker-archive:$ST_TMP/truncated-docker.tar"
probe 2 "$ST_TMP/truncated-docker.tar"
T=$ST_TMP/truncated-blob-oci
mkdir -p "$T/blobs/sha256"
cp "$F/minbase/oci/index.json" "$F/minbase/oci/oci-layout" "$T/"
man=$(jq -r '.manifests[0].digest' "$T/index.json"); man=${man#sha256:}
cfg=$(jq -r '.config.digest' "$F/minbase/oci/blobs/sha256/$man"); cfg=${cfg#sha256:}
lay=$(jq -r '.layers[0].digest' "$F/minbase/oci/blobs/sha256/$man"); lay=${lay#sha256:}
cp "$F/minbase/oci/blobs/sha256/"{"$man","$cfg"} "$T/blobs/sha256/"
head -c $(($(stat -c %s "$F/minbase/oci/blobs/sha256/$lay") / 2)) \
  "$F/minbase/oci/blobs/sha256/$lay" >"$T/blobs/sha256/$lay"
probe 2 "oci:$T" "${lay:0:12}"

# -- Metadata that is not JSON, too deep, or names things it should not.
probe 2 "docker-archive:$H/bad-manifest/docker-archive.tar" manifest.json
probe 2 "oci:$H/bad-index/oci" index.json
probe 2 "oci:$H/bad-config/oci" "$(config_of "$H/bad-config/oci")"
probe 2 "oci:$H/deep-config/oci" "$(config_of "$H/deep-config/oci")"
probe 2 "oci:$H/unknown-mediatype/oci" application/vnd.strata.test.unknown.layer.v1+bogus
m=$(jq -r '.manifests[0].digest' "$H/missing-blob/oci/index.json")
missing=$(jq -r '.layers[0].digest' "$H/missing-blob/oci/blobs/sha256/${m#sha256:}")
probe 2 "oci:$H/missing-blob/oci" "${missing:7:12}"
probe 2 "oci:$H/evil-digest/oci"
probe 2 "docker-archive:$H/evil-layer-path/docker-archive.tar"

# -- Not archives at all.
probe 2 "$H/not-a-tar.bin"
probe 2 "docker-archive:$H/not-a-tar.bin"
probe 2 "oci-archive:$H/not-a-tar.bin"
probe 2 "docker-archive:$H/empty.tar"
probe 2 "oci-archive:$H/empty.tar"

# -- Nothing escaped: no file carrying the token exists outside $ST_TMP.
# (find exits 1 when another test removes a directory under /tmp while it
# looks: that must not end this script under pipefail; a match still
# prints)
escaped=$({ find /tmp "${TMPDIR:-/tmp}" "$ST_TMP/.." / /etc /root -maxdepth 2 \
  -name "strata-escape-$token*" -not -path "$ST_TMP/*" 2>/dev/null || true; } | sort -u)
[[ -z $escaped ]] || fail "files written outside the scratch space: $escaped"
pass "no file named strata-escape-$token* appeared outside $ST_TMP"
