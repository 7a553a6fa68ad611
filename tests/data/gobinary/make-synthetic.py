#!/usr/bin/env python3
"""Writes the synthetic Go executables of this directory (see README.md).

Each is a minimal ELF file laid out as the Go linker lays out the parts the
build info reader needs: a Go build ID note early in the text segment, a
writable data segment starting with the 16-aligned "\\xff Go buildinf:"
header, and (unless asked not to) section headers naming .go.buildinfo.
The build info follows Go's formats: before Go 1.18 the header holds two
pointers to Go string headers {data, len} (cmd/link before 1.18); since
1.18 flag 0x2 and the two strings inline, each prefixed by a uvarint
length. The module info text sits between modload's 16-byte sentinels.
Run from this directory: python3 make-synthetic.py
"""
import struct

INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")
MAGIC = b"\xff Go buildinf:"
TEXT_VADDR = 0x10000
DATA_VADDR = 0x80000


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def elf(path, *, is64, be, version, modinfo, inline, sections=True,
        machine=62, bad_pointers=False):
    e = ">" if be else "<"
    ptr = 8 if is64 else 4
    P = "Q" if is64 else "I"
    mod = INFO_START + modinfo.encode() + INFO_END
    ehsize, phentsize, shentsize = (64, 56, 64) if is64 else (52, 32, 40)
    phoff = ehsize
    # text: headers, a Go build ID note, padding
    note_off = 0x100
    bid = b"synthetic/build/id/for/strata-tests"
    note = struct.pack(e + "III", 4, len(bid), 4) + b"Go\0\0" + bid
    text = bytearray(0x600)
    text[note_off:note_off + len(note)] = note
    data_off = len(text)
    # data: the header, then (pointer format) string headers and bytes
    hdr = bytearray(MAGIC + bytes([ptr, (2 if inline else 0) | (1 if be and not inline else 0)]))
    hdr += b"\0" * (32 - len(hdr))
    data = bytearray()
    if inline:
        data = hdr + uvarint(len(version)) + version.encode() + uvarint(len(mod)) + mod
    else:
        body = bytearray()
        base = DATA_VADDR + 32
        vers_hdr = base
        mod_hdr = base + 2 * ptr
        strings = base + 4 * ptr
        vdata, mdata = strings, strings + len(version)
        if bad_pointers:
            vers_hdr, mdata = 0xdead0000, 0xfffffff0
        struct.pack_into(e + P + P, hdr, 16, vers_hdr, mod_hdr)
        body += struct.pack(e + P + P, vdata, len(version))
        body += struct.pack(e + P + P, mdata, len(mod))
        body += version.encode() + mod
        data = hdr + body
    data += b"\0" * (-len(data) % 16)
    shstr = b"\0.go.buildinfo\0.text\0.shstrtab\0"
    shstr_off = data_off + len(data)
    shoff = shstr_off + len(shstr)
    shoff += -shoff % 8
    shnum = 4 if sections else 0
    out = bytearray(shoff + shnum * shentsize)
    out[data_off:data_off + len(data)] = data
    out[shstr_off:shstr_off + len(shstr)] = shstr
    out[:len(text)] = text
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 2 if be else 1, 1, 0]) + b"\0" * 8
    if is64:
        h = struct.pack(e + "HHIQQQIHHHHHH", 2, machine, 1, TEXT_VADDR + 0x200,
                        phoff, shoff if sections else 0, 0, ehsize, phentsize,
                        3, shentsize, shnum, 3 if sections else 0)
        phs = [struct.pack(e + "IIQQQQQQ", 1, 5, 0, TEXT_VADDR, TEXT_VADDR, len(text), len(text), 0x1000),
               struct.pack(e + "IIQQQQQQ", 1, 6, data_off, DATA_VADDR, DATA_VADDR, len(data), len(data), 0x1000),
               struct.pack(e + "IIQQQQQQ", 4, 4, note_off, TEXT_VADDR + note_off, TEXT_VADDR + note_off, len(note), len(note), 4)]
    else:
        h = struct.pack(e + "HHIIIIIHHHHHH", 2, machine, 1, TEXT_VADDR + 0x200,
                        phoff, shoff if sections else 0, 0, ehsize, phentsize,
                        3, shentsize, shnum, 3 if sections else 0)
        phs = [struct.pack(e + "IIIIIIII", 1, 0, TEXT_VADDR, TEXT_VADDR, len(text), len(text), 5, 0x1000),
               struct.pack(e + "IIIIIIII", 1, data_off, DATA_VADDR, DATA_VADDR, len(data), len(data), 6, 0x1000),
               struct.pack(e + "IIIIIIII", 4, note_off, TEXT_VADDR + note_off, TEXT_VADDR + note_off, len(note), len(note), 4, 4)]
    out[0:16] = ident
    out[16:16 + len(h)] = h
    o = phoff
    for p in phs:
        out[o:o + len(p)] = p
        o += len(p)
    if sections:
        def sh(name, typ, flags, addr, off, size):
            if is64:
                return struct.pack(e + "IIQQQQIIQQ", name, typ, flags, addr, off, size, 0, 0, 16, 0)
            return struct.pack(e + "IIIIIIIIII", name, typ, flags, addr, off, size, 0, 0, 16, 0)
        shs = [b"\0" * shentsize,
               sh(1, 1, 3, DATA_VADDR, data_off, 32),
               sh(15, 1, 6, TEXT_VADDR, 0, len(text)),
               sh(21, 3, 0, 0, shstr_off, len(shstr))]
        o = shoff
        for s in shs:
            out[o:o + len(s)] = s
            o += len(s)
    with open(path, "wb") as f:
        f.write(out)


OLD_MODINFO = (
    "path\texample.com/old/cmd/tool\n"
    "mod\texample.com/old\tv1.0.0\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    "dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=\n"
    "dep\tgolang.org/x/text\tv0.3.0\n"
    "=>\tgolang.org/x/text\tv0.3.8\th1:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ=\n"
    "dep\texample.com/local\tv0.1.0\n"
    "=>\t../local\t\t\n"
)
elf("go116-le64.elf", is64=True, be=False, version="go1.16.15",
    modinfo=OLD_MODINFO, inline=False)
elf("go117-be32.elf", is64=False, be=True, machine=20, version="go1.17.13",
    modinfo="path\texample.com/be/cmd\nmod\texample.com/be\t(devel)\t\n"
            "dep\tgolang.org/x/sys\tv0.1.0\th1:x=\n",
    inline=False)
elf("go120-noshdr.elf", is64=True, be=False, version="go1.20",
    modinfo="path\texample.com/new\nmod\texample.com/new\tv2.3.4\th1:x=\n"
            "dep\tgithub.com/google/uuid\tv1.3.0\th1:y=\n"
            "build\t-compiler=gc\nbuild\tGOOS=linux\n",
    inline=True, sections=False)
elf("go-devel-le32.elf", is64=False, be=False, machine=3,
    version="devel go1.22-1234abcd Tue Jan 2 15:04:05 2024 +0000",
    modinfo="path\tcmd/tool\nmod\tcmd/tool\t(devel)\t\n"
            "dep\texample.com/dev\tv0.0.0-20240102150405-1234567890ab\t\n",
    inline=True)
elf("go-badptr.elf", is64=True, be=False, version="go1.16.15",
    modinfo=OLD_MODINFO, inline=False, bad_pointers=True)
