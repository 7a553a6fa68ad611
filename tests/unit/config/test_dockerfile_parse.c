/* The Dockerfile parser (config/dockerfile.h), feature by feature: parser
 * directives, continuations (and comment and blank lines inside them),
 * heredocs, exec and shell forms, flags, ARG/ENV substitution and its
 * scoping, stages, ONBUILD, positions, CRLF and a BOM, and the bounds on
 * hostile input. Expectations are written out by hand from the Dockerfile
 * reference's rules; each parse is rendered as one line per instruction:
 *   KEYWORD@line:col --flag=value [arg|arg] {KEY=value,KEY=?} <<NAME@line:body>
 * with "json" before the args of the exec form, "?" marking a value that
 * uses a variable of unknown value, and "#N" for the instruction's stage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/dockerfile.h"

static void put_escaped(st_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            st_buf_puts(b, "\\n");
        else if (s[i] == '\t')
            st_buf_puts(b, "\\t");
        else
            st_buf_putc(b, s[i]);
    }
}

static void dump_insn(st_buf *b, const st_df_insn *in)
{
    st_buf_printf(b, "%s@%u:%u", in->keyword, in->line, in->column);
    if (in->stage >= 0)
        st_buf_printf(b, "#%d", in->stage);
    for (size_t i = 0; i < in->nflags; i++)
        st_buf_printf(b, " --%s%s%s", in->flags[i].name,
                      in->flags[i].value ? "=" : "",
                      in->flags[i].value ? in->flags[i].value : "");
    if (in->npairs) {
        st_buf_puts(b, " {");
        for (size_t i = 0; i < in->npairs; i++) {
            const st_df_pair *p = &in->pairs[i];
            st_buf_printf(b, "%s%s", i ? "," : "", p->key);
            if (p->value)
                st_buf_printf(b, "=%s%s", p->value, p->unresolved ? "?" : "");
        }
        st_buf_puts(b, "}");
    } else if (in->nargs || in->json) {
        st_buf_printf(b, " %s[", in->json ? "json" : "");
        for (size_t i = 0; i < in->nargs; i++) {
            if (i)
                st_buf_putc(b, '|');
            put_escaped(b, in->args[i], strlen(in->args[i]));
        }
        st_buf_printf(b, "]%s", in->unresolved ? "?" : "");
    }
    for (size_t i = 0; i < in->nheredocs; i++) {
        const st_df_heredoc *h = &in->heredocs[i];
        st_buf_printf(b, " <<%s%s%s@%u:", h->chomp ? "-" : "",
                      h->quoted ? "'" : "", h->name, h->line);
        put_escaped(b, h->body, h->len);
        st_buf_puts(b, ">");
    }
    if (in->sub) {
        st_buf_puts(b, " => ");
        dump_insn(b, in->sub);
    }
}

/* The whole parse, or "!message" for a refused file. */
static char *dump(const char *text, size_t len)
{
    st_arena *a = st_arena_new();
    st_dockerfile *df = NULL;
    st_error *err = NULL;
    st_buf b = ST_BUF_INIT(1 << 24);
    int rc = st_df_parse(&df, a, text, len, &err);

    assert_non_null(a);
    if (rc < 0) {
        st_buf_printf(&b, "!%s", st_error_message(err));
    } else {
        for (size_t i = 0; i < df->ninsns; i++) {
            dump_insn(&b, &df->insns[i]);
            st_buf_putc(&b, '\n');
        }
        for (size_t i = 0; i < df->ndiags; i++)
            st_buf_printf(&b, "diag %u: %s\n", df->diags[i].line,
                          df->diags[i].msg);
    }
    st_error_free(err);
    st_arena_free(a);
    return st_buf_detach(&b, NULL);
}

static void check(const char *text, const char *want)
{
    char *got = dump(text, strlen(text));
    if (strcmp(got, want)) {
        fprintf(stderr, "--- input:\n%s\n--- want:\n%s--- got:\n%s", text, want,
                got);
        fail();
    }
    st_free(got);
}

typedef struct pcase {
    const char *text, *want;
} pcase;

static void run_cases(const pcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check(cases[i].text, cases[i].want);
}

#define RUN_CASES(c) run_cases(c, sizeof(c) / sizeof(c[0]))

static void test_config__df_directives(void **state)
{
    static const pcase cases[] = {
        /* syntax and escape; the backtick continues lines and escapes */
        {"# syntax=docker/dockerfile:1.7\n# escape=`\nFROM mcr/windows:ltsc\n"
         "RUN dir `\n  C:\\ `\n  /s\nWORKDIR C:\\app\\`$x\n",
         "FROM@3:1#0 [mcr/windows:ltsc]\n"
         "RUN@4:1#0 [dir|C:\\|/s]\n"
         "WORKDIR@7:1#0 [C:\\app\\$x]\n"},
        /* a directive after a comment is a comment: \ stays the escape */
        {"# hello\n# escape=`\nFROM a:1\nRUN x \\\n y\n",
         "FROM@3:1#0 [a:1]\nRUN@4:1#0 [x|y]\n"},
        /* after a blank line too */
        {"\n# escape=`\nFROM a:1\n", "FROM@3:1#0 [a:1]\n"},
        /* case and spaces inside the directive do not matter */
        {"#ESCAPE = `\nFROM a:1 `\n AS b\n", "FROM@2:1#0 [a:1|AS|b]\n"},
        {"# escape=x\nFROM a:1\n",
         "FROM@2:1#0 [a:1]\n"
         "diag 1: invalid escape directive: x (expected \\ or `)\n"},
        {"# escape=`\n# escape=\\\nFROM a:1\n",
         "FROM@3:1#0 [a:1]\ndiag 2: escape directive given twice\n"},
        /* the check directive is known and skipped */
        {"# check=skip=all\n# escape=`\nFROM a`\n:1\n", "FROM@3:1#0 [a:1]\n"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_continuations(void **state)
{
    static const pcase cases[] = {
        /* pieces join with nothing between; leading blanks stay */
        {"FROM a:1\nRUN apt-get update \\\n    && apt-get install -y x\n",
         "FROM@1:1#0 [a:1]\n"
         "RUN@2:1#0 [apt-get|update|&&|apt-get|install|-y|x]\n"},
        /* comment and blank lines inside a continuation are dropped */
        {"FROM a:1\nRUN one \\\n# not here\n\n   \\\n  two \\  \n  three\n",
         "FROM@1:1#0 [a:1]\nRUN@2:1#0 [one|two|three]\n"},
        /* echo hello\ + world: no separator */
        {"FROM a:1\nRUN echo hello\\\nworld\n",
         "FROM@1:1#0 [a:1]\nRUN@2:1#0 [echo|helloworld]\n"},
        /* the escape ending the file continues nothing */
        {"FROM a:1\nRUN x \\", "FROM@1:1#0 [a:1]\nRUN@2:1#0 [x]\n"},
        /* CRLF, a BOM, indentation and tabs */
        {"\xef\xbb\xbf"
         "FROM a:1\r\n  \tRUN x \\\r\n y\r\n",
         "FROM@1:1#0 [a:1]\nRUN@2:4#0 [x|y]\n"},
        /* keywords in any case; unknown instructions are diagnostics */
        {"from a:1\nrun x\nFROBNICATE y\n",
         "from@1:1#0 [a:1]\nrun@2:1#0 [x]\nFROBNICATE@3:1#0\n"
         "diag 3: unknown instruction: FROBNICATE\n"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_heredocs(void **state)
{
    static const pcase cases[] = {
        {"FROM a:1\nRUN <<EOF\napt-get update\napt-get install -y x\nEOF\n"
         "USER app\n",
         "FROM@1:1#0 [a:1]\n"
         "RUN@2:1#0 [<<EOF] <<EOF@3:apt-get update\\napt-get install -y x\\n>\n"
         "USER@6:1#0 [app]\n"},
        /* <<- strips leading tabs, also before the delimiter */
        {"FROM a:1\nRUN <<-EOT bash\n\tset -e\n\t\techo hi\n\tEOT\nUSER x\n",
         "FROM@1:1#0 [a:1]\n"
         "RUN@2:1#0 [<<-EOT|bash] <<-EOT@3:set -e\\necho hi\\n>\n"
         "USER@6:1#0 [x]\n"},
        /* quoted delimiters; two heredocs on one line, bodies in order */
        {"FROM a:1\nCOPY <<\"A\" <<'B' /dst/\nalpha $X\nA\nbeta\nB\n",
         "FROM@1:1#0 [a:1]\n"
         "COPY@2:1#0 [<<\"A\"|<<'B'|/dst/] <<'A@3:alpha $X\\n> "
         "<<'B@5:beta\\n>\n"},
        /* only RUN, COPY and ADD have heredocs; <<< is a here-string */
        {"FROM a:1\nCMD cat <<EOF\nRUN cat <<<word\n",
         "FROM@1:1#0 [a:1]\nCMD@2:1#0 [cat|<<EOF]\nRUN@3:1#0 [cat|<<<word]\n"},
        /* a continued line still opens its heredoc after the join */
        {"FROM a:1\nRUN python3 \\\n  <<PY\nprint(1)\nPY\n",
         "FROM@1:1#0 [a:1]\nRUN@2:1#0 [python3|<<PY] <<PY@4:print(1)\\n>\n"},
        /* unterminated: the rest of the file is the body */
        {"FROM a:1\nRUN <<EOF\necho x\n",
         "FROM@1:1#0 [a:1]\nRUN@2:1#0 [<<EOF] <<EOF@3:echo x\\n>\n"
         "diag 2: heredoc EOF is not terminated\n"},
        /* a quoted <<EOF is a word, not a heredoc */
        {"FROM a:1\nRUN echo \"<<EOF\"\n",
         "FROM@1:1#0 [a:1]\nRUN@2:1#0 [echo|\"<<EOF\"]\n"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_forms_and_flags(void **state)
{
    static const pcase cases[] = {
        {"FROM a:1\nCMD [\"node\", \"server.js\", \"a b\"]\n"
         "ENTRYPOINT [\"/bin/sh\",\"-c\"]\nSHELL [\"pwsh\", \"-C\"]\n",
         "FROM@1:1#0 [a:1]\nCMD@2:1#0 json[node|server.js|a b]\n"
         "ENTRYPOINT@3:1#0 json[/bin/sh|-c]\nSHELL@4:1#0 json[pwsh|-C]\n"},
        /* not JSON (bare words, not strings): the shell form */
        {"FROM a:1\nCMD [node, server.js]\nRUN [\"a\", 1]\n",
         "FROM@1:1#0 [a:1]\nCMD@2:1#0 [[node,|server.js]]\n"
         "RUN@3:1#0 [[\"a\",|1]]\n"},
        {"FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\n"
         "COPY --from=build --chown=10001:10001 --link src/ /src/\n"
         "RUN --mount=type=cache,target=/root/.cache/go-build --network=none "
         "go build ./...\n",
         "FROM@1:1#0 --platform= [golang:1.22|AS|Build]\n"
         "COPY@2:1#0 --from=build --chown=10001:10001 --link [src/|/src/]\n"
         "RUN@3:1#0 --mount=type=cache,target=/root/.cache/go-build "
         "--network=none [go|build|./...]\n"},
        /* ONBUILD holds one instruction */
        {"FROM a:1\nONBUILD RUN curl -s x | sh\nONBUILD ONBUILD x\n",
         "FROM@1:1#0 [a:1]\nONBUILD@2:1#0 => RUN@2:9#0 [curl|-s|x|||sh]\n"
         "ONBUILD@3:1#0\ndiag 3: ONBUILD cannot hold ONBUILD\n"},
        {"RUN x\nFROM a:1\n",
         "RUN@1:1 [x]\nFROM@2:1#0 [a:1]\ndiag 1: RUN before the first FROM\n"},
        {"# nothing\n", ""},
        {"LABEL a=b\n", "LABEL@1:1 {a=b}\ndiag 1: LABEL before the first "
                        "FROM\ndiag 1: no FROM instruction\n"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_substitution(void **state)
{
    static const pcase cases[] = {
        /* the forms; quotes; escapes; unknown values */
        {"FROM a:1\nARG V=1\n"
         "ENV A=$V B=${V}x C=${U:-def} D=${V:+alt} E=${U:+alt} F='$V' "
         "G=\"$V\" H=\\$V I=${U} J=a\\ b K=\"q\\\"t\"\n",
         "FROM@1:1#0 [a:1]\nARG@2:1#0 {V=1}\n"
         "ENV@3:1#0 {A=1,B=1x,C=def?,D=alt,E=?,F=$V,G=1,H=$V,I=?,J=a b,"
         "K=q\"t}\n"},
        /* :- and - differ on an empty value; :+ and + too */
        {"FROM a:1\nENV E=\nENV A=${E:-d} B=${E-d} C=${E:+p} D=${E+p}\n",
         "FROM@1:1#0 [a:1]\nENV@2:1#0 {E=}\n"
         "ENV@3:1#0 {A=d,B=,C=,D=p}\n"},
        /* nested words and the legacy ENV form */
        {"FROM a:1\nENV X=${A:-${B:-in}}-end\nENV Y the rest  of it\n",
         "FROM@1:1#0 [a:1]\nENV@2:1#0 {X=in-end?}\nENV@3:1#0 {Y=the rest  of "
         "it}\n"},
        /* global ARGs are for FROM; a stage redeclares to use them */
        {"ARG TAG=3.19\nARG REG\nFROM ${REG:-docker.io}/alpine:${TAG}\n"
         "RUN echo $TAG\nENV T=$TAG\nARG TAG\nENV U=$TAG\n",
         "ARG@1:1 {TAG=3.19}\nARG@2:1 {REG}\n"
         "FROM@3:1#0 [docker.io/alpine:3.19]?\nRUN@4:1#0 [echo|$TAG]\n"
         "ENV@5:1#0 {T=?}\nARG@6:1#0 {TAG}\nENV@7:1#0 {U=3.19}\n"},
        /* ENV wins over an ARG of the same name, declared before or after */
        {"FROM a:1\nENV P=env\nARG P=arg\nWORKDIR /$P\n",
         "FROM@1:1#0 [a:1]\nENV@2:1#0 {P=env}\nARG@3:1#0 {P=arg}\n"
         "WORKDIR@4:1#0 [/env]\n"},
        /* stages: names lower-cased; FROM stage inherits ENV, not ARG */
        {"FROM a:1 AS Base\nENV HOME=/home/app\nARG LOCAL=x\n"
         "FROM base AS final\nWORKDIR $HOME/$LOCAL\n"
         "COPY --from=BASE $HOME /x\n",
         "FROM@1:1#0 [a:1|AS|Base]\nENV@2:1#0 {HOME=/home/app}\n"
         "ARG@3:1#0 {LOCAL=x}\nFROM@4:1#1 [base|AS|final]\n"
         "WORKDIR@5:1#1 [/home/app/]?\nCOPY@6:1#1 --from=BASE "
         "[/home/app|/x]\n"},
        /* USER and WORKDIR take the rest of the line as one word */
        {"FROM a:1\nWORKDIR /my dir\nUSER 1000:1000\n",
         "FROM@1:1#0 [a:1]\nWORKDIR@2:1#0 [/my dir]\nUSER@3:1#0 [1000:1000]\n"},
        /* ${x#pat} and friends: unknown to the checks */
        {"FROM a:1\nARG V=abc\nENV W=${V#a}\n",
         "FROM@1:1#0 [a:1]\nARG@2:1#0 {V=abc}\nENV@3:1#0 {W=?}\n"},
        {"FROM a:1\nENV W=${V\n",
         "FROM@1:1#0 [a:1]\nENV@2:1#0 {W=?}\n"
         "diag 2: missing '}' in a variable substitution\n"},
    };
    (void)state;
    RUN_CASES(cases);
}

static void test_config__df_stages(void **state)
{
    const char *text = "ARG GO=1.22\n"
                       "FROM golang:${GO} AS build\n"
                       "RUN go build\n"
                       "FROM build AS test\n"
                       "RUN go test\n"
                       "FROM gcr.io/distroless/static:nonroot\n"
                       "COPY --from=build /app /app\n"
                       "CMD [\"/app\"]\n";
    st_arena *a = st_arena_new();
    st_dockerfile *df = NULL;
    (void)state;
    assert_int_equal(st_df_parse(&df, a, text, strlen(text), NULL), 0);
    assert_int_equal(df->nstages, 3);
    assert_string_equal(df->stages[0].image, "golang:1.22");
    assert_string_equal(df->stages[0].name, "build");
    assert_int_equal(df->stages[0].base, -1);
    assert_int_equal(df->stages[0].insn, 1);
    assert_int_equal(df->stages[0].ninsns, 2);
    assert_int_equal(df->stages[1].base, 0);
    assert_int_equal(df->stages[1].insn, 3);
    assert_null(df->stages[2].name);
    assert_int_equal(df->stages[2].base, -1);
    assert_int_equal(df->stages[2].ninsns, 3);
    assert_int_equal(df->insns[0].stage, -1);
    assert_int_equal(df->insns[7].stage, 2);
    assert_int_equal(df->insns[7].cmd, ST_DF_CMD);
    assert_string_equal(st_df_flagval(&df->insns[6], "from"), "build");
    assert_null(st_df_flagval(&df->insns[6], "chown"));
    assert_null(df->syntax);
    assert_int_equal(df->escape, '\\');
    st_arena_free(a);
}

/* Hostile input: refused with the line, or bounded. */
static void test_config__df_limits(void **state)
{
    st_buf b = ST_BUF_INIT(64u << 20);
    char *got;
    (void)state;

    got = dump("FROM a:1\nRUN x\0y\n", 15);
    assert_string_equal(got, "!line 2: a NUL byte: not a text file");
    st_free(got);

    /* more than 10,000 instructions */
    st_buf_puts(&b, "FROM a:1\n");
    for (int i = 0; i < 10000; i++)
        st_buf_puts(&b, "RUN x\n");
    got = dump(b.ptr, b.len);
    assert_string_equal(got, "!line 10001: more than 10000 instructions");
    st_free(got);

    /* an instruction longer than 1 MiB, in continued pieces */
    st_buf_reset(&b);
    st_buf_puts(&b, "FROM a:1\nRUN x \\\n");
    for (int i = 0; i < 20000; i++)
        st_buf_puts(&b, "  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        "aaaaaaaaaa \\\n");
    got = dump(b.ptr, b.len);
    assert_string_equal(got, "!line 2: an instruction longer than 1 MiB");
    st_free(got);

    /* larger than 4 MiB */
    st_buf_reset(&b);
    st_buf_puts(&b, "FROM a:1\n");
    while (b.len <= ST_DF_MAX_BYTES)
        st_buf_puts(&b, "# a comment line that fills the file up\n");
    got = dump(b.ptr, b.len);
    assert_string_equal(got, "!line 1: larger than 4 MiB");
    st_free(got);

    /* a heredoc past 1 MiB is cut, with a diagnostic */
    st_buf_reset(&b);
    st_buf_puts(&b, "FROM a:1\nRUN <<EOF\n");
    for (int i = 0; i < 40000; i++)
        st_buf_puts(&b, "echo 0123456789012345678901234567890123456789\n");
    st_buf_puts(&b, "EOF\nUSER app\n");
    {
        st_arena *a = st_arena_new();
        st_dockerfile *df = NULL;
        assert_int_equal(st_df_parse(&df, a, b.ptr, b.len, NULL), 0);
        assert_int_equal(df->ninsns, 3);
        assert_true(df->insns[1].heredocs[0].len <= ST_DF_MAX_HEREDOC);
        assert_true(df->insns[1].heredocs[0].len > ST_DF_MAX_HEREDOC - 64);
        assert_int_equal(df->insns[2].line, 40004);
        assert_int_equal(df->ndiags, 1);
        assert_string_equal(df->diags[0].msg,
                            "heredoc EOF longer than 1048576 bytes: cut");
        st_arena_free(a);
    }

    /* substitution that doubles on every line stays bounded */
    st_buf_reset(&b);
    st_buf_puts(&b, "FROM a:1\nENV A0=aaaaaaaaaaaaaaaa\n");
    for (int i = 1; i < 40; i++)
        st_buf_printf(&b, "ENV A%d=${A%d}${A%d}\n", i, i - 1, i - 1);
    {
        st_arena *a = st_arena_new();
        st_dockerfile *df = NULL;
        assert_int_equal(st_df_parse(&df, a, b.ptr, b.len, NULL), 0);
        assert_true(strlen(df->insns[39].pairs[0].value) <= ST_DF_MAX_EXPAND);
        assert_true(df->insns[39].pairs[0].unresolved);
        assert_true(st_arena_size(a) < (200u << 20));
        st_arena_free(a);
    }

    /* nesting past the bound is refused, not followed */
    st_buf_reset(&b);
    st_buf_puts(&b, "FROM a:1\nENV X=");
    for (int i = 0; i < 50; i++)
        st_buf_puts(&b, "${U:-");
    st_buf_puts(&b, "deep");
    for (int i = 0; i < 50; i++)
        st_buf_puts(&b, "}");
    st_buf_puts(&b, "\n");
    got = dump(b.ptr, b.len);
    assert_non_null(strstr(got, "{X=?}"));
    assert_non_null(strstr(got, "nested too deep"));
    st_free(got);
    st_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__df_directives),
        cmocka_unit_test(test_config__df_continuations),
        cmocka_unit_test(test_config__df_heredocs),
        cmocka_unit_test(test_config__df_forms_and_flags),
        cmocka_unit_test(test_config__df_substitution),
        cmocka_unit_test(test_config__df_stages),
        cmocka_unit_test(test_config__df_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
