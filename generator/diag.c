/* diag — diagnostics and their four reports (text, JSON, JUnit XML, SARIF 2.1.0).
 *
 * The text report follows compilers: `file:line:col: error: message [rule]`, the source
 * line, a caret under the column, then `hint:` lines. JUnit XML is written with libxml2's
 * text writer (one test case per file, a failure per error); SARIF and JSON are built as
 * text with mk_buf's JSON escaper, which is all they need. */
#include "diag.h"
#include "mk_fs.h"

#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>

void diag_list_init(diag_list *l)
{
    memset(l, 0, sizeof *l);
}

void diag_list_fini(diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].file);
        free(l->v[i].rule);
        free(l->v[i].pointer);
        free(l->v[i].msg);
        free(l->v[i].hint);
    }
    free(l->v);
    diag_list_init(l);
}

static diag *add(diag_list *l, diag_sev sev, const char *file, int line, int col, const char *rule,
                 const char *pointer)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = mk_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    diag *d = &l->v[l->n++];
    memset(d, 0, sizeof *d);
    d->sev = sev;
    d->file = file ? mk_xstrdup(file) : NULL;
    d->line = line;
    d->col = col;
    d->rule = mk_xstrdup(rule ? rule : "modak");
    d->pointer = pointer && *pointer ? mk_xstrdup(pointer) : NULL;
    if (sev == DIAG_ERROR) l->errors++;
    if (sev == DIAG_WARNING) l->warnings++;
    return d;
}

diag *diag_add(diag_list *l, diag_sev sev, const doc_mark *mark, const char *rule,
               const char *pointer, const char *fmt, ...)
{
    diag *d = add(l, sev, mark ? mark->file : NULL, mark ? mark->line : 0, mark ? mark->col : 0,
                  rule, pointer);
    mk_buf b;
    mk_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    mk_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    d->msg = mk_buf_detach(&b);
    return d;
}

diag *diag_hint(diag *d, const char *fmt, ...)
{
    mk_buf b;
    mk_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    mk_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(d->hint);
    d->hint = mk_buf_detach(&b);
    return d;
}

diag *diag_add_err(diag_list *l, const mk_err *e, const char *rule)
{
    diag *d = add(l, DIAG_ERROR, e->file[0] ? e->file : NULL, e->line, e->col,
                  e->rule ? e->rule : rule, NULL);
    d->msg = mk_xstrdup(e->msg);
    return d;
}

void diag_promote_warnings(diag_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].sev == DIAG_WARNING) {
            l->v[i].sev = DIAG_ERROR;
            l->warnings--;
            l->errors++;
        }
}

static int cmp_diag(const void *x, const void *y)
{
    const diag *a = x, *b = y;
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}

void diag_sort(diag_list *l)
{
    /* stable: insertion sort keeps the order checks found things in for equal positions */
    for (size_t i = 1; i < l->n; i++) {
        diag t = l->v[i];
        size_t j = i;
        while (j > 0 && cmp_diag(&l->v[j - 1], &t) > 0) {
            l->v[j] = l->v[j - 1];
            j--;
        }
        l->v[j] = t;
    }
}

void diag_list_take(diag_list *dst, diag_list *src)
{
    for (size_t i = 0; i < src->n; i++) {
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 16;
            dst->v = mk_xrealloc(dst->v, dst->cap * sizeof *dst->v);
        }
        dst->v[dst->n++] = src->v[i];
    }
    dst->errors += src->errors;
    dst->warnings += src->warnings;
    free(src->v);
    diag_list_init(src);
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

void diag_dedup(diag_list *l)
{
    size_t out = 0;
    for (size_t i = 0; i < l->n; i++) {
        diag *d = &l->v[i];
        if (out && d->sev == l->v[out - 1].sev && d->line == l->v[out - 1].line &&
            d->col == l->v[out - 1].col && same_str(d->file, l->v[out - 1].file) &&
            same_str(d->rule, l->v[out - 1].rule) && same_str(d->msg, l->v[out - 1].msg) &&
            same_str(d->pointer, l->v[out - 1].pointer)) {
            if (d->sev == DIAG_ERROR) l->errors--;
            if (d->sev == DIAG_WARNING) l->warnings--;
            free(d->file);
            free(d->rule);
            free(d->pointer);
            free(d->msg);
            free(d->hint);
            continue;
        }
        l->v[out++] = *d;
    }
    l->n = out;
}

const char *diag_sev_name(diag_sev s)
{
    return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

/* ---- sources for carets ---- */

struct diag_sources {
    char **files, **texts;
    size_t *lens;
    size_t n, cap;
};

diag_sources *diag_sources_new(void)
{
    return mk_xcalloc(1, sizeof(diag_sources));
}

void diag_sources_free(diag_sources *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->files[i]);
        free(s->texts[i]);
    }
    free(s->files);
    free(s->texts);
    free(s->lens);
    free(s);
}

void diag_sources_add(diag_sources *s, const char *file, const char *text, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->files = mk_xrealloc(s->files, s->cap * sizeof *s->files);
        s->texts = mk_xrealloc(s->texts, s->cap * sizeof *s->texts);
        s->lens = mk_xrealloc(s->lens, s->cap * sizeof *s->lens);
    }
    s->files[s->n] = mk_xstrdup(file);
    s->texts[s->n] = mk_xmalloc(len + 1);
    memcpy(s->texts[s->n], text, len);
    s->texts[s->n][len] = 0;
    s->lens[s->n] = len;
    s->n++;
}

/* The text of file: kept by the caller, or read now (imported files) and kept. */
static const char *find_source(diag_sources *s, const char *file, size_t *len)
{
    if (!s || !file) return NULL;
    for (size_t i = s->n; i-- > 0;)
        if (!strcmp(s->files[i], file)) {
            *len = s->lens[i];
            return s->texts[i];
        }
    char *text;
    mk_err e;
    mk_err_clear(&e);
    if (mk_file_read(file, DOC_DEFAULT_MAX_BYTES, &text, len, &e)) return NULL;
    diag_sources_add(s, file, text, *len);
    free(text);
    return s->texts[s->n - 1];
}

/* ---- text ---- */

/* Writes s with control bytes escaped (\n, \t, \xNN): a value quoted in a message can
 * neither break the one-diagnostic-per-line layout nor send terminal escapes. */
static void put_escaped(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

void diag_write_lines(FILE *out, const diag_list *l, const char *prefix)
{
    for (size_t i = 0; i < l->n; i++) {
        const diag *d = &l->v[i];
        fprintf(out, "%s%s", prefix ? prefix : "",
                d->sev == DIAG_ERROR     ? ""
                : d->sev == DIAG_WARNING ? "warning: "
                                         : "note: ");
        if (d->file) {
            put_escaped(out, d->file);
            if (d->line > 0) fprintf(out, ":%d:%d", d->line, d->col);
            fputs(": ", out);
        }
        if (d->pointer) {
            put_escaped(out, d->pointer);
            fputs(": ", out);
        }
        put_escaped(out, d->msg);
        fprintf(out, " [%s]", d->rule);
        if (d->hint) {
            fputs(" (hint: ", out);
            put_escaped(out, d->hint);
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

/* Only lines of printable UTF-8 are echoed: a binary or mis-encoded file must not write
 * control bytes to the user's terminal. */
static int printable(const char *s, size_t n)
{
    mk_err e;
    mk_err_clear(&e);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            return 0;
        else if ((unsigned char)s[i] == 0x7f)
            return 0;
    return n == 0 || doc_check_text("", s, n, &e) == 0 ||
           (e.rule != NULL && !strcmp(e.rule, "input.empty"));
}

void diag_write_text(FILE *out, const diag_list *l, diag_sources *src, int color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    for (size_t i = 0; i < l->n; i++) {
        const diag *d = &l->v[i];
        const char *sc = !color                   ? ""
                         : d->sev == DIAG_ERROR   ? "\033[1;31m"
                         : d->sev == DIAG_WARNING ? "\033[1;35m"
                                                  : "\033[1;36m";
        fputs(bold, out);
        if (d->file) {
            fputs(d->file, out);
            if (d->line > 0) fprintf(out, ":%d", d->line);
            if (d->line > 0 && d->col > 0) fprintf(out, ":%d", d->col);
            fputs(": ", out);
        }
        fprintf(out, "%s%s:%s ", sc, diag_sev_name(d->sev), reset);
        put_escaped(out, d->msg);
        fprintf(out, " [%s]", d->rule);
        if (d->pointer) {
            fputs(" (at ", out);
            put_escaped(out, d->pointer);
            fputc(')', out);
        }
        fputc('\n', out);
        size_t tlen, llen;
        const char *text = find_source(src, d->file, &tlen);
        const char *line = text ? doc_source_line(text, tlen, d->line, &llen) : NULL;
        if (line && printable(line, llen)) {
            /* long lines: a window of about 120 columns around the caret */
            size_t from = 0, col = d->col > 0 ? (size_t)d->col - 1 : 0;
            if (llen > 120 && col > 60) from = col - 60;
            size_t n = llen - from > 120 ? 120 : llen - from;
            fprintf(out, "  %s%.*s%s\n  %s", from ? "..." : "", (int)n, line + from,
                    from + n < llen ? "..." : "", from ? "   " : "");
            /* keep tabs so the caret lines up */
            for (size_t c = from; c < col && c < llen; c++)
                fputc(line[c] == '\t' ? '\t' : ' ', out);
            fprintf(out, "%s^%s\n", sc, reset);
        }
        if (d->hint) {
            fputs("  hint: ", out);
            put_escaped(out, d->hint);
            fputc('\n', out);
        }
    }
}

/* ---- JSON ---- */

static void put_kv_str(mk_buf *b, const char *k, const char *v, int comma)
{
    if (comma) mk_buf_putc(b, ',');
    mk_buf_put_json_str(b, k);
    mk_buf_putc(b, ':');
    if (v)
        mk_buf_put_json_str(b, v);
    else
        mk_buf_puts(b, "null");
}

void diag_write_json(mk_buf *out, const diag_list *l)
{
    mk_buf_puts(out, "[");
    for (size_t i = 0; i < l->n; i++) {
        const diag *d = &l->v[i];
        mk_buf_puts(out, i ? ",\n {" : "\n {");
        put_kv_str(out, "file", d->file, 0);
        mk_buf_printf(out, ",\"line\":%d,\"column\":%d", d->line, d->col);
        put_kv_str(out, "severity", diag_sev_name(d->sev), 1);
        put_kv_str(out, "rule", d->rule, 1);
        put_kv_str(out, "message", d->msg, 1);
        put_kv_str(out, "pointer", d->pointer, 1);
        put_kv_str(out, "hint", d->hint, 1);
        mk_buf_putc(out, '}');
    }
    mk_buf_puts(out, l->n ? "\n]\n" : "]\n");
}

/* ---- JUnit XML ---- */

static void diag_location(mk_buf *b, const diag *d)
{
    mk_buf_printf(b, "%s:%d:%d: %s: %s [%s]", d->file ? d->file : "-", d->line, d->col,
                  diag_sev_name(d->sev), d->msg, d->rule);
    if (d->pointer) mk_buf_printf(b, " (at %s)", d->pointer);
    if (d->hint) mk_buf_printf(b, "\n  hint: %s", d->hint);
    mk_buf_putc(b, '\n');
}

int diag_write_junit(mk_buf *out, const diag_list *l, const char *const *files, size_t nfiles)
{
    xmlBufferPtr xb = xmlBufferCreate();
    xmlTextWriterPtr w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
    if (!w) {
        if (xb) xmlBufferFree(xb);
        return -1;
    }
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(w, BAD_CAST "testsuites");
    xmlTextWriterStartElement(w, BAD_CAST "testsuite");
    xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "modak validate");
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu", nfiles);
    size_t failures = 0;
    for (size_t f = 0; f < nfiles; f++)
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].sev == DIAG_ERROR && l->v[i].file && !strcmp(l->v[i].file, files[f])) {
                failures++;
                break;
            }
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu", failures);
    xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST "0");
    mk_buf msg;
    mk_buf_init(&msg);
    for (size_t f = 0; f < nfiles; f++) {
        xmlTextWriterStartElement(w, BAD_CAST "testcase");
        xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST "modak.validate");
        xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST files[f]);
        size_t nerr = 0;
        const diag *first = NULL;
        mk_buf_reset(&msg);
        for (size_t i = 0; i < l->n; i++) {
            const diag *d = &l->v[i];
            if (!d->file || strcmp(d->file, files[f]) != 0) continue;
            diag_location(&msg, d);
            if (d->sev == DIAG_ERROR && !nerr++) first = d;
        }
        if (first) {
            xmlTextWriterStartElement(w, BAD_CAST "failure");
            xmlTextWriterWriteFormatAttribute(w, BAD_CAST "message", "%s", first->msg);
            xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST first->rule);
            xmlTextWriterWriteString(w, BAD_CAST msg.s);
            xmlTextWriterEndElement(w);
        } else if (msg.len) {
            xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST msg.s);
        }
        xmlTextWriterEndElement(w);
    }
    mk_buf_fini(&msg);
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    mk_buf_put(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
    return 0;
}

/* ---- SARIF 2.1.0 ---- */

void diag_write_sarif(mk_buf *out, const diag_list *l, const char *tool_version)
{
    mk_buf_puts(out, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                     "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"modak\","
                     "\"informationUri\":\"https://github.com/SODALITE-EU\",");
    put_kv_str(out, "version", tool_version, 0);
    mk_buf_puts(out, ",\"rules\":[");
    /* each distinct rule once, in first-seen order */
    size_t nr = 0;
    for (size_t i = 0; i < l->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(l->v[j].rule, l->v[i].rule);
        if (seen) continue;
        mk_buf_puts(out, nr++ ? ",{" : "{");
        put_kv_str(out, "id", l->v[i].rule, 0);
        mk_buf_putc(out, '}');
    }
    mk_buf_puts(out, "]}},\"results\":[");
    for (size_t i = 0; i < l->n; i++) {
        const diag *d = &l->v[i];
        mk_buf_puts(out, i ? ",\n{" : "\n{");
        put_kv_str(out, "ruleId", d->rule, 0);
        put_kv_str(out, "level", diag_sev_name(d->sev), 1);
        mk_buf_puts(out, ",\"message\":{");
        mk_buf b;
        mk_buf_init(&b);
        mk_buf_puts(&b, d->msg);
        if (d->hint) mk_buf_printf(&b, " (hint: %s)", d->hint);
        put_kv_str(out, "text", b.s, 0);
        mk_buf_fini(&b);
        mk_buf_puts(out, "}");
        if (d->file) {
            mk_buf_puts(out, ",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{");
            put_kv_str(out, "uri", d->file, 0);
            mk_buf_puts(out, "}");
            if (d->line > 0) {
                mk_buf_printf(out, ",\"region\":{\"startLine\":%d", d->line);
                if (d->col > 0) mk_buf_printf(out, ",\"startColumn\":%d", d->col);
                mk_buf_puts(out, "}");
            }
            mk_buf_puts(out, "}}]");
        }
        if (d->pointer) {
            mk_buf_puts(out, ",\"properties\":{");
            put_kv_str(out, "jsonPointer", d->pointer, 0);
            mk_buf_puts(out, "}");
        }
        mk_buf_putc(out, '}');
    }
    mk_buf_puts(out, "\n]}]}\n");
}
