/* doc — the parsed-document tree shared by the YAML (TOSCA) and JSON (job document) readers.
 *
 * Every node carries its source mark (file, 1-based line and column; line 0 when unknown,
 * as for JSON values, whose readers only know the JSON pointer). Scalars keep their text
 * and the type YAML 1.1 resolution gave them (the way PyYAML, and so tosca-parser and
 * xOpera, see them): a quoted scalar is always a string. A YAML alias shares the anchored
 * node (the tree is a DAG); readers bound the expanded size, so walking it is safe.
 * A document and all its nodes live in one arena, freed with doc_free(). */
#ifndef MODAK_DOC_H
#define MODAK_DOC_H

#include <stddef.h>

#include "mk_arena.h"
#include "mk_err.h"

typedef enum doc_kind { DOC_SCALAR, DOC_SEQ, DOC_MAP } doc_kind;

/* Resolved type of a scalar. */
typedef enum doc_type {
    DOC_T_NULL,
    DOC_T_BOOL,
    DOC_T_INT,
    DOC_T_FLOAT,
    DOC_T_STR,
    DOC_T_TIMESTAMP,
    DOC_T_COUNT
} doc_type;

typedef struct doc_mark {
    const char *file; /* arena-owned */
    int line, col;    /* 1-based; 0 = unknown */
} doc_mark;

typedef struct doc_node doc_node;
typedef struct doc_pair {
    doc_node *key, *val;
} doc_pair;

struct doc_node {
    doc_kind kind;
    doc_type type; /* scalars only */
    doc_mark mark;
    const char *tag;  /* explicit YAML tag ("!!str", "!foo") or NULL */
    const char *text; /* scalar text (NUL-terminated; may contain NULs when len says so) */
    size_t len;
    int quoted; /* scalar was quoted / block style in YAML, or a JSON string */
    union {
        int b;
        long long i;
        double f;
    } v;
    size_t n;        /* number of items (seq) or pairs (map) */
    doc_node **items; /* DOC_SEQ */
    doc_pair *pairs;  /* DOC_MAP, in source order; keys are unique */
    size_t weight;    /* nodes in the expanded subtree (for alias budgets) */
    size_t start, end; /* byte offsets of the node's text in the source (YAML only), so a
                          later stage can patch the source and keep comments and order */
    int flow;          /* a flow-style collection ({...} or [...]) */
};

typedef struct doc {
    mk_arena arena;
    doc_node *root; /* NULL for an empty document */
    const char *file;
    const char *text; /* the source text (arena copy), for carets in diagnostics */
    size_t text_len;
    int is_json; /* parsed as JSON */
} doc;

/* Limits a reader enforces; zero fields take the defaults below. */
typedef struct doc_limits {
    size_t max_bytes;     /* default 16 MiB */
    int max_depth;        /* default 256 */
    size_t max_expansion; /* nodes after alias expansion; default 1,000,000 */
} doc_limits;

#define DOC_DEFAULT_MAX_BYTES (16u << 20)
#define DOC_DEFAULT_MAX_DEPTH 256
#define DOC_DEFAULT_MAX_EXPANSION 1000000u

/* Readers: NULL on failure with err set (file, line, col, message). Text need not be
 * NUL-terminated. `name` is used in marks and errors. */
doc *doc_read_yaml(const char *name, const char *text, size_t len, const doc_limits *lim,
                   mk_err *err);
doc *doc_read_json(const char *name, const char *text, size_t len, const doc_limits *lim,
                   mk_err *err);
/* Reads a file (size-checked before anything else) and picks YAML or JSON: a file whose
 * first non-blank character is '{' or '[' and whose name ends in .json is JSON. */
doc *doc_read_file(const char *path, const doc_limits *lim, mk_err *err);
void doc_free(doc *d);

/* Checks that text is acceptable input: not empty, no NUL bytes (binary), valid UTF-8.
 * Returns 0 or sets err with the position of the first bad byte. */
int doc_check_text(const char *name, const char *text, size_t len, mk_err *err);

/* What both readers do first: fills lim from in (zero fields take the defaults), refuses
 * text over the size limit, then checks it with doc_check_text(). */
int doc_check_input(const char *name, const char *text, size_t len, const doc_limits *in,
                    doc_limits *lim, mk_err *err);

/* Lookup helpers: NULL when absent or when the node is not a map / seq. */
doc_node *doc_map_get(const doc_node *map, const char *key);
doc_pair *doc_map_pair(const doc_node *map, const char *key);
int doc_is_scalar(const doc_node *n);
int doc_is_null(const doc_node *n); /* NULL pointer or a null scalar */
int doc_is_str(const doc_node *n);
const char *doc_str(const doc_node *n); /* scalar text, or NULL for a non-scalar */
const char *doc_type_name(doc_type t);
const char *doc_kind_name(const doc_node *n); /* "string", "integer", "map", "list", ... */

/* Resolves a plain YAML scalar the YAML 1.1 way (PyYAML's resolver); fills type and value. */
void doc_resolve_plain(doc_node *n);

/* Appends a JSON-pointer token (escaping ~ and /) to a pointer; arena-allocated. */
const char *doc_ptr_append(mk_arena *a, const char *ptr, const char *token);
const char *doc_ptr_index(mk_arena *a, const char *ptr, size_t index);

/* The 1-based line `line` of d's source (without the newline); NULL when out of range. */
const char *doc_source_line(const char *text, size_t text_len, int line, size_t *out_len);

#endif
