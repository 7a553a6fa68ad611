# eBPF capture for `strata monitor`. Included from the top-level
# CMakeLists.txt after strata_obj exists. When libbpf (with libelf and
# zlib), bpftool, clang and the kernel's BTF are all present, this:
#   - dumps the running kernel's BTF to <build>/gen/bpf/vmlinux.h (at build
#     time; CO-RE relocations make the object portable to other kernels),
#   - compiles src/lib/monitor/bpf/*.bpf.c with clang -target bpf,
#   - links each object with `bpftool gen object` (drops the DWARF, keeps
#     BTF) and generates <name>.skel.h with `bpftool gen skeleton`,
#   - makes strata_obj depend on the skeletons, and appends ST_WITH_BPF=1
#     to ST_DEFS and libbpf, libelf, zlib to ST_DEPS.
# Otherwise it says what is missing and strata builds without eBPF (the
# monitor then uses its netlink/fanotify fallback).

option(STRATA_BPF "Build the eBPF event capture when its tools are present" ON)
set(ST_BPF_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH
    "kernel BTF that vmlinux.h for the eBPF programs is generated from")

set(ST_BPF_MISSING)
if(NOT STRATA_BPF)
  list(APPEND ST_BPF_MISSING "STRATA_BPF=OFF")
endif()
pkg_check_modules(LIBBPF IMPORTED_TARGET libbpf>=0.8)
pkg_check_modules(LIBELF IMPORTED_TARGET libelf)
if(NOT LIBBPF_FOUND)
  list(APPEND ST_BPF_MISSING "libbpf (pkg-config libbpf >= 0.8; Debian: libbpf-dev)")
endif()
if(NOT LIBELF_FOUND)
  list(APPEND ST_BPF_MISSING "libelf (Debian: libelf-dev)")
endif()
if(NOT ZLIB_FOUND)
  list(APPEND ST_BPF_MISSING "zlib")
endif()
find_program(ST_BPFTOOL bpftool PATHS /usr/sbin /sbin /usr/local/sbin)
if(NOT ST_BPFTOOL)
  list(APPEND ST_BPF_MISSING "bpftool (Debian: bpftool)")
endif()
find_program(ST_BPF_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
if(NOT ST_BPF_CLANG)
  list(APPEND ST_BPF_MISSING "clang")
endif()
if(NOT EXISTS ${ST_BPF_BTF})
  list(APPEND ST_BPF_MISSING "kernel BTF (${ST_BPF_BTF})")
endif()
# The programs decode x86-64 syscall numbers and registers.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(ST_BPF_ARCH x86)
else()
  list(APPEND ST_BPF_MISSING "an x86-64 target (this is ${CMAKE_SYSTEM_PROCESSOR})")
endif()

if(ST_BPF_MISSING)
  string(REPLACE ";" ", " _st_bpf_why "${ST_BPF_MISSING}")
  message(STATUS "eBPF capture: off (missing: ${_st_bpf_why}); "
                 "strata monitor will use the netlink/fanotify fallback")
  return()
endif()

set(ST_BPF_GEN ${PROJECT_BINARY_DIR}/gen/bpf)
set(ST_BPF_SRC_DIR ${PROJECT_SOURCE_DIR}/src/lib/monitor/bpf)
file(GLOB ST_BPF_SOURCES CONFIGURE_DEPENDS ${ST_BPF_SRC_DIR}/*.bpf.c)
file(GLOB ST_BPF_HEADERS CONFIGURE_DEPENDS ${ST_BPF_SRC_DIR}/*.h)

add_custom_command(OUTPUT ${ST_BPF_GEN}/vmlinux.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ST_BPF_GEN}
  COMMAND sh -c "\"$0\" btf dump file \"$1\" format c > \"$2.tmp\" && mv \"$2.tmp\" \"$2\""
          ${ST_BPFTOOL} ${ST_BPF_BTF} ${ST_BPF_GEN}/vmlinux.h
  COMMENT "Generating vmlinux.h from ${ST_BPF_BTF}"
  VERBATIM)

# libbpf's own headers (bpf/bpf_helpers.h...) for the BPF side.
set(ST_BPF_INCLUDES -I${ST_BPF_GEN} -I${ST_BPF_SRC_DIR})
foreach(dir ${LIBBPF_INCLUDE_DIRS})
  list(APPEND ST_BPF_INCLUDES -I${dir})
endforeach()

set(ST_BPF_SKELETONS)
foreach(src ${ST_BPF_SOURCES})
  get_filename_component(name ${src} NAME)
  string(REGEX REPLACE "\\.bpf\\.c$" "" name ${name})
  set(obj ${ST_BPF_GEN}/${name}.bpf.o)
  set(lnk ${ST_BPF_GEN}/${name}.lnk.o)
  set(skel ${ST_BPF_GEN}/${name}.skel.h)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${ST_BPF_CLANG} -target bpf -g -O2 -mcpu=v3
            -D__TARGET_ARCH_${ST_BPF_ARCH} -Wall -Wno-unused-function
            ${ST_BPF_INCLUDES} -c ${src} -o ${obj}
    DEPENDS ${src} ${ST_BPF_HEADERS} ${ST_BPF_GEN}/vmlinux.h
    COMMENT "Compiling eBPF program ${name}.bpf.c"
    VERBATIM)
  add_custom_command(OUTPUT ${skel}
    COMMAND ${ST_BPFTOOL} gen object ${lnk} ${obj}
    COMMAND sh -c "\"$0\" gen skeleton \"$1\" name \"$2\" > \"$3.tmp\" && mv \"$3.tmp\" \"$3\""
            ${ST_BPFTOOL} ${lnk} ${name}_bpf ${skel}
    DEPENDS ${obj}
    COMMENT "Generating eBPF skeleton ${name}.skel.h"
    VERBATIM)
  list(APPEND ST_BPF_SKELETONS ${skel})
endforeach()

add_custom_target(strata_bpf_skeletons DEPENDS ${ST_BPF_SKELETONS})
add_dependencies(strata_obj strata_bpf_skeletons)
target_include_directories(strata_obj PRIVATE ${ST_BPF_GEN})
list(APPEND ST_DEFS ST_WITH_BPF=1)
list(APPEND ST_DEPS PkgConfig::LIBBPF PkgConfig::LIBELF PkgConfig::ZLIB)
message(STATUS "eBPF capture: on (${ST_BPF_CLANG}, ${ST_BPFTOOL}, libbpf ${LIBBPF_VERSION})")
