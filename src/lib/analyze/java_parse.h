/* java: the text formats inside and beside Java archives, shared by the
 * files of the java analyzer (java.c, java_text.c, java_pom.c).
 *
 *   pom.properties   java.util.Properties text ("key=value", escapes,
 *                    continuation lines); Maven writes groupId, artifactId
 *                    and version into META-INF/maven/<g>/<a>/.
 *   MANIFEST.MF      the main section of a JAR manifest ("Name: value",
 *                    continuation lines start with one space).
 *   pom.xml          a Maven project: its direct <dependencies>.
 */
#ifndef ST_JAVA_PARSE_H
#define ST_JAVA_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer.h"

/* Largest pom.properties / MANIFEST.MF read from an archive, and the
 * largest pom.xml parsed. */
#define ST_JAVA_MAX_PROPS (64u << 10)
#define ST_JAVA_MAX_MANIFEST (1u << 20)
#define ST_JAVA_MAX_POM (4u << 20)

/* Called once per key/value pair, in file order. key and val are
 * NUL-terminated (they may contain NULs from \u0000 escapes; klen/vlen
 * count the bytes), valid only during the call. A negative return stops
 * the parse and is returned. */
typedef int (*st_java_kv_fn)(void *payload, const char *key, size_t klen,
                             const char *val, size_t vlen);

/* Parses java.util.Properties text. Returns 0, ST_ENOMEM, or the
 * callback's negative return. Never fails on malformed text (Properties
 * has no malformed text; a bad \u escape is taken literally). */
int st_java__props_parse(const char *data, size_t len, st_java_kv_fn fn,
                         void *payload);

/* Parses the main section of a manifest (up to the first empty line).
 * Lines without ": " are ignored. Same returns as st_java__props_parse. */
int st_java__manifest_parse(const char *data, size_t len, st_java_kv_fn fn,
                            void *payload);

/* An arena copy of s[0..n) with surrounding white space trimmed and every
 * byte that is not part of valid UTF-8, and every control character,
 * replaced by '?'. NULL when out of memory; "" stays "". */
char *st_java__clean(st_arena *a, const char *s, size_t n);

/* True when s[0..n) is a plausible Maven coordinate part (groupId,
 * artifactId): non-empty, only letters, digits and "._-". */
bool st_java__coord_ok(const char *s, size_t n);

/* Parses a pom.xml and adds a package for each direct dependency with a
 * literal (or same-pom property) version. Malformed XML is a diagnostic.
 * Returns 0 or ST_ENOMEM. */
int st_java__pom(st_scan_ctx *ctx, const st_entry *e, const char *data,
                 size_t len);

/* One-time libxml2 set-up (thread-safe, idempotent). */
void st_java__xml_init(void);

#endif
