/* Secret rules and the engine that finds them in text.
 *
 * Rules are data: YAML (docs/secrets.md), the built-in set compiled into
 * the library from rules/secrets.yaml, a user's file added on top. All
 * rules are compiled once into one Hyperscan database of their keywords
 * (a literal prefilter; an Aho-Corasick automaton where Hyperscan is not
 * built in); each keyword occurrence selects its rules, which confirm
 * and extract the secret with their PCRE2 (JIT) regex: on the keyword's
 * line when the regex cannot match a newline, else over the whole
 * buffer. A rule without keywords runs its regex on every buffer.
 *
 * The compiled rules are read-only and may be shared by threads; each
 * thread scans with its own st_secret_scanner (scratch space).
 */
#ifndef ST_SECRETS_H
#define ST_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

#include "strata/common.h"

typedef struct st_secret_rules st_secret_rules;
typedef struct st_secret_scanner st_secret_scanner;

/* One rule, as loaded. Strings live as long as the rules. */
typedef struct st_secret_rule_info {
    const char *id;       /* "aws-access-key-id" */
    const char *category; /* "AWS" */
    const char *title;    /* "AWS Access Key ID" */
    const char *severity; /* CRITICAL HIGH MEDIUM LOW */
} st_secret_rule_info;

/* The built-in rules: rules/secrets.yaml, embedded at build time. */
extern const char st_secret_builtin_yaml[];
extern const size_t st_secret_builtin_yaml_len;

/* An empty rule set, freed with st_secret_rules_free (NULL allowed).
 * NULL when out of memory. */
st_secret_rules *st_secret_rules_new(void);
void st_secret_rules_free(st_secret_rules *r);

/* Adds the rules of one YAML document; `name` names it in errors
 * ("rules/secrets.yaml", the user's path). A rule whose id exists
 * replaces it in place; `disable: [id…]` removes rules loaded before;
 * `allow:` adds to the global allowlist. Errors name the file, the line,
 * the rule and the problem ("my.yaml:12: rule aws-key: regex: missing
 * closing parenthesis at offset 7"): ST_EINVALID, or ST_ELIMIT past a
 * bound (4 MiB, 10,000 rules, …); ST_ENOMEM; ST_EUSAGE once compiled.
 * Nothing is added when the document has an error. */
int st_secret_rules_add(st_secret_rules *r, const char *name,
                        const char *yaml, size_t len, st_error **err);
/* Reads a YAML file and adds it (st_secret_rules_add); also ST_ENOTFOUND
 * and ST_EIO. */
int st_secret_rules_add_file(st_secret_rules *r, const char *path,
                             st_error **err);
/* Compiles the rules loaded so far: required before scanning, and no
 * rule can be added after. A second call does nothing. ST_ENOMEM,
 * ST_ELIMIT (keywords too many for the prefilter). */
int st_secret_rules_compile(st_secret_rules *r, st_error **err);

/* The rules in load order (a replaced rule keeps its place); NULL past
 * the end. Borrowed: valid until the next add or the rules' free. */
size_t st_secret_rule_count(const st_secret_rules *r);
const st_secret_rule_info *st_secret_rule(const st_secret_rules *r,
                                          size_t i);
/* "hyperscan+pcre2" or "pcre2": the engine in use. */
const char *st_secret_engine(const st_secret_rules *r);

/* Whether the global path allowlist skips this path (no leading "/"):
 * true means the file need not be read (st_secret_scan would report
 * nothing in it). False for NULL. */
bool st_secret_path_allowed(const st_secret_rules *r, const char *path);

/* A match. off/len locate the secret itself in the buffer scanned (the
 * regex's "secret" group, or the whole match; never empty). line is
 * 1-based. rule is borrowed from the rules. */
typedef struct st_secret_match {
    const st_secret_rule_info *rule;
    size_t off, len;
    unsigned line;
} st_secret_match;

/* A negative return stops the scan and is returned by st_secret_scan. */
typedef int (*st_secret_match_fn)(void *payload, const st_secret_match *m);

/* Scratch space for one thread, on compiled rules (which must outlive
 * it). NULL when out of memory or the rules are not compiled. */
st_secret_scanner *st_secret_scanner_new(const st_secret_rules *r);
void st_secret_scanner_free(st_secret_scanner *s);

/* Finds every secret in data[0..len) (may hold NULs) and calls fn for
 * each, in buffer order: each distinct (rule, offset) once, after the
 * rule's path filter, allowlists (paths, regexes, stop words) and
 * entropy threshold. `path` (may be NULL: not a file) is what path
 * filters and allowlists see. A regex that hits a PCRE2 limit stops its
 * rule for this buffer; so do 1000 matches. Returns 0, the callback's
 * negative value, ST_ENOMEM, or ST_EINVALID (a Hyperscan failure). */
int st_secret_scan(st_secret_scanner *s, const char *path, const char *data,
                   size_t len, st_secret_match_fn fn, void *payload);

/* Shannon entropy of s[0..len) in bits per byte. */
double st_secret_entropy(const char *s, size_t len);

#endif
