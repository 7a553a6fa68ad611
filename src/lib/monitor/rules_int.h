/* The rule engine's insides, shared by rules*.c; not installed.
 *
 *   rules.c          YAML items -> definitions (lists, macros, rules) with
 *                    Falco's define/append/override semantics; the API
 *   rules_lex.c      condition text -> parse tree (Falco's grammar)
 *   rules_compile.c  parse trees -> checks on field ids with prebuilt
 *                    sets; macros and lists expanded; event type masks
 *   rules_eval.c     running the checks on an event
 *   rules_output.c   output templates
 *
 * Everything a compiled rule set points to lives in its arena.
 */
#ifndef ST_MONITOR_RULES_INT_H
#define ST_MONITOR_RULES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/rules.h"

/* Limits, for hostile rule files (and the fuzzer). */
#define ST_RULES__MAX_FILE        (8u << 20) /* bytes of one rules file */
#define ST_RULES__MAX_DEPTH       100        /* parse nesting of a condition */
#define ST_RULES__MAX_MACRO_DEPTH 64         /* macros within macros */
#define ST_RULES__MAX_LIST_ITEMS  100000     /* items of a list, expanded */
#define ST_RULES__MAX_WEIGHT      200000     /* checks of a rule, expanded */
#define ST_RULES__MAX_OUTPUT      8192       /* bytes of a rendered output */

/* ---- parse trees (rules_lex.c) ----------------------------------------- */

typedef enum st_rop {
    ST_OP_EQ,
    ST_OP_NE,
    ST_OP_LT,
    ST_OP_LE,
    ST_OP_GT,
    ST_OP_GE,
    ST_OP_CONTAINS,
    ST_OP_ICONTAINS,
    ST_OP_STARTSWITH,
    ST_OP_ENDSWITH,
    ST_OP_GLOB,
    ST_OP_IGLOB,
    ST_OP_IN,
    ST_OP_INTERSECTS,
    ST_OP_PMATCH,
    ST_OP_EXISTS,
    /* Falco's, not supported: a rule using them is skipped */
    ST_OP_BCONTAINS,
    ST_OP_BSTARTSWITH,
    ST_OP_REGEX
} st_rop;
const char *st_rules__op_name(st_rop op);

typedef enum st_pkind {
    ST_P_AND,
    ST_P_OR,
    ST_P_NOT,
    ST_P_CHECK,
    ST_P_IDENT /* a macro's name */
} st_pkind;

typedef struct st_pval {
    const char *s; /* unescaped, NUL-terminated */
    bool quoted;   /* a quoted string: never a list's name */
} st_pval;

typedef struct st_pnode {
    st_pkind kind;
    unsigned pos;           /* offset in the condition text */
    struct st_pnode **kids; /* AND, OR: n >= 2; NOT: 1 */
    size_t n;
    const char *name;        /* IDENT: the macro; CHECK: the field, with
                                its [argument] if any */
    const char *transformer; /* CHECK: "tolower" etc. (unsupported) */
    st_rop op;
    st_pval *vals; /* CHECK: values (one unless list) */
    size_t nvals;
    bool list;      /* CHECK: a (…) list or a list's name */
    bool rhs_field; /* CHECK: val(field) on the right */
} st_pnode;

/* Parses a condition into a tree in arena a. On a syntax error returns
 * ST_EINVALID with msg filled ("expected ')'") and *pos the offset;
 * ST_ENOMEM. */
int st_rules__parse(st_pnode **out,
                    st_arena *a,
                    const char *text,
                    char *msg,
                    size_t msglen,
                    unsigned *pos);

/* ---- compiled checks (rules_compile.c) --------------------------------- */

typedef enum st_ckind {
    ST_C_TRUE,
    ST_C_FALSE,
    ST_C_AND,
    ST_C_OR,
    ST_C_NOT,
    ST_C_TYPE, /* evt.type in a set: a bit test */
    ST_C_CMP
} st_ckind;

typedef struct st_strset st_strset; /* strings, hashed */

typedef struct st_cnode {
    uint8_t kind;   /* st_ckind */
    uint8_t op;     /* st_rop */
    uint8_t ftype;  /* st_ev_ftype of the field */
    bool any;       /* an ST_EVF_ANY field without index: any value */
    int16_t index;  /* the field's [index], -1: none */
    uint16_t field; /* st_ev_field_id */
    uint32_t n;     /* kids */
    struct st_cnode **kids;
    uint32_t types; /* ST_C_TYPE: bit per st_ev_type */
    /* the operand */
    int64_t num;
    bool b;
    const char *s; /* lowered for icontains/iglob; NUL-terminated */
    size_t len;
    const int64_t *nums; /* IN on numbers, sorted */
    size_t nnums;
    const st_strset *set; /* IN on strings, PMATCH (normalised paths) */
    /* analysis, memoised over shared macro subtrees */
    uint32_t may_true, may_false; /* event types where it can be … */
    uint64_t weight;              /* checks below, shared ones counted as
                                     often as used (saturating) */
    bool analysed;
} st_cnode;

bool st_rules__set_has(const st_strset *s, const char *v, size_t len);

/* ---- definitions (rules.c) ---------------------------------------------- */

typedef struct st_rdef_exc {
    const char *name;
    /* fields: one (a string) or several (a list); comps likewise; values:
     * rows of strings or lists */
    bool fields_list, comps_list, comps_set;
    st_vec fields; /* char * */
    st_vec comps;  /* char * */
    st_vec values; /* st_rdef_val * */
    unsigned line;
} st_rdef_exc;

typedef struct st_rdef_val {
    bool list;
    st_vec items; /* char *; one when !list */
} st_rdef_val;

typedef struct st_rdef_list {
    const char *name;
    st_vec items; /* char * as written */
    const char *file;
    unsigned line;
    /* compile state */
    int state;   /* 0 new, 1 expanding, 2 done */
    st_vec flat; /* char *, the items with lists expanded */
} st_rdef_list;

typedef struct st_rdef_macro {
    const char *name;
    const char *cond;
    const char *file;
    unsigned line, cond_line;
    /* compile state */
    st_pnode *tree;
    int state;          /* 0 new, 1 compiling, 2 done */
    st_cnode *compiled; /* when done without skip */
    const char *skip;   /* why rules using it are skipped */
} st_rdef_macro;

typedef struct st_rdef_rule {
    const char *name;
    const char *desc;
    const char *cond;
    const char *output;
    int priority; /* st_rule_priority, -1: unset */
    st_vec tags;  /* char * */
    bool enabled;
    const char *source;
    st_vec exceptions; /* st_rdef_exc * */
    const char *file;
    unsigned line, cond_line;
} st_rdef_rule;

/* A compiled rule. */
typedef struct st_crule {
    st_rule_info info;
    const st_cnode *cond;
    struct st_tmpl *output;
} st_crule;

struct st_rules {
    st_arena *a;   /* definitions, trees, compiled rules */
    st_vec lists;  /* st_rdef_list *, in order of definition */
    st_vec macros; /* st_rdef_macro * */
    st_vec rules;  /* st_rdef_rule * */
    st_map *list_by_name, *macro_by_name, *rule_by_name;
    bool compiled;
    /* compiled */
    st_vec crules; /* st_crule *, in order */
    st_vec skips;  /* st_rule_skip *, then skip_arr */
    st_rule_skip *skip_arr;
    size_t nskips;
    /* per event type, the rules that can match it, in order */
    const st_crule **by_type[ST_EV__COUNT];
    size_t n_by_type[ST_EV__COUNT];
};

/* Compiles every enabled rule (rules_compile.c). Fills crules, skips,
 * by_type. ST_EINVALID for a syntax error or a macro cycle (file:line),
 * ST_ELIMIT, ST_ENOMEM. */
int st_rules__compile_all(st_rules *r, st_error **err);

/* ---- output templates (rules_output.c) ---------------------------------- */

typedef struct st_tmpl st_tmpl;
/* Compiles a template into the arena; %container.info is expanded as
 * Falco does by default. NULL only when out of memory. */
st_tmpl *st_rules__tmpl_new(st_arena *a, const char *text);

/* ---- evaluation (rules_eval.c) ------------------------------------------ */

/* Per-event state: field values read once and kept. */
typedef struct st_ectx st_ectx;
bool st_rules__eval(const st_cnode *c, st_ectx *x);
/* Renders t for the event of x into buf (cut to buflen). */
void st_rules__render(const st_tmpl *t, st_ectx *x, char *buf, size_t buflen);

#define ST_ECTX_POOL 8192
struct st_ectx {
    const st_event *ev;
    uint8_t state[ST_F__COUNT]; /* 0 not read, 1 no value, 2 value */
    st_ev_value val[ST_F__COUNT];
    uint32_t len[ST_F__COUNT]; /* strings */
    size_t used;
    char pool[ST_ECTX_POOL];   /* values formatted once */
    char scratch[ST_EV_BUFSZ]; /* values not kept (indexed, pool full) */
};
void st_rules__ectx_init(st_ectx *x, const st_event *ev);

#endif
