/* Functions that are easy to misuse on hostile input: a call to one is a
 * compile error. Use st_buf_printf, snprintf, strtoul with end checks,
 * gmtime_r/localtime_r instead. */
#ifndef ST_BANNED_H
#define ST_BANNED_H

#define ST_BANNED(func) sorry_##func##_is_banned_in_strata

#undef strcpy
#define strcpy(x, y) ST_BANNED(strcpy)
#undef strcat
#define strcat(x, y) ST_BANNED(strcat)
#undef sprintf
#define sprintf(...) ST_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) ST_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) ST_BANNED(strtok)
#undef gmtime
#define gmtime(t) ST_BANNED(gmtime)
#undef localtime
#define localtime(t) ST_BANNED(localtime)
#undef atoi
#define atoi(s) ST_BANNED(atoi)
#undef gets
#define gets(s) ST_BANNED(gets)

#endif
