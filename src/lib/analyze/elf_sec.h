/* The exploit mitigations an ELF file was linked with, read the way
 * checksec and `readelf` read them: from the program headers (PT_INTERP,
 * PT_DYNAMIC, PT_GNU_STACK, PT_GNU_RELRO), the dynamic section (DT_FLAGS,
 * DT_FLAGS_1, DT_BIND_NOW) and the dynamic symbol table (.dynsym with its
 * .dynstr). Built on elf.h: every offset is checked against the buffer,
 * nothing is allocated, hostile input gives "unknown", never a bad read.
 */
#ifndef ST_ANALYZE_ELF_SEC_H
#define ST_ANALYZE_ELF_SEC_H

#include <stdbool.h>

#include "elf.h"

typedef struct st_elf_prot {
    bool interp;     /* PT_INTERP: a dynamically linked program */
    bool dynamic;    /* PT_DYNAMIC inside the file */
    bool pie_flag;   /* DF_1_PIE in DT_FLAGS_1 */
    bool bind_now;   /* DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW */
    bool gnu_relro;  /* PT_GNU_RELRO present */
    bool gnu_stack;  /* PT_GNU_STACK present … */
    bool stack_exec; /* … with PF_X */
    /* A stack protector symbol (__stack_chk_fail, __intel_security_cookie)
     * in .dynsym: 1 yes, 0 no, -1 unknown (no .dynsym/.dynstr). */
    int canary;
} st_elf_prot;

/* Reads the mitigations of an opened ELF file. Never fails: what cannot
 * be read is left false (canary -1). */
void st_elf__protections(st_elf_prot *out, const st_elf *elf);

#endif
