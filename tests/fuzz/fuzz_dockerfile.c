/* Fuzz target: a Dockerfile. It is parsed with st_df_parse and its
 * production limits, every RUN (shell form, heredoc bodies, ONBUILD) is
 * split with st_sh_split, and the whole file goes through the Dockerfile
 * kind of the configuration audit (every check) as `strata config` runs
 * it. Traps when a refused file has no "line N:" message or leaves a
 * result, when the parse breaks its own invariants (positions, stage
 * ranges and bases, bounds on words, heredocs and expansions), when a
 * split yields empty commands or more than the bound, or when a finding
 * lacks its check id, file or a line inside the file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/dockerfile.h"
#include "config/engine_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
    do {                                                                       \
        if (!(x))                                                              \
            __builtin_trap();                                                  \
    } while (0)

static void split(st_arena *a, const char *text, size_t len)
{
    st_sh_cmd *cmds = NULL;
    size_t n = 0, lines = 0;

    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (st_sh_split(&cmds, &n, a, text, len) < 0)
        return; /* out of memory */
    CHECK(n <= ST_SH_MAX_CMDS);
    for (size_t i = 0; i < n; i++) {
        CHECK(cmds[i].argc > 0 && cmds[i].argv);
        CHECK(cmds[i].line <= lines);
        CHECK(cmds[i].sep <= ST_SH_PIPE);
        for (size_t k = 0; k < cmds[i].argc; k++)
            CHECK(cmds[i].argv[k] && strlen(cmds[i].argv[k]) <= (64u << 10));
    }
}

static void check_insn(st_arena *a,
                       const st_dockerfile *df,
                       const st_df_insn *in,
                       unsigned lines)
{
    CHECK(in->keyword && in->text);
    CHECK(in->line >= 1 && in->line <= lines && in->column >= 1);
    CHECK(in->end_line >= in->line && in->end_line <= lines);
    CHECK(in->stage >= -1 &&
          (in->stage < 0 || (size_t)in->stage < df->nstages));
    CHECK(in->nargs <= ST_DF_MAX_WORDS || in->json);
    for (size_t i = 0; i < in->nargs; i++)
        CHECK(in->args[i]);
    for (size_t i = 0; i < in->nflags; i++)
        CHECK(in->flags[i].name);
    for (size_t i = 0; i < in->npairs; i++) {
        CHECK(in->pairs[i].key && *in->pairs[i].key);
        CHECK(!in->pairs[i].value ||
              strlen(in->pairs[i].value) <= ST_DF_MAX_EXPAND);
    }
    CHECK(in->nheredocs <= ST_DF_MAX_HEREDOCS);
    for (size_t i = 0; i < in->nheredocs; i++) {
        const st_df_heredoc *h = &in->heredocs[i];
        CHECK(h->name && *h->name && h->body);
        CHECK(h->len <= ST_DF_MAX_HEREDOC && strlen(h->body) == h->len);
        CHECK(h->line > in->line);
        if (in->cmd == ST_DF_RUN)
            split(a, h->body, h->len);
    }
    if (in->cmd == ST_DF_RUN && !in->json)
        split(a, in->text, strlen(in->text));
    if (in->sub) {
        CHECK(in->cmd == ST_DF_ONBUILD && !in->sub->sub);
        check_insn(a, df, in->sub, lines);
    }
}

static void parse(const char *text, size_t len)
{
    st_arena *a = st_arena_new();
    st_dockerfile *df = NULL;
    st_error *err = NULL;
    unsigned lines = 1, prev = 0;
    size_t in_stages = 0;
    int rc;

    if (!a)
        return;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    rc = st_df_parse(&df, a, text, len, &err);
    if (rc < 0) {
        CHECK(!df);
        CHECK(rc == ST_ENOMEM || ((rc == ST_ELIMIT || rc == ST_EINVALID) &&
                                  !strncmp(st_error_message(err), "line ", 5)));
        goto done;
    }
    CHECK(df && df->ninsns <= ST_DF_MAX_INSNS);
    CHECK(df->escape == '\\' || df->escape == '`');
    CHECK(df->ndiags <= ST_DF_MAX_DIAGS);
    for (size_t i = 0; i < df->ninsns; i++) {
        CHECK(df->insns[i].line >= prev);
        prev = df->insns[i].line;
        check_insn(a, df, &df->insns[i], lines);
    }
    for (size_t s = 0; s < df->nstages; s++) {
        const st_df_stage *st = &df->stages[s];
        CHECK(st->insn < df->ninsns && st->ninsns >= 1);
        CHECK(df->insns[st->insn].cmd == ST_DF_FROM);
        CHECK(df->insns[st->insn].stage == (int)s);
        CHECK(st->base < (int)s && st->base >= -1);
        CHECK(st->image);
        in_stages += st->ninsns;
    }
    CHECK(in_stages <= df->ninsns);
    CHECK(!df->nstages || df->stages[0].insn == df->ninsns - in_stages);
done:
    st_error_free(err);
    st_arena_free(a);
}

/* The kind as the engine runs it, over the built-in checks. Loading the
 * policies costs more than a parse, so one context (and its result) serves
 * 64 inputs; each input's findings are the ones added after the last. */
static st_result *shared_r;
static st_cfg_ctx *shared_c;
static unsigned uses;

static void audit(const char *text, size_t len)
{
    unsigned lines = 1;
    size_t first;

    if (!shared_c || ++uses % 64 == 0) {
        st_cfg_ctx_free(shared_c);
        st_result_free(shared_r);
        shared_c = NULL;
        if (!(shared_r = st_result__new()))
            return;
        if (st_cfg_ctx_new(&shared_c, shared_r, NULL, NULL) < 0)
            __builtin_trap(); /* the built-in policies always load */
        shared_c->kind = "dockerfile";
    }
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    first = shared_r->findings.len;
    if (st_cfg_kind_dockerfile.audit(shared_c, "Dockerfile", text, len) < 0)
        return; /* out of memory */
    for (size_t i = first; i < shared_r->findings.len; i++) {
        const st_finding *f = shared_r->findings.items[i];
        CHECK(f->kind == ST_FINDING_CONFIG && f->id && f->title);
        CHECK(f->path && !strcmp(f->path, "Dockerfile"));
        CHECK(f->line >= 1 && f->line <= lines);
        CHECK(!strncmp(f->id, "dockerfile-", 11));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    if (size > ST_DF_MAX_BYTES + 16)
        return 0;
    parse(text, size);
    audit(text, size);
    return 0;
}
