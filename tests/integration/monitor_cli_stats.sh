# strata monitor --stats on real runc containers (tests/fixtures/runc/runc.sh,
# busybox rootfs): a container spinning one CPU shows what its process
# burned (the oracle: utime+stime of /proc/<pid>/stat over the same
# window), a container with three children shows the pids `runc ps` lists
# and the memory limit it was given, and a fork burst in an idle container
# raises exactly one "Resource anomaly" alert naming it, while the busy and
# the steady containers raise none (busy is their normal).
# (tests/integration/monitor_stats.sh tests the stats reader itself.)
# Root only (skips loudly otherwise). Sourced by run-one.sh: STRATA,
# ST_SRC, ST_TMP.

[[ $(id -u) == 0 ]] || skip "monitor stats need root (runc containers, cgroups)"
for t in runc jq busybox python3; do
  command -v $t >/dev/null || skip "$t not installed (scripts/setup.sh)"
done
runc_sh=$ST_SRC/tests/fixtures/runc/runc.sh
sfx=$$
busy=m4s-busy-$sfx steady=m4s-steady-$sfx burst=m4s-burst-$sfx
mon_pid=
cleanup() {
  set +e # everything below runs, whatever fails
  [[ -n $mon_pid ]] && kill "$mon_pid" 2>/dev/null && wait "$mon_pid" 2>/dev/null
  for c in "$busy" "$steady" "$burst"; do "$runc_sh" stop "$c" >/dev/null 2>&1 || true; done
  rm -rf "$ST_TMP"
}
trap cleanup EXIT
runc_() { if [[ -n ${ST_RUNC_ROOT:-} ]]; then runc --root "$ST_RUNC_ROOT" "$@"; else runc "$@"; fi; }

read -r _ busy_pid _ < <("$runc_sh" start "$busy" -- sh -c 'while :; do :; done')
read -r _ _ _ < <(ST_RUNC_MEMORY=67108864 "$runc_sh" start "$steady" -- \
  sh -c 'sleep 1000 & sleep 1000 & sleep 1000 & wait')
read -r _ _ _ < <("$runc_sh" start "$burst" -- sleep 1000)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(date +%s.%N) c0=$(cpu_ticks "$busy_pid")
"$STRATA" monitor --stats --interval 250ms --duration 9s --rate 0 \
  --output "$ST_TMP/alerts.jsonl" --stats-output "$ST_TMP/stats.jsonl" \
  --metrics "$ST_TMP/metrics.prom" 2>"$ST_TMP/mon.err" &
mon_pid=$!
# the burst comes once the baseline has ten samples (the first sample only
# starts the CPU counter): 11 samples of 250 ms, waited for by count
for _ in $(seq 200); do
  # (grep: the file may not exist yet, or end in a line being written)
  n=$(grep -c "\"container\":{\"id\":\"$burst\"" "$ST_TMP/stats.jsonl" 2>/dev/null || true)
  n=${n:-0}
  ((n >= 13)) && break
  sleep 0.1
done
((n >= 13)) || { cat "$ST_TMP/mon.err" >&2; fail "no stats samples for $burst"; }
runc_ exec -d "$burst" sh -c 'for i in $(seq 60); do sleep 1000 & done; wait'
wait "$mon_pid" || { cat "$ST_TMP/mon.err" >&2; fail "monitor --stats failed"; }
mon_pid=
t1=$(date +%s.%N) c1=$(cpu_ticks "$busy_pid")
pass "monitor --stats ran 9 s"

# ---- the stats lines ----------------------------------------------------------
jq -e -s 'length > 0 and all(.type == "stats" and (.container.id | type == "string")
  and (.cpu_percent | type == "number") and (.pids | type == "number")
  and (.mem_bytes | type == "number") and (.mem_limit | type == "number")
  and (.blk_read | type == "number") and (.net_rx | type == "number"))' \
  "$ST_TMP/stats.jsonl" >/dev/null || fail "stats lines lack fields"
for c in "$busy" "$steady" "$burst"; do
  n=$(jq -c --arg c "$c" 'select(.container.id == $c)' "$ST_TMP/stats.jsonl" | wc -l)
  # 9 s at 250 ms: 36 samples, less what a loaded machine delays
  ((n >= 20 && n <= 37)) || fail "$c: $n samples in 9 s at 250 ms"
  [[ $(jq -r --arg c "$c" 'select(.container.id == $c) | .container.runtime' \
    "$ST_TMP/stats.jsonl" | sort -u) == runc ]] || fail "$c: runtime is not runc"
done
samples=$(jq -s 'length' "$ST_TMP/stats.jsonl")
grep -qx "strata_monitor_stats_samples_total $samples" "$ST_TMP/metrics.prom" ||
  fail "metrics: stats_samples_total is not $samples"
pass "a stats line per container per sample"

# ---- CPU: the busy container against its process's own CPU time ----------------
got=$(jq -s --arg c "$busy" '[.[] | select(.container.id == $c) | .cpu_percent] | .[1:] | add / length' \
  "$ST_TMP/stats.jsonl")
want=$(python3 -c "print(100 * ($c1 - $c0) / $(getconf CLK_TCK) / ($t1 - $t0))")
python3 -c "import sys; g, w = $got, $want; sys.exit(0 if abs(g - w) <= 15 and g > 30 else 1)" ||
  fail "$busy: mean cpu_percent $got, its process used $want % of one CPU"
steady_cpu=$(jq -s --arg c "$steady" '[.[] | select(.container.id == $c) | .cpu_percent] | max' "$ST_TMP/stats.jsonl")
python3 -c "import sys; sys.exit(0 if $steady_cpu < 10 else 1)" ||
  fail "$steady: cpu_percent up to $steady_cpu while it sleeps"
pass "CPU: $busy averaged $got % (its process: $want %), $steady at most $steady_cpu %"

# ---- pids and memory: the steady container ---------------------------------------
want=$(runc_ ps "$steady" | tail -n +2 | wc -l)
[[ $want == 4 ]] || fail "runc ps $steady lists $want processes, want 4 (sh and 3 sleeps)"
got=$(jq -s --arg c "$steady" '[.[] | select(.container.id == $c)] | last | .pids' "$ST_TMP/stats.jsonl")
[[ $got == "$want" ]] || fail "$steady: pids $got, runc ps lists $want"
jq -e -s --arg c "$steady" '[.[] | select(.container.id == $c)] | last |
  .mem_limit == 67108864 and .mem_bytes > 0 and .mem_bytes < .mem_limit and
  (.mem_percent - 100 * .mem_bytes / .mem_limit | fabs) < 0.01' "$ST_TMP/stats.jsonl" >/dev/null ||
  fail "$steady: memory figures do not hold the 64 MiB limit"
pass "pids $got as runc ps says; the 64 MiB memory limit"

# ---- the fork burst: one anomaly, for the burst container only --------------------
jq -c 'select(.rule == "Resource anomaly")' "$ST_TMP/alerts.jsonl" >"$ST_TMP/anomalies.jsonl"
[[ $(wc -l <"$ST_TMP/anomalies.jsonl") == 1 ]] ||
  { cat "$ST_TMP/anomalies.jsonl" >&2; fail "want exactly one Resource anomaly alert"; }
jq -e --arg c "$burst" '.container.id == $c and .priority == "Warning" and .source == "stats"
  and (.output_fields.anomaly | test("pids")) and .output_fields["stats.pids"] >= 61
  and .output_fields["baseline.pids_mean"] < 2 and (.tags | index("T1496"))
  and (.output | startswith("Resource anomaly in container " + $c))' \
  "$ST_TMP/anomalies.jsonl" >/dev/null || { cat "$ST_TMP/anomalies.jsonl" >&2; fail "the anomaly alert"; }
pass "the fork burst raised one Resource anomaly: $(jq -r .output "$ST_TMP/anomalies.jsonl")"

# ---- usage errors -----------------------------------------------------------------
expect_exit 2 "$STRATA" monitor --interval 1s
grep -q "needs --stats" "$ST_TMP/err" || fail "--interval without --stats: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" monitor --stats --interval 10ms
grep -q "interval 10ms" "$ST_TMP/err" || fail "--interval 10ms: $(cat "$ST_TMP/err")"
expect_exit 2 "$STRATA" monitor --stats --replay "$ST_TMP/stats.jsonl"
[[ $(wc -l <"$ST_TMP/err") == 1 ]] || fail "errors are one line"
pass "stats usage errors"
