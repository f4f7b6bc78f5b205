/* kern_conv — 2-D convolution (NCHW, OIHW weights, stride, zero padding, dilation 1):
 * forward, backward-data and backward-weights with four algorithms, and naive references.
 *
 *   IM2COL          per image: unfold the input into a (c*r*s) x (p*q) matrix in the thread's
 *                   workspace, then one GEMM: y_i = W . col (darknet's scheme).
 *   IM2COL_BATCHED  the columns of b images side by side, one (k) x (b*p*q) GEMM, then a
 *                   scatter back to NCHW: for small feature maps, where one image's GEMM is
 *                   too narrow for OpenBLAS to reach its rate.
 *   1X1             a 1x1/stride-1/unpadded convolution needs no unfolding: x_i is the matrix.
 *   DIRECT          loops over taps with the output row innermost (vectorised): for a small
 *                   c*r*s (the first layer of an image network), where a GEMM with an inner
 *                   dimension of 9 or 27 wastes most of its time.
 *
 * Threading: the context's threads take blocks of images; each one unfolds into its own slice
 * of the workspace and calls the single-threaded OpenBLAS. Backward-weights sums over images:
 * every thread accumulates a partial dW in its slice, then a second pass adds the partials in
 * thread order (the same bits for a given thread count). DIRECT's backward-weights splits over
 * output channels instead and needs no partials. The bias and ReLU are fused into the
 * forward's epilogue, applied while the output block is still in cache. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <string.h>

#include "kern.h"
#include "kern_impl.h"

static const char *const algo_names[] = {"auto", "im2col", "im2col-batched", "1x1", "direct"};
_Static_assert(sizeof algo_names / sizeof *algo_names == KERN_CONV_ALGO_COUNT,
               "one name per conv algorithm");

const char *kern_conv_algo_name(kern_conv_algo algo)
{
    return (unsigned)algo < KERN_CONV_ALGO_COUNT ? algo_names[algo] : "?";
}

enum {
    BATCH_COLS = 2048,  /* IM2COL_BATCHED unfolds images until a GEMM is this wide */
    DIRECT_MAX_CRS = 32 /* AUTO picks DIRECT when c*r*s is at most this */
};

static int is_pointwise(const kern_conv *cv)
{
    return cv->r == 1 && cv->s == 1 && cv->stride_h == 1 && cv->stride_w == 1 && cv->pad_h == 0 &&
           cv->pad_w == 0;
}

int kern_conv_init(kern_conv *cv, kern_err *err)
{
    if (cv->stride_h <= 0) cv->stride_h = 1;
    if (cv->stride_w <= 0) cv->stride_w = 1;
    if (cv->n <= 0 || cv->c <= 0 || cv->h <= 0 || cv->w <= 0 || cv->k <= 0 || cv->r <= 0 ||
        cv->s <= 0 || cv->pad_h < 0 || cv->pad_w < 0)
        return kern_err_set(err, KERN_EINVAL,
                            "conv: sizes must be positive (n %d c %d h %d w %d k %d kernel %dx%d "
                            "pad %d,%d)",
                            cv->n, cv->c, cv->h, cv->w, cv->k, cv->r, cv->s, cv->pad_h, cv->pad_w);
    if (cv->h + 2 * cv->pad_h < cv->r || cv->w + 2 * cv->pad_w < cv->s)
        return kern_err_set(err, KERN_EINVAL, "conv: kernel %dx%d larger than the padded input %dx%d",
                            cv->r, cv->s, cv->h + 2 * cv->pad_h, cv->w + 2 * cv->pad_w);
    cv->p = (cv->h + 2 * cv->pad_h - cv->r) / cv->stride_h + 1;
    cv->q = (cv->w + 2 * cv->pad_w - cv->s) / cv->stride_w + 1;
    if ((double)cv->c * cv->r * cv->s * cv->p * cv->q > 2e9 || (double)cv->c * cv->h * cv->w > 2e9)
        return kern_err_set(err, KERN_EINVAL, "conv: one image's unfolded input is too large");
    int pq = cv->p * cv->q, crs = cv->c * cv->r * cv->s;
    switch (cv->algo) {
    case KERN_CONV_AUTO:
        if (is_pointwise(cv))
            cv->algo = pq >= 256 ? KERN_CONV_1X1 : KERN_CONV_IM2COL_BATCHED;
        else if (crs <= DIRECT_MAX_CRS)
            cv->algo = KERN_CONV_DIRECT;
        else
            cv->algo = pq >= 256 ? KERN_CONV_IM2COL : KERN_CONV_IM2COL_BATCHED;
        break;
    case KERN_CONV_1X1:
        if (!is_pointwise(cv))
            return kern_err_set(err, KERN_EINVAL,
                                "conv: algorithm 1x1 needs a 1x1 kernel, stride 1 and no padding "
                                "(got %dx%d, stride %d,%d, pad %d,%d)",
                                cv->r, cv->s, cv->stride_h, cv->stride_w, cv->pad_h, cv->pad_w);
        break;
    case KERN_CONV_IM2COL:
    case KERN_CONV_IM2COL_BATCHED:
    case KERN_CONV_DIRECT:
        break;
    default:
        return kern_err_set(err, KERN_EINVAL, "conv: unknown algorithm %d", (int)cv->algo);
    }
    return 0;
}

/* Images unfolded together by IM2COL_BATCHED. */
static int batch_images(const kern_conv *cv)
{
    int pq = cv->p * cv->q;
    int b = (BATCH_COLS + pq - 1) / pq;
    if (b > cv->n) b = cv->n;
    return b < 1 ? 1 : b;
}

size_t kern_conv_workspace(const kern_conv *cv)
{
    size_t crs = (size_t)cv->c * cv->r * cv->s, pq = (size_t)cv->p * cv->q, k = (size_t)cv->k;
    size_t dw = kernp_align64(k * crs * sizeof(float)); /* partial dW */
    switch (cv->algo) {
    case KERN_CONV_1X1:
        return dw;
    case KERN_CONV_DIRECT:
        return kernp_align64(crs * 16 * sizeof(float));
    case KERN_CONV_IM2COL_BATCHED: {
        size_t b = (size_t)batch_images(cv);
        return kernp_align64(crs * b * pq * sizeof(float)) +
               kernp_align64(k * b * pq * sizeof(float)) + dw;
    }
    default:
        return kernp_align64(crs * pq * sizeof(float)) + dw;
    }
}

double kern_conv_flops(const kern_conv *cv)
{
    return 2.0 * cv->n * cv->k * cv->p * cv->q * (double)cv->c * cv->r * cv->s;
}

/* ---- unfolding ---- */

/* The q range [*q0, *q1) whose input column q*stride - pad + s lies inside [0, w). */
static void valid_cols(int Q, int W, int stride, int pad, int s, int *q0, int *q1)
{
    int lo = pad - s; /* q*stride >= lo */
    int a = lo <= 0 ? 0 : (lo + stride - 1) / stride;
    int hi = W - 1 + pad - s; /* q*stride <= hi */
    int b = hi < 0 ? 0 : hi / stride + 1;
    if (b > Q) b = Q;
    if (a > b) a = b;
    *q0 = a;
    *q1 = b;
}

/* col[(ci*r + ri)*s + si][pq], row stride ld, from one image x (c x h x w). */
static void im2col(const kern_conv *cv, const float *x, float *col, size_t ld)
{
    const int C = cv->c, H = cv->h, W = cv->w, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int sh = cv->stride_h, sw = cv->stride_w, ph = cv->pad_h, pw = cv->pad_w;
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++) {
                float *row = col + ((size_t)(c * R + r) * S + s) * ld;
                int q0, q1;
                valid_cols(Q, W, sw, pw, s, &q0, &q1);
                for (int p = 0; p < P; p++) {
                    float *dst = row + (size_t)p * Q;
                    int ih = p * sh - ph + r;
                    if (ih < 0 || ih >= H) {
                        memset(dst, 0, (size_t)Q * sizeof *dst);
                        continue;
                    }
                    const float *src = x + ((size_t)c * H + ih) * W - pw + s;
                    for (int q = 0; q < q0; q++) dst[q] = 0.0f;
                    if (sw == 1)
                        memcpy(dst + q0, src + q0, (size_t)(q1 - q0) * sizeof *dst);
                    else
                        for (int q = q0; q < q1; q++) dst[q] = src[q * sw];
                    for (int q = q1; q < Q; q++) dst[q] = 0.0f;
                }
            }
}

/* dx (one image, c x h x w) += the folding of col; dx must be zeroed first. */
static void col2im(const kern_conv *cv, const float *col, size_t ld, float *dx)
{
    const int C = cv->c, H = cv->h, W = cv->w, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int sh = cv->stride_h, sw = cv->stride_w, ph = cv->pad_h, pw = cv->pad_w;
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++) {
                const float *row = col + ((size_t)(c * R + r) * S + s) * ld;
                int q0, q1;
                valid_cols(Q, W, sw, pw, s, &q0, &q1);
                for (int p = 0; p < P; p++) {
                    int ih = p * sh - ph + r;
                    if (ih < 0 || ih >= H) continue;
                    const float *src = row + (size_t)p * Q;
                    float *dst = dx + ((size_t)c * H + ih) * W - pw + s;
                    if (sw == 1)
                        for (int q = q0; q < q1; q++) dst[q] += src[q];
                    else
                        for (int q = q0; q < q1; q++) dst[q * sw] += src[q];
                }
            }
}

/* y (k rows of len floats, row stride ld) -> out rows (stride out_ld): + bias, ReLU. */
static void epilogue(const float *y, size_t ld, float *out, size_t out_ld, int k, size_t len,
                     const float *bias, int relu)
{
    for (int i = 0; i < k; i++) {
        const float *src = y + (size_t)i * ld;
        float *dst = out + (size_t)i * out_ld;
        float b = bias ? bias[i] : 0.0f;
        if (relu)
            for (size_t l = 0; l < len; l++) {
                float v = src[l] + b;
                dst[l] = v > 0.0f ? v : 0.0f;
            }
        else if (bias || src != dst)
            for (size_t l = 0; l < len; l++) dst[l] = src[l] + b;
    }
}

/* ---- the GEMM-based algorithms ---- */

enum conv_op { FWD, BWD_DATA, BWD_W };

struct conv_job {
    const kern_conv *cv;
    enum conv_op op;
    const float *x, *w, *bias, *dy;
    float *y, *dx, *dw;
    int relu;
    char *ws;
    size_t ws_per_thread;
    unsigned char has_partial[256];
};

static void gemm_conv_task(void *p, int ith, int nth)
{
    struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int K = cv->k, C = cv->c;
    const int CRS = cv->c * cv->r * cv->s, PQ = cv->p * cv->q;
    const size_t in_sz = (size_t)C * cv->h * cv->w, out_sz = (size_t)K * PQ;
    const int batched = cv->algo == KERN_CONV_IM2COL_BATCHED;
    const int pointwise = cv->algo == KERN_CONV_1X1;
    const int B = batched ? batch_images(cv) : 1;
    char *ws = j->ws + (size_t)ith * j->ws_per_thread;
    float *col = (float *)ws;
    float *tmp = batched ? (float *)(ws + kernp_align64((size_t)CRS * B * PQ * sizeof(float))) : NULL;
    size_t dw_off = pointwise ? 0
                    : batched ? kernp_align64((size_t)CRS * B * PQ * sizeof(float)) +
                                    kernp_align64((size_t)K * B * PQ * sizeof(float))
                              : kernp_align64((size_t)CRS * PQ * sizeof(float));
    float *dwt = nth > 1 ? (float *)(ws + dw_off) : j->dw;

    size_t lo, hi;
    kern_split((size_t)cv->n, ith, nth, &lo, &hi);
    if (j->op == BWD_W) j->has_partial[ith] = hi > lo;
    int first = 1;
    for (size_t i0 = lo; i0 < hi; i0 += (size_t)B) {
        int b = (int)(hi - i0 < (size_t)B ? hi - i0 : (size_t)B);
        size_t ldc = (size_t)b * PQ; /* row stride of the unfolded block */
        if (!batched) {
            const float *xi = j->x ? j->x + i0 * in_sz : NULL;
            const float *mat = pointwise ? xi : col;
            switch (j->op) {
            case FWD:
                if (!pointwise) im2col(cv, xi, col, (size_t)PQ);
                kern_sgemm(0, 0, K, PQ, CRS, 1.0f, j->w, CRS, mat, PQ, 0.0f, j->y + i0 * out_sz, PQ);
                if (j->bias || j->relu)
                    epilogue(j->y + i0 * out_sz, (size_t)PQ, j->y + i0 * out_sz, (size_t)PQ, K,
                             (size_t)PQ, j->bias, j->relu);
                break;
            case BWD_DATA:
                if (pointwise) {
                    kern_sgemm(1, 0, CRS, PQ, K, 1.0f, j->w, CRS, j->dy + i0 * out_sz, PQ, 0.0f,
                               j->dx + i0 * in_sz, PQ);
                } else {
                    kern_sgemm(1, 0, CRS, PQ, K, 1.0f, j->w, CRS, j->dy + i0 * out_sz, PQ, 0.0f,
                               col, PQ);
                    memset(j->dx + i0 * in_sz, 0, in_sz * sizeof(float));
                    col2im(cv, col, (size_t)PQ, j->dx + i0 * in_sz);
                }
                break;
            case BWD_W:
                if (!pointwise) im2col(cv, xi, col, (size_t)PQ);
                kern_sgemm(0, 1, K, CRS, PQ, 1.0f, j->dy + i0 * out_sz, PQ, mat, PQ,
                           first ? 0.0f : 1.0f, dwt, CRS);
                break;
            }
        } else {
            switch (j->op) {
            case FWD:
                for (int t = 0; t < b; t++) im2col(cv, j->x + (i0 + t) * in_sz, col + (size_t)t * PQ, ldc);
                kern_sgemm(0, 0, K, (int)ldc, CRS, 1.0f, j->w, CRS, col, (int)ldc, 0.0f, tmp, (int)ldc);
                for (int t = 0; t < b; t++)
                    epilogue(tmp + (size_t)t * PQ, ldc, j->y + (i0 + t) * out_sz, (size_t)PQ, K,
                             (size_t)PQ, j->bias, j->relu);
                break;
            case BWD_DATA:
                for (int t = 0; t < b; t++) /* gather dy into k x (b*pq) */
                    for (int kk = 0; kk < K; kk++)
                        memcpy(tmp + (size_t)kk * ldc + (size_t)t * PQ,
                               j->dy + (i0 + t) * out_sz + (size_t)kk * PQ, (size_t)PQ * sizeof(float));
                kern_sgemm(1, 0, CRS, (int)ldc, K, 1.0f, j->w, CRS, tmp, (int)ldc, 0.0f, col, (int)ldc);
                for (int t = 0; t < b; t++) {
                    float *dxi = j->dx + (i0 + t) * in_sz;
                    if (pointwise) {
                        for (int c = 0; c < C; c++)
                            memcpy(dxi + (size_t)c * PQ, col + (size_t)c * ldc + (size_t)t * PQ,
                                   (size_t)PQ * sizeof(float));
                    } else {
                        memset(dxi, 0, in_sz * sizeof(float));
                        col2im(cv, col + (size_t)t * PQ, ldc, dxi);
                    }
                }
                break;
            case BWD_W:
                for (int t = 0; t < b; t++) {
                    im2col(cv, j->x + (i0 + t) * in_sz, col + (size_t)t * PQ, ldc);
                    for (int kk = 0; kk < K; kk++)
                        memcpy(tmp + (size_t)kk * ldc + (size_t)t * PQ,
                               j->dy + (i0 + t) * out_sz + (size_t)kk * PQ, (size_t)PQ * sizeof(float));
                }
                kern_sgemm(0, 1, K, CRS, (int)ldc, 1.0f, tmp, (int)ldc, col, (int)ldc,
                           first ? 0.0f : 1.0f, dwt, CRS);
                break;
            }
        }
        first = 0;
    }
    if (j->op == BWD_W && first && nth == 1) memset(j->dw, 0, (size_t)K * CRS * sizeof(float));
}

/* dw = the sum of the threads' partials, in thread order. */
struct reduce_job {
    struct conv_job *cj;
    size_t count, dw_off;
    int parts;
};

static void reduce_task(void *p, int ith, int nth)
{
    const struct reduce_job *r = p;
    size_t lo, hi, nblk = (r->count + 15) / 16;
    kern_split(nblk, ith, nth, &lo, &hi);
    lo *= 16;
    hi = hi * 16 > r->count ? r->count : hi * 16;
    float *dw = r->cj->dw;
    for (size_t e = lo; e < hi; e++) dw[e] = 0.0f;
    for (int t = 0; t < r->parts; t++) {
        if (!r->cj->has_partial[t]) continue;
        const float *part = (const float *)(r->cj->ws + (size_t)t * r->cj->ws_per_thread + r->dw_off);
        for (size_t e = lo; e < hi; e++) dw[e] += part[e];
    }
}

/* ---- DIRECT ---- */

static void direct_fwd_task(void *p, int ith, int nth)
{
    const struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int C = cv->c, H = cv->h, W = cv->w, K = cv->k, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int sh = cv->stride_h, sw = cv->stride_w, ph = cv->pad_h, pw = cv->pad_w;
    size_t lo, hi;
    kern_split((size_t)cv->n * K, ith, nth, &lo, &hi);
    for (size_t pl = lo; pl < hi; pl++) {
        size_t i = pl / (size_t)K;
        int kk = (int)(pl % (size_t)K);
        float *y = j->y + pl * (size_t)P * Q;
        const float *x = j->x + i * (size_t)C * H * W;
        const float *wk = j->w + (size_t)kk * C * R * S;
        float b = j->bias ? j->bias[kk] : 0.0f;
        for (int op = 0; op < P; op++) {
            float *yrow = y + (size_t)op * Q;
            for (int q = 0; q < Q; q++) yrow[q] = b;
            for (int c = 0; c < C; c++)
                for (int r = 0; r < R; r++) {
                    int ih = op * sh - ph + r;
                    if (ih < 0 || ih >= H) continue;
                    const float *xrow = x + ((size_t)c * H + ih) * W;
                    for (int s = 0; s < S; s++) {
                        float wv = wk[(c * R + r) * S + s];
                        int q0, q1;
                        valid_cols(Q, W, sw, pw, s, &q0, &q1);
                        const float *src = xrow - pw + s;
                        if (sw == 1)
                            for (int q = q0; q < q1; q++) yrow[q] += wv * src[q];
                        else
                            for (int q = q0; q < q1; q++) yrow[q] += wv * src[q * sw];
                    }
                }
            if (j->relu)
                for (int q = 0; q < Q; q++) yrow[q] = yrow[q] > 0.0f ? yrow[q] : 0.0f;
        }
    }
}

static void direct_bwd_data_task(void *p, int ith, int nth)
{
    const struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int C = cv->c, H = cv->h, W = cv->w, K = cv->k, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int sh = cv->stride_h, sw = cv->stride_w, ph = cv->pad_h, pw = cv->pad_w;
    size_t lo, hi;
    kern_split((size_t)cv->n * C, ith, nth, &lo, &hi);
    for (size_t pl = lo; pl < hi; pl++) {
        size_t i = pl / (size_t)C;
        int c = (int)(pl % (size_t)C);
        float *dx = j->dx + pl * (size_t)H * W;
        memset(dx, 0, (size_t)H * W * sizeof *dx);
        for (int kk = 0; kk < K; kk++) {
            const float *dy = j->dy + (i * K + kk) * (size_t)P * Q;
            const float *wk = j->w + ((size_t)kk * C + c) * R * S;
            for (int op = 0; op < P; op++) {
                const float *dyrow = dy + (size_t)op * Q;
                for (int r = 0; r < R; r++) {
                    int ih = op * sh - ph + r;
                    if (ih < 0 || ih >= H) continue;
                    float *dst = dx + (size_t)ih * W;
                    for (int s = 0; s < S; s++) {
                        float wv = wk[r * S + s];
                        int q0, q1;
                        valid_cols(Q, W, sw, pw, s, &q0, &q1);
                        float *d = dst - pw + s;
                        if (sw == 1)
                            for (int q = q0; q < q1; q++) d[q] += wv * dyrow[q];
                        else
                            for (int q = q0; q < q1; q++) d[q * sw] += wv * dyrow[q];
                    }
                }
            }
        }
    }
}

static void direct_bwd_w_task(void *p, int ith, int nth)
{
    const struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int C = cv->c, H = cv->h, W = cv->w, K = cv->k, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int sh = cv->stride_h, sw = cv->stride_w, ph = cv->pad_h, pw = cv->pad_w;
    const int CRS = C * R * S;
    float *acc = (float *)(j->ws + (size_t)ith * j->ws_per_thread); /* CRS x 16 partial sums */
    size_t lo, hi;
    kern_split((size_t)K, ith, nth, &lo, &hi);
    for (size_t kk = lo; kk < hi; kk++) {
        memset(acc, 0, (size_t)CRS * 16 * sizeof *acc);
        for (int i = 0; i < cv->n; i++) {
            const float *dy = j->dy + ((size_t)i * K + kk) * P * Q;
            const float *x = j->x + (size_t)i * C * H * W;
            for (int op = 0; op < P; op++) {
                const float *dyrow = dy + (size_t)op * Q;
                for (int c = 0; c < C; c++)
                    for (int r = 0; r < R; r++) {
                        int ih = op * sh - ph + r;
                        if (ih < 0 || ih >= H) continue;
                        const float *xrow = x + ((size_t)c * H + ih) * W;
                        for (int s = 0; s < S; s++) {
                            float *a = acc + (size_t)((c * R + r) * S + s) * 16;
                            int q0, q1;
                            valid_cols(Q, W, sw, pw, s, &q0, &q1);
                            const float *src = xrow - pw + s;
                            int q = q0;
                            if (sw == 1) {
                                for (; q + 16 <= q1; q += 16)
                                    for (int l = 0; l < 16; l++) a[l] += dyrow[q + l] * src[q + l];
                                for (; q < q1; q++) a[q & 15] += dyrow[q] * src[q];
                            } else {
                                for (; q < q1; q++) a[q & 15] += dyrow[q] * src[q * sw];
                            }
                        }
                    }
            }
        }
        float *dw = j->dw + kk * (size_t)CRS;
        for (int e = 0; e < CRS; e++) {
            double s = 0;
            for (int l = 0; l < 16; l++) s += acc[(size_t)e * 16 + l];
            dw[e] = (float)s;
        }
    }
}

/* ---- entry points ---- */

static int prepare(kern_ctx *ctx, struct conv_job *j, int *nth)
{
    const kern_conv *cv = j->cv;
    int t = kern_ctx_threads(ctx);
    if (t > 256) t = 256;
    size_t work = cv->algo == KERN_CONV_DIRECT && j->op == BWD_W ? (size_t)cv->k : (size_t)cv->n;
    if (cv->algo == KERN_CONV_DIRECT && j->op != BWD_W)
        work = (size_t)cv->n * (j->op == FWD ? cv->k : cv->c);
    if ((size_t)t > work) t = (int)work;
    if (t < 1) t = 1;
    /* Tiny convolutions are not worth waking threads for. */
    double fl = kern_conv_flops(cv);
    if (fl < 2e6) t = 1;
    j->ws_per_thread = kernp_align64(kern_conv_workspace(cv));
    j->ws = kernp_ws(ctx, j->ws_per_thread * (size_t)t);
    if (!j->ws && j->ws_per_thread) return -1;
    *nth = t;
    return 0;
}

int kern_conv2d_fwd(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *w,
                    const float *bias, int relu, float *y)
{
    struct conv_job j = {.cv = cv, .op = FWD, .x = x, .w = w, .bias = bias, .relu = relu, .y = y};
    int nth;
    if (prepare(ctx, &j, &nth)) return -1;
    kern_parallel(ctx, cv->algo == KERN_CONV_DIRECT ? direct_fwd_task : gemm_conv_task, &j, nth);
    return 0;
}

int kern_conv2d_bwd_data(kern_ctx *ctx, const kern_conv *cv, const float *dy, const float *w,
                         float *dx)
{
    struct conv_job j = {.cv = cv, .op = BWD_DATA, .dy = dy, .w = w, .dx = dx};
    int nth;
    if (prepare(ctx, &j, &nth)) return -1;
    kern_parallel(ctx, cv->algo == KERN_CONV_DIRECT ? direct_bwd_data_task : gemm_conv_task, &j,
                  nth);
    return 0;
}

int kern_conv2d_bwd_weights(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *dy,
                            float *dw, float *db)
{
    struct conv_job j = {.cv = cv, .op = BWD_W, .x = x, .dy = dy, .dw = dw};
    int nth;
    if (prepare(ctx, &j, &nth)) return -1;
    if (cv->algo == KERN_CONV_DIRECT) {
        kern_parallel(ctx, direct_bwd_w_task, &j, nth);
    } else {
        kern_parallel(ctx, gemm_conv_task, &j, nth);
        if (nth > 1) {
            size_t crs = (size_t)cv->c * cv->r * cv->s;
            size_t pq = (size_t)cv->p * cv->q;
            size_t dw_off = cv->algo == KERN_CONV_1X1 ? 0
                            : cv->algo == KERN_CONV_IM2COL_BATCHED
                                ? kernp_align64(crs * (size_t)batch_images(cv) * pq * sizeof(float)) +
                                      kernp_align64((size_t)cv->k * batch_images(cv) * pq * sizeof(float))
                                : kernp_align64(crs * pq * sizeof(float));
            struct reduce_job r = {.cj = &j, .count = (size_t)cv->k * crs, .dw_off = dw_off,
                                   .parts = nth};
            kern_parallel(ctx, reduce_task, &r, kernp_threads_for(r.count * (size_t)nth));
        }
    }
    if (db) kern_bias_bwd(ctx, cv->n, cv->k, cv->p * cv->q, dy, db);
    return 0;
}

/* ---- references: the definitions, in double ---- */

void kern_conv2d_fwd_ref(const kern_conv *cv, const float *x, const float *w, const float *bias,
                         int relu, float *y)
{
    for (int i = 0; i < cv->n; i++)
        for (int k = 0; k < cv->k; k++)
            for (int p = 0; p < cv->p; p++)
                for (int q = 0; q < cv->q; q++) {
                    double acc = bias ? bias[k] : 0.0;
                    for (int c = 0; c < cv->c; c++)
                        for (int r = 0; r < cv->r; r++)
                            for (int s = 0; s < cv->s; s++) {
                                int ih = p * cv->stride_h - cv->pad_h + r;
                                int iw = q * cv->stride_w - cv->pad_w + s;
                                if (ih < 0 || ih >= cv->h || iw < 0 || iw >= cv->w) continue;
                                acc += (double)x[(((size_t)i * cv->c + c) * cv->h + ih) * cv->w + iw] *
                                       w[(((size_t)k * cv->c + c) * cv->r + r) * cv->s + s];
                            }
                    float v = (float)acc;
                    y[(((size_t)i * cv->k + k) * cv->p + p) * cv->q + q] = relu && v < 0 ? 0 : v;
                }
}

void kern_conv2d_bwd_data_ref(const kern_conv *cv, const float *dy, const float *w, float *dx)
{
    for (int i = 0; i < cv->n; i++)
        for (int c = 0; c < cv->c; c++)
            for (int ih = 0; ih < cv->h; ih++)
                for (int iw = 0; iw < cv->w; iw++) {
                    double acc = 0;
                    for (int k = 0; k < cv->k; k++)
                        for (int r = 0; r < cv->r; r++)
                            for (int s = 0; s < cv->s; s++) {
                                int ph = ih + cv->pad_h - r, pw = iw + cv->pad_w - s;
                                if (ph < 0 || pw < 0 || ph % cv->stride_h || pw % cv->stride_w) continue;
                                int p = ph / cv->stride_h, q = pw / cv->stride_w;
                                if (p >= cv->p || q >= cv->q) continue;
                                acc += (double)dy[(((size_t)i * cv->k + k) * cv->p + p) * cv->q + q] *
                                       w[(((size_t)k * cv->c + c) * cv->r + r) * cv->s + s];
                            }
                    dx[(((size_t)i * cv->c + c) * cv->h + ih) * cv->w + iw] = (float)acc;
                }
}

void kern_conv2d_bwd_weights_ref(const kern_conv *cv, const float *x, const float *dy, float *dw,
                                 float *db)
{
    for (int k = 0; k < cv->k; k++) {
        for (int c = 0; c < cv->c; c++)
            for (int r = 0; r < cv->r; r++)
                for (int s = 0; s < cv->s; s++) {
                    double acc = 0;
                    for (int i = 0; i < cv->n; i++)
                        for (int p = 0; p < cv->p; p++)
                            for (int q = 0; q < cv->q; q++) {
                                int ih = p * cv->stride_h - cv->pad_h + r;
                                int iw = q * cv->stride_w - cv->pad_w + s;
                                if (ih < 0 || ih >= cv->h || iw < 0 || iw >= cv->w) continue;
                                acc += (double)dy[(((size_t)i * cv->k + k) * cv->p + p) * cv->q + q] *
                                       x[(((size_t)i * cv->c + c) * cv->h + ih) * cv->w + iw];
                            }
                    dw[(((size_t)k * cv->c + c) * cv->r + r) * cv->s + s] = (float)acc;
                }
        if (db) {
            double acc = 0;
            for (int i = 0; i < cv->n; i++)
                for (int pq = 0; pq < cv->p * cv->q; pq++)
                    acc += dy[((size_t)i * cv->k + k) * cv->p * cv->q + pq];
            db[k] = (float)acc;
        }
    }
}
