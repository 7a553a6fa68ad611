#!/usr/bin/env bash
# Installs everything strata needs to build, test and benchmark, from
# Debian's packages (and, for the schema validators, the npm registry).
# Idempotent: installs only what is missing; runs apt-get update at most
# once, and only when a package has to be installed.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  # libraries
  libarchive-dev libisal-dev zlib1g-dev libzstd-dev libssl-dev
  libjansson-dev libsqlite3-dev libcmocka-dev libcurl4-openssl-dev libfyaml-dev
  libxml2-dev libxml2-utils libpcre2-dev libyara-dev libclamav-dev
  # Hyperscan is x86-only; elsewhere secrets run on PCRE2 alone
  $( [[ $(uname -m) == x86_64 ]] && echo libhyperscan-dev )
  # tools the tests and benchmarks use: image builders, oracles, baselines
  isal zstd jq mmdebstrap umoci skopeo rpm db-util sqlite3 hyperfine
  python3 ca-certificates openssl time bc nodejs npm
  # the ecosystems' own version code, as oracles for the matching tests
  python3-packaging ruby php-cli php-composer-semver libmaven3-core-java
  default-jre-headless
  # real lockfiles, installed packages and binaries made by the ecosystems'
  # own tools, for the application-dependency tests
  bundler git composer golang-go golang-golang-x-mod-dev zip unzip
  # secrets and malware: baselines and oracles (ripgrep for bench/secrets,
  # pcre2test and yara to check rules with the engines' own tools)
  ripgrep pcre2-utils yara
  # registries: a real registry, htpasswd for its basic auth, PyNaCl to
  # write the encrypted sigstore key skopeo signs with
  docker-registry apache2-utils python3-nacl
  # the runtime monitor: eBPF (libbpf, bpftool for skeletons, libelf) and
  # real containers to watch (runc, a static busybox as their rootfs)
  libbpf-dev bpftool libelf-dev runc busybox-static
  # server mode: HTTP (libmicrohttpd), PostgreSQL (client library and a
  # real server the tests start), wrk for bench/serve
  libmicrohttpd-dev libpq-dev postgresql wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
# nodejs/npm may come from elsewhere on a developer machine
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]}")
fi

if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi
echo "setup: all dependencies present" >&2
