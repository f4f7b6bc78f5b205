/* optimise — from a checked blueprint to the facts `modak optimise` decides on.
 *
 * opt_find() finds every AI-training node (a modak.nodes.AITraining, or SODALITE's
 * sodalite.nodes.modak.job) with what the blueprint relates to it: the JobExecution whose
 * `application` requirement names it, the host (a sodalite.nodes.hpc.WM: scheduler and
 * optimisations.target) and the container Runtime. opt_job_document() builds the MODAK job
 * document from them the way SODALITE's IaC builder does, resolving get_input from the
 * given input values or the inputs' defaults. opt_annotate() patches the blueprint's text
 * (so comments and key order survive) with the decision. */
#ifndef MODAK_OPTIMISE_H
#define MODAK_OPTIMISE_H

#include <jansson.h>

#include "doc.h"
#include "mk_buf.h"
#include "plan.h"
#include "tosca.h"

typedef struct opt_inputs {
    const char **names;
    const doc_node **values; /* parsed values (from --input NAME=VALUE or --inputs FILE) */
    size_t n;
} opt_inputs;

typedef struct opt_found {
    const char *name;      /* the AI-training node */
    const doc_node *node;  /* its template */
    int sodalite_job;      /* a sodalite.nodes.modak.job (else modak.nodes.AITraining) */
    const char *job_name;  /* the JobExecution node, or NULL */
    const doc_node *job;
    const char *host_name; /* the WM node, or NULL */
    const doc_node *host;
    const char *runtime_name; /* the Runtime node, or NULL */
    const doc_node *runtime;
} opt_found;

/* Finds the AI-training nodes of a checked blueprint (root of its document). Returns the
 * count; *out is malloc'd (free it). */
size_t opt_find(const tosca_scope *s, const doc_node *root, opt_found **out);

/* Builds {"job": {...}} for a found node. Returns NULL with err naming the value (an input
 * without a value, a function that cannot be resolved here). */
json_t *opt_job_document(const doc_node *root, const opt_found *f, const opt_inputs *in,
                         mk_err *err);

/* Resolves a property of a node template to a JSON value (functions resolved); NULL when the
 * property is absent. */
json_t *opt_property(const doc_node *root, const doc_node *tpl, const char *name,
                     const opt_inputs *in, mk_err *err);

/* Text edits on the blueprint. */
typedef struct opt_edit {
    size_t start, end; /* replace [start, end) of the source */
    char *text;
    size_t seq; /* order of creation: edits at one offset keep it */
} opt_edit;

typedef struct opt_edits {
    opt_edit *v;
    size_t n;
} opt_edits;

void opt_edits_fini(opt_edits *e);
/* Sets property `key` of node template tpl to the YAML text `yaml` (a flow value):
 * replaces its value when present, else inserts the property (creating `properties:`). */
void opt_set_property(opt_edits *e, const doc *d, const doc_node *tpl, const char *key,
                      const char *yaml);
/* Replaces the text of a scalar node. */
void opt_replace_scalar(opt_edits *e, const doc_node *n, const char *yaml);
/* Makes sure the blueprint imports `file`. */
void opt_ensure_import(opt_edits *e, const doc *d, const char *file);
/* Applies the edits to d's text; returns the new text (malloc'd). */
char *opt_apply(const doc *d, opt_edits *e);

#endif
