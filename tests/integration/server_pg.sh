# Two `strata serve` instances on one real PostgreSQL (Debian's, started by
# tests/fixtures/postgres/pg.sh in a temp dir): the same image asked of
# both at the same moment is indexed exactly once (the database is the
# lock), and both serve the same report. Then a registry that accepts
# connections and never answers: the index request fails with a clear
# 502 in bounded time and the server stays up.
for t in jq curl skopeo docker-registry umoci; do
  command -v $t >/dev/null || skip "server_pg: no $t (scripts/setup.sh installs it)"
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || skip "server_pg: no PostgreSQL server (scripts/setup.sh installs postgresql)"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
F=$ST_FIXTURES
[[ -d $F/rootfs/minbase ]] || fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"
REG=$ST_SRC/tests/fixtures/registry/registry.sh
PG=$ST_SRC/tests/fixtures/postgres/pg.sh

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  [[ -f $ST_TMP/reg/env ]] && bash "$REG" stop "$ST_TMP/reg" >/dev/null 2>&1 || true
  [[ -f $ST_TMP/pg/env ]] && bash "$PG" stop "$ST_TMP/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bash "$ST_SRC/tests/fixtures/server/make-vuln-image.sh" "$F" "$ST_TMP/vimg" >/dev/null
"$STRATA" db update -q --from "$ST_SRC/tests/data/osv" --db "$ST_TMP/db" >/dev/null
bash "$PG" start "$ST_TMP/pg" >/dev/null
# shellcheck disable=SC1091
source "$ST_TMP/pg/env"
bash "$REG" start open "$ST_TMP/reg" >/dev/null
# shellcheck disable=SC1091
source "$ST_TMP/reg/env"
bash "$REG" push "$ST_TMP/reg" "$ST_TMP/vimg" strata/vuln:1 >/dev/null

# a "registry" that accepts connections and never says a word
"$PY" - "$ST_TMP/hang.port" <<'PYEOF' &
import os, socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
conns = []
end = time.time() + 300
s.settimeout(1)
while time.time() < end:
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass
PYEOF
pids+=($!)
for _ in $(seq 100); do [[ -s $ST_TMP/hang.port ]] && break; sleep 0.1; done
hang=127.0.0.1:$(cat "$ST_TMP/hang.port")

srv=()
for i in 1 2; do
  port=$(free_port)
  "$STRATA" serve --listen "127.0.0.1:$port" --db "$PG_URL" --vulndb "$ST_TMP/db" \
    --data-dir "$ST_TMP/data$i" --allow-registry "$REGISTRY" --allow-registry "$hang" \
    --insecure-registry "$REGISTRY" --insecure-registry "$hang" \
    2>"$ST_TMP/serve$i.log" &
  pids+=($!)
  srv+=("http://127.0.0.1:$port")
done
for s in "${srv[@]}"; do
  for _ in $(seq 100); do curl -sf "$s/healthz" >/dev/null && break; sleep 0.1; done
  curl -sf "$s/healthz" | jq -e '.store == "postgres"' >/dev/null ||
    { cat "$ST_TMP"/serve*.log >&2; fail "server $s did not come up on PostgreSQL"; }
done
pass "two servers on one PostgreSQL"

# the same image, asked of both at once
body="{\"image\":\"$REGISTRY/strata/vuln:1\"}"
curl -s -X POST "${srv[0]}/v1/index?wait=120" -d "$body" >"$ST_TMP/a.json" &
a=$!
curl -s -X POST "${srv[1]}/v1/index?wait=120" -d "$body" >"$ST_TMP/b.json" &
b=$!
wait $a $b
jq -e '.state == "indexed"' "$ST_TMP/a.json" >/dev/null || fail "server 1: $(cat "$ST_TMP/a.json")"
jq -e '.state == "indexed"' "$ST_TMP/b.json" >/dev/null || fail "server 2: $(cat "$ST_TMP/b.json")"
digest=$(jq -r .digest "$ST_TMP/a.json")
[[ $(jq -r .digest "$ST_TMP/b.json") == "$digest" ]] || fail "different digests"
n=$(cat "$ST_TMP"/serve*.log | grep -c "index $digest: indexed in" || true)
[[ $n == 1 ]] || { cat "$ST_TMP"/serve*.log >&2; fail "indexed $n times across the two servers, want once"; }
curl -sf "${srv[0]}/v1/report/$digest" | jq -S '.vulnerabilities' >"$ST_TMP/r1"
curl -sf "${srv[1]}/v1/report/$digest" | jq -S '.vulnerabilities' >"$ST_TMP/r2"
same_files "$ST_TMP/r1" "$ST_TMP/r2"
[[ $(jq length "$ST_TMP/r1") -gt 0 ]] || fail "no findings in the report"
pass "indexed once across two servers; both serve the same $(jq length "$ST_TMP/r1") findings"

# a registry that hangs: a clear error in bounded time, the server stays up
start=$SECONDS
code=$(curl -s -o "$ST_TMP/hang.json" -w '%{http_code}' --max-time 60 \
  -X POST "${srv[0]}/v1/index" -d "{\"image\":\"$hang/x/y:1\"}")
((SECONDS - start < 40)) || fail "a hanging registry held the request $((SECONDS - start)) s"
[[ $code == 502 ]] || fail "hanging registry: HTTP $code, want 502: $(cat "$ST_TMP/hang.json")"
jq -e '.error.message | length > 0' "$ST_TMP/hang.json" >/dev/null || fail "no error message"
curl -sf "${srv[0]}/healthz" >/dev/null || fail "server down after a hanging registry"
pass "hanging registry: 502 in $((SECONDS - start)) s ($(jq -r .error.message "$ST_TMP/hang.json"))"
