/* elf: the ELF file header, section headers and PT_LOAD segments, every
 * offset checked against the buffer (see elf.h). */
#include <string.h>

#include "elf.h"
#include "strata/common.h"
#include "util/banned.h"

#define PT_LOAD 1
#define PF_X 0x1u
#define PF_W 0x2u
#define SHT_NOBITS 8
#define PN_XNUM 0xffffu
#define SHN_XINDEX 0xffffu

uint64_t st_elf__uint(const st_elf *elf, const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[elf->be ? size - 1 - i : i] << (8 * i);
    return v;
}

/* Does [off, off + n) lie inside the file? */
static bool fits(const st_elf *elf, uint64_t off, uint64_t n)
{
    return off <= elf->len && n <= elf->len - off;
}

/* Does a table of `num` entries of `ent` bytes at `off` fit? */
static bool table_fits(const st_elf *elf, uint64_t off, uint64_t num,
                       uint64_t ent)
{
    return ent && off <= elf->len && num <= (elf->len - off) / ent;
}

bool st_elf__sniff(const void *head, size_t len, uint16_t *type_out)
{
    const uint8_t *h = head;
    if (len < 20 || memcmp(h, "\x7f" "ELF", 4) != 0)
        return false;
    if ((h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
        return false;
    if (type_out)
        *type_out = h[5] == 2 ? (uint16_t)(h[16] << 8 | h[17])
                              : (uint16_t)(h[17] << 8 | h[16]);
    return true;
}

/* The fields of section header i that callers use. */
struct shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
};

static void read_shdr(const st_elf *elf, size_t i, struct shdr *s)
{
    const uint8_t *p = elf->data + elf->shoff + (uint64_t)i * elf->shentsize;
    s->name = (uint32_t)st_elf__uint(elf, p, 4);
    s->type = (uint32_t)st_elf__uint(elf, p + 4, 4);
    if (elf->is64) {
        s->flags = st_elf__uint(elf, p + 8, 8);
        s->addr = st_elf__uint(elf, p + 16, 8);
        s->offset = st_elf__uint(elf, p + 24, 8);
        s->size = st_elf__uint(elf, p + 32, 8);
        s->link = (uint32_t)st_elf__uint(elf, p + 40, 4);
        s->info = (uint32_t)st_elf__uint(elf, p + 44, 4);
    } else {
        s->flags = st_elf__uint(elf, p + 8, 4);
        s->addr = st_elf__uint(elf, p + 12, 4);
        s->offset = st_elf__uint(elf, p + 16, 4);
        s->size = st_elf__uint(elf, p + 20, 4);
        s->link = (uint32_t)st_elf__uint(elf, p + 24, 4);
        s->info = (uint32_t)st_elf__uint(elf, p + 28, 4);
    }
}

int st_elf__open(st_elf *out, const void *data, size_t len)
{
    const uint8_t *h = data;
    uint64_t phnum, shnum, shstrndx;

    memset(out, 0, sizeof(*out));
    if (!st_elf__sniff(data, len, &out->type))
        return ST_EINVALID;
    out->data = h;
    out->len = len;
    out->is64 = h[4] == 2;
    out->be = h[5] == 2;
    if (len < (out->is64 ? 64u : 52u))
        return ST_EINVALID;
    if (out->is64) {
        out->phoff = st_elf__uint(out, h + 32, 8);
        out->shoff = st_elf__uint(out, h + 40, 8);
        out->phentsize = (size_t)st_elf__uint(out, h + 54, 2);
        phnum = st_elf__uint(out, h + 56, 2);
        out->shentsize = (size_t)st_elf__uint(out, h + 58, 2);
        shnum = st_elf__uint(out, h + 60, 2);
        shstrndx = st_elf__uint(out, h + 62, 2);
    } else {
        out->phoff = st_elf__uint(out, h + 28, 4);
        out->shoff = st_elf__uint(out, h + 32, 4);
        out->phentsize = (size_t)st_elf__uint(out, h + 42, 2);
        phnum = st_elf__uint(out, h + 44, 2);
        out->shentsize = (size_t)st_elf__uint(out, h + 46, 2);
        shnum = st_elf__uint(out, h + 48, 2);
        shstrndx = st_elf__uint(out, h + 50, 2);
    }

    /* Section headers. Section 0 holds the real counts when they do not
     * fit in the file header (shnum 0, shstrndx SHN_XINDEX, phnum
     * PN_XNUM: the gABI's extended numbering). */
    if (out->shentsize < (out->is64 ? 64u : 40u) || !out->shoff ||
        !table_fits(out, out->shoff, 1, out->shentsize)) {
        out->shoff = 0;
        out->shnum = 0;
    } else {
        struct shdr s0;
        out->shnum = 1;
        read_shdr(out, 0, &s0);
        if (!shnum)
            shnum = s0.size;
        if (shstrndx == SHN_XINDEX)
            shstrndx = s0.link;
        if (phnum == PN_XNUM)
            phnum = s0.info;
        if (!table_fits(out, out->shoff, shnum, out->shentsize)) {
            out->shoff = 0;
            out->shnum = 0;
        } else {
            out->shnum = (size_t)shnum;
            out->shstrndx = shstrndx < shnum ? (size_t)shstrndx : 0;
        }
    }

    /* Program headers. */
    if (out->phentsize < (out->is64 ? 56u : 32u) || !phnum ||
        !table_fits(out, out->phoff, phnum, out->phentsize)) {
        out->phoff = 0;
        out->phnum = 0;
    } else {
        out->phnum = (size_t)phnum;
    }
    return 0;
}

int st_elf__section(const st_elf *elf, const char *name, st_elf_section *out)
{
    struct shdr strtab, s;
    size_t nlen = strlen(name);

    memset(out, 0, sizeof(*out));
    if (!elf->shnum || !elf->shstrndx)
        return ST_ENOTFOUND;
    read_shdr(elf, elf->shstrndx, &strtab);
    if (strtab.type == SHT_NOBITS || !fits(elf, strtab.offset, strtab.size))
        return ST_ENOTFOUND;
    for (size_t i = 1; i < elf->shnum; i++) {
        read_shdr(elf, i, &s);
        /* the name, NUL-terminated inside the string table */
        if (s.name >= strtab.size || strtab.size - s.name < nlen + 1)
            continue;
        if (memcmp(elf->data + strtab.offset + s.name, name, nlen + 1) != 0)
            continue;
        out->addr = s.addr;
        out->type = s.type;
        out->flags = s.flags;
        if (s.type == SHT_NOBITS)
            return 0;
        if (!fits(elf, s.offset, s.size) || s.size > SIZE_MAX)
            return ST_ENOTFOUND;
        out->data = elf->data + s.offset;
        out->size = (size_t)s.size;
        return 0;
    }
    return ST_ENOTFOUND;
}

/* The fields of program header i that callers use. */
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz;
};

static void read_phdr(const st_elf *elf, size_t i, struct phdr *p)
{
    const uint8_t *b = elf->data + elf->phoff + (uint64_t)i * elf->phentsize;
    p->type = (uint32_t)st_elf__uint(elf, b, 4);
    if (elf->is64) {
        p->flags = (uint32_t)st_elf__uint(elf, b + 4, 4);
        p->offset = st_elf__uint(elf, b + 8, 8);
        p->vaddr = st_elf__uint(elf, b + 16, 8);
        p->filesz = st_elf__uint(elf, b + 32, 8);
    } else {
        p->offset = st_elf__uint(elf, b + 4, 4);
        p->vaddr = st_elf__uint(elf, b + 8, 4);
        p->filesz = st_elf__uint(elf, b + 16, 4);
        p->flags = (uint32_t)st_elf__uint(elf, b + 24, 4);
    }
}

const uint8_t *st_elf__at(const st_elf *elf, uint64_t addr, uint64_t want,
                          size_t *got)
{
    struct phdr p;
    *got = 0;
    for (size_t i = 0; i < elf->phnum; i++) {
        uint64_t delta, off, n;
        read_phdr(elf, i, &p);
        if (p.type != PT_LOAD || addr < p.vaddr ||
            addr - p.vaddr >= p.filesz)
            continue;
        delta = addr - p.vaddr;
        if (p.offset > elf->len || delta > elf->len - p.offset)
            continue; /* the segment's file image lies past the end */
        off = p.offset + delta;
        n = p.filesz - delta;
        if (n > elf->len - off)
            n = elf->len - off;
        if (n > want)
            n = want;
        *got = (size_t)n;
        return elf->data + off;
    }
    return NULL;
}

bool st_elf__data_start(const st_elf *elf, uint64_t *addr_out)
{
    struct phdr p;
    for (size_t i = 0; i < elf->phnum; i++) {
        read_phdr(elf, i, &p);
        if (p.type == PT_LOAD && (p.flags & (PF_X | PF_W)) == PF_W) {
            *addr_out = p.vaddr;
            return true;
        }
    }
    return false;
}
