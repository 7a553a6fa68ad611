/* elf_sec: the mitigations an ELF file was linked with (see elf_sec.h). */
#include <string.h>

#include "elf_sec.h"
#include "util/banned.h"

#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u
#define PF_X         0x1u

#define DT_NULL     0
#define DT_BIND_NOW 24
#define DT_FLAGS    30
#define DT_FLAGS_1  0x6ffffffbu
#define DF_BIND_NOW 0x8u
#define DF_1_NOW    0x1u
#define DF_1_PIE    0x08000000u

/* A program header's fields this file uses; the table was checked to
 * fit in the file by st_elf__open. */
struct phdr {
    uint32_t type, flags;
    uint64_t offset, filesz;
};

static void read_phdr(const st_elf *elf, size_t i, struct phdr *p)
{
    const uint8_t *b = elf->data + elf->phoff + (uint64_t)i * elf->phentsize;
    p->type = (uint32_t)st_elf__uint(elf, b, 4);
    if (elf->is64) {
        p->flags = (uint32_t)st_elf__uint(elf, b + 4, 4);
        p->offset = st_elf__uint(elf, b + 8, 8);
        p->filesz = st_elf__uint(elf, b + 32, 8);
    } else {
        p->offset = st_elf__uint(elf, b + 4, 4);
        p->filesz = st_elf__uint(elf, b + 16, 4);
        p->flags = (uint32_t)st_elf__uint(elf, b + 24, 4);
    }
}

/* The dynamic section's flags, from the segment's bytes in the file (a
 * segment cut short by the end of the file is read as far as it goes). */
static void
read_dynamic(st_elf_prot *out, const st_elf *elf, const struct phdr *p)
{
    size_t ent = elf->is64 ? 16 : 8, word = ent / 2, n;

    if (p->offset >= elf->len)
        return;
    out->dynamic = true;
    n = elf->len - (size_t)p->offset;
    if (p->filesz < n)
        n = (size_t)p->filesz;
    for (size_t off = 0; n - off >= ent; off += ent) {
        const uint8_t *d = elf->data + p->offset + off;
        uint64_t tag = st_elf__uint(elf, d, (unsigned)word);
        uint64_t val = st_elf__uint(elf, d + word, (unsigned)word);
        if (tag == DT_NULL)
            break;
        if (tag == DT_BIND_NOW)
            out->bind_now = true;
        else if (tag == DT_FLAGS && (val & DF_BIND_NOW))
            out->bind_now = true;
        else if (tag == DT_FLAGS_1) {
            if (val & DF_1_NOW)
                out->bind_now = true;
            if (val & DF_1_PIE)
                out->pie_flag = true;
        }
    }
}

/* Is a stack protector symbol named in .dynsym? 1, 0, or -1 when the
 * table or its strings are not in the file. */
static int read_canary(const st_elf *elf)
{
    static const char *const names[] = {"__stack_chk_fail",
                                        "__intel_security_cookie"};
    st_elf_section sym, str;
    size_t ent = elf->is64 ? 24 : 16;

    if (st_elf__section(elf, ".dynsym", &sym) < 0 || !sym.data ||
        st_elf__section(elf, ".dynstr", &str) < 0 || !str.data)
        return -1;
    for (size_t off = 0; sym.size - off >= ent; off += ent) {
        uint64_t name = st_elf__uint(elf, sym.data + off, 4);
        const char *s;
        size_t room;
        if (name >= str.size)
            continue;
        s = (const char *)str.data + name;
        room = str.size - (size_t)name;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            size_t k = strlen(names[i]);
            if (room > k && !memcmp(s, names[i], k + 1))
                return 1;
        }
    }
    return 0;
}

void st_elf__protections(st_elf_prot *out, const st_elf *elf)
{
    bool seen_dynamic = false;
    struct phdr p;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < elf->phnum; i++) {
        read_phdr(elf, i, &p);
        switch (p.type) {
        case PT_INTERP:
            out->interp = true;
            break;
        case PT_DYNAMIC:
            if (!seen_dynamic)
                read_dynamic(out, elf, &p);
            seen_dynamic = true;
            break;
        case PT_GNU_STACK:
            out->gnu_stack = true;
            out->stack_exec = (p.flags & PF_X) != 0;
            break;
        case PT_GNU_RELRO:
            out->gnu_relro = true;
            break;
        default:
            break;
        }
    }
    out->canary = read_canary(elf);
}
