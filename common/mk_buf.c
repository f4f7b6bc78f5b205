/* mk_buf — see mk_buf.h. */
#include "mk_buf.h"

#include <ctype.h>
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

size_t mk_utf8_decode(const char *s, unsigned long *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned long c;
    size_t n;
    if (p[0] < 0x80) {
        *cp = p[0];
        return p[0] ? 1 : 0;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        c = p[0] & 0x1f;
        n = 2;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        c = p[0] & 0x0f;
        n = 3;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        c = p[0] & 0x07;
        n = 4;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
        c = c << 6 | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates and code points past U+10FFFF are not UTF-8 */
    if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* The escaped form of the code point (or invalid byte) at p, as YAML double-quoted text,
 * into tok; returns how many input bytes it stands for. */
static size_t yaml_token(const char *p, char tok[16])
{
    unsigned long c;
    size_t n = mk_utf8_decode(p, &c);
    if (n == 0) {
        /* a byte that is not UTF-8 cannot be written in YAML: U+FFFD stands for it */
        strcpy(tok, "\\uFFFD");
        return 1;
    }
    switch (c) {
    case '"': strcpy(tok, "\\\""); return n;
    case '\\': strcpy(tok, "\\\\"); return n;
    case '\n': strcpy(tok, "\\n"); return n;
    case '\t': strcpy(tok, "\\t"); return n;
    case '\r': strcpy(tok, "\\r"); return n;
    default: break;
    }
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        snprintf(tok, 16, "\\x%02lx", c); /* C0, DEL, C1 (NEL included) */
    else if (c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0xfffe || c == 0xffff)
        snprintf(tok, 16, "\\u%04lx", c); /* line/paragraph separators, BOM, non-characters */
    else {
        memcpy(tok, p, n);
        tok[n] = 0;
    }
    return n;
}

void mk_buf_put_yaml_str_wrap(mk_buf *b, const char *s, size_t col, size_t indent, size_t width)
{
    char tok[16];
    size_t cur = col + 1, on_line = 0, hard = width + width / 3;
    mk_buf_putc(b, '"');
    while (*s) {
        s += yaml_token(s, tok);
        size_t tl = strlen(tok);
        /* break after a blank once past width, anywhere once past width + a third */
        if (width && on_line && cur + tl + 1 > hard) {
            mk_buf_puts(b, "\\\n"); /* an escaped line break: YAML drops it and the blanks after */
            for (size_t i = 0; i < indent; i++)
                mk_buf_putc(b, ' ');
            cur = indent;
            on_line = 0;
        }
        if (on_line == 0 && cur == indent && width && tok[0] == ' ' && tok[1] == 0)
            strcpy(tok, "\\x20"); /* a blank there would be dropped */
        mk_buf_puts(b, tok);
        cur += strlen(tok);
        on_line++;
        if (width && *s && cur > width && tok[0] == ' ' && tok[1] == 0) {
            mk_buf_puts(b, "\\\n");
            for (size_t i = 0; i < indent; i++)
                mk_buf_putc(b, ' ');
            cur = indent;
            on_line = 0;
        }
    }
    mk_buf_putc(b, '"');
}

void mk_buf_put_yaml_str(mk_buf *b, const char *s)
{
    mk_buf_put_yaml_str_wrap(b, s, 0, 0, 0);
}

size_t mk_edit_distance(const char *a, const char *b, int nocase)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            int same = nocase ? tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1])
                              : a[i - 1] == b[j - 1];
            size_t best = diag + !same;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}
