#!/bin/sh
# Oracle: Composer's own `composer show`, run in a project directory (the
# one with composer.json, composer.lock and vendor/). Prints two lists:
#   lock <TAB> name <TAB> version <TAB> direct <TAB> dev
#   installed <TAB> name <TAB> version <TAB> dev
# "dev" is what --no-dev leaves out; "direct" is Composer's
# direct-dependency of the locked package.
set -eu
cd "$1"
export COMPOSER_HOME="${COMPOSER_HOME:-$(mktemp -d)}"
composer show --locked --format=json >lock.all.json
composer show --locked --no-dev --format=json >lock.nodev.json
composer show --format=json >inst.all.json
composer show --no-dev --format=json >inst.nodev.json
python3 - <<'PY'
import json
def load(f, key):
    return json.load(open(f)).get(key, [])
nodev = {p["name"] for p in load("lock.nodev.json", "locked")}
for p in sorted(load("lock.all.json", "locked"), key=lambda p: p["name"]):
    print("lock\t%s\t%s\t%d\t%d" % (p["name"], p["version"],
          p["direct-dependency"], p["name"] not in nodev))
nodev = {p["name"] for p in load("inst.nodev.json", "installed")}
for p in sorted(load("inst.all.json", "installed"), key=lambda p: p["name"]):
    print("installed\t%s\t%s\t%d" % (p["name"], p["version"],
          p["name"] not in nodev))
PY
rm -f lock.all.json lock.nodev.json inst.all.json inst.nodev.json
