/* doc — lookups, scalar resolution and text checks shared by the YAML and JSON readers.
 *
 * Plain YAML scalars are resolved the way PyYAML's YAML 1.1 resolver does it (PyYAML is what
 * tosca-parser and xOpera read blueprints with), so that modak and those tools agree on what
 * `yes`, `012`, `1e3` or `12:00:00` mean: yes is a boolean, 012 an octal integer, 1e3 a
 * string (PyYAML's float needs a dot), 12:00:00 the sexagesimal integer 43200. */
#include "doc.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

doc_pair *doc_map_pair(const doc_node *map, const char *key)
{
    if (!map || map->kind != DOC_MAP) return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const doc_node *k = map->pairs[i].key;
        if (k->kind == DOC_SCALAR && !strcmp(k->text, key)) return &map->pairs[i];
    }
    return NULL;
}

doc_node *doc_map_get(const doc_node *map, const char *key)
{
    doc_pair *p = doc_map_pair(map, key);
    return p ? p->val : NULL;
}

int doc_is_scalar(const doc_node *n)
{
    return n && n->kind == DOC_SCALAR;
}

int doc_is_null(const doc_node *n)
{
    return !n || (n->kind == DOC_SCALAR && n->type == DOC_T_NULL);
}

int doc_is_str(const doc_node *n)
{
    return n && n->kind == DOC_SCALAR && n->type == DOC_T_STR;
}

const char *doc_str(const doc_node *n)
{
    return doc_is_scalar(n) ? n->text : NULL;
}

static const char *const type_names[] = {"null",  "boolean", "integer",
                                         "float", "string",  "timestamp"};
_Static_assert(sizeof type_names / sizeof *type_names == DOC_T_COUNT, "type_names");

const char *doc_type_name(doc_type t)
{
    return (unsigned)t < DOC_T_COUNT ? type_names[t] : "?";
}

const char *doc_kind_name(const doc_node *n)
{
    if (!n) return "nothing";
    if (n->kind == DOC_MAP) return "map";
    if (n->kind == DOC_SEQ) return "list";
    return doc_type_name(n->type);
}

/* ---- YAML 1.1 plain-scalar resolution (PyYAML's implicit resolvers) ---- */

static int all_of(const char *s, const char *set)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!strchr(set, *s)) return 0;
    return 1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+  (also with a fraction part for floats) */
static int sexagesimal(const char *s, int allow_frac, double *out)
{
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    if (*p < '1' || *p > '9') return 0;
    double v = 0;
    while (is_digit(*p) || *p == '_') {
        if (*p != '_') v = v * 10 + (*p - '0');
        p++;
    }
    int groups = 0;
    while (*p == ':') {
        p++;
        int d = 0, nd = 0;
        if (is_digit(*p) && is_digit(p[1])) {
            if (*p > '5') return 0;
            d = (p[0] - '0') * 10 + (p[1] - '0');
            nd = 2;
        } else if (is_digit(*p)) {
            d = *p - '0';
            nd = 1;
        }
        if (!nd) return 0;
        p += nd;
        v = v * 60 + d;
        groups++;
    }
    if (!groups) return 0;
    if (allow_frac) {
        if (*p != '.') return 0;
        p++;
        double scale = 0.1, frac = 0;
        while (is_digit(*p) || *p == '_') {
            if (*p != '_') {
                frac += (*p - '0') * scale;
                scale /= 10;
            }
            p++;
        }
        v = v + frac; /* the fraction belongs to the last group (seconds) */
    }
    if (*p) return 0;
    *out = neg ? -v : v;
    return 1;
}

static int resolve_int(const char *s, long long *out)
{
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    if (!*p) return 0;
    unsigned long long v = 0;
    int base = 10;
    if (p[0] == '0' && p[1] == 'b') {
        base = 2;
        p += 2;
        if (!*p || !all_of(p, "01_")) return 0;
    } else if (p[0] == '0' && p[1] == 'x') {
        base = 16;
        p += 2;
        if (!*p || !all_of(p, "0123456789abcdefABCDEF_")) return 0;
    } else if (p[0] == '0' && p[1]) {
        base = 8;
        p += 1;
        if (!all_of(p, "01234567_")) return 0;
    } else if (p[0] == '0') {
        *out = 0;
        return 1;
    } else {
        if (*p < '1' || *p > '9' || !all_of(p, "0123456789_")) {
            double d;
            if (sexagesimal(s, 0, &d) && fabs(d) < 9e18) {
                *out = (long long)d;
                return 1;
            }
            return 0;
        }
    }
    for (; *p; p++) {
        if (*p == '_') continue;
        int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
        if (v > (0x7fffffffffffffffULL - (unsigned)d) / (unsigned)base)
            return 0; /* overflow:
         not representable, a string */
        v = v * (unsigned)base + (unsigned)d;
    }
    *out = neg ? -(long long)v : (long long)v;
    return 1;
}

static int resolve_float(const char *s, double *out)
{
    if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") || !strcmp(s, "+.inf") ||
        !strcmp(s, "+.Inf") || !strcmp(s, "+.INF")) {
        *out = INFINITY;
        return 1;
    }
    if (!strcmp(s, "-.inf") || !strcmp(s, "-.Inf") || !strcmp(s, "-.INF")) {
        *out = -INFINITY;
        return 1;
    }
    if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        *out = NAN;
        return 1;
    }
    if (sexagesimal(s, 1, out)) return 1;
    /* [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?  with at least one digit before the dot
     * or the form \.[0-9_]+ */
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    int lead = 0;
    while (is_digit(*p) || (lead && *p == '_')) {
        p++;
        lead = 1;
    }
    if (*p != '.') return 0;
    p++;
    int frac = 0;
    while (is_digit(*p) || *p == '_') {
        p++;
        frac = 1;
    }
    if (!lead && !frac) return 0;
    if (!lead && (s[0] == '-' || s[0] == '+')) return 0; /* PyYAML: sign only with digits */
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p != '-' && *p != '+') return 0;
        p++;
        if (!is_digit(*p)) return 0;
        while (is_digit(*p))
            p++;
    }
    if (*p) return 0;
    char buf[128];
    size_t j = 0;
    for (const char *q = s; *q && j < sizeof buf - 1; q++)
        if (*q != '_') buf[j++] = *q;
    buf[j] = 0;
    *out = strtod(buf, NULL);
    return 1;
}

static int resolve_timestamp(const char *s)
{
    /* YYYY-MM-DD, or YYYY-M-D followed by [Tt]|[ \t]+ and H:MM:SS(.frac)?( *(Z|±H(:MM)?))? */
    const char *p = s;
    for (int i = 0; i < 4; i++)
        if (!is_digit(*p++)) return 0;
    if (*p++ != '-') return 0;
    int n = 0;
    while (is_digit(*p) && n < 2)
        p++, n++;
    if (!n || *p++ != '-') return 0;
    n = 0;
    while (is_digit(*p) && n < 2)
        p++, n++;
    if (!n) return 0;
    if (!*p) return strlen(s) == 10; /* the date-only form needs two-digit month and day */
    if (*p == 'T' || *p == 't')
        p++;
    else if (*p == ' ' || *p == '\t')
        while (*p == ' ' || *p == '\t')
            p++;
    else
        return 0;
    n = 0;
    while (is_digit(*p) && n < 2)
        p++, n++;
    if (!n || *p++ != ':' || !is_digit(p[0]) || !is_digit(p[1]) || p[2] != ':' || !is_digit(p[3]) ||
        !is_digit(p[4]))
        return 0;
    p += 5;
    if (*p == '.')
        for (p++; is_digit(*p); p++) {
        }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == 'Z')
        p++;
    else if (*p == '-' || *p == '+') {
        p++;
        n = 0;
        while (is_digit(*p) && n < 2)
            p++, n++;
        if (!n) return 0;
        if (*p == ':') {
            if (!is_digit(p[1]) || !is_digit(p[2])) return 0;
            p += 3;
        }
    }
    return *p == 0;
}

void doc_resolve_plain(doc_node *n)
{
    const char *s = n->text;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const trues[] = {"yes",  "Yes", "YES", "true", "True",
                                        "TRUE", "on",  "On",  "ON"};
    static const char *const falses[] = {"no",    "No",  "NO",  "false", "False",
                                         "FALSE", "off", "Off", "OFF"};
    n->type = DOC_T_STR;
    if (strlen(s) != n->len) return; /* embedded NUL: only ever a string */
    /* most scalars are names: nothing but these first characters can start a non-string */
    if (*s && !strchr("~nNyYtTfFoO0123456789+-.", *s)) return;
    if (n->len <= 5) { /* the longest null or boolean word is "false" */
        for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
            if (!strcmp(s, nulls[i])) {
                n->type = DOC_T_NULL;
                return;
            }
        for (size_t i = 0; i < sizeof trues / sizeof *trues; i++) {
            if (!strcmp(s, trues[i])) {
                n->type = DOC_T_BOOL;
                n->v.b = 1;
                return;
            }
            if (!strcmp(s, falses[i])) {
                n->type = DOC_T_BOOL;
                n->v.b = 0;
                return;
            }
        }
    }
    if (!*s) return;
    if (resolve_int(s, &n->v.i)) {
        n->type = DOC_T_INT;
        return;
    }
    if (resolve_float(s, &n->v.f)) {
        n->type = DOC_T_FLOAT;
        return;
    }
    if (resolve_timestamp(s)) n->type = DOC_T_TIMESTAMP;
}

/* ---- JSON pointers ---- */

const char *doc_ptr_append(mk_arena *a, const char *ptr, const char *token)
{
    size_t extra = 0;
    for (const char *p = token; *p; p++)
        if (*p == '~' || *p == '/') extra++;
    size_t pl = ptr ? strlen(ptr) : 0, tl = strlen(token);
    char *out = mk_arena_alloc(a, pl + 1 + tl + extra + 1);
    if (pl) memcpy(out, ptr, pl);
    char *o = out + pl;
    *o++ = '/';
    for (const char *p = token; *p; p++) {
        if (*p == '~') {
            *o++ = '~';
            *o++ = '0';
        } else if (*p == '/') {
            *o++ = '~';
            *o++ = '1';
        } else
            *o++ = *p;
    }
    *o = 0;
    return out;
}

const char *doc_ptr_index(mk_arena *a, const char *ptr, size_t index)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", index);
    return doc_ptr_append(a, ptr, buf);
}

/* ---- input text checks ---- */

int doc_check_text(const char *name, const char *text, size_t len, mk_err *err)
{
    size_t i = 0;
    int line = 1, col = 1;
    int blank = 1;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        i = 3; /* a UTF-8 byte-order mark is fine */
    while (i < len) {
        /* ASCII runs without control bytes other than tab/newline/CR: the common case */
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f) {
            if (c != ' ') blank = 0;
            col++;
            i++;
            continue;
        }
        if (c == 0) {
            mk_err_set(err, MK_EINVAL, name, line, col,
                       "binary file: NUL byte at offset %zu (modak reads UTF-8 text: YAML or JSON)",
                       i);
            mk_err_rule(err, "input.binary");
            return -1;
        }
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = n != 0 && i + n <= len;
        unsigned cp = n == 1 ? c : n == 2 ? (c & 0x1fu) : n == 3 ? (c & 0x0fu) : (c & 0x07u);
        for (size_t k = 1; ok && k < n; k++) {
            unsigned char cc = (unsigned char)text[i + k];
            if ((cc & 0xc0) != 0x80) ok = 0;
            cp = (cp << 6) | (cc & 0x3fu);
        }
        /* reject overlong forms, surrogates and code points past U+10FFFF */
        if (ok && ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
                   (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff))
            ok = 0;
        if (!ok) {
            mk_err_set(err, MK_EINVAL, name, line, col,
                       "invalid UTF-8 (byte 0x%02x at offset %zu); save the file as UTF-8", c, i);
            mk_err_rule(err, "input.encoding");
            return -1;
        }
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        if (!isspace(c)) blank = 0;
        i += n;
    }
    if (blank) {
        mk_err_set(err, MK_EINVAL, name, 0, 0,
                   "empty file: expected a TOSCA blueprint (YAML) or a job document (JSON)");
        mk_err_rule(err, "input.empty");
        return -1;
    }
    return 0;
}

int doc_check_input(const char *name, const char *text, size_t len, const doc_limits *in,
                    doc_limits *lim, mk_err *err)
{
    lim->max_bytes = in && in->max_bytes ? in->max_bytes : DOC_DEFAULT_MAX_BYTES;
    lim->max_depth = in && in->max_depth ? in->max_depth : DOC_DEFAULT_MAX_DEPTH;
    lim->max_expansion = in && in->max_expansion ? in->max_expansion : DOC_DEFAULT_MAX_EXPANSION;
    if (len > lim->max_bytes) {
        mk_err_set(err, MK_ELIMIT, name, 0, 0,
                   "file is %zu bytes, over the limit of %zu bytes (raise it with --max-bytes)", len,
                   lim->max_bytes);
        mk_err_rule(err, "input.limit");
        return -1;
    }
    return doc_check_text(name, text, len, err);
}

const char *doc_source_line(const char *text, size_t text_len, int line, size_t *out_len)
{
    if (!text || line < 1) return NULL;
    const char *p = text, *end = text + text_len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    if (p > end) return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n && p[n - 1] == '\r') n--;
    *out_len = n;
    return p;
}

void doc_free(doc *d)
{
    if (!d) return;
    mk_arena a = d->arena; /* d itself lives in its arena */
    mk_arena_fini(&a);
}
