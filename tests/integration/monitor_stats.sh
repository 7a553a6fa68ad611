# Container statistics against runc's own (`runc events --stats`, which
# reads the same cgroup files with runc's code) on a real runc container
# that spins a CPU and holds 16 MiB in a shell variable next to 8 MiB of
# page cache, under a 256 MiB limit. The probe is bench/monitor_stats.c
# (built as bench/bench_monitor_stats); tests/fixtures/runc/runc.sh starts
# the container.
#
# Tolerances: CPU time is cumulative, so strata's sample must lie between
# runc's readings taken just before and just after it (no tolerance).
# Memory may move between two readings by what the kernel allocates for
# the busy shell (page tables, slab), far below 1 MiB; a wrong formula is
# off by the 8 MiB of inactive page cache docker and strata leave out, or
# by the 16 MiB held. The limit and the number of processes (the shell and
# one sleep; nothing forks once it has settled) must be equal.
# shellcheck disable=SC2016 # the single-quoted $names are jq's
[[ $EUID -eq 0 ]] || skip "monitor_stats: runc containers need root"
for tool in runc jq busybox; do
    command -v "$tool" >/dev/null || skip "monitor_stats: no $tool"
done
RUNC_SH=$ST_SRC/tests/fixtures/runc/runc.sh
PROBE=$ST_BUILD/bench/bench_monitor_stats
[[ -x $PROBE ]] || fail "$PROBE is not built"

name=st-stats-$$
cleanup() {
    "$RUNC_SH" stop "$name" || true
    rm -rf "$ST_TMP"
}
trap cleanup EXIT

limit=268435456
ST_RUNC_MEMORY=$limit "$RUNC_SH" start "$name" -- sh -c '
    v=$(head -c 16777216 /dev/zero | tr "\0" x)
    dd if=/dev/zero of=/cache bs=1M count=8 2>/dev/null
    sync
    sleep 1000 &
    while :; do :; done' >"$ST_TMP/started" || fail "runc.sh start $name"
read -r _ pid _ <"$ST_TMP/started"

events() { runc events --stats "$name" | jq -c .data; }
# Settled: the helpers of the start-up have exited and the memory is held.
for _ in $(seq 150); do
    events >"$ST_TMP/r"
    jq -e '.pids.current == 2 and .memory.usage.usage > 16777216' \
        "$ST_TMP/r" >/dev/null && break
    sleep 0.1
done
jq -e '.pids.current == 2' "$ST_TMP/r" >/dev/null ||
    fail "$name did not settle: $(cat "$ST_TMP/r")"

events >"$ST_TMP/r0"
"$PROBE" sample "$name" 1000 >"$ST_TMP/s" || fail "probe sample"
events >"$ST_TMP/r1"
brief='{cpu: .cpu.usage.total, mem: .memory.usage, inactive_file:
    (.memory.raw.total_inactive_file // .memory.raw.inactive_file),
    pids: .pids.current, blkio}'
echo "runc before: $(jq -c "$brief" "$ST_TMP/r0")"
echo "strata:      $(cat "$ST_TMP/s")"
echo "runc after:  $(jq -c "$brief" "$ST_TMP/r1")"

check() { # JQ-EXPRESSION WHAT: over $s (strata), $r0 and $r1 (runc)
    jq -ne --slurpfile s "$ST_TMP/s" --slurpfile r0 "$ST_TMP/r0" \
        --slurpfile r1 "$ST_TMP/r1" --argjson limit "$limit" \
        --argjson ncpu "$(nproc)" \
        "\$s[0] as \$s | \$r0[0] as \$r0 | \$r1[0] as \$r1 | $1" >/dev/null ||
        fail "$2"
    pass "$2"
}
check '$r0.cpu.usage.total <= $s.cpu_ns and $s.cpu_ns <= $r1.cpu.usage.total' \
    "cpu time between runc's readings before and after"
check '($s.cpu_percent * $s.interval_ns / 100) <= ($r1.cpu.usage.total - $r0.cpu.usage.total) + 1000' \
    "cpu used over the interval within runc's"
check '$s.cpu_percent > 0 and $s.cpu_percent <= 100 * $ncpu + 1' \
    "cpu percent of a spinning shell in (0, 100 x CPUs]"
check '$s.pids == $r0.pids.current and $s.pids == $r1.pids.current and $s.pids == 2' \
    "pids equal to runc's"
check '$s.mem_limit == $limit and $r0.memory.usage.limit == $limit' \
    "memory limit"
mem='def m: .memory.usage.usage - (.memory.raw.total_inactive_file // .memory.raw.inactive_file // 0);'
check "$mem"' ([($s.mem_bytes - ($r0|m)), ($s.mem_bytes - ($r1|m))] | map(fabs) | min) <= 1048576' \
    "memory (usage minus inactive file) within 1 MiB of runc's"
check "$mem"' ($s.mem_bytes > 16777216) and ($s.mem_bytes < $r0.memory.usage.usage or ($r0.memory.raw.total_inactive_file // $r0.memory.raw.inactive_file // 0) < 1048576)' \
    "memory holds the 16 MiB and leaves the page cache out"
blk='def b(op): [(.blkio.io_service_bytes_recursive // [])[] | select(.op == op) | .value] | add // 0;'
check "$blk"' $s.blk_read == ($r1|b("Read")) and $s.blk_write == ($r1|b("Write"))' \
    "block IO equal to runc's"

# The container's network namespace has only lo; strata leaves lo out.
want=$(awk -F'[: ]+' 'NR > 2 && $2 != "lo" { rx += $3; tx += $11 } END { print rx + 0, tx + 0 }' \
    "/proc/$pid/net/dev")
got=$(jq -r '"\(.net_rx) \(.net_tx)"' "$ST_TMP/s")
[[ $got == "$want" ]] || fail "network: strata $got, /proc/$pid/net/dev $want"
pass "network rx/tx as /proc/$pid/net/dev without lo ($got)"
