/* gobinary: not implemented yet (stub registered so the table is complete). */
#include "analyzer.h"

const st_analyzer_ops st_analyzer_gobinary = {
    .name = "gobinary",
    .version = 0,
};
