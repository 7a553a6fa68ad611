/* hardening: every check with its positives and negatives — expected and
 * unexpected setuid/setgid files, world-writable files and directories
 * (sticky ones left alone), uid-0 accounts and empty passwords (locked
 * ones left alone), host, user and PEM/OpenSSH/PuTTY private keys (public
 * keys and certificates left alone), package-manager caches, and the ELF
 * mitigations of synthetic ELF files built here field by field, in both
 * byte orders and word sizes; then hostile ELF input: every truncation of
 * the host's /bin/true and of the synthetic files, and corrupted headers.
 *
 * The entries go through the analyzer as the scan sends them: wants (with
 * and without attributes), sniff on the first ST_SNIFF_BYTES, then file
 * with the content or, for an entry the sniff turned down, without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze/analyzer.h"
#include "analyze/hardening.h"
#include "strata/scan.h"

static const st_analyzer_ops *ops = &st_analyzer_hardening;

#define EVERY ST_AN_EVERY

/* One entry of a test image. */
typedef struct item {
    const char *path;
    st_entry_type type;
    uint32_t mode;
    int64_t uid, gid;
    const char *data; /* NULL: no content */
    size_t len;       /* 0: strlen(data) */
    int layer;
} item;

#define FILE_(p, m, d)                                                         \
    {                                                                          \
        p, ST_ENTRY_FILE, m, 0, 0, d, 0, 0                                     \
    }
#define DIR_(p, m)                                                             \
    {                                                                          \
        p, ST_ENTRY_DIR, m, 0, 0, NULL, 0, 0                                   \
    }

typedef struct run {
    st_scan_ctx *ctx;
    void *state;
    size_t wanted, read; /* entries wanted, entries given content */
} run;

static run run_new(void)
{
    run r = {st_scan__test_ctx(), NULL, 0, 0};
    assert_non_null(r.ctx);
    assert_int_equal(ops->begin(&r.state, r.ctx), 0);
    return r;
}

/* Sends one entry as the scan would; true when `file` was called. */
static bool run_entry(run *r, const item *it)
{
    size_t len = it->data ? (it->len ? it->len : strlen(it->data)) : 0;
    st_entry e;
    bool with = false;

    memset(&e, 0, sizeof(e));
    e.path = it->path;
    e.path_len = strlen(it->path);
    e.type = it->type;
    e.layer = it->layer;
    e.visible = true;
    if (!ops->wants(&e)) /* by path and type alone */
        return false;
    e.mode = it->mode;
    e.size = len;
    e.uid = it->uid;
    e.gid = it->gid;
    e.attrs = true;
    if (!ops->wants(&e))
        return false;
    r->wanted++;
    if (e.type == ST_ENTRY_FILE || e.type == ST_ENTRY_HARDLINK) {
        with = ops->sniff(&e, it->data ? it->data : "",
                          len < ST_SNIFF_BYTES ? len : ST_SNIFF_BYTES);
        if (!with && !(ops->flags & EVERY))
            return false;
    } else if (!(ops->flags & EVERY)) {
        with = true; /* a layer's directory: empty content */
    }
    r->read += with;
    assert_int_equal(ops->file(r->state, r->ctx, &e,
                               with ? (it->data ? it->data : "") : NULL,
                               with ? len : 0),
                     0);
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* end, release, and the findings as sorted "id severity path [layer]:
 * detail" lines, one string (the caller frees it). */
static char *run_finish(run *r)
{
    st_result *res;
    size_t n, off = 0;
    char **lines, *out;

    assert_int_equal(ops->end(r->state, r->ctx), 0);
    ops->release(r->state);
    res = st_scan__test_result(r->ctx);
    n = st_result_finding_count(res);
    lines = calloc(n + 1, sizeof(char *));
    out = calloc(1, n * 700 + 1);
    for (size_t i = 0; i < n; i++) {
        const st_finding *f = st_result_finding(res, i);
        assert_int_equal(f->kind, ST_FINDING_HARDENING);
        assert_non_null(f->title);
        assert_non_null(f->category);
        assert_int_equal(f->visible, 1);
        lines[i] = malloc(700);
        snprintf(lines[i], 700, "%s %s %s [%d]: %s\n", f->id, f->severity,
                 f->path, f->layer_index, f->detail);
    }
    qsort(lines, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++) {
        off += (size_t)snprintf(out + off, 700, "%s", lines[i]);
        free(lines[i]);
    }
    free(lines);
    st_scan__test_ctx_free(r->ctx);
    return out;
}

/* Runs items[] and compares the findings with `want` (sorted lines). */
static void check(const item *items, size_t n, const char *want)
{
    run r = run_new();
    char *got;
    for (size_t i = 0; i < n; i++)
        run_entry(&r, &items[i]);
    got = run_finish(&r);
    if (strcmp(got, want)) {
        fprintf(stderr, "got:\n%swant:\n%s", got, want);
        fail();
    }
    free(got);
}
#define CHECK(items, want) check(items, sizeof(items) / sizeof(items[0]), want)

/* ---- permissions -------------------------------------------------------- */

static void test_hardening__setuid(void **unused)
{
    static const item items[] = {
        {"usr/bin/passwd", ST_ENTRY_FILE, 04755, 0, 0, "x", 0, 0},
        {"usr/sbin/unix_chkpwd", ST_ENTRY_FILE, 02755, 0, 42, "x", 0, 0},
        {"bin/su", ST_ENTRY_FILE, 04755, 0, 0, "x", 0, 0},
        {"usr/lib/dbus-1.0/dbus-daemon-launch-helper", ST_ENTRY_FILE, 04754, 0,
         101, "x", 0, 0},
        {"usr/lib/x86_64-linux-gnu/utempter/utempter", ST_ENTRY_FILE, 02755, 0,
         5, "x", 0, 0},
        /* the triplet is one directory, never two */
        {"usr/lib/a/b/utempter/utempter", ST_ENTRY_FILE, 02755, 0, 5, "x", 0,
         0},
        /* an expected name in the wrong place */
        {"app/passwd", ST_ENTRY_FILE, 04755, 0, 0, "x", 0, 1},
        {"usr/bin/sub/passwd", ST_ENTRY_FILE, 04755, 0, 0, "x", 0, 0},
        {"usr/local/bin/tool", ST_ENTRY_FILE, 02755, 0, 50, "x", 0, 0},
        {"opt/x", ST_ENTRY_FILE, 04755, 1000, 1000, "x", 0, 0},
        {"app/link", ST_ENTRY_HARDLINK, 06755, 0, 0, NULL, 0, 0},
        /* world-writable and setuid */
        {"usr/bin/chsh", ST_ENTRY_FILE, 04777, 0, 0, "x", 0, 0},
        {"app/y", ST_ENTRY_FILE, 02777, 0, 0, "x", 0, 0},
        {"app/z", ST_ENTRY_FILE, 04757, 1000, 0, "x", 0, 0},
        /* neither */
        {"usr/bin/ls", ST_ENTRY_FILE, 0755, 0, 0, "not an ELF file", 0, 0},
        {"usr/bin/sudo", ST_ENTRY_SYMLINK, 04777, 0, 0, NULL, 0, 0},
    };
    (void)unused;
    CHECK(items,
          "setuid-expected LOW bin/su [0]: setuid, mode 4755, uid 0, gid 0: "
          "a program distributions install setuid\n"
          "setuid-expected LOW usr/bin/passwd [0]: setuid, mode 4755, uid 0, "
          "gid 0: a program distributions install setuid\n"
          "setuid-expected LOW usr/lib/dbus-1.0/dbus-daemon-launch-helper "
          "[0]: setuid, mode 4754, uid 0, gid 101: a program distributions "
          "install setuid\n"
          "setuid-expected LOW usr/lib/x86_64-linux-gnu/utempter/utempter "
          "[0]: setgid, mode 2755, uid 0, gid 5: a program distributions "
          "install setgid\n"
          "setuid-expected LOW usr/sbin/unix_chkpwd [0]: setgid, mode 2755, "
          "uid 0, gid 42: a program distributions install setgid\n"
          "setuid-unexpected HIGH app/link [0]: setuid and setgid, mode "
          "6755, uid 0, gid 0: runs with its owner's rights (root)\n"
          "setuid-unexpected HIGH app/passwd [1]: setuid, mode 4755, uid 0, "
          "gid 0: runs with its owner's rights (root)\n"
          "setuid-unexpected HIGH usr/bin/sub/passwd [0]: setuid, mode 4755, "
          "uid 0, gid 0: runs with its owner's rights (root)\n"
          "setuid-unexpected MEDIUM opt/x [0]: setuid, mode 4755, uid 1000, "
          "gid 1000: runs with its owner's rights\n"
          "setuid-unexpected MEDIUM usr/lib/a/b/utempter/utempter [0]: "
          "setgid, mode 2755, uid 0, gid 5: runs with its group's rights\n"
          "setuid-unexpected MEDIUM usr/local/bin/tool [0]: setgid, mode "
          "2755, uid 0, gid 50: runs with its group's rights\n"
          "setuid-writable CRITICAL usr/bin/chsh [0]: setuid, mode 4777, uid "
          "0, gid 0: anyone can replace a program that runs with its owner's "
          "rights\n"
          "setuid-writable HIGH app/y [0]: setgid, mode 2777, uid 0, gid 0: "
          "anyone can replace a program that runs with its group's rights\n"
          "setuid-writable HIGH app/z [0]: setuid, mode 4757, uid 1000, gid "
          "0: anyone can replace a program that runs with its owner's "
          "rights\n");
}

static void test_hardening__world_writable(void **unused)
{
    static const item items[] = {
        DIR_("tmp", 01777),
        DIR_("var/tmp", 01777),
        DIR_("app", 0755),
        DIR_("app/shared", 0775),
        {"app/data", ST_ENTRY_DIR, 0777, 1000, 1000, NULL, 0, 2},
        DIR_("srv/drop", 0733),
        FILE_("app/config.ini", 0666, "a=1\n"),
        FILE_("app/run.sh", 0757, "#!/bin/sh\n"),
        FILE_("app/ok", 0664, "group-writable is not world-writable\n"),
        {"tmp/fifo", ST_ENTRY_OTHER, 0666, 0, 0, NULL, 0, 0},
        {"app/l", ST_ENTRY_SYMLINK, 0777, 0, 0, NULL, 0, 0},
    };
    (void)unused;
    CHECK(items,
          "world-writable-dir MEDIUM app/data [2]: mode 0777, owner uid "
          "1000: anyone can delete or replace the files in it\n"
          "world-writable-dir MEDIUM srv/drop [0]: mode 0733, owner uid 0: "
          "anyone can delete or replace the files in it\n"
          "world-writable-file MEDIUM app/config.ini [0]: mode 0666, owner "
          "uid 0: anyone in the container can change it\n"
          "world-writable-file MEDIUM app/run.sh [0]: mode 0757, owner uid 0: "
          "anyone in the container can change it\n");
}

#define PEM(label)                                                             \
    "-----BEGIN " label "-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEA"  \
    "AkEAq7BFUpkGp3+LQmlQ\n-----END " label "-----\n"

/* What the scan costs: which entries are wanted and which are read. */
static void test_hardening__which_entries(void **unused)
{
    static const struct {
        item it;
        bool wanted;
        int read; /* 2: attributes only, read without ST_AN_EVERY */
    } cases[] = {
        /* attributes only */
        {FILE_("usr/bin/passwd", 04755, "not an ELF"), true, 2},
        {DIR_("app/data", 0777), true, 2},
        {FILE_("app/f", 0666,
               "text text text text text text text text text "
               "text text text text text"),
         true, 2},
        {FILE_("var/cache/apt/archives/a.deb", 0644, "!<arch>\n"), true, 2},
        {FILE_("etc/ssh/ssh_host_rsa_key", 0600, "k"), true, 2},
        /* content */
        {FILE_("etc/passwd", 0644, "root:x:0:0::/root:/bin/sh\n"), true, 1},
        {FILE_("etc/shadow", 0640, "root:*:1::::::\n"), true, 1},
        {FILE_("app/key.pem", 0600, PEM("PRIVATE KEY")), true, 1},
        /* sniffed and turned down */
        {FILE_("app/notes.txt", 0644,
               "plain text, long enough to be sniffed for a private key: 64 "
               "bytes or more\n"),
         true, 0},
        {FILE_("usr/bin/script", 0755,
               "#!/bin/sh\necho a shell script is not an ELF program, whatever "
               "its mode\n"),
         true, 0},
        /* never wanted */
        {FILE_("usr/share/doc/x/example.key", 0644, PEM("PRIVATE KEY")), false,
         0},
        {FILE_("app/key.png", 0644, PEM("PRIVATE KEY")), false, 0},
        {FILE_("var/lib/x/libkey.so.1", 0644, PEM("PRIVATE KEY")), false, 0},
        {FILE_("app/tiny", 0644, "short"), false, 0},
        {FILE_("usr/lib/x86_64-linux-gnu/libc.so.6", 0755, NULL), false, 0},
        {DIR_("tmp", 01777), false, 0},
        {DIR_("usr", 0755), false, 0},
        {{"app/l", ST_ENTRY_SYMLINK, 0777, 0, 0, NULL, 0, 0}, false, 0},
    };
    (void)unused;
    assert_true(ops->flags & ST_AN_VISIBLE_ONLY);
    assert_true(ops->flags & ST_AN_ATTRS);
    assert_int_equal(ops->scanner, ST_SCANNER_HARDENING);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run r = run_new();
        item it = cases[i].it;
        bool wanted;
        run_entry(&r, &it);
        wanted = r.wanted > 0;
        if (wanted != cases[i].wanted)
            fail_msg("%s: wanted %d", it.path, wanted);
        if ((r.read > 0) != (cases[i].read == 1 ||
                             (cases[i].read == 2 && !(ops->flags & EVERY))))
            fail_msg("%s: read %zu", it.path, r.read);
        free(run_finish(&r));
    }
}

/* ---- accounts -------------------------------------------------------------
 */

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "toor:x:0:0::/root:/bin/sh\r\n"
    "nopw::1001:1001::/home/nopw:/bin/bash\n"
    "hashed:$6$salt$0123456789abcdef:1002:1002::/home/h:/bin/bash\n"
    "locked:*:1003:1003::/:/bin/bash\n"
    "banged:!:1004:1004::/:/bin/bash\n"
    "svc:x:999:999::/:/usr/sbin/nologin\n"
    "sh::1005:1005::/:\n"
    "falsy::1006:1006::/:/bin/false\n"
    "+::::::\n"
    "-bad:x:0:0::/:/bin/sh\n"
    "# comment:x:0:0::/:/bin/sh\n"
    "\n"
    "short:x\n"
    "baduid:x:0x0:0::/:/bin/sh\n";

static const char shadow[] = "root::19000:0:99999:7:::\n"
                             "daemon:*:19000:0:99999:7:::\n"
                             "toor:!:19000::::::\n"
                             "svc::19000::::::\n"
                             "bob:!*:19000::::::\n"
                             "alice:!!:19000::::::\n"
                             "lk:!$6$x$y:19000::::::\n"
                             "carol:$6$salt$hash:19000::::::\n"
                             "ghost::19000::::::\r\n"
                             "noshadowfield\n";

static const char accounts_want[] =
    "empty-password CRITICAL etc/shadow [3]: account 'root' (uid 0) has an "
    "empty password in etc/shadow: it needs no password\n"
    "empty-password HIGH etc/passwd [2]: account 'nopw' (uid 1001) has an "
    "empty password field in etc/passwd: it needs no password\n"
    "empty-password HIGH etc/passwd [2]: account 'sh' (uid 1005) has an "
    "empty password field in etc/passwd: it needs no password\n"
    "empty-password HIGH etc/shadow [3]: account 'ghost' (not in etc/passwd)"
    " has an empty password in etc/shadow: it needs no "
    "password\n"
    "empty-password MEDIUM etc/passwd [2]: account 'falsy' (uid 1006, no "
    "login shell) has an empty password field in etc/passwd: it needs no "
    "password\n"
    "empty-password MEDIUM etc/shadow [3]: account 'svc' (uid 999, no login "
    "shell) has an empty password in etc/shadow: it needs no password\n"
    "passwd-hash MEDIUM etc/passwd [2]: account 'hashed' keeps its password "
    "hash in the world-readable etc/passwd instead of etc/shadow\n"
    "uid0-account HIGH etc/passwd [2]: account 'toor' has uid 0: root's "
    "rights under another name\n";

static void test_hardening__accounts(void **unused)
{
    /* either order: the shadow entries are rated at the end */
    item a[] = {
        {"etc/passwd", ST_ENTRY_FILE, 0644, 0, 0, passwd, 0, 2},
        {"etc/shadow", ST_ENTRY_FILE, 0640, 0, 42, shadow, 0, 3},
    };
    item b[] = {a[1], a[0]};
    (void)unused;
    CHECK(a, accounts_want);
    CHECK(b, accounts_want);
}

static void test_hardening__accounts_clean(void **unused)
{
    /* a real Debian pair: nothing to say */
    static const item items[] = {
        FILE_("etc/passwd", 0644,
              "root:x:0:0:root:/root:/bin/bash\n"
              "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
              "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
        FILE_("etc/shadow", 0640,
              "root:*:19000:0:99999:7:::\n"
              "daemon:*:19000:0:99999:7:::\n"
              "nobody:*:19000:0:99999:7:::\n"),
        /* not the account files */
        FILE_("etc/passwd-", 0644, "toor:x:0:0::/:/bin/sh\n"),
        FILE_("usr/share/base-passwd/passwd.master", 0644,
              "toor::0:0::/:/bin/sh\n"),
    };
    (void)unused;
    CHECK(items, "");
}

/* ---- keys ---------------------------------------------------------------- */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* An OpenSSH private key file whose header names `cipher`. */
static char *openssh_key(const char *cipher)
{
    unsigned char raw[96];
    size_t n = 0, clen = strlen(cipher);
    char *out = calloc(1, 512), *p;

    memcpy(raw, "openssh-key-v1", 15);
    n = 15;
    raw[n++] = 0;
    raw[n++] = 0;
    raw[n++] = 0;
    raw[n++] = (unsigned char)clen;
    memcpy(raw + n, cipher, clen);
    n += clen;
    memset(raw + n, 0, 9);
    n += 9;
    p = out + snprintf(out, 512, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (size_t i = 0; i + 2 < n; i += 3) {
        uint32_t v =
            (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        for (int k = 3; k >= 0; k--)
            *p++ = b64[(v >> (6 * k)) & 63];
    }
    snprintf(p, 128, "\n-----END OPENSSH PRIVATE KEY-----\n");
    return out;
}

static void test_hardening__keys(void **unused)
{
    char *plain = openssh_key("none"), *enc = openssh_key("aes256-ctr");
    item items[] = {
        FILE_("etc/ssh/ssh_host_ed25519_key", 0600, "any content at all"),
        FILE_("etc/ssh/ssh_host_ed25519_key.pub", 0644,
              "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsa "
              "root@build\n"),
        FILE_("etc/ssh/ssh_host_rsa_key", 0600, ""), /* empty: no key */
        FILE_("root/.ssh/id_rsa", 0600, PEM("RSA PRIVATE KEY")),
        FILE_("home/bob/.ssh/id_ed25519", 0600, "x"),
        FILE_("home/bob/.ssh/id_ed25519.pub", 0644,
              "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsa "
              "bob@build\n"),
        FILE_("home/bob/.ssh/authorized_keys", 0600,
              "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsa "
              "bob@build\n"),
        FILE_("app/certs/server.key", 0600, PEM("PRIVATE KEY")),
        FILE_("app/certs/bundle.pem", 0644,
              "\n" PEM("CERTIFICATE") PEM("EC PRIVATE KEY")),
        FILE_("app/certs/enc.key", 0600, PEM("ENCRYPTED PRIVATE KEY")),
        FILE_("app/certs/legacy.key", 0600,
              "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
              "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n"
              "MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAq7BFUpkGp3+L\n"
              "-----END RSA PRIVATE KEY-----\n"),
        FILE_("app/deploy/id", 0600, plain),
        FILE_("app/deploy/id_enc", 0600, enc),
        FILE_("srv/p.ppk", 0600,
              "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"
              "Comment: test\nPublic-Lines: 2\nAAAA\nAAAA\n"),
        FILE_("srv/q.ppk", 0600,
              "PuTTY-User-Key-File-3: ssh-ed25519\r\nEncryption: "
              "aes256-cbc\r\nComment: test\r\nPublic-Lines: 2\r\nAAAA\r\n"),
        FILE_("opt/pgp.asc", 0600,
              "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0AAAAB\n"
              "-----END PGP PRIVATE KEY BLOCK-----\n"),
        /* a test suite's throwaway key */
        FILE_("usr/lib/python3/dist-packages/x/tests/certs/server.key", 0644,
              PEM("RSA PRIVATE KEY")),
        FILE_("usr/lib/go/src/crypto/tls/testdata/example-key.pem", 0644,
              PEM("EC PRIVATE KEY")),
        FILE_("app/latest/key.pem", 0600, PEM("EC PRIVATE KEY")),
        /* not keys */
        FILE_("app/certs/ca.pem", 0644, PEM("CERTIFICATE")),
        FILE_("app/certs/pub.pem", 0644, PEM("PUBLIC KEY")),
        FILE_("app/README", 0644,
              "To make a key, run openssl; you get a file like\n" PEM(
                  "PRIVATE KEY")),
        FILE_("app/bad.pem", 0644,
              "-----BEGIN PRIVATE KEY\nno closing dashes on this line\n"),
        FILE_("app/lower.pem", 0644,
              "-----BEGIN private key-----\nnot a PEM label at all\n"),
    };
    (void)unused;
    CHECK(items,
          "private-key LOW app/certs/enc.key [0]: ENCRYPTED PRIVATE KEY, "
          "encrypted\n"
          "private-key LOW app/certs/legacy.key [0]: RSA PRIVATE KEY, "
          "encrypted\n"
          "private-key LOW app/deploy/id_enc [0]: OPENSSH PRIVATE KEY, "
          "encrypted (aes256-ctr)\n"
          "private-key LOW srv/q.ppk [0]: PUTTY PRIVATE KEY, encrypted "
          "(aes256-cbc)\n"
          "private-key LOW usr/lib/go/src/crypto/tls/testdata/example-key.pem "
          "[0]: EC PRIVATE KEY, not encrypted; in a test or example "
          "directory\n"
          "private-key LOW "
          "usr/lib/python3/dist-packages/x/tests/certs/server.key [0]: RSA "
          "PRIVATE KEY, not encrypted; in a test or example directory\n"
          "private-key MEDIUM app/certs/bundle.pem [0]: EC PRIVATE KEY, not "
          "encrypted\n"
          "private-key MEDIUM app/certs/server.key [0]: PRIVATE KEY, not "
          "encrypted\n"
          "private-key MEDIUM app/deploy/id [0]: OPENSSH PRIVATE KEY, not "
          "encrypted\n"
          "private-key MEDIUM app/latest/key.pem [0]: EC PRIVATE KEY, not "
          "encrypted\n"
          "private-key MEDIUM opt/pgp.asc [0]: PGP PRIVATE KEY BLOCK, "
          "encryption unknown\n"
          "private-key MEDIUM srv/p.ppk [0]: PUTTY PRIVATE KEY, not "
          "encrypted\n"
          "ssh-host-key HIGH etc/ssh/ssh_host_ed25519_key [0]: 18 bytes, "
          "made when the image was built: every container of the image has "
          "the same host key\n"
          "ssh-user-key HIGH home/bob/.ssh/id_ed25519 [0]: 1 bytes: whoever "
          "pulls the image holds the key\n"
          "ssh-user-key HIGH root/.ssh/id_rsa [0]: 127 bytes: whoever pulls "
          "the image holds the key\n");
    free(plain);
    free(enc);
}

/* A copy of data[0..n) that ends where an unreadable page begins, so a
 * read past its end faults: inlined memcmp and loads the compiler
 * expands after ASan's instrumentation included. */
typedef struct guarded {
    uint8_t *map, *p;
    size_t size;
} guarded;

static guarded guard(const void *data, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t room = (n + page - 1) / page * page;
    guarded g;
    g.size = room + page;
    g.map = mmap(NULL, g.size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.map != MAP_FAILED);
    assert_int_equal(mprotect(g.map + room, page, PROT_NONE), 0);
    g.p = g.map + room - n;
    if (n)
        memcpy(g.p, data, n);
    return g;
}

static void unguard(guarded *g)
{
    munmap(g->map, g->size);
}

/* Every prefix of every key format, in a buffer of exactly that size:
 * the parser reads nothing past it (ASan builds check), and a prefix cut
 * inside the BEGIN line is no key. */
static void test_hardening__keys_truncated(void **unused)
{
    char *ssh = openssh_key("aes256-ctr");
    const char *samples[] = {
        PEM("PRIVATE KEY"),
        "\xef\xbb\xbf\n  " PEM("CERTIFICATE") PEM("EC PRIVATE KEY"),
        "Bag Attributes\n    localKeyID: 01\n" PEM("PRIVATE KEY"),
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n",
        "PuTTY-User-Key-File-3: ssh-ed25519\r\nEncryption: aes256-cbc\r\n",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n",
        ssh,
    };
    st_hardening_key k;
    (void)unused;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        size_t len = strlen(samples[i]);
        const char *begin = strstr(samples[i], "PRIVATE KEY");
        for (size_t n = 0; n <= len; n++) {
            guarded g = guard(samples[i], n);
            bool is_key = st_hardening__private_key(&k, (char *)g.p, n);
            if (begin && n < (size_t)(begin - samples[i]))
                assert_false(is_key);
            if (is_key)
                assert_true(strlen(k.label) < sizeof(k.label) &&
                            strlen(k.cipher) < sizeof(k.cipher));
            unguard(&g);
        }
        assert_true(st_hardening__private_key(&k, samples[i], len));
    }
    free(ssh);
}

/* ---- caches -----------------------------------------------------------------
 */

static void test_hardening__caches(void **unused)
{
    static const char k1[1000], k5[5000];
    static const item items[] = {
        {"var/cache/apt/archives/foo_1.0_amd64.deb", ST_ENTRY_FILE, 0644, 0, 0,
         k1, 1000, 2},
        {"var/cache/apt/archives/partial/bar_2_all.deb", ST_ENTRY_FILE, 0644, 0,
         0, k1, 500, 1},
        {"var/cache/apt/archives/lock", ST_ENTRY_FILE, 0640, 0, 0, k1, 0, 1},
        {"var/cache/apt/pkgcache.bin", ST_ENTRY_FILE, 0644, 0, 0, k1, 300, 1},
        {"var/cache/apt/archives/x.bin", ST_ENTRY_FILE, 0644, 0, 0, k1, 7, 1},
        {"var/lib/apt/lists/lock", ST_ENTRY_FILE, 0640, 0, 0, k1, 0, 0},
        {"var/lib/apt/lists/partial/deb.debian.org_Packages", ST_ENTRY_FILE,
         0600, 0, 0, k5, 5000, 0},
        {"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
         ST_ENTRY_FILE, 0644, 0, 0, k5, 5000, 0},
        {"var/cache/apk/APKINDEX.12345678.tar.gz", ST_ENTRY_FILE, 0644, 0, 0,
         k1, 900, 0},
        {"root/.cache/pip/http/a/b", ST_ENTRY_FILE, 0600, 0, 0, k1, 10, 0},
        {"root/.cache/pip/selfcheck.json", ST_ENTRY_FILE, 0600, 0, 0, k1, 20,
         0},
        {"home/dev/.npm/_cacache/index-v5/00/11", ST_ENTRY_FILE, 0644, 1000,
         1000, k1, 7, 0},
        {"home/dev/.cache/go-build/ab/abcdef-d", ST_ENTRY_FILE, 0644, 1000,
         1000, k1, 9, 0},
        {"usr/local/share/.cache/yarn/v6/x", ST_ENTRY_FILE, 0644, 0, 0, k1, 11,
         0},
        /* not caches */
        {"var/cache/debconf/config.dat", ST_ENTRY_FILE, 0644, 0, 0, k1, 100, 0},
        {"home/.cache/pip/x", ST_ENTRY_FILE, 0644, 0, 0, k1, 100, 0},
        {"app/.cache/pip/x", ST_ENTRY_FILE, 0644, 0, 0, k1, 100, 0},
        DIR_("var/cache/apt/archives", 0755),
    };
    (void)unused;
    CHECK(items,
          "package-cache LOW home/dev/.cache/go-build [0]: Go build cache: 1 "
          "files, 9 bytes\n"
          "package-cache LOW home/dev/.npm/_cacache [0]: npm cache: 1 files, "
          "7 bytes\n"
          "package-cache LOW root/.cache/pip [0]: pip cache: 2 files, 30 "
          "bytes\n"
          "package-cache LOW usr/local/share/.cache/yarn [0]: yarn cache: 1 "
          "files, 11 bytes\n"
          "package-cache LOW var/cache/apk [0]: apk package cache: 1 files, "
          "900 bytes\n"
          "package-cache LOW var/cache/apt [2]: apt package archives and "
          "package cache: 3 files, 1800 bytes\n"
          "package-cache LOW var/lib/apt/lists [0]: apt package lists: 1 "
          "files, 5000 bytes\n");
}

/* ---- ELF mitigations --------------------------------------------------------
 */

#define DT_BIND_NOW 24
#define DT_FLAGS    30
#define DT_FLAGS_1  0x6ffffffbu

/* A synthetic ELF file: which headers and tables it has. */
typedef struct elf_spec {
    bool is64, be;
    unsigned type;     /* 2 EXEC, 3 DYN, 1 REL */
    bool interp;       /* PT_INTERP */
    bool dynamic;      /* PT_DYNAMIC */
    uint64_t dt[3][2]; /* tag/value pairs (tag 0: none) */
    int stack;         /* 0: no PT_GNU_STACK, 1 RW, 2 RWX */
    bool relro;        /* PT_GNU_RELRO */
    int canary;        /* -1: no section headers; 0/1: __stack_chk_fail */
} elf_spec;

static void put(uint8_t *b, size_t off, uint64_t v, unsigned size, bool be)
{
    for (unsigned i = 0; i < size; i++)
        b[off + (be ? size - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* Writes the file into out (4096 bytes); its length. */
static size_t build_elf(const elf_spec *s, uint8_t *out)
{
    const unsigned w = s->is64 ? 8 : 4, eh = s->is64 ? 64 : 52,
                   ph = s->is64 ? 56 : 32, sh = s->is64 ? 64 : 40,
                   sym = s->is64 ? 24 : 16;
    static const char dynstr[] = "\0puts\0__stack_chk_fail\0";
    static const char shstr[] = "\0.dynsym\0.dynstr\0.shstrtab\0";
    size_t phoff = eh, nph = 0, interp = 512, dyn = 640, str = 1024,
           syms = 1152, shstrtab = 1280, shoff = 1536, len;
    bool be = s->be;

    memset(out, 0, 4096);
    memcpy(out,
           "\x7f"
           "ELF",
           4);
    out[4] = s->is64 ? 2 : 1;
    out[5] = be ? 2 : 1;
    out[6] = 1;
    put(out, 16, s->type, 2, be);
    put(out, 18, s->is64 ? 62 : 3, 2, be);
    put(out, 20, 1, 4, be);
    /* program headers: type, flags, offset, size */
    {
        uint64_t p[5][4];
        if (s->interp) {
            memcpy(out + interp, "/lib/ld-linux.so.2", 19);
            p[nph][0] = 3, p[nph][1] = 4, p[nph][2] = interp, p[nph++][3] = 19;
        }
        if (s->dynamic) {
            size_t n = 0, ent = 2 * w;
            for (int i = 0; i < 3; i++)
                if (s->dt[i][0]) {
                    put(out, dyn + n * ent, s->dt[i][0], w, be);
                    put(out, dyn + n * ent + w, s->dt[i][1], w, be);
                    n++;
                }
            /* DT_NULL ends it; a tag after it must not count */
            put(out, dyn + (n + 1) * ent, DT_BIND_NOW, w, be);
            p[nph][0] = 2, p[nph][1] = 6, p[nph][2] = dyn;
            p[nph++][3] = (n + 2) * ent;
        }
        if (s->stack) {
            p[nph][0] = 0x6474e551, p[nph][1] = s->stack == 2 ? 7 : 6;
            p[nph][2] = 0, p[nph++][3] = 0;
        }
        if (s->relro) {
            p[nph][0] = 0x6474e552, p[nph][1] = 4, p[nph][2] = dyn;
            p[nph++][3] = 64;
        }
        for (size_t i = 0; i < nph; i++) {
            size_t o = phoff + i * ph;
            put(out, o, p[i][0], 4, be);
            if (s->is64) {
                put(out, o + 4, p[i][1], 4, be);
                put(out, o + 8, p[i][2], 8, be);
                put(out, o + 32, p[i][3], 8, be);
            } else {
                put(out, o + 4, p[i][2], 4, be);
                put(out, o + 16, p[i][3], 4, be);
                put(out, o + 24, p[i][1], 4, be);
            }
        }
    }
    put(out, s->is64 ? 32 : 28, phoff, w, be);
    put(out, s->is64 ? 54 : 42, ph, 2, be);
    put(out, s->is64 ? 56 : 44, nph, 2, be);
    len = shoff;
    if (s->canary >= 0) {
        /* sections: null, .dynsym, .dynstr, .shstrtab */
        const uint64_t sec[4][4] = {
            /* name, type, offset, size */
            {0, 0, 0, 0},
            {1, 11, syms, (uint64_t)sym * (s->canary ? 3 : 2)},
            {9, 3, str, sizeof(dynstr)},
            {17, 3, shstrtab, sizeof(shstr)},
        };
        memcpy(out + str, dynstr, sizeof(dynstr));
        memcpy(out + shstrtab, shstr, sizeof(shstr));
        put(out, syms + sym, 1, 4, be);     /* puts */
        put(out, syms + 2 * sym, 6, 4, be); /* __stack_chk_fail */
        for (size_t i = 0; i < 4; i++) {
            size_t o = shoff + i * sh;
            put(out, o, sec[i][0], 4, be);
            put(out, o + 4, sec[i][1], 4, be);
            put(out, o + (s->is64 ? 24 : 16), sec[i][2], w, be);
            put(out, o + (s->is64 ? 32 : 20), sec[i][3], w, be);
        }
        put(out, s->is64 ? 40 : 32, shoff, w, be);
        put(out, s->is64 ? 58 : 46, sh, 2, be);
        put(out, s->is64 ? 60 : 48, 4, 2, be);
        put(out, s->is64 ? 62 : 50, 3, 2, be);
        len = shoff + 4 * sh;
    }
    return len;
}

/* The analyzer's finding for one ELF file as usr/bin/prog ("" when none). */
static char *elf_finding(const char *path, const uint8_t *data, size_t len)
{
    item it = {path, ST_ENTRY_FILE, 0755, 0, 0, (const char *)data, len, 0};
    run r = run_new();
    run_entry(&r, &it);
    return run_finish(&r);
}

#define F1_PIE     0x08000000u
#define F1_NOW     0x1u
#define F_BIND_NOW 0x8u

static void test_hardening__elf(void **unused)
{
    static const struct {
        elf_spec s;
        const char *path, *want; /* want: the detail, NULL for none */
    } cases[] = {
        /* everything: a PIE linked with -z now, canary, NX */
        {{true,
          false,
          3,
          true,
          true,
          {{DT_FLAGS, F_BIND_NOW}, {DT_FLAGS_1, F1_NOW | F1_PIE}},
          1,
          true,
          1},
         "usr/bin/good",
         NULL},
        /* Debian's default: no -z now */
        {{true, false, 3, true, true, {{DT_FLAGS_1, F1_PIE}}, 1, true, 1},
         "usr/bin/partial",
         "missing full RELRO; PIE: yes, RELRO: partial, NX: yes, stack "
         "protector: yes"},
        /* DT_BIND_NOW alone is enough */
        {{true, false, 3, true, true, {{DT_BIND_NOW, 0}}, 1, true, 1},
         "usr/sbin/bindnow",
         NULL},
        /* the worst: no PIE, no RELRO, executable stack, no canary */
        {{true, false, 2, true, true, {{0, 0}}, 2, false, 0},
         "bin/old",
         "missing PIE, full RELRO, NX, stack protector; PIE: no, RELRO: no, "
         "NX: no, stack protector: no"},
        /* the same, 32-bit big-endian */
        {{false, true, 2, true, true, {{0, 0}}, 2, false, 0},
         "sbin/old32",
         "missing PIE, full RELRO, NX, stack protector; PIE: no, RELRO: no, "
         "NX: no, stack protector: no"},
        /* 32-bit little-endian, all there */
        {{false, false, 3, true, true, {{DT_FLAGS, F_BIND_NOW}}, 1, true, 1},
         "usr/bin/good32",
         NULL},
        /* static, not PIE: the canary cannot be told */
        {{true, false, 2, false, false, {{0, 0}}, 1, true, 1},
         "opt/tool/bin/static",
         "missing PIE; PIE: no, RELRO: full, NX: yes, stack protector: "
         "unknown (statically linked)"},
        /* static PIE: nothing to say */
        {{true, false, 3, false, true, {{DT_FLAGS_1, F1_PIE}}, 1, true, 0},
         "usr/local/bin/staticpie",
         NULL},
        /* a shared object: PIE does not apply */
        {{true, false, 3, false, true, {{DT_BIND_NOW, 0}}, 1, true, 0},
         "app/lib/libfoo.so",
         "missing stack protector; PIE: n/a (shared object), RELRO: full, "
         "NX: yes, stack protector: no"},
        /* no section headers, no PT_GNU_STACK */
        {{true, false, 3, true, true, {{DT_FLAGS_1, F1_PIE}}, 0, true, -1},
         "usr/bin/sstripped",
         "missing full RELRO; PIE: yes, RELRO: partial, NX: unknown (no "
         "PT_GNU_STACK), stack protector: unknown (no .dynsym)"},
        /* a relocatable object is no program */
        {{true, false, 1, false, false, {{0, 0}}, 2, false, 0},
         "usr/bin/obj.o",
         NULL},
        /* a library outside the application directories is not looked at */
        {{true, false, 3, false, true, {{0, 0}}, 2, false, 0},
         "usr/lib/libx.so.1",
         NULL},
    };
    static uint8_t buf[4096];
    (void)unused;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = build_elf(&cases[i].s, buf);
        char *got = elf_finding(cases[i].path, buf, len), want[512];
        if (cases[i].want)
            snprintf(want, sizeof(want), "elf-hardening LOW %s [0]: %s\n",
                     cases[i].path, cases[i].want);
        else
            want[0] = 0;
        if (strcmp(got, want))
            fail_msg("case %zu:\n got: %s\nwant: %s", i, got, want);
        free(got);
    }
}

/* A layer's hard link to `target`, sent as the scan sends it. */
static void run_link(run *r, const char *path, const char *target)
{
    st_entry e;
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.path_len = strlen(path);
    e.type = ST_ENTRY_HARDLINK;
    e.mode = 0755;
    e.attrs = true;
    e.link = target;
    e.layer = 1;
    e.visible = true;
    if (ops->wants(&e))
        assert_int_equal(ops->file(r->state, r->ctx, &e, NULL, 0), 0);
}

/* A layer's hard links to ELF files share their target's finding. */
static void test_hardening__elf_hardlinks(void **unused)
{
    static const elf_spec bad = {
        true, false, 3, true, true, {{DT_FLAGS_1, F1_PIE}}, 1, true, 1};
    static const elf_spec good = {true, false, 3,
                                  true, true,  {{DT_FLAGS_1, F1_PIE | F1_NOW}},
                                  1,    true,  1};
    static uint8_t b1[4096], b2[4096];
    size_t n1 = build_elf(&bad, b1), n2 = build_elf(&good, b2);
    const item perl = {
        "usr/bin/perl", ST_ENTRY_FILE, 0755, 0, 0, (const char *)b1, n1, 1};
    const item fine = {
        "usr/bin/good", ST_ENTRY_FILE, 0755, 0, 0, (const char *)b2, n2, 1};
    const char *want = "elf-hardening LOW usr/bin/perl [1]: missing full "
                       "RELRO; PIE: yes, RELRO: partial, NX: yes, stack "
                       "protector: yes\n"
                       "elf-hardening LOW usr/bin/perl5.36.0 [1]: missing "
                       "full RELRO; PIE: yes, RELRO: partial, NX: yes, stack "
                       "protector: yes\n";
    run r = run_new();
    char *got;
    (void)unused;
    /* the link before its target too: it is judged at the end */
    run_link(&r, "usr/bin/perl5.36.0", "usr/bin/perl");
    run_entry(&r, &perl);
    run_entry(&r, &fine);
    run_link(&r, "usr/bin/good2", "usr/bin/good");
    /* a target this analyzer did not judge; a link in no program
     * directory */
    run_link(&r, "usr/bin/lib", "usr/lib/x/lib.so");
    run_link(&r, "usr/lib/perl", "usr/bin/perl");
    got = run_finish(&r);
    if (strcmp(got, want))
        fail_msg("got:\n%s", got);
    free(got);
}

/* Every prefix of data, and the analyzer must neither crash nor read out
 * of bounds: a guarded copy of exactly `n` bytes each time. */
static void
all_truncations(const char *path, const uint8_t *data, size_t len, size_t step)
{
    run r = run_new();
    for (size_t n = 0; n <= len; n += n < 4096 ? 1 : step) {
        guarded g = guard(data, n);
        item it = {path, ST_ENTRY_FILE, 0755, 0, 0, (const char *)g.p, n, 0};
        if (n)
            run_entry(&r, &it);
        unguard(&g);
    }
    free(run_finish(&r));
}

static uint8_t *slurp_host(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_hardening__elf_truncated(void **unused)
{
    static const elf_spec specs[] = {
        {true, false, 3, true, true, {{DT_FLAGS_1, F1_PIE}}, 1, true, 1},
        {false, true, 2, true, true, {{DT_BIND_NOW, 0}}, 2, true, 0},
    };
    static uint8_t buf[4096];
    size_t len;
    uint8_t *host;
    (void)unused;
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        len = build_elf(&specs[i], buf);
        all_truncations("usr/bin/synthetic", buf, len, 1);
    }
    /* a real program: every byte count up to 4 KiB (the headers), then
     * every 7th (the dynamic section and the tables, at their ends) */
    host = slurp_host("/bin/true", &len);
    if (!host)
        skip();
    all_truncations("usr/bin/true", host, len, 7);
    free(host);
}

/* Header fields pointed anywhere: counts, offsets, entry sizes. */
static void test_hardening__elf_corrupt(void **unused)
{
    static const elf_spec spec = {
        true, false, 3, true, true, {{DT_FLAGS_1, F1_PIE}}, 1, true, 1};
    static const uint64_t values[] = {
        0,          1,          2,          0x7f, 0xff,      0xffff,
        0x7fffffff, 0xffffffff, UINT64_MAX, 1500, 1536 + 63, 4095};
    /* e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum,
     * e_shstrndx; the program headers' offsets and sizes; the section
     * headers' offsets, sizes and names */
    static const struct {
        size_t off;
        unsigned size;
    } fields[] = {
        {32, 8},
        {40, 8},
        {54, 2},
        {56, 2},
        {58, 2},
        {60, 2},
        {62, 2},
        {64 + 8, 8},
        {64 + 32, 8},
        {64 + 56 + 8, 8},
        {64 + 56 + 32, 8},
        {1536 + 64, 4},
        {1536 + 64 + 24, 8},
        {1536 + 64 + 32, 8},
        {1536 + 128 + 24, 8},
        {1536 + 128 + 32, 8},
        {1536 + 192 + 32, 8},
        {1536 + 192, 4},
    };
    static uint8_t buf[4096];
    size_t len = build_elf(&spec, buf);
    run r = run_new();
    (void)unused;
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            guarded g;
            build_elf(&spec, buf);
            put(buf, fields[f].off, values[v], fields[f].size, false);
            g = guard(buf, len);
            item it = {"usr/bin/corrupt", ST_ENTRY_FILE, 0755, 0, 0,
                       (const char *)g.p, len,           0};
            run_entry(&r, &it);
            unguard(&g);
        }
    free(run_finish(&r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hardening__setuid),
        cmocka_unit_test(test_hardening__world_writable),
        cmocka_unit_test(test_hardening__which_entries),
        cmocka_unit_test(test_hardening__accounts),
        cmocka_unit_test(test_hardening__accounts_clean),
        cmocka_unit_test(test_hardening__keys),
        cmocka_unit_test(test_hardening__keys_truncated),
        cmocka_unit_test(test_hardening__caches),
        cmocka_unit_test(test_hardening__elf),
        cmocka_unit_test(test_hardening__elf_hardlinks),
        cmocka_unit_test(test_hardening__elf_truncated),
        cmocka_unit_test(test_hardening__elf_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
