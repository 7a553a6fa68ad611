/* The shell-command splitter the Dockerfile checks read RUN with
 * (config/dockerfile.h, st_sh_split). Each case is rendered as the simple
 * commands with their words in [] and the operator after each (&& || |;
 * ";" for the end of a command), with "@N" for a command that starts on
 * line N (0-based) when it is not line 0. The expectations follow POSIX
 * sh's token rules: quote removal, backslash escapes, comments, operators,
 * redirections and here-documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/dockerfile.h"

static char *render(const char *text)
{
    static const char *const seps[] = {";", "&&", "||", "|"};
    st_arena *a = st_arena_new();
    st_buf b = ST_BUF_INIT(1 << 20);
    st_sh_cmd *cmds = NULL;
    size_t n = 0;

    assert_int_equal(st_sh_split(&cmds, &n, a, text, strlen(text)), 0);
    for (size_t i = 0; i < n; i++) {
        if (i)
            st_buf_putc(&b, ' ');
        if (cmds[i].line)
            st_buf_printf(&b, "@%u", cmds[i].line);
        for (size_t k = 0; k < cmds[i].argc; k++)
            st_buf_printf(&b, "[%s]", cmds[i].argv[k]);
        st_buf_printf(&b, " %s", seps[cmds[i].sep]);
    }
    st_arena_free(a);
    return st_buf_detach(&b, NULL);
}

static void test_config__sh_split(void **state)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"apt-get update && apt-get install -y curl",
         "[apt-get][update] && [apt-get][install][-y][curl] ;"},
        {"a || b; c | d & e", "[a] || [b] ; [c] | [d] ; [e] ;"},
        /* quotes go, their words stay whole; "" is a word */
        {"echo 'a b' \"c $X d\" e\\ f \"\" x''y",
         "[echo][a b][c $X d][e f][][xy] ;"},
        /* in double quotes \ escapes only $ ` \" \\ and newline */
        {"echo \"a\\$b \\n \\\\ \\\"q\\\"\"", "[echo][a$b \\n \\ \"q\"] ;"},
        /* $(…), ${…}, `…` and <(…) stay in their word as written */
        {"sh -c \"$(curl -fsSL https://x/i.sh)\"",
         "[sh][-c][$(curl -fsSL https://x/i.sh)] ;"},
        {"bash <(wget -qO- x) ${A:-b c} `curl x | sh`",
         "[bash][<(wget -qO- x)][${A:-b c}][`curl x | sh`] ;"},
        /* redirections and their targets go; 2>&1 too */
        {"curl -s x > /tmp/a 2>&1 && cat < in >>out 2>/dev/null",
         "[curl][-s][x] && [cat] ;"},
        {"make &> log; ls >| f", "[make] ; [ls] ;"},
        /* comments only where a word starts */
        {"echo a#b # the rest | sh\nls", "[echo][a#b] ; @1[ls] ;"},
        /* backslash-newline joins; newlines end commands */
        {"apt-get install \\\n  curl\nrm -rf /x",
         "[apt-get][install][curl] ; @2[rm][-rf][/x] ;"},
        /* a pipe at the end of a line continues on the next */
        {"curl -s x |\n  sh", "[curl][-s][x] | @1[sh] ;"},
        /* compound commands: their reserved words are skipped */
        {"if [ -f x ]; then sudo rm x; fi", "[[][-f][x][]] ; [sudo][rm][x] ;"},
        {"for p in a b; do pip install $p; done; { a; b; }; ( c )",
         "[for][p][in][a][b] ; [pip][install][$p] ; [a] ; [b] ; [c] ;"},
        {"! grep -q x f && echo y", "[grep][-q][x][f] && [echo][y] ;"},
        /* a here-document's body is data, not commands */
        {"cat <<EOF > /etc/x\ncurl | sh\nEOF\nls", "[cat] ; @3[ls] ;"},
        {"cat <<-'E'\n\tsudo x\n\tE\necho done", "[cat] ; @3[echo][done] ;"},
        /* <<< is a here-string: its word goes */
        {"sh <<< 'echo hi'", "[sh] ;"},
        /* unterminated quotes end at the end of the text */
        {"echo 'open", "[echo][open] ;"},
        {"echo \"open", "[echo][open] ;"},
        {"", ""},
        {"  ;  && |", ""},
        {"a\\", "[a] ;"},
        {"$'a\\tb'", "[a\\tb] ;"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = render(cases[i].text);
        if (strcmp(got, cases[i].want)) {
            fprintf(stderr, "input: %s\nwant:  %s\ngot:   %s\n", cases[i].text,
                    cases[i].want, got);
            fail();
        }
        st_free(got);
    }
}

/* Many commands and long words: bounded, no failure. */
static void test_config__sh_limits(void **state)
{
    st_buf b = ST_BUF_INIT(64u << 20);
    st_arena *a = st_arena_new();
    st_sh_cmd *cmds;
    size_t n;
    (void)state;

    for (int i = 0; i < 10000; i++)
        st_buf_puts(&b, "a;");
    assert_int_equal(st_sh_split(&cmds, &n, a, b.ptr, b.len), 0);
    assert_int_equal(n, ST_SH_MAX_CMDS);
    st_buf_reset(&b);
    for (int i = 0; i < 5000; i++)
        st_buf_puts(&b, "$((((((((((");
    assert_int_equal(st_sh_split(&cmds, &n, a, b.ptr, b.len), 0);
    assert_int_equal(n, 1);
    st_buf_reset(&b);
    for (int i = 0; i < 200000; i++)
        st_buf_putc(&b, 'x');
    assert_int_equal(st_sh_split(&cmds, &n, a, b.ptr, b.len), 0);
    assert_int_equal(n, 1);
    assert_true(strlen(cmds[0].argv[0]) <= (64u << 10));
    st_buf_release(&b);
    st_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__sh_split),
        cmocka_unit_test(test_config__sh_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
