/* secrets/engine: what a scan reports. Offsets and lines are counted by
 * hand in the texts below; entropy against hand-computed values; the two
 * prefilters (Hyperscan where built in, Aho-Corasick) against a naive
 * search and against each other on generated buffers. */
#include <math.h>

#include "helpers.h"

#define KEY1 "AKIAIOSFODNN7EXAMPLE"
#define KEY2 "AKIA2222222222222222"

static const char aws[] = "rules:\n"
                          "  - id: aws\n"
                          "    category: AWS\n"
                          "    title: AWS key\n"
                          "    severity: CRITICAL\n"
                          "    keywords: [AKIA]\n"
                          "    regex: '\\b(?<secret>AKIA[A-Z2-7]{16})\\b'\n";

static void test_engine__offsets_and_lines(void **state)
{
    /* line 1 "line one\n" is bytes 0-8; line 2 starts at 9 and its key
     * after 20 bytes of "aws_access_key_id = ", at 29; line 2 ends at 49,
     * line 3 is the "\n" at 50, line 4 starts at 51 and its key at 53 */
    static const char text[] = "line one\n"
                               "aws_access_key_id = " KEY1 "\n"
                               "\n"
                               "x " KEY2 " y\n";
    founds f = {0};
    (void)state;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(aws, fb);
        f.n = 0;
        assert_int_equal(scan_into(r, "a.txt", text, strlen(text), &f), 0);
        assert_int_equal(f.n, 2);
        assert_string_equal(f.items[0].rule, "aws");
        assert_int_equal(f.items[0].off, 29);
        assert_int_equal(f.items[0].len, 20);
        assert_int_equal(f.items[0].line, 2);
        assert_string_equal(f.items[0].secret, KEY1);
        assert_int_equal(f.items[1].off, 53);
        assert_int_equal(f.items[1].line, 4);
        assert_string_equal(f.items[1].secret, KEY2);
        /* not a key: too short, or inside a longer word */
        f.n = 0;
        assert_int_equal(
            scan_into(r, NULL, "AKIA1234 xAKIAIOSFODNN7EXAMPLE", 30, &f), 0);
        assert_int_equal(f.n, 0);
        st_secret_rules_free(r);
    }
}

static void test_engine__secret_group(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: whole, category: C, title: T, severity: LOW,\n"
        "     keywords: [tok_], regex: 'tok_[a-z]{4}'}\n"
        "  - {id: group, category: C, title: T, severity: LOW,\n"
        "     keywords: [pass], regex: '(?i)(pass)=(?<secret>[^\\s;]+)'}\n"
        /* the secret group does not take part in this match: nothing */
        "  - {id: optional, category: C, title: T, severity: LOW,\n"
        "     keywords: [opt], regex: 'opt(?:=(?<secret>\\d+)|!)'}\n";
    /* tok_abcd at 2; "PASS=hunter2" at 11, its secret at 16 */
    static const char text[] = "> tok_abcd PASS=hunter2; opt! opt=42";
    st_secret_rules *r = rules_from(doc, false);
    founds f = {0};
    (void)state;
    assert_int_equal(scan_into(r, NULL, text, strlen(text), &f), 0);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.items[0].rule, "whole");
    assert_int_equal(f.items[0].off, 2);
    assert_string_equal(f.items[0].secret, "tok_abcd");
    assert_string_equal(f.items[1].rule, "group");
    assert_int_equal(f.items[1].off, 16);
    assert_string_equal(f.items[1].secret, "hunter2");
    assert_string_equal(f.items[2].rule, "optional");
    assert_int_equal(f.items[2].off, 34);
    assert_string_equal(f.items[2].secret, "42");
    st_secret_rules_free(r);
}

static void test_engine__path_filter(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - id: git-credentials\n"
        "    category: Git\n"
        "    title: Git credentials\n"
        "    severity: HIGH\n"
        "    path: '(^|/)\\.git-credentials$'\n"
        "    regex: 'https://[^:\\s]+:(?<secret>[^@\\s]+)@'\n";
    static const char text[] = "https://user:s3cr3tpass@example.com\n";
    static const struct {
        const char *path;
        size_t n;
    } cases[] = {
        {".git-credentials", 1},
        {"home/u/.git-credentials", 1},
        {"home/u/.git-credentials.bak", 0},
        {"a.txt", 0},
        {NULL, 0}, /* env, history, labels */
    };
    st_secret_rules *r = rules_from(doc, false);
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        founds f = {0};
        assert_int_equal(scan_into(r, cases[i].path, text, strlen(text), &f),
                         0);
        assert_int_equal(f.n, cases[i].n);
        if (f.n)
            assert_string_equal(f.items[0].secret, "s3cr3tpass");
    }
    st_secret_rules_free(r);
}

static void test_engine__allowlists(void **state)
{
    static const char doc[] = "rules:\n"
                              "  - id: aws\n"
                              "    category: AWS\n"
                              "    title: AWS key\n"
                              "    severity: CRITICAL\n"
                              "    keywords: [AKIA]\n"
                              "    regex: '\\b(?<secret>AKIA[A-Z2-7]{16})\\b'\n"
                              "    allow:\n"
                              "      paths: ['^test/']\n"
                              "      regexes: ['EXAMPLE$']\n"
                              "      stopwords: [dummy]\n"
                              "  - id: tok\n"
                              "    category: C\n"
                              "    title: T\n"
                              "    severity: LOW\n"
                              "    keywords: [tok_]\n"
                              "    regex: 'tok_[a-z]+'\n"
                              "allow:\n"
                              "  paths: ['(^|/)vendor/']\n"
                              "  regexes: ['^tok_x']\n"
                              "  stopwords: [fake]\n";
    static const struct {
        const char *path, *text;
        const char *want; /* the secrets found, space-separated */
    } cases[] = {
        {"src/a", KEY1 " " KEY2, KEY2},                /* rule regex */
        {"src/a", "AKIADUMMY22222222222 " KEY2, KEY2}, /* rule stop word */
        {"test/a", KEY2 " tok_abc", "tok_abc"},        /* rule path */
        {"src/test/a", KEY2, KEY2},                    /* anchored: not test/ */
        {NULL, KEY2, KEY2},                      /* no path, no path allow */
        {"vendor/a", KEY2 " tok_abc", ""},       /* global path */
        {"a/vendor/b", "tok_abc", ""},           /* global path */
        {"src/a", "tok_xyz tok_abc", "tok_abc"}, /* global regex */
        {"src/a", "tok_abfakec tok_abc AKIAFAKE222222222222", "tok_abc"},
    };
    (void)state;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(doc, fb);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            founds f = {0};
            char got[256] = "";
            assert_int_equal(scan_into(r, cases[i].path, cases[i].text,
                                       strlen(cases[i].text), &f),
                             0);
            for (size_t j = 0; j < f.n; j++)
                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                         j ? " " : "", f.items[j].secret);
            if (strcmp(got, cases[i].want)) {
                print_error("case %zu: got \"%s\", want \"%s\"\n", i, got,
                            cases[i].want);
                fail();
            }
        }
        assert_true(st_secret_path_allowed(r, "vendor/x"));
        assert_false(st_secret_path_allowed(r, "test/x")); /* a rule's */
        st_secret_rules_free(r);
    }
}

static void test_engine__entropy(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: e, category: C, title: T, severity: LOW,\n"
        "     keywords: ['key='], regex: 'key=(?<secret>\\w+)', entropy: 3}\n";
    char all[256];
    st_secret_rules *r;
    founds f = {0};
    (void)state;

    assert_true(st_secret_entropy("aaaa", 4) == 0);
    assert_true(st_secret_entropy("", 0) == 0);
    assert_true(st_secret_entropy("abcd", 4) == 2);
    assert_true(st_secret_entropy("aabb", 4) == 1);
    assert_true(st_secret_entropy("abcdefgh", 8) == 3);
    /* -(3/4 log2 3/4 + 1/4 log2 1/4) = 2 - 3/4 log2 3 */
    assert_true(fabs(st_secret_entropy("aaab", 4) - (2 - 0.75 * log2(3))) <
                1e-12);
    /* seven symbols, one twice: 6 * 3/8 + 2/8 * 2 = 2.75 */
    assert_true(fabs(st_secret_entropy("abcdefga", 8) - 2.75) < 1e-12);
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    assert_true(st_secret_entropy(all, 256) == 8);

    r = rules_from(doc, false);
    /* 0 bits, 2.75 bits: below; exactly 3 bits: reported */
    assert_int_equal(
        scan_into(r, NULL, "key=aaaaaaaa key=abcdefga key=abcdefgh", 38, &f),
        0);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].secret, "abcdefgh");
    assert_int_equal(f.items[0].off, 30);
    st_secret_rules_free(r);
}

static void test_engine__keywords(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: gated, category: C, title: T, severity: LOW,\n"
        "     keywords: [zzz], regex: 'abc'}\n"
        "  - {id: always, category: C, title: T, severity: LOW,\n"
        "     regex: 'ab(?=c)'}\n"
        "  - {id: caseless, category: C, title: T, severity: LOW,\n"
        "     keywords: [Secret_Token], regex: '(?i)secret_token=(\\w+)'}\n"
        "  - {id: shared, category: C, title: T, severity: LOW,\n"
        "     keywords: [SECRET_TOKEN, abc], regex: 'SECRET_TOKEN'}\n";
    (void)state;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(doc, fb);
        founds f = {0};
        /* no zzz: "gated" does not run even though its regex matches;
         * "always" has no keywords and runs on every buffer */
        assert_int_equal(scan_into(r, NULL, "abc", 3, &f), 0);
        assert_int_equal(f.n, 1);
        assert_string_equal(f.items[0].rule, "always");
        f.n = 0;
        assert_int_equal(scan_into(r, NULL, "ZZZ abc", 7, &f), 0);
        assert_int_equal(f.n, 2);
        assert_string_equal(f.items[0].rule, "gated");
        assert_int_equal(f.items[0].off, 4);
        assert_string_equal(f.items[1].rule, "always");
        assert_int_equal(f.items[1].off, 4);
        /* keywords match in any case; two rules at one offset */
        f.n = 0;
        assert_int_equal(scan_into(r, NULL, "SECRET_TOKEN=x1", 15, &f), 0);
        assert_int_equal(f.n, 2);
        assert_string_equal(f.items[0].rule, "caseless");
        assert_string_equal(f.items[0].secret, "SECRET_TOKEN=x1");
        assert_string_equal(f.items[1].rule, "shared");
        assert_string_equal(f.items[1].secret, "SECRET_TOKEN");
        st_secret_rules_free(r);
    }
}

static void test_engine__multiline_pem(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - id: pem\n"
        "    category: Keys\n"
        "    title: Private key\n"
        "    severity: HIGH\n"
        "    keywords: [PRIVATE KEY-----]\n"
        "    regex: '-----BEGIN (?:RSA )?PRIVATE KEY-----\\r?\\n"
        "(?:[A-Za-z0-9+/=]{1,80}\\r?\\n){4,}"
        "-----END (?:RSA )?PRIVATE KEY-----'\n";
    st_buf text = ST_BUF_INIT(1 << 20);
    st_secret_rules *r = rules_from(doc, false);
    founds f = {0};
    size_t begin, end;
    unsigned seed = 7;
    (void)state;

    /* a key body of 200 lines of 64 base64 characters, made up here */
    assert_int_equal(st_buf_puts(&text, "config\n\n"), 0);
    begin = text.len;
    assert_int_equal(st_buf_puts(&text, "-----BEGIN PRIVATE KEY-----\n"), 0);
    for (int l = 0; l < 200; l++) {
        for (int c = 0; c < 64; c++) {
            seed = seed * 1103515245 + 12345;
            assert_int_equal(
                st_buf_putc(&text,
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                            "opqrstuvwxyz0123456789+/"[(seed >> 16) % 64]),
                0);
        }
        assert_int_equal(st_buf_putc(&text, '\n'), 0);
    }
    assert_int_equal(st_buf_puts(&text, "-----END PRIVATE KEY-----"), 0);
    end = text.len;
    /* a header without its end: not a key */
    assert_int_equal(st_buf_puts(&text, "\n-----BEGIN PRIVATE KEY-----\nAB\n"),
                     0);
    assert_int_equal(scan_into(r, "k.pem", text.ptr, text.len, &f), 0);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.items[0].off, begin);
    assert_int_equal(f.items[0].len, end - begin);
    assert_int_equal(f.items[0].line, 3);
    st_buf_release(&text);
    st_secret_rules_free(r);
}

static void test_engine__nul_bytes_and_empty(void **state)
{
    static const char text[] = "\0\0" KEY1 "\0\n\0" KEY2 "\0";
    st_secret_rules *r = rules_from(aws, false);
    founds f = {0};
    (void)state;
    assert_int_equal(scan_into(r, "bin", text, sizeof(text) - 1, &f), 0);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.items[0].off, 2);
    assert_int_equal(f.items[0].line, 1);
    assert_int_equal(f.items[1].off, 25);
    assert_int_equal(f.items[1].line, 2);
    assert_string_equal(f.items[1].secret, KEY2);
    f.n = 0;
    assert_int_equal(scan_into(r, "empty", "", 0, &f), 0);
    assert_int_equal(f.n, 0);
    {
        st_secret_scanner *s = st_secret_scanner_new(r);
        assert_int_equal(st_secret_scan(s, NULL, NULL, 0, collect, &f), 0);
        assert_int_equal(f.n, 0);
        st_secret_scanner_free(s);
    }
    st_secret_rules_free(r);
}

static void test_engine__empty_matches_and_dedupe(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: star, category: C, title: T, severity: LOW, regex: 'x*'}\n"
        /* both branches put the secret at the same offset: the match at 0
         * ("a" of "ab") and the one at 2, whose look-behind captures
         * "abc" from 0; reported once, the longer */
        "  - {id: twice, category: C, title: T, severity: LOW,\n"
        "     regex: '(?|(?<secret>a)b|c(?<=(?<secret>abc)))'}\n";
    st_secret_rules *r = rules_from(doc, false);
    founds f = {0};
    (void)state;
    /* empty matches are never secrets, and the scan moves on */
    assert_int_equal(scan_into(r, NULL, "a xx b", 6, &f), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].rule, "star");
    assert_int_equal(f.items[0].off, 2);
    assert_string_equal(f.items[0].secret, "xx");
    f.n = 0;
    assert_int_equal(scan_into(r, NULL, "abc", 3, &f), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.items[0].rule, "twice");
    assert_int_equal(f.items[0].off, 0);
    assert_string_equal(f.items[0].secret, "abc");
    st_secret_rules_free(r);
}

/* Which regexes can match a newline (and so run over whole buffers), or
 * only peek at one in a look-ahead. */
#define N ST_SECRET__NL_NONE
#define P ST_SECRET__NL_PEEK
#define M ST_SECRET__NL_MATCH
static void test_engine__newline_use(void **state)
{
    static const struct {
        const char *re;
        int use;
        size_t where; /* of the first construct of that kind */
    } cases[] = {
        {"AKIA[A-Z2-7]{16}", N, 0},
        {"\\bghp_[A-Za-z0-9]{36}\\b", N, 0},
        {"key[ \\t]*=[ \\t]*(\\S+)", N, 0},
        {"key\\s*=", M, 3},
        {"a\\nb", M, 1},
        {"a\\x0ab", M, 1},
        {"a\\x{a}b", M, 1},
        {"a\\012", M, 1},
        {"a\\cJ", M, 1},
        {"a\\x41\\x{60}\\t\\r\\e\\f\\a\\0", N, 0},
        {"\\d\\w\\S\\h\\V\\N\\b\\B\\A\\z\\Z\\G\\K", N, 0},
        {"\\D", M, 0},
        {"\\W", M, 0},
        {"\\H", M, 0},
        {"\\v", M, 0},
        {"\\R", M, 0},
        {"\\p{L}", M, 0},
        {"\\N{U+000A}", M, 0},
        {"a.b", N, 0},
        {"(?s)a.b", M, 5},
        {"(?is:a.b)", M, 6},
        {"(?-s)a.b", N, 0},
        {"(?i-s:a.b)", N, 0},
        {"[^\"]+", M, 0},
        {"[^\"\\s]+", N, 0},
        {"[^\\n\"]+", N, 0},
        {"[^[:space:]x]", N, 0},
        {"[[:space:]]", M, 0},
        {"[[:alpha:]]", N, 0},
        {"[[:^alpha:]]", M, 0},
        {"[^[:^alpha:]]", N, 0},
        {"[\\x00-\\x1f]", M, 0},
        {"[\\x00-\\x09\\x0b-\\x7f]", N, 0},
        {"[ -~]", N, 0},
        {"[^ -~]", M, 0},
        {"[]a]", N, 0},
        {"[^]a]", M, 0},
        {"[\\w.-]+", N, 0},
        {"[\\s\\S]", M, 0},
        {"[\\p{L}]", M, 0},
        {"[^\\p{L}]", M, 0},
        {"[^\\p{L}\\s]", N, 0},
        {"\\Qa.b\\E\\s", M, 7},
        {"\\Qa\nb\\E", M, 0},
        {"(?#a comment \\s)x", N, 0},
        /* what a look-behind sees lies before the window */
        {"(?<=[:\\s])_auth=", N, 0},
        {"(?<![\\s\\S])x", N, 0},
        {"(?<=(?:\\s|^))x\\s", M, 14},
        /* look-aheads only peek at the line after */
        {"x(?=\\s|$)", P, 4},
        {"(?!\\n)x", P, 3},
        {"(?=\\s)x\\s", M, 7},
        {"(?=(?<=\\s)x)", N, 0},
        {"(?=[\\s#]|$)", P, 3},
        {"(?<secret>[^\\s\"']{8,})(?=[ \\t]*(?:\\r?$|[#&;,]))", N, 0},
        {"a\\", M, 1},
        {"[a", M, 0},
        {"\\1\\8", N, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t where = 99;
        int use =
            st_secret__newline_use(cases[i].re, strlen(cases[i].re), &where);
        if (use != cases[i].use || (use && where != cases[i].where)) {
            print_error("case %zu (%s): got %d at %zu\n", i, cases[i].re, use,
                        where);
            fail();
        }
    }
}
#undef N
#undef P
#undef M

/* Rules whose regex cannot match a newline run on their keywords' lines;
 * the others over the whole buffer. */
static void test_engine__keyword_lines(void **state)
{
    static const char doc[] =
        "rules:\n"
        /* line-bound: the token must be on a line with "tok" */
        "  - {id: line, category: C, title: T, severity: LOW,\n"
        "     keywords: [tok], regex: '(?<=[\\s=])(?<secret>[a-f0-9]{8})\\b'}\n"
        /* \\s: may span lines, so runs over the whole buffer */
        "  - {id: span, category: C, title: T, severity: LOW,\n"
        "     keywords: [key], regex: 'key\\s*=\\s*(?<secret>[A-Z]{6})'}\n";
    static const char text[] =
        "tok = deadbeef\n"     /* line 1: found (0-14, hex at 6) */
        "cafebabe\n"           /* line 2: no keyword, not found */
        "x tok\n"              /* line 3 */
        "12345678 and key =\n" /* line 4: not found, no "tok"; "key" */
        "  ABCDEF\n";          /* line 5: "span" across lines */
    (void)state;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(doc, fb);
        founds f = {0};
        assert_true(((st_secret__rule *)r->rules.items[0])->lines);
        assert_false(((st_secret__rule *)r->rules.items[1])->lines);
        assert_int_equal(scan_into(r, NULL, text, strlen(text), &f), 0);
        assert_int_equal(f.n, 2);
        assert_string_equal(f.items[0].rule, "line");
        assert_string_equal(f.items[0].secret, "deadbeef");
        assert_int_equal(f.items[0].line, 1);
        assert_string_equal(f.items[1].rule, "span");
        assert_string_equal(f.items[1].secret, "ABCDEF");
        assert_int_equal(f.items[1].line, 5);
        /* the line's end is the buffer's; look-behind sees the line
         * before (the "\n" before the token) */
        f.n = 0;
        assert_int_equal(scan_into(r, NULL, "tok\n01234567", 12, &f), 0);
        assert_int_equal(f.n, 0); /* no keyword on the token's line */
        assert_int_equal(scan_into(r, NULL, "x\n01234567 tok", 14, &f), 0);
        assert_int_equal(f.n, 1);
        assert_int_equal(f.items[0].off, 2);
        st_secret_rules_free(r);
    }
}

/* A rule whose look-ahead may see a newline peeks at the next line, but
 * its matches start on the keyword's line. */
static void test_engine__peek_next_line(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: p, category: C, title: T, severity: LOW, keywords: [tok],\n"
        "     regex: '\\b(?<secret>[a-f0-9]{8})\\b(?=\\s+[A-Z]{3})'}\n";
    static const struct {
        const char *text;
        size_t off; /* of the one match; 0: none */
    } cases[] = {
        {"tok deadbeef XYZ", 4},
        {"tok deadbeef\nXYZ\n", 4},   /* sees the next line */
        {"tok deadbeef\n\nXYZ\n", 0}, /* not the one after */
        {"tok\ndeadbeef XYZ\n", 0},   /* starts after the window */
        {"x deadbeef XYZ tok\n", 2},
    };
    (void)state;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(doc, fb);
        assert_true(((st_secret__rule *)r->rules.items[0])->lines);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            founds f = {0};
            assert_int_equal(
                scan_into(r, NULL, cases[i].text, strlen(cases[i].text), &f),
                0);
            if (f.n != (cases[i].off ? 1u : 0u) ||
                (f.n && f.items[0].off != cases[i].off)) {
                print_error("case %zu: %zu matches\n", i, f.n);
                fail();
            }
        }
        st_secret_rules_free(r);
    }
}

/* On a long line the window reaches ST_SECRET__LINE_REACH bytes either
 * side of the keyword. */
static void test_engine__long_lines(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: t, category: C, title: T, severity: LOW,\n"
        "     keywords: [tok=], regex: '\\b[a-f0-9]{8}\\b'}\n";
    st_buf text = ST_BUF_INIT(1 << 20);
    size_t near, far, kw;
    (void)state;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(st_buf_puts(&text, "zzzzzzzzz "), 0);
    far = text.len; /* 6000+ bytes before the keyword: not seen */
    assert_int_equal(st_buf_puts(&text, "0badf00d "), 0);
    for (int i = 0; i < 600; i++)
        assert_int_equal(st_buf_puts(&text, "zzzzzzzzz "), 0);
    near = text.len; /* less than 4 KiB before it: seen */
    assert_int_equal(st_buf_puts(&text, "feedf00d "), 0);
    kw = text.len;
    assert_int_equal(st_buf_puts(&text, "tok=deadbeef "), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(st_buf_puts(&text, "zzzzzzzzz "), 0);
    assert_true(kw - far > ST_SECRET__LINE_REACH + 100);
    assert_true(kw - near < ST_SECRET__LINE_REACH);
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(doc, fb);
        founds f = {0};
        assert_int_equal(scan_into(r, NULL, text.ptr, text.len, &f), 0);
        assert_int_equal(f.n, 2);
        assert_int_equal(f.items[0].off, near);
        assert_int_equal(f.items[1].off, kw + 4);
        st_secret_rules_free(r);
    }
    st_buf_release(&text);
}

/* The keywords of rules with a path filter are looked for only in files
 * that some such rule applies to. */
static void test_engine__path_rule_keywords(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: pgpass, category: C, title: T, severity: LOW,\n"
        "     path: '(^|/)\\.pgpass$', keywords: [':'],\n"
        "     regex: '^[^:\\n]+:[^:\\n]+:[^:\\n]+:[^:\\n]+:(?<secret>.+)$'}\n"
        "  - {id: colon-word, category: C, title: T, severity: LOW,\n"
        "     keywords: [':'], regex: ':(?<secret>[a-z]{5})\\b'}\n";
    static const char text[] = "db:5432:app:admin:s3cret\n";
    (void)state;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(doc, fb);
        founds f = {0};
        assert_int_equal(r->kw.n, 1);
        assert_int_equal(r->kw_path.n, 1);
        assert_int_equal(scan_into(r, "root/.pgpass", text, strlen(text), &f),
                         0);
        assert_int_equal(f.n, 2);
        assert_string_equal(f.items[0].rule, "colon-word");
        assert_string_equal(f.items[0].secret, "admin");
        assert_string_equal(f.items[1].rule, "pgpass");
        assert_string_equal(f.items[1].secret, "s3cret");
        f.n = 0;
        assert_int_equal(scan_into(r, "root/notes", text, strlen(text), &f), 0);
        assert_int_equal(f.n, 1);
        assert_string_equal(f.items[0].rule, "colon-word");
        st_secret_rules_free(r);
    }
}

/* No rules at all (only an allowlist): compiles, scans, finds nothing. */
static void test_engine__no_rules(void **state)
{
    (void)state;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from("allow: {paths: ['^x/']}\n", fb);
        founds f = {0};
        assert_int_equal(st_secret_rule_count(r), 0);
        assert_int_equal(scan_into(r, "a", KEY1, 20, &f), 0);
        assert_int_equal(f.n, 0);
        assert_true(st_secret_path_allowed(r, "x/y"));
        st_secret_rules_free(r);
    }
}

static void test_engine__callback_stops(void **state)
{
    static const char text[] = KEY1 " " KEY2;
    st_secret_rules *r = rules_from(aws, false);
    founds f = {0};
    (void)state;
    f.stop_after = 1;
    assert_int_equal(scan_into(r, NULL, text, strlen(text), &f), -42);
    assert_int_equal(f.n, 1);
    st_secret_rules_free(r);
}

/* A regex that backtracks exponentially on hostile input stops at the
 * PCRE2 limit: its rule is skipped for that buffer, the others run. */
static void test_engine__backtracking_limit(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: bad, category: C, title: T, severity: LOW,\n"
        "     regex: '(a+)+$'}\n"
        "  - {id: fine, category: C, title: T, severity: LOW,\n"
        "     keywords: [b], regex: 'a{3}b'}\n";
    size_t n = 30000;
    char *text = malloc(n + 2);
    (void)state;
    assert_non_null(text);
    memset(text, 'a', n);
    text[n] = 'b';
    text[n + 1] = 0;
    for (int fb = 0; fb < 2; fb++) {
        st_secret_rules *r = rules_from(doc, fb);
        st_secret_scanner *s = st_secret_scanner_new(r);
        founds f = {0};
        assert_int_equal(st_secret_scan(s, NULL, text, n + 1, collect, &f), 0);
        assert_int_equal(f.n, 1);
        assert_string_equal(f.items[0].rule, "fine");
        assert_int_equal(f.items[0].off, n - 3);
        assert_true(st_secret__scanner_limited(s) >= 1);
        /* the same rule matches where it can */
        f.n = 0;
        assert_int_equal(st_secret_scan(s, NULL, "xaa", 3, collect, &f), 0);
        assert_int_equal(f.n, 1);
        assert_string_equal(f.items[0].rule, "bad");
        st_secret_scanner_free(s);
        st_secret_rules_free(r);
    }
    free(text);
}

static void test_engine__hit_cap(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: tok, category: C, title: T, severity: LOW,\n"
        "     keywords: [tok_], regex: 'tok_[a-z]+'}\n";
    st_buf text = ST_BUF_INIT(1 << 20);
    st_secret_rules *r = rules_from(doc, false);
    founds *f = calloc(1, sizeof(*f));
    (void)state;
    for (int i = 0; i < ST_SECRET__MAX_HITS + 500; i++)
        assert_int_equal(st_buf_puts(&text, "tok_abc\n"), 0);
    assert_int_equal(scan_into(r, NULL, text.ptr, text.len, f), 0);
    assert_int_equal(f->n, ST_SECRET__MAX_HITS);
    assert_int_equal(f->items[999].off, 999 * 8);
    assert_int_equal(f->items[999].line, 1000);
    free(f);
    st_buf_release(&text);
    st_secret_rules_free(r);
}

/* Matches an allowlist drops count towards the rule's tries. */
static void test_engine__tries_cap(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: tok, category: C, title: T, severity: LOW,\n"
        "     keywords: [tok_], regex: 'tok_[a-z]+',\n"
        "     allow: {stopwords: [tok_x]}}\n";
    st_buf text = ST_BUF_INIT(8 << 20);
    st_secret_rules *r = rules_from(doc, false);
    (void)state;
    for (int n = ST_SECRET__MAX_TRIES - 1; n <= ST_SECRET__MAX_TRIES; n++) {
        founds f = {0};
        st_buf_reset(&text);
        for (int i = 0; i < n; i++)
            assert_int_equal(st_buf_puts(&text, "tok_x "), 0);
        assert_int_equal(st_buf_puts(&text, "tok_abc\n"), 0);
        assert_int_equal(scan_into(r, NULL, text.ptr, text.len, &f), 0);
        /* the last one is the 100,000th match, or one past it */
        assert_int_equal(f.n, n < ST_SECRET__MAX_TRIES ? 1 : 0);
    }
    st_buf_release(&text);
    st_secret_rules_free(r);
}

/* ---- the two prefilters ---------------------------------------------- */

static const char *const lits[] = {
    "he", "she",  "his", "hers", "key",      "api_key", "secret",
    "ab", "abab", "b",   "a-b",  "\x01\xff", "xyzzy",
};

static bool naive_has(const char *buf, size_t len, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; m <= len && i <= len - m; i++) {
        size_t j = 0;
        while (j < m) {
            unsigned char c = (unsigned char)buf[i + j];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (c != (unsigned char)lit[j])
                break;
            j++;
        }
        if (j == m)
            return true;
    }
    return false;
}

struct occ {
    uint32_t lit;
    size_t end;
};

struct occs {
    struct occ items[4096];
    size_t n;
};

static int note(void *payload, uint32_t lit, size_t end)
{
    struct occs *o = payload;
    assert_true(o->n < 4096);
    o->items[o->n].lit = lit;
    o->items[o->n++].end = end;
    return 0;
}

static int stop(void *payload, uint32_t lit, size_t end)
{
    struct occs *o = payload;
    (void)lit;
    (void)end;
    o->n++;
    return 1;
}

static int cmp_occ(const void *a, const void *b)
{
    const struct occ *x = a, *y = b;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return (x->lit > y->lit) - (x->lit < y->lit);
}

/* Every occurrence of every literal, in any case, as the naive search
 * finds them, in order of their end. */
static void test_engine__prefilters_against_naive(void **state)
{
    const size_t n = sizeof(lits) / sizeof(lits[0]);
    static const char alpha[] = "abehisrkyABEHS-_ \x01\xff\n";
    size_t lens[sizeof(lits) / sizeof(lits[0])];
    struct occs *got = calloc(1, sizeof(*got)),
                *want = calloc(1, sizeof(*want));
    unsigned seed = 1;
    st_error *err = NULL;
    (void)state;

    assert_non_null(got);
    assert_non_null(want);
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(lits[i]);
    for (int fb = 0; fb < 2; fb++) {
        st_secret__prefilter *pf = NULL;
        st_secret__pf_scratch *s;
        size_t total = 0;
        assert_int_equal(st_secret__prefilter_new(&pf, lits, lens, n, fb, &err),
                         0);
        s = st_secret__pf_scratch_new(pf);
        assert_non_null(s);
#ifdef ST_WITH_HYPERSCAN
        assert_string_equal(st_secret__prefilter_kind(pf),
                            fb ? "aho-corasick" : "hyperscan");
#endif
        for (int round = 0; round < 2000; round++) {
            char buf[64];
            size_t len = (size_t)(round % 40);
            for (size_t i = 0; i < len; i++) {
                seed = seed * 1103515245 + 12345;
                buf[i] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
            }
            got->n = want->n = 0;
            assert_int_equal(
                st_secret__prefilter_scan(pf, s, buf, len, note, got), 0);
            for (size_t end = 1; end <= len; end++)
                for (size_t i = 0; i < n; i++)
                    if (lens[i] <= end &&
                        naive_has(buf + end - lens[i], lens[i], lits[i]))
                        note(want, (uint32_t)i, end);
            /* in order of the end; for one end, in any order */
            for (size_t i = 1; i < got->n; i++)
                assert_true(got->items[i - 1].end <= got->items[i].end);
            qsort(got->items, got->n, sizeof(struct occ), cmp_occ);
            assert_int_equal(got->n, want->n);
            for (size_t i = 0; i < got->n; i++) {
                assert_int_equal(got->items[i].lit, want->items[i].lit);
                assert_int_equal(got->items[i].end, want->items[i].end);
            }
            total += got->n;
        }
        assert_true(total > 2000);
        /* a non-zero return stops the scan */
        {
            static const char text[] = "she sells";
            struct occs *one = got;
            one->n = 0;
            assert_int_equal(
                st_secret__prefilter_scan(pf, s, text, 9, stop, one),
                ST_EABORT);
            assert_int_equal(one->n, 1);
        }
        st_secret__pf_scratch_free(s);
        st_secret__prefilter_free(pf);
    }
    free(got);
    free(want);
}

/* The same rules through either prefilter report the same matches, on
 * buffers with planted secrets and keyword noise; lines agree with a
 * count of newlines. */
static void test_engine__prefilters_agree(void **state)
{
    static const char doc[] =
        "rules:\n"
        "  - {id: aws, category: C, title: T, severity: HIGH,\n"
        "     keywords: [AKIA, ASIA], regex: "
        "'\\b(?<secret>A[KS]IA[A-Z2-7]{16})\\b'}\n"
        "  - {id: ghp, category: C, title: T, severity: HIGH,\n"
        "     keywords: [ghp_], regex: 'ghp_[A-Za-z0-9]{36}'}\n"
        "  - {id: pw, category: C, title: T, severity: MEDIUM, entropy: 2.5,\n"
        "     keywords: [password, passwd, pwd],\n"
        "     regex: "
        "'(?i)(?:password|passwd|pwd)\\s*[:=]\\s*(?<secret>\\S{6,})'}\n"
        "  - {id: kw-overlap, category: C, title: T, severity: LOW,\n"
        "     keywords: [key, api_key], regex: 'api_key=(?<secret>\\w+)'}\n";
    static const char *const pieces[] = {
        KEY1,
        KEY2,
        "ASIAQQQQQQQQQQQQQQQQ",
        "ghp_",
        "password = ",
        "PWD:",
        "hunter22",
        "aB3$xY9!",
        "api_key=",
        "zz9",
        "key",
        " ",
        "\n",
        "\t",
        "xAKIA",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    };
    st_secret_rules *hs = rules_from(doc, false), *ac = rules_from(doc, true);
    /* one scanner each for every buffer: nothing of a scan stays */
    st_secret_scanner *shs = st_secret_scanner_new(hs);
    st_secret_scanner *sac = st_secret_scanner_new(ac);
    founds *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    st_buf text = ST_BUF_INIT(1 << 20);
    unsigned seed = 3;
    size_t total = 0;
    (void)state;

    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(st_secret_engine(ac), "pcre2");
    for (int round = 0; round < 300; round++) {
        st_buf_reset(&text);
        for (int i = 0; i < round % 60; i++) {
            seed = seed * 1103515245 + 12345;
            assert_int_equal(
                st_buf_puts(&text, pieces[(seed >> 16) % (sizeof(pieces) /
                                                          sizeof(pieces[0]))]),
                0);
        }
        a->n = b->n = 0;
        assert_int_equal(scan_with(shs, "f", text.ptr, text.len, a), 0);
        assert_int_equal(scan_with(sac, "f", text.ptr, text.len, b), 0);
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
            unsigned nl = 1;
            assert_string_equal(a->items[i].rule, b->items[i].rule);
            assert_int_equal(a->items[i].off, b->items[i].off);
            assert_int_equal(a->items[i].len, b->items[i].len);
            assert_int_equal(a->items[i].line, b->items[i].line);
            for (size_t j = 0; j < a->items[i].off; j++)
                nl += text.ptr[j] == '\n';
            assert_int_equal(a->items[i].line, nl);
            /* buffer order, each (rule, offset) once */
            if (i)
                assert_true(a->items[i - 1].off < a->items[i].off ||
                            (a->items[i - 1].off == a->items[i].off &&
                             strcmp(a->items[i - 1].rule, a->items[i].rule)));
        }
        total += a->n;
    }
    /* the planted secrets were found, many times */
    assert_true(total > 500);
    free(a);
    free(b);
    st_buf_release(&text);
    st_secret_scanner_free(shs);
    st_secret_scanner_free(sac);
    st_secret_rules_free(hs);
    st_secret_rules_free(ac);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine__offsets_and_lines),
        cmocka_unit_test(test_engine__secret_group),
        cmocka_unit_test(test_engine__path_filter),
        cmocka_unit_test(test_engine__allowlists),
        cmocka_unit_test(test_engine__entropy),
        cmocka_unit_test(test_engine__keywords),
        cmocka_unit_test(test_engine__multiline_pem),
        cmocka_unit_test(test_engine__nul_bytes_and_empty),
        cmocka_unit_test(test_engine__empty_matches_and_dedupe),
        cmocka_unit_test(test_engine__newline_use),
        cmocka_unit_test(test_engine__keyword_lines),
        cmocka_unit_test(test_engine__peek_next_line),
        cmocka_unit_test(test_engine__long_lines),
        cmocka_unit_test(test_engine__path_rule_keywords),
        cmocka_unit_test(test_engine__no_rules),
        cmocka_unit_test(test_engine__callback_stops),
        cmocka_unit_test(test_engine__backtracking_limit),
        cmocka_unit_test(test_engine__hit_cap),
        cmocka_unit_test(test_engine__tries_cap),
        cmocka_unit_test(test_engine__prefilters_against_naive),
        cmocka_unit_test(test_engine__prefilters_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
