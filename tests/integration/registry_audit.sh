# shellcheck shell=bash
# registry_audit.sh — `strata registry audit` against real registries
# (Debian's docker-registry, started by tests/fixtures/registry/registry.sh;
# tiny OCI images made here and pushed by skopeo):
#  1. open registry (plain http, delete API on): plain HTTP, no TLS, the
#     anonymous catalog (naming both repositories), anonymous pull and the
#     delete API FAIL; push is SKIP without --active; the first audit
#     records a baseline; nothing in the registry's storage changed and the
#     only DELETE the registry saw named the digest of 64 zeros;
#     --exit-code; table, JSON (jq), SARIF (OASIS schema, when node is
#     there) and JUnit (xmllint);
#  2. --active: anonymous push FAILs, the upload is cancelled (the log
#     shows POST 202 and DELETE 204) and no upload is left in the storage's
#     _uploads directories;
#  3. a tag pushed over with another image is reported with its old and new
#     digests (those of the OCI layouts); the next audit passes; the state
#     DB holds the new digest;
#  4. --scan with a DB made from tests/data/osv: the image holding lodash
#     4.17.11 (GHSA-jf85-cpcp-j695, critical) is named, the clean one not;
#     --scan without a DB is an error;
#  5. basic auth behind TLS (delete off), credentials from a docker config:
#     plain HTTP, catalog, pull, delete PASS; TLS 1.2+ PASS; the 1-day test
#     certificate is a WARN within the default 30 days and a PASS with
#     --cert-warn-days 0; without the CA the certificate FAILs and the
#     credentials are not used; --active push PASS;
#  6. token auth (the token server lets anonymous pull): catalog PASS
#     (anonymous tokens get no catalog scope), pull FAIL, delete FAIL with
#     the test user's credentials;
#  7. a server that speaks only TLS 1.1 (openssl s_server) fails the TLS
#     check;
#  8. errors: nothing listening, a bad URL, an unwritable state DB, an
#     option of the other subcommand: exit 2 with one line;
#  9. a hostile registry (a small Python server): repository names and tags
#     with "..", '?', upper case or spaces are never put in a request path,
#     and an upload Location on another host is never followed (the upload
#     is reported as not cancelled).
# Needs docker-registry, skopeo, jq, curl, openssl, htpasswd, python3
# (scripts/setup.sh). Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD,
# ST_TMP, fail/pass/skip/expect_exit.

for t in docker-registry skopeo jq curl openssl htpasswd gzip sha256sum; do
  command -v $t >/dev/null || skip "registry_audit: $t missing (scripts/setup.sh installs it)"
done
RS=$ST_SRC/tests/fixtures/registry
ZERO=sha256:0000000000000000000000000000000000000000000000000000000000000000

REGS=()
PIDS=()
stop_all() {
  local d p
  for d in "${REGS[@]}"; do "$RS/registry.sh" stop "$d" >/dev/null 2>&1 || true; done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
# run-one.sh removes ST_TMP on exit; the servers go first.
trap 'stop_all; rm -rf "$ST_TMP"' EXIT

start() { # MODE NAME [ENV=VALUE...]: a registry in $ST_TMP/NAME
  local mode=$1 name=$2; shift 2
  REGS+=("$ST_TMP/$name")
  env "$@" "$RS/registry.sh" start "$mode" "$ST_TMP/$name" >"$ST_TMP/start-$name.log" 2>&1 ||
    { cat "$ST_TMP/start-$name.log" >&2; fail "registry.sh start $mode"; }
}
var() { (source "$ST_TMP/$1/env" && printf '%s' "${!2}"); }
push() { # NAME OCI_DIR REPO:TAG
  "$RS/registry.sh" push "$ST_TMP/$1" "$2" "$3" >"$ST_TMP/push.log" 2>&1 ||
    { cat "$ST_TMP/push.log" >&2; fail "push $2 to $1/$3"; }
}

# mkimage SRC_DIR OUT: an OCI layout (one image, ref name "latest") with one
# gzip layer holding SRC_DIR; reproducible.
mkimage() {
  local src=$1 out=$2 b diff ldig lsize cdig csize mdig msize
  b=$out/blobs/sha256
  mkdir -p "$b"
  tar --sort=name --mtime=@1704067200 --owner=0 --group=0 --numeric-owner \
    -C "$src" -cf "$out/layer.tar" .
  diff=$(sha256sum <"$out/layer.tar" | cut -d' ' -f1)
  gzip -n -c "$out/layer.tar" >"$out/layer.tgz"
  rm "$out/layer.tar"
  ldig=$(sha256sum <"$out/layer.tgz" | cut -d' ' -f1)
  lsize=$(stat -c %s "$out/layer.tgz")
  mv "$out/layer.tgz" "$b/$ldig"
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff" >"$out/config"
  cdig=$(sha256sum <"$out/config" | cut -d' ' -f1)
  csize=$(stat -c %s "$out/config")
  mv "$out/config" "$b/$cdig"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$cdig" "$csize" "$ldig" "$lsize" >"$out/manifest"
  mdig=$(sha256sum <"$out/manifest" | cut -d' ' -f1)
  msize=$(stat -c %s "$out/manifest")
  mv "$out/manifest" "$b/$mdig"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$mdig" "$msize" >"$out/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
}
digest_of() { jq -r '.manifests[0].digest' "$1/index.json"; }

# status JSON ID: the status of one check
status() { jq -r --arg id "$2" '.checks[] | select(.id == $id) | .status' "$1"; }
evidence() { jq -r --arg id "$2" '.checks[] | select(.id == $id) | .evidence' "$1"; }
want() { # JSON ID STATUS [EVIDENCE-REGEX]
  local s e
  s=$(status "$1" "$2")
  e=$(evidence "$1" "$2")
  [[ $s == "$3" ]] || fail "$2: $s, want $3 ($e)"
  [[ -z ${4:-} || $e =~ $4 ]] || fail "$2: evidence \"$e\" does not match /$4/"
}
audit() { # OUT ARGS...: strata registry audit --format json, exit 0
  local out=$1; shift
  expect_exit 0 "$STRATA" registry audit --format json "$@"
  jq -e '.kind == "registry-audit" and (.checks | length) == 9' "$ST_TMP/out" >/dev/null ||
    { cat "$ST_TMP/out" >&2; fail "not a registry audit report"; }
  cp "$ST_TMP/out" "$out"
}
# Everything in a registry's storage but the upload scratch space.
storage_sum() {
  (cd "$1" && find . -type f ! -path '*/_uploads/*' -print0 | sort -z | xargs -0 sha256sum)
}

# No credentials from the machine's own docker config.
mkdir -p "$ST_TMP/no-docker"
export DOCKER_CONFIG=$ST_TMP/no-docker
unset STRATA_REGISTRY_USERNAME STRATA_REGISTRY_PASSWORD

# The images: "clean" (a text file), "vuln" (an npm lockfile with lodash
# 4.17.11, critical in tests/data/osv/npm), "other" (another text file).
mkdir -p "$ST_TMP/src/clean/app" "$ST_TMP/src/vuln/app" "$ST_TMP/src/other/etc"
echo "clean image" >"$ST_TMP/src/clean/app/README"
echo "other image" >"$ST_TMP/src/other/etc/motd"
cat >"$ST_TMP/src/vuln/app/package-lock.json" <<'EOF'
{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 1,
  "requires": true,
  "dependencies": {
    "lodash": {
      "version": "4.17.11",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.11.tgz",
      "integrity": "sha512-cQKh8igo5QUhZ7lg38DYWAxMvjSAKG0A8wGSVimP07SIUEK2UO+arSRKbRZWtelMtN5V0Hkwh5ryOto/SshYIg=="
    }
  }
}
EOF
for i in clean vuln other; do mkimage "$ST_TMP/src/$i" "$ST_TMP/img/$i"; done
D_CLEAN=$(digest_of "$ST_TMP/img/clean")
D_VULN=$(digest_of "$ST_TMP/img/vuln")
[[ $D_CLEAN != "$D_VULN" ]] || fail "the two images have one digest"

# ---- 1. an open registry ------------------------------------------------------
start open open
REG=$(var open REGISTRY)
STORE=$(var open REGISTRY_STORAGE)
LOG=$(var open REGISTRY_LOG)
push open "$ST_TMP/img/clean" team/app:1.0
push open "$ST_TMP/img/other" base:latest
storage_sum "$STORE" >"$ST_TMP/store.before"
logged=$(wc -l <"$LOG")
STATE=$ST_TMP/state.db
audit "$ST_TMP/open1.json" --state-db "$STATE" "$REG"
J=$ST_TMP/open1.json
want "$J" registry-plain-http FAIL "http://$REG/v2/ answered 200"
want "$J" registry-tls-version FAIL "no TLS"
want "$J" registry-tls-certificate SKIP
want "$J" registry-anonymous-catalog FAIL "2 repositories: (base, team/app|team/app, base)"
want "$J" registry-anonymous-pull FAIL "^2 of 2 images pulled without credentials"
want "$J" registry-anonymous-push SKIP "--active"
want "$J" registry-delete-enabled FAIL "DELETE /v2/[a-z/]+/manifests/$ZERO: 404"
want "$J" registry-moved-tags INFO "first audit of $REG: baseline of 2 tags in 2 repositories"
want "$J" registry-critical-images SKIP "2 images not scanned: run with --scan"
jq -e '.summary == {"pass":0,"fail":5,"warn":0,"info":1,"skip":3}' "$J" >/dev/null ||
  fail "open: summary $(jq -c .summary "$J")"
storage_sum "$STORE" >"$ST_TMP/store.after"
same_files "$ST_TMP/store.before" "$ST_TMP/store.after"
tail -n +$((logged + 1)) "$LOG" >"$ST_TMP/audit.log"
dels=$(grep -o '"DELETE [^"]*' "$ST_TMP/audit.log" || true)
[[ -n $dels ]] || fail "the registry's log shows no DELETE (access log missing?)"
if grep -v "manifests/$ZERO" <<<"$dels" | grep -q .; then
  fail "a DELETE named something other than the zero digest: $dels"
fi
grep -qE '"(POST|PUT|PATCH) ' "$ST_TMP/audit.log" && fail "a write without --active"
pass "open registry: plain HTTP, catalog, pull, delete FAIL; storage untouched; only the zero digest deleted"

# The default state DB: registry-state.db in the DB directory, made private.
STRATA_DB=$ST_TMP/cache/strata audit "$ST_TMP/default.json" "$REG"
[[ $(stat -c %a "$ST_TMP/cache/strata/registry-state.db") == 600 &&
   $(stat -c %a "$ST_TMP/cache/strata") == 700 ]] || fail "default state DB: modes"
want "$ST_TMP/default.json" registry-moved-tags INFO "recorded in $ST_TMP/cache/strata/registry-state.db$"
pass "default state DB in \$STRATA_DB, 0600 in a 0700 directory"

expect_exit 3 "$STRATA" registry audit --exit-code 3 --state-db "$STATE" "http://$REG"
grep -q '^\[FAIL\] HIGH     registry-plain-http: ' "$ST_TMP/out" || { cat "$ST_TMP/out" >&2; fail "table: plain-http line"; }
grep -qE "^9 checks: 1 pass, 5 fail, 0 warn, 0 info, 3 skipped" "$ST_TMP/out" ||
  { cat "$ST_TMP/out" >&2; fail "table: summary line"; }
expect_exit 0 "$STRATA" registry audit -f sarif -o "$ST_TMP/open.sarif" --state-db "$STATE" "$REG"
[[ ! -s $ST_TMP/out ]] || fail "-o: the report went to stdout too"
[[ $(jq '.runs[0].results | length' "$ST_TMP/open.sarif") == 5 ]] || fail "sarif: one result per FAIL"
jq -e '.runs[0].results[] | select(.ruleId == "registry-delete-enabled")' "$ST_TMP/open.sarif" >/dev/null ||
  fail "sarif: no registry-delete-enabled result"
expect_exit 0 "$STRATA" registry audit -f junit -o "$ST_TMP/open.xml" --state-db "$STATE" "$REG"
if command -v xmllint >/dev/null; then
  xmllint --noout "$ST_TMP/open.xml" || fail "junit: not well-formed"
  [[ $(xmllint --xpath 'count(//testcase)' "$ST_TMP/open.xml") == 9 ]] || fail "junit: one testcase per check"
  [[ $(xmllint --xpath 'count(//testcase/failure)' "$ST_TMP/open.xml") == 5 ]] || fail "junit: one failure per FAIL"
fi
if command -v node >/dev/null && "$ST_SRC/scripts/install-validators.sh" "$ST_BUILD/tools" >/dev/null 2>&1; then
  node "$ST_SRC/tests/schemas/validate.js" "$ST_BUILD/tools" sarif-2.1.0 "$ST_TMP/open.sarif" >"$ST_TMP/v.out" 2>&1 ||
    { cat "$ST_TMP/v.out" >&2; fail "not valid SARIF 2.1.0"; }
  jq '.runs[0].results[0].level = "fatal"' "$ST_TMP/open.sarif" >"$ST_TMP/bad.sarif"
  node "$ST_SRC/tests/schemas/validate.js" "$ST_BUILD/tools" sarif-2.1.0 "$ST_TMP/bad.sarif" >/dev/null 2>&1 &&
    fail "the validator accepted an invalid SARIF log"
  pass "formats: table, --exit-code, JSON, JUnit, SARIF valid against the 2.1.0 schema"
else
  echo "note: no node or validators: SARIF schema not checked" >&2
  pass "formats: table, --exit-code, JSON, JUnit"
fi

# ---- 2. --active ----------------------------------------------------------------
audit "$ST_TMP/active.json" --active --state-db "$STATE" "$REG"
want "$ST_TMP/active.json" registry-anonymous-push FAIL \
  "POST /v2/strata-audit-probe/blobs/uploads/: 202 Accepted: anyone can push; the test upload was cancelled at once \(DELETE: 204 No Content\); no blob was stored"
# No upload is left: an upload lives in _uploads/<uuid>/ as its data and
# startedat files. (distribution 2.x writes the hash state of a cancelled
# upload once more after removing it, so hashstates/sha256/0 stays: the
# registry's own leftover, not an upload; docs/registry-audit.md.)
left=$(find "$STORE" -path '*/_uploads/*' \( -name data -o -name startedat \) | head -5)
[[ -z $left ]] || fail "an upload was left behind: $left"
grep -q '"POST /v2/strata-audit-probe/blobs/uploads/ HTTP/1.1" 202' "$LOG" || fail "the log shows no POST 202"
loc=$(grep -oE '"DELETE /v2/strata-audit-probe/blobs/uploads/[0-9a-f-]+\?[^ "]*' "$LOG" | tail -1 | cut -d' ' -f2)
[[ -n $loc ]] || fail "the log shows no DELETE of the upload"
grep -qF "\"DELETE $loc HTTP/1.1\" 204" "$LOG" || fail "cancelling the upload was not 204"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$REG$loc") == 404 ]] ||
  fail "the cancelled upload still answers"
storage_sum "$STORE" >"$ST_TMP/store.after"
same_files "$ST_TMP/store.before" "$ST_TMP/store.after"
want "$ST_TMP/active.json" registry-moved-tags PASS "^2 tags in 2 repositories unchanged since the audit of"
pass "--active: anonymous push FAILs, its upload cancelled, nothing left in _uploads"

# ---- 3. a moved tag ----------------------------------------------------------------
push open "$ST_TMP/img/vuln" team/app:1.0
audit "$ST_TMP/moved.json" --state-db "$STATE" "$REG"
want "$ST_TMP/moved.json" registry-moved-tags FAIL \
  "^1 tag moved since the audit of .*: team/app:1.0 $D_CLEAN -> $D_VULN \(since "
audit "$ST_TMP/moved2.json" --state-db "$STATE" "$REG"
want "$ST_TMP/moved2.json" registry-moved-tags PASS "^2 tags in 2 repositories unchanged .* \(0 new\)"
if command -v sqlite3 >/dev/null; then
  row=$(sqlite3 "$STATE" "SELECT repository || ' ' || tag || ' ' || digest FROM tags WHERE registry = '$REG' ORDER BY 1")
  [[ $row == "base latest $(digest_of "$ST_TMP/img/other")"$'\n'"team/app 1.0 $D_VULN" ]] ||
    fail "state DB rows: $row"
  [[ $(sqlite3 "$STATE" 'PRAGMA user_version') == 1 && $(sqlite3 "$STATE" 'PRAGMA journal_mode') == wal ]] ||
    fail "state DB: schema version or journal mode"
fi
pass "moved tag reported with both digests ($D_CLEAN -> $D_VULN); the next audit passes"

# ---- 4. --scan ---------------------------------------------------------------------
expect_exit 2 "$STRATA" registry audit --scan --db "$ST_TMP/no-db" --state-db "$STATE" "$REG"
[[ $(wc -l <"$ST_TMP/err") == 1 && ! -s $ST_TMP/out ]] || fail "--scan without a DB: $(cat "$ST_TMP/err")"
expect_exit 0 "$STRATA" db update -q --from "$ST_SRC/tests/data/osv" --db "$ST_TMP/db"
audit "$ST_TMP/scan.json" --scan --db "$ST_TMP/db" --insecure-registry "$REG" --state-db "$STATE" "$REG"
want "$ST_TMP/scan.json" registry-critical-images FAIL \
  "^1 of 2 images scanned has critical findings: $REG/team/app:1.0 \([1-9][0-9]* critical"
evidence "$ST_TMP/scan.json" registry-critical-images | grep -q base && fail "the clean image is named"
pass "--scan: the image with a critical finding is named, the clean one not"

# ---- 5. basic auth behind TLS, delete off ----------------------------------------
start basic-tls tls REGISTRY_DELETE=false
TREG=$(var tls REGISTRY)
CA=$(var tls REGISTRY_CA)
push tls "$ST_TMP/img/clean" team/app:1.0
TSTATE=$ST_TMP/tls-state.db
DOCKER_CONFIG=$(var tls REGISTRY_DOCKER_CONFIG) \
  audit "$ST_TMP/tls.json" --registry-ca "$CA" --active --state-db "$TSTATE" "https://$TREG"
J=$ST_TMP/tls.json
want "$J" registry-plain-http PASS "http://$TREG/v2/ answered 400"
want "$J" registry-tls-version PASS "^negotiated TLSv1\.[23]; a handshake offering only TLS 1.0 and 1.1 was refused"
want "$J" registry-tls-certificate WARN "^verified with the CA given, but expires on .* \(in [01] days?; warning within 30\)"
want "$J" registry-anonymous-catalog PASS "401"
want "$J" registry-anonymous-pull PASS "anonymous GET /v2/team/app/manifests/1.0: 401 Unauthorized \(repositories from the catalog, read with credentials\)"
want "$J" registry-anonymous-push PASS "401"
want "$J" registry-delete-enabled PASS "with credentials: 405 UNSUPPORTED: deletion is disabled"
want "$J" registry-moved-tags INFO "baseline of 1 tag in 1 repository"
DOCKER_CONFIG=$(var tls REGISTRY_DOCKER_CONFIG) \
  audit "$ST_TMP/tls0.json" --registry-ca "$CA" --cert-warn-days 0 --state-db "$TSTATE" "$TREG"
want "$ST_TMP/tls0.json" registry-tls-certificate PASS "^verified with the CA given; valid until"
# The same credentials given on the command line.
printf '%s\n' "$(var tls REGISTRY_PASS)" >"$ST_TMP/pw"
expect_exit 0 "$STRATA" registry audit --format json --registry-ca "$CA" --state-db "$TSTATE" \
  -u "$(var tls REGISTRY_USER)" --password-stdin "$TREG" <"$ST_TMP/pw"
want "$ST_TMP/out" registry-delete-enabled PASS "with credentials: 405"
grep -qF "$(var tls REGISTRY_PASS)" "$ST_TMP/out" "$ST_TMP/err" && fail "the password shows in the output"
# Without the CA: the certificate fails and the credentials stay home.
DOCKER_CONFIG=$(var tls REGISTRY_DOCKER_CONFIG) \
  audit "$ST_TMP/noca.json" --state-db "$TSTATE" "$TREG"
want "$ST_TMP/noca.json" registry-tls-certificate FAIL "verification fails: .*certificate"
want "$ST_TMP/noca.json" registry-anonymous-catalog PASS "401"
want "$ST_TMP/noca.json" registry-anonymous-pull SKIP "credentials not used: the TLS certificate did not verify"
pass "basic auth + TLS: transport and access control PASS; certificate WARN/PASS/FAIL as it should"

# ---- 6. token auth ---------------------------------------------------------------------
start token tok
KREG=$(var tok REGISTRY)
push tok "$ST_TMP/img/clean" team/app:1.0
DOCKER_CONFIG=$(var tok REGISTRY_DOCKER_CONFIG) \
  audit "$ST_TMP/tok.json" --active --insecure-registry "$KREG" --state-db "$ST_TMP/tok-state.db" "$KREG"
J=$ST_TMP/tok.json
want "$J" registry-anonymous-catalog PASS "401"
want "$J" registry-anonymous-pull FAIL "GET /v2/team/app/manifests/1.0: 200 OK"
want "$J" registry-delete-enabled FAIL "anonymous: 401"
want "$J" registry-anonymous-push PASS "POST /v2/strata-audit-probe/blobs/uploads/: 401 Unauthorized"
want "$J" registry-plain-http FAIL
pass "token auth: anonymous pull FAILs, catalog and push PASS, delete enabled for the user FAILs"

# ---- 7. a server stuck at TLS 1.1 ----------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ST_TMP/old.key" -out "$ST_TMP/old.pem" \
  -days 1 -subj /CN=127.0.0.1 2>/dev/null
timeout 120 openssl s_server -accept "127.0.0.1:$port" -cert "$ST_TMP/old.pem" -key "$ST_TMP/old.key" \
  -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -www -quiet >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
audit "$ST_TMP/old.json" --state-db "$ST_TMP/old-state.db" "127.0.0.1:$port"
want "$ST_TMP/old.json" registry-tls-version FAIL "a client offering only TLS 1.0 and 1.1 was answered"
pass "a TLS 1.1 server fails the TLS check"

# ---- 8. errors -----------------------------------------------------------------------------
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_exit 2 "$STRATA" registry audit --state-db "$ST_TMP/e.db" "127.0.0.1:$dead"
grep -q "^strata: registry audit: 127.0.0.1:$dead: no registry answers" "$ST_TMP/err" || fail "unreachable: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" registry audit --state-db "$ST_TMP/e.db" "ftp://$REG"
expect_exit 2 "$STRATA" registry audit --state-db "$ST_TMP/e.db" "user:pw@$REG"
grep -q "credentials in the registry address are refused" "$ST_TMP/err" || fail "userinfo: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" registry audit --state-db "$ST_TMP/no/such/dir/s.db" "$REG"
grep -q "registry audit state: .*no/such/dir/s.db: No such file or directory" "$ST_TMP/err" ||
  fail "unwritable state DB: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" registry audit --password x "$REG"
expect_exit 2 "$STRATA" registry audit "$REG" "$REG"
expect_exit 2 "$STRATA" registry frobnicate "$REG"
for f in "$ST_TMP"/err; do [[ $(wc -l <"$f") == 1 ]] || fail "error not on one line: $(cat "$f")"; done
pass "errors: exit 2 with one line"

# ---- 9. a hostile registry -------------------------------------------------------------------
cat >"$ST_TMP/hostile.py" <<'EOF'
import hashlib, http.server, json, sys
log = open(sys.argv[2], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def any(self):
        log.write(self.command + " " + self.path + "\n")
        p = self.path.split("?")[0]
        if p == "/v2/":
            return self.reply(200, b"{}")
        if p == "/v2/_catalog":
            names = ["../../etc/passwd", "good/repo", "a/../../b", "UPPER/x",
                     "x?y=1", "sp ace", "good/../../z", ".hidden/x"]
            return self.reply(200, json.dumps({"repositories": names}).encode())
        if p == "/v2/good/repo/tags/list":
            tags = ["v1", "../../../etc", "bad tag", "-x", "a" * 200]
            return self.reply(200, json.dumps({"name": "good/repo", "tags": tags}).encode())
        if p == "/v2/good/repo/manifests/v1":
            body = b'{"schemaVersion":2}'
            d = "sha256:" + hashlib.sha256(body).hexdigest()
            return self.reply(200, body, [("Docker-Content-Digest", d),
                ("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
        if self.command == "POST" and p.endswith("/blobs/uploads/"):
            return self.reply(202, b"", [("Location",
                "http://evil.example:1/v2/strata-audit-probe/blobs/uploads/x")])
        return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
    do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = do_PATCH = any
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
timeout 120 python3 "$ST_TMP/hostile.py" "$ST_TMP/hostile.port" "$ST_TMP/hostile.log" &
PIDS+=($!)
for _ in $(seq 50); do [[ -s $ST_TMP/hostile.port ]] && break; sleep 0.1; done
HREG=127.0.0.1:$(cat "$ST_TMP/hostile.port")
audit "$ST_TMP/hostile.json" --active --state-db "$ST_TMP/h.db" "$HREG"
J=$ST_TMP/hostile.json
want "$J" registry-anonymous-catalog FAIL "^anonymous GET /v2/_catalog: 200 OK, 1 repository: good/repo$"
want "$J" registry-anonymous-push FAIL \
  "could not be cancelled \(Location http://evil.example:1/[^ ]* is not an upload of this registry\)"
want "$J" registry-moved-tags INFO "baseline of 1 tag in 1 repository"
bad=$(grep -E '\.\.|UPPER|sp ace|hidden|x\?y|evil|/etc|bad|aaaa' "$ST_TMP/hostile.log" || true)
[[ -z $bad ]] || fail "hostile names reached a request: $bad"
grep -q "^DELETE /v2/good/repo/manifests/$ZERO$" "$ST_TMP/hostile.log" || fail "no delete probe on good/repo"
[[ $(grep -c '^DELETE' "$ST_TMP/hostile.log") == 1 ]] ||
  fail "more than one DELETE: $(grep '^DELETE' "$ST_TMP/hostile.log")"
pass "hostile registry: bad names and tags never reach a request; a foreign Location is not followed"
