# registry_client: the OCI distribution client (src/lib/registry) against
# real registries started by tests/fixtures/registry/registry.sh (Debian's
# docker-registry on 127.0.0.1): anonymous pull, streaming and the blob
# cache from an open registry, the insecure rules, Basic auth over TLS with
# a test CA, token auth, and a layer altered in the registry's storage
# after the push. The checks themselves are the cmocka cases of
# tests/unit/registry/test_client_live.c, run here with the environment
# that describes each registry; the oracle is the OCI layout pushed.
command -v docker-registry >/dev/null || skip "docker-registry not installed"
command -v skopeo >/dev/null || skip "skopeo not installed"
REG=$ST_SRC/tests/fixtures/registry/registry.sh
BIN=$ST_BUILD/tests/unit_registry_test_client_live
OCI=$ST_FIXTURES/minbase/oci
REPO=strata-test/minbase
[[ -x $BIN ]] || fail "$BIN is not built"
[[ -f $OCI/index.json ]] || fail "fixture $OCI missing (tests/fixtures/make-images.sh)"

STATES=()
stop_all() { local s; for s in "${STATES[@]}"; do "$REG" stop "$s" >/dev/null 2>&1 || true; done; }
trap 'stop_all; rm -rf "$ST_TMP"' EXIT

# start MODE: a registry holding the fixture; its env is sourced
start() {
  local st=$ST_TMP/$1
  STATES+=("$st")
  REGISTRY_LIFETIME=600 "$REG" start "$1" "$st" 2>>"$ST_TMP/registry.err" ||
    { cat "$ST_TMP/registry.err" >&2; fail "registry.sh start $1"; }
  "$REG" push "$st" "$OCI" "$REPO:latest" || fail "push to the $1 registry"
  # shellcheck disable=SC1091
  source "$st/env"
}

# live MODE N [VAR=value...]: the cmocka cases for MODE, of which exactly
# N must run (the others skip themselves)
live() {
  local mode=$1 want=$2; shift 2
  local out=$ST_TMP/live-$mode.out rc=0
  env ST_TEST_REGISTRY="$REGISTRY" ST_TEST_MODE="$mode" ST_TEST_REPO="$REPO" \
    ST_TEST_TAG=latest ST_TEST_OCI="$OCI" ST_TEST_TMP="$ST_TMP" \
    ST_TEST_CA="$REGISTRY_CA" ST_TEST_USER="$REGISTRY_USER" \
    ST_TEST_PASS="$REGISTRY_PASS" ST_TEST_DOCKER_CONFIG="$REGISTRY_DOCKER_CONFIG" \
    "$@" timeout 300 "$BIN" >"$out" 2>&1 || rc=$?
  if ((rc)); then cat "$out" >&2; fail "live $mode: exit $rc"; fi
  local ran
  ran=$(grep -c '^\[       OK \]' "$out" || true)
  ((ran == want)) || { cat "$out" >&2; fail "live $mode: $ran cases ran, want $want"; }
  pass "live $mode: $ran cases"
}

start open
live open 5

# The blob cache must hold verified blobs only and no temporary files.
[[ -z $(find "$ST_TMP" -path '*/blobs/sha256/*.part*' -print -quit) ]] ||
  fail "temporary cache files left behind"

# Alter the layer in the open registry's storage (same size, one byte
# flipped): the client must refuse it.
LAYER=$(jq -r '.layers[0].digest' "$OCI/blobs/sha256/$(jq -r '.manifests[0].digest' "$OCI/index.json" | cut -d: -f2)")
DATA=$REGISTRY_STORAGE/docker/registry/v2/blobs/sha256/${LAYER:7:2}/${LAYER:7}/data
[[ -f $DATA ]] || fail "layer data not found at $DATA"
python3 - "$DATA" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(1000)
    b = f.read(1)
    f.seek(1000)
    f.write(bytes([b[0] ^ 0x01]))
PY
live tamper 1 ST_TEST_TAMPERED="$LAYER"

start basic-tls
live basic-tls 1

start token
live token 2

# ---- a scripted registry for what a real one does not do on demand ------
# Bearer auth with a token server, a 429 with Retry-After, a redirect of the
# blob to "blob storage" on another host name (localhost instead of
# 127.0.0.1), a body cut in the middle (resumed with Range), a manifest
# whose Docker-Content-Digest lies. Every request is logged; the log is the
# oracle for what the client sent where.
FAKE=$ST_TMP/fake
mkdir -p "$FAKE"
head -c 3000000 /dev/urandom >"$FAKE/blob"
FAKE_DIGEST=sha256:$(sha256sum "$FAKE/blob" | cut -d' ' -f1)
timeout 300 python3 - "$FAKE" <<'PY' 2>"$FAKE/server.err" &
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
d = sys.argv[1]
blob = open(os.path.join(d, "blob"), "rb").read()
import hashlib
digest = "sha256:" + hashlib.sha256(blob).hexdigest()
lock = threading.Lock()
state = {"blob_hits": 0, "storage_hits": 0}
log = open(os.path.join(d, "log"), "a")
TOKEN = "tok-123"
BASIC = "Basic dTpw"  # base64("u:p")

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def entry(self, status, **kw):
        e = {"t": time.time(), "path": self.path, "host": self.headers.get("Host", ""),
             "auth": self.headers.get("Authorization"), "range": self.headers.get("Range"),
             "status": status}
        e.update(kw)
        with lock:
            log.write(json.dumps(e) + "\n"); log.flush()
    def send(self, status, body=b"", headers=()):
        self.entry(status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def challenge(self, scope=None):
        port = self.server.server_address[1]
        v = 'Bearer realm="http://127.0.0.1:%d/token",service="fake"' % port
        if scope:
            v += ',scope="%s"' % scope
        self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"auth"}]}',
                  [("WWW-Authenticate", v), ("Content-Type", "application/json")])
    def do_GET(self):
        p = self.path
        port = self.server.server_address[1]
        if p == "/v2/":
            return self.challenge()
        if p.startswith("/token"):
            if self.headers.get("Authorization") != BASIC:
                return self.send(401, b"{}")
            return self.send(200, json.dumps({"token": TOKEN, "expires_in": 300}).encode(),
                             [("Content-Type", "application/json")])
        if p.startswith("/v2/fake/blob/"):
            if self.headers.get("Authorization") != "Bearer " + TOKEN:
                return self.challenge("repository:fake/blob:pull")
            if p == "/v2/fake/blob/manifests/lying":
                return self.send(200, b'{"schemaVersion":2}', [
                    ("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
                    ("Docker-Content-Digest", "sha256:" + "1" * 64)])
            if p == "/v2/fake/blob/blobs/" + digest:
                with lock:
                    state["blob_hits"] += 1
                    n = state["blob_hits"]
                if n == 1:
                    return self.send(429, b"slow down", [("Retry-After", "1")])
                return self.send(307, b"", [("Location", "http://localhost:%d/storage/%s" % (port, digest))])
            return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}')
        if p == "/storage/" + digest:
            with lock:
                state["storage_hits"] += 1
                n = state["storage_hits"]
            rng = self.headers.get("Range")
            start = 0
            if rng and rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
            if n == 1 and not rng:
                # announce everything, send 1.2 MB, hang up
                self.entry(200, cut=True)
                self.send_response(200)
                self.send_header("Content-Length", str(len(blob)))
                self.end_headers()
                self.wfile.write(blob[:1200000])
                self.wfile.flush()
                self.close_connection = True
                return
            if start:
                body = blob[start:]
                return self.send(206, body, [("Content-Range", "bytes %d-%d/%d" % (start, len(blob) - 1, len(blob)))])
            return self.send(200, blob)
        self.send(404, b"")

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
threading.Timer(240, srv.shutdown).start()
srv.serve_forever()
PY
FAKE_PID=$!
trap 'kill "$FAKE_PID" 2>/dev/null || true; stop_all; rm -rf "$ST_TMP"' EXIT
for _ in $(seq 1 100); do [[ -s $FAKE/port ]] && break; sleep 0.1; done
[[ -s $FAKE/port ]] || { cat "$FAKE/server.err" >&2; fail "the scripted registry did not start"; }
REGISTRY=127.0.0.1:$(cat "$FAKE/port") REGISTRY_CA= REGISTRY_USER=u REGISTRY_PASS=p \
  REGISTRY_DOCKER_CONFIG= live fake 1 ST_TEST_FAKE_BLOB="$FAKE/blob" ST_TEST_FAKE_DIGEST="$FAKE_DIGEST"

# What went where, from the server's log.
python3 - "$FAKE/log" <<'PY' || fail "the scripted registry's log shows a client error"
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
def die(msg):
    print("registry_client fake:", msg, file=sys.stderr)
    for e in log:
        print("  ", e, file=sys.stderr)
    sys.exit(1)
storage = [e for e in log if e["path"].startswith("/storage/")]
blobs = [e for e in log if "/blobs/" in e["path"]]
tokens = [e for e in log if e["path"].startswith("/token")]
if not storage:
    die("no request reached blob storage")
if any(e["auth"] for e in storage):
    die("an Authorization header went to blob storage on another host")
if not all(e["host"].startswith("localhost:") for e in storage):
    die("storage requests not on the redirect's host")
if not tokens or any(e["auth"] != "Basic dTpw" for e in tokens):
    die("token requests without the Basic credentials")
if "scope=repository%3Afake%2Fblob%3Apull" not in tokens[-1]["path"]:
    die("token request without the pull scope")
authed = [e for e in blobs if e["auth"] == "Bearer tok-123"]
i429 = [i for i, e in enumerate(authed) if e["status"] == 429]
if not i429 or i429[0] + 1 >= len(authed):
    die("no 429 answered, or no retry after it")
if authed[i429[0] + 1]["t"] - authed[i429[0]]["t"] < 0.9:
    die("Retry-After: 1 was not honoured")
if not any(e.get("cut") for e in storage):
    die("the body was never cut")
if not any(e["range"] == "bytes=1200000-" and e["status"] == 206 for e in storage):
    die("the cut body was not resumed from byte 1200000")
print("fake registry log: %d requests, %d to storage, none with credentials" % (len(log), len(storage)))
PY
pass "scripted registry: token, 429 + Retry-After, redirect without credentials, resume"
