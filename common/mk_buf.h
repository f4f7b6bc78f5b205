/* mk_buf — a growable byte string, always NUL-terminated.
 * Allocation failure aborts: a tool that cannot allocate a few KiB has nothing sensible
 * left to do, and threading ENOMEM through every append would hide the real logic. */
#ifndef MK_BUF_H
#define MK_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct mk_buf {
    char *s;
    size_t len, cap;
} mk_buf;

void mk_buf_init(mk_buf *b);
void mk_buf_fini(mk_buf *b);
void mk_buf_reset(mk_buf *b);
void mk_buf_put(mk_buf *b, const void *p, size_t n);
void mk_buf_puts(mk_buf *b, const char *s);
void mk_buf_putc(mk_buf *b, char c);
void mk_buf_printf(mk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mk_buf_vprintf(mk_buf *b, const char *fmt, va_list ap);
/* Hands the string to the caller (free() it); b is empty afterwards. */
char *mk_buf_detach(mk_buf *b);

/* Escapers for the contexts artefacts are written in. */
void mk_buf_put_json_str(mk_buf *b, const char *s); /* "…" with JSON escapes */
void mk_buf_put_xml(mk_buf *b, const char *s);      /* text/attribute escaping */
/* One shell word: '...' with embedded quotes as '\'' (any byte sequence stays inert). */
void mk_buf_put_sh_word(mk_buf *b, const char *s);
/* A YAML double-quoted scalar: "..." with \", \\ and escapes for every control byte, so
 * no newline, tag, anchor or comment of the value can change the document's structure. */
void mk_buf_put_yaml_str(mk_buf *b, const char *s);
/* The same scalar folded into lines of at most about `width` columns (0 = one line): each
 * line but the last ends in an escaped line break (a backslash before the newline) and the
 * next begins with `indent` blanks, both of which YAML drops, so the value is unchanged.
 * `col` is the column the opening quote lands in. Besides the escapes above, C1 controls,
 * U+2028/U+2029 (YAML 1.1 line breaks), U+FEFF and U+FFFE/U+FFFF are escaped, so PyYAML
 * (Ansible's reader) takes the scalar back exactly; a byte that is not UTF-8 becomes
 * \uFFFD (callers that must not lose bytes check with mk_utf8_decode first). */
void mk_buf_put_yaml_str_wrap(mk_buf *b, const char *s, size_t col, size_t indent,
                              size_t width);
/* Decodes the UTF-8 sequence at s into *cp; returns its length (1-4), or 0 at the NUL or
 * at a byte that does not start a well-formed sequence (overlong, surrogate, > U+10FFFF). */
size_t mk_utf8_decode(const char *s, unsigned long *cp);

/* Levenshtein distance between a and b (bytes, or ASCII letters case-folded when nocase),
 * for "did you mean" hints; SIZE_MAX when either is longer than 64 bytes. */
size_t mk_edit_distance(const char *a, const char *b, int nocase);

/* malloc/realloc/strdup that abort on failure (see above). */
void *mk_xmalloc(size_t n);
void *mk_xcalloc(size_t n, size_t m);
void *mk_xrealloc(void *p, size_t n);
char *mk_xstrdup(const char *s);
char *mk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
