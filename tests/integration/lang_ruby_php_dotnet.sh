# shellcheck shell=bash
# lang_ruby_php_dotnet.sh — the ruby, php and dotnet analyzers on files made
# by the ecosystems' own tools, against those tools' own readings:
#  1. installed gemspecs: every specifications/*.gemspec of this machine's
#     Debian ruby packages, against RubyGems' Gem::Specification.load;
#  2. a Gemfile.lock written by Debian's Bundler (`bundle install --local`,
#     offline, with GEM, GIT, PATH sources and a platform gem) against
#     Bundler's LockfileParser;
#  3. composer.lock and vendor/composer/installed.json written by Debian's
#     Composer (`composer install` from path repositories, offline) against
#     `composer show`, with and without --include-dev-deps;
#  4. .NET deps.json and packages.lock.json (no .NET SDK on Debian: the
#     hand-written files of tests/data/dotnet) against their golden lists;
#  5. matching on the real OSV data: rack 2.2.3, symfony/http-kernel
#     v5.4.19 and Newtonsoft.Json 12.0.3 report their advisories, fixed
#     versions do not (ranges checked by hand in the OSV records).
# A part whose tool is missing (ruby, bundler, composer, git) is skipped
# LOUDLY and the data committed in tests/data is used where it can be.
# Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip.

data=$ST_SRC/tests/data
py=/usr/bin/python3
[[ -x $py ]] || py=python3
export COMPOSER_HOME=$ST_TMP/composer-home
export HOME=$ST_TMP/home
mkdir -p "$HOME"
ran=0

# strata's packages of a directory as TSV: found_in name version direct dev
# license (direct -1 when unknown), sorted.
packages() {
  "$STRATA" fs -q --no-vulns --format json "$@" >"$ST_TMP/pk.json" ||
    fail "strata fs $*"
  "$py" - "$ST_TMP/pk.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["packages"]:
    direct = {True: 1, False: 0, None: -1}[p["direct"]]
    print("\t".join([p["type"], p["found_in"], p["name"], p["version"],
                     str(direct), str(int(bool(p["dev"]))),
                     p["license"] or ""]))
EOF
}

# ---- 1. installed gemspecs ----------------------------------------------
if command -v ruby >/dev/null; then
  root=$ST_TMP/gemroot
  n=0
  while IFS= read -r f; do
    mkdir -p "$root/$(dirname "$f")"
    cp "$f" "$root/$f"
    n=$((n + 1))
  done < <(find /usr/lib /usr/share /var/lib/gems -path '*/specifications/*.gemspec' \
             2>/dev/null | grep -E '/specifications/(default/)?[^/]+\.gemspec$' | sort)
  ((n > 0)) || fail "no installed gemspec on this machine although ruby is installed"
  (cd "$root" && find . -name '*.gemspec' | sed 's|^\./|/|' | sort) >"$ST_TMP/specs.list"
  while IFS= read -r f; do
    printf '%s\t' "$f"
    ruby "$data/ruby/oracle-gemspec.rb" "$root$f" 2>/dev/null ||
      fail "RubyGems cannot load $f"
  done <"$ST_TMP/specs.list" | sort >"$ST_TMP/gemspec.oracle"
  packages "$root" | awk -F'\t' '$1 == "gem" {print $2 "\t" $3 "\t" $4 "\t" $7}' |
    sort >"$ST_TMP/gemspec.strata"
  same_files "$ST_TMP/gemspec.oracle" "$ST_TMP/gemspec.strata"
  pass "gemspecs: $n installed specifications read as RubyGems loads them"
  ran=$((ran + 1))
else
  echo "SKIP (loud): ruby is not installed: installed gemspecs not compared with RubyGems" >&2
fi

# ---- 2. Gemfile.lock ------------------------------------------------------
lock=$data/ruby/Gemfile.lock
if command -v bundle >/dev/null && command -v git >/dev/null; then
  gems=$ST_TMP/gems
  ruby "$data/ruby/make-specs.rb" "$gems"
  mkdir -p "$ST_TMP/rb/app/vendored" "$ST_TMP/rb/gitgem"
  cat >"$ST_TMP/rb/app/vendored/vendored.gemspec" <<'EOF'
Gem::Specification.new do |s|
  s.name = "vendored"
  s.version = "0.3.0"
  s.summary = "a PATH gem"
  s.authors = ["fixture"]
  s.files = []
  s.add_runtime_dependency "rack", "~> 2.2"
end
EOF
  cat >"$ST_TMP/rb/gitgem/gitgem.gemspec" <<'EOF'
Gem::Specification.new do |s|
  s.name = "gitgem"
  s.version = "1.2.0"
  s.summary = "a GIT gem"
  s.authors = ["fixture"]
  s.files = []
end
EOF
  (cd "$ST_TMP/rb/gitgem" && git init -q && git add . &&
     git -c user.email=t@example.invalid -c user.name=t commit -qm init)
  cat >"$ST_TMP/rb/app/Gemfile" <<'EOF'
source "https://rubygems.org"
gem "sinatra", "~> 2.1"
gem "nokogiri"
gem "vendored", path: "vendored"
gem "gitgem", git: "../gitgem"
group :test do
  gem "rack-test"
end
EOF
  (cd "$ST_TMP/rb/app" && GEM_HOME=$gems GEM_PATH=$gems \
     timeout 300 bundle install --local >"$ST_TMP/bundle.log" 2>&1) ||
    { cat "$ST_TMP/bundle.log" >&2; fail "bundle install --local"; }
  lock=$ST_TMP/rb/app/Gemfile.lock
  grep -q 'nokogiri (1.13.10-x86_64-linux)' "$lock" ||
    fail "Bundler did not lock the platform gem: $(cat "$lock")"
  (cd "$ST_TMP" && ruby "$data/ruby/oracle-lockfile.rb" "$lock") >"$ST_TMP/lock.oracle" ||
    fail "Bundler's LockfileParser"
  packages "$ST_TMP/rb/app" | awk -F'\t' '$1 == "gem" {print $3 "\t" $4 "\t" $5}' |
    sort >"$ST_TMP/lock.strata"
  same_files "$ST_TMP/lock.oracle" "$ST_TMP/lock.strata"
  pass "Gemfile.lock: $(wc -l <"$ST_TMP/lock.oracle") registry gems as Bundler's LockfileParser reads them"
  ran=$((ran + 1))
else
  echo "SKIP (loud): bundler or git is not installed: no live Gemfile.lock (tests/data/ruby/Gemfile.lock is used below)" >&2
fi

# ---- 3. Composer ----------------------------------------------------------
phpdir=
if command -v composer >/dev/null; then
  p=$ST_TMP/php
  mkdir -p "$p/pkgs/http-kernel" "$p/pkgs/polyfill" "$p/pkgs/devtool" "$p/app"
  echo '{"name": "symfony/http-kernel", "version": "v5.4.19", "type": "library", "license": "MIT", "require": {"symfony/polyfill-php80": "^1.16"}}' \
    >"$p/pkgs/http-kernel/composer.json"
  echo '{"name": "symfony/polyfill-php80", "version": "v1.27.0", "type": "library", "license": "MIT"}' \
    >"$p/pkgs/polyfill/composer.json"
  echo '{"name": "acme/devtool", "version": "2.0.1", "type": "library", "license": ["LGPL-2.1-only", "GPL-3.0-or-later"]}' \
    >"$p/pkgs/devtool/composer.json"
  cat >"$p/app/composer.json" <<'EOF'
{
  "name": "acme/app",
  "type": "project",
  "repositories": [
    {"type": "path", "url": "../pkgs/*", "options": {"symlink": false}},
    {"packagist.org": false}
  ],
  "require": {"symfony/http-kernel": "5.4.19"},
  "require-dev": {"acme/devtool": "^2.0"}
}
EOF
  (cd "$p/app" && timeout 300 composer install --no-interaction \
     >"$ST_TMP/composer.log" 2>&1) ||
    { cat "$ST_TMP/composer.log" >&2; fail "composer install"; }
  "$data/php/oracle.sh" "$p/app" >"$ST_TMP/composer.oracle" 2>"$ST_TMP/oracle.err" ||
    { cat "$ST_TMP/oracle.err" >&2; fail "composer show"; }
  packages --include-dev-deps "$p/app" | awk -F'\t' '
    $1 == "composer" && $2 == "/composer.lock" {print "lock\t" $3 "\t" $4 "\t" $5 "\t" $6}
    $1 == "composer" && $2 == "/vendor/composer/installed.json" {print "installed\t" $3 "\t" $4 "\t" $6}' \
    >"$ST_TMP/composer.strata"
  sort "$ST_TMP/composer.oracle" >"$ST_TMP/a"
  sort "$ST_TMP/composer.strata" >"$ST_TMP/b"
  same_files "$ST_TMP/a" "$ST_TMP/b"
  # without --include-dev-deps the dev packages are gone from both files
  packages "$p/app" | awk -F'\t' '$1 == "composer" {print $3}' | sort -u >"$ST_TMP/nodev"
  awk -F'\t' '($1 == "lock" && $5 == 0) || ($1 == "installed" && $4 == 0) {print $2}' \
    "$ST_TMP/composer.oracle" | sort -u >"$ST_TMP/nodev.oracle"
  same_files "$ST_TMP/nodev.oracle" "$ST_TMP/nodev"
  pass "composer: $(wc -l <"$ST_TMP/a") packages of composer.lock and installed.json as composer show lists them"
  phpdir=$p/app
  ran=$((ran + 1))
else
  echo "SKIP (loud): composer is not installed: no live composer.lock (tests/data/php is used below)" >&2
fi

# ---- 4. .NET (no SDK on Debian: hand-written files, golden lists) --------
echo "note: no .NET SDK on Debian: deps.json / packages.lock.json are the hand-written files of tests/data/dotnet" >&2
mkdir -p "$ST_TMP/net/app" "$ST_TMP/net/src"
cp "$data/dotnet/WebApp.deps.json" "$ST_TMP/net/app/"
cp "$data/dotnet/packages.lock.json" "$ST_TMP/net/src/"
packages --include-dev-deps "$ST_TMP/net" >"$ST_TMP/net.all"
awk -F'\t' '$2 == "/app/WebApp.deps.json" {print $3 "\t" $4 "\t" $5 "\t" $6}' \
  "$ST_TMP/net.all" | sort >"$ST_TMP/deps.strata"
grep -v '^#' "$data/dotnet/WebApp.deps.expected.tsv" | sort >"$ST_TMP/deps.golden"
same_files "$ST_TMP/deps.golden" "$ST_TMP/deps.strata"
awk -F'\t' '$2 == "/src/packages.lock.json" {print $3 "\t" $4 "\t" $5}' \
  "$ST_TMP/net.all" | sort >"$ST_TMP/nlock.strata"
grep -v '^#' "$data/dotnet/packages.lock.expected.tsv" | sort >"$ST_TMP/nlock.golden"
same_files "$ST_TMP/nlock.golden" "$ST_TMP/nlock.strata"
pass ".NET: deps.json and packages.lock.json match their golden lists"

# ---- 5. matching on the real OSV data -------------------------------------
osv=$ST_SRC/../shared/data/osv
[[ -d $osv/RubyGems ]] || osv=$data/osv
if [[ -d $osv/RubyGems && -d $osv/Packagist && -d $osv/NuGet ]]; then
  "$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >"$ST_TMP/update.out" ||
    fail "strata db update"
  v=$ST_TMP/vuln
  mkdir -p "$v/rb" "$v/php" "$v/net" "$v/gems/specifications"
  cp "$lock" "$v/rb/Gemfile.lock"                     # rack 2.2.3
  cp "$data/ruby/rack-2.2.22.gemspec" "$v/gems/specifications/"
  cp "${phpdir:-$data/php}/composer.lock" "$v/php/"   # http-kernel v5.4.19
  cp "$data/dotnet/packages.lock.json" "$v/net/"      # Newtonsoft.Json 12.0.3
  cp "$data/dotnet/WebApp.deps.json" "$v/net/"        # Newtonsoft.Json 13.0.1
  "$STRATA" fs -q --db "$ST_TMP/db" --format json "$v" >"$ST_TMP/v.json" ||
    fail "strata fs --db"
  "$py" - "$ST_TMP/v.json" <<'EOF' >"$ST_TMP/findings"
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["vulnerabilities"]:
    for i in v["ids"]:
        print("\t".join([v["package"]["name"], v["package"]["version"], i,
                         v["fixed_version"] or "-"]))
EOF
  # name, version, advisory id, fixed version: must appear (checked by hand
  # in the OSV records: rack [2.2, 2.2.3.1), http-kernel [5.4.0, 5.4.20),
  # Newtonsoft.Json [0, 13.0.1))
  while IFS=$'\t' read -r name ver id fixed; do
    grep -qxF "$name"$'\t'"$ver"$'\t'"$id"$'\t'"$fixed" "$ST_TMP/findings" ||
      fail "no finding $id for $name $ver (fixed $fixed)"
  done <<'EOF'
rack	2.2.3	RUBYSEC-rack-CVE-2022-30123	2.2.3.1
rack	2.2.3	CVE-2022-30123	2.2.3.1
symfony/http-kernel	v5.4.19	CVE-2022-24894	5.4.20
Newtonsoft.Json	12.0.3	GHSA-5crp-9r3c-p9vr	13.0.1
EOF
  # must not appear: the fixed versions
  for bad in $'rack\t2.2.22\tCVE-2022-30123' $'Newtonsoft.Json\t13.0.1\tGHSA-5crp-9r3c-p9vr'; do
    ! grep -qF "$bad" "$ST_TMP/findings" || fail "false finding: $bad"
  done
  pass "matching: rack, symfony/http-kernel and Newtonsoft.Json advisories reported, fixed versions clean"
  ran=$((ran + 1))
else
  echo "SKIP (loud): no RubyGems/Packagist/NuGet OSV data in $osv" >&2
fi

((ran > 0)) || fail "no oracle could run (install ruby, bundler, composer)"
