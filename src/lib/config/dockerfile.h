/* Dockerfiles: the parser (dockerfile_parse.c), the shell-command splitter
 * the checks read RUN with (dockerfile_sh.c), and the secret-name test the
 * image config analyzer shares. Inside the config module; not installed.
 *
 * The parser follows BuildKit's reading of a Dockerfile: parser directives
 * (# escape=, # syntax=) at the top, lines continued by the escape
 * character (comment and blank lines inside a continuation are dropped, the
 * pieces are joined without a separator), heredocs on RUN, COPY and ADD
 * (<<EOF, <<-EOF, quoted delimiters, several per line), exec (JSON) and
 * shell forms, --flags, and the builder's own substitution of ARG and ENV
 * values ($VAR, ${VAR}, ${VAR:-word}, ${VAR:+word}, ${VAR-word},
 * ${VAR+word}) with its scoping: ARGs before the first FROM are global and
 * seen by FROM lines only; inside a stage a variable is seen from the line
 * that declares it; a stage built FROM an earlier one inherits its ENV.
 * Everything it returns lives in the caller's arena.
 */
#ifndef ST_CONFIG_DOCKERFILE_H
#define ST_CONFIG_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

/* Bounds on hostile input. Past the first three the file is refused
 * (ST_ELIMIT); the others cut and leave a diagnostic. */
#define ST_DF_MAX_BYTES    (4u << 20) /* the file */
#define ST_DF_MAX_LINE     (1u << 20) /* one instruction, continuations joined */
#define ST_DF_MAX_INSNS    10000u     /* instructions */
#define ST_DF_MAX_HEREDOC  (1u << 20)  /* one heredoc's body */
#define ST_DF_MAX_HEREDOCS 16u         /* heredocs of one instruction */
#define ST_DF_MAX_WORDS    4096u       /* words of one instruction */
#define ST_DF_MAX_EXPAND   (64u << 10) /* one word after substitution */
#define ST_DF_MAX_DEPTH    8           /* ${a:-${b:-${c}}} nesting */
#define ST_DF_MAX_VARS     256u        /* variables of one stage */
#define ST_DF_MAX_DIAGS    100u

typedef enum st_df_cmd {
    ST_DF_UNKNOWN = 0,
    ST_DF_ADD,
    ST_DF_ARG,
    ST_DF_CMD,
    ST_DF_COPY,
    ST_DF_ENTRYPOINT,
    ST_DF_ENV,
    ST_DF_EXPOSE,
    ST_DF_FROM,
    ST_DF_HEALTHCHECK,
    ST_DF_LABEL,
    ST_DF_MAINTAINER,
    ST_DF_ONBUILD,
    ST_DF_RUN,
    ST_DF_SHELL,
    ST_DF_STOPSIGNAL,
    ST_DF_USER,
    ST_DF_VOLUME,
    ST_DF_WORKDIR
} st_df_cmd;

/* --name=value (value after substitution), or --name (value NULL). */
typedef struct st_df_flag {
    const char *name;
    const char *value;
} st_df_flag;

typedef struct st_df_heredoc {
    const char *name; /* the delimiter, unquoted: "EOF" */
    const char *body; /* the lines between, each with its "\n" */
    size_t len;
    unsigned line; /* of the first line of the body */
    bool chomp;    /* <<-: leading tabs stripped */
    bool quoted;   /* <<"EOF": the body is not expanded */
} st_df_heredoc;

/* A KEY=value of ARG, ENV or LABEL, after substitution. value is NULL for
 * an ARG without a default. raw is the value as written. */
typedef struct st_df_pair {
    const char *key;
    const char *value;
    const char *raw;
    bool unresolved; /* the value uses a variable of unknown value */
} st_df_pair;

typedef struct st_df_insn {
    st_df_cmd cmd;
    const char *keyword;   /* as written ("run") */
    unsigned line, column; /* of the keyword, 1-based */
    unsigned end_line;     /* the last line, heredocs included */
    const char *text;      /* the arguments after the flags, with
                              continuations joined */
    size_t nflags;
    const st_df_flag *flags;
    bool json; /* exec form: args are the array's strings */
    size_t nargs;
    const char *const *args; /* exec form: the strings; else the words,
                                after substitution and quote removal for
                                the instructions the builder expands
                                (ADD COPY EXPOSE FROM STOPSIGNAL USER
                                VOLUME WORKDIR), as written otherwise;
                                USER and WORKDIR have one */
    bool unresolved;         /* args use a variable of unknown value */
    size_t npairs;           /* ARG ENV LABEL */
    const st_df_pair *pairs;
    size_t nheredocs;
    const st_df_heredoc *heredocs;
    const struct st_df_insn *sub; /* ONBUILD: the instruction it adds */
    int stage; /* index in stages; -1 before the first FROM */
} st_df_insn;

typedef struct st_df_stage {
    const char *name;     /* FROM … AS name, lower-cased; NULL if none */
    const char *image;    /* after substitution with the global ARGs */
    bool unresolved;      /* the image uses an ARG of unknown value */
    const char *platform; /* --platform, or NULL */
    int base;             /* the earlier stage it is built FROM, or -1 */
    size_t insn;          /* index of its FROM in insns */
    size_t ninsns;        /* its instructions, FROM included */
} st_df_stage;

typedef struct st_df_diag {
    unsigned line;
    const char *msg;
} st_df_diag;

typedef struct st_dockerfile {
    char escape;        /* '\\' or '`' */
    const char *syntax; /* # syntax=, or NULL */
    size_t ninsns;
    const st_df_insn *insns;
    size_t nstages;
    const st_df_stage *stages;
    size_t ndiags; /* problems that did not stop the parse */
    const st_df_diag *diags;
} st_dockerfile;

/* Parses data[0..len) (need not be NUL-terminated) into *out, allocated
 * from `a`. 0; ST_ELIMIT (larger than ST_DF_MAX_BYTES, a line longer
 * than ST_DF_MAX_LINE, more than ST_DF_MAX_INSNS instructions) or
 * ST_EINVALID (a NUL byte: not a text file) with the line in *err;
 * ST_ENOMEM. Anything else a builder would refuse (an unknown
 * instruction, an unterminated heredoc, a bad directive) is a diag. */
int st_df_parse(st_dockerfile **out,
                st_arena *a,
                const char *data,
                size_t len,
                st_error **err);

/* The instruction for a keyword (any case), ST_DF_UNKNOWN if none. */
st_df_cmd st_df_cmd_of(const char *word, size_t len);
/* The flag's value (NULL when absent; "" for --name without a value). */
const char *st_df_flagval(const st_df_insn *in, const char *name);

/* ---- shell commands ---------------------------------------------------
 * A shell command line (RUN's text, a heredoc script, sh -c's argument)
 * split the way sh reads it, far enough for the checks: simple commands
 * with their words (quotes removed, $VAR and $(…) kept as written),
 * separated by ;, &, &&, ||, | and newlines, with redirections taken out
 * and ( ) { } and the reserved words of compound commands skipped. */
typedef enum st_sh_sep {
    ST_SH_END = 0, /* end of text, ;, &, newline */
    ST_SH_AND,     /* && */
    ST_SH_OR,      /* || */
    ST_SH_PIPE     /* | */
} st_sh_sep;

typedef struct st_sh_cmd {
    size_t argc;
    const char *const *argv;
    st_sh_sep sep; /* what follows */
    unsigned line; /* 0-based line of its first word in the text */
} st_sh_cmd;

#define ST_SH_MAX_CMDS  4096u
#define ST_SH_MAX_DEPTH 4 /* sh -c "sh -c '…'" */

/* Splits text[0..len) into *cmds (*n of them, at most ST_SH_MAX_CMDS;
 * the rest is dropped). Never fails but for ST_ENOMEM. */
int st_sh_split(
    st_sh_cmd **cmds, size_t *n, st_arena *a, const char *text, size_t len);

#endif
