/* kern_elem — element-wise kernels: bias (+ fused ReLU), ReLU, residual add, axpy, copy,
 * fill and dropout, each split by (ith, nth) over the context's pool, with references.
 *
 * Loops are written so that GCC vectorises them at -O3 (no calls, no aliasing surprises);
 * sums keep 16 float partial sums (vectorisable without -ffast-math) and add those in
 * double, so a reduction gives the same bits whatever the thread count. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <string.h>

#include "kern.h"
#include "kern_impl.h"

double kernp_sum(const float *x, size_t count)
{
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= count; i += 16)
        for (int l = 0; l < 16; l++)
            acc[l] += x[i + l];
    double s = 0;
    for (; i < count; i++)
        s += x[i];
    for (int l = 0; l < 16; l++)
        s += acc[l];
    return s;
}

/* ---- bias ---- */

struct bias_job {
    int n, c, hw, relu;
    const float *b, *y_in, *dy;
    float *y, *dx, *db;
};

static void bias_fwd_task(void *p, int ith, int nth)
{
    const struct bias_job *j = p;
    size_t lo, hi;
    if (j->hw == 1) { /* dense: rows of c */
        kern_split((size_t)j->n, ith, nth, &lo, &hi);
        for (size_t i = lo; i < hi; i++) {
            float *row = j->y + i * (size_t)j->c;
            const float *b = j->b;
            if (j->relu)
                for (int k = 0; k < j->c; k++) {
                    float v = row[k] + b[k];
                    row[k] = v > 0.0f ? v : 0.0f;
                }
            else
                for (int k = 0; k < j->c; k++)
                    row[k] += b[k];
        }
        return;
    }
    kern_split((size_t)j->n * j->c, ith, nth, &lo, &hi);
    for (size_t pl = lo; pl < hi; pl++) {
        float *row = j->y + pl * (size_t)j->hw;
        float bv = j->b[pl % (size_t)j->c];
        if (j->relu)
            for (int k = 0; k < j->hw; k++) {
                float v = row[k] + bv;
                row[k] = v > 0.0f ? v : 0.0f;
            }
        else
            for (int k = 0; k < j->hw; k++)
                row[k] += bv;
    }
}

void kern_bias_fwd(kern_ctx *ctx, int n, int c, int hw, const float *b, int relu, float *y)
{
    struct bias_job j = {.n = n, .c = c, .hw = hw, .relu = relu, .b = b, .y = y};
    kern_parallel(ctx, bias_fwd_task, &j, kernp_threads_for((size_t)n * c * hw));
}

/* db over channels [lo, hi); when y_in is set, dy is first masked by y > 0 into dx. */
static void bias_bwd_task(void *p, int ith, int nth)
{
    const struct bias_job *j = p;
    size_t lo, hi;
    if (j->hw == 1) {
        /* Channel blocks of 16 columns: the inner loop runs along a row. */
        size_t nblk = ((size_t)j->c + 15) / 16, b0, b1;
        kern_split(nblk, ith, nth, &b0, &b1);
        lo = b0 * 16;
        hi = b1 * 16 > (size_t)j->c ? (size_t)j->c : b1 * 16;
        if (lo >= hi) return;
        if (j->y_in)
            for (int i = 0; i < j->n; i++) {
                const float *yr = j->y_in + (size_t)i * j->c, *dyr = j->dy + (size_t)i * j->c;
                float *dxr = j->dx + (size_t)i * j->c;
                for (size_t k = lo; k < hi; k++) {
                    float d = dyr[k]; /* loaded unconditionally: if-converted */
                    dxr[k] = yr[k] > 0.0f ? d : 0.0f;
                }
            }
        const float *g = j->y_in ? j->dx : j->dy;
        for (size_t k = lo; k < hi; k++)
            j->db[k] = 0.0f;
        /* Column sums in float, row by row: vectorises along k; same bits for any split. */
        for (int i = 0; i < j->n; i++) {
            const float *gr = g + (size_t)i * j->c;
            for (size_t k = lo; k < hi; k++)
                j->db[k] += gr[k];
        }
        return;
    }
    kern_split((size_t)j->c, ith, nth, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        double s = 0;
        for (int i = 0; i < j->n; i++) {
            size_t off = ((size_t)i * j->c + k) * j->hw;
            if (j->y_in) {
                const float *yr = j->y_in + off, *dyr = j->dy + off;
                float *dxr = j->dx + off;
                for (int l = 0; l < j->hw; l++) {
                    float d = dyr[l]; /* loaded unconditionally: if-converted */
                    dxr[l] = yr[l] > 0.0f ? d : 0.0f;
                }
                s += kernp_sum(dxr, (size_t)j->hw);
            } else {
                s += kernp_sum(j->dy + off, (size_t)j->hw);
            }
        }
        if (j->db) j->db[k] = (float)s;
    }
}

void kern_bias_bwd(kern_ctx *ctx, int n, int c, int hw, const float *dy, float *db)
{
    struct bias_job j = {.n = n, .c = c, .hw = hw, .dy = dy, .db = db};
    kern_parallel(ctx, bias_bwd_task, &j, kernp_threads_for((size_t)n * c * hw));
}

void kern_bias_relu_bwd(kern_ctx *ctx, int n, int c, int hw, const float *y, const float *dy,
                        float *dx, float *db)
{
    struct bias_job j = {.n = n, .c = c, .hw = hw, .y_in = y, .dy = dy, .dx = dx, .db = db};
    kern_parallel(ctx, bias_bwd_task, &j, kernp_threads_for((size_t)n * c * hw));
}

void kern_bias_fwd_ref(int n, int c, int hw, const float *b, int relu, float *y)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < c; k++)
            for (int l = 0; l < hw; l++) {
                float *v = &y[((size_t)i * c + k) * hw + l];
                *v += b[k];
                if (relu && *v < 0) *v = 0;
            }
}

void kern_bias_bwd_ref(int n, int c, int hw, const float *dy, float *db)
{
    for (int k = 0; k < c; k++) {
        double s = 0;
        for (int i = 0; i < n; i++)
            for (int l = 0; l < hw; l++)
                s += dy[((size_t)i * c + k) * hw + l];
        db[k] = (float)s;
    }
}

/* ---- flat element-wise ops ---- */

enum flat_op { OP_RELU, OP_RELU_BWD, OP_ADD, OP_ADD_RELU, OP_AXPY, OP_COPY, OP_FILL, OP_DROP };

struct flat_job {
    enum flat_op op;
    size_t count;
    float alpha;
    uint64_t seed;
    uint32_t threshold;
    const float *a, *b;
    float *y;
};

static void flat_task(void *p, int ith, int nth)
{
    const struct flat_job *j = p;
    size_t lo, hi;
    /* Blocks of 16 floats keep each thread's slice aligned like the tensor. */
    size_t nblk = (j->count + 15) / 16;
    kern_split(nblk, ith, nth, &lo, &hi);
    lo *= 16;
    hi = hi * 16 > j->count ? j->count : hi * 16;
    const float *a = j->a, *b = j->b;
    float *y = j->y;
    switch (j->op) {
    case OP_RELU:
        for (size_t i = lo; i < hi; i++)
            y[i] = a[i] > 0.0f ? a[i] : 0.0f;
        break;
    case OP_RELU_BWD: /* a = y, b = dy */
        for (size_t i = lo; i < hi; i++) {
            float d = b[i]; /* loaded unconditionally: if-converted */
            y[i] = a[i] > 0.0f ? d : 0.0f;
        }
        break;
    case OP_ADD:
        for (size_t i = lo; i < hi; i++)
            y[i] = a[i] + b[i];
        break;
    case OP_ADD_RELU:
        for (size_t i = lo; i < hi; i++) {
            float v = a[i] + b[i];
            y[i] = v > 0.0f ? v : 0.0f;
        }
        break;
    case OP_AXPY:
        for (size_t i = lo; i < hi; i++)
            y[i] += j->alpha * a[i];
        break;
    case OP_COPY:
        if (hi > lo) memmove(y + lo, a + lo, (hi - lo) * sizeof *y);
        break;
    case OP_FILL:
        for (size_t i = lo; i < hi; i++)
            y[i] = j->alpha;
        break;
    case OP_DROP: {
        const uint64_t seed = j->seed;
        const uint32_t thr = j->threshold;
        const float scale = j->alpha;
        for (size_t i = lo; i < hi; i++) {
            uint32_t h = (uint32_t)(kernp_mix64(seed + (uint64_t)i * 0x9e3779b97f4a7c15ull) >> 32);
            y[i] = h >= thr ? a[i] * scale : 0.0f;
        }
        break;
    }
    }
}

static void flat_run(kern_ctx *ctx, struct flat_job *j)
{
    kern_parallel(ctx, flat_task, j, kernp_threads_for(j->count));
}

void kern_relu_fwd(kern_ctx *ctx, size_t count, const float *x, float *y)
{
    struct flat_job j = {.op = OP_RELU, .count = count, .a = x, .y = y};
    flat_run(ctx, &j);
}

void kern_relu_bwd(kern_ctx *ctx, size_t count, const float *y, const float *dy, float *dx)
{
    struct flat_job j = {.op = OP_RELU_BWD, .count = count, .a = y, .b = dy, .y = dx};
    flat_run(ctx, &j);
}

void kern_add(kern_ctx *ctx, size_t count, const float *a, const float *b, int relu, float *y)
{
    struct flat_job j = {.op = relu ? OP_ADD_RELU : OP_ADD, .count = count, .a = a, .b = b, .y = y};
    flat_run(ctx, &j);
}

void kern_axpy(kern_ctx *ctx, size_t count, float alpha, const float *x, float *y)
{
    struct flat_job j = {.op = OP_AXPY, .count = count, .alpha = alpha, .a = x, .y = y};
    flat_run(ctx, &j);
}

void kern_copy(kern_ctx *ctx, size_t count, const float *x, float *y)
{
    if (x == y) return;
    struct flat_job j = {.op = OP_COPY, .count = count, .a = x, .y = y};
    flat_run(ctx, &j);
}

void kern_fill(kern_ctx *ctx, size_t count, float value, float *y)
{
    struct flat_job j = {.op = OP_FILL, .count = count, .alpha = value, .y = y};
    flat_run(ctx, &j);
}

void kern_relu_fwd_ref(size_t count, const float *x, float *y)
{
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}

void kern_relu_bwd_ref(size_t count, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < count; i++)
        dx[i] = y[i] > 0 ? dy[i] : 0;
}

/* ---- dropout ---- */

uint64_t kern_seed_mix(uint64_t a, uint64_t b)
{
    return kernp_mix64(a ^ kernp_mix64(b + 0x632be59bd9b4e019ull));
}

/* Elements whose hash's top 32 bits fall below rate * 2^32 are dropped. */
static uint32_t drop_threshold(float rate)
{
    if (rate <= 0.0f) return 0;
    if (rate >= 1.0f) return UINT32_MAX;
    return (uint32_t)((double)rate * 4294967296.0);
}

void kern_dropout_fwd(kern_ctx *ctx, size_t count, float rate, uint64_t seed, const float *x,
                      float *y)
{
    struct flat_job j = {.op = OP_DROP,
                         .count = count,
                         .seed = seed,
                         .threshold = drop_threshold(rate),
                         .alpha = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f,
                         .a = x,
                         .y = y};
    flat_run(ctx, &j);
}

void kern_dropout_bwd(kern_ctx *ctx, size_t count, float rate, uint64_t seed, const float *dy,
                      float *dx)
{
    kern_dropout_fwd(ctx, count, rate, seed, dy, dx); /* the same mask and scale */
}

void kern_dropout_fwd_ref(size_t count, float rate, uint64_t seed, const float *x, float *y)
{
    uint32_t thr = drop_threshold(rate);
    float scale = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
    for (size_t i = 0; i < count; i++) {
        uint64_t h = kernp_mix64(seed + (uint64_t)i * 0x9e3779b97f4a7c15ull);
        y[i] = (uint32_t)(h >> 32) >= thr ? x[i] * scale : 0.0f;
    }
}
