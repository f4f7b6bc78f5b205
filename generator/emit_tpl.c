/* emit_tpl — the template renderer and the value checks the emitters share.
 *
 * A template is scanned once: text is copied, a tag <%...%> is either a slot (context and
 * name), or one of if/else/end. Conditionals keep a small stack of "emitting" flags, so a
 * branch that is not taken still has its tags checked (a typo in a rarely taken branch is
 * found by every render). Values are escaped by the context's escaper from mk_buf; the
 * YAML ones fold long values into lines that stay under the 160 columns ansible-lint's
 * yamllint allows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_tpl.h"
#include "mk_fs.h"

#define YAML_WIDTH  100 /* fold YAML scalars at about this column */
#define MAX_NEST    16
#define LABEL_MAX   1024 /* labels show at most this many bytes of a value */
#define COMMENT_MAX 60   /* comments, this many (YAML lines stay under yamllint's 160) */

static int tpl_error(mk_err *err, const char *tpl_name, const char *tpl, const char *at,
                     const char *what)
{
    int line = 1;
    for (const char *p = tpl; p < at; p++)
        line += *p == '\n';
    return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "template %s:%d: %s", tpl_name, line, what);
}

static const emit_slot *find_slot(const emit_slot *slots, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(slots[i].name) == len && !memcmp(slots[i].name, name, len)) return &slots[i];
    return NULL;
}

/* The current line's column and its indentation, from what out holds. */
static void line_pos(const mk_buf *out, size_t *col, size_t *indent)
{
    size_t start = out->len;
    while (start > 0 && out->s[start - 1] != '\n')
        start--;
    *col = out->len - start;
    size_t i = start;
    while (i < out->len && (out->s[i] == ' ' || out->s[i] == '-'))
        i++; /* a sequence entry's "- " counts as indentation */
    *indent = i - start;
}

static int plain_ok(const char *s)
{
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:/@+=-", *s))
            return 0;
    return 1;
}

/* How many bytes of s a label shows: all, or max cut at a character boundary. */
static size_t label_len(const char *s, size_t max, int *cut)
{
    size_t n = strlen(s);
    *cut = n > max;
    if (!*cut) return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* The length of the character at s; *breaks says whether it must not appear on a line of
 * text (a control, or what YAML 1.1 or a Unicode-aware reader takes for a line break). */
static size_t char_at(const char *s, int *breaks)
{
    unsigned long c;
    size_t n = mk_utf8_decode(s, &c);
    if (!n) {
        *breaks = 1; /* not UTF-8 (the emitters refuse such values before rendering) */
        return 1;
    }
    *breaks = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0xfeff;
    return n;
}

/* Text on one line: characters that would break it become blanks; at most max bytes. */
static void put_line_rest(mk_buf *out, const char *s, size_t max, int docker)
{
    int cut;
    size_t n = label_len(s, max, &cut);
    if (docker) mk_buf_putc(out, '"');
    for (size_t i = 0; i < n;) {
        int breaks;
        size_t k = char_at(s + i, &breaks);
        if (breaks)
            mk_buf_putc(out, ' ');
        else {
            if (docker && (s[i] == '\\' || s[i] == '"' || s[i] == '$')) mk_buf_putc(out, '\\');
            mk_buf_put(out, s + i, k);
        }
        i += k;
    }
    if (cut) mk_buf_puts(out, "...");
    if (docker) mk_buf_putc(out, '"');
}

static int put_slot(mk_buf *out, const char *ctx, size_t clen, const char *value,
                    const char *tpl_name, const char *tpl, const char *at, mk_err *err)
{
    const char *v = value ? value : "";
    size_t col, indent;
#define CTX(s) (clen == sizeof(s) - 1 && !memcmp(ctx, s, clen))
    if (CTX("yaml") || CTX("unsafe")) {
        if (CTX("unsafe")) mk_buf_puts(out, "!unsafe ");
        line_pos(out, &col, &indent);
        mk_buf_put_yaml_str_wrap(out, v, col, indent + 2, YAML_WIDTH);
    } else if (CTX("sh")) {
        mk_buf_put_sh_word(out, v);
    } else if (CTX("json")) {
        mk_buf_put_json_str(out, v);
    } else if (CTX("docker")) {
        put_line_rest(out, v, LABEL_MAX, 1);
    } else if (CTX("label")) {
        put_line_rest(out, *v ? v : "(none)", LABEL_MAX, 0); /* "KEY" alone is no label */
    } else if (CTX("comment")) {
        put_line_rest(out, v, COMMENT_MAX, 0);
    } else if (CTX("plain")) {
        if (!plain_ok(v))
            return tpl_error(err, tpl_name, tpl, at,
                             "a plain slot got a value with other characters");
        mk_buf_puts(out, v);
    } else if (CTX("raw")) {
        mk_buf_puts(out, v);
    } else {
        return tpl_error(err, tpl_name, tpl, at, "unknown slot context");
    }
#undef CTX
    return 0;
}

int emit_render(mk_buf *out, const char *tpl, const char *tpl_name, const emit_slot *slots,
                size_t n, mk_err *err)
{
    int emit[MAX_NEST + 1] = {1}; /* emit[d]: text at depth d is kept */
    int seen_else[MAX_NEST + 1] = {0};
    int depth = 0;
    const char *p = tpl;
    while (*p) {
        const char *open = strstr(p, "<%");
        const char *stop = open ? open : p + strlen(p);
        if (emit[depth]) mk_buf_put(out, p, (size_t)(stop - p));
        if (!open) break;
        const char *close = strstr(open + 2, "%>");
        const char *nl = strchr(open + 2, '\n');
        if (!close || (nl && nl < close)) return tpl_error(err, tpl_name, tpl, open, "unclosed <%");
        const char *t = open + 2, *sp = memchr(t, ' ', (size_t)(close - t));
        size_t klen = (size_t)((sp ? sp : close) - t);
        const char *name = sp ? sp + 1 : NULL;
        size_t nlen = sp ? (size_t)(close - name) : 0;
        if (klen == 2 && !memcmp(t, "if", 2)) {
            if (!name || !nlen) return tpl_error(err, tpl_name, tpl, open, "<%if%> without a name");
            if (depth == MAX_NEST)
                return tpl_error(err, tpl_name, tpl, open, "conditionals nested too deep");
            const emit_slot *s = find_slot(slots, n, name, nlen);
            if (!s) return tpl_error(err, tpl_name, tpl, open, "unknown slot in <%if%>");
            depth++;
            emit[depth] = emit[depth - 1] && s->value && *s->value;
            seen_else[depth] = 0;
        } else if (klen == 4 && !memcmp(t, "else", 4) && !name) {
            if (!depth || seen_else[depth])
                return tpl_error(err, tpl_name, tpl, open, "<%else%> out of place");
            seen_else[depth] = 1;
            emit[depth] = emit[depth - 1] && !emit[depth];
        } else if (klen == 3 && !memcmp(t, "end", 3) && !name) {
            if (!depth) return tpl_error(err, tpl_name, tpl, open, "<%end%> without <%if%>");
            depth--;
        } else {
            if (!name || !nlen) return tpl_error(err, tpl_name, tpl, open, "slot without a name");
            const emit_slot *s = find_slot(slots, n, name, nlen);
            if (!s) return tpl_error(err, tpl_name, tpl, open, "unknown slot");
            if (emit[depth]) {
                if (put_slot(out, t, klen, s->value, tpl_name, tpl, open, err)) return -1;
            } else {
                mk_buf scratch; /* an untaken branch's slot is checked all the same */
                mk_buf_init(&scratch);
                int bad = put_slot(&scratch, t, klen, "", tpl_name, tpl, open, err);
                mk_buf_fini(&scratch);
                if (bad) return -1;
            }
        }
        p = close + 2;
    }
    if (depth) return tpl_error(err, tpl_name, tpl, p, "<%if%> without <%end%>");
    return 0;
}

int emit_check_name(const char *name, mk_err *err)
{
    size_t len = name ? strlen(name) : 0;
    int ok = len > 0 && len <= 200 && strcmp(name, ".") && strcmp(name, "..");
    for (size_t i = 0; ok && i < len; i++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", name[i]) !=
             NULL;
    if (ok) return 0;
    return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                      "node name '%.200s' cannot name files: use 1-200 of [A-Za-z0-9_.-], "
                      "not '.' or '..'",
                      name ? name : "");
}

int emit_check_utf8(const char *node, const char *field, const char *s, mk_err *err)
{
    if (!s) return 0;
    for (const char *p = s; *p;) {
        unsigned long cp;
        size_t n = mk_utf8_decode(p, &cp);
        if (!n)
            return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                              "node %s: %s is not valid UTF-8 (byte %zu)", node, field,
                              (size_t)(p - s));
        p += n;
    }
    return 0;
}

int emit_check_image_ref(const char *node, const char *field, const char *s, mk_err *err)
{
    size_t len = s ? strlen(s) : 0;
    int ok = len > 0 && len <= 255 && s[0] != '-' && s[0] != '.' && s[0] != '/';
    for (size_t i = 0; ok && i < len; i++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/:@-", s[i]) !=
             NULL;
    if (ok) return 0;
    return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                      "node %s: %s '%.100s%s' is not a container image reference "
                      "([docker://]name[:tag][@digest], at most 255 characters)",
                      node, field, s ? s : "", len > 100 ? "..." : "");
}

/* A Docker repository name for the image deploy builds: modak-<node> in lower case, other
 * characters than letters and digits made '-'; when that changed the name, a hash of the
 * name keeps two nodes apart (Mnist and mnist). */
void emit_image_tag(const char *node, char *out, size_t size)
{
    unsigned long h = 2166136261u;
    int changed = 0;
    size_t n = (size_t)snprintf(out, size, "modak-");
    for (const char *p = node; *p && n + 1 < size; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a'), changed = 1;
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            c = '-', changed = 1;
        out[n++] = c;
        h = (h ^ (unsigned char)*p) * 16777619u;
    }
    out[n] = 0;
    while (n > 6 && out[n - 1] == '-')
        out[--n] = 0;
    if (changed) snprintf(out + n, size - n, "-%08lx", h & 0xffffffffu);
}

int emit_write(const char *dir, const char *rel, const char *text, size_t len, int executable,
               mk_err *err)
{
    char *path = mk_path_join(dir, rel);
    char *parent = mk_path_dirname(path);
    int rc = mk_mkdir_p(parent, err);
    if (!rc) rc = mk_file_write_atomic(path, text, len, executable, err);
    free(parent);
    free(path);
    return rc;
}

void emit_words_free(char **words, int n)
{
    if (!words) return;
    for (int i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

static int word_refuse(mk_err *err, const char *text, const char *p, const char *why)
{
    return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                      "training arguments: %s at byte %zu (quote it): '%.80s'", why,
                      (size_t)(p - text), text);
}

int emit_split_words(const char *text, char ***words, mk_err *err)
{
    char **w = NULL;
    int n = 0, cap = 0;
    mk_buf cur;
    mk_buf_init(&cur);
    const char *p = text ? text : "";
    *words = NULL;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p) break;
        int in_word = 0;
        mk_buf_reset(&cur);
        while (*p && *p != ' ' && *p != '\t') {
            char c = *p;
            if (c == '\'') {
                const char *q = strchr(p + 1, '\'');
                if (!q) goto unclosed;
                mk_buf_put(&cur, p + 1, (size_t)(q - p - 1));
                p = q + 1;
            } else if (c == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '$' || *p == '`') {
                        word_refuse(err, text, p, "an expansion inside double quotes");
                        goto fail;
                    }
                    if (*p == '\\' && p[1] && strchr("$`\"\\", p[1]))
                        p++;
                    else if (*p == '\\' && p[1] == '\n') {
                        p += 2;
                        continue;
                    }
                    mk_buf_putc(&cur, *p++);
                }
                if (!*p) goto unclosed;
                p++;
            } else if (c == '\\') {
                if (!p[1]) {
                    word_refuse(err, text, p, "a backslash at the end");
                    goto fail;
                }
                if (p[1] != '\n') mk_buf_putc(&cur, p[1]);
                p += 2;
            } else if (strchr("$`;&|<>()*?[]{}\n\r", c) || ((c == '#' || c == '~') && !in_word)) {
                word_refuse(err, text, p,
                            c == '\n' ? "a newline" : "a shell operator or expansion");
                goto fail;
            } else {
                mk_buf_putc(&cur, c);
                p++;
            }
            in_word = 1;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            w = mk_xrealloc(w, (size_t)cap * sizeof *w);
        }
        w[n++] = mk_xstrdup(cur.s ? cur.s : "");
    }
    mk_buf_fini(&cur);
    *words = w;
    return n;
unclosed:
    word_refuse(err, text, p, "an unclosed quote");
fail:
    mk_buf_fini(&cur);
    emit_words_free(w, n);
    return -1;
}
