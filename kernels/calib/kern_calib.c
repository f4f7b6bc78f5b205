/* kern_calib — the performance model's kernel microbenchmarks, compiled by `modak model
 * calibrate` with the target's flags and linked with the kernels exactly as a training binary
 * is, so that what it times is what the binary will run.
 *
 * usage: kern_calib THREADS SECONDS < requests
 *
 * One request per line, one answer line per request on stdout:
 *   conv N C H W K R S STRIDE PAD ALGO_FWD ALGO_BWD_DATA ALGO_BWD_WEIGHTS
 *     -> conv <fwd s> <bwd s> <bwdw s>: one forward (no bias), one backward as the binary runs
 *        it (kern_conv2d_bwd: dx and dw), one backward without dx (a network's first layer)
 *   bn N C HW RELU
 *     -> bn <fwd s> <bwd s>: batch normalisation in training mode, forward and backward
 * Times are the best of repeated calls (at least 3, for at least SECONDS each) on the wall
 * clock. A bad request is answered "error <why>" and the program goes on; algorithms are
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

#define TIME_BEST(secs, stmt)                                                                      \
    __extension__({                                                                                \
        double best_ = 1e30, start_ = now_s();                                                     \
        int reps_ = 0;                                                                             \
        do {                                                                                       \
            double t0_ = now_s();                                                                  \
            stmt;                                                                                  \
            double dt_ = now_s() - t0_;                                                            \
            if (dt_ < best_) best_ = dt_;                                                          \
            reps_++;                                                                               \
        } while (reps_ < 3 || now_s() - start_ < (secs));                                          \
        best_;                                                                                     \
    })

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
    float *x = rnd(xs, 1), *w = rnd(ws, 2), *y = rnd(ys, 3), *dy = rnd(ys, 4), *dx = rnd(xs, 5),
          *dw = rnd(ws, 6);
    int rc = 0;
    if (!x || !w || !y || !dy || !dx || !dw ||
        kern_ctx_reserve(ctx, kern_conv_workspace(&cv) * (size_t)kern_ctx_threads(ctx))) {
        printf("error out of memory\n");
    } else {
        double f = TIME_BEST(secs, rc |= kern_conv2d_fwd(ctx, &cv, x, w, NULL, 0, y));
        double b = TIME_BEST(secs, rc |= kern_conv2d_bwd(ctx, &cv, x, NULL, dy, w, dx, dw, NULL));
        double bw =
            TIME_BEST(secs, rc |= kern_conv2d_bwd(ctx, &cv, x, NULL, dy, w, NULL, dw, NULL));
        if (rc)
            printf("error a convolution failed\n");
        else
            printf("conv %.9g %.9g %.9g\n", f, b, bw);
    }
    free(x), free(w), free(y), free(dy), free(dx), free(dw);
}

static void bn(kern_ctx *ctx, double secs, const int *a)
{
    int n = a[0], c = a[1], hw = a[2], relu = a[3];
    size_t xs = (size_t)n * c * hw;
    float *x = rnd(xs, 1), *y = rnd(xs, 2), *dy = rnd(xs, 3), *dx = rnd(xs, 4);
    float *g = rnd((size_t)c, 5), *be = rnd((size_t)c, 6), *rm = rnd((size_t)c, 7),
          *rv = rnd((size_t)c, 8), *sm = rnd((size_t)c, 9), *si = rnd((size_t)c, 10),
          *dg = rnd((size_t)c, 11), *db = rnd((size_t)c, 12);
    if (!x || !y || !dy || !dx || !g || !be || !rm || !rv || !sm || !si || !dg || !db) {
        printf("error out of memory\n");
    } else {
        for (int i = 0; i < c; i++)
            rv[i] = 1.0f;
        double f = TIME_BEST(
            secs, kern_bn_fwd_train(ctx, n, c, hw, 1e-5f, 0.1f, x, g, be, rm, rv, sm, si, relu, y));
        double b = TIME_BEST(
            secs, kern_bn_bwd(ctx, n, c, hw, x, relu ? y : NULL, dy, g, sm, si, dx, dg, db));
        printf("bn %.9g %.9g\n", f, b);
    }
    free(x), free(y), free(dy), free(dx), free(g), free(be), free(rm), free(rv), free(sm),
        free(si), free(dg), free(db);
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
        int a[12], k = 0;
        char kind[8];
        if (sscanf(line, "%7s%n", kind, &k) != 1) continue;
        const char *p = line + k;
        int want = !strcmp(kind, "conv") ? 12 : !strcmp(kind, "bn") ? 4 : 0, got = 0;
        for (int used; got < want && sscanf(p, "%d%n", &a[got], &used) == 1; got++)
            p += used;
        if (!want || got != want)
            printf("error a request is 'conv' with 12 numbers or 'bn' with 4\n");
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
