# Container attribution on real runc containers (tests/fixtures/runc/runc.sh,
# busybox-static root filesystems). For every process of a container, both
# its cgroup id (the inode number of its cgroup directory: in the memory
# controller on cgroup v1/hybrid, in the unified hierarchy on v2 — worked
# out here from /proc/<pid>/cgroup and stat, independently of strata) and
# its pid must map to the container's id, name, image, bundle and init pid;
# this shell's own process must map to the host. The probe is
# bench/monitor_stats.c (built as bench/bench_monitor_stats).
[[ $EUID -eq 0 ]] || skip "monitor_attribution: runc containers need root"
for tool in runc jq busybox; do
    command -v "$tool" >/dev/null || skip "monitor_attribution: no $tool"
done
RUNC_SH=$ST_SRC/tests/fixtures/runc/runc.sh
PROBE=$ST_BUILD/bench/bench_monitor_stats
[[ -x $PROBE ]] || fail "$PROBE is not built"

started=()
bg=()
cleanup() {
    local n p
    for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done
    for n in "${started[@]}"; do "$RUNC_SH" stop "$n" || true; done
    rm -rf "$ST_TMP"
}
trap cleanup EXIT

# The cgroup id of PID as the capture reports it.
cgroup_id() {
    local path
    if [[ -d /sys/fs/cgroup/memory ]]; then
        path=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$1/cgroup")
        stat -c %i "/sys/fs/cgroup/memory$path"
    else
        path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup")
        stat -c %i "/sys/fs/cgroup$path"
    fi
}

# start NAME [ROOTFS]: a container with three processes; sets $pid $bundle.
start() {
    local out name=$1
    shift
    started+=("$name")
    out=$("$RUNC_SH" start "$name" "$@" -- sh -c 'sleep 1000 & sleep 1000 & wait') ||
        fail "runc.sh start $name"
    read -r _ pid bundle <<<"$out"
}

# expect PID NAME IMAGE BUNDLE INIT_PID: both lookups of PID name the
# container.
expect() {
    local p=$1 name=$2 image=$3 bdl=$4 init=$5 got want_id
    got=$("$PROBE" lookup "$p") || fail "probe lookup $p"
    want_id=$(cgroup_id "$p")
    jq -e --arg name "$name" --arg image "$image" --arg bundle "$bdl" \
        --argjson init "$init" --argjson cgid "$want_id" '
        .cgroup_id == $cgid and .host_cgroup == false and .by_id == .by_pid
        and .by_id.id == $name and .by_id.name == $name
        and .by_id.image == $image and .by_id.runtime == "runc"
        and .by_id.bundle == $bundle and .by_id.init_pid == $init
        and .by_id.rootfs != ""' <<<"$got" >/dev/null ||
        fail "pid $p: want container $name (image $image, cgroup id $want_id), got $got"
}

# Waits until the container has N processes; prints their pids.
pids_of() {
    local name=$1 n=$2 list
    for _ in $(seq 100); do
        list=$(runc ps --format json "$name" | jq -r '.[]')
        [[ $(wc -w <<<"$list") -eq $n ]] && { echo "$list"; return; }
        sleep 0.1
    done
    fail "$name: want $n processes, have: $list"
}

a=st-attr-$$-a
b=st-attr-$$-b
ST_RUNC_IMAGE=strata.test/busybox:attr start "$a"
a_pid=$pid a_bundle=$bundle
# B shares A's root filesystem and has no image annotation: its image is
# its rootfs.
start "$b" "$a_bundle/rootfs"
b_pid=$pid b_bundle=$bundle

# A process joining A later, through runc exec.
"$RUNC_SH" exec "$a" sleep 1000 &
bg+=($!)
n=0
for p in $(pids_of "$a" 4); do
    expect "$p" "$a" strata.test/busybox:attr "$a_bundle" "$a_pid"
    n=$((n + 1))
done
pass "container $a: $n processes attributed by cgroup id and by pid"
for p in $(pids_of "$b" 3); do
    expect "$p" "$b" "$a_bundle/rootfs" "$b_bundle" "$b_pid"
done
pass "container $b: image is its rootfs"

got=$("$PROBE" lookup self)
jq -e '.by_id == null and .by_pid == null and .host_cgroup' <<<"$got" >/dev/null ||
    fail "the probe itself is on the host: $got"
pass "host process: no container, its cgroup in the host set"

"$PROBE" list >"$ST_TMP/list"
jq -se --arg a "$a" --arg b "$b" \
    '[.[].id] | index($a) != null and index($b) != null' "$ST_TMP/list" >/dev/null ||
    fail "list lacks $a or $b: $(cat "$ST_TMP/list")"
"$RUNC_SH" stop "$b"
"$PROBE" list >"$ST_TMP/list"
jq -se --arg a "$a" --arg b "$b" \
    '[.[].id] | index($a) != null and index($b) == null' "$ST_TMP/list" >/dev/null ||
    fail "after stopping $b, list: $(cat "$ST_TMP/list")"
pass "list: running containers only"
