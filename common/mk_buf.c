/* mk_buf — see mk_buf.h. */
#include "mk_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *mk_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("modak: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *mk_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) {
        fputs("modak: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *mk_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("modak: out of memory\n", stderr);
        abort();
    }
    return q;
}

char *mk_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(mk_xmalloc(n), s, n);
}

char *mk_xasprintf(const char *fmt, ...)
{
    mk_buf b;
    va_list ap;
    mk_buf_init(&b);
    va_start(ap, fmt);
    mk_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return mk_buf_detach(&b);
}

void mk_buf_init(mk_buf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
}

void mk_buf_fini(mk_buf *b)
{
    free(b->s);
    mk_buf_init(b);
}

void mk_buf_reset(mk_buf *b)
{
    b->len = 0;
    if (b->s) b->s[0] = 0;
}

static void grow(mk_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    b->s = mk_xrealloc(b->s, cap);
    b->cap = cap;
}

void mk_buf_put(mk_buf *b, const void *p, size_t n)
{
    grow(b, n);
    if (n) memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

void mk_buf_puts(mk_buf *b, const char *s)
{
    mk_buf_put(b, s, strlen(s));
}

void mk_buf_putc(mk_buf *b, char c)
{
    mk_buf_put(b, &c, 1);
}

void mk_buf_vprintf(mk_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    grow(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void mk_buf_printf(mk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mk_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *mk_buf_detach(mk_buf *b)
{
    char *s = b->s ? b->s : mk_xstrdup("");
    mk_buf_init(b);
    return s;
}

void mk_buf_put_json_str(mk_buf *b, const char *s)
{
    mk_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': mk_buf_puts(b, "\\\""); break;
        case '\\': mk_buf_puts(b, "\\\\"); break;
        case '\n': mk_buf_puts(b, "\\n"); break;
        case '\r': mk_buf_puts(b, "\\r"); break;
        case '\t': mk_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                mk_buf_printf(b, "\\u%04x", *p);
            else
                mk_buf_putc(b, (char)*p);
        }
    }
    mk_buf_putc(b, '"');
}

void mk_buf_put_xml(mk_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '<': mk_buf_puts(b, "&lt;"); break;
        case '>': mk_buf_puts(b, "&gt;"); break;
        case '&': mk_buf_puts(b, "&amp;"); break;
        case '"': mk_buf_puts(b, "&quot;"); break;
        case '\'': mk_buf_puts(b, "&apos;"); break;
        default:
            /* XML 1.0 forbids most C0 controls even as references. */
            if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
                mk_buf_puts(b, "\xEF\xBF\xBD");
            else
                mk_buf_putc(b, (char)*p);
        }
    }
}

void mk_buf_put_sh_word(mk_buf *b, const char *s)
{
    mk_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            mk_buf_puts(b, "'\\''");
        else
            mk_buf_putc(b, *s);
    }
    mk_buf_putc(b, '\'');
}

void mk_buf_put_yaml_str(mk_buf *b, const char *s)
{
    mk_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': mk_buf_puts(b, "\\\""); break;
        case '\\': mk_buf_puts(b, "\\\\"); break;
        case '\n': mk_buf_puts(b, "\\n"); break;
        case '\t': mk_buf_puts(b, "\\t"); break;
        case '\r': mk_buf_puts(b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                mk_buf_printf(b, "\\x%02x", *p);
            else
                mk_buf_putc(b, (char)*p);
        }
    }
    mk_buf_putc(b, '"');
}
