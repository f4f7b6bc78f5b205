/* optimise_run — one blueprint through modak's main job, for `modak optimise` and
 * `modak batch`: check it, find its AI-training nodes, decide each with the performance
 * model, compile the training binary, generate the job script, and write the output
 * directory atomically (a temporary sibling renamed into place).
 *
 * The decision and the compilation come in through function pointers so that the run can
 * be tested with fakes and so that the commands choose how (cached, explained, ...). */
#ifndef MODAK_OPTIMISE_RUN_H
#define MODAK_OPTIMISE_RUN_H

#include <jansson.h>

#include "diag.h"
#include "mk_arena.h"
#include "optimise.h"
#include "plan.h"
#include "registry.h"
#include "tosca.h"

typedef struct opt_decide_in {
    const char *node;      /* the AI-training node */
    const json_t *job;     /* its job document {"job": {...}} */
    const char *network;   /* a network the compiler knows (zoo name or graph file), or NULL */
    const char *target;    /* target name or file, or NULL (the job's target / the host) */
    const char *dataset;   /* training data directory, or NULL */
    int epochs;
} opt_decide_in;

/* Fills out (its strings allocated in a) and returns 0; *record is the full decision
 * record (every candidate) for decision.json. */
typedef int (*opt_decide_fn)(void *ud, const opt_decide_in *in, mk_arena *a, opt_decision *out,
                             json_t **record, mk_err *err);
/* Builds (or finds in the cache) the training binary; *binary is malloc'd. */
typedef int (*opt_compile_fn)(void *ud, const char *network, const opt_decision *d, char **binary,
                              mk_err *err);

typedef struct opt_config {
    const char *outdir;
    const opt_inputs *inputs;
    const char *target;     /* --target, or NULL */
    int no_compile;         /* decide and write everything but the binary */
    const reg_registry *reg;
    const char *timestamp;  /* YYYYmmddHHMMSS for job script names */
    const char *base_image; /* of the optimised container */
    const tosca_opts *tosca; /* search paths, limits, hooks (for the self-check) */
    opt_decide_fn decide;
    void *decide_ud;
    opt_compile_fn compile;
    void *compile_ud;
} opt_config;

typedef enum opt_status { OPT_CONVERTED, OPT_SKIPPED, OPT_FAILED } opt_status;

typedef struct opt_outcome {
    opt_status status;
    char *name;    /* the blueprint's name (file stem) */
    char *outdir;  /* OUTDIR/<name> when converted */
    size_t nodes;  /* AI-training nodes */
    char *message; /* the first error, why it was skipped, or a one-line summary */
    char *explain; /* every node's candidate table (when the decider gives one), or NULL */
    json_t *nodes_json; /* per node: name, image, graph compiler, threads, batch, predicted s */
} opt_outcome;

/* Runs one blueprint. Diagnostics (the blueprint's own, and errors) go to out; res says
 * what happened. Returns 0 when converted or skipped, -1 when it failed. */
int opt_blueprint(tosca_ctx *tc, const opt_config *cfg, const char *path, opt_outcome *res,
                  diag_list *out);
void opt_outcome_fini(opt_outcome *o);

#endif
