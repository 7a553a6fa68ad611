# strata serve over TLS (--tls-cert/--tls-key, a certificate made here for
# 127.0.0.1) with --auth-reads: HTTPS answers with the test CA, plain HTTP
# on the same port does not, and reads need the token too (but /healthz).
for t in curl openssl jq; do
  command -v $t >/dev/null || skip "server_tls: no $t"
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
spid=
trap '[[ -n $spid ]] && { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$ST_TMP/key.pem" -out "$ST_TMP/cert.pem" 2>/dev/null
echo "read-token-test-only" >"$ST_TMP/token"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$STRATA" serve --listen "127.0.0.1:$port" --data-dir "$ST_TMP/data" --vulndb "$ST_TMP/nodb" \
  --tls-cert "$ST_TMP/cert.pem" --tls-key "$ST_TMP/key.pem" \
  --token-file "$ST_TMP/token" --auth-reads 2>"$ST_TMP/serve.log" &
spid=$!
url=https://127.0.0.1:$port
for _ in $(seq 100); do curl -sf --cacert "$ST_TMP/cert.pem" "$url/healthz" >/dev/null && break; sleep 0.1; done
curl -sf --cacert "$ST_TMP/cert.pem" "$url/healthz" | jq -e '.status == "ok"' >/dev/null ||
  { cat "$ST_TMP/serve.log" >&2; fail "no HTTPS answer"; }
! curl -sf --max-time 5 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 || fail "plain HTTP answered on the TLS port"
! curl -sf --max-time 5 "$url/healthz" >/dev/null 2>&1 || fail "a certificate from an unknown CA was accepted by curl"
pass "HTTPS with the operator's certificate; plain HTTP refused"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ST_TMP/cert.pem" "$url/v1/images")
[[ $code == 401 ]] || fail "--auth-reads: GET /v1/images without a token gave $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ST_TMP/cert.pem" \
  -H "Authorization: Bearer wrong" "$url/v1/images")
[[ $code == 401 ]] || fail "--auth-reads: a wrong token gave $code"
curl -sf --cacert "$ST_TMP/cert.pem" -H "Authorization: Bearer $(cat "$ST_TMP/token")" \
  "$url/v1/images" | jq -e '.images == []' >/dev/null || fail "--auth-reads: the token was refused"
pass "--auth-reads: 401 without or with a wrong token, 200 with it"
kill "$spid"; wait "$spid" || fail "serve exited non-zero on SIGTERM"; spid=
