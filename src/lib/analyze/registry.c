/* The analyzer table, expanded from analyzers.def. */
#include "analyzer.h"

#define ST_ANALYZER(n) &st_analyzer_##n,
const st_analyzer_ops *const st_analyzers[] = {
#include "analyzers.def"
};
#undef ST_ANALYZER

const size_t st_analyzer_count = sizeof(st_analyzers) / sizeof(st_analyzers[0]);
