# strata monitor --replay: recorded events in, exact alerts out. The events
# (written below, one JSON line each, the format of --record) and the rules
# (Falco syntax, below) are small enough to check by hand; the expected
# alerts were worked out from them, not copied from a run:
#   - deduplication: the same shell alert at 0 s, 0.5 s, 1 s and 3 s in one
#     container gives two alerts (0 s and 3 s; dedup window 2 s);
#   - the rate limit: 10 alerts a minute per rule and container, the 11th
#     to 15th counted; the summary of what was held back comes when the
#     events' clock passes the minute, before the event that passed it;
#   - drift: an exec of a file the same container wrote, renamed onto or
#     made executable, not of one another container wrote, one made
#     non-executable or one whose open failed;
#   - host events left out without --host, evaluated with it;
#   - --record of a replay replays to the same alerts; --metrics counts;
#     the webhook receives every alert (after a 503); the JSON output is
#     appended to; `| head -1` ends the run quietly;
#   - errors: a malformed line names FILE:LINE (exit 2), a rules file that
#     does not load names FILE:LINE, usage errors are one line;
#   - --list-rules on a file in Falco's own syntax (rules modelled on
#     Falco's default ruleset) lists what runs and what is skipped, why;
#     and Falco's real default ruleset (tests/data/monitor/falco) loads,
#     skips what it should and raises the expected alerts.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP.

command -v jq >/dev/null || fail "jq not found"
command -v python3 >/dev/null || fail "python3 not found"
cd "$ST_TMP"

cat >rules.yaml <<'EOF'
- list: test_shells
  items: [sh, bash, ash]
- macro: test_spawned
  condition: evt.type = execve
- rule: Test shell
  desc: a shell started in a container
  condition: test_spawned and proc.name in (test_shells) and container.id != host
  output: shell %proc.name in %container.name (cmdline=%proc.cmdline)
  priority: WARNING
  tags: [test, shell]
- rule: Test etc write
  desc: a file below /etc opened for writing
  condition: >
    evt.type = openat and evt.is_open_write = true and evt.rawres >= 0
    and fd.name startswith /etc/
  output: write %fd.name by %proc.name in %container.name
  priority: ERROR
  tags: [test, filesystem]
- rule: Test drift
  desc: a program written after the start ran
  condition: test_spawned and proc.is_exe_written = true
  output: drift %proc.exepath in %container.name
  priority: ERROR
  tags: [test, drift]
- rule: Test host exec
  desc: a program ran outside containers
  condition: test_spawned and container.id = host
  output: host exec %proc.exepath
  priority: NOTICE
  tags: [test]
EOF

# The events: t seconds after 2023-11-14T22:13:20Z (1700000000).
python3 - >events.jsonl <<'EOF'
import json
T0 = 1700000000 * 10**9
WEB = {"container.full_id": "c0ffee01web", "container.name": "web",
       "container.image": "nginx:1.27", "container.type": "runc"}
DB = {"container.full_id": "c0ffee02db", "container.name": "db",
      "container.image": "postgres:16", "container.type": "runc"}
HOST = {}
n = [0]
def ev(ms, ct, typ, name, res=0, **fields):
    n[0] += 1
    e = {"evt.rawtime": T0 + ms * 10**6, "evt.type": typ, "evt.rawres": res,
         "proc.pid": 100 + n[0], "proc.ppid": 1, "user.uid": 0,
         "proc.name": name}
    e.update(fields)
    e.update(ct)
    print(json.dumps(e))
def execve(ms, ct, exe, args=""):
    ev(ms, ct, "execve", exe.rsplit("/", 1)[1],
       **{"proc.exepath": exe, "proc.args": args})
def openat(ms, ct, name, path, flags, res):
    ev(ms, ct, "openat", name, res, **{"evt.arg.flags": flags, "fd.name": path})

for ms in (0, 500, 1000, 3000):           # dedup
    execve(ms, WEB, "/bin/sh", "-c id")
execve(3100, DB, "/bin/bash")
openat(4000, WEB, "sh", "/etc/passwd", "O_WRONLY|O_CREAT|O_TRUNC", 3)
openat(4100, WEB, "cat", "/etc/shadow", "O_RDONLY", 3)      # a read
openat(4200, WEB, "sh", "/etc/hosts", "O_WRONLY", -13)      # EACCES
openat(5000, WEB, "cp", "/tmp/x", "O_WRONLY|O_CREAT", 4)    # drift: written
execve(5100, WEB, "/tmp/x")
execve(5200, DB, "/tmp/x")                                   # not db's file
ev(5300, WEB, "rename", "mv", 0, **{"evt.arg.newpath": "/tmp/y"})
execve(5400, WEB, "/tmp/y")
ev(5500, WEB, "chmod", "chmod", 0,
   **{"evt.arg.filename": "/tmp/z", "evt.arg.mode": 0o755})
execve(5600, WEB, "/tmp/z")
ev(5700, WEB, "chmod", "chmod", 0,
   **{"evt.arg.filename": "/tmp/v", "evt.arg.mode": 0o644})  # not +x
execve(5800, WEB, "/tmp/v")
openat(5900, WEB, "cp", "/tmp/w", "O_WRONLY|O_CREAT", -2)   # failed
execve(6000, WEB, "/tmp/w")
execve(6100, HOST, "/usr/bin/sh")                            # the host
for i in range(14):                                          # rate limit
    execve(10000 + 1000 * i, DB, "/bin/sh", f"-c job{i}")
execve(70000, DB, "/bin/sh", "-c late")                      # next minute
EOF
[[ $(wc -l <events.jsonl) == 35 ]] || fail "events.jsonl: $(wc -l <events.jsonl) events, want 35"

# alerts projected to what the checks are about
project() { jq -c '[.time, .rule, .priority, .output, .container.id]' "$@"; }
cat >expected.txt <<'EOF'
["2023-11-14T22:13:20.000000000Z","Test shell","Warning","shell sh in web (cmdline=sh -c id)","c0ffee01web"]
["2023-11-14T22:13:23.000000000Z","Test shell","Warning","shell sh in web (cmdline=sh -c id)","c0ffee01web"]
["2023-11-14T22:13:23.100000000Z","Test shell","Warning","shell bash in db (cmdline=bash)","c0ffee02db"]
["2023-11-14T22:13:24.000000000Z","Test etc write","Error","write /etc/passwd by sh in web","c0ffee01web"]
["2023-11-14T22:13:25.100000000Z","Test drift","Error","drift /tmp/x in web","c0ffee01web"]
["2023-11-14T22:13:25.400000000Z","Test drift","Error","drift /tmp/y in web","c0ffee01web"]
["2023-11-14T22:13:25.600000000Z","Test drift","Error","drift /tmp/z in web","c0ffee01web"]
["2023-11-14T22:13:30.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job0)","c0ffee02db"]
["2023-11-14T22:13:31.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job1)","c0ffee02db"]
["2023-11-14T22:13:32.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job2)","c0ffee02db"]
["2023-11-14T22:13:33.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job3)","c0ffee02db"]
["2023-11-14T22:13:34.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job4)","c0ffee02db"]
["2023-11-14T22:13:35.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job5)","c0ffee02db"]
["2023-11-14T22:13:36.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job6)","c0ffee02db"]
["2023-11-14T22:13:37.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job7)","c0ffee02db"]
["2023-11-14T22:13:38.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c job8)","c0ffee02db"]
["2023-11-14T22:14:30.000000000Z","Alerts suppressed","Warning","2 alerts of rule \"Test shell\" suppressed for container c0ffee01web: 2 duplicates within 2000 ms","c0ffee01web"]
["2023-11-14T22:14:30.000000000Z","Alerts suppressed","Warning","5 alerts of rule \"Test shell\" suppressed for container c0ffee02db: 5 over the limit of 10 a minute","c0ffee02db"]
["2023-11-14T22:14:30.000000000Z","Test shell","Warning","shell sh in db (cmdline=sh -c late)","c0ffee02db"]
EOF

# ---- the default dedup (2 s) and rate (10 a minute) --------------------------------
expect_exit 0 "$STRATA" monitor --no-default-rules --rules rules.yaml --replay events.jsonl \
  --metrics metrics.prom
cp "$ST_TMP/out" alerts.jsonl
project alerts.jsonl >got.txt
same_files expected.txt got.txt
grep -q "^strata monitor: replaying events.jsonl: 4 rules" "$ST_TMP/err" ||
  fail "the start line: $(cat "$ST_TMP/err")"
grep -q "^strata monitor: 34 events, 24 matched, 17 alerts, 7 suppressed, 0 dropped$" "$ST_TMP/err" ||
  fail "the summary line: $(tail -1 "$ST_TMP/err")"
pass "replay: 19 exact alerts (deduplication, rate limit, summaries, drift)"

# every line in Falco's shape; the syscall alerts carry their event's fields
jq -e -s 'all(has("time") and has("rule") and has("priority") and has("output")
  and (.output_fields | type == "object") and (.tags | type == "array")
  and (.source | type == "string") and (.hostname | type == "string"))' alerts.jsonl >/dev/null ||
  fail "an alert lacks one of Falco's keys"
jq -e -s '[.[] | select(.rule == "Test etc write")][0] |
  .output_fields["fd.name"] == "/etc/passwd" and .output_fields["proc.name"] == "sh"
  and .output_fields["evt.type"] == "openat" and .output_fields["container.name"] == "web"
  and .container == {"id": "c0ffee01web", "name": "web", "image": "nginx:1.27", "runtime": "runc"}
  and .tags == ["test", "filesystem"] and .source == "syscall"' alerts.jsonl >/dev/null ||
  fail "the /etc write alert: $(grep 'etc write' alerts.jsonl)"
jq -e -s '[.[] | select(.rule == "Alerts suppressed")] | map(.output_fields) ==
  [{"container.id": "c0ffee01web", "container.name": "web", "container.image": "nginx:1.27",
    "suppressed.rule": "Test shell", "suppressed.count": 2, "suppressed.rate_limited": 0,
    "suppressed.duplicates": 2, "suppressed.window_s": 70},
   {"container.id": "c0ffee02db", "container.name": "db", "container.image": "postgres:16",
    "suppressed.rule": "Test shell", "suppressed.count": 5, "suppressed.rate_limited": 5,
    "suppressed.duplicates": 0, "suppressed.window_s": 70}]' alerts.jsonl >/dev/null ||
  fail "the summaries' fields: $(grep suppressed alerts.jsonl)"
pass "alerts in Falco's shape with output_fields and the container"

# the metrics file: the same counters, per rule, the mode
m() { grep -F "$1 " metrics.prom | grep -v '^#' | sed 's/.* //'; }
for kv in strata_monitor_events_total=34 strata_monitor_matched_total=24 \
  strata_monitor_alerts_total=17 strata_monitor_suppressed_total=7 \
  strata_monitor_filtered_total=1 'strata_monitor_dropped_total{stage="kernel"}=0' \
  'strata_monitor_rule_matches_total{rule="Test shell"}=20' \
  'strata_monitor_rule_alerts_total{rule="Test shell"}=13' \
  'strata_monitor_rule_suppressed_total{rule="Test shell"}=7' \
  'strata_monitor_rule_alerts_total{rule="Test drift"}=3' \
  'strata_monitor_rule_alerts_total{rule="Test host exec"}=0' \
  'strata_monitor_capture_mode_info{mode="replay",description="events.jsonl"}=1'; do
  [[ $(m "${kv%=*}") == "${kv##*=}" ]] || fail "metrics: ${kv%=*} is $(m "${kv%=*}"), want ${kv##*=}"
done
[[ ! -e metrics.prom.tmp ]] || fail "metrics.prom.tmp left behind"
pass "metrics file counts what the run did"

# ---- no dedup, no rate limit: every match is an alert --------------------------------
expect_exit 0 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay events.jsonl \
  --dedup 0 --rate 0
[[ $(wc -l <"$ST_TMP/out") == 24 ]] || fail "--dedup 0 --rate 0: $(wc -l <"$ST_TMP/out") alerts, want 24"
! grep -q "Alerts suppressed" "$ST_TMP/out" || fail "--dedup 0 --rate 0 suppressed something"
[[ ! -s $ST_TMP/err ]] || fail "-q printed: $(cat "$ST_TMP/err")"
pass "--dedup 0 --rate 0 writes all 24 matches; -q is quiet"

# ---- host events: left out without --host, evaluated with it -------------------------
expect_exit 0 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay events.jsonl --host
jq -c 'select(.rule == "Test host exec") | [.time, .output, .container, .output_fields["container.id"]]' \
  "$ST_TMP/out" >got.txt
echo '["2023-11-14T22:13:26.100000000Z","host exec /usr/bin/sh",{"id":"host"},"host"]' >want.txt
same_files want.txt got.txt
pass "--host: host events evaluated, their container is \"host\""

# ---- record a replay, replay the recording ----------------------------------------
expect_exit 0 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay events.jsonl \
  --record recorded.jsonl
[[ $(wc -l <recorded.jsonl) == 34 ]] || fail "recorded $(wc -l <recorded.jsonl) events, want the 34 evaluated"
expect_exit 0 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay recorded.jsonl
project "$ST_TMP/out" >got.txt
same_files expected.txt got.txt
pass "a recording replays to the same alerts"

# ---- stdin, and appending to --output --------------------------------------------------
expect_exit 0 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay - \
  --output appended.jsonl <events.jsonl
expect_exit 0 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay - \
  --output appended.jsonl <events.jsonl
[[ ! -s $ST_TMP/out ]] || fail "--output FILE also wrote to stdout"
cat expected.txt expected.txt >want.txt
project appended.jsonl >got.txt
same_files want.txt got.txt
pass "--replay - reads stdin; --output appends"

# ---- the webhook: every alert POSTed, the first after a 503 ---------------------------
cat >hook.py <<'EOF'
import http.server, os, sys, threading
port_file, log, fail_first = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        seen[0] += 1
        if seen[0] <= fail_first:
            self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers()
            return
        assert self.headers["Content-Type"] == "application/json"
        with open(log, "ab") as f:
            f.write(body + b"\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(port_file + ".tmp", port_file)
threading.Timer(60, lambda: os._exit(0)).start()   # bounded in time
s.serve_forever()
EOF
python3 hook.py port hooked.jsonl 1 &
hook_pid=$!
trap 'kill $hook_pid 2>/dev/null || true; rm -rf "$ST_TMP"' EXIT
for _ in $(seq 50); do [[ -s port ]] && break; sleep 0.1; done
[[ -s port ]] || fail "the webhook receiver did not start"
expect_exit 0 "$STRATA" monitor --no-default-rules --rules rules.yaml --replay events.jsonl \
  --webhook "http://127.0.0.1:$(cat port)/hook"
kill $hook_pid 2>/dev/null || true
jq -c . "$ST_TMP/out" >want.txt
jq -c . hooked.jsonl >got.txt
same_files want.txt got.txt
! grep -q "not delivered" "$ST_TMP/err" || fail "webhook: $(tail -1 "$ST_TMP/err")"
pass "webhook: the 19 alerts arrived, the first after a 503"

# ---- syslog: every alert, at its priority's level, facility daemon ------------------------
# Root only: in a mount namespace of its own, a tmpfs on /dev holds a
# receiver bound to /dev/log (the host's /dev is not touched).
if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null; then
  cat >syslogd.py <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(30)                                   # bounded in time
with open(sys.argv[1], "wb") as f:
    while True:
        m = s.recv(65536)
        if m == b"stop":
            break
        f.write(m + b"\n")
EOF
  cat >syslog-run.sh <<'EOF'
set -e
mount -t tmpfs tmpfs /dev
mknod -m 666 /dev/null c 1 3
python3 syslogd.py syslog.txt &
for _ in $(seq 100); do [[ -e syslog.txt.ready ]] && break; sleep 0.05; done
"$STRATA" monitor -q --syslog --no-default-rules --rules rules.yaml --replay events.jsonl >syslog.jsonl
python3 -c 'import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"stop", "/dev/log")'
wait
EOF
  STRATA=$STRATA timeout 60 unshare -m --propagation private bash syslog-run.sh ||
    fail "the syslog run failed"
  # "<PRI>Mmm dd hh:mm:ss strata[PID]: RULE: OUTPUT (container=ID)"; PRI is
  # daemon (3) * 8 + the level of the priority
  sed -E 's/^<([0-9]+)>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} strata\[[0-9]+\]: /\1 /' syslog.txt >got.txt
  jq -r '({"Emergency":0,"Alert":1,"Critical":2,"Error":3,"Warning":4,"Notice":5,
    "Informational":6,"Debug":7}[.priority] + 24 | tostring) + " " + .rule + ": " + .output +
    " (container=" + .container.id[0:12] + ")"' syslog.jsonl >want.txt
  same_files want.txt got.txt
  [[ $(wc -l <got.txt) == 19 ]] || fail "syslog: $(wc -l <got.txt) messages, want 19"
  pass "--syslog: the 19 alerts, at their levels, facility daemon"
else
  echo "SKIP: --syslog needs root (a private /dev/log)" >&2
fi

# ---- a reader that goes away: a quiet, successful end -----------------------------------
python3 - >many.jsonl <<'EOF'
import json
for i in range(20000):
    print(json.dumps({"evt.rawtime": 1700000000 * 10**9 + i, "evt.type": "execve",
                      "proc.name": "sh", "proc.exepath": "/bin/sh", "proc.args": f"-c n{i}",
                      "container.full_id": "c0ffee01web", "container.name": "web"}))
EOF
set +o pipefail
"$STRATA" monitor --no-default-rules --rules rules.yaml --replay many.jsonl --rate 0 \
  2>pipe.err | head -1 >first.json
rc=${PIPESTATUS[0]}
set -o pipefail
[[ $rc == 0 ]] || fail "strata monitor | head -1: exit $rc ($(cat pipe.err))"
grep -q "closed by its reader" pipe.err || fail "no word of the closed output: $(cat pipe.err)"
jq -e '.output == "shell sh in web (cmdline=sh -c n0)"' first.json >/dev/null || fail "head -1: $(cat first.json)"
pass "| head -1 ends the monitor with exit 0"

# ---- errors: FILE:LINE, one line, exit 2 ----------------------------------------------------
{ head -2 events.jsonl; echo '{"evt.type": "execve", "proc.pid": '; } >bad.jsonl
expect_exit 2 "$STRATA" monitor --no-default-rules --rules rules.yaml --replay bad.jsonl
grep -q "^strata: monitor: bad.jsonl:3: " "$ST_TMP/err" || fail "malformed line: $(cat "$ST_TMP/err")"
[[ $(grep -c "^strata: " "$ST_TMP/err") == 1 ]] || fail "malformed line: more than one error line"
{ head -4 events.jsonl; echo '{"evt.type": "execve", "evt.rawtime": "soon"}'; } >bad2.jsonl
expect_exit 2 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay bad2.jsonl
grep -q "^strata: monitor: bad2.jsonl:5: .*evt.rawtime" "$ST_TMP/err" || fail "wrong type: $(cat "$ST_TMP/err")"
python3 -c "print('{\"proc.name\": \"' + 'a' * (1 << 20) + '\"}')" >long.jsonl
expect_exit 2 "$STRATA" monitor -q --no-default-rules --rules rules.yaml --replay long.jsonl
grep -q "^strata: monitor: long.jsonl:1: line longer than" "$ST_TMP/err" || fail "long line: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" monitor -q --replay no-such.jsonl
grep -q "^strata: monitor: no-such.jsonl: No such file" "$ST_TMP/err" || fail "missing file: $(cat "$ST_TMP/err")"
printf -- '- rule: Broken\n  desc: d\n  condition: (evt.type = execve\n  output: o\n  priority: WARNING\n' >broken.yaml
expect_exit 2 "$STRATA" monitor --rules broken.yaml --replay events.jsonl
grep -q "^strata: monitor: .*broken.yaml:[0-9]" "$ST_TMP/err" || fail "broken rules: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" monitor --rules no-such-dir/ --list-rules
grep -q "no-such-dir" "$ST_TMP/err" || fail "missing rules path: $(cat "$ST_TMP/err")"
for args in "--rate -1" "--rate x" "--dedup 5x" "--duration 0" "--capture bpf" "--bogus" \
  "stray" "--replay events.jsonl --duration 5s" "--replay events.jsonl --capture ebpf" \
  "--stats-output s.jsonl" "--output"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$STRATA" monitor $args
  [[ $(wc -l <"$ST_TMP/err") == 1 && $(cat "$ST_TMP/err") == "strata: monitor: "* ]] ||
    fail "monitor $args: $(cat "$ST_TMP/err")"
done
pass "errors: FILE:LINE for replay lines and rules, one line each, exit 2"

# ---- --list-rules: a file in Falco's syntax -------------------------------------------
# Modelled on rules of Falco's default ruleset (falcosecurity/rules,
# falco_rules.yaml and k8s_audit_rules.yaml): the syntax and field names are
# Falco's, the text is ours.
cat >falco.yaml <<'EOF'
- required_engine_version: 0.26.0
- list: shell_binaries
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]
- macro: spawned_process
  condition: (evt.type in (execve, execveat) and evt.dir=<)
- macro: container
  condition: (container.id != host)
- macro: k8s_api_server
  condition: (fd.sip.name="kubernetes.default.svc.cluster.local")
- rule: Run shell untrusted
  desc: a shell was spawned in a container
  condition: spawned_process and container and proc.name in (shell_binaries)
  output: Shell spawned (user=%user.name container=%container.id shell=%proc.name parent=%proc.pname cmdline=%proc.cmdline)
  priority: DEBUG
  tags: [shell, mitre_execution]
- rule: Contact K8S API Server From Container
  desc: a container connected to the Kubernetes API server
  condition: evt.type=connect and evt.dir=< and (fd.typechar=4 or fd.typechar=6) and container and k8s_api_server
  output: Unexpected connection to K8s API Server from container (command=%proc.cmdline)
  priority: NOTICE
  tags: [network, k8s, container, mitre_discovery]
- rule: K8s Deployment Created
  desc: a deployment was created
  condition: (ka.verb=create and ka.target.resource=deployments)
  output: K8s Deployment Created (user=%ka.user.name)
  priority: INFO
  source: k8s_audit
  tags: [k8s]
- rule: Shell in labelled pod
  desc: uses a field strata does not have
  condition: spawned_process and k8s.pod.label.app = web
  output: shell in %k8s.pod.name
  priority: WARNING
EOF
expect_exit 0 "$STRATA" monitor --no-default-rules --rules falco.yaml --list-rules
cat >want.txt <<'EOF'
rules: 1 enabled, 3 skipped
  DEBUG         Run shell untrusted (falco.yaml:10)
skipped:
EOF
head -3 "$ST_TMP/out" >got.txt
same_files want.txt got.txt
[[ $(wc -l <"$ST_TMP/out") == 6 ]] || fail "--list-rules: $(cat "$ST_TMP/out")"
grep -q "^  Contact K8S API Server From Container: .*fd.sip.name" "$ST_TMP/out" ||
  fail "the K8S API rule is not skipped for fd.sip.name: $(cat "$ST_TMP/out")"
grep -q "^  K8s Deployment Created: .*k8s_audit" "$ST_TMP/out" ||
  fail "the k8s_audit rule is not skipped for its source: $(cat "$ST_TMP/out")"
grep -q "^  Shell in labelled pod: .*k8s.pod.label" "$ST_TMP/out" ||
  fail "the label rule is not skipped for k8s.pod.label.app: $(cat "$ST_TMP/out")"
pass "--list-rules: the Falco file's runnable rule and three skipped, with reasons"

# the rules that run do run: a shell in a container, and the debug priority
printf '%s\n' '{"evt.rawtime":1700000000000000000,"evt.type":"execve","proc.name":"bash","proc.pname":"containerd-shim","proc.exepath":"/bin/bash","proc.args":"-i","user.name":"root","container.full_id":"c0ffee01web","container.name":"web"}' >one.jsonl
expect_exit 0 "$STRATA" monitor -q --no-default-rules --rules falco.yaml --replay one.jsonl
jq -c '[.rule, .priority, .output, .tags]' "$ST_TMP/out" >got.txt
echo '["Run shell untrusted","Debug","Shell spawned (user=root container=c0ffee01web shell=bash parent=containerd-shim cmdline=bash -i)",["shell","mitre_execution"]]' >want.txt
same_files want.txt got.txt
pass "the Falco file's rule runs"

# the built-in rules list and load
expect_exit 0 "$STRATA" monitor --list-rules
n=$(sed -n 's/^rules: \([0-9]*\) enabled.*/\1/p' "$ST_TMP/out")
((n >= 10)) || fail "only ${n:-no} built-in rules: $(head -3 "$ST_TMP/out")"
grep -q "(rules/monitor/[a-z_-]*\.yaml:[0-9]*)$" "$ST_TMP/out" || fail "built-in rules name their file"
expect_exit 0 "$STRATA" monitor --list-fields
grep -q "^proc.is_exe_written " "$ST_TMP/out" || fail "--list-fields lacks proc.is_exe_written"
pass "$n built-in rules; --list-fields"

# ---- Falco's own default ruleset, through the CLI -----------------------------------
# tests/data/monitor/falco (SOURCE.md says where it comes from): the rules
# strata cannot run are listed with their reasons as the engine's tests
# expect (falco_rules.skipped), and the rules that run give the alerts the
# engine's tests expect on the same hand-made events (falco_events.expected).
falco=$ST_SRC/tests/data/monitor/falco
expect_exit 0 "$STRATA" monitor --no-default-rules --rules "$falco/falco_rules.yaml" --list-rules
sed -n '/^skipped:$/,$p' "$ST_TMP/out" | tail -n +2 | sed 's/^  //' >got.txt
same_files "$falco/falco_rules.skipped" got.txt
read -r enabled skipped < <(sed -n 's/^rules: \([0-9]*\) enabled, \([0-9]*\) skipped$/\1 \2/p' "$ST_TMP/out")
[[ $skipped == "$(wc -l <"$falco/falco_rules.skipped")" ]] || fail "falco_rules.yaml: $skipped skipped"
# every rule of the file (none is disabled there) either runs or is skipped
total=$(grep -c '^- rule:' "$falco/falco_rules.yaml")
((enabled + skipped == total)) || fail "falco_rules.yaml: $enabled enabled + $skipped skipped, $total rules"
grep -q "^  [A-Z]* *Terminal shell in container (.*falco_rules.yaml:[0-9]*)$" "$ST_TMP/out" ||
  fail "falco_rules.yaml: Terminal shell in container is not listed as enabled"
expect_exit 0 "$STRATA" monitor -q --host --rate 0 --dedup 0 --no-default-rules \
  --rules "$falco/falco_rules.yaml" --replay "$falco/falco_events.jsonl"
jq -c '[.rule, (.priority | ascii_upcase), .output]' "$ST_TMP/out" >got.txt
jq -c '[.rule, .priority, .output]' "$falco/falco_events.expected" >want.txt
same_files want.txt got.txt
pass "Falco's ruleset: $enabled rules run, $skipped skipped with reasons, the expected alerts"
