/* kern_gemm — GEMM (OpenBLAS's cblas_sgemm, and a blocked split of it over the context's
 * threads) and the dense layer built on it, each beside its naive reference.
 *
 * kern_sgemm_par splits C into column (or row) blocks, one per thread, and calls the
 * single-threaded OpenBLAS on each: the blocks are disjoint, so the result is the same bits
 * as OpenBLAS would give for that block, and it does not depend on scheduling. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <string.h>

#include <cblas.h>

#include "kern.h"
#include "kern_impl.h"

void kern_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void kern_sgemm_ref(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                    int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double acc = 0;
            for (int l = 0; l < k; l++) {
                float av = trans_a ? a[(size_t)l * lda + i] : a[(size_t)i * lda + l];
                float bv = trans_b ? b[(size_t)j * ldb + l] : b[(size_t)l * ldb + j];
                acc += (double)av * bv;
            }
            float *cv = &c[(size_t)i * ldc + j];
            *cv = (float)(alpha * acc + (beta == 0.0f ? 0.0 : (double)beta * *cv));
        }
}

struct gemm_job {
    int ta, tb, m, n, k;
    float alpha, beta;
    const float *a, *b;
    float *c;
    int lda, ldb, ldc;
    int split_cols; /* split n (else m) */
};

static void gemm_task(void *p, int ith, int nth)
{
    const struct gemm_job *g = p;
    int total = g->split_cols ? g->n : g->m;
    /* Blocks of 16 columns/rows keep every thread's block a whole number of SIMD vectors. */
    size_t nblk = ((size_t)total + 15) / 16, b0, b1;
    kern_split(nblk, ith, nth, &b0, &b1);
    int lo = (int)(b0 * 16), hi = (int)(b1 * 16);
    if (hi > total) hi = total;
    if (lo >= hi) return;
    if (g->split_cols) {
        const float *b = g->tb ? g->b + (size_t)lo * g->ldb : g->b + lo;
        kern_sgemm(g->ta, g->tb, g->m, hi - lo, g->k, g->alpha, g->a, g->lda, b, g->ldb, g->beta,
                   g->c + lo, g->ldc);
    } else {
        const float *a = g->ta ? g->a + lo : g->a + (size_t)lo * g->lda;
        kern_sgemm(g->ta, g->tb, hi - lo, g->n, g->k, g->alpha, a, g->lda, g->b, g->ldb, g->beta,
                   g->c + (size_t)lo * g->ldc, g->ldc);
    }
}

void kern_sgemm_par(kern_ctx *ctx, int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    double flops = 2.0 * m * n * (double)k;
    int nth = kern_ctx_threads(ctx);
    /* Below about a megaflop the wake-up costs more than it saves. */
    int want = (int)(flops / 1e6);
    if (want < nth) nth = want < 1 ? 1 : want;
    int split_cols = n >= m;
    int total = split_cols ? n : m;
    if ((total + 15) / 16 < nth) nth = (total + 15) / 16;
    if (nth <= 1) {
        kern_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    struct gemm_job g = {trans_a, trans_b, m, n,   k,   alpha, beta,
                         a,       b,       c, lda, ldb, ldc,   split_cols};
    kern_parallel(ctx, gemm_task, &g, nth);
}

/* ---- dense ---- */

void kern_dense_fwd(kern_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                    const float *b, int relu, float *y)
{
    kern_sgemm_par(ctx, 0, 1, n, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
    if (b || relu) {
        if (b)
            kern_bias_fwd(ctx, n, out, 1, b, relu, y);
        else
            kern_relu_fwd(ctx, (size_t)n * out, y, y);
    }
}

void kern_dense_bwd(kern_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                    const float *dy, float *dx, float *dw, float *db)
{
    if (dx) kern_sgemm_par(ctx, 0, 0, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
    if (dw) kern_sgemm_par(ctx, 1, 0, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);
    if (db) kern_bias_bwd(ctx, n, out, 1, dy, db);
}

void kern_dense_fwd_ref(int n, int in, int out, const float *x, const float *w, const float *b,
                        int relu, float *y)
{
    for (int i = 0; i < n; i++)
        for (int o = 0; o < out; o++) {
            double acc = b ? b[o] : 0.0;
            for (int j = 0; j < in; j++)
                acc += (double)x[(size_t)i * in + j] * w[(size_t)o * in + j];
            float v = (float)acc;
            y[(size_t)i * out + o] = relu && v < 0 ? 0.0f : v;
        }
}

void kern_dense_bwd_ref(int n, int in, int out, const float *x, const float *w, const float *dy,
                        float *dx, float *dw, float *db)
{
    if (dx)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < in; j++) {
                double acc = 0;
                for (int o = 0; o < out; o++)
                    acc += (double)dy[(size_t)i * out + o] * w[(size_t)o * in + j];
                dx[(size_t)i * in + j] = (float)acc;
            }
    if (dw)
        for (int o = 0; o < out; o++)
            for (int j = 0; j < in; j++) {
                double acc = 0;
                for (int i = 0; i < n; i++)
                    acc += (double)dy[(size_t)i * out + o] * x[(size_t)i * in + j];
                dw[(size_t)o * in + j] = (float)acc;
            }
    if (db)
        for (int o = 0; o < out; o++) {
            double acc = 0;
            for (int i = 0; i < n; i++)
                acc += dy[(size_t)i * out + o];
            db[o] = (float)acc;
        }
}
