/* tosca — TOSCA Simple Profile 1.3 reading and checking, enough for SODALITE blueprints.
 *
 * A tosca_ctx caches every file it reads (type files are shared by many blueprints in a
 * batch run: each is read and checked once) and holds the search paths for imports. A
 * blueprint's scope is the normative types plus the transitive closure of its imports;
 * type names resolve within that scope. Checking appends diagnostics and never stops at
 * the first one. */
#ifndef MODAK_TOSCA_H
#define MODAK_TOSCA_H

#include "diag.h"
#include "doc.h"

typedef struct tosca_ctx tosca_ctx;

/* Checks one MODAK job-document section (job_options, application, target, optimisation)
 * found in a blueprint; the job-document rules live in dsl.c. */
typedef void (*tosca_check_section_fn)(const char *section, const doc_node *n, const char *ptr,
                                       diag_list *out);

/* The rules between a MODAK job's job_options and application sections. */
typedef void (*tosca_check_cross_fn)(const doc_node *job_options, const char *job_options_ptr,
                                     const doc_node *application, const char *application_ptr,
                                     diag_list *out);

typedef struct tosca_opts {
    const char *const *search_paths; /* --types DIR, in order */
    size_t nsearch;
    const char *modak_types_dir; /* where modak-types.yaml lives; NULL = built in */
    doc_limits limits;
    tosca_check_section_fn check_section; /* NULL: sections are not checked */
    tosca_check_cross_fn check_cross;     /* NULL: not checked */
} tosca_opts;

tosca_ctx *tosca_ctx_new(const tosca_opts *opts, mk_err *err);
void tosca_ctx_free(tosca_ctx *c);

/* Checks one TOSCA file (blueprint or type file) that was read into d (the ctx takes
 * ownership of d). Diagnostics about imported files are reported once per ctx. */
void tosca_check(tosca_ctx *c, doc *d, diag_list *out);

/* True when the document's root looks like TOSCA (has tosca_definitions_version). */
int tosca_is_tosca(const doc_node *root);

/* ---- a checked blueprint, for later stages (optimise) ---- */
typedef struct tosca_scope tosca_scope;
/* Reads and checks a blueprint, returning its scope (NULL when it has errors). */
tosca_scope *tosca_open(tosca_ctx *c, doc *d, diag_list *out);
void tosca_scope_free(tosca_scope *s);
const doc_node *tosca_scope_root(const tosca_scope *s);
const doc *tosca_scope_doc(const tosca_scope *s); /* its source text, for annotation */
/* Is node type `type` (by name) `ancestor` or derived from it, in this scope? */
int tosca_type_is_a(const tosca_scope *s, const char *type, const char *ancestor);

/* The files of a scope: the root and, through its imports, every file it reads (built-in
 * ones have no path). For writing a blueprint out with the files it needs beside it. */
typedef struct tosca_file tosca_file;
const tosca_file *tosca_scope_file(const tosca_scope *s);
size_t tosca_file_nimports(const tosca_file *f);
/* The i-th import of f; *name gets the import as written. */
const tosca_file *tosca_file_import(const tosca_file *f, size_t i, const char **name);
const char *tosca_file_path(const tosca_file *f); /* NULL for modak's built-in files */
const char *tosca_file_text(const tosca_file *f, size_t *len);

/* The built-in texts (embedded at build time). */
extern const char tosca_normative_yaml[];
extern const unsigned long tosca_normative_yaml_len;
extern const char modak_types_yaml[];
extern const unsigned long modak_types_yaml_len;
extern const char sodalite_hpc_yaml[];
extern const unsigned long sodalite_hpc_yaml_len;

#endif
