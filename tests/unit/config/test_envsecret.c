/* Secrets by variable name (config/envsecret.h), shared by the Dockerfile,
 * compose and image config checks: names that hold a secret, names that
 * only talk about one, and values that are references rather than data.
 * The names are the ones official images and common tools use
 * (postgres, mysql, mongo, redis, npm, GitHub, AWS, Rails, Hugging Face). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/envsecret.h"

static void test_config__envsecret_names(void **state)
{
    static const struct {
        const char *name;
        bool secret;
    } cases[] = {
        {"POSTGRES_PASSWORD", true},
        {"MYSQL_ROOT_PASSWORD", true},
        {"MONGO_INITDB_ROOT_PASSWORD", true},
        {"REDIS_PASS", true},
        {"DB_PWD", true},
        {"dbPassword", true},
        {"db-password", true},
        {"ROOTPASSWORD", true},
        {"GITHUB_TOKEN", true},
        {"NODE_AUTH_TOKEN", true},
        {"NPM_TOKEN", true},
        {"HF_TOKEN", true},
        {"AWS_SECRET_ACCESS_KEY", true},
        {"SECRET_KEY_BASE", true},
        {"DJANGO_SECRET_KEY", true},
        {"API_KEY", true},
        {"apiKey", true},
        {"STRIPE_APIKEY", true},
        {"PRIVATE_KEY", true},
        {"SSH_PRIVATE_KEY", true},
        {"CLIENT_SECRET", true},
        {"GOOGLE_APPLICATION_CREDENTIALS_JSON", true},
        {"REGISTRY_CREDENTIALS", true},
        {"ENCRYPTION_KEY", true},
        {"LICENSE_KEY", true},
        /* about a secret, not one */
        {"POSTGRES_PASSWORD_FILE", false},
        {"PASSWORD_MIN_LENGTH", false},
        {"TOKEN_URL", false},
        {"OAUTH_TOKEN_ENDPOINT", false},
        {"SECRET_NAME", false},
        {"JWT_SECRET_PATH", false},
        {"TOKEN_TTL", false},
        {"AWS_ACCESS_KEY_ID", false},
        {"GPG_KEY", false},
        {"TOKENIZERS_PARALLELISM", false},
        {"POSTGRES_HOST_AUTH_METHOD", false},
        {"PWD", false},
        {"OLDPWD", false},
        {"BYPASS_CACHE", false},
        {"PATH", false},
        {"HOME", false},
        {"", false},
        {"_", false},
        {"A_VERY_LONG_NAME_THAT_KEEPS_GOING_AND_GOING_WITHOUT_ANY_SECRET_"
         "WORD_IN_IT_AT_ALL_REALLY",
         false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (st_cfg__secret_name(cases[i].name, strlen(cases[i].name)) !=
            cases[i].secret) {
            fprintf(stderr, "%s: want %d\n", cases[i].name, cases[i].secret);
            fail();
        }
}

static void test_config__envsecret_values(void **state)
{
    static const struct {
        const char *value;
        bool literal;
    } cases[] = {
        {"hunter22", true},
        {"changeme", true},
        {"s3cr3t!", true},
        {" padded ", true},
        {"", false},
        {"  ", false},
        {"ab", false},
        {"${DB_PASSWORD}", false},
        {"$DB_PASSWORD", false},
        {"pre${X}post", false},
        {"{{ .Values.password }}", false},
        {"%(password)s", false},
        {"<your-password>", false},
        {"/run/secrets/db_password", false},
        {"true", false},
        {"FALSE", false},
        {"None", false},
        {"null", false},
        {"off", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (st_cfg__secret_literal(cases[i].value) != cases[i].literal) {
            fprintf(stderr, "\"%s\": want %d\n", cases[i].value,
                    cases[i].literal);
            fail();
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__envsecret_names),
        cmocka_unit_test(test_config__envsecret_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
