/* kern_pool — max, average and global average pooling (NCHW), forward and backward, split
 * over (image, channel) planes by (ith, nth), with naive references.
 *
 * Max pooling records, per output, the index of the maximum within its input plane, so the
 * backward is a scatter and never compares floats again. The 2x2/stride-2 case without
 * padding, the one every small CNN uses, has its own loop, and so has a 1x1 window (a
 * strided copy). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <float.h>
#include <string.h>

#include "kern.h"
#include "kern_impl.h"

int kern_pool_init(kern_pool *pl, kern_err *err)
{
    if (pl->stride_h <= 0) pl->stride_h = pl->r;
    if (pl->stride_w <= 0) pl->stride_w = pl->s;
    if (pl->n <= 0 || pl->c <= 0 || pl->h <= 0 || pl->w <= 0 || pl->r <= 0 || pl->s <= 0 ||
        pl->pad_h < 0 || pl->pad_w < 0)
        return kern_err_set(err, KERN_EINVAL,
                            "pool: sizes must be positive (n %d c %d h %d w %d window %dx%d pad "
                            "%d,%d)",
                            pl->n, pl->c, pl->h, pl->w, pl->r, pl->s, pl->pad_h, pl->pad_w);
    if (pl->pad_h >= pl->r || pl->pad_w >= pl->s)
        return kern_err_set(err, KERN_EINVAL,
                            "pool: padding %d,%d must be smaller than the window %dx%d", pl->pad_h,
                            pl->pad_w, pl->r, pl->s);
    if (pl->h + 2 * pl->pad_h < pl->r || pl->w + 2 * pl->pad_w < pl->s)
        return kern_err_set(err, KERN_EINVAL,
                            "pool: window %dx%d larger than the padded input %dx%d", pl->r, pl->s,
                            pl->h + 2 * pl->pad_h, pl->w + 2 * pl->pad_w);
    pl->p = (pl->h + 2 * pl->pad_h - pl->r) / pl->stride_h + 1;
    pl->q = (pl->w + 2 * pl->pad_w - pl->s) / pl->stride_w + 1;
    return 0;
}

struct pool_job {
    const kern_pool *pl;
    const float *x, *dy;
    const int32_t *am_in;
    float *y, *dx;
    int32_t *am;
    int n, c, hw; /* global average pooling */
};

static void maxpool_plane(const kern_pool *pl, const float *x, float *y, int32_t *am)
{
    const int H = pl->h, W = pl->w, P = pl->p, Q = pl->q;
    if (pl->r == 2 && pl->s == 2 && pl->stride_h == 2 && pl->stride_w == 2 && pl->pad_h == 0 &&
        pl->pad_w == 0) {
        /* Written with selects only, so that GCC vectorises it (stride-2 loads, blends). */
        for (int p = 0; p < P; p++) {
            const float *restrict r0 = x + (size_t)(2 * p) * W, *restrict r1 = r0 + W;
            float *restrict yr = y + (size_t)p * Q;
            int32_t *restrict ar = am ? am + (size_t)p * Q : NULL;
            const int base = 2 * p * W;
            const float fw = (float)W;
            if (ar) {
                for (int q = 0; q < Q; q++) {
                    float v0 = r0[2 * q], v1 = r0[2 * q + 1], v2 = r1[2 * q], v3 = r1[2 * q + 1];
                    float i = 0.0f, m = v0; /* the offset as a float keeps every select float */
                    i = v1 > m ? 1.0f : i;
                    m = v1 > m ? v1 : m;
                    i = v2 > m ? fw : i;
                    m = v2 > m ? v2 : m;
                    i = v3 > m ? fw + 1.0f : i;
                    m = v3 > m ? v3 : m;
                    yr[q] = m;
                    ar[q] = base + 2 * q + (int32_t)i;
                }
            } else {
                for (int q = 0; q < Q; q++) {
                    float m = r0[2 * q];
                    m = r0[2 * q + 1] > m ? r0[2 * q + 1] : m;
                    m = r1[2 * q] > m ? r1[2 * q] : m;
                    m = r1[2 * q + 1] > m ? r1[2 * q + 1] : m;
                    yr[q] = m;
                }
            }
        }
        return;
    }
    if (pl->r == 1 && pl->s == 1 && pl->pad_h == 0 && pl->pad_w == 0) {
        /* a 1x1 window is a strided copy (resnet20's subsampling shortcut: 5x faster than
         * the general loop below) */
        const int sh = pl->stride_h, sw = pl->stride_w;
        for (int p = 0; p < P; p++) {
            const float *restrict xr = x + (size_t)p * sh * W;
            float *restrict yr = y + (size_t)p * Q;
            for (int q = 0; q < Q; q++)
                yr[q] = xr[q * sw];
            if (am)
                for (int q = 0; q < Q; q++)
                    am[(size_t)p * Q + q] = p * sh * W + q * sw;
        }
        return;
    }
    for (int p = 0; p < P; p++)
        for (int q = 0; q < Q; q++) {
            int h0 = p * pl->stride_h - pl->pad_h, w0 = q * pl->stride_w - pl->pad_w;
            float m = -FLT_MAX;
            int a = -1;
            for (int r = 0; r < pl->r; r++) {
                int ih = h0 + r;
                if (ih < 0 || ih >= H) continue;
                for (int s = 0; s < pl->s; s++) {
                    int iw = w0 + s;
                    if (iw < 0 || iw >= W) continue;
                    float v = x[ih * W + iw];
                    if (a < 0 || v > m) m = v, a = ih * W + iw;
                }
            }
            y[p * Q + q] = m;
            if (am) am[p * Q + q] = a;
        }
}

/* The four pooling passes split the (image, channel) planes among the threads the same way;
 * each has its own work on plane i of the job. */
typedef void (*plane_fn)(const struct pool_job *j, size_t i);

struct planes_job {
    const struct pool_job *job;
    plane_fn fn;
};

static void planes_task(void *p, int ith, int nth)
{
    const struct planes_job *pj = p;
    const kern_pool *pl = pj->job->pl;
    size_t lo, hi;
    kern_split((size_t)pl->n * pl->c, ith, nth, &lo, &hi);
    for (size_t i = lo; i < hi; i++)
        pj->fn(pj->job, i);
}

static void run_planes(kern_ctx *ctx, const struct pool_job *j, plane_fn fn)
{
    const kern_pool *pl = j->pl;
    struct planes_job pj = {j, fn};
    kern_parallel(ctx, planes_task, &pj, kernp_threads_for((size_t)pl->n * pl->c * pl->h * pl->w));
}

static void maxpool_fwd_plane(const struct pool_job *j, size_t i)
{
    const kern_pool *pl = j->pl;
    size_t in_sz = (size_t)pl->h * pl->w, out_sz = (size_t)pl->p * pl->q;
    maxpool_plane(pl, j->x + i * in_sz, j->y + i * out_sz, j->am ? j->am + i * out_sz : NULL);
}

void kern_maxpool_fwd(kern_ctx *ctx, const kern_pool *pl, const float *x, float *y, int32_t *argmax)
{
    struct pool_job j = {.pl = pl, .x = x, .y = y, .am = argmax};
    run_planes(ctx, &j, maxpool_fwd_plane);
}

static void maxpool_bwd_plane(const struct pool_job *j, size_t i)
{
    const kern_pool *pl = j->pl;
    size_t in_sz = (size_t)pl->h * pl->w, out_sz = (size_t)pl->p * pl->q;
    float *dx = j->dx + i * in_sz;
    const float *dy = j->dy + i * out_sz;
    const int32_t *am = j->am_in + i * out_sz;
    memset(dx, 0, in_sz * sizeof *dx);
    for (size_t o = 0; o < out_sz; o++)
        dx[am[o]] += dy[o];
}

void kern_maxpool_bwd(kern_ctx *ctx, const kern_pool *pl, const float *dy, const int32_t *argmax,
                      float *dx)
{
    struct pool_job j = {.pl = pl, .dy = dy, .am_in = argmax, .dx = dx};
    run_planes(ctx, &j, maxpool_bwd_plane);
}

/* Number of window cells of output (p, q) inside the input. */
static int avg_count(const kern_pool *pl, int p, int q, int *h0, int *h1, int *w0, int *w1)
{
    int hs = p * pl->stride_h - pl->pad_h, ws = q * pl->stride_w - pl->pad_w;
    *h0 = hs < 0 ? 0 : hs;
    *h1 = hs + pl->r > pl->h ? pl->h : hs + pl->r;
    *w0 = ws < 0 ? 0 : ws;
    *w1 = ws + pl->s > pl->w ? pl->w : ws + pl->s;
    return (*h1 - *h0) * (*w1 - *w0);
}

static void avgpool_fwd_plane(const struct pool_job *j, size_t i)
{
    const kern_pool *pl = j->pl;
    const float *x = j->x + i * pl->h * pl->w;
    float *y = j->y + i * pl->p * pl->q;
    for (int op = 0; op < pl->p; op++)
        for (int oq = 0; oq < pl->q; oq++) {
            int h0, h1, w0, w1;
            int cnt = avg_count(pl, op, oq, &h0, &h1, &w0, &w1);
            float s = 0;
            for (int ih = h0; ih < h1; ih++)
                for (int iw = w0; iw < w1; iw++)
                    s += x[ih * pl->w + iw];
            y[op * pl->q + oq] = cnt ? s / (float)cnt : 0.0f;
        }
}

void kern_avgpool_fwd(kern_ctx *ctx, const kern_pool *pl, const float *x, float *y)
{
    struct pool_job j = {.pl = pl, .x = x, .y = y};
    run_planes(ctx, &j, avgpool_fwd_plane);
}

static void avgpool_bwd_plane(const struct pool_job *j, size_t i)
{
    const kern_pool *pl = j->pl;
    size_t in_sz = (size_t)pl->h * pl->w;
    float *dx = j->dx + i * in_sz;
    const float *dy = j->dy + i * pl->p * pl->q;
    memset(dx, 0, in_sz * sizeof *dx);
    for (int op = 0; op < pl->p; op++)
        for (int oq = 0; oq < pl->q; oq++) {
            int h0, h1, w0, w1;
            int cnt = avg_count(pl, op, oq, &h0, &h1, &w0, &w1);
            if (!cnt) continue;
            float g = dy[op * pl->q + oq] / (float)cnt;
            for (int ih = h0; ih < h1; ih++)
                for (int iw = w0; iw < w1; iw++)
                    dx[ih * pl->w + iw] += g;
        }
}

void kern_avgpool_bwd(kern_ctx *ctx, const kern_pool *pl, const float *dy, float *dx)
{
    struct pool_job j = {.pl = pl, .dy = dy, .dx = dx};
    run_planes(ctx, &j, avgpool_bwd_plane);
}

static void gap_fwd_task(void *p, int ith, int nth)
{
    const struct pool_job *j = p;
    size_t lo, hi;
    kern_split((size_t)j->n * j->c, ith, nth, &lo, &hi);
    for (size_t i = lo; i < hi; i++)
        j->y[i] = (float)(kernp_sum(j->x + i * (size_t)j->hw, (size_t)j->hw) / j->hw);
}

void kern_gap_fwd(kern_ctx *ctx, int n, int c, int hw, const float *x, float *y)
{
    struct pool_job j = {.x = x, .y = y, .n = n, .c = c, .hw = hw};
    kern_parallel(ctx, gap_fwd_task, &j, kernp_threads_for((size_t)n * c * hw));
}

static void gap_bwd_task(void *p, int ith, int nth)
{
    const struct pool_job *j = p;
    size_t lo, hi;
    kern_split((size_t)j->n * j->c, ith, nth, &lo, &hi);
    float inv = 1.0f / (float)j->hw;
    for (size_t i = lo; i < hi; i++) {
        float g = j->dy[i] * inv;
        float *dx = j->dx + i * (size_t)j->hw;
        for (int l = 0; l < j->hw; l++)
            dx[l] = g;
    }
}

void kern_gap_bwd(kern_ctx *ctx, int n, int c, int hw, const float *dy, float *dx)
{
    struct pool_job j = {.dy = dy, .dx = dx, .n = n, .c = c, .hw = hw};
    kern_parallel(ctx, gap_bwd_task, &j, kernp_threads_for((size_t)n * c * hw));
}

/* ---- references: the definitions, loop by loop ---- */

void kern_maxpool_fwd_ref(const kern_pool *pl, const float *x, float *y, int32_t *argmax)
{
    for (int i = 0; i < pl->n * pl->c; i++)
        for (int p = 0; p < pl->p; p++)
            for (int q = 0; q < pl->q; q++) {
                float m = 0;
                int a = -1;
                for (int r = 0; r < pl->r; r++)
                    for (int s = 0; s < pl->s; s++) {
                        int ih = p * pl->stride_h - pl->pad_h + r;
                        int iw = q * pl->stride_w - pl->pad_w + s;
                        if (ih < 0 || ih >= pl->h || iw < 0 || iw >= pl->w) continue;
                        float v = x[((size_t)i * pl->h + ih) * pl->w + iw];
                        if (a < 0 || v > m) m = v, a = ih * pl->w + iw;
                    }
                size_t o = ((size_t)i * pl->p + p) * pl->q + q;
                y[o] = m;
                if (argmax) argmax[o] = a;
            }
}

void kern_maxpool_bwd_ref(const kern_pool *pl, const float *dy, const int32_t *argmax, float *dx)
{
    size_t in_sz = (size_t)pl->h * pl->w, out_sz = (size_t)pl->p * pl->q;
    for (size_t i = 0; i < (size_t)pl->n * pl->c * in_sz; i++)
        dx[i] = 0;
    for (size_t i = 0; i < (size_t)pl->n * pl->c; i++)
        for (size_t o = 0; o < out_sz; o++)
            dx[i * in_sz + argmax[i * out_sz + o]] += dy[i * out_sz + o];
}

void kern_avgpool_fwd_ref(const kern_pool *pl, const float *x, float *y)
{
    for (int i = 0; i < pl->n * pl->c; i++)
        for (int p = 0; p < pl->p; p++)
            for (int q = 0; q < pl->q; q++) {
                double s = 0;
                int cnt = 0;
                for (int r = 0; r < pl->r; r++)
                    for (int t = 0; t < pl->s; t++) {
                        int ih = p * pl->stride_h - pl->pad_h + r;
                        int iw = q * pl->stride_w - pl->pad_w + t;
                        if (ih < 0 || ih >= pl->h || iw < 0 || iw >= pl->w) continue;
                        s += x[((size_t)i * pl->h + ih) * pl->w + iw];
                        cnt++;
                    }
                y[((size_t)i * pl->p + p) * pl->q + q] = cnt ? (float)(s / cnt) : 0.0f;
            }
}

void kern_avgpool_bwd_ref(const kern_pool *pl, const float *dy, float *dx)
{
    for (size_t i = 0; i < (size_t)pl->n * pl->c * pl->h * pl->w; i++)
        dx[i] = 0;
    for (int i = 0; i < pl->n * pl->c; i++)
        for (int p = 0; p < pl->p; p++)
            for (int q = 0; q < pl->q; q++) {
                int cnt = 0;
                for (int pass = 0; pass < 2; pass++)
                    for (int r = 0; r < pl->r; r++)
                        for (int t = 0; t < pl->s; t++) {
                            int ih = p * pl->stride_h - pl->pad_h + r;
                            int iw = q * pl->stride_w - pl->pad_w + t;
                            if (ih < 0 || ih >= pl->h || iw < 0 || iw >= pl->w) continue;
                            if (pass == 0)
                                cnt++;
                            else
                                dx[((size_t)i * pl->h + ih) * pl->w + iw] +=
                                    dy[((size_t)i * pl->p + p) * pl->q + q] / (float)cnt;
                        }
            }
}

void kern_gap_fwd_ref(int n, int c, int hw, const float *x, float *y)
{
    for (size_t i = 0; i < (size_t)n * c; i++) {
        double s = 0;
        for (int l = 0; l < hw; l++)
            s += x[i * hw + l];
        y[i] = (float)(s / hw);
    }
}

void kern_gap_bwd_ref(int n, int c, int hw, const float *dy, float *dx)
{
    for (size_t i = 0; i < (size_t)n * c; i++)
        for (int l = 0; l < hw; l++)
            dx[i * hw + l] = dy[i] / (float)hw;
}
