# rpm: the packages strata lists from an image's rpm database match what
# rpm itself lists (`rpm -qa`), for each database format.
#
# The fixture is built here, not by make-images.sh: tests/fixtures/
# make-rpm-fixture.sh installs real rpms with rpm into a sqlite rootfs,
# loads the same headers into a Berkeley DB hash with db_load (checked by
# rpm's bdb_ro backend), and writes rpm -qa's output as the oracle.
# Sourced by run-one.sh: set -euo pipefail, $STRATA, $ST_SRC, $ST_TMP,
# fail/skip/pass from lib.sh.

fx=$ST_TMP/fx
rc=0
"$ST_SRC/tests/fixtures/make-rpm-fixture.sh" "$fx" 2>"$ST_TMP/fixture.err" || rc=$?
if ((rc == 77)); then
    skip "rpm/rpmbuild/db_load are not installed and cannot be: $(tail -1 "$ST_TMP/fixture.err")"
fi
((rc == 0)) || { cat "$ST_TMP/fixture.err" >&2; fail "make-rpm-fixture.sh exited $rc"; }

# The oracle (NAME EPOCH VERSION RELEASE ARCH SOURCERPM LICENSE) in the
# shape of strata's packages: version is "[epoch:]version-release".
awk -F '\t' -v OFS='\t' '{
    evr = ($2 != "" ? $2 ":" : "") $3 ($4 != "" ? "-" $4 : "")
    print $1, $2, evr, $4, $5, $6, $7
}' "$fx/expected-sqlite.tsv" | LC_ALL=C sort >"$ST_TMP/want.tsv"
[[ -s $ST_TMP/want.tsv ]] || fail "the oracle is empty"

# Every rpm package object in the report, wherever the writer nests them.
rpm_packages='[.. | objects | select(.type? == "rpm" and has("name"))]'

list() { # REF OUT.json
    expect_exit 0 "$STRATA" image --list-packages --format json "$1"
    cp "$ST_TMP/out" "$2"
    jq -e . "$2" >/dev/null || fail "$1: output is not JSON"
}

check_rootfs() { # NAME DIR DBPATH
    local name=$1 dir=$2 db=$3
    list "dir:$dir" "$ST_TMP/$name.json"
    jq -r "$rpm_packages"' | .[] | [.name, .epoch // "", .version // "",
            .release // "", .arch // "", .source_rpm // "", .license // ""]
            | @tsv' "$ST_TMP/$name.json" | LC_ALL=C sort >"$ST_TMP/$name.tsv"
    same_files "$ST_TMP/want.tsv" "$ST_TMP/$name.tsv"

    # Every package declares the database it came from.
    jq -e --arg db "$db" "$rpm_packages"' | length > 0 and
            all(.[]; .found_in == $db)' "$ST_TMP/$name.json" >/dev/null ||
        fail "$name: found_in is not $db everywhere"

    # Source packages: the subpackage's source is its parent; the source
    # version carries the binary's epoch.
    jq -e "$rpm_packages"' | map({(.name): [.source_name, .source_version]}) | add
            | .["strata-tools-extra"] == ["strata-tools", "0.9.1-0.1.rc1"]
              and .["strata-libfake"] == ["strata-libfake", "2:2.3.4-5.el9"]
              and .["strata-hello"] == ["strata-hello", "1.0-1"]' \
        "$ST_TMP/$name.json" >/dev/null ||
        fail "$name: source_name/source_version wrong"

    # Installed files, against rpm -qa's FILENAMES: the count per package
    # (the JSON report carries file_count), and the paths when a writer
    # includes them.
    cut -f1 "$fx/expected-files.tsv" | LC_ALL=C sort | uniq -c |
        awk '{print $2 "\t" $1}' >"$ST_TMP/want-counts.tsv"
    jq -r "$rpm_packages"' | .[] | select(.file_count > 0)
            | [.name, .file_count] | @tsv' "$ST_TMP/$name.json" |
        LC_ALL=C sort >"$ST_TMP/$name-counts.tsv"
    same_files "$ST_TMP/want-counts.tsv" "$ST_TMP/$name-counts.tsv"
    if jq -e "$rpm_packages"' | any(.[]; has("files"))' "$ST_TMP/$name.json" >/dev/null; then
        jq -r "$rpm_packages"' | .[] | .name as $n | (.files // [])[] | [$n, .] | @tsv' \
            "$ST_TMP/$name.json" | LC_ALL=C sort >"$ST_TMP/$name-files.tsv"
        same_files "$fx/expected-files.tsv" "$ST_TMP/$name-files.tsv"
    fi
    pass "$name: $(wc -l <"$ST_TMP/$name.tsv") packages as rpm -qa lists them"
}

check_rootfs sqlite "$fx/rootfs-sqlite" /var/lib/rpm/rpmdb.sqlite
check_rootfs bdb "$fx/rootfs-bdb" /var/lib/rpm/Packages

# ndb: written by the fixture's generator (Debian's rpm cannot write or
# read ndb), at the SUSE location; same oracle, since it holds the same
# headers.
if [[ -f $fx/samples/Packages.db ]]; then
    mkdir -p "$ST_TMP/rootfs-ndb/usr/lib/sysimage/rpm"
    cp "$fx/samples/Packages.db" "$ST_TMP/rootfs-ndb/usr/lib/sysimage/rpm/"
    (cd "$fx/rootfs-sqlite" && tar --exclude=./var/lib/rpm -cf - .) |
        tar -C "$ST_TMP/rootfs-ndb" -xf -
    check_rootfs ndb "$ST_TMP/rootfs-ndb" /usr/lib/sysimage/rpm/Packages.db
fi

# A corrupt database is a diagnostic, not a failed scan.
mkdir -p "$ST_TMP/rootfs-bad/var/lib/rpm"
head -c 5000 "$fx/rootfs-bdb/var/lib/rpm/Packages" >"$ST_TMP/rootfs-bad/var/lib/rpm/Packages"
expect_exit 0 "$STRATA" image --list-packages --format json "dir:$ST_TMP/rootfs-bad"
jq -e '[.. | objects | select(has("message") and (.analyzer? == "rpm"))] | length > 0' \
    "$ST_TMP/out" >/dev/null || fail "corrupt Packages: no rpm diagnostic in the report"
pass "corrupt Packages: scan goes on, with a diagnostic"
