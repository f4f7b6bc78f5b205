/* bench_kernels — achieved GFLOP/s of the convolution kernels (each algorithm, forward,
 * backward-data, backward-weights) at the largest mnist_cnn / resnet20 / resnet50 shapes,
 * beside OpenBLAS's own sgemm at the same GEMM shape (m = k output channels, n = batch x p x q,
 * k = c x r x s, OpenBLAS threaded with the same thread count). Run by bench/kernels.sh;
 * prints a table and never fails on speed.
 *
 * usage: bench_kernels [THREADS] [SECONDS_PER_MEASUREMENT] */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "kern.h"

/* With one thread the clock is the thread's CPU time, which a busy shared machine inflates
 * far less than the wall clock; with several, the wall clock. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(bench_clock, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static float *rnd(size_t n, unsigned seed)
{
    float *p = NULL;
    if (posix_memalign((void **)&p, 64, (n ? n : 1) * sizeof *p)) abort();
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 9) & 0xffff) / 65536.0f - 0.5f;
    }
    return p;
}

struct shape {
    const char *name;
    int n, c, h, w, k, r, s, stride, pad;
};

static const struct shape shapes[] = {
    {"mnist_cnn conv1", 128, 1, 28, 28, 32, 3, 3, 1, 0},
    {"mnist_cnn conv2", 128, 32, 26, 26, 64, 3, 3, 1, 0},
    {"resnet20 stage1 3x3", 128, 16, 32, 32, 16, 3, 3, 1, 1},
    {"resnet20 stage3 3x3", 128, 64, 8, 8, 64, 3, 3, 1, 1},
    {"resnet50 conv1 7x7/2", 8, 3, 224, 224, 64, 7, 7, 2, 3},
    {"resnet50 stage1 3x3", 8, 64, 56, 56, 64, 3, 3, 1, 1},
    {"resnet50 stage1 1x1", 8, 256, 56, 56, 64, 1, 1, 1, 0},
    {"resnet50 stage4 3x3", 8, 512, 7, 7, 512, 3, 3, 1, 1},
};

enum op { FWD, BWD_DATA, BWD_W };
static const char *op_names[] = {"fwd", "bwd-data", "bwd-weights"};

/* Repeats fn until `secs` have passed (at least twice); the best time of one call. */
#define TIME_BEST(secs, stmt)                                                                      \
    ({                                                                                             \
        double best_ = 1e30, start_ = now_s();                                                     \
        int reps_ = 0;                                                                             \
        do {                                                                                       \
            double t0_ = now_s();                                                                  \
            stmt;                                                                                  \
            double dt_ = now_s() - t0_;                                                            \
            if (dt_ < best_) best_ = dt_;                                                          \
            reps_++;                                                                               \
        } while (reps_ < 2 || now_s() - start_ < (secs));                                          \
        best_;                                                                                     \
    })

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    double secs = argc > 2 ? atof(argv[2]) : 0.3;
    if (threads < 1) threads = 1;
    if (threads == 1) bench_clock = CLOCK_THREAD_CPUTIME_ID;
    printf("threads %d, OpenBLAS core %s, timed by %s (best of repeated runs)\n", threads,
           kern_coretype_active(), threads == 1 ? "thread CPU time" : "wall clock");
    printf("%-22s %-12s %-15s %9s %9s %6s\n", "layer", "pass", "algorithm", "GFLOP/s", "sgemm",
           "ratio");
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        const struct shape *sh = &shapes[si];
        kern_conv base = {sh->n, sh->c,          sh->h,          sh->w,         sh->k,   sh->r,
                          sh->s, sh->stride,     sh->stride,     sh->pad,       sh->pad, 0,
                          0,     KERN_CONV_AUTO, KERN_CONV_AUTO, KERN_CONV_AUTO};
        if (kern_conv_init(&base, NULL)) return 1;
        size_t xs = (size_t)base.n * base.c * base.h * base.w;
        size_t ws = (size_t)base.k * base.c * base.r * base.s;
        size_t ys = (size_t)base.n * base.k * base.p * base.q;
        float *x = rnd(xs, 1), *w = rnd(ws, 2), *b = rnd(base.k, 3), *y = rnd(ys, 4);
        float *dx = rnd(xs, 5), *dw = rnd(ws, 6);
        /* OpenBLAS's own rate at the whole-batch GEMM shape, with its own threads */
        int M = base.k, N = base.n * base.p * base.q, K = base.c * base.r * base.s;
        float *A = rnd((size_t)M * K, 7), *Bm = rnd((size_t)K * N, 8), *C = rnd((size_t)M * N, 9);
        openblas_set_num_threads(threads);
        double tg = TIME_BEST(secs, cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K,
                                                1.0f, A, K, Bm, N, 0.0f, C, N));
        double gemm_rate = 2.0 * M * N * (double)K / tg / 1e9;
        free(A), free(Bm), free(C);
        kern_ctx *ctx = kern_ctx_new(threads); /* sets OpenBLAS back to one thread */
        kern_conv_algo auto_algo[3] = {base.algo, base.algo_bwd_data, base.algo_bwd_weights};
        for (int algo = 1; algo < KERN_CONV_ALGO_COUNT; algo++) {
            kern_conv cv = base;
            cv.algo = cv.algo_bwd_data = cv.algo_bwd_weights = (kern_conv_algo)algo;
            if (kern_conv_init(&cv, NULL)) continue;
            for (int op = 0; op < 3; op++) {
                double t;
                if (op == FWD)
                    t = TIME_BEST(secs, kern_conv2d_fwd(ctx, &cv, x, w, b, 1, y));
                else if (op == BWD_DATA)
                    t = TIME_BEST(secs, kern_conv2d_bwd_data(ctx, &cv, y, w, dx));
                else
                    t = TIME_BEST(secs, kern_conv2d_bwd_weights(ctx, &cv, x, y, dw, NULL));
                double rate = kern_conv_flops(&cv) / t / 1e9;
                printf("%-22s %-12s %-15s%s %8.1f %9.1f %5.0f%%\n", sh->name, op_names[op],
                       kern_conv_algo_name(cv.algo), algo == (int)auto_algo[op] ? "*" : " ", rate,
                       gemm_rate, 100 * rate / gemm_rate);
            }
        }
        fflush(stdout);
        kern_ctx_free(ctx);
        free(x), free(w), free(b), free(y), free(dx), free(dw);
    }
    printf("(* = the algorithm AUTO picks; sgemm = OpenBLAS on m=k, n=batch*p*q, k=c*r*s)\n");
    return 0;
}
