/* python: not implemented yet (stub registered so the table is complete). */
#include "analyzer.h"

const st_analyzer_ops st_analyzer_python = {
    .name = "python",
    .version = 0,
};
