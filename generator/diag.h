/* diag — diagnostics collected while checking files, and their reports.
 *
 * A check never stops at the first problem: it appends diagnostics to a diag_list and goes
 * on. Each has a severity, a rule id (stable, for suppression and for the IDE), the source
 * mark, the JSON pointer of the value where it applies, a message and an optional hint
 * saying how to fix it. Reports: text (compiler style with source line and caret), JSON
 * (the IDE), JUnit XML (libxml2) and SARIF 2.1.0. */
#ifndef MODAK_DIAG_H
#define MODAK_DIAG_H

#include <stdio.h>

#include "doc.h"
#include "mk_buf.h"

typedef enum diag_sev { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_sev;

typedef struct diag {
    diag_sev sev;
    char *file; /* may be NULL */
    int line, col;
    char *rule;    /* e.g. "tosca.property.type", "dsl.unknown-key", "yaml.syntax" */
    char *pointer; /* JSON pointer of the value, or NULL */
    char *msg;
    char *hint; /* how to fix it, or NULL */
} diag;

typedef struct diag_list {
    diag *v;
    size_t n, cap;
    size_t errors, warnings;
} diag_list;

void diag_list_init(diag_list *l);
void diag_list_fini(diag_list *l);
/* Appends a diagnostic; mark and pointer may be NULL. The message is formatted. */
diag *diag_add(diag_list *l, diag_sev sev, const doc_mark *mark, const char *rule,
               const char *pointer, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Sets the hint of d (formatted); returns d. */
diag *diag_hint(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends an mk_err as an error diagnostic with the given rule. */
diag *diag_add_err(diag_list *l, const mk_err *e, const char *rule);
/* Turns every warning into an error (--warnings-as-errors). */
void diag_promote_warnings(diag_list *l);
/* Moves every diagnostic of src to the end of dst; src is left empty. */
void diag_list_take(diag_list *dst, diag_list *src);
/* Removes diagnostics identical to the one before them (run after diag_sort). */
void diag_dedup(diag_list *l);
/* Sorts by file, line, column (stable). */
void diag_sort(diag_list *l);
const char *diag_sev_name(diag_sev s);

/* A source of text for carets: maps file names to their text. */
typedef struct diag_sources diag_sources;
diag_sources *diag_sources_new(void);
void diag_sources_free(diag_sources *s);
/* Keeps a copy of text for file. */
void diag_sources_add(diag_sources *s, const char *file, const char *text, size_t len);

/* Reports. `files` lists every file checked (for JUnit, one test case each). */
/* Source lines come from src; files it lacks are read (and kept) on demand. */
void diag_write_text(FILE *out, const diag_list *l, diag_sources *src, int color);
/* One line per diagnostic: PREFIX[warning: ]FILE:LINE:COL: POINTER: MESSAGE [rule] (hint: ...),
 * control bytes escaped. For commands whose own output is not a report (modak job). */
void diag_write_lines(FILE *out, const diag_list *l, const char *prefix);
void diag_write_json(mk_buf *out, const diag_list *l);
int diag_write_junit(mk_buf *out, const diag_list *l, const char *const *files, size_t nfiles);
void diag_write_sarif(mk_buf *out, const diag_list *l, const char *tool_version);

#endif
