# strata host: two fixture roots (tests/fixtures/host/make-hosts.sh) whose
# every check outcome is compared with hand-checked golden files; the
# report formats (JSON, SARIF validated against the official 2.1.0 schema,
# JUnit checked by xmllint), --exit-code/--severity, -o, errors, a
# symlink escape, the live network probe against a fake unauthenticated
# API on 127.0.0.1, and a live run on this machine checked against
# sysctl(8), /sys and /etc/passwd.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_FIXTURES, ST_TMP.

command -v jq >/dev/null || fail "jq not found"
[[ $(id -u) == 0 ]] || skip "the fixtures need root to set file owners"
"$ST_SRC/tests/fixtures/host/make-hosts.sh" "$ST_TMP/fx" >/dev/null
fx=$ST_TMP/fx
golden=$ST_SRC/tests/integration/golden
# no vulnerability DB unless a test gives one (a developer's default DB
# would change the packages-vulnerabilities outcome)
export STRATA_DB=$ST_TMP/no-db

# ---- every check's outcome, both roots ----------------------------------------
for r in hardened careless; do
  expect_exit 0 "$STRATA" host --root "$fx/$r" --format json
  cp "$ST_TMP/out" "$ST_TMP/$r.json"
  jq -r '.checks[] | "\(.id) \(.status)"' "$ST_TMP/$r.json" >"$ST_TMP/$r.txt"
  same_files "$golden/host-$r.txt" "$ST_TMP/$r.txt"
  # the summary counts what the checks say
  for s in pass fail warn info skip; do
    want=$(jq --arg s "${s^^}" '[.checks[] | select(.status == $s)] | length' "$ST_TMP/$r.json")
    [[ $(jq ".summary.$s" "$ST_TMP/$r.json") == "$want" ]] || fail "$r: summary.$s"
  done
done
pass "hardened and careless roots match their golden outcomes"

# ---- the container stack against real Debian advisories ----------------------
# careless (Debian 11) has runc 1.0.0~rc93+ds1-5, which DSA-5615-1 and the
# other runc advisories fix later; hardened (Debian 12) has runc
# 1.1.5+ds1-1+deb12u1, the bookworm fix of DSA-5615-1 (CVE-2024-21626).
osv=$ST_SRC/../shared/data/osv
[[ -d $osv/Debian ]] || osv=$ST_SRC/tests/data/osv
"$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >/dev/null ||
  fail "db update --from $osv failed"
vulns() { # ROOT -> "status<TAB>evidence"
  expect_exit 0 "$STRATA" host --root "$1" --db "$ST_TMP/db" --format json
  jq -r '.checks[] | select(.id == "packages-vulnerabilities") | "\(.status)\t\(.evidence)"' "$ST_TMP/out"
}
got=$(vulns "$fx/careless")
[[ $got == FAIL* ]] || fail "careless: packages-vulnerabilities: $got, want FAIL"
# the oracle: every Debian:11 runc advisory whose fix is above the
# installed version, decided by dpkg --compare-versions
want=$(unzip -p "$osv/Debian/all.zip" '*.json' 2>/dev/null | jq -r --slurp '
  .[] | .id as $id | .affected[]? | select(.package.name == "runc" and
  .package.ecosystem == "Debian:11") | .ranges[]?.events[]? | .fixed // empty |
  "\($id) \(.)"' | sort -u | while read -r id fixed; do
    dpkg --compare-versions 1.0.0~rc93+ds1-5 lt "$fixed" && echo "$id"
  done | sort -u)
[[ -n $want ]] || fail "no Debian:11 runc advisory in $osv"
for id in $want; do
  # the evidence names the CVE (or the DSA when it has none)
  cves=$(unzip -p "$osv/Debian/all.zip" "$id.json" | jq -r '[.aliases[]?, .related[]?] | join(" ")')
  hit=0
  for x in $id $cves; do [[ $got == *"$x"* ]] && hit=1; done
  [[ $got == *"and "*" more"* ]] && hit=1 # listed beyond the first 8
  ((hit)) || fail "careless: $id (${cves:-no CVE}) missing from: $got"
done
got=$(vulns "$fx/hardened")
[[ $got == PASS* ]] || fail "hardened: packages-vulnerabilities: $got, want PASS"
expect_exit 2 "$STRATA" host --root "$fx/hardened" --db "$ST_TMP/no-such-db"
pass "container-stack packages matched against real advisories (oracle: dpkg --compare-versions)"

# ---- evidence says what was found, where ------------------------------------
ev() { jq -r --arg id "$2" '.checks[] | select(.id == $id) | .evidence' "$ST_TMP/$1.json"; }
[[ $(ev careless docker-daemon-tcp-tls) == *"tcp://0.0.0.0:2375 without tlsverify"* ]] || fail "tcp evidence: $(ev careless docker-daemon-tcp-tls)"
[[ $(ev careless docker-daemon-config) == *"specified both as a flag and in the configuration file: hosts"* ]] ||
  fail "flag/file conflict not reported: $(ev careless docker-daemon-config)"
[[ $(ev careless files-docker-sock-mode) == *"/run/docker.sock root:docker 0666"* ]] || fail "socket mode evidence"
[[ $(ev careless host-uid0-accounts) == "uid 0 in /etc/passwd: root, toor" ]] || fail "uid 0 evidence"
[[ $(ev careless host-docker-group) == *"alice, carol, bob (primary group)"* ]] || fail "docker group evidence"
[[ $(ev careless container-docker-socket) == *"portainer (222222222222): /var/run/docker.sock"* ]] || fail "socket mount evidence"
[[ $(ev careless container-privileged) == *"333333333333: cannot be read:"*"config.v2.json: line 1"* ]] ||
  fail "a broken container config must be evidence: $(ev careless container-privileged)"
[[ $(ev careless kubelet-anonymous-auth) == "authentication.anonymous.enabled = true (/var/lib/kubelet/config.yaml:5)" ]] ||
  fail "kubelet evidence: $(ev careless kubelet-anonymous-auth)"
[[ $(ev careless kubelet-protect-kernel-defaults) == *"(flag --protect-kernel-defaults)" ]] || fail "kubeadm-flags.env flag not read"
[[ $(ev hardened files-docker-sock-mode) == *"/var/run/docker.sock root:docker 0660"* ]] ||
  fail "absolute symlink /var/run -> /run must resolve inside the root"
pass "evidence names values and files"

# ---- symlinks never leave the root --------------------------------------------
# etc/default/docker and etc/sysconfig/docker point (absolute, and by ..)
# at a 0666 file outside the root: it must not be seen.
for id in files-etc-default-docker-mode files-etc-sysconfig-docker-mode; do
  [[ $(jq -r --arg id $id '.checks[] | select(.id == $id) | .status' "$ST_TMP/careless.json") == SKIP ]] ||
    fail "$id: a symlink was followed out of the root"
done
grep -q "escape-target\|outside" "$ST_TMP/careless.json" && fail "the outside file appears in the report"
pass "no symlink escape"

# ---- bad daemon.json is a finding, not a crash -----------------------------------
cp -a "$fx/hardened" "$ST_TMP/badjson"
printf '{"icc": false, "icc": true' >"$ST_TMP/badjson/etc/docker/daemon.json"
expect_exit 0 "$STRATA" host --root "$ST_TMP/badjson" --format json
jq -e '.checks[] | select(.id == "docker-daemon-config") | .status == "FAIL" and (.evidence | test("daemon.json"))' "$ST_TMP/out" >/dev/null ||
  fail "malformed daemon.json: $(jq -c '.checks[] | select(.id == "docker-daemon-config")' "$ST_TMP/out")"
pass "malformed daemon.json is a FAIL with the parse error"

# ---- formats --------------------------------------------------------------------
expect_exit 0 "$STRATA" host --root "$fx/careless" --format sarif -o "$ST_TMP/c.sarif"
[[ ! -s $ST_TMP/out ]] || fail "-o: report also went to stdout"
ls "$ST_TMP"/c.sarif.* 2>/dev/null && fail "-o left a temporary file"
nfail=$(jq '[.checks[] | select(.status == "FAIL" or .status == "WARN")] | length' "$ST_TMP/careless.json")
[[ $(jq '.runs[0].results | length' "$ST_TMP/c.sarif") == "$nfail" ]] || fail "sarif: one result per FAIL/WARN"
jq -e '.runs[0].tool.driver.rules[] | select(.id == "docker-daemon-icc") | .properties.tags | index("cis-docker:2.2")' "$ST_TMP/c.sarif" >/dev/null ||
  fail "sarif: rule tag cis-docker:2.2 missing"
jq -e '.runs[0].tool.driver.rules[] | select(.id == "kubelet-anonymous-auth") | .properties.tags | index("cis-k8s:4.2.1")' "$ST_TMP/c.sarif" >/dev/null ||
  fail "sarif: rule tag cis-k8s:4.2.1 missing"
jq -e '.runs[0] as $run | all($run.results[]; $run.tool.driver.rules[.ruleIndex].id == .ruleId)' "$ST_TMP/c.sarif" >/dev/null ||
  fail "sarif: ruleIndex does not point at ruleId"

expect_exit 0 "$STRATA" host --root "$fx/careless" --format junit -o "$ST_TMP/c.xml"
if command -v xmllint >/dev/null; then
  xmllint --noout "$ST_TMP/c.xml" || fail "junit: not well-formed XML"
  [[ $(xmllint --xpath 'count(//testcase)' "$ST_TMP/c.xml") == $(jq '.checks | length' "$ST_TMP/careless.json") ]] ||
    fail "junit: one testcase per check"
  [[ $(xmllint --xpath 'count(//testcase/failure)' "$ST_TMP/c.xml") == $(jq '.summary.fail' "$ST_TMP/careless.json") ]] ||
    fail "junit: one failure per FAIL"
  [[ $(xmllint --xpath 'count(//testcase/skipped)' "$ST_TMP/c.xml") == $(jq '.summary.skip' "$ST_TMP/careless.json") ]] ||
    fail "junit: one skipped per SKIP"
  [[ $(xmllint --xpath 'string(/testsuites/@failures)' "$ST_TMP/c.xml") == $(jq '.summary.fail' "$ST_TMP/careless.json") ]] ||
    fail "junit: failures attribute"
  pass "junit: well-formed, one testcase per check"
else
  echo "note: xmllint not found (package libxml2-utils): JUnit not checked" >&2
fi

expect_exit 0 "$STRATA" host --root "$fx/careless"
grep -q '^\[FAIL\] CRITICAL files-docker-sock-mode (cis-docker:3.16)' "$ST_TMP/out" || fail "table: socket mode line"
grep -qE '^116 checks: [0-9]+ pass, [0-9]+ fail' "$ST_TMP/out" || grep -qE '^[0-9]+ checks: ' "$ST_TMP/out" || fail "table: summary"

if command -v node >/dev/null && "$ST_SRC/scripts/install-validators.sh" "$ST_BUILD/tools" >/dev/null 2>&1; then
  expect_exit 0 "$STRATA" host --root "$fx/hardened" --format sarif -o "$ST_TMP/h.sarif"
  node "$ST_SRC/tests/schemas/validate.js" "$ST_BUILD/tools" sarif-2.1.0 "$ST_TMP/c.sarif" "$ST_TMP/h.sarif" >"$ST_TMP/v.out" 2>&1 ||
    { cat "$ST_TMP/v.out" >&2; fail "not valid SARIF 2.1.0"; }
  jq '.runs[0].results[0].level = "fatal"' "$ST_TMP/c.sarif" >"$ST_TMP/bad.sarif"
  node "$ST_SRC/tests/schemas/validate.js" "$ST_BUILD/tools" sarif-2.1.0 "$ST_TMP/bad.sarif" >/dev/null 2>&1 &&
    fail "the validator accepted an invalid SARIF log"
  pass "sarif: valid against the official 2.1.0 schema"
else
  echo "note: no node or validators: SARIF schema not checked" >&2
fi

# ---- --list-checks -----------------------------------------------------------------
expect_exit 0 "$STRATA" host --list-checks
[[ $(($(wc -l <"$ST_TMP/out") - 1)) == $(jq '.checks | length' "$ST_TMP/careless.json") ]] || fail "--list-checks: one line per check"
grep -qE '^docker-daemon-icc +cis-docker:2.2 +MEDIUM +Traffic between containers' "$ST_TMP/out" || fail "--list-checks: icc line"
pass "--list-checks"

# ---- exit codes and errors -------------------------------------------------------
expect_exit 3 "$STRATA" host --root "$fx/careless" --exit-code 3 --format json
expect_exit 3 "$STRATA" host --root "$fx/careless" --exit-code 3 --severity CRITICAL --format json
# hardened: its only non-passing outcomes are WARN/INFO/SKIP
expect_exit 0 "$STRATA" host --root "$fx/hardened" --exit-code 3 --format json
expect_exit 2 "$STRATA" host --root "$ST_TMP/nope"
[[ $(cat "$ST_TMP/err") == "strata: $ST_TMP/nope: No such file or directory" ]] || fail "error line: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" host --format yaml
[[ $(wc -l <"$ST_TMP/err") == 1 && $(cat "$ST_TMP/err") == "strata: host: --format yaml"* ]] || fail "bad format message"
expect_exit 2 "$STRATA" host --severity severe
expect_exit 2 "$STRATA" host --exit-code x
expect_exit 2 "$STRATA" host --bogus
expect_exit 2 "$STRATA" host --root "$fx/careless" -o "$ST_TMP/no/such/dir/r.json"
expect_exit 0 "$STRATA" host --help
pass "exit codes and one-line errors"

# ---- the network probe: a fake unauthenticated API on 127.0.0.1 -------------------
port_file=$ST_TMP/port
python3 - "$port_file" <<'EOF' &
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"Version":"20.10.7","ApiVersion":"1.41"}' if self.path == "/version" else b"{}"
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.timeout = 20
for _ in range(4): s.handle_request()
EOF
srv=$!
trap 'kill $srv 2>/dev/null || true; rm -rf "$ST_TMP"' EXIT
for _ in $(seq 50); do [[ -s $port_file ]] && break; sleep 0.1; done
port=$(cat "$port_file")
cp -a "$fx/careless" "$ST_TMP/exposed"
jq --arg h "tcp://127.0.0.1:$port" '.hosts = [$h]' "$fx/careless/etc/docker/daemon.json" >"$ST_TMP/exposed/etc/docker/daemon.json"
expect_exit 0 "$STRATA" host --root "$ST_TMP/exposed" --probe-network --format json
jq -e --arg p "127.0.0.1:$port answered GET /version without TLS or authentication: Docker Engine 20.10.7" \
  '.checks[] | select(.id == "socket-api-exposed") | .status == "FAIL" and (.evidence | contains($p))' "$ST_TMP/out" >/dev/null ||
  fail "exposed API not found: $(jq -c '.checks[] | select(.id == "socket-api-exposed")' "$ST_TMP/out")"
# without --probe-network an offline root is not probed
expect_exit 0 "$STRATA" host --root "$ST_TMP/exposed" --format json
jq -e '.checks[] | select(.id == "socket-api-exposed") | .status == "SKIP"' "$ST_TMP/out" >/dev/null || fail "probed offline without --probe-network"
kill $srv 2>/dev/null || true
pass "an unauthenticated API on a configured tcp host is CRITICAL"

# ---- the live host (this machine has no Docker daemon) ---------------------------
expect_exit 0 "$STRATA" host --format json --timeout 200
cp "$ST_TMP/out" live.json
if ! command -v dockerd >/dev/null && [[ ! -e /var/lib/docker/containers && ! -e /etc/docker/daemon.json ]]; then
  jq -e '.checks[] | select(.id == "host-docker-installed") | .status == "SKIP" and (.evidence | startswith("docker is not installed"))' live.json >/dev/null ||
    fail "live: Docker should be reported absent"
  jq -e '[.checks[] | select(.section == "daemon" or .section == "containers") | .status] | all(. == "SKIP")' live.json >/dev/null ||
    fail "live: daemon checks must be skipped without Docker"
fi
for k in kptr_restrict dmesg_restrict unprivileged_bpf_disabled; do
  id=$(jq -r --arg k "kernel.$k" '.checks[] | select(.evidence | startswith($k + " = ")) | .evidence' live.json)
  want=$(sysctl -n "kernel.$k" 2>/dev/null || cat "/proc/sys/kernel/$k")
  [[ $id == "kernel.$k = $want "* ]] || fail "live: kernel.$k: report '$id', sysctl '$want'"
done
if [[ -e /proc/sys/kernel/yama/ptrace_scope ]]; then
  [[ $(jq -r '.checks[] | select(.id == "host-yama-ptrace") | .evidence' live.json) == "kernel.yama.ptrace_scope = $(cat /proc/sys/kernel/yama/ptrace_scope) "* ]] || fail "live: yama"
else
  [[ $(jq -r '.checks[] | select(.id == "host-yama-ptrace") | .evidence' live.json) == *"absent"* ]] || fail "live: yama absent"
fi
want="uid 0 in /etc/passwd: $(awk -F: '$3 == 0 { printf "%s%s", sep, $1; sep = ", " }' /etc/passwd)"
[[ $(jq -r '.checks[] | select(.id == "host-uid0-accounts") | .evidence' live.json) == "$want" ]] || fail "live: uid 0 accounts"
aa=$(jq -r '.checks[] | select(.id == "lsm-apparmor") | .status' live.json)
if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]]; then
  [[ $aa == PASS ]] || fail "live: AppArmor is enabled per /sys, report says $aa"
else
  [[ $aa == SKIP ]] || fail "live: AppArmor is not enabled per /sys, report says $aa"
fi
se=$(jq -r '.checks[] | select(.id == "lsm-selinux") | .status' live.json)
case $(cat /sys/fs/selinux/enforce 2>/dev/null || echo none) in
  1) [[ $se == PASS ]] ;; 0) [[ $se == FAIL ]] ;; *) [[ $se == SKIP ]] ;;
esac || fail "live: SELinux per /sys vs report $se"
cg=$(jq -r '.checks[] | select(.id == "host-cgroup-v2") | .status' live.json)
if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then [[ $cg == PASS ]]; else [[ $cg == FAIL ]]; fi || fail "live: cgroup v2 vs report $cg"
pass "live run: exit 0, Docker absent, sysctls, LSMs, cgroups and uid-0 accounts as the system says"
