/* php: not implemented yet (stub registered so the table is complete). */
#include "analyzer.h"

const st_analyzer_ops st_analyzer_php = {
    .name = "php",
    .version = 0,
};
