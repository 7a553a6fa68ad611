/* Secrets by the name of the variable that holds them: shared by the
 * Dockerfile checks (ENV, ARG), compose (environment) and the image config
 * analyzer (Env), so the three agree on what a secret-looking variable is.
 * Inside the config module and analyze/imageconfig.c; not installed. */
#ifndef ST_CONFIG_ENVSECRET_H
#define ST_CONFIG_ENVSECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Whether a variable's name says it holds a secret (DB_PASSWORD,
 * GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, api_key, NPM_AUTH) — but not a
 * reference to one or a setting about one (PASSWORD_FILE, TOKEN_URL,
 * SECRET_NAME, PASSWORD_MIN_LENGTH, TOKEN_TTL). */
bool st_cfg__secret_name(const char *name, size_t len);

/* Whether a value is a literal worth calling a secret: not empty, not a
 * reference ($X, ${X}, {{ x }}, %(x)s, <x>, a path under /run/secrets or
 * another absolute path), not a boolean or a number of a few digits. */
bool st_cfg__secret_literal(const char *value);

#endif
