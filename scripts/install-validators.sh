#!/usr/bin/env bash
# install-validators.sh [DIR] — install the JSON-schema validator the SBOM
# tests use (ajv-cli + ajv-formats, from the npm registry) into DIR
# (default: $ST_BUILD/tools, else ./build/tools). Project-local: nothing
# is installed globally and nothing outside DIR is written.
#
# Idempotent: when DIR already holds the pinned versions it does nothing.
# Prints the path of the ajv executable on stdout; progress goes to stderr.
# Needs node and npm (Debian: apt-get install nodejs npm).
set -euo pipefail

AJV_CLI=5.0.0
AJV_FORMATS=2.1.1

dir=${1:-${ST_BUILD:-$PWD/build}/tools}
say() { printf 'install-validators: %s\n' "$*" >&2; }

command -v npm >/dev/null 2>&1 || { say "npm not found (apt-get install nodejs npm)"; exit 2; }
command -v node >/dev/null 2>&1 || { say "node not found"; exit 2; }

ajv=$dir/node_modules/.bin/ajv
have() { # PACKAGE VERSION — installed at exactly that version?
  local pj=$dir/node_modules/$1/package.json
  [[ -f $pj ]] && [[ $(node -p "require(process.argv[1]).version" "$pj") == "$2" ]]
}
if [[ -x $ajv ]] && have ajv-cli "$AJV_CLI" && have ajv-formats "$AJV_FORMATS"; then
  echo "$ajv"
  exit 0
fi

mkdir -p "$dir"
# A private package.json keeps npm from walking up to another project.
[[ -f $dir/package.json ]] ||
  printf '{"name":"strata-tools","private":true}\n' >"$dir/package.json"
say "npm install ajv-cli@$AJV_CLI ajv-formats@$AJV_FORMATS into $dir"
# Install under a lock so parallel tests do not race.
exec 9>"$dir/.install.lock"
flock 9
if ! { have ajv-cli "$AJV_CLI" && have ajv-formats "$AJV_FORMATS"; }; then
  npm install --prefix "$dir" --no-audit --no-fund --save-exact --loglevel=error \
    "ajv-cli@$AJV_CLI" "ajv-formats@$AJV_FORMATS" >&2
fi
[[ -x $ajv ]] || { say "ajv was not installed"; exit 1; }
echo "$ajv"
