/* The runtime rule engine: a compatible subset of Falco's rule language
 * (docs/monitor-rules.md).
 *
 * A rules file is YAML: a sequence of items, each one of
 *   - rule: NAME / desc / condition / output / priority / tags / enabled
 *     / exceptions / source / append
 *   - macro: NAME / condition / append
 *   - list: NAME / items / append
 *   - required_engine_version, required_plugin_versions: ignored
 * with Falco's semantics: a later definition of a name replaces the
 * earlier in place; `append: true` adds to it (conditions joined by a
 * space, as Falco does); `override: {KEY: append|replace}` does either per
 * key; an item with just `rule` and `enabled` switches a rule on or off.
 * Conditions: and, or, not, parentheses; comparisons =, ==, !=, <, <=, >,
 * >=, contains, icontains, startswith, endswith, glob, iglob, in (…),
 * intersects, pmatch (…), exists; macros and lists by name, list items
 * may be lists. Lists and macros may be used before they are defined;
 * cycles are errors.
 *
 * Fields are those of event.h. A rule naming a field strata does not know
 * (or using a macro that does), an unsupported operator (bcontains,
 * bstartswith, regex) or a field transformer, a source other than
 * syscall, or only event types strata does not capture, is skipped with
 * the reason, not an error. A syntax error (also in a macro no rule uses)
 * is an error naming file:line.
 *
 * Every rule that matches an event fires (Falco's rule_matching: all).
 * Internal; depends on util, util/yaml and event.h.
 */
#ifndef ST_MONITOR_RULES_H
#define ST_MONITOR_RULES_H

#include <stdbool.h>

#include "monitor/event.h"

typedef enum st_rule_priority {
    ST_PRIO_DEBUG = 0,
    ST_PRIO_INFORMATIONAL,
    ST_PRIO_NOTICE,
    ST_PRIO_WARNING,
    ST_PRIO_ERROR,
    ST_PRIO_CRITICAL,
    ST_PRIO_ALERT,
    ST_PRIO_EMERGENCY
} st_rule_priority;
const char *st_rule_priority_name(st_rule_priority p); /* "WARNING" */
/* Any case, also Falco's "info"; false when unknown. */
bool st_rule_priority_parse(const char *s, st_rule_priority *out);

typedef struct st_rule_info {
    const char *name;
    const char *desc;
    st_rule_priority priority;
    const char *const *tags;
    size_t tag_count;
    const char *source_file; /* where it was defined */
    unsigned line;
} st_rule_info;

typedef struct st_rule_skip {
    const char *name;
    const char *why; /* "unknown field k8s.pod.labels", "unsupported
                        operator regex", "source: k8s_audit", "disabled",
                        "evt.type symlink, symlinkat: not captured by
                        strata" */
} st_rule_skip;

typedef struct st_rules st_rules;

int st_rules_new(st_rules **out, st_error **err);
/* Loads one rules file (YAML text; `name` is used in messages). Later
 * files override and append to earlier ones, as in Falco. ST_EINVALID
 * ("name:line: rule "x": missing 'output'"), ST_ELIMIT (larger than 8
 * MiB), ST_EUSAGE after st_rules_compile. On an error the rule set holds
 * part of the file: free it. */
int st_rules_load(st_rules *r,
                  const char *yaml,
                  size_t len,
                  const char *name,
                  st_error **err);
/* st_rules_load on the contents of a file (ST_ENOTFOUND, ST_EIO). */
int st_rules_load_file(st_rules *r, const char *path, st_error **err);
/* Loads the built-in rules (the YAML files of rules/monitor, embedded). */
int st_rules_load_builtin(st_rules *r, st_error **err);
/* Compiles everything loaded; must be called before st_rules_eval.
 * ST_EINVALID for a syntax error or a macro or list that refers back to
 * itself (naming file:line), ST_ELIMIT for a list of more than 100,000
 * items once expanded. */
int st_rules_compile(st_rules *r, st_error **err);

size_t st_rules_count(const st_rules *r); /* enabled, compiled rules */
/* The i-th compiled rule in order of definition; valid as long as r. */
const st_rule_info *st_rules_get(const st_rules *r, size_t i);
/* The rules not compiled (disabled ones too), with the reason, in order
 * of definition; the array is r's. */
size_t st_rules_skipped(const st_rules *r, const st_rule_skip **out);

/* Evaluates every rule against an event (rules are indexed by event type
 * so that an event costs only the rules that can match it). For each match
 * fn (may be NULL) gets the rule and its output template rendered for the
 * event (valid during the call). Returns the number of rules that
 * matched. Thread-safe on a compiled rule set. */
typedef void (*st_rule_hit_fn)(const st_rule_info *rule,
                               const st_event *ev,
                               const char *output,
                               void *payload);
size_t st_rules_eval(const st_rules *r,
                     const st_event *ev,
                     st_rule_hit_fn fn,
                     void *payload);

void st_rules_free(st_rules *r);

#endif
