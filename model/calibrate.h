/* calibrate — short microbenchmarks on this machine and the least-squares fit of the
 * efficiencies the performance model multiplies its rooflines by; the result is a target
 * profile (JSON, "modak-profile/1", docs/targets.md).
 *
 * Measured: OpenBLAS sgemm at network-like shapes (im2col forms of the zoo's convolutions
 * and its dense layers) for each thread count, and a STREAM-style triad for the memory
 * bandwidth. Fitted (LAPACK dgels from OpenBLAS, rows weighted by 1/time so the fit is in
 * relative error): seconds = flops / F + bytes / B + c per thread count, plus the mean
 * efficiency per shape class. Convolution algorithms come from the kernels library through
 * a hook (calib_opts.conv); without it the profile says they were not measured.
 *
 * OpenBLAS's kernel is chosen when the process starts (OPENBLAS_CORETYPE): calibration
 * must run with the core type the training binary will use, so `modak model calibrate`
 * re-executes itself with it set; the profile records the core OpenBLAS reported. */
#ifndef MODAK_CALIBRATE_H
#define MODAK_CALIBRATE_H

#include <stddef.h>

#include "mk_buf.h"
#include "mk_err.h"
#include "target.h"

typedef struct calib_shape {
    int m, n, k;
    const char *what; /* where the shape comes from ("resnet50 conv3x3 64ch 56x56") */
} calib_shape;

typedef struct calib_profile calib_profile;

/* The kernels' own microbenchmarks (kernels/calib/kern_calib.c compiled for the target, as
 * the training binary is): every convolution shape of the networks with the algorithms the
 * compiler picks for the target and with the generic build's im2col, and every batch
 * normalisation shape, timed on `threads` threads. Appends to p->conv and p->bn. 0, or -1
 * with err set. */
typedef int (*calib_kernels_fn)(void *ud, int threads, calib_profile *p, mk_err *err);

typedef struct calib_opts {
    const calib_shape *shapes; /* NULL: calib_default_shapes() */
    size_t nshapes;
    const int *threads; /* NULL: 1 and the target's cores (when more than 1) */
    size_t nthreads;
    double min_seconds; /* per measurement; 0: 0.15 s */
    size_t triad_bytes; /* per array; 0: 64 MiB */
    calib_kernels_fn kernels; /* NULL: the kernels are not measured */
    void *kernels_ud;
    const char *openblas_how;      /* what the caller did about OPENBLAS_CORETYPE */
} calib_opts;

typedef struct calib_point {
    int m, n, k, threads;
    const char *what;
    double seconds, gflops, efficiency; /* efficiency against the nominal peak */
} calib_point;

typedef struct calib_fit {
    int threads;
    int params;                              /* how many of F, B, c the fit kept (3, 2 or 1) */
    double gflops;                           /* F: sustained sgemm GFLOP/s */
    double bytes_gbs;                        /* B: operand traffic GB/s (0 when dropped) */
    double overhead_us;                      /* c: per call */
    double rms_rel;                          /* root-mean-square relative error of the fit */
    double eff_small, eff_medium, eff_large; /* mean efficiency per shape class, 0 if none */
} calib_fit;

/* One convolution shape with one choice of algorithms (kern_conv_algo numbers for the
 * forward, backward-data and backward-weights passes), timed over `images` images split
 * among `threads` threads: a forward, a backward as the binary runs it (dx and dw), and a
 * backward without dx (what a network's first layer runs). */
typedef struct calib_conv_point {
    int c, h, w, k, r, s, stride, pad;
    int bias, relu; /* the layer's fused bias and ReLU (forward epilogue, backward mask and db) */
    int generic;    /* timed as the generic build compiles the kernels (and its OpenBLAS core) */
    int algo[3];
    int threads, images;
    double fwd_s, bwd_s, bwdw_s;
    double gflops; /* forward + backward FLOPs over fwd_s + bwd_s */
} calib_conv_point;

/* Batch normalisation (training mode) of `images` images of c x hw, fused ReLU or not. */
typedef struct calib_bn_point {
    int c, hw, relu, generic, threads, images;
    double fwd_s, bwd_s;
} calib_bn_point;

struct calib_profile {
    char target[128], microarch[64], created[32];
    char openblas_core[64], openblas_env[64], openblas_how[160], openblas_config[256];
    double peak_fp32_node; /* nominal, FLOP/s */
    int cores;
    calib_point *points;
    size_t npoints;
    calib_fit fits[8];
    size_t nfits;
    int triad_threads[8];
    double triad_gbs[8];
    size_t ntriad;
    double triad_array_bytes;
    calib_conv_point *conv;
    size_t nconv;
    calib_bn_point *bn;
    size_t nbn;
    int kernels_measured;
    char kernels_note[256]; /* how the kernels were measured, or why not */
    double seconds;         /* wall time of the whole calibration */
};

const calib_shape *calib_default_shapes(size_t *n);
/* Shape class by the smallest dimension: "small" (< 64), "medium" (< 256), "large". */
const char *calib_shape_class(int m, int n, int k);

/* Runs everything; p is filled (free with calib_profile_fini). */
int calib_run(const target *t, const calib_opts *o, calib_profile *p, mk_err *err);
void calib_profile_fini(calib_profile *p);
void calib_profile_to_json(const calib_profile *p, mk_buf *out);
/* Reads a profile back (its fits, triads and OpenBLAS record; not the points). Errors name
 * the file and field. */
int calib_profile_load(const char *path, calib_profile *p, mk_err *err);
/* The fit for `threads` (the nearest thread count measured), or NULL when none. */
const calib_fit *calib_fit_for(const calib_profile *p, int threads);
/* The triad bandwidth (bytes/s) for `threads`, interpolated; 0 when none. */
double calib_triad_for(const calib_profile *p, int threads);

/* The measured point of a convolution shape and algorithm triple at the thread count
 * nearest `threads` (NULL when that shape and triple were not measured). */
const calib_conv_point *calib_conv_find(const calib_profile *p, const calib_conv_point *key,
                                        int threads);
/* The same for batch normalisation (c, hw, relu, generic of key). */
const calib_bn_point *calib_bn_find(const calib_profile *p, const calib_bn_point *key,
                                    int threads);
/* Appending (the kernels hook's helpers). */
void calib_add_conv(calib_profile *p, const calib_conv_point *c);
void calib_add_bn(calib_profile *p, const calib_bn_point *b);

/* Least squares min ||A x - b|| (A is m x n, row-major; m >= n) by LAPACK's dgels. */
int calib_lstsq(const double *A, const double *b, int m, int n, double *x, mk_err *err);
/* One sgemm fit over points of one thread count (exposed for tests). */
int calib_fit_points(const calib_point *pts, size_t n, int threads, double peak, calib_fit *f,
                     mk_err *err);
/* STREAM triad a[i] = b[i] + s*c[i] on `threads` threads over arrays of `bytes` each;
 * returns GB/s (24 bytes per element-iteration counted, as STREAM does), best of reps. */
double calib_triad(size_t bytes, int threads, double min_seconds);

#endif
