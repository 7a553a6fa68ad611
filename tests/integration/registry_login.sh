# shellcheck shell=bash
# registry_login.sh — `strata registry login` against real registries
# (tests/fixtures/registry/registry.sh): basic auth behind TLS and token
# auth.
#  1. the right credentials (--password-stdin) are stored in a fresh
#     DOCKER_CONFIG: config.json mode 0600 in a 0700 directory, auths
#     keyed "127.0.0.1:PORT" with base64 "user:password"; the password is
#     never printed; the stored credentials then serve `registry audit`
#     (the catalog is read with them);
#  2. a login into an existing config keeps its other keys and entries;
#  3. a wrong password, an unknown user, a missing CA: exit 2, one line,
#     nothing stored (no file created, an existing file byte-identical);
#  4. token auth: the right credentials work (the token server saw them),
#     a wrong password is exit 2;
#  5. the password on the command line only with --password (a warning);
#     -p, credentials in the address, no --username without a terminal,
#     --password-stdin with nothing on stdin: exit 2.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip/expect_exit.

for t in docker-registry skopeo jq curl openssl htpasswd base64; do
  command -v $t >/dev/null || skip "registry_login: $t missing (scripts/setup.sh installs it)"
done
RS=$ST_SRC/tests/fixtures/registry

REGS=()
stop_all() {
  local d
  for d in "${REGS[@]}"; do "$RS/registry.sh" stop "$d" >/dev/null 2>&1 || true; done
}
trap 'stop_all; rm -rf "$ST_TMP"' EXIT
start() { # MODE NAME
  REGS+=("$ST_TMP/$2")
  "$RS/registry.sh" start "$1" "$ST_TMP/$2" >"$ST_TMP/start-$2.log" 2>&1 ||
    { cat "$ST_TMP/start-$2.log" >&2; fail "registry.sh start $1"; }
}
var() { (source "$ST_TMP/$1/env" && printf '%s' "${!2}"); }
unset STRATA_REGISTRY_USERNAME STRATA_REGISTRY_PASSWORD
one_line() { [[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "stderr is not one line: $(cat "$ST_TMP/err")"; }
no_secret() { # PASSWORD: it appears in no output
  ! grep -qF -- "$1" "$ST_TMP/out" "$ST_TMP/err" || fail "the password was printed"
}

# ---- 1. basic auth behind TLS ----------------------------------------------------
start basic-tls tls
REG=$(var tls REGISTRY)
CA=$(var tls REGISTRY_CA)
USER_=$(var tls REGISTRY_USER)
PASS=$(var tls REGISTRY_PASS)
export DOCKER_CONFIG=$ST_TMP/dc1/docker # not there yet: made by the login
expect_exit 0 "$STRATA" registry login -u "$USER_" --password-stdin --registry-ca "$CA" "$REG" \
  <<<"$PASS"
no_secret "$PASS"
grep -q "Login Succeeded" "$ST_TMP/out" || fail "no success message: $(cat "$ST_TMP/out")"
cfg=$DOCKER_CONFIG/config.json
[[ $(stat -c %a "$cfg") == 600 ]] || fail "config.json mode $(stat -c %a "$cfg")"
[[ $(stat -c %a "$DOCKER_CONFIG") == 700 ]] || fail "config directory mode $(stat -c %a "$DOCKER_CONFIG")"
got=$(jq -r --arg r "$REG" '.auths[$r].auth' "$cfg" | base64 -d)
[[ $got == "$USER_:$PASS" ]] || fail "stored auth is not base64 user:password"
[[ $(jq '.auths | length' "$cfg") == 1 ]] || fail "auths: $(jq -c '.auths | keys' "$cfg")"
# docker's reading of the file agrees: skopeo gets past authentication
# with it (to "manifest unknown": the registry is empty).
skopeo inspect --cert-dir "$(var tls REGISTRY_CERT_DIR)" --authfile "$cfg" \
  "docker://$REG/nothing/here:latest" >/dev/null 2>"$ST_TMP/sk.err" || true
grep -qi "manifest unknown" "$ST_TMP/sk.err" ||
  fail "skopeo with the stored credentials: $(cat "$ST_TMP/sk.err")"
# The stored credentials serve the audit (the delete probe, refused
# anonymously, is tried again with them).
expect_exit 0 "$STRATA" registry audit -f json --registry-ca "$CA" --state-db "$ST_TMP/s.db" "$REG"
jq -e '.checks[] | select(.id == "registry-delete-enabled") | .evidence | test("with credentials")' \
  "$ST_TMP/out" >/dev/null || fail "the audit did not use the stored credentials"
pass "basic+TLS: credentials checked and stored (0600, base64 user:password), then used"

# ---- 2. an existing config keeps everything else ---------------------------------------
export DOCKER_CONFIG=$ST_TMP/dc2
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"other.example:5000":{"auth":"b3RoZXI6c2VjcmV0"}},"HttpHeaders":{"X-Test":"1"}}\n' \
  >"$DOCKER_CONFIG/config.json"
expect_exit 0 "$STRATA" registry login -u "$USER_" --password-stdin --registry-ca "$CA" "https://$REG/" \
  <<<"$PASS"
jq -e --arg r "$REG" '.auths["other.example:5000"].auth == "b3RoZXI6c2VjcmV0" and
    .HttpHeaders["X-Test"] == "1" and (.auths[$r].auth | length) > 0 and (.auths | length) == 2' \
  "$DOCKER_CONFIG/config.json" >/dev/null || fail "existing config: $(cat "$DOCKER_CONFIG/config.json")"
pass "login into an existing config keeps its other keys"

# ---- 3. refused: nothing stored ----------------------------------------------------------
cp "$DOCKER_CONFIG/config.json" "$ST_TMP/before.json"
refused() { # WHAT REGEX ARGS... (password on stdin: wrong)
  local what=$1 re=$2; shift 2
  expect_exit 2 "$STRATA" registry login "$@" <<<"wrong-$PASS"
  one_line
  grep -qE "$re" "$ST_TMP/err" || fail "$what: $(cat "$ST_TMP/err")"
  cmp -s "$ST_TMP/before.json" "$DOCKER_CONFIG/config.json" || fail "$what: the config changed"
}
refused "wrong password" "^strata: $REG: login failed: /v2/ answered 401 \(credentials refused\)" \
  -u "$USER_" --password-stdin --registry-ca "$CA" "$REG"
no_secret "wrong-$PASS"
refused "unknown user" "login failed: /v2/ answered 401" -u nobody --password-stdin --registry-ca "$CA" "$REG"
refused "no CA" "login failed: .*certificate" -u "$USER_" --password-stdin "$REG"
export DOCKER_CONFIG=$ST_TMP/dc3
expect_exit 2 "$STRATA" registry login -u "$USER_" --password-stdin --registry-ca "$CA" "$REG" <<<"wrong"
[[ ! -e $DOCKER_CONFIG ]] || fail "a refused login created $DOCKER_CONFIG"
pass "wrong password, unknown user, unverified TLS: exit 2, one line, nothing stored"

# ---- 4. token auth ----------------------------------------------------------------------
start token tok
TREG=$(var tok REGISTRY)
TPASS=$(var tok REGISTRY_PASS)
export DOCKER_CONFIG=$ST_TMP/dc4
expect_exit 0 "$STRATA" registry login -u "$(var tok REGISTRY_USER)" --password-stdin \
  --insecure-registry "$TREG" "$TREG" <<<"$TPASS"
no_secret "$TPASS"
[[ $(jq -r --arg r "$TREG" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d) == \
   "$(var tok REGISTRY_USER):$TPASS" ]] || fail "token: stored credentials"
grep -q 'GET /token' "$ST_TMP/tok/token.log" || fail "token: the token server was never asked"
cp "$DOCKER_CONFIG/config.json" "$ST_TMP/before.json"
refused "token: wrong password" "login failed: /v2/ answered 401" \
  -u "$(var tok REGISTRY_USER)" --password-stdin --insecure-registry "$TREG" "$TREG"
pass "token auth: right credentials stored, wrong ones refused"

# ---- 5. how the password may come --------------------------------------------------------
export DOCKER_CONFIG=$ST_TMP/dc5
expect_exit 0 "$STRATA" registry login -u "$USER_" --password "$PASS" --registry-ca "$CA" "$REG" </dev/null
grep -q "WARNING! Using --password via the CLI is insecure. Use --password-stdin." "$ST_TMP/err" ||
  fail "--password: no warning"
no_secret "$PASS"
expect_exit 2 "$STRATA" registry login -u "$USER_" -p "$PASS" --registry-ca "$CA" "$REG" </dev/null
one_line
expect_exit 2 "$STRATA" registry login --password-stdin --registry-ca "$CA" "$USER_:$PASS@$REG" <<<"$PASS"
grep -q "credentials in the registry address are refused" "$ST_TMP/err" || fail "user:pass@host: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" registry login --password-stdin --registry-ca "$CA" "$REG" <<<"$PASS"
grep -q -- "--username is required" "$ST_TMP/err" || fail "no user: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" registry login -u "$USER_" --password-stdin --registry-ca "$CA" "$REG" </dev/null
grep -q "nothing on stdin" "$ST_TMP/err" || fail "empty stdin: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" registry login -u "$USER_" --registry-ca "$CA" "$REG" </dev/null
grep -q "no password (use --password-stdin)" "$ST_TMP/err" || fail "no password: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" registry login -u "$USER_" --password x --password-stdin "$REG" </dev/null
expect_exit 2 "$STRATA" registry login --active "$REG" </dev/null
grep -q -- "--active is not an option of this command" "$ST_TMP/err" || fail "--active on login: $(cat "$ST_TMP/err")"
pass "--password warns; -p, user:pass@host, missing user or password: exit 2"
