/* A bounds-checked ELF reader over a file held in memory.
 *
 * Reads 32- and 64-bit ELF files of either byte order: the file header,
 * the section headers (named through .shstrtab) and the program headers
 * (PT_LOAD segments, to turn a virtual address into file bytes). Every
 * offset, size and count comes from the input and is checked against the
 * buffer before use; a header that points outside the file is
 * ST_EINVALID, never an out-of-bounds read. Nothing is allocated.
 */
#ifndef ST_ANALYZE_ELF_H
#define ST_ANALYZE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_ELF_ET_EXEC 2
#define ST_ELF_ET_DYN 3

typedef struct st_elf {
    const uint8_t *data;
    size_t len;
    bool is64;
    bool be;           /* big endian */
    uint16_t type;     /* e_type: ST_ELF_ET_EXEC, ST_ELF_ET_DYN, … */
    uint64_t phoff;    /* program headers: 0 / 0 when none or unusable */
    size_t phnum;
    size_t phentsize;
    uint64_t shoff;    /* section headers: 0 / 0 when none or unusable */
    size_t shnum;
    size_t shentsize;
    size_t shstrndx;   /* 0: no section names */
} st_elf;

/* One section. `data` points into the file (NULL for SHT_NOBITS, whose
 * bytes are not in the file); `size` is then 0. */
typedef struct st_elf_section {
    const uint8_t *data;
    size_t size;
    uint64_t addr;
    uint32_t type;
    uint64_t flags;
} st_elf_section;

/* True when head starts with the ELF magic and a known class and byte
 * order (needs only the first 20 bytes). *type_out, when not NULL,
 * receives e_type. */
bool st_elf__sniff(const void *head, size_t len, uint16_t *type_out);

/* Reads the file header of data[0..len). Section or program headers that
 * do not fit in the file are left out (shnum/phnum 0) rather than failing
 * the whole file, as a stripped or truncated binary may still hold what
 * the caller wants. ST_EINVALID: not an ELF file. */
int st_elf__open(st_elf *out, const void *data, size_t len);

/* Finds the first section called `name`. 0, or ST_ENOTFOUND (also when
 * the section points outside the file). */
int st_elf__section(const st_elf *elf, const char *name, st_elf_section *out);

/* The file bytes at virtual address `addr`, from the PT_LOAD segment
 * that maps it: at most `want` bytes, *got says how many (fewer where
 * the segment's file image ends). NULL when no segment maps addr. */
const uint8_t *st_elf__at(const st_elf *elf, uint64_t addr, uint64_t want,
                          size_t *got);

/* The start of the first writable, non-executable PT_LOAD segment (Go's
 * debug/buildinfo "DataStart" when there is no .go.buildinfo section).
 * False when there is none. */
bool st_elf__data_start(const st_elf *elf, uint64_t *addr_out);

/* Reads an unsigned integer of `size` bytes (1, 2, 4 or 8) at p in the
 * file's byte order. The caller has checked that the bytes exist. */
uint64_t st_elf__uint(const st_elf *elf, const uint8_t *p, unsigned size);

#endif
