/* mk_err — see mk_err.h. */
#include "mk_err.h"

#include <stdio.h>
#include <string.h>

void mk_err_clear(mk_err *e)
{
    if (e) memset(e, 0, sizeof *e);
}

int mk_err_vset(mk_err *e, int code, const char *file, int line, int col, const char *fmt,
                va_list ap)
{
    if (!e || e->code != MK_OK) return -1;
    e->code = code ? code : MK_EINTERNAL;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->col = col;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return -1;
}

int mk_err_set(mk_err *e, int code, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mk_err_vset(e, code, file, line, col, fmt, ap);
    va_end(ap);
    return -1;
}

const char *mk_err_str(const mk_err *e, char *buf, unsigned long size)
{
    if (!e->file[0])
        snprintf(buf, size, "%s", e->msg);
    else if (e->line <= 0)
        snprintf(buf, size, "%s: %s", e->file, e->msg);
    else if (e->col <= 0)
        snprintf(buf, size, "%s:%d: %s", e->file, e->line, e->msg);
    else
        snprintf(buf, size, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
    return buf;
}

void mk_err_rule(mk_err *e, const char *rule)
{
    if (e && e->code != MK_OK && !e->rule) e->rule = rule;
}
