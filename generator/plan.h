/* plan — what `modak optimise` decided for one blueprint, as the emitters consume it.
 *
 * The optimiser (cmd_optimise.c) builds a plan: for each AI-training node of the blueprint,
 * the decision of the performance model, the job script, the compiled training binary and
 * the deployment facts (scheduler, workspace, data). Emitters (emit_*.c) turn a plan into
 * files under a temporary output directory; they never read the blueprint themselves.
 * Every string here may come from the user's blueprint: emitters escape each one for the
 * context it lands in (shell word, YAML scalar, Ansible `!unsafe` value, Dockerfile JSON
 * array, Singularity section). Node names are checked by the optimiser to match
 * [A-Za-z0-9_.-]+ and not to be "." or "..", so they are safe in file names. */
#ifndef MODAK_PLAN_H
#define MODAK_PLAN_H

#include <stddef.h>

#include "mk_err.h"

typedef struct opt_decision {
    const char *image;          /* chosen container image (docker://... or a local name) */
    const char *graph_compiler; /* none, xla, ngraph, glow, tvm, modak */
    int threads, batch, ranks, nodes;
    double predicted_seconds; /* time to train */
    const char *target;       /* target name */
    const char *openblas_coretype; /* OPENBLAS_CORETYPE the binary runs with, e.g. SkylakeX */
    const char *reason;            /* one line: why this candidate won */
    const char *explain;           /* the candidate table (--explain), or NULL */
    const char *microarch;         /* the target's micro-architecture (compiler flags) */
    int generic;                   /* modak's binary built generic (what a stock image ships) */
} opt_decision;

typedef struct opt_node {
    const char *name;      /* AI-training node template name */
    const char *job_node;  /* its JobExecution node, or NULL */
    const char *scheduler; /* slurm, torque, pbs or batch */
    const char *runtime;   /* singularity or docker */
    const char *workspace; /* remote directory the job runs in */
    const char *dataset;   /* directory with the training data on the target */
    const char *network;   /* zoo name or graph file */
    int epochs;
    const char *train_args;  /* arguments of `<node>-train train` (command text) */
    const char *job_script;  /* text of jobs/<name>.sh */
    const char *binary;      /* compiled training binary on this machine, or NULL */
    const char *base_image;  /* base image of the optimised container (e.g. debian:12-slim) */
    opt_decision decision;
} opt_node;

typedef struct opt_plan {
    const char *blueprint; /* the blueprint's name (file stem) */
    opt_node *nodes;
    size_t n;
} opt_plan;

/* Writes playbooks/ (deploy.yml, undeploy.yml, vars/<node>.yml, ...) under dir. */
int emit_playbooks(const opt_plan *p, const char *dir, mk_err *err);
/* Writes containers/<node>/Dockerfile and Singularity.def under dir for node i. */
int emit_containers(const opt_plan *p, size_t i, const char *dir, mk_err *err);

#endif
