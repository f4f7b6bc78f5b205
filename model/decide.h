/* decide — every way a training job could run on a target, each with its predicted time,
 * its feasibility and the reason it won or lost; the fastest feasible one wins.
 *
 * A decision starts from the job's facts (decide_job: the network when the compiler knows
 * it, else the DSL's framework, layers and parameters; the data; the user's constraints
 * from the job document) and the target, with an optional calibration profile, the
 * benchmark store and the registry. It enumerates candidates along every dimension:
 *   image           modak's native binary built for the target or built generic; the
 *                   registry's optimised and stock images of the job's framework (MODAK's
 *                   mapper rules: the framework, version and features exactly, cpu_type
 *                   and acc_type; enable_opt_build false keeps stock images only)
 *   graph compiler  none, xla, ngraph, glow, tvm (from the image's features), modak
 *   threads, batch, ranks per node and nodes; data staging between storage classes
 * Native candidates are predicted layer by layer (predict.c); framework images from the
 * benchmark store scaled to the target (bench_store.c), with its uncertainty band. Each
 * candidate is checked against the target's memory and the job's constraints (nodes,
 * cores, GPUs, fixed ranks/threads/batch, wall time). Feasible candidates are ranked by
 * predicted time to train (per sample when the data count is unknown), ties broken by
 * MODAK's own preference among images and then a stable key; infeasible ones follow in key
 * order.
 *
 * Decisions are data: decide_run() returns a record (inputs, every candidate, the winner)
 * that decision.json (decide_record_to_json) and the --explain table
 * (decide_record_to_text) only print; decide_record_from_json() reads one back. */
#ifndef MODAK_DECIDE_H
#define MODAK_DECIDE_H

#include <stddef.h>

#include <jansson.h>

#include "bench_store.h"
#include "calibrate.h"
#include "mk_arena.h"
#include "mk_buf.h"
#include "mk_err.h"
#include "registry.h"
#include "target.h"

/* How the candidate's program is built. */
typedef enum decide_build {
    DECIDE_NATIVE,          /* modak's binary for the target: -march, fusion, planned memory,
                               per-shape convolution algorithms */
    DECIDE_NATIVE_GENERIC,  /* modak's binary built generic: what a stock image ships */
    DECIDE_IMAGE_OPTIMISED, /* a registry image built with enable_opt_build */
    DECIDE_IMAGE_STOCK,     /* a stock registry image */
    DECIDE_BUILD_COUNT
} decide_build;

typedef enum decide_gc {
    DECIDE_GC_NONE,
    DECIDE_GC_XLA,
    DECIDE_GC_NGRAPH,
    DECIDE_GC_GLOW,
    DECIDE_GC_TVM,
    DECIDE_GC_MODAK,
    DECIDE_GC_COUNT
} decide_gc;

typedef enum decide_status {
    DECIDE_WON,
    DECIDE_LOST,
    DECIDE_INFEASIBLE,
    DECIDE_STATUS_COUNT
} decide_status;

/* Names: "native", "native-generic", "optimised", "stock"; "none", "xla", ...; "won",
 * "lost", "infeasible". The *_from_name functions return -1 for an unknown name. */
const char *decide_build_name(decide_build b);
int decide_build_from_name(const char *s);
const char *decide_gc_name(decide_gc g);
int decide_gc_from_name(const char *s);
const char *decide_status_name(decide_status s);
int decide_status_from_name(const char *s);

/* The facts of one job. Strings live in the job's arena; 0 / NULL means "not given". */
typedef struct decide_job {
    mk_arena arena;
    const char *source; /* the file the facts come from (messages), may be NULL */
    const char *name;   /* job name, may be NULL */
    /* the network: a zoo name or a graph file the compiler knows */
    const char *network;
    /* the DSL's app_type-ai_training */
    const char *framework;         /* ai_framework */
    const char *framework_version; /* ai_framework-<fw>.version */
    json_t *features;              /* the ai_framework-<fw> block (owned), or NULL */
    double layers, parameters;     /* config.layers, config.parameters */
    double data_count, data_size;  /* data.count (samples), data.size (bytes) */
    const char *data_location;     /* data.location */
    int prefetch;                  /* data.etl.prefetch; -1 unknown */
    int epochs;                    /* 0: 1 */
    /* the user's constraints */
    int node_count, core_count, process_count_per_node, core_count_per_process, request_gpus;
    double wall_time_limit;          /* seconds */
    double memory_limit;             /* bytes per node */
    int mpi_ranks, threads, batch;   /* fixed values */
    int enable_opt_build;            /* 1 or 0 (MODAK: a required field; unset counts as 0) */
    const char *cpu_type, *acc_type; /* opt_build; lower case */
    const char *precision;           /* "fp32" unless set */
    /* where each constraint was read from (JSON pointers), for reasons */
    const char *ptr_node_count, *ptr_core_count, *ptr_ppn, *ptr_cpp, *ptr_gpus, *ptr_wall,
        *ptr_memory, *ptr_ranks, *ptr_threads, *ptr_batch;
} decide_job;

void decide_job_init(decide_job *j);
void decide_job_fini(decide_job *j);
/* Copies s into the job's arena. */
const char *decide_job_strdup(decide_job *j, const char *s);
/* Reads the facts of a MODAK job document ({"job": {...}} or the inner object) into j
 * (initialised by the caller). `file` names the document in errors, which give the JSON
 * pointer of the field: "job.json: /job/job_options/node_count: must be an integer > 0". */
int decide_job_from_json(const json_t *doc, const char *file, decide_job *j, mk_err *err);
/* Parses a wall-time duration "[[DD:]HH:]MM:SS" (or "D-HH:MM:SS", or whole seconds);
 * returns seconds, or -1. */
double decide_parse_duration(const char *s);

typedef struct decide_inputs {
    const decide_job *job;
    const target *target;
    const calib_profile *profile; /* may be NULL: uncalibrated predictions */
    const char *profile_path;     /* for the record, may be NULL */
    const json_t *profile_json;   /* the profile as JSON, for the factors `modak model
                                     ingest` fitted (ingest.h); may be NULL */
    const bench_store *store;     /* may be NULL: framework images cannot be predicted */
    const reg_registry *registry; /* may be NULL: modak's native binary only */
    const int *batches;           /* choices; NULL: 16, 32, 64, 128, 256 */
    size_t nbatches;
    const int *threads; /* choices; NULL: 1, 2, 4, ... up to the cores, and the cores */
    size_t nthreads;
    int max_nodes; /* 0: the target's nodes, at most 64 */
} decide_inputs;

typedef struct decide_cand {
    const char *key; /* stable identity and tie-breaker */
    decide_build build;
    const char *image;     /* registry name, or "modak-native" */
    const char *container; /* what the job runs: "docker://..." or the native image */
    const char *framework, *framework_version; /* "modak" for the native binary */
    decide_gc gc;
    const char *device; /* "cpu" or the accelerator model */
    int threads, batch, ranks, nodes, ranks_per_node, gpus_per_node;
    const char *storage;     /* the storage class the data is read from during training */
    const char *staged_from; /* the class it is copied from before training, or NULL */
    /* predictions (seconds); 0 when unknown */
    double step_s, samples_per_s, epoch_s, train_s, staging_s;
    double low_s, high_s; /* the band of the objective */
    double objective_s;   /* what the ranking compares */
    int preference;       /* ties on objective_s: lower first (MODAK's mapper order for
                             images: optimised, CPU-specific, fewer extra features, higher
                             map_id), then the key */
    double memory_bytes, memory_avail_bytes; /* per node */
    const char *basis;                       /* how the time was predicted */
    decide_status status;
    int rank;           /* 1-based among feasible candidates; 0 when infeasible */
    const char *field;  /* the fact that made it infeasible (a JSON pointer or a target
                           property), or NULL */
    const char *reason; /* why it won, lost or cannot run */
} decide_cand;

typedef struct decide_record {
    mk_arena arena;
    /* inputs, as the record states them */
    const char *network, *framework, *framework_version, *job_name, *source;
    double parameters, layers, samples, sample_bytes, data_size;
    int epochs;
    const char *target, *target_file, *microarch, *openblas_coretype, *accelerator;
    int cores, accelerators, target_nodes;
    double node_memory;
    const char *profile, *basis; /* the profile used (path) and what it was */
    json_t *constraints;         /* the user's constraints as given (owned) */
    const char *objective;       /* "time to train" or "time per sample" */
    const char *mapper_choice;   /* what MODAK's mapper alone would have taken, or NULL */
    const char **notes;          /* assumptions said openly */
    size_t nnotes;
    decide_cand *cands; /* ranked: feasible by objective then key, then infeasible by key */
    size_t n;
    long winner; /* index into cands, -1 when nothing is feasible */
} decide_record;

/* Decides; *out is the record (free with decide_record_free) even when no candidate is
 * feasible (winner -1). Returns -1 with err set only for bad inputs (a network that does
 * not load, a target without cores). */
int decide_run(const decide_inputs *in, decide_record **out, mk_err *err);
void decide_record_free(decide_record *r);
/* The winning candidate, or NULL. An optimiser's plan (generator/plan.h, opt_decision) takes
 * from it: image = container (or image when NULL), graph_compiler = decide_gc_name(gc),
 * threads, batch, ranks, nodes, predicted_seconds = train_s (objective_s when the data count
 * is unknown), and from the record target and openblas_coretype; reason = its reason. */
const decide_cand *decide_winner(const decide_record *r);

/* decision.json ("modak-decision/1"). */
void decide_record_to_json(const decide_record *r, mk_buf *out);
json_t *decide_record_json(const decide_record *r);
/* Reads a record back; errors name the file (name) and the JSON pointer of the field. */
decide_record *decide_record_from_json(const char *text, size_t len, const char *name, mk_err *err);
/* The --explain table: the inputs, then the candidates (all of them, or the best `limit`
 * feasible ones and every infeasible group counted by reason when limit > 0). */
void decide_record_to_text(const decide_record *r, size_t limit, mk_buf *out);
/* One paragraph: what was decided and why. */
void decide_record_summary(const decide_record *r, mk_buf *out);

/* A duration for people: "12.3 ms", "4.5 min", ...; `unknown` for s <= 0. Returns buf. */
const char *decide_fmt_seconds(char *buf, size_t n, double s, const char *unknown);

#endif
