/* pipeline — what `modak optimise` and `modak batch` share across blueprints: the registry,
 * the benchmark store, targets, the calibration profile, pools of TOSCA contexts and the
 * compiled binaries, and the two adapters optimise_run calls: decide (the performance
 * model's decide_run) and compile (the graph compiler through its binary cache).
 * pipeline_run() may be called from several threads at once. */
#ifndef MODAK_PIPELINE_H
#define MODAK_PIPELINE_H

#include <stdio.h>

#include "optimise_run.h"

typedef struct pipeline_opts {
    const char *outdir;
    const opt_inputs *inputs;
    const char *target; /* NAME|FILE for every node, or NULL */
    const char **types; /* --types DIR */
    size_t ntypes;
    const char **registries; /* --registry DIR layers */
    size_t nregistries;
    const char *profile; /* calibration profile, or NULL */
    int no_compile, explain;
} pipeline_opts;

/* Appends s to a list of option values. */
void pipeline_opts_add(const char ***list, size_t *n, const char *s);
void pipeline_opts_fini(pipeline_opts *o);

typedef struct pipeline pipeline;
pipeline *pipeline_new(const pipeline_opts *o, mk_err *err);
void pipeline_free(pipeline *p);
int pipeline_run(pipeline *p, const char *path, opt_outcome *res, diag_list *out);

#endif
