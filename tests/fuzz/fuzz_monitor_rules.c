/* Fuzz target: the runtime rule engine (st_rules_load, st_rules_compile,
 * st_rules_eval) with its production limits. The last byte picks the
 * mode:
 *   even: the input is a rules file, loaded after a fixed file of lists
 *         and macros it may use, append to or redefine;
 *   odd:  the input is a condition and an output template (split at the
 *         first NUL), written into one rule as YAML double-quoted strings
 *         beside the same definitions: the condition parser and compiler
 *         reached without YAML in the way.
 * When the rules compile, they run on one event of every type, with
 * outputs rendered.
 * Traps when an error does not name its file or has an unexpected code,
 * when rules are listed after a failed load or compile, a compiled or
 * skipped rule has no name or a skip no reason, when the count of matches
 * differs from the callbacks or between two runs, or an output is longer
 * than the limit. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/rules_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
    "- list: shells\n  items: [sh, bash, '\"a b\"', more]\n"
    "- list: more\n  items: [zsh]\n"
    "- list: ports\n  items: [22, 443, 3333]\n"
    "- macro: shell\n  condition: proc.name in (shells)\n"
    "- macro: ct\n  condition: container.id != host\n"
    "- macro: never\n  condition: evt.num = 0\n"
    "- macro: spawned\n  condition: evt.type = execve and evt.dir = <\n"
    "- rule: base rule\n  desc: d\n  condition: spawned and shell and ct\n"
    "  output: \"%proc.name %container.info\"\n  priority: NOTICE\n";

static st_event events[ST_EV__COUNT];

static void make_events(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (int t = 1; t < ST_EV__COUNT; t++) {
        st_event *e = &events[t];
        memset(e, 0, sizeof(*e));
        e->type = (st_ev_type)t;
        e->ret = t % 3 ? t : -13;
        e->ts_ns = 1714564800000000000ull + (uint64_t)t;
        e->num = (uint64_t)t;
        e->pid = 100 + (uint32_t)t;
        e->ppid = 1;
        e->uid = t % 2 ? 0 : 1000;
        e->loginuid = UINT32_MAX;
        e->tty = t % 2 ? 34816 : 0;
        e->cap_effective = 1ull << 21;
        e->flags = 0x241;
        e->arg = 5;
        e->family = t % 2 ? 2 : 10; /* AF_INET, AF_INET6 */
        e->l4proto = 6;
        e->sport = 41234;
        e->dport = 3333;
        e->saddr[0] = 10;
        e->daddr[0] = 203;
        e->stdio_socket = true;
        e->exe_written = t % 2;
        snprintf(e->comm, sizeof(e->comm), "%s", t % 2 ? "bash" : "a b");
        snprintf(e->pcomm, sizeof(e->pcomm), "runc");
        snprintf(e->acomm[0], sizeof(e->acomm[0]), "containerd-shim");
        snprintf(e->exe, sizeof(e->exe), "/usr/bin/bash");
        snprintf(e->path, sizeof(e->path), "/etc/shadow");
        snprintf(e->args, sizeof(e->args), "-c 'echo hi' stratum+tcp://x");
        if (t % 3) {
            snprintf(e->container_id, sizeof(e->container_id),
                     "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0"
                     "123456789");
            snprintf(e->container_name, sizeof(e->container_name), "web");
            snprintf(e->image, sizeof(e->image),
                     "docker.io/library/nginx:1.25");
        }
    }
}

typedef struct seen {
    size_t calls;
} seen;

static void on_hit(const st_rule_info *rule,
                   const st_event *ev,
                   const char *output,
                   void *payload)
{
    seen *s = payload;
    if (!rule || !rule->name || !ev || !output ||
        strlen(output) >= ST_RULES__MAX_OUTPUT)
        __builtin_trap();
    s->calls++;
}

/* The input as a YAML double-quoted string. */
static void quote(st_buf *b, const uint8_t *s, size_t n)
{
    st_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            st_buf_putc(b, '\\');
            st_buf_putc(b, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            st_buf_printf(b, "\\x%02x", c);
        } else {
            st_buf_putc(b, (char)c);
        }
    }
    st_buf_putc(b, '"');
}

static bool named(const st_error *err)
{
    const char *m = st_error_message(err);
    return !strncmp(m, "fuzz.yaml", 9) || !strncmp(m, "base.yaml", 9) ||
           !strcmp(m, "out of memory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_rules *r = NULL;
    st_error *err = NULL;
    st_buf text = ST_BUF_INIT(ST_RULES__MAX_FILE + 4096);
    const char *yaml;
    size_t len;
    int rc;

    make_events();
    if (size == 0)
        return 0;
    if (data[size - 1] % 2 == 0) {
        yaml = (const char *)data;
        len = size - 1;
    } else {
        const uint8_t *nul = memchr(data, 0, size - 1);
        size_t clen = nul ? (size_t)(nul - data) : size - 1;
        st_buf_puts(&text, "- rule: fuzzed\n  desc: d\n  condition: ");
        quote(&text, data, clen);
        st_buf_puts(&text, "\n  output: ");
        if (nul)
            quote(&text, nul + 1, size - 1 - clen - 1);
        else
            st_buf_puts(&text, "o");
        st_buf_puts(&text, "\n  priority: WARNING\n");
        yaml = text.ptr;
        len = text.len;
    }
    if (st_rules_new(&r, &err) < 0)
        goto done;
    rc = st_rules_load(r, base, strlen(base), "base.yaml", &err);
    if (rc < 0)
        __builtin_trap(); /* the fixed file always loads */
    rc = st_rules_load(r, yaml, len, "fuzz.yaml", &err);
    if (rc == 0)
        rc = st_rules_compile(r, &err);
    if (rc < 0) {
        if ((rc != ST_EINVALID && rc != ST_ELIMIT && rc != ST_ENOMEM) ||
            !named(err))
            __builtin_trap();
        if (st_rules_count(r) != 0)
            __builtin_trap(); /* nothing runs without a compile */
        goto done;
    }
    {
        const st_rule_skip *s;
        size_t n = st_rules_skipped(r, &s);
        for (size_t i = 0; i < n; i++)
            if (!s[i].name || !s[i].why || !s[i].why[0])
                __builtin_trap();
        for (size_t i = 0; i < st_rules_count(r); i++) {
            const st_rule_info *ri = st_rules_get(r, i);
            if (!ri || !ri->name || !ri->desc ||
                (unsigned)ri->priority > ST_PRIO_EMERGENCY)
                __builtin_trap();
        }
        for (int t = 1; t < ST_EV__COUNT; t++) {
            seen sn = {0};
            size_t hits = st_rules_eval(r, &events[t], on_hit, &sn);
            if (hits != sn.calls || hits > st_rules_count(r) ||
                st_rules_eval(r, &events[t], NULL, NULL) != hits)
                __builtin_trap();
        }
    }
done:
    st_rules_free(r);
    st_error_free(err);
    st_buf_release(&text);
    return 0;
}
