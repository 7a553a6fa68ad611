# shellcheck shell=bash
# lang_java.sh — the java analyzer on REAL jars from Debian's packages,
# in wars, ears and a Spring Boot jar built here, against an INDEPENDENT
# oracle: unzip reading META-INF/maven/*/*/pom.properties itself, recursing
# into nested archives with unzip too (never strata). Then:
#  - jars without pom.properties (stripped copies of the real ones) and a
#    pom.xml, against hand-checked golden lines;
#  - zip bombs and deep nesting: bounded time, a diagnostic, no crash;
#  - a log4j-core 2.14.1 jar must report Log4Shell (GHSA-jfh8-c2jp-5v3q)
#    from the real Maven OSV data.
# Needs: apt-get download (Debian's registry), dpkg-deb, unzip, zip,
# python3, jq. Sourced by run-one.sh: STRATA, ST_SRC, ST_TMP, fail/pass/skip.

for t in unzip zip python3 jq dpkg-deb apt-get; do
  command -v "$t" >/dev/null || skip "lang_java needs $t (apt-get install unzip zip python3 jq)"
done

debs=(libcommons-lang3-java libcommons-io-java liblog4j2-java libjackson2-databind-java)
mkdir -p "$ST_TMP/debs" "$ST_TMP/x"
(cd "$ST_TMP/debs" && apt-get download "${debs[@]}" >/dev/null 2>&1) ||
  skip "cannot download ${debs[*]} from Debian's registry"
for d in "$ST_TMP"/debs/*.deb; do dpkg-deb -x "$d" "$ST_TMP/x"; done
java=$ST_TMP/x/usr/share/java
for j in commons-lang3 commons-io jackson-databind log4j-api log4j-core; do
  [[ -f $java/$j.jar ]] || fail "no $j.jar in the Debian packages"
done

fs=$ST_TMP/fs
mkdir -p "$fs/app/lib" "$fs/srv/old" "$fs/opt/stripped" "$fs/src/proj"
# The real jars, as an application ships them (symlinks in Debian's tree
# are copied as files; strata reads regular files only).
for j in "$java"/*.jar; do cp -L "$j" "$fs/app/lib/"; done

# ---- archives built here --------------------------------------------------
mk() { # mk DIR ZIP [zip options]: zip DIR's content into ZIP
  local dir=$1 out=$2; shift 2
  (cd "$dir" && zip -q -r -X "$@" "$out" .)
}
stage=$ST_TMP/stage
# a war: WEB-INF/lib with three real jars, classes, a manifest
mkdir -p "$stage/war/WEB-INF/lib" "$stage/war/WEB-INF/classes/com/example" "$stage/war/META-INF"
cp "$java"/{commons-lang3,commons-io,jackson-databind}.jar "$stage/war/WEB-INF/lib/"
echo 'not a class' >"$stage/war/WEB-INF/classes/com/example/App.class"
printf 'Manifest-Version: 1.0\r\n\r\n' >"$stage/war/META-INF/MANIFEST.MF"
mk "$stage/war" "$fs/app/shop.war"
# an ear: lib/ with two real jars and the war as a module (two levels)
mkdir -p "$stage/ear/lib" "$stage/ear/META-INF"
cp "$java"/{log4j-api,log4j-core}.jar "$stage/ear/lib/"
cp "$fs/app/shop.war" "$stage/ear/shop.war"
echo '<application/>' >"$stage/ear/META-INF/application.xml"
mk "$stage/ear" "$fs/app/suite.ear"
# a Spring Boot jar: BOOT-INF/lib stored (not deflated), as Boot writes it,
# and the application's own pom.properties
mkdir -p "$stage/boot/BOOT-INF/lib" "$stage/boot/BOOT-INF/classes" \
  "$stage/boot/META-INF/maven/com.example/demo" "$stage/boot/org/springframework/boot/loader"
cp "$java"/{commons-lang3,log4j-api}.jar "$stage/boot/BOOT-INF/lib/"
printf 'groupId=com.example\nartifactId=demo\nversion=0.0.1-SNAPSHOT\n' \
  >"$stage/boot/META-INF/maven/com.example/demo/pom.properties"
printf 'Manifest-Version: 1.0\r\nMain-Class: org.springframework.boot.loader.JarLauncher\r\nStart-Class: com.example.Demo\r\n\r\n' \
  >"$stage/boot/META-INF/MANIFEST.MF"
echo x >"$stage/boot/org/springframework/boot/loader/JarLauncher.class"
mk "$stage/boot" "$fs/app/demo-0.0.1-SNAPSHOT.jar" -0
# Log4Shell: a tiny log4j-core 2.14.1 jar with a hand-written pom.properties
mkdir -p "$stage/l4j/META-INF/maven/org.apache.logging.log4j/log4j-core"
printf '#Created by Apache Maven 3.6.3\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n' \
  >"$stage/l4j/META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties"
mk "$stage/l4j" "$fs/srv/old/log4j-core-2.14.1.jar"

# ---- the oracle: unzip, recursively ----------------------------------------
# oracle FILE FOUND_IN: one "maven g:a v found_in" line per pom.properties,
# then the same for every nested archive (written out with unzip -p).
n_nest=0
oracle() {
  local f=$1 in=$2 e g a v
  while IFS= read -r e; do
    case $e in
      META-INF/maven/*/*/pom.properties)
        unzip -p "$f" "$e" | tr -d '\r' >"$ST_TMP/props"
        g=$(sed -n 's/^groupId=//p' "$ST_TMP/props")
        a=$(sed -n 's/^artifactId=//p' "$ST_TMP/props")
        v=$(sed -n 's/^version=//p' "$ST_TMP/props")
        echo "maven $g:$a $v $in" ;;
      *.jar | *.war | *.ear)
        n_nest=$((n_nest + 1))
        unzip -p "$f" "$e" >"$ST_TMP/nest.$n_nest"
        oracle "$ST_TMP/nest.$n_nest" "$in!/$e" ;;
    esac
  done < <(unzip -Z1 "$f")
}
: >"$ST_TMP/oracle.txt"
while IFS= read -r f; do
  oracle "$f" "/${f#"$fs"/}" >>"$ST_TMP/oracle.txt"
done < <(find "$fs" -type f \( -name '*.jar' -o -name '*.war' -o -name '*.ear' \))
sort -u -o "$ST_TMP/oracle.txt" "$ST_TMP/oracle.txt"

# ---- jars without pom.properties, a pom.xml: hand-checked goldens ----------
for j in commons-io jackson-databind log4j-api; do
  cp "$java/$j.jar" "$ST_TMP/s.jar"
  zip -q -d "$ST_TMP/s.jar" 'META-INF/maven/*'
  [[ $j == commons-io ]] && dst=commons-io-2.11.0.jar || dst=$j.jar
  mv "$ST_TMP/s.jar" "$fs/opt/stripped/$dst"
done
cat >"$fs/src/proj/pom.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent><groupId>com.example</groupId><artifactId>parent</artifactId><version>7</version></parent>
  <artifactId>proj</artifactId>
  <version>1.2.3</version>
  <properties>
    <jackson.version>2.9.8</jackson.version>
    <spring.version>${spring.base}.RELEASE</spring.version>
    <spring.base>5.3.20</spring.base>
  </properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>managed</groupId><artifactId>only</artifactId><version>1.0</version></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>${jackson.version}</version></dependency>
    <dependency><groupId>org.springframework</groupId><artifactId>spring-webmvc</artifactId><version>${spring.version}</version></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>proj-core</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId></dependency>
    <dependency><groupId>x</groupId><artifactId>undefined</artifactId><version>${nowhere}</version></dependency>
    <dependency><groupId>x</groupId><artifactId>range</artifactId><version>[1.0,2.0)</version></dependency>
  </dependencies>
  <build><plugins><plugin><artifactId>p</artifactId><dependencies>
    <dependency><groupId>plugin</groupId><artifactId>dep</artifactId><version>1</version></dependency>
  </dependencies></plugin></plugins></build>
</project>
EOF
cat >"$ST_TMP/golden.txt" <<'EOF'
maven com.example:proj-core 1.2.3 /src/proj/pom.xml
maven com.fasterxml.jackson.core:jackson-databind 2.14.0 /opt/stripped/jackson-databind.jar
maven com.fasterxml.jackson.core:jackson-databind 2.9.8 /src/proj/pom.xml
maven commons-io:commons-io 2.11.0 /opt/stripped/commons-io-2.11.0.jar
maven junit:junit 4.13.2 /src/proj/pom.xml
maven org.apache:log4j-api 2.19.0 /opt/stripped/log4j-api.jar
maven org.springframework:spring-webmvc 5.3.20.RELEASE /src/proj/pom.xml
EOF
cat "$ST_TMP/oracle.txt" "$ST_TMP/golden.txt" | sort -u >"$ST_TMP/expected.txt"

# ---- strata ------------------------------------------------------------------
"$STRATA" fs -q --no-vulns --include-dev-deps --format json "$fs" >"$ST_TMP/scan.json" ||
  fail "strata fs failed"
jq -r '.packages[] | select(.type == "maven") | "\(.type) \(.name) \(.version) \(.found_in)"' \
  "$ST_TMP/scan.json" | sort -u >"$ST_TMP/got.txt"
same_files "$ST_TMP/expected.txt" "$ST_TMP/got.txt"
n_or=$(wc -l <"$ST_TMP/oracle.txt")
((n_or >= 30)) || fail "the oracle found only $n_or artifacts"
grep -q '^maven org.apache.commons:commons-lang3 3.12.0 /app/suite.ear!/shop.war!/WEB-INF/lib/commons-lang3.jar$' \
  "$ST_TMP/got.txt" || fail "no jar two archives deep"
pass "$n_or archives' pom.properties equal to unzip's ($n_nest nested archives), $(wc -l <"$ST_TMP/golden.txt") golden lines"
# dev dependencies leave without --include-dev-deps
"$STRATA" fs -q --no-vulns --format json "$fs" >"$ST_TMP/nodev.json"
[[ $(jq '[.packages[] | select(.name == "junit:junit")] | length' "$ST_TMP/nodev.json") == 0 ]] ||
  fail "test-scoped junit listed without --include-dev-deps"
[[ $(jq '[.packages[] | select(.found_in == "/src/proj/pom.xml")] | length' "$ST_TMP/nodev.json") == 3 ]] ||
  fail "pom.xml: want 3 non-test dependencies"
jq -e '.diagnostics[] | select(.path == "/src/proj/pom.xml") | select(.message | test("3 dependencies without a literal version"))' \
  "$ST_TMP/scan.json" >/dev/null || fail "no diagnostic for the 3 skipped pom.xml dependencies"
pass "pom.xml: test scope is dev, unresolved versions counted"

# ---- Log4Shell from the real Maven OSV data -------------------------------------
osv=$ST_SRC/../shared/data/osv
[[ -f $osv/Maven/all.zip ]] || osv=$ST_SRC/tests/data/osv
if [[ -f $osv/Maven/all.zip ]]; then
  "$STRATA" db update -q --from "$osv" --db "$ST_TMP/db" >/dev/null
  "$STRATA" fs -q --db "$ST_TMP/db" --format json "$fs/srv" >"$ST_TMP/vuln.json" ||
    fail "strata fs --db failed"
  jq -e '.vulnerabilities[] | select((.ids | index("GHSA-jfh8-c2jp-5v3q")) and
      .package.name == "org.apache.logging.log4j:log4j-core" and
      .package.found_in == "/old/log4j-core-2.14.1.jar")' \
    "$ST_TMP/vuln.json" >/dev/null || fail "log4j-core 2.14.1: no GHSA-jfh8-c2jp-5v3q (Log4Shell)"
  pass "log4j-core 2.14.1 reports GHSA-jfh8-c2jp-5v3q"
else
  echo "SKIP: no Maven OSV data (shared/data/osv/Maven/all.zip): Log4Shell check not run" >&2
fi

# ---- bombs: bounded, said, no crash ---------------------------------------------
bomb=$ST_TMP/bomb
mkdir -p "$bomb"
python3 - "$bomb" <<'EOF'
import io, sys, zipfile
out = sys.argv[1]
def z(entries, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as f:
        for name, data in entries:
            f.writestr(name, data)
    return b.getvalue()
props = b"groupId=g\nartifactId=deep\nversion=1\n"
# nested 10 deep, a pom.properties at every level
inner = z([("META-INF/maven/g/deep/pom.properties", props)])
for i in range(10):
    inner = z([("META-INF/maven/g/deep/pom.properties", props), ("lib/l%d.jar" % i, inner)])
open(out + "/deep.jar", "wb").write(inner)
# one nested "jar" of 300 MiB of zeros (deflates to ~300 KiB)
zeros = b"\0" * (300 << 20)
open(out + "/fat.war", "wb").write(z([("WEB-INF/lib/zeros.jar", zeros)]))
del zeros
# 6 nested jars of 200 MiB each: more than 1 GiB in all
z200 = z([("pad", b"\0" * (200 << 20))], zipfile.ZIP_STORED)
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as f:
    for i in range(6):
        f.writestr("lib/b%d.jar" % i, z200)
open(out + "/budget.ear", "wb").write(b.getvalue())
del z200
# more than 100,000 entries
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as f:
    for i in range(100001):
        f.writestr("e%d" % i, b"")
open(out + "/many.jar", "wb").write(b.getvalue())
open(out + "/garbage.jar", "wb").write(b"PK\3\4 this is no zip archive")
EOF
start=$(date +%s)
"$STRATA" fs -q --no-vulns --format json "$bomb" >"$ST_TMP/bomb.json" || fail "strata fs on bombs failed"
secs=$(($(date +%s) - start))
((secs < 120)) || fail "bombs took ${secs}s"
diag() { jq -e --arg p "$1" --arg m "$2" \
  '.diagnostics[] | select(.path == $p and (.message | test($m)))' "$ST_TMP/bomb.json" >/dev/null ||
  fail "no diagnostic for $1 matching '$2'"; }
diag /deep.jar 'nested more than 4 deep'
diag /fat.war 'larger than 256 MiB'
diag /budget.ear 'more than 1 GiB uncompressed'
diag /many.jar 'more than the 100000 allowed'
diag /garbage.jar 'not a readable zip archive'
[[ $(jq '[.packages[] | select(.name == "g:deep")] | length' "$ST_TMP/bomb.json") == 5 ]] ||
  fail "deep.jar: want the top and 4 nested levels"
pass "zip bombs and deep nesting bounded (${secs}s), each with a diagnostic"
