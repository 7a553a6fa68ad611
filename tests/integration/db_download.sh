# shellcheck shell=bash
# db_download.sh — `strata db update --from http://…` downloads through
# vulndb/fetch against the local test server (tests/fixtures/http-server.py)
# serving tests/data/osv: a first download, a conditional re-download that
# the server answers 304, retries after 503s, and a 404 that fails with the
# URL and status and leaves the live DB working.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/skip/pass/expect_exit.

"$STRATA" db --help >/dev/null 2>&1 ||
  skip "db_download: this strata has no 'db' command yet ('$STRATA db --help' failed)"
command -v python3 >/dev/null || skip "db_download: python3 is needed for the test server"
command -v jq >/dev/null || skip "db_download: jq is needed"

root=$ST_SRC/tests/data/osv
zip=$root/Debian/all.zip
[[ -s $zip ]] || fail "missing $zip"
log=$ST_TMP/requests.log
: >"$log"
python3 "$ST_SRC/tests/fixtures/http-server.py" --root "$root" \
  --port-file "$ST_TMP/port" --log "$log" --timeout 300 >/dev/null &
srv_pid=$!
# run-one.sh removes ST_TMP on exit; the server goes first.
trap 'kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; rm -rf "$ST_TMP"' EXIT
for _ in $(seq 200); do [[ -s $ST_TMP/port ]] && break; sleep 0.05; done
[[ -s $ST_TMP/port ]] || fail "the test server did not start"
port=$(<"$ST_TMP/port")
base=http://127.0.0.1:$port
db=$ST_TMP/db

# requests PATH: the server's log lines for PATH (query included)
requests() { jq -c --arg p "$1" 'select(.path == $p)' "$log"; }

# 1. A first download.
url=$base/Debian/all.zip
"$STRATA" db update -q --from "$url" --db "$db" >"$ST_TMP/out" 2>"$ST_TMP/err" || {
  [[ -n $(requests /Debian/all.zip) ]] ||
    skip "db_download: 'db update --from $url' never reached the server (URL sources not wired yet?): $(cat "$ST_TMP/err")"
  cat "$ST_TMP/err" >&2
  fail "db update --from $url"
}
expect_exit 0 "$STRATA" db status --db "$db" --format json
want_sha="sha256:$(sha256sum "$zip" | cut -d' ' -f1)"
jq -e --arg u "$url" --arg s "$want_sha" \
  '.sources | map(select(.origin == $u)) | length == 1 and .[0].sha256 == $s and .[0].last_modified != null' \
  "$ST_TMP/out" >/dev/null || fail "db status does not list $url with its sha256 and Last-Modified: $(cat "$ST_TMP/out")"
[[ $(requests /Debian/all.zip | head -1 | jq -r .user_agent) == strata/* ]] ||
  fail "the download did not identify itself as strata/<version>"
pass "download: $url imported, sha256 and Last-Modified recorded"

# 2. Again: a conditional GET, answered 304.
expect_exit 0 "$STRATA" db update -q --from "$url" --db "$db"
second=$(requests /Debian/all.zip | sed -n 2p)
[[ -n $second ]] || fail "the second update made no request"
jq -e '(.if_none_match != null or .if_modified_since != null) and .status == 304' \
  <<<"$second" >/dev/null || fail "the second update was not a conditional GET answered 304: $second"
pass "re-download: conditional GET, 304"

# 3. 503 twice, then the file.
url="$base/Debian/all.zip?fail=2"
expect_exit 0 "$STRATA" db update -q --from "$url" --db "$ST_TMP/db-retry"
[[ $(requests "/Debian/all.zip?fail=2" | jq -r .status | tr '\n' ' ') == "503 503 200 " ]] ||
  fail "retries: $(requests "/Debian/all.zip?fail=2")"
pass "retries: 503, 503, 200"

# 4. 404: one line naming the URL and the status; the live DB still works.
url=$base/Nope/all.zip
got=0
"$STRATA" db update -q --from "$url" --db "$db" >"$ST_TMP/out" 2>"$ST_TMP/err" || got=$?
((got != 0)) || fail "db update from a 404 succeeded"
grep -qF -- "$url: HTTP 404" "$ST_TMP/err" || fail "404 message does not name '$url: HTTP 404': $(cat "$ST_TMP/err")"
[[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "404: stderr is not one line: $(cat "$ST_TMP/err")"
expect_exit 0 "$STRATA" db status --db "$db" --format json
pass "404: '$url: HTTP 404', exit $got, live DB intact"
