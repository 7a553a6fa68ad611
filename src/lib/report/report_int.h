/* Internal interface of the report writers: one function per format, called
 * by st_report_write through the table in report.c, plus the helpers they
 * share (timestamps, deterministic UUIDs, SPDX licence ids, JSON output).
 * Writers read the result only through the public accessors of
 * strata/scan.h. Not installed. */
#ifndef ST_REPORT_INT_H
#define ST_REPORT_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "strata/report.h"
#include "util/util.h"

/* A writer renders r to f. opts is never NULL here. Returns 0, ST_EIO when
 * writing fails, ST_ENOMEM. */
typedef int (*st_report_fn)(FILE *f, const st_result *r,
                            const st_report_options *opts, st_error **err);

int st_report__table(FILE *f, const st_result *r,
                     const st_report_options *opts, st_error **err);
int st_report__json(FILE *f, const st_result *r,
                    const st_report_options *opts, st_error **err);
int st_report__cyclonedx(FILE *f, const st_result *r,
                         const st_report_options *opts, st_error **err);
int st_report__spdx(FILE *f, const st_result *r,
                    const st_report_options *opts, st_error **err);
int st_report__sarif(FILE *f, const st_result *r,
                     const st_report_options *opts, st_error **err);

/* ---- findings ---------------------------------------------------------- */

/* The rank of a severity name: CRITICAL 4, HIGH 3, MEDIUM 2, LOW 1,
 * anything else (UNKNOWN, NULL, a name strata does not know) 0. Case
 * matters: the result model writes them in capitals. */
int st_report__sev_rank(const char *severity);

/* The canonical name for a rank (0..4): "UNKNOWN" … "CRITICAL". */
const char *st_report__sev_name(int rank);

/* Whether a finding has no fix: status "unfixed", or no status and no
 * fixed version. */
bool st_report__unfixed(const st_vuln *v);

/* Whether the result went through the vulnerability matcher (so "no
 * findings" means none were found, not that nobody looked). */
bool st_report__matched(const st_result *r);

/* The filters of the JSON-shaped writers (json, cyclonedx): severities
 * and ignore_unfixed apply, suppressed findings are kept (they say why). */
bool st_report__listed(const st_vuln *v, const st_report_options *opts);

/* The JSON writer's filter for findings other than vulnerabilities:
 * severities apply, suppressed findings are kept (they say why). */
bool st_report__finding_listed(const st_finding *f,
                               const st_report_options *opts);

/* A kind as a word: "secret", "malware", "hardening" ("finding" for a
 * value strata does not know). */
const char *st_report__kind_name(st_finding_kind kind);

/* An origin as a word: "file", "env", "history", "label". */
const char *st_report__origin_name(st_finding_origin origin);

/* Where a finding is, for people, appended to b: "path:line" (a file),
 * "ENV NAME", "history[3]", "label KEY". */
int st_report__finding_where(st_buf *b, const st_finding *f);

/* The match of a finding as reports print it, NULL when it has none: a
 * secret's redacted (into buf, n ≥ 21 bytes) unless opts->show_secrets,
 * anything else's as found. */
const char *st_report__finding_match(const st_finding *f,
                                     const st_report_options *opts,
                                     char *buf, size_t n);

/* s with every secret replaced by its redaction, unless
 * opts->show_secrets: for text that may quote a secret (a layer's
 * created_by, where a build argument shows; a finding's detail). With f,
 * the secret is f's match (none when f is not a secret finding); without,
 * the matches of every secret finding of r, filtered or not. Matches
 * shorter than 4 bytes are left alone. *out is NULL when s is; caller
 * frees with st_free. Returns 0 or ST_ENOMEM. */
int st_report__hide_secrets(char **out, const char *s, const st_result *r,
                            const st_finding *f,
                            const st_report_options *opts);

/* A URL that describes a vulnerability id: NVD for CVE-…, GitHub for
 * GHSA-…, the Debian tracker for DSA-/DLA-/TEMP-…, else osv.dev. Caller
 * frees with st_free; NULL when out of memory. */
char *st_report__vuln_url(const char *id);

/* Appends s percent-encoded (RFC 3986): everything outside unreserved
 * characters is encoded, and so is "/" unless keep_slash. */
int st_report__pct(st_buf *b, const char *s, size_t len, bool keep_slash);

/* The creation time of a report: opts->timestamp when non-zero, else
 * SOURCE_DATE_EPOCH when it is set to a valid number, else now. */
time_t st_report__time(const st_report_options *opts);

/* Formats t as RFC 3339 UTC, "2024-01-01T00:00:00Z", into out. */
void st_report__rfc3339(char out[32], time_t t);

/* A name-based UUID (RFC 4122 version 5: SHA-1 over the URL namespace and
 * `name`), lowercase, "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx" + NUL. The
 * same name always gives the same UUID. Returns 0 or ST_ENOMEM. */
int st_report__uuid5(char out[37], const char *name);

/* The seed that identifies what a report describes: the config digest (or
 * the manifest digest, or the reference for a directory), a newline, and
 * the purl (or type/name@version) of every package, one per line. Two
 * results with the same image and the same inventory give the same seed.
 * Caller frees with st_free; NULL when out of memory. */
char *st_report__seed(const st_result *r, const char *prefix);

/* The image's human name: its first repo tag, else the reference, else the
 * path, else "image". Borrowed from r. */
const char *st_report__image_name(const st_result *r);

/* The package URL of the image itself, pkg:oci/NAME@sha256%3A…, with
 * arch, repository_url and tag qualifiers, into *out (caller frees with
 * st_free). *out is NULL when the image has no repo tag (no name) or no
 * manifest digest (docker-archive, dir). Returns 0 or ST_ENOMEM. */
int st_report__image_purl(char **out, const st_result *r);

/* True when s is exactly one SPDX licence id from strata's list of common
 * ids (a subset of the SPDX licence list; see spdx_ids in report.c). */
bool st_report__spdx_known(const char *s);
/* The list itself, NULL-terminated (for tests). */
extern const char *const st_report__spdx_ids[];

/* A copy of s that is valid UTF-8: every byte that does not start a valid
 * sequence becomes U+FFFD. With `terminal`, control characters (C0, DEL,
 * C1) become '?' too, so an image cannot send escape sequences to a
 * terminal. Caller frees with st_free; NULL when out of memory. */
char *st_report__clean(const char *s, bool terminal);

/* The display width of a clean string: its number of code points. */
size_t st_report__width(const char *clean);

/* A JSON string for s (made valid UTF-8 when it is not), or JSON null when
 * s is NULL. NULL only when out of memory. */
json_t *st_report__jstr(const char *s);

/* Writes doc as indented JSON with a final newline, then flushes. Returns
 * 0, ST_EIO or ST_ENOMEM. Does not take the reference. */
int st_report__dump(FILE *f, const json_t *doc, st_error **err);

/* Checks f for a write error after a writer printed directly: 0 or
 * ST_EIO with a message. */
int st_report__flush(FILE *f, st_error **err);

#endif
