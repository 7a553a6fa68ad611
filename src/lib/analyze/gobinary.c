/* gobinary: the modules compiled into Go executables (build info) and the
 * crates compiled into Rust executables built with cargo-auditable.
 *
 * Which files are read. Every regular file with an exec bit and at least
 * 1 KiB is sniffed (its first 64 KiB). The whole file is read when it is
 * an ELF executable or shared object and either
 *   - carries a Go marker in those 64 KiB: the Go build ID note (name
 *     "Go\0\0", type 4, in .note.go.buildid, which the Go linker and the
 *     host linker both place in the first page, before the text) or the
 *     "\xff Go buildinf:" magic (only that early in tiny binaries); or
 *   - lies outside the directories the OS package manager installs into
 *     (usr/bin, usr/sbin, usr/lib*, usr/libexec, usr/share, bin, sbin,
 *     lib*): an application's binary, which may be a Rust one whose
 *     .dep-v0 section sits far past the first 64 KiB with no early marker.
 * The cost of the second rule: every ELF executable under /app, /opt,
 * /usr/local, /root … is read whole (up to 512 MiB each). OS-installed
 * Rust binaries are left to the OS package analyzers; a Go binary built
 * with -ldflags=-buildid= (no note) under usr/bin is missed.
 *
 * Go: the build info blob ("\xff Go buildinf:", 32 bytes, 16-aligned) is
 * found as Go's debug/buildinfo finds it: in the .go.buildinfo section or
 * else the first 64 KiB of the writable data segment; failing both (no
 * section headers, say), anywhere in the file at a 16-aligned offset.
 * Go >= 1.18 writes the toolchain version and the module info inline as
 * varint-prefixed strings (flag 0x2); older linkers write two pointers
 * to Go string headers, followed here through the PT_LOAD segments.
 * Packages: the main module (direct; not when its version is "(devel)"),
 * every "dep" (direct unknown: build info does not say), each with its
 * "=>" replacement applied (name and version of the replacement, the
 * original in source_name/source_version; a replacement by a local
 * directory keeps the original name and has no version, since the code
 * is not that module's), and "stdlib" at the toolchain's version as a Go
 * module version ("go1.21.3" -> "v1.21.3").
 *
 * Rust: cargo-auditable's .dep-v0 section is zlib-compressed JSON,
 * {"packages":[{"name","version","source","kind"?,"root"?,
 * "dependencies"?:[index…]}]}. Packages of type cargo; the root crate and
 * the root's dependencies are direct, the rest transitive; "build"
 * dependencies (build scripts, proc macros: not in the binary) are dev.
 */
#include <string.h>
#include <zlib.h>

#include "analyzer.h"
#include "elf.h"
#include "util/json.h"
#include "util/banned.h"

#define NAME "gobinary"
#define MAX_CONTENT (512u << 20)
#define GO_SEARCH 65536u             /* Go's debug/buildinfo reads 64 KiB */
#define GO_MAX_STRING (16u << 20)    /* one build info string */
#define RUST_MAX_JSON (8u << 20)     /* auditable-info's default limit */
#define RUST_MAX_PACKAGES 100000u

static const char GO_MAGIC[] = "\xff Go buildinf:";
#define GO_MAGIC_LEN 14
#define GO_HEADER 32

/* ---- which files ------------------------------------------------------ */

/* Names no compiled Go or Rust program carries: in a source tree, where
 * an entry's mode costs a stat, these are rejected by name alone. */
static bool never_binary(const char *path, size_t len)
{
    static const char *const ext[] = {
        "c", "cc", "cfg", "cpp", "cs", "css", "csv", "go", "h", "hpp",
        "html", "ini", "java", "js", "json", "jsx", "lock", "md", "mjs",
        "php", "pl", "py", "rb", "rs", "rst", "scss", "sh", "sql", "svg",
        "toml", "ts", "tsx", "txt", "vue", "xml", "yaml", "yml",
    };
    const char *dot = NULL;
    for (size_t i = len; i-- > 0 && path[i] != '/';)
        if (path[i] == '.') {
            dot = path + i + 1;
            break;
        }
    if (!dot)
        return false;
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (!strcmp(dot, ext[i]))
            return true;
    return false;
}

static bool wants(const st_entry *e)
{
    if (e->type != ST_ENTRY_FILE)
        return false;
    if (!e->attrs) /* asked again once the mode is known */
        return !never_binary(e->path, e->path_len);
    return (e->mode & 0111) && e->size >= 1024;
}

/* The Go build ID note: namesz 4, descsz, type 4 (ELF_NOTE_GOBUILDID_TAG),
 * name "Go\0\0", in either byte order. */
static bool go_note(const uint8_t *h, size_t len)
{
    static const uint8_t le4[4] = {4, 0, 0, 0}, be4[4] = {0, 0, 0, 4};
    const uint8_t *p = h, *end = h + len;
    while (p < end) {
        const uint8_t *m = memmem(p, (size_t)(end - p), "Go\0\0", 4);
        size_t at;
        if (!m)
            return false;
        at = (size_t)(m - h);
        if (at >= 12 && ((!memcmp(h + at - 12, le4, 4) &&
                          !memcmp(h + at - 4, le4, 4)) ||
                         (!memcmp(h + at - 12, be4, 4) &&
                          !memcmp(h + at - 4, be4, 4))))
            return true;
        p = m + 1;
    }
    return false;
}

static bool go_marker(const uint8_t *h, size_t len)
{
    return go_note(h, len) || memmem(h, len, GO_MAGIC, GO_MAGIC_LEN);
}

/* Directories the OS package manager owns (see the header comment). */
static bool os_dir(const char *path)
{
    static const char *const dirs[] = {
        "usr/bin/", "usr/sbin/", "usr/lib/",     "usr/lib32/", "usr/lib64/",
        "usr/libx32/", "usr/libexec/", "usr/share/", "bin/", "sbin/",
        "lib/",     "lib32/",    "lib64/",       "libx32/",
    };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        if (st_str_startswith(path, dirs[i]))
            return true;
    return false;
}

static bool elf_program(const void *h, size_t len)
{
    uint16_t type;
    return st_elf__sniff(h, len, &type) &&
           (type == ST_ELF_ET_EXEC || type == ST_ELF_ET_DYN);
}

static bool sniff(const st_entry *e, const char *head, size_t len)
{
    if (!elf_program(head, len))
        return false;
    return go_marker((const uint8_t *)head, len < ST_SNIFF_BYTES
                                                ? len
                                                : ST_SNIFF_BYTES) ||
           !os_dir(e->path);
}

/* ---- packages --------------------------------------------------------- */

struct bin {
    st_scan_ctx *ctx;
    const st_entry *e;
    const char *found_in;
    st_elf elf;
    size_t bad; /* malformed lines or entries skipped */
};

/* A usable name or version: no control characters, no spaces. */
static bool clean(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return false;
    return true;
}

static char *dupn(struct bin *b, const char *s, size_t n)
{
    return st_arena_strndup(st_ctx_arena(b->ctx), s, n);
}

/* Adds a package; version may be NULL. NULL: out of memory. */
static st_package *add(struct bin *b, const char *type, const char *name,
                       size_t nlen, const char *version, size_t vlen,
                       int direct)
{
    st_package *p = st_ctx_add_package(b->ctx);
    if (!p)
        return NULL;
    p->type = type;
    p->name = dupn(b, name, nlen);
    p->version = version ? dupn(b, version, vlen) : NULL;
    p->found_in = b->found_in;
    p->direct = direct;
    st_ctx_package_layer(b->ctx, p, b->e->layer);
    if (!p->name || (version && !p->version))
        return NULL;
    return p;
}

/* ---- Go build info ---------------------------------------------------- */

/* Go's GoTagToSemver (golang.org/x/vuln): "go1.21.3" -> "v1.21.3",
 * "go1.21" -> "v1.21.0", "go1.21rc2" -> "v1.21.0-rc.2", "go1" -> "v1.0.0";
 * anything after a space ("go1.21.3 X:boringcrypto") is ignored. NULL for
 * what is no release ("devel go1.22-abcdef …", "go1.0"). */
static char *go_semver(st_arena *a, const char *v, size_t n)
{
    static const char *const kinds[] = {"alpha", "beta", "rc"};
    size_t i = 2, maj = 2, maj_len, min, min_len, pat = 0, pat_len = 0;

    for (size_t k = 0; k < n; k++)
        if (v[k] == ' ' || v[k] == '\t') {
            n = k;
            break;
        }
    if (n < 3 || memcmp(v, "go", 2) != 0)
        return NULL;
    if (n == 3 && v[2] == '1')
        return st_arena_strdup(a, "v1.0.0");
    while (i < n && v[i] >= '0' && v[i] <= '9')
        i++;
    maj_len = i - maj;
    if (!maj_len || maj_len > 9 || i >= n || v[i] != '.')
        return NULL;
    min = ++i;
    while (i < n && v[i] >= '0' && v[i] <= '9')
        i++;
    min_len = i - min;
    if (!min_len || min_len > 9)
        return NULL;
    if (i + 1 < n && v[i] == '.' && v[i + 1] >= '0' && v[i + 1] <= '9') {
        pat = ++i;
        while (i < n && v[i] >= '0' && v[i] <= '9')
            i++;
        pat_len = i - pat;
        if (pat_len > 9)
            return NULL;
    } else if (maj_len == 1 && v[maj] == '1' && min_len == 1 &&
               v[min] == '0') {
        return NULL; /* "go1.0" was never a tag */
    }
    for (size_t k = 0; k < 3; k++) {
        size_t kl = strlen(kinds[k]), d;
        if (n - i <= kl || memcmp(v + i, kinds[k], kl) != 0 ||
            v[i + kl] < '0' || v[i + kl] > '9')
            continue;
        for (d = i + kl; d < n && v[d] >= '0' && v[d] <= '9';)
            d++;
        return st_arena_printf(a, "v%.*s.%.*s.%.*s-%s.%.*s", (int)maj_len,
                               v + maj, (int)min_len, v + min,
                               pat_len ? (int)pat_len : 1,
                               pat_len ? v + pat : "0", kinds[k],
                               (int)(d - i - kl), v + i + kl);
    }
    return st_arena_printf(a, "v%.*s.%.*s.%.*s", (int)maj_len, v + maj,
                           (int)min_len, v + min, pat_len ? (int)pat_len : 1,
                           pat_len ? v + pat : "0");
}

/* The first 16-aligned magic in p[0..n) with a whole header after it, as
 * debug/buildinfo looks for it; *rest: the bytes from there to the end. */
static const uint8_t *find_magic(const uint8_t *p, size_t n, size_t *rest)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *m = memmem(p + i, n - i, GO_MAGIC, GO_MAGIC_LEN);
        size_t at;
        if (!m)
            return NULL;
        at = (size_t)(m - p);
        if (at % 16 == 0) {
            if (n - at < GO_HEADER)
                return NULL;
            *rest = n - at;
            return m;
        }
        i = (at + 15) & ~(size_t)15;
    }
    return NULL;
}

/* Where the build info header is: the .go.buildinfo section, else the
 * first 64 KiB of the data segment (as debug/buildinfo looks), else, as a
 * guess (*guessed), the first plausible header anywhere in the file: a
 * word size of 4 or 8 and known flags. A guess that leads nowhere is not
 * worth a diagnostic: other programs hold the magic as a string too. */
static const uint8_t *go_header(const st_elf *elf, size_t *rest,
                                bool *guessed)
{
    st_elf_section s;
    const uint8_t *p = NULL, *h;
    size_t n = 0, at = 0;
    uint64_t addr;

    *guessed = false;
    if (st_elf__section(elf, ".go.buildinfo", &s) == 0) {
        p = st_elf__at(elf, s.addr, GO_SEARCH, &n);
        if (!p && s.data) { /* not mapped by a segment: its file bytes */
            p = s.data;
            n = s.size < GO_SEARCH ? s.size : GO_SEARCH;
        }
    } else if (st_elf__data_start(elf, &addr)) {
        p = st_elf__at(elf, addr, GO_SEARCH, &n);
    }
    if (p && (h = find_magic(p, n, rest)))
        return h;
    *guessed = true;
    while (at < elf->len &&
           (h = find_magic(elf->data + at, elf->len - at, rest))) {
        if ((h[14] == 4 || h[14] == 8) && !(h[15] & ~3u))
            return h;
        at = (size_t)(h - elf->data) + 16;
    }
    return NULL;
}

/* A Go >= 1.18 string: uvarint length, bytes. */
static bool go_varstr(const uint8_t **p, size_t *n, const char **s,
                      size_t *slen)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < *n && i < 10; i++) {
        v |= (uint64_t)((*p)[i] & 0x7f) << (7 * i);
        if (!((*p)[i] & 0x80))
            break;
    }
    if (i >= *n || i == 10 || (i == 9 && (*p)[i] > 1))
        return false; /* truncated or overflowing varint */
    i++;
    if (v > *n - i || v > GO_MAX_STRING)
        return false;
    *s = (const char *)*p + i;
    *slen = (size_t)v;
    *p += i + v;
    *n -= i + (size_t)v;
    return true;
}

static uint64_t rd_ptr(const uint8_t *p, unsigned size, bool be)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[be ? size - 1 - i : i] << (8 * i);
    return v;
}

/* A pre-1.18 string: the address of a Go string header {data, len}. */
static bool go_ptrstr(const st_elf *elf, uint64_t addr, unsigned ptr,
                      bool be, const char **s, size_t *slen)
{
    size_t got;
    const uint8_t *h = st_elf__at(elf, addr, 2u * ptr, &got);
    uint64_t daddr, dlen;
    const uint8_t *d;

    if (!h || got < 2u * ptr)
        return false;
    daddr = rd_ptr(h, ptr, be);
    dlen = rd_ptr(h + ptr, ptr, be);
    if (dlen > GO_MAX_STRING)
        return false;
    if (!dlen) {
        *s = "";
        *slen = 0;
        return true;
    }
    d = st_elf__at(elf, daddr, dlen, &got);
    if (!d || got < dlen)
        return false;
    *s = (const char *)d;
    *slen = got;
    return true;
}

/* A module line of the module info, waiting for a possible "=>". */
struct gomodline {
    bool set, main;
    const char *path, *ver;
    size_t plen, vlen;
};

/* A replacement by a directory: Go records it with version "(devel)"
 * (or none), and modfile's IsDirectoryPath forms. */
static bool local_dir(const char *path, size_t plen, const char *ver,
                      size_t vlen)
{
    if (!vlen || (vlen == 7 && !memcmp(ver, "(devel)", 7)))
        return true;
    return (plen >= 2 && !memcmp(path, "./", 2)) ||
           (plen >= 3 && !memcmp(path, "../", 3)) || path[0] == '/' ||
           path[0] == '\\' || (plen >= 2 && path[1] == ':');
}

static int go_emit(struct bin *b, struct gomodline *m, const char *rpath,
                   size_t rplen, const char *rver, size_t rvlen)
{
    st_arena *a = st_ctx_arena(b->ctx);
    st_package *p;
    bool devel = !m->vlen || (m->vlen == 7 && !memcmp(m->ver, "(devel)", 7));

    if (!m->set)
        return 0;
    m->set = false;
    if (!m->plen)
        return 0; /* old linkers could record an empty dep */
    if (!rpath && m->main && devel)
        return 0; /* built from a work tree: no version to match */
    if (rpath && local_dir(rpath, rplen, rver, rvlen))
        p = add(b, "golang", m->path, m->plen, NULL, 0, m->main ? 1 : -1);
    else if (rpath)
        p = add(b, "golang", rpath, rplen, rver, rvlen, m->main ? 1 : -1);
    else
        p = add(b, "golang", m->path, m->plen, devel ? NULL : m->ver,
                m->vlen, m->main ? 1 : -1);
    if (!p)
        return ST_ENOMEM;
    if (rpath) {
        p->source_name = st_arena_strndup(a, m->path, m->plen);
        p->source_version =
            m->vlen ? st_arena_strndup(a, m->ver, m->vlen) : NULL;
        if (!p->source_name || (m->vlen && !p->source_version))
            return ST_ENOMEM;
    }
    return 0;
}

/* Splits line into at most 4 tab-separated fields; returns the count. */
static size_t tabs(const char *line, size_t n, const char *f[4],
                   size_t fl[4])
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && line[i] != '\t')
            continue;
        if (k == 4)
            return 5;
        f[k] = line + start;
        fl[k++] = i - start;
        start = i + 1;
    }
    return k;
}

/* The module info text (runtime/debug.BuildInfo.String form). */
static int go_modinfo(struct bin *b, const char *mod, size_t n)
{
    struct gomodline pend = {0};
    const char *f[4];
    size_t fl[4], k;
    int rc;

    while (n) {
        const char *nl = memchr(mod, '\n', n);
        size_t len = nl ? (size_t)(nl - mod) : n;
        const char *line = mod;
        bool rep = len >= 3 && !memcmp(line, "=>\t", 3);

        mod += len + (nl ? 1 : 0);
        n -= len + (nl ? 1 : 0);
        if (rep) {
            k = tabs(line + 3, len - 3, f, fl);
            if (k != 3 || !pend.set || !clean(f[0], fl[0]) ||
                !clean(f[1], fl[1]) || !fl[0]) {
                b->bad++;
                pend.set = false;
                continue;
            }
            if ((rc = go_emit(b, &pend, f[0], fl[0], f[1], fl[1])) < 0)
                return rc;
            continue;
        }
        if ((rc = go_emit(b, &pend, NULL, 0, NULL, 0)) < 0)
            return rc;
        if ((len >= 4 && !memcmp(line, "mod\t", 4)) ||
            (len >= 4 && !memcmp(line, "dep\t", 4))) {
            k = tabs(line + 4, len - 4, f, fl);
            if ((k != 2 && k != 3) || !clean(f[0], fl[0]) ||
                !clean(f[1], fl[1])) {
                b->bad++;
                continue;
            }
            pend.set = true;
            pend.main = line[0] == 'm';
            pend.path = f[0];
            pend.plen = fl[0];
            pend.ver = f[1];
            pend.vlen = fl[1];
        }
        /* "path", "build" and blank lines name no module */
    }
    return go_emit(b, &pend, NULL, 0, NULL, 0);
}

static int go_binary(struct bin *b)
{
    const uint8_t *h, *p;
    size_t rest, n, vlen = 0, mlen = 0;
    const char *vers = NULL, *mod = NULL;
    unsigned ptr;
    uint8_t flags;
    char *semver;
    st_package *pkg;
    bool guessed;
    int rc;

    if (!(h = go_header(&b->elf, &rest, &guessed)))
        return 0;
    ptr = h[14];
    flags = h[15];
    if (flags & 2) {
        p = h + GO_HEADER;
        n = rest - GO_HEADER;
        if (!go_varstr(&p, &n, &vers, &vlen) ||
            !go_varstr(&p, &n, &mod, &mlen))
            goto bad;
    } else {
        bool be = flags != 0;
        if ((ptr != 4 && ptr != 8) || rest < 16 + 2u * ptr)
            goto bad;
        if (!go_ptrstr(&b->elf, rd_ptr(h + 16, ptr, be), ptr, be, &vers,
                       &vlen) ||
            !go_ptrstr(&b->elf, rd_ptr(h + 16 + ptr, ptr, be), ptr, be,
                       &mod, &mlen))
            goto bad;
    }
    if (!vlen)
        goto bad;
    /* the module info sits between two 16-byte sentinels */
    if (mlen >= 33 && mod[mlen - 17] == '\n') {
        mod += 16;
        mlen -= 32;
    } else {
        mlen = 0;
    }
    if ((rc = go_modinfo(b, mod, mlen)) < 0)
        return rc;
    semver = go_semver(st_ctx_arena(b->ctx), vers, vlen);
    if (semver) {
        if (!(pkg = add(b, "golang", "stdlib", 6, semver, strlen(semver), 1)))
            return ST_ENOMEM;
    } else {
        size_t shown = vlen < 64 ? vlen : 64;
        for (size_t i = 0; i < shown; i++)
            if ((unsigned char)vers[i] < ' ' || vers[i] == 0x7f)
                shown = i;
        st_ctx_diag(b->ctx, ST_DIAG_INFO, NAME, b->e->path, b->e->layer,
                    "Go toolchain \"%.*s\" is not a release: the standard "
                    "library is not listed",
                    (int)shown, vers);
    }
    if (b->bad)
        st_ctx_diag(b->ctx, ST_DIAG_WARNING, NAME, b->e->path, b->e->layer,
                    "Go build info: %zu malformed module lines skipped",
                    b->bad);
    return 0;
bad:
    if (!guessed)
        st_ctx_diag(b->ctx, ST_DIAG_WARNING, NAME, b->e->path, b->e->layer,
                    "Go build info is malformed: no modules read");
    return 0;
}

/* ---- cargo-auditable -------------------------------------------------- */

static int inflate_all(const uint8_t *in, size_t n, st_buf *out)
{
    z_stream z;
    unsigned char chunk[16384];
    int zr, rc = 0;

    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK)
        return ST_ENOMEM;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n; /* the caller caps n */
    do {
        z.next_out = chunk;
        z.avail_out = sizeof(chunk);
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr == Z_MEM_ERROR) {
            rc = ST_ENOMEM;
            break;
        }
        if (zr != Z_OK && zr != Z_STREAM_END) {
            rc = ST_EINVALID;
            break;
        }
        if ((rc = st_buf_put(out, chunk, sizeof(chunk) - z.avail_out)) < 0)
            break;
        if (zr == Z_OK && !z.avail_in && z.avail_out) {
            rc = ST_EINVALID; /* truncated stream */
            break;
        }
    } while (zr != Z_STREAM_END);
    inflateEnd(&z);
    return rc;
}

static int rust_packages(struct bin *b, json_t *pkgs)
{
    size_t count = json_array_size(pkgs), i, idx;
    signed char *direct = NULL;
    json_t *it, *d;
    bool rooted = false;
    int rc = 0;

    if (count > RUST_MAX_PACKAGES) {
        st_ctx_diag(b->ctx, ST_DIAG_WARNING, NAME, b->e->path, b->e->layer,
                    "cargo-auditable data lists %zu packages: skipped",
                    count);
        return 0;
    }
    if (!count)
        return 0;
    if (!(direct = st_calloc(count, 1)))
        return ST_ENOMEM;
    /* the root crate and the crates it depends on are direct */
    json_array_foreach(pkgs, i, it) {
        if (!json_is_true(json_object_get(it, "root")))
            continue;
        rooted = true;
        direct[i] = 1;
        json_array_foreach(st_json_arr(it, "dependencies"), idx, d) {
            json_int_t k = json_is_integer(d) ? json_integer_value(d) : -1;
            if (k >= 0 && (uint64_t)k < count)
                direct[k] = 1;
        }
    }
    json_array_foreach(pkgs, i, it) {
        const char *name = st_json_str(it, "name");
        const char *ver = st_json_str(it, "version");
        const char *kind = st_json_str(it, "kind");
        st_package *p;
        if (!name || !ver || !*name || !*ver ||
            !clean(name, strlen(name)) || !clean(ver, strlen(ver))) {
            b->bad++;
            continue;
        }
        if (!(p = add(b, "cargo", name, strlen(name), ver, strlen(ver),
                      rooted ? direct[i] : -1))) {
            rc = ST_ENOMEM;
            break;
        }
        p->dev = kind && !strcmp(kind, "build");
    }
    st_free(direct);
    if (!rc && b->bad)
        st_ctx_diag(b->ctx, ST_DIAG_WARNING, NAME, b->e->path, b->e->layer,
                    "cargo-auditable data: %zu packages without a usable "
                    "name or version skipped",
                    b->bad);
    return rc;
}

static int rust_binary(struct bin *b)
{
    st_elf_section s;
    st_buf json = ST_BUF_INIT(RUST_MAX_JSON);
    st_error *err = NULL;
    json_t *root = NULL, *pkgs;
    int rc;

    if (st_elf__section(&b->elf, ".dep-v0", &s) < 0 || !s.data)
        return 0;
    b->bad = 0;
    if (s.size > RUST_MAX_JSON) {
        rc = ST_ELIMIT;
    } else {
        rc = inflate_all(s.data, s.size, &json);
    }
    if (rc == ST_ENOMEM)
        goto done;
    if (rc < 0) {
        st_ctx_diag(b->ctx, ST_DIAG_WARNING, NAME, b->e->path, b->e->layer,
                    "cargo-auditable data (.dep-v0): %s",
                    rc == ST_ELIMIT ? "larger than 8 MiB"
                                    : "not a zlib stream");
        rc = 0;
        goto done;
    }
    if (st_json_load(&root, json.ptr, json.len, ".dep-v0", &err) < 0 ||
        !(pkgs = st_json_arr(root, "packages"))) {
        st_ctx_diag(b->ctx, ST_DIAG_WARNING, NAME, b->e->path, b->e->layer,
                    "cargo-auditable data: %s",
                    err ? st_error_message(err) : "no \"packages\" array");
        rc = 0;
        goto done;
    }
    rc = rust_packages(b, pkgs);
done:
    st_error_free(err);
    json_decref(root);
    st_buf_release(&json);
    return rc;
}

/* ---- the analyzer ----------------------------------------------------- */

static int file(void *state, st_scan_ctx *ctx, const st_entry *e,
                const char *data, size_t len)
{
    struct bin b;
    int rc;

    (void)state;
    /* another analyzer may have had the file read without a sniff */
    if (!elf_program(data, len))
        return 0;
    memset(&b, 0, sizeof(b));
    b.ctx = ctx;
    b.e = e;
    if (st_elf__open(&b.elf, data, len) < 0)
        return 0; /* a truncated header: nothing to read */
    if (!(b.found_in = st_arena_printf(st_ctx_arena(ctx), "/%s", e->path)))
        return ST_ENOMEM;
    if ((rc = go_binary(&b)) < 0)
        return rc;
    return rust_binary(&b);
}

const st_analyzer_ops st_analyzer_gobinary = {
    .name = NAME,
    .version = 1,
    .flags = ST_AN_VISIBLE_ONLY | ST_AN_CONTENT | ST_AN_SNIFF | ST_AN_ATTRS,
    .max_content = MAX_CONTENT,
    .wants = wants,
    .file = file,
    .sniff = sniff,
};
