#!/usr/bin/env bash
# Builds the benchmark image: a Debian bookworm root filesystem of about
# 1 GB uncompressed (toolchains, Python, Perl, Java runtime) as a
# one-layer OCI layout with a gzip layer. Idempotent. Needs root.
# Usage: bench/make-big-image.sh OUTDIR   -> OUTDIR/big/oci
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[[ -f $out/big/oci/index.json ]] && exit 0
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
tmp=$(mktemp -d "$out/.big.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pkgs=python3,python3-pip,perl,build-essential,git,curl,ca-certificates,openssl,default-jre-headless,clang,llvm
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -s $f ]] && sources+=("$f")
done
mmdebstrap --quiet --mode=root --variant=minbase --include="$pkgs" bookworm "$tmp/rootfs" "${sources[@]}" </dev/null
find "$tmp/rootfs/dev" -mindepth 1 -delete
tar -C "$tmp/rootfs" --format=posix --sort=name --numeric-owner \
  --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime -cf "$tmp/layer.tar" .
umoci init --layout "$tmp/oci"
umoci new --image "$tmp/oci:latest"
umoci raw add-layer --image "$tmp/oci:latest" "$tmp/layer.tar"
mkdir -p "$out/big"
mv "$tmp/oci" "$out/big/oci"
echo "built $out/big/oci ($(du -sh --apparent-size "$tmp/layer.tar" | cut -f1) uncompressed)" >&2
