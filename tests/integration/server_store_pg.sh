# shellcheck shell=bash
# server_store_pg.sh — the server's storage on a real PostgreSQL: starts a
# throwaway cluster with tests/fixtures/postgres/pg.sh and runs the store's
# unit suite (tests/unit/server/test_store.c) against SQLite and against
# it: queue, leases, index and report writes, failing statements, a process
# killed mid-write, connections killed by the server, four processes
# migrating one new schema at once, and 200 images claimed by two
# processes x four threads, each exactly once. Then checks that the
# cluster listens on 127.0.0.1 and its unix socket only, and that stop
# ends it by PID. ST_STORE_BENCH=N also prints the timing of N images.
# Sourced by run-one.sh: ST_SRC, ST_BUILD, ST_TMP, fail/skip/pass.

unit=$ST_BUILD/tests/unit_server_test_store
[[ -x $unit ]] || fail "$unit is not built"
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null ||
  skip "server_store_pg: no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)"

# The cluster runs as an unprivileged user when we are root: let it reach
# its directory inside this (0700) scratch dir, so the socket lives there.
chmod 0711 "$ST_TMP"
state=$ST_TMP/pg
pgsh=$ST_SRC/tests/fixtures/postgres/pg.sh
trap '"$pgsh" stop "$state" >/dev/null 2>&1 || true; rm -rf "$ST_TMP"' EXIT
"$pgsh" start "$state" >"$ST_TMP/start.out" 2>&1 || { cat "$ST_TMP/start.out" >&2; fail "pg.sh start"; }
# shellcheck source=/dev/null
source "$state/env"
[[ $PG_URL == postgres://strata@127.0.0.1:*/strata ]] || fail "unexpected PG_URL $PG_URL"
[[ $PG_SOCKET_DIR == "$state"/* ]] || fail "the socket is not in $state: $PG_SOCKET_DIR"
[[ -S $PG_SOCKET_DIR/.s.PGSQL.$PG_PORT ]] || fail "no unix socket in $PG_SOCKET_DIR"
"$PG_BIN/psql" -X -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U strata -d strata -tAc 'SELECT 1' |
  grep -qx 1 || fail "psql through the unix socket"
# listening on loopback only
listen=$("$PG_BIN/psql" -X -h 127.0.0.1 -p "$PG_PORT" -U strata -d strata -tAc 'SHOW listen_addresses')
[[ $listen == 127.0.0.1 ]] || fail "listen_addresses is '$listen'"
pass "pg.sh start: $PG_URL (PID $PG_PID), socket in $PG_SOCKET_DIR"

ST_TEST_PG_URL=$PG_URL ST_TEST_STORE_BENCH=${ST_STORE_BENCH:-0} \
  timeout 600 "$unit" >"$ST_TMP/unit.out" 2>&1 || { cat "$ST_TMP/unit.out" >&2; fail "the store suite"; }
grep '^#' "$ST_TMP/unit.out" || true
grep -q 'SKIPPED: the PostgreSQL backend' "$ST_TMP/unit.out" && fail "the PostgreSQL group was skipped"
for backend in sqlite postgres; do
  grep -q "^# $backend: 200 images claimed and indexed by 2 processes" "$ST_TMP/unit.out" ||
    fail "no concurrent claim run on $backend"
done
# every test of both groups ran and passed (the bench case may skip)
[[ $(grep -c '^\[  PASSED  \] 1[0-9] test(s)' "$ST_TMP/unit.out") == 2 ]] ||
  { cat "$ST_TMP/unit.out" >&2; fail "both groups should pass"; }
pass "store suite on SQLite and PostgreSQL, concurrent claims exactly once"

"$pgsh" stop "$state" || fail "pg.sh stop"
if kill -0 "$PG_PID" 2>/dev/null; then fail "postgres (PID $PG_PID) survived stop"; fi
if (: </dev/tcp/127.0.0.1/"$PG_PORT") 2>/dev/null; then fail "port $PG_PORT still open"; fi
[[ ! -e $state/env ]] || fail "stop left $state/env"
pass "pg.sh stop: PID $PG_PID gone"
