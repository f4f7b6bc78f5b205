/* ingest — learning from runs: the metrics a training binary writes (`--metrics
 * FILE.jsonl`) refit the efficiencies of a target profile, so that predictions improve with
 * every run on the target (`modak model ingest`).
 *
 * A metrics file holds JSON lines. Step lines, as kernels/kern_main.c writes them:
 *   {"step": 12, "epoch": 1, "loss": 0.41, "accuracy": 0.88, "images_per_s": 512.3}
 * where images_per_s is the run's running average (images so far / training time so far);
 * a step line may instead (or also) carry its own time as "step_seconds". Evaluation lines
 * ("test_loss") are skipped. A header line (no "step", a "network") starts a run and says
 * what ran: {"network": "mnist_cnn", "batch": 64, "threads": 2, "openblas": "Haswell",
 * "build": "optimised"}; without one, the caller's defaults (--network, --batch, --threads)
 * apply. A run whose step numbers restart or jump (a resumed run appends) is split into
 * segments, each with its own running average.
 *
 * One observation per run: the time per step, without the first step of each segment
 * (warm-up) when there are more. The profile keeps every observation it was ever given
 * (/ingest/observations, each with a hash of its lines so a file ingested twice counts
 * once) and the calibrated efficiencies it started from (/ingest/base), so every refit
 * starts from the same base and is reproducible. The refit, per sgemm fit (thread count):
 * the model's step time splits into GEMM time per shape class (small, medium, large) and
 * everything else; factors a = (a_small, a_medium, a_large, a_other) minimise
 *   sum_obs (predicted_obs(a) / measured_obs - 1)^2 + lambda^2 |a - 1|^2
 *     + mu^2 sum_{k<j} (a_k - a_j)^2
 * (relative error; the first penalty keeps the factors at 1 where no run says otherwise,
 * the second ties the classes to one common factor unless the runs tell them apart, so
 * that a few runs cannot be fitted by wild compensations between classes),
 * by Gauss-Newton steps (the roofline is only piecewise linear in a), each a least-squares
 * problem solved by LAPACK's dgels as calibrate.c does. The fit's efficiencies become base / a;
 * the "other" factor is stored in /ingest/fit and applied by predict (other_factor). */
#ifndef MODAK_INGEST_H
#define MODAK_INGEST_H

#include <stddef.h>

#include <jansson.h>

#include "calibrate.h"
#include "mk_buf.h"
#include "predict.h"
#include "mk_err.h"
#include "target.h"

#define INGEST_RIDGE      0.02
#define INGEST_COUPLING   0.3
#define INGEST_ITERATIONS 4

typedef struct ingest_obs {
    char *network; /* zoo name or graph file */
    int batch, threads;
    int generic;    /* the generic build ran */
    double step_s;  /* measured seconds per step */
    int steps;      /* steps the measurement is over */
    char *source;   /* "file:first-last" (lines) */
    char *openblas; /* OpenBLAS core the run reported, or NULL */
    char hash[17];  /* FNV-1a 64 of the run's lines, hex */
    /* the model's split of the step with the base efficiencies (seconds) */
    double split[4]; /* small, medium, large GEMM classes, other */
    double fixed_s;  /* data and all-reduce: not refitted */
    double predicted_s;
} ingest_obs;

typedef struct ingest_defaults {
    const char *network; /* when a file has no header */
    int batch, threads, generic;
} ingest_defaults;

/* Reads a metrics file; appends one observation per run to *v (malloc'd array of *n).
 * Errors name the file, the line and the field ("m.jsonl:3: /images_per_s: must be a
 * number > 0"). */
int ingest_read_metrics(const char *path, const ingest_defaults *d, ingest_obs **v, size_t *n,
                        mk_err *err);
void ingest_obs_fini(ingest_obs *o);
void ingest_obs_free(ingest_obs *v, size_t n);

typedef struct ingest_fit {
    int threads;
    int generic; /* the generic build's factors (times), else the optimised build's */
    size_t nobs;
    double factor[4]; /* small, medium, large, other */
    double eff_before[3], eff_after[3];
    double rms_before, rms_after; /* relative error of the predictions over its observations */
} ingest_fit;

typedef struct ingest_report {
    size_t added, duplicates, total;
    ingest_fit fits[16];
    size_t nfits;
} ingest_report;

/* A profile to start from when the caller has none: the target's nominal peak at the
 * model's uncalibrated efficiency (50%) and its memory bandwidth, for 1 thread and every
 * thread count in `threads` (and the cores). JSON ("modak-profile/1"), malloc'd. */
char *ingest_seed_profile(const target *t, const int *threads, size_t nthreads);

/* Adds the observations to the profile JSON `profile` (read from `name`, which names it in
 * errors) and refits it in place. Needs the target for the predictions. */
int ingest_update(json_t *profile, const char *name, const target *t, const ingest_obs *obs,
                  size_t n, ingest_report *rep, mk_err *err);

/* Sets po's other_factor and class_factor from the profile's refit for po->threads (the
 * nearest fit) and po->generic: the optimised build's non-GEMM factor, and for the generic
 * build its own time factors on top. No refit (or profile NULL): factors of 1. */
void ingest_apply(const json_t *profile, predict_opts *po);

#endif
