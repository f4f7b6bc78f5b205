/* kern_calib — the performance model's kernel microbenchmarks, compiled by `modak model
 * calibrate` with the target's flags and linked with the kernels exactly as a training binary
 * is, so that what it times is what the binary will run.
 *
 * usage: kern_calib THREADS SECONDS < requests
 *
 * One request per line, one answer line per request on stdout:
 *   conv N C H W K R S STRIDE PAD ALGO_FWD ALGO_BWD_DATA ALGO_BWD_WEIGHTS BIAS RELU
 *     -> conv <fwd s> <bwd s> <bwdw s>: one forward, one backward as the binary runs it
 *        (kern_conv2d_bwd: dx and dw), one backward without dx (a network's first layer);
 *        with BIAS and RELU (0 or 1) as the layer fuses them: the forward's epilogue, the
 *        backward's ReLU mask and bias gradient
 *   bn N C HW RELU
 *     -> bn <fwd s> <bwd s>: batch normalisation in training mode, forward and backward
 * Times are the fastest of repeated calls (at least 5, for at least SECONDS in all) on the
 * wall clock: on a shared machine the fastest is the least disturbed by other work (the
 * same choice bench/model.sh makes for the runs it compares against). Calls cycle through copies of the tensors worth more than a last-level cache,
 * so that each call finds its operands in memory as a layer inside a training step does,
 * not in the cache the previous call left them in: measured on warm operands, mnist_cnn's
 * second convolution ran 20-50% faster than inside the step. A bad request is answered "error <why>" and the program goes on; algorithms are
 * kern_conv_algo numbers. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kern.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static float *rnd(size_t n, unsigned seed)
{
    float *p = NULL;
    if (posix_memalign((void **)&p, 64, (n ? n : 1) * sizeof *p)) return NULL;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 9) & 0xffff) / 65536.0f - 0.5f;
    }
    return p;
}

enum { MAX_REPS = 4096, MAX_COPIES = 16 };
#define COLD_BYTES ((size_t)96 << 20) /* more than the last-level caches of today's CPUs */

/* Runs stmt (which may use the copy index `ci_`) until `secs` have passed and at least 5
 * times (at most MAX_REPS); the fastest call. */
#define TIME_BEST(secs, copies, stmt)                                                            \
    __extension__({                                                                                \
        double best_ = 1e30, start_ = now_s();                                                     \
        int reps_ = 0;                                                                             \
        do {                                                                                       \
            int ci_ = reps_ % (copies);                                                            \
            double t0_ = now_s();                                                                  \
            stmt;                                                                                  \
            double dt_ = now_s() - t0_;                                                            \
            if (dt_ < best_) best_ = dt_;                                                          \
            reps_++;                                                                               \
            (void)ci_;                                                                             \
        } while (reps_ < MAX_REPS && (reps_ < 5 || now_s() - start_ < (secs)));                  \
        best_;                                                                                     \
    })

/* How many copies of `bytes` of operands exceed the caches (at most MAX_COPIES). */
static int copies_for(size_t bytes)
{
    size_t n = COLD_BYTES / (bytes ? bytes : 1) + 1;
    return n > MAX_COPIES ? MAX_COPIES : (int)n;
}

/* copies[i] = a copy of copies[0] (filled once: filling 96 MiB with rnd() is slow) */
static int fill_copies(float **v, int n, size_t count, unsigned seed)
{
    if (!(v[0] = rnd(count, seed))) return 0;
    for (int i = 1; i < n; i++) {
        if (posix_memalign((void **)&v[i], 64, (count ? count : 1) * sizeof(float))) return 0;
        memcpy(v[i], v[0], count * sizeof(float));
    }
    return 1;
}

static void free_all(float **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
}

static void conv(kern_ctx *ctx, double secs, const int *a)
{
    kern_conv cv = {.n = a[0], .c = a[1], .h = a[2], .w = a[3], .k = a[4], .r = a[5], .s = a[6],
                    .stride_h = a[7], .stride_w = a[7], .pad_h = a[8], .pad_w = a[8],
                    .algo = (kern_conv_algo)a[9], .algo_bwd_data = (kern_conv_algo)a[10],
                    .algo_bwd_weights = (kern_conv_algo)a[11]};
    kern_err err = {0};
    if (kern_conv_init(&cv, &err)) {
        printf("error %s\n", err.msg);
        return;
    }
    size_t xs = (size_t)cv.n * cv.c * cv.h * cv.w, ws = (size_t)cv.k * cv.c * cv.r * cv.s;
    size_t ys = (size_t)cv.n * cv.k * cv.p * cv.q;
    int nc = copies_for(4 * (2 * xs + 2 * ys));
    float *x[MAX_COPIES] = {0}, *y[MAX_COPIES] = {0}, *dy[MAX_COPIES] = {0}, *dx[MAX_COPIES] = {0};
    float *w = rnd(ws, 2), *dw = rnd(ws, 6), *bias = rnd((size_t)cv.k, 7), *db = rnd((size_t)cv.k, 8);
    const int has_b = a[12], relu = a[13];
    int ok = w && dw && bias && db && fill_copies(x, nc, xs, 1) && fill_copies(y, nc, ys, 3) &&
             fill_copies(dy, nc, ys, 4) && fill_copies(dx, nc, xs, 5);
    int rc = 0;
    if (!ok || kern_ctx_reserve(ctx, kern_conv_workspace(&cv) * (size_t)kern_ctx_threads(ctx))) {
        printf("error out of memory\n");
    } else {
        const float *bi = has_b ? bias : NULL;
        float *dbi = has_b ? db : NULL;
        double f = TIME_BEST(secs, nc, rc |= kern_conv2d_fwd(ctx, &cv, x[ci_], w, bi, relu, y[ci_]));
        double b = TIME_BEST(secs, nc,
                             rc |= kern_conv2d_bwd(ctx, &cv, x[ci_], relu ? y[ci_] : NULL,
                                                   dy[ci_], w, dx[ci_], dw, dbi));
        double bw = TIME_BEST(secs, nc,
                              rc |= kern_conv2d_bwd(ctx, &cv, x[ci_], relu ? y[ci_] : NULL,
                                                    dy[ci_], w, NULL, dw, dbi));
        if (rc)
            printf("error a convolution failed\n");
        else
            printf("conv %.9g %.9g %.9g\n", f, b, bw);
    }
    free_all(x, nc), free_all(y, nc), free_all(dy, nc), free_all(dx, nc);
    free(w), free(dw), free(bias), free(db);
}

static void bn(kern_ctx *ctx, double secs, const int *a)
{
    int n = a[0], c = a[1], hw = a[2], relu = a[3];
    size_t xs = (size_t)n * c * hw;
    int nc = copies_for(4 * 4 * xs);
    float *x[MAX_COPIES] = {0}, *y[MAX_COPIES] = {0}, *dy[MAX_COPIES] = {0}, *dx[MAX_COPIES] = {0};
    float *g = rnd((size_t)c, 5), *be = rnd((size_t)c, 6), *rm = rnd((size_t)c, 7),
          *rv = rnd((size_t)c, 8), *sm = rnd((size_t)c, 9), *si = rnd((size_t)c, 10),
          *dg = rnd((size_t)c, 11), *db = rnd((size_t)c, 12);
    int ok = g && be && rm && rv && sm && si && dg && db && fill_copies(x, nc, xs, 1) &&
             fill_copies(y, nc, xs, 2) && fill_copies(dy, nc, xs, 3) && fill_copies(dx, nc, xs, 4);
    if (!ok) {
        printf("error out of memory\n");
    } else {
        for (int i = 0; i < c; i++)
            rv[i] = 1.0f;
        double f = TIME_BEST(secs, nc,
                               kern_bn_fwd_train(ctx, n, c, hw, 1e-5f, 0.1f, x[ci_], g, be, rm, rv,
                                                 sm, si, relu, y[ci_]));
        double b = TIME_BEST(secs, nc,
                               kern_bn_bwd(ctx, n, c, hw, x[ci_], relu ? y[ci_] : NULL, dy[ci_], g,
                                           sm, si, dx[ci_], dg, db));
        printf("bn %.9g %.9g\n", f, b);
    }
    free_all(x, nc), free_all(y, nc), free_all(dy, nc), free_all(dx, nc);
    free(g), free(be), free(rm), free(rv), free(sm), free(si), free(dg), free(db);
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    double secs = argc > 2 ? atof(argv[2]) : 0.05;
    if (threads < 1 || threads > 256 || !(secs >= 0 && secs < 60)) {
        fprintf(stderr, "usage: kern_calib THREADS SECONDS < requests\n");
        return 2;
    }
    kern_ctx *ctx = kern_ctx_new(threads);
    if (!ctx) {
        fprintf(stderr, "kern_calib: cannot start %d threads\n", threads);
        return 1;
    }
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        int a[14], k = 0;
        char kind[8];
        if (sscanf(line, "%7s%n", kind, &k) != 1) continue;
        const char *p = line + k;
        int want = !strcmp(kind, "conv") ? 14 : !strcmp(kind, "bn") ? 4 : 0, got = 0;
        for (int used; got < want && sscanf(p, "%d%n", &a[got], &used) == 1; got++)
            p += used;
        if (!want || got != want)
            printf("error a request is 'conv' with 14 numbers or 'bn' with 4\n");
        else if (!strcmp(kind, "conv"))
            conv(ctx, secs, a);
        else if (a[0] < 1 || a[1] < 1 || a[2] < 1 || (double)a[0] * a[1] * a[2] > 5e8)
            printf("error bn sizes out of range\n");
        else
            bn(ctx, secs, a);
        fflush(stdout);
    }
    kern_ctx_free(ctx);
    return 0;
}
