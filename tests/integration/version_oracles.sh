# shellcheck shell=bash
# version_oracles.sh — strata's deb and rpm version comparisons agree with
# the real tools on thousands of random pairs of real version strings:
#   deb: Version fields of this machine's apt lists (and the installed
#        packages), pairs checked with `dpkg --compare-versions A lt|eq|gt B`;
#   rpm: the strings of tests/data/vectors/rpm.tsv and of the Debian pool,
#        decorated with epochs and releases of the forms RPM distributions
#        use, checked with rpm's own rpm.vercmp() in ONE lua call.
# Half of each set are neighbours in sorted order (long common prefixes:
# the cases that tell comparators apart), half fully random pairs. The
# seed is printed; ST_ORACLE_SEED=N repeats a run, ST_ORACLE_PAIRS=N sets
# the number of pairs per scheme (default 5000).
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip/expect_exit.

pairs=${ST_ORACLE_PAIRS:-5000}
seed=${ST_ORACLE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed $seed, $pairs pairs per scheme"

# The CLI answers at all (the scheme is implemented).
expect_exit 0 "$STRATA" version compare deb 1.0 0:1.0-0
[[ $(cat "$ST_TMP/out") == "=" ]] || fail "deb 1.0 vs 0:1.0-0: got $(cat "$ST_TMP/out"), want ="
expect_exit 2 "$STRATA" version compare deb 1.0- 1.0

# draw_pairs SEED N < POOL: N "a<TAB>b" lines, half neighbours in sort
# order (distance 1..3), half uniformly random, never a string with itself
# from the same line (equal strings still occur when the pool repeats).
draw_pairs() {
  LC_ALL=C sort -u | awk -v seed="$1" -v n="$2" '
    { v[NR] = $0 }
    END {
      srand(seed)
      if (NR < 2) exit 1
      for (k = 0; k < n; k++) {
        i = 1 + int(rand() * NR)
        if (k % 2 == 0) {
          j = i + 1 + int(rand() * 3); if (j > NR) j = i - 1 - int(rand() * 3)
          if (j < 1) j = 1
        } else {
          j = 1 + int(rand() * NR)
        }
        if (rand() < 0.5) print v[i] "\t" v[j]; else print v[j] "\t" v[i]
      }
    }'
}

# compare_answers NAME PAIRS STRATA_OUT ORACLE_OUT
compare_answers() {
  local n bad
  n=$(wc -l <"$2")
  [[ $(wc -l <"$3") == "$n" && $(wc -l <"$4") == "$n" ]] \
    || fail "$1: $n pairs, $(wc -l <"$3") strata answers, $(wc -l <"$4") oracle answers"
  paste "$2" "$3" "$4" | awk -F'\t' '$3 != $4' >"$ST_TMP/$1.diff"
  bad=$(wc -l <"$ST_TMP/$1.diff")
  if [[ $bad != 0 ]]; then
    { echo "a	b	strata	oracle"; head -20 "$ST_TMP/$1.diff"; } >&2
    fail "$1: $bad of $n pairs differ from the oracle (seed $seed)"
  fi
  pass "$1: $n pairs agree with the oracle"
}

# ---- deb against dpkg --compare-versions --------------------------------
command -v dpkg >/dev/null || skip "no dpkg on this machine"
pool=$ST_TMP/deb.pool
{ apt-cache dumpavail 2>/dev/null || true; } | sed -n 's/^Version: //p' >"$pool"
if [[ $(wc -l <"$pool") -lt 1000 && $(id -u) == 0 ]]; then
  apt-get update -qq >/dev/null 2>&1 || true
  { apt-cache dumpavail 2>/dev/null || true; } | sed -n 's/^Version: //p' >"$pool"
fi
dpkg-query -W -f='${Version}\n' 2>/dev/null | sed '/^$/d' >>"$pool" || true
[[ $(LC_ALL=C sort -u "$pool" | wc -l) -ge 100 ]] || skip "fewer than 100 Debian version strings on this machine"
echo "deb: $(LC_ALL=C sort -u "$pool" | wc -l) distinct version strings"
draw_pairs "$seed" "$pairs" <"$pool" >"$ST_TMP/deb.pairs"

"$STRATA" version compare --stdin deb <"$ST_TMP/deb.pairs" >"$ST_TMP/deb.strata" \
  || fail "deb: strata version compare --stdin exited $? (an invalid pair?)"
while IFS=$'\t' read -r a b; do
  if dpkg --compare-versions "$a" lt "$b"; then echo -1
  elif dpkg --compare-versions "$a" eq "$b"; then echo 0
  else echo 1
  fi
done <"$ST_TMP/deb.pairs" >"$ST_TMP/deb.dpkg" 2>"$ST_TMP/deb.dpkg.err"
[[ ! -s $ST_TMP/deb.dpkg.err ]] || { head -5 "$ST_TMP/deb.dpkg.err" >&2; fail "deb: dpkg complained about a version"; }
compare_answers deb "$ST_TMP/deb.pairs" "$ST_TMP/deb.strata" "$ST_TMP/deb.dpkg"

# ---- rpm against rpm.vercmp() --------------------------------------------
command -v rpm >/dev/null || skip "no rpm on this machine (deb passed)"
rpm --eval '%{lua: print(rpm.vercmp("1.0", "1.0^"))}' 2>/dev/null | grep -qx -- -1 \
  || skip "rpm is older than 4.15 (no '^' support) or has no rpm.vercmp (deb passed)"
vectors=$ST_SRC/tests/data/vectors/rpm.tsv
[[ -s $vectors ]] || fail "missing $vectors"
# Base strings: every version of rpm.tsv and a sample of the Debian pool;
# then each decorated with epochs and releases seen in RPM distributions.
{
  grep -v '^#' "$vectors" | cut -f1,2 | tr '\t' '\n'
  LC_ALL=C sort -u "$pool" | awk -v seed="$seed" 'BEGIN { srand(seed) } rand() < 0.05'
} | sed '/^$/d' | LC_ALL=C sort -u >"$ST_TMP/rpm.bases"
awk -v seed="$seed" '
  BEGIN {
    srand(seed + 1)
    ne = split(":0:1:2:10:00:", E, ":")     # "" and epochs
    nr = split("|1|2|1.el8|1.el8_8|10.el9|2.el9_2.1|0.1.rc1.fc39|1.fc40|3.1|1.module+el8.9.0+1234+abcd1234|0.20230101git1a2b3c|1~beta1|1^20240101|2.amzn2023", R, "|")
  }
  {
    print
    for (k = 0; k < 3; k++) {
      e = E[1 + int(rand() * ne)]; r = R[1 + int(rand() * nr)]
      print (e != "" ? e ":" : "") $0 (r != "" ? "-" r : "")
    }
  }' "$ST_TMP/rpm.bases" >"$ST_TMP/rpm.pool"
echo "rpm: $(LC_ALL=C sort -u "$ST_TMP/rpm.pool" | wc -l) distinct EVR strings"
draw_pairs "$((seed + 2))" "$pairs" <"$ST_TMP/rpm.pool" >"$ST_TMP/rpm.pairs"

"$STRATA" version compare --stdin rpm <"$ST_TMP/rpm.pairs" >"$ST_TMP/rpm.strata" \
  || fail "rpm: strata version compare --stdin exited $? (an invalid pair?)"
# One rpm process for all pairs: lua reads the pairs file (no '%' may appear
# in the script, rpm would expand it as a macro) and prints the answers in
# one go (rpm's print() adds no newline between calls).
RPM_PAIRS=$ST_TMP/rpm.pairs rpm --eval '%{lua:
  local f = assert(io.open(os.getenv("RPM_PAIRS")))
  local out = {}
  for line in f:lines() do
    local t = line:find("\t", 1, true)
    local ok, r = pcall(rpm.vercmp, line:sub(1, t - 1), line:sub(t + 1))
    out[#out + 1] = ok and tostring(r) or "invalid"
  end
  f:close()
  print(table.concat(out, "\n"))
}' | sed '/^$/d' >"$ST_TMP/rpm.rpm"
compare_answers rpm "$ST_TMP/rpm.pairs" "$ST_TMP/rpm.strata" "$ST_TMP/rpm.rpm"
