#!/bin/sh
# Builds every libFuzzer target (tests/fuzz/fuzz_*.c) with clang against the
# library sources and runs each, one after the other, for N seconds; new
# coverage is merged into tests/fuzz/corpus/<target>/ with -merge=1.
#
#   tests/fuzz/run-fuzzers.sh [SECONDS] [TARGET...]
#
# Environment: BUILD (default build-fuzz in the source tree), CC (clang),
# CRASHES (where crash/leak/timeout reproducers go; default
# /work/fuzz-crashes), JOBS (compile jobs, default 2), FUZZ_ARGS (extra
# libFuzzer flags). Crash files are NOT added to the corpus: move one into
# tests/fuzz/corpus/<target>/ in the same commit as its fix.
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BUILD:-$src/build-fuzz}
cc=${CC:-clang}
crashes=${CRASHES:-/work/fuzz-crashes}
jobs=${JOBS:-2}

mkdir -p "$build/obj" "$crashes"
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=undefined -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
  -DST_VERSION_STRING=\"fuzz\" -I$src/include -I$src/src/lib -I$here
  $(pkg-config --cflags libxml-2.0 libfyaml libcurl libpcre2-8 yara libpq libmicrohttpd)"
# the same libraries CMakeLists.txt links (eBPF capture is left out: its
# stub is built, as where cmake/bpf.cmake finds no libbpf)
libs="-larchive -ljansson -lzstd -lz -lcrypto -lsqlite3 -lpthread -lm
  $(pkg-config --libs libxml-2.0 libfyaml libcurl libpcre2-8 yara libpq libmicrohttpd)"
if pkg-config --exists libisal 2>/dev/null; then
    flags="$flags -DST_WITH_ISAL=1"
    libs="$libs $(pkg-config --libs libisal)"
fi
if pkg-config --exists libhs 2>/dev/null; then
    flags="$flags -DST_WITH_HYPERSCAN=1 $(pkg-config --cflags libhs)"
    libs="$libs $(pkg-config --libs libhs)"
fi
if pkg-config --exists libclamav 2>/dev/null; then
    flags="$flags -DST_WITH_CLAMAV=1 $(pkg-config --cflags libclamav)"
    libs="$libs $(pkg-config --libs libclamav)"
fi

# Rules and checks are data compiled into the library (as CMakeLists.txt
# does with cmake/embed.cmake).
mkdir -p "$build/gen"
embed() { # OUT SYMBOL MODE FILE...
    out=$1 sym=$2 mode=$3
    shift 3
    cmake -DOUT="$build/gen/$out" -DSYMBOL="$sym" -DSYMBOL_MODE="$mode" \
        -DROOT="$src" -P "$src/cmake/embed.cmake" "$@"
}
embed secret_rules.c st_secret_builtin_yaml one "$src/rules/secrets.yaml"
embed yara_rules.c st_malware_builtin_rules table "$src"/rules/yara/*.yar
embed host_checks.c st_host_builtin_checks table "$src"/policies/host/*.yaml
embed config_policies.c st_config_builtin_policies table "$src"/policies/config/*.yaml
embed monitor_rules.c st_monitor_builtin_rules table "$src"/rules/monitor/*.yaml

# The library, once, as a static archive (only what changed is rebuilt).
export cc flags
objs=""
todo=""
newest_h=$(find "$src/src/lib" "$src/include" -name '*.h' -newer "$build/libstrata_fuzz.a" 2>/dev/null | head -1 || true)
for f in $(cd "$src" && find src/lib -name '*.c' ! -name '*.bpf.c' | sort) $(cd "$build" && ls gen/*.c); do
    o="$build/obj/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')"
    objs="$objs $o"
    p="$src/$f"
    [ -f "$p" ] || p="$build/$f"
    if [ ! -f "$o" ] || [ "$p" -nt "$o" ] || [ -n "$newest_h" ]; then
        todo="$todo $p $o"
    fi
done
# shellcheck disable=SC2016
[ -z "$todo" ] || printf '%s\n' $todo |
    xargs -n2 -P "$jobs" sh -c 'echo "CC $0"; $cc $flags -std=gnu11 -c "$0" -o "$1"'
rm -f "$build/libstrata_fuzz.a"
ar rcs "$build/libstrata_fuzz.a" $objs

if [ $# -gt 0 ]; then
    targets="$*"
else
    targets=$(cd "$here" && ls fuzz_*.c | sed 's/\.c$//')
fi
for t in $targets; do
    $cc $flags -fsanitize=fuzzer "$here/$t.c" "$build/libstrata_fuzz.a" \
        $libs -o "$build/$t"
done

for t in $targets; do
    corpus="$here/corpus/$t"
    new="$build/new-$t"
    mkdir -p "$corpus" "$new"
    dict=""
    [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
    echo "== $t: ${secs}s"
    # exit status: crashes are reported, the loop goes on with the others
    "$build/$t" $dict -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
        -max_len=1048576 -print_final_stats=1 \
        -artifact_prefix="$crashes/$t-" ${FUZZ_ARGS:-} "$new" "$corpus" \
        >"$build/$t.log" 2>&1 || echo "!! $t: stopped, see $build/$t.log"
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/$t.log" |
        tail -2 || true
    "$build/$t" -merge=1 $dict -timeout=25 -rss_limit_mb=2048 \
        -max_len=1048576 "$corpus" "$new" >"$build/$t.merge.log" 2>&1 ||
        echo "!! $t: merge failed, see $build/$t.merge.log"
    rm -rf "$new"
done
ls -l "$crashes"
