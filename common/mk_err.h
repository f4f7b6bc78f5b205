/* mk_err — errors as values.
 *
 * Library functions return a status (0 / -1, or NULL) and fill a caller-supplied mk_err,
 * which may be NULL. The first error wins: later calls on a set error are ignored, so the
 * deepest, most precise cause is what the user sees. Only main() prints. */
#ifndef MK_ERR_H
#define MK_ERR_H

#include <stdarg.h>

enum {
    MK_OK = 0,
    MK_EINVAL = 1, /* bad input: the user's file is wrong */
    MK_EIO = 2,    /* could not read or write */
    MK_ENOMEM = 3,
    MK_ELIMIT = 4, /* a size, depth or expansion limit was hit */
    MK_EUSAGE = 5,
    MK_EINTERNAL = 6,
};

typedef struct mk_err {
    int code;       /* MK_OK when nothing went wrong */
    char file[512]; /* "" when unknown */
    int line, col;  /* 1-based; 0 when unknown */
    char msg[1024];
    const char *rule; /* optional stable id of the check that failed (static string) */
} mk_err;

void mk_err_clear(mk_err *e);
/* Sets e (when e != NULL and e holds no error yet); returns -1 so callers can
 * `return mk_err_set(...)`. file may be NULL. */
int mk_err_set(mk_err *e, int code, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
int mk_err_vset(mk_err *e, int code, const char *file, int line, int col, const char *fmt,
                va_list ap);
/* Names the rule of the error e holds (only when it has none yet). */
void mk_err_rule(mk_err *e, const char *rule);
/* Formats "file:line:col: msg" (the parts that are known) into buf. */
const char *mk_err_str(const mk_err *e, char *buf, unsigned long size);

#endif
