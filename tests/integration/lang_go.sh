# shellcheck shell=bash
# lang_go.sh — Go modules found by strata against Go's own readers:
#  1. real Go binaries built here by Debian's Go toolchain, offline (a local
#     file:// module proxy holding two hand-written modules and the real
#     golang.org/x/mod from golang-golang-x-mod-dev, then `go mod vendor`
#     and GOFLAGS=-mod=vendor GOPROXY=off), in many forms: default,
#     -ldflags="-s -w", binutils strip, -trimpath, PIE, external linking,
#     386 (ELF32 LE), ppc64 (ELF64 BE), mips (ELF32 BE); replacements by
#     another module and by a directory. Oracle: `go version -m`.
#  2. real Go binaries from Debian packages (skopeo, umoci, the go command
#     itself) where installed. Oracle: `go version -m`.
#  3. every go.mod that the installed golang-*-dev packages ship, and the
#     test module's. Oracle: `go mod edit -json` through
#     tests/data/gomod/oracle.jq (the replacement rule strata documents).
#  4. the binaries' stdlib and modules matched against the real Go OSV data;
#     a cargo-auditable .dep-v0 section matched against crates.io's.
# Needs golang-go, golang-golang-x-mod-dev, binutils, jq, python3 (zip
# files for the module proxy); skips loudly without them.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_BUILD, ST_TMP, fail/pass/skip.

command -v go >/dev/null || skip "no Go toolchain (apt-get install golang-go)"
command -v jq >/dev/null || skip "no jq"
command -v python3 >/dev/null || skip "no python3"
XMOD=/usr/share/gocode/src/golang.org/x/mod
[[ -f $XMOD/go.mod ]] || skip "no $XMOD (apt-get install golang-golang-x-mod-dev)"

export GOPATH=$ST_TMP/gopath GOMODCACHE=$ST_TMP/gopath/pkg/mod
export GOCACHE=$ST_BUILD/go-build-cache # kept: cross builds of the stdlib are slow
export GOTOOLCHAIN=local GO111MODULE=on GOSUMDB=off GOFLAGS=-mod=mod
export GOPROXY=file://$ST_TMP/proxy GONOSUMDB='*' GOPRIVATE='' CGO_ENABLED=0
unset GOOS GOARCH GOROOT
echo "toolchain: $(go version)"

# ---- a module proxy on disk ------------------------------------------------
# addmod PATH VERSION DIR: DIR as module PATH@VERSION, laid out as the
# GOPROXY protocol serves it (list, .info, .mod, .zip)
addmod() {
  local d=$ST_TMP/proxy/$1/@v
  mkdir -p "$d"
  echo "$2" >>"$d/list"
  printf '{"Version":"%s","Time":"2023-01-01T00:00:00Z"}\n' "$2" >"$d/$2.info"
  cp "$3/go.mod" "$d/$2.mod"
  python3 - "$d/$2.zip" "$1@$2" "$3" <<'EOF'
import os, sys, zipfile
out, prefix, src = sys.argv[1:4]
with zipfile.ZipFile(out, "w") as z:
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in ("testdata", ".git"))
        for f in sorted(files):
            p = os.path.join(root, f)
            z.write(p, prefix + "/" + os.path.relpath(p, src))
EOF
}
src=$ST_TMP/src
mkdir -p "$src/greet" "$src/fork" "$ST_TMP/app/lib"
printf 'module example.com/greet\n\ngo 1.17\n' >"$src/greet/go.mod"
printf 'package greet\n\nfunc Hello() string { return "hello" }\n' >"$src/greet/greet.go"
printf 'module example.com/fork\n\ngo 1.17\n' >"$src/fork/go.mod"
printf 'package other\n\nfunc Name() string { return "fork" }\n' >"$src/fork/fork.go"
addmod example.com/greet v1.4.0 "$src/greet"
addmod example.com/fork v0.2.0 "$src/fork"
xver=v$(dpkg-query -W -f '${Version}' golang-golang-x-mod-dev 2>/dev/null | sed 's/[-+~].*//')
[[ $xver =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || xver=v0.7.0
addmod golang.org/x/mod "$xver" "$XMOD"
# x/mod's go.mod names golang.org/x/tools: its go.mod only is needed
mkdir -p "$ST_TMP/proxy/golang.org/x/tools/@v"
sed -n 's|.*golang.org/x/tools \(v[^ ]*\).*|\1|p' "$XMOD/go.mod" | while read -r v; do
  echo "$v" >>"$ST_TMP/proxy/golang.org/x/tools/@v/list"
  printf 'module golang.org/x/tools\n\ngo 1.18\n' >"$ST_TMP/proxy/golang.org/x/tools/@v/$v.mod"
done

# ---- the application -------------------------------------------------------
app=$ST_TMP/app
printf 'module example.com/lib\n\ngo 1.17\n' >"$app/lib/go.mod"
printf 'package lib\n\nfunc Answer() int { return 42 }\n' >"$app/lib/lib.go"
cat >"$app/go.mod" <<EOF
module example.com/app

go 1.17

require (
	example.com/greet v1.4.0
	example.com/lib v1.2.3
	example.com/other v0.1.0
	golang.org/x/mod $xver
)

replace example.com/lib => ./lib

replace example.com/other v0.1.0 => example.com/fork v0.2.0
EOF
cat >"$app/main.go" <<'EOF'
package main

import (
	"fmt"

	"example.com/greet"
	"example.com/lib"
	other "example.com/other"
	"golang.org/x/mod/semver"
)

func main() {
	fmt.Println(greet.Hello(), lib.Answer(), other.Name(), semver.IsValid("v1.0.0"))
}
EOF
(cd "$app" && go mod tidy && go mod vendor) >"$ST_TMP/vendor.log" 2>&1 ||
  { cat "$ST_TMP/vendor.log" >&2; fail "go mod tidy/vendor"; }
export GOPROXY=off GOFLAGS=-mod=vendor

root=$ST_TMP/root
mkdir -p "$root/usr/bin" "$root/usr/local/bin" "$root/app" "$root/opt/svc"
# build NAME DEST [ENV=VALUE…] -- [go build flags…]
build() {
  local name=$1 dest=$2 envs=()
  shift 2
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  (cd "$app" && env "${envs[@]}" go build -o "$root/$dest/$name" "$@" .) \
    >"$ST_TMP/build-$name.log" 2>&1 || { cat "$ST_TMP/build-$name.log" >&2; fail "go build $name"; }
  bins+=("$dest/$name")
}
bins=()
build app-default usr/bin --
build app-sw usr/bin -- -ldflags="-s -w"
build app-trim usr/local/bin -- -trimpath
build app-pie app -- -buildmode=pie
build app-386 usr/bin GOARCH=386 --
build app-ppc64 usr/bin GOARCH=ppc64 --
build app-mips opt/svc GOARCH=mips --
if command -v gcc >/dev/null; then
  build app-ext usr/bin -- -ldflags=-linkmode=external
else
  echo "SKIP: no gcc: no externally linked binary" >&2
fi
if command -v strip >/dev/null; then
  cp "$root/usr/bin/app-default" "$root/usr/bin/app-strip"
  strip "$root/usr/bin/app-strip"
  bins+=(usr/bin/app-strip)
else
  echo "SKIP: no binutils strip" >&2
fi
# Debian's own Go binaries
ndeb=0
for b in /usr/bin/skopeo /usr/bin/umoci "$(go env GOROOT)/bin/go"; do
  if [[ ! -x $b ]] || ! go version -m "$b" >/dev/null 2>&1; then continue; fi
  cp "$b" "$root/usr/bin/debian-$(basename "$b")"
  bins+=("usr/bin/debian-$(basename "$b")")
  ndeb=$((ndeb + 1))
done
((ndeb)) || echo "SKIP: no Go binary from a Debian package installed (skopeo, umoci)" >&2
# go.mod files: the app's and every golang-*-dev package's
cp "$app/go.mod" "$root/app/go.mod"
mods=(app/go.mod)
while IFS= read -r f; do
  rel=src/${f#/usr/share/gocode/src/}
  mkdir -p "$root/$(dirname "$rel")"
  cp "$f" "$root/$rel"
  mods+=("$rel")
done < <(find /usr/share/gocode/src -name go.mod -not -path '*/testdata/*' | LC_ALL=C sort)

expect_exit 0 "$STRATA" fs -q --list-packages --format json "$root"
mv "$ST_TMP/out" "$ST_TMP/scan.json"

# strata's packages of one file, as TSV: name version source_name
# source_version direct
strata_tsv() {
  jq -r --arg f "/$1" '.packages[] | select(.found_in == $f)
    | [.type, .name, .version // "", .source_name // "", .source_version // "",
       (.direct | if . == null then "unknown" else tostring end)] | @tsv' \
    "$ST_TMP/scan.json" | LC_ALL=C sort
}

# ---- 1, 2: binaries against go version -m ----------------------------------
# The oracle's TSV from `go version -m`: the main module unless "(devel)",
# every dep with its "=>" replacement (a directory: original name, no
# version), stdlib at the toolchain version ("go1.19.8" -> "v1.19.8").
oracle_bin() {
  go version -m "$1" | awk -F'\t' '
    NR == 1 {
      v = $0; sub(/^[^:]*: /, "", v); sub(/ .*/, "", v)
      if (v ~ /^go[0-9]+\.[0-9]+(\.[0-9]+)?$/) {
        sub(/^go/, "v", v); if (split(v, p, ".") == 2) v = v ".0"
        std = v
      }
      next
    }
    function flush() {
      if (name == "") return
      print "golang\t" name "\t" ver "\t" sname "\t" sver "\t" direct
      name = ""
    }
    $2 == "mod" || $2 == "dep" {
      flush()
      if ($2 == "mod" && $4 == "(devel)") next
      name = $3; ver = $4; sname = ""; sver = ""
      direct = $2 == "mod" ? "true" : "unknown"
      next
    }
    $2 == "=>" {
      if (name == "") next
      sname = name; sver = ver
      if ($4 == "" || $4 == "(devel)" || $3 ~ /^(\.\.?\/|\/)/) ver = ""
      else { name = $3; ver = $4 }
      next
    }
    END { flush(); if (std != "") print "golang\tstdlib\t" std "\t\t\ttrue" }' |
    LC_ALL=C sort
}
total=0
for b in "${bins[@]}"; do
  oracle_bin "$root/$b" >"$ST_TMP/oracle.tsv"
  strata_tsv "$b" >"$ST_TMP/strata.tsv"
  same_files "$ST_TMP/oracle.tsv" "$ST_TMP/strata.tsv"
  [[ -s $ST_TMP/oracle.tsv ]] || fail "$b: the oracle lists nothing"
  total=$((total + $(wc -l <"$ST_TMP/oracle.tsv")))
done
# the test binaries really hold both kinds of replacement
grep -q $'golang\texample.com/fork\tv0.2.0\texample.com/other\tv0.1.0' <(strata_tsv usr/bin/app-default) ||
  fail "app-default: no example.com/other => example.com/fork"
grep -q $'golang\texample.com/lib\t\texample.com/lib\tv1.2.3' <(strata_tsv usr/bin/app-default) ||
  fail "app-default: no example.com/lib => ./lib"
pass "${#bins[@]} Go binaries ($ndeb from Debian): $total packages equal go version -m's"

# A binary without the build ID note (-buildid=) is recognised outside the
# OS directories only (the sniff heuristic of src/lib/analyze/gobinary.c).
(cd "$app" && go build -ldflags=-buildid= -o "$ST_TMP/nobid" .) || fail "go build -buildid="
mkdir -p "$ST_TMP/nobid-root/usr/bin" "$ST_TMP/nobid-root/srv"
cp "$ST_TMP/nobid" "$ST_TMP/nobid-root/usr/bin/nobid"
cp "$ST_TMP/nobid" "$ST_TMP/nobid-root/srv/nobid"
expect_exit 0 "$STRATA" fs -q --list-packages --format json "$ST_TMP/nobid-root"
n_srv=$(jq '[.packages[] | select(.found_in == "/srv/nobid")] | length' "$ST_TMP/out")
n_bin=$(jq '[.packages[] | select(.found_in == "/usr/bin/nobid")] | length' "$ST_TMP/out")
[[ $n_srv == "$(oracle_bin "$ST_TMP/nobid" | wc -l)" && $n_bin == 0 ]] ||
  fail "no-build-ID binary: $n_srv packages in /srv, $n_bin in /usr/bin"
pass "a binary without a build ID note: read in /srv, not sniffed in /usr/bin"

# ---- 3: go.mod against go mod edit -json --------------------------------------
total=0
for m in "${mods[@]}"; do
  (cd "$root/$(dirname "$m")" && GOFLAGS='' go mod edit -json go.mod) >"$ST_TMP/gomod.json" 2>"$ST_TMP/gomod.err" ||
    { echo "SKIP: $m: Go cannot parse it: $(head -1 "$ST_TMP/gomod.err")" >&2; continue; }
  jq -r -f "$ST_SRC/tests/data/gomod/oracle.jq" "$ST_TMP/gomod.json" |
    sed 's/^/golang\t/' | LC_ALL=C sort >"$ST_TMP/oracle.tsv"
  strata_tsv "$m" >"$ST_TMP/strata.tsv"
  same_files "$ST_TMP/oracle.tsv" "$ST_TMP/strata.tsv"
  total=$((total + $(wc -l <"$ST_TMP/oracle.tsv")))
done
((total > 0)) || fail "no go.mod requirement compared"
pass "${#mods[@]} go.mod files: $total requirements equal go mod edit -json's"

# nothing else was listed, and nothing complained
bad=$(jq -r '.packages[] | select(.type != "golang") | "\(.type) \(.name) \(.found_in)"' "$ST_TMP/scan.json")
[[ -z $bad ]] || fail "unexpected packages:"$'\n'"$bad"
bad=$(jq -r '.diagnostics[] | select(.analyzer == "gobinary" or .analyzer == "gomod") | "\(.path): \(.message)"' "$ST_TMP/scan.json")
[[ -z $bad ]] || fail "diagnostics:"$'\n'"$bad"

# ---- 4: vulnerabilities from the real OSV data ----------------------------------
osv=$ST_SRC/../shared/data/osv
if [[ -d $osv/Go && -d $osv/crates.io ]]; then
  "$STRATA" db update -q --from "$osv/Go" --from "$osv/crates.io" --db "$ST_TMP/db" >/dev/null
  mkdir -p "$ST_TMP/vroot/app"
  cp "$root/usr/bin/app-default" "$ST_TMP/vroot/app/server"
  cp "$ST_SRC/tests/data/gobinary/rust-auditable.elf" "$ST_TMP/vroot/app/hello"
  chmod +x "$ST_TMP/vroot/app/hello"
  expect_exit 0 "$STRATA" fs -q --db "$ST_TMP/db" --format json "$ST_TMP/vroot"
  std=$(jq -r '.packages[] | select(.name == "stdlib") | .version' "$ST_TMP/out")
  # the oracle: the Go advisories whose SEMVER ranges hold this version,
  # read straight from the OSV records (introduced <= v < fixed)
  python3 - "$osv/Go" "${std#v}" >"$ST_TMP/want.ids" <<'EOF'
import json, os, sys, zipfile
root, ver = sys.argv[1], sys.argv[2]
def key(v):
    main, _, pre = v.partition("-")
    return tuple(int(x) for x in main.split(".")), pre == "", pre
def recs():
    for dp, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(dp, f)
            if f.endswith(".json"):
                yield json.load(open(p))
            elif f.endswith(".zip"):
                with zipfile.ZipFile(p) as z:
                    for n in z.namelist():
                        if n.endswith(".json"):
                            yield json.loads(z.read(n))
ids = set()
for r in recs():
    if r.get("withdrawn"):
        continue
    for a in r.get("affected", []):
        if a.get("package", {}).get("name") != "stdlib":
            continue
        for rg in a.get("ranges", []):
            if rg.get("type") != "SEMVER":
                continue
            hit = False
            for e in rg.get("events", []):
                if "introduced" in e and (e["introduced"] == "0" or key(e["introduced"]) <= key(ver)):
                    hit = True
                elif "fixed" in e and key(ver) >= key(e["fixed"]):
                    hit = False
            if hit:
                ids.add(r["id"])
print("\n".join(sorted(ids)))
EOF
  jq -r '.vulnerabilities[] | select(.package.name == "stdlib") | (.ids // [.id])[] | select(startswith("GO-"))' \
    "$ST_TMP/out" | LC_ALL=C sort -u >"$ST_TMP/got.ids"
  LC_ALL=C sort -o "$ST_TMP/want.ids" "$ST_TMP/want.ids"
  [[ -s $ST_TMP/want.ids ]] || fail "the oracle finds no stdlib advisory for $std"
  same_files "$ST_TMP/want.ids" "$ST_TMP/got.ids"
  jq -e '[.vulnerabilities[] | select(.package.name == "time" and .installed_version == "0.1.45")
          | .ids[] | select(. == "RUSTSEC-2020-0071")] | length > 0' "$ST_TMP/out" >/dev/null ||
    fail "the Rust crate time 0.1.45 (RUSTSEC-2020-0071) was not matched"
  pass "stdlib $std: the $(wc -l <"$ST_TMP/got.ids") Go advisories the OSV records name; time 0.1.45 from .dep-v0: RUSTSEC-2020-0071"
else
  echo "SKIP: no OSV data in $osv: vulnerabilities not checked" >&2
fi
