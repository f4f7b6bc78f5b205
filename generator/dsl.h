/* dsl — the rules of MODAK job documents and of the optimisation DSL inside them.
 *
 * A job document is `{"job": {"job_options", "application", "target", "optimisation"}}`
 * as MODAK's REST API and CLI take it; an optimisation document is the DSL alone,
 * `{"optimisation": {...}}`; a container mapping is what MODAK's mapper registers an
 * optimised container with (`{"name", "container_file", ..., "optimisation": {...}}`).
 * The checks work on the parsed doc tree (generator/doc.h), so the same rules serve JSON
 * files and the maps a TOSCA blueprint carries (SODALITE's `sodalite.nodes.modak.job`,
 * modak's `modak.nodes.AITraining`), with positions at the blueprint's lines.
 *
 * Every field is a row in a table (name, type, required, constraint); MODAK's pydantic
 * model and SODALITE's TOSCA datatypes are the sources, docs/dsl.md the reference. Checks
 * never stop at the first problem: each appends diagnostics (rule ids `dsl.*`, the JSON
 * pointer of the value, a message and a hint) to a diag_list. */
#ifndef MODAK_DSL_H
#define MODAK_DSL_H

#include "diag.h"
#include "doc.h"

/* The kinds of document the DSL rules know; 0 is "not one of them". */
typedef enum dsl_doc_kind {
    DSL_DOC_NONE = 0,
    DSL_DOC_JOB,           /* {"job": {...}} */
    DSL_DOC_OPTIMISATION,  /* {"optimisation": {...}} (or MODAK's early "optimization") */
    DSL_DOC_CONTAINER_MAP, /* {"name", "container_file", ...}: MODAK's map_container input */
    DSL_DOC_COUNT
} dsl_doc_kind;

/* Content sniffing for `modak validate`: the kind of document root is (a dsl_doc_kind,
 * non-zero for every kind above), or 0 when it is none of them. Decides on the top-level
 * keys alone, so a broken job document is still recognised as one. */
int dsl_is_job_document(const doc_node *root);
const char *dsl_doc_kind_name(dsl_doc_kind k);

/* Checks a whole document of any kind above (a root that is none of them gets one
 * `dsl.document` error), cross-section rules included. Pointers start at the root
 * (`/job/job_options/node_count`). */
void dsl_check_job(const doc_node *root, diag_list *out);

/* Checks one section given as a map: "job_options", "application", "target" or
 * "optimisation" (also "job" and "container_map"). `ptr` is the JSON pointer of n
 * ("" for a root). Used for blueprint properties; rules that need two sections (MPI ranks
 * against the nodes asked for) are in dsl_check_cross(). An unknown section name gets a
 * `dsl.section` error. */
void dsl_check_section(const char *section, const doc_node *n, const char *ptr, diag_list *out);

/* The rules between job_options and application; either may be NULL (then nothing). */
void dsl_check_cross(const doc_node *job_options, const char *job_options_ptr,
                     const doc_node *application, const char *application_ptr, diag_list *out);

/* Writes the field tables of every section as Markdown: docs/dsl.md embeds this text
 * between its GENERATED markers, and a test keeps the two the same. */
void dsl_write_reference(mk_buf *out);

/* Reads a job document from text: JSON, or, as MODAK's own examples
 * (solver_optimisation_dsl.json) have it, a bare object member `"optimization": {...}`,
 * which is read as if wrapped in braces with a `dsl.fragment` warning. Returns NULL with
 * err set (line and column of the JSON syntax error) when neither reading works. */
doc *dsl_read(const char *name, const char *text, size_t len, const doc_limits *lim, diag_list *out,
              mk_err *err);
/* Reads a file (size-checked first) with dsl_read(). */
doc *dsl_read_file(const char *path, const doc_limits *lim, diag_list *out, mk_err *err);

#endif
