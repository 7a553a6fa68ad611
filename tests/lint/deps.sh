#!/usr/bin/env bash
# Holds the dependency direction of STYLE.md: util depends on nothing in
# strata; the model and report writers never reach into walk/source/analyze;
# analyzers never include each other; the CLI sees only the public API.
set -euo pipefail
cd "$(dirname "$0")/../.."
bad=0
check() { # check DIR REGEX-OF-FORBIDDEN-INCLUDES WHY
  local hits
  hits=$(grep -rnE "#include \"($2)" "$1" --include='*.c' --include='*.h' || true)
  if [[ -n $hits ]]; then echo "$3:"; echo "$hits"; bad=1; fi
}
check src/lib/util 'source|image|walk|analyze|inventory|report)/' "util must not depend on other modules"
check src/lib/report 'source|image|walk|analyze)/' "report writers read only the result model"
check src/lib/walk 'analyze|inventory|report)/' "the walker knows nothing of analyzers"
check src/lib/source 'walk/walk|analyze|inventory|report)/' "sources know nothing of the walk or analyzers"
check src/lib/vulndb '(source|image|walk|analyze|report)/' "the vulnerability DB depends on util, version, cvss and the result model only"
check src/lib/version '(source|image|walk|analyze|inventory|report|vulndb)/' "version comparators depend on util only"
check src/lib/cvss '(source|image|walk|analyze|inventory|report|vulndb|version)/' "cvss depends on util only"
check src/lib/config '(source|image|walk|report|vulndb)/' "the config audit depends on util, secrets and the result model only"
check src/lib/host '(source|image|walk|analyze|inventory|report|vulndb)/' "the host audit depends on util only"
check src/lib/secrets '(source|image|walk|analyze|inventory|report|vulndb)/' "the secrets engine depends on util only"
check src/lib/malware '(source|image|walk|analyze|inventory|report|vulndb)/' "the malware engine depends on util only"
check src/lib/registry '(source|image|walk|analyze|inventory|report|vulndb|host|config)/' "the registry client depends on util and the public API only"
check src/lib/server '(source|image|walk|analyze|inventory|report|vulndb|host|config)/' "the server depends on util, the registry client, its store and the public API only"
check src/lib/monitor '(source|image|walk|analyze|inventory|report|vulndb|host|config|registry|server)/' "the runtime monitor depends on util only"
check src/cli '(util|source|image|walk|analyze|inventory|report)/' "the CLI uses only include/strata"
for f in src/lib/analyze/*.c; do
  self=$(basename "$f" .c)
  hits=$(grep -nE '#include "(os|dpkg|apk|rpm)[a-z]*\.h"' "$f" | grep -v "\"$self" || true)
  [[ -z $hits ]] || { echo "$f includes another analyzer: $hits"; bad=1; }
done
((bad == 0)) && echo "dependency direction: ok"
exit $bad
