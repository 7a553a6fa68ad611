#!/bin/sh
# Writes rust-auditable.elf: a small C program (not Rust: there is no Rust
# toolchain nor cargo-auditable here) carrying a .dep-v0 section in
# cargo-auditable's format, i.e. dep-v0.json (written by hand from the
# cargo-auditable JSON schema) compressed as a zlib stream. Needs gcc,
# binutils (strip, objcopy) and python3 (zlib). Run from this directory.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int main(void) { return 0; }\n' >"$tmp/hello.c"
gcc -Os -o "$tmp/hello" "$tmp/hello.c"
strip "$tmp/hello"
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1], "rb").read(), 9))' dep-v0.json >"$tmp/dep-v0.zlib"
objcopy --add-section .dep-v0="$tmp/dep-v0.zlib" --set-section-flags .dep-v0=noload,readonly "$tmp/hello" rust-auditable.elf
chmod +x rust-auditable.elf
