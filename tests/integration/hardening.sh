# shellcheck shell=bash
# hardening.sh — the hardening scanner against other tools' view of real
# filesystems and images:
#  1. minbase (the mmdebstrap rootfs, `strata fs`, and its OCI image):
#     setuid/setgid findings == `find -type f -perm /6000`; world-writable
#     findings == `find -perm -0002 \( -type f -o -type d \)` minus sticky
#     directories; the ELF findings (path and the protections in detail) ==
#     what `readelf -hlWd --dyn-syms` says of every executable under
#     usr/bin and usr/sbin, by the rules of docs/hardening.md; the image
#     reports what the rootfs does, in layer 0.
#  2. the layered image: minbase's findings, less the ELF finding of
#     usr/bin/yes (whited out in layer 2), plus app/bin/suid-true (a setuid
#     copy of true added in layer 2): setuid-unexpected and true's ELF
#     finding, both in layer 2.
#  3. a planted rootfs: an extra uid-0 account, an empty shadow password,
#     an SSH host key and a TLS key made by openssl here (plus an encrypted
#     one, a certificate and the public key: not findings), a world-writable
#     directory without the sticky bit (and a sticky one), a setuid copy of
#     /bin/true in app/, an apt archive .deb, and C programs built here with
#     gcc in every hardening combination (PIE or not, RELRO none/partial/
#     full, executable stack, canary or not, static, static-pie, shared
#     objects): exactly the planted findings, each binary's == readelf's;
#     the same through `strata image dir:`.
# Needs readelf (binutils), jq and openssl (skips loudly without them);
# without gcc the C programs of part 3 are left out, saying so.
# Sourced by run-one.sh: STRATA, ST_FIXTURES, ST_TMP, fail/pass/skip.

for t in readelf jq openssl; do
  command -v $t >/dev/null || skip "hardening: no $t"
done
F=$ST_FIXTURES
rootfs=$F/rootfs/minbase
[[ -d $rootfs/usr/bin && -d $F/minbase/oci && -d $F/layered/oci ]] ||
  fail "fixtures missing in $F (run tests/fixtures/make-images.sh)"

# scan OUT CMD...: strata's hardening findings as JSON lines in OUT
scan() {
  local out=$1
  shift
  expect_exit 0 "$STRATA" "$@" --scanners hardening --format json
  jq -c '.findings[] | select(.kind == "hardening")' "$ST_TMP/out" >"$out"
  [[ -s $out ]] || fail "no hardening findings: $*"
}
# ids FILE ID...: "path" lines of those ids, sorted
paths_of() {
  local f=$1
  shift
  jq -r --args 'select(.id as $i | $ARGS.positional | index($i)) | .path' "$@" <"$f" | LC_ALL=C sort
}
SETUID=(setuid-expected setuid-unexpected setuid-writable)
WW=(world-writable-file world-writable-dir setuid-writable)

# ---- the oracles ----------------------------------------------------------------

# find_setuid ROOT / find_ww ROOT: what find says, as paths without "./"
find_setuid() { (cd "$1" && find . -type f -perm /6000 | sed 's|^\./||' | LC_ALL=C sort); }
find_ww() {
  (cd "$1" && find . -perm -0002 \( -type f -o \( -type d ! -perm -1000 \) \) |
    sed 's|^\./||' | LC_ALL=C sort)
}

# elf_oracle FILE REL: "REL<TAB>detail" when readelf shows a protection
# missing, nothing otherwise (docs/hardening.md, elf-hardening)
elf_oracle() {
  local out type interp=0 dyn=0 program=0 linked=0 now=0 pie relro nx canary
  local -a miss=()
  out=$(readelf -hlWd --dyn-syms "$1" 2>/dev/null) || return 0
  type=$(awk '$1 == "Type:" {print $2; exit}' <<<"$out")
  [[ $type == EXEC || $type == DYN ]] || return 0
  grep -qE '^  INTERP ' <<<"$out" && interp=1
  grep -qE '^  DYNAMIC ' <<<"$out" && dyn=1
  { [[ $type == EXEC ]] || ((interp)) ||
    grep -qE '\(FLAGS_1\) +Flags:.* PIE' <<<"$out"; } && program=1
  { ((interp)) || { ((!program)) && ((dyn)); }; } && linked=1
  grep -qE '\(BIND_NOW\)|\(FLAGS\) .*BIND_NOW|\(FLAGS_1\) +Flags:.* NOW' <<<"$out" && now=1
  if ((!program)); then pie="n/a (shared object)"
  elif [[ $type == DYN ]]; then pie=yes
  else pie=no; fi
  if ! grep -qE '^  GNU_RELRO ' <<<"$out"; then relro=no
  elif ((!linked || now)); then relro=full
  else relro=partial; fi
  if ! grep -qE '^  GNU_STACK ' <<<"$out"; then nx="unknown (no PT_GNU_STACK)"
  elif grep -qE '^  GNU_STACK .* RWE ' <<<"$out"; then nx=no
  else nx=yes; fi
  if ((!linked)); then canary="unknown (statically linked)"
  elif ! grep -q "^Symbol table '.dynsym'" <<<"$out"; then canary="unknown (no .dynsym)"
  elif grep -qE ' (__stack_chk_fail|__intel_security_cookie)(@|$)' <<<"$out"; then canary=yes
  else canary=no; fi
  [[ $pie == no ]] && miss+=("PIE")
  [[ $relro != full ]] && miss+=("full RELRO")
  [[ $nx == no ]] && miss+=("NX")
  [[ $canary == no ]] && miss+=("stack protector")
  ((${#miss[@]})) || return 0
  local IFS=,
  local list="${miss[*]}"
  printf '%s\tmissing %s; PIE: %s, RELRO: %s, NX: %s, stack protector: %s\n' \
    "$2" "${list//,/, }" "$pie" "$relro" "$nx" "$canary"
}
# elf_oracle_tree ROOT DIR...: the oracle for every executable (and every
# *.so* in the application directories) under ROOT/DIR...
elf_oracle_tree() {
  local root=$1 f
  shift
  (cd "$root" && for d in "$@"; do
    [[ -d $d && ! -L $d ]] || continue
    case $d in
      usr/bin|usr/sbin|bin|sbin) find "$d" -type f -perm /111 -size +63c ;;
      *) find "$d" -type f -size +63c \( -perm /111 -o -name '*.so' -o -name '*.so.*' \) ;;
    esac
  done) | LC_ALL=C sort | while read -r f; do elf_oracle "$root/$f" "$f"; done
}
elf_found() { jq -r 'select(.id == "elf-hardening") | [.path, .detail] | @tsv' "$1" | LC_ALL=C sort; }

# ---- 1. minbase ---------------------------------------------------------------

scan "$ST_TMP/fs.jsonl" fs "$rootfs"
find_setuid "$rootfs" >"$ST_TMP/setuid.want"
[[ $(wc -l <"$ST_TMP/setuid.want") -ge 5 ]] || fail "minbase: the oracle found too few setuid files"
paths_of "$ST_TMP/fs.jsonl" "${SETUID[@]}" >"$ST_TMP/setuid.got"
same_files "$ST_TMP/setuid.want" "$ST_TMP/setuid.got"
# minbase's are all the distribution's own (passwd, su, mount, chage, …)
[[ -z $(jq -r 'select(.id | startswith("setuid")) | select(.id != "setuid-expected" or .severity != "LOW") | .path' "$ST_TMP/fs.jsonl") ]] ||
  fail "minbase: a setuid file not reported as expected (LOW)"
find_ww "$rootfs" >"$ST_TMP/ww.want"
paths_of "$ST_TMP/fs.jsonl" "${WW[@]}" >"$ST_TMP/ww.got"
same_files "$ST_TMP/ww.want" "$ST_TMP/ww.got"
# the sticky ones are there, and not findings
[[ -d $rootfs/tmp && $(stat -c %a "$rootfs/tmp") == 1777 ]] || fail "minbase: no sticky /tmp to test with"
pass "minbase: setuid ($(wc -l <"$ST_TMP/setuid.want")) and world-writable ($(wc -l <"$ST_TMP/ww.want")) findings == find"

elf_oracle_tree "$rootfs" usr/bin usr/sbin bin sbin app opt srv usr/local >"$ST_TMP/elf.want"
[[ $(wc -l <"$ST_TMP/elf.want") -ge 20 ]] || fail "minbase: readelf found too few binaries lacking a protection"
elf_found "$ST_TMP/fs.jsonl" >"$ST_TMP/elf.got"
same_files "$ST_TMP/elf.want" "$ST_TMP/elf.got"
pass "minbase: ELF protections of $(wc -l <"$ST_TMP/elf.want") binaries == readelf"

# nothing else in minbase: no keys, accounts or caches to speak of
others=$(jq -r 'select(.id != "elf-hardening" and (.id | startswith("setuid") | not)) | .id + " " + .path' "$ST_TMP/fs.jsonl")
[[ -z $others ]] || fail "minbase: unexpected findings: $others"

# the image: the same findings, in layer 0, visible
scan "$ST_TMP/oci.jsonl" image "oci:$F/minbase/oci:latest"
key='[.id, .severity, .path, .detail] | @tsv'
jq -r "$key" "$ST_TMP/fs.jsonl" | LC_ALL=C sort >"$ST_TMP/fs.tsv"
jq -r "$key" "$ST_TMP/oci.jsonl" | LC_ALL=C sort >"$ST_TMP/oci.tsv"
same_files "$ST_TMP/fs.tsv" "$ST_TMP/oci.tsv"
[[ -z $(jq -r 'select(.layer_index != 0 or .visible != true) | .path' "$ST_TMP/oci.jsonl") ]] ||
  fail "minbase image: a finding not in layer 0 or not visible"
pass "minbase image: the rootfs's $(wc -l <"$ST_TMP/oci.tsv") findings, layer 0"

# ---- 2. layered ---------------------------------------------------------------

scan "$ST_TMP/layered.jsonl" image "oci:$F/layered/oci:latest"
{ cat "$ST_TMP/setuid.want"; echo app/bin/suid-true; } | LC_ALL=C sort >"$ST_TMP/lsetuid.want"
paths_of "$ST_TMP/layered.jsonl" "${SETUID[@]}" >"$ST_TMP/lsetuid.got"
same_files "$ST_TMP/lsetuid.want" "$ST_TMP/lsetuid.got"
got=$(jq -r 'select(.path == "app/bin/suid-true" and .id == "setuid-unexpected") | "\(.severity) \(.layer_index)"' "$ST_TMP/layered.jsonl")
[[ $got == "HIGH 2" ]] || fail "layered: app/bin/suid-true: '$got', want 'HIGH 2'"
true_detail=$(awk -F'\t' '$1 == "usr/bin/true" {print $2}' "$ST_TMP/elf.want")
{ grep -v -P '^usr/bin/yes\t' "$ST_TMP/elf.want"
  [[ -z $true_detail ]] || printf 'app/bin/suid-true\t%s\n' "$true_detail"; } |
  LC_ALL=C sort >"$ST_TMP/lelf.want"
elf_found "$ST_TMP/layered.jsonl" >"$ST_TMP/lelf.got"
same_files "$ST_TMP/lelf.want" "$ST_TMP/lelf.got"
grep -q -P '^usr/bin/yes\t' "$ST_TMP/elf.want" || fail "layered: usr/bin/yes was no finding in minbase: nothing tested"
pass "layered: setuid in layer 2 found, whited-out usr/bin/yes gone"

# ---- 3. a planted rootfs --------------------------------------------------------

P=$ST_TMP/planted
mkdir -p "$P/etc/ssh" "$P/app/uploads" "$P/app/certs" "$P/app/bin" "$P/app/lib" \
  "$P/tmp" "$P/var/cache/apt/archives/partial" "$P/var/lib/apt/lists/partial" "$P/usr/bin"
cat >"$P/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
toor:x:0:0:backdoor:/root:/bin/sh
guest:x:1000:1000::/home/guest:/bin/sh
locked:x:1001:1001::/home/locked:/bin/sh
EOF
cat >"$P/etc/shadow" <<'EOF'
root:*:19700:0:99999:7:::
daemon:*:19700:0:99999:7:::
toor:!:19700:0:99999:7:::
guest::19700:0:99999:7:::
locked:!*:19700:0:99999:7:::
EOF
chmod 0640 "$P/etc/shadow"
openssl genpkey -algorithm ed25519 -out "$P/etc/ssh/ssh_host_ed25519_key" 2>/dev/null
openssl pkey -in "$P/etc/ssh/ssh_host_ed25519_key" -pubout -out "$P/etc/ssh/ssh_host_ed25519_key.pub"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/app/certs/tls.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 \
  -pass pass:strata-test -out "$P/app/certs/backup.key" 2>/dev/null
openssl req -new -x509 -key "$P/app/certs/tls.key" -subj /CN=strata-test -days 1 \
  -out "$P/app/certs/tls.crt" 2>/dev/null
openssl pkey -in "$P/app/certs/tls.key" -pubout -out "$P/app/certs/tls.pub"
grep -q 'BEGIN PRIVATE KEY' "$P/app/certs/tls.key" || fail "openssl: tls.key is not PKCS#8 PEM"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$P/app/certs/backup.key" || fail "openssl: backup.key is not encrypted PKCS#8"
chmod 0777 "$P/app/uploads"
chmod 1777 "$P/tmp"
cp /bin/true "$P/app/bin/helper"
chmod 4755 "$P/app/bin/helper"
cp /bin/true "$P/usr/bin/true"
head -c 2048 /dev/urandom >"$P/var/cache/apt/archives/hello_2.10-3_amd64.deb"
: >"$P/var/cache/apt/archives/lock"
: >"$P/var/lib/apt/lists/lock"
head -c 100 /dev/urandom >"$P/var/lib/apt/lists/partial/x_InRelease" # unfinished: not a cache

# C programs in every hardening combination
have_gcc=0
command -v gcc >/dev/null && have_gcc=1
((have_gcc)) || echo "NOTE: no gcc: the planted rootfs has no C programs built here" >&2
if ((have_gcc)); then
cat >"$ST_TMP/prog.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    char buf[64];
    strncpy(buf, argc > 1 ? argv[1] : "strata", sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    puts(buf);
    return 0;
}
EOF
cat >"$ST_TMP/lib.c" <<'EOF'
#include <string.h>
int demo(const char *s)
{
    char buf[64];
    strncpy(buf, s, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = 0;
    return (int)strlen(buf);
}
EOF
# cc_ OUT FLAGS [SOURCE]: FLAGS split into words on purpose
# shellcheck disable=SC2086
cc_() { gcc -O1 -o "$P/$1" "$ST_TMP/${3:-prog.c}" $2 2>"$ST_TMP/cc.err" || fail "gcc $2: $(cat "$ST_TMP/cc.err")"; }
cc_ app/bin/hardened "-fPIE -pie -fstack-protector-strong -Wl,-z,relro,-z,now -Wl,-z,noexecstack"
cc_ app/bin/partial-relro "-fPIE -pie -fstack-protector-strong -Wl,-z,relro,-z,lazy"
cc_ app/bin/no-pie "-fno-PIE -no-pie -fstack-protector-strong -Wl,-z,relro,-z,now"
cc_ app/bin/no-relro "-fPIE -pie -fstack-protector-strong -Wl,-z,norelro"
cc_ app/bin/execstack "-fPIE -pie -fstack-protector-strong -Wl,-z,relro,-z,now -Wl,-z,execstack"
cc_ app/bin/no-canary "-fPIE -pie -fno-stack-protector -Wl,-z,relro,-z,now"
cc_ app/bin/worst "-fno-PIE -no-pie -fno-stack-protector -Wl,-z,norelro -Wl,-z,execstack"
cc_ app/bin/static "-static -fstack-protector-strong"
cc_ app/bin/static-pie "-static-pie -fPIE -fstack-protector-strong"
cc_ app/lib/libdemo.so "-shared -fPIC -fno-stack-protector" lib.c
cc_ app/lib/libdemo-now.so.1 "-shared -fPIC -fstack-protector-strong -Wl,-z,now" lib.c
chmod 0644 "$P/app/lib/libdemo.so" "$P/app/lib/libdemo-now.so.1"
cc_ usr/bin/prog-lazy "-fPIE -pie -fstack-protector-strong -Wl,-z,relro,-z,lazy"
fi

elf_oracle_tree "$P" usr/bin usr/sbin bin sbin app opt srv usr/local >"$ST_TMP/pelf.want"
# the oracle itself, against what the flags mean
if ((have_gcc)); then
pelf() { awk -F'\t' -v p="$1" '$1 == p {print $2}' "$ST_TMP/pelf.want"; }
[[ -z $(pelf app/bin/hardened) ]] || fail "oracle: hardened: $(pelf app/bin/hardened)"
[[ $(pelf app/bin/partial-relro) == "missing full RELRO; PIE: yes, RELRO: partial, NX: yes, stack protector: yes" ]] || fail "oracle: partial-relro: $(pelf app/bin/partial-relro)"
[[ $(pelf app/bin/no-pie) == "missing PIE; "* ]] || fail "oracle: no-pie: $(pelf app/bin/no-pie)"
[[ $(pelf app/bin/no-relro) == *"RELRO: no,"* ]] || fail "oracle: no-relro: $(pelf app/bin/no-relro)"
[[ $(pelf app/bin/execstack) == "missing NX; "* ]] || fail "oracle: execstack: $(pelf app/bin/execstack)"
[[ $(pelf app/bin/no-canary) == "missing stack protector; "* ]] || fail "oracle: no-canary: $(pelf app/bin/no-canary)"
[[ $(pelf app/bin/worst) == "missing PIE, full RELRO, NX, stack protector; PIE: no, RELRO: no, NX: no, stack protector: no" ]] || fail "oracle: worst: $(pelf app/bin/worst)"
[[ $(pelf app/bin/static) == *"stack protector: unknown (statically linked)" ]] || fail "oracle: static: $(pelf app/bin/static)"
[[ $(pelf app/lib/libdemo.so) == *"PIE: n/a (shared object)"*"stack protector: no" ]] || fail "oracle: libdemo.so: $(pelf app/lib/libdemo.so)"
[[ -z $(pelf app/lib/libdemo-now.so.1) ]] || fail "oracle: libdemo-now.so.1: $(pelf app/lib/libdemo-now.so.1)"
fi

# what must be found: the planted problems and the binaries readelf faults
uid=$(stat -c %u "$P/app/bin/helper")
if [[ $uid == 0 ]]; then suid_sev=HIGH; else suid_sev=MEDIUM; fi
{
  printf '%s\t%s\t%s\n' \
    uid0-account HIGH etc/passwd \
    empty-password HIGH etc/shadow \
    ssh-host-key HIGH etc/ssh/ssh_host_ed25519_key \
    private-key MEDIUM app/certs/tls.key \
    private-key LOW app/certs/backup.key \
    world-writable-dir MEDIUM app/uploads \
    setuid-unexpected "$suid_sev" app/bin/helper \
    package-cache LOW var/cache/apt
  cut -f1 "$ST_TMP/pelf.want" | sed 's/^/elf-hardening\tLOW\t/'
} | LC_ALL=C sort >"$ST_TMP/planted.want"

for how in fs image; do
  if [[ $how == fs ]]; then scan "$ST_TMP/p.jsonl" fs "$P"
  else scan "$ST_TMP/p.jsonl" image "dir:$P"; fi
  jq -r '[.id, .severity, .path] | @tsv' "$ST_TMP/p.jsonl" | LC_ALL=C sort >"$ST_TMP/planted.got"
  same_files "$ST_TMP/planted.want" "$ST_TMP/planted.got"
  elf_found "$ST_TMP/p.jsonl" >"$ST_TMP/pelf.got"
  same_files "$ST_TMP/pelf.want" "$ST_TMP/pelf.got"
  find_setuid "$P" >"$ST_TMP/psetuid.want"
  paths_of "$ST_TMP/p.jsonl" "${SETUID[@]}" >"$ST_TMP/psetuid.got"
  same_files "$ST_TMP/psetuid.want" "$ST_TMP/psetuid.got"
  find_ww "$P" >"$ST_TMP/pww.want"
  paths_of "$ST_TMP/p.jsonl" "${WW[@]}" >"$ST_TMP/pww.got"
  same_files "$ST_TMP/pww.want" "$ST_TMP/pww.got"
  # the specifics
  d() { jq -r --arg id "$1" --arg p "$2" 'select(.id == $id and .path == $p) | .detail' "$ST_TMP/p.jsonl"; }
  [[ $(d uid0-account etc/passwd) == *"'toor' has uid 0"* ]] || fail "$how: uid0-account: $(d uid0-account etc/passwd)"
  [[ $(d empty-password etc/shadow) == *"'guest' (uid 1000)"* ]] || fail "$how: empty-password: $(d empty-password etc/shadow)"
  [[ $(d private-key app/certs/tls.key) == "PRIVATE KEY, not encrypted" ]] || fail "$how: tls.key: $(d private-key app/certs/tls.key)"
  [[ $(d private-key app/certs/backup.key) == "ENCRYPTED PRIVATE KEY, encrypted" ]] || fail "$how: backup.key: $(d private-key app/certs/backup.key)"
  [[ $(d package-cache var/cache/apt) == *": 1 files, 2048 bytes" ]] || fail "$how: apt cache: $(d package-cache var/cache/apt)"
  [[ $(d world-writable-dir app/uploads) == "mode 0777, "* ]] || fail "$how: uploads: $(d world-writable-dir app/uploads)"
  [[ $(d setuid-unexpected app/bin/helper) == "setuid, mode 4755, uid $uid,"* ]] || fail "$how: helper: $(d setuid-unexpected app/bin/helper)"
done
pass "planted: exactly the $(wc -l <"$ST_TMP/planted.want") planted findings ($(wc -l <"$ST_TMP/pelf.want") binaries == readelf), fs and dir:"
