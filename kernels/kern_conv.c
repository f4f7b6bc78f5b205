/* kern_conv — 2-D convolution (NCHW, OIHW weights, stride, zero padding, dilation 1):
 * forward, backward-data and backward-weights with four algorithms, and naive references.
 *
 *   IM2COL          per image: unfold the input into a (c*r*s) x (p*q) matrix in the thread's
 *                   workspace, then one GEMM: y_i = W . col (darknet's scheme).
 *   IM2COL_BATCHED  the columns of b images side by side, one k x (b*p*q) GEMM, then a scatter
 *                   back to NCHW: for small feature maps, where one image's GEMM is too
 *                   narrow for OpenBLAS to reach its rate.
 *   1X1             a 1x1/stride-1/unpadded convolution needs no unfolding: x_i is the matrix.
 *   DIRECT          stride 1: register-blocked loops (8 output channels x one vector of
 *                   columns, held in registers over all taps) on a zero-padded copy of each
 *                   image; no unfolded matrix. Fastest where the GEMM would be small or
 *                   skinny: few input or output channels. Only with AVX or wider vectors.
 *
 * Each pass (forward, backward-data, backward-weights) has its own algorithm: AUTO picks
 * each from the shape with rules measured on the target (see bench/kernels.sh).
 *
 * Threading: the context's threads take blocks of images; each one works in its own slice of
 * the workspace and calls the single-threaded OpenBLAS. Backward-weights sums over images:
 * every thread accumulates a partial dW (and db) in its slice, then a second pass adds the
 * partials in thread order (the same bits for a given thread count). The bias and ReLU are
 * fused into the forward's epilogue, applied while the output block is still in cache;
 * kern_conv2d_bwd fuses the ReLU mask, the bias gradient and both backward GEMMs per image. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdint.h>
#include <string.h>

#include "kern.h"
#include "kern_impl.h"

static const char *const algo_names[] = {"auto", "im2col", "im2col-batched",
                                         "1x1",  "direct", "winograd"};
_Static_assert(sizeof algo_names / sizeof *algo_names == KERN_CONV_ALGO_COUNT,
               "one name per conv algorithm");

const char *kern_conv_algo_name(kern_conv_algo algo)
{
    return (unsigned)algo < KERN_CONV_ALGO_COUNT ? algo_names[algo] : "?";
}

enum {
    BATCH_COLS = 256, /* IM2COL_BATCHED unfolds images until a GEMM is this wide (measured: wider
                       * blocks fall out of L2) */
    DKB = 8,          /* DIRECT: output channels per register block */
};

/* DIRECT: output columns per register block, one vector register of the target: 16 floats
 * with AVX-512, 8 with AVX, 4 otherwise. (A wider block than the registers, split by the
 * compiler, measured 8x slower on AVX2: the accumulators no longer fit.) */
#if defined(__AVX512F__)
#define DQB 16
#elif defined(__AVX__)
#define DQB 8
#else
#define DQB 4
#endif

enum conv_pass { FWD, BWD_DATA, BWD_W, BWD_ALL };

/* One vector register of floats as one value: GCC/clang lower it to the target's vector
 * instructions, which pins the register blocking down where the auto-vectoriser would not. */
typedef float vecf __attribute__((vector_size(DQB * sizeof(float))));

/* An unaligned load of DQB floats. */
#define loadv(p)                                                                                   \
    __extension__({                                                                                \
        vecf v_;                                                                                   \
        memcpy(&v_, (p), sizeof v_);                                                               \
        v_;                                                                                        \
    })

/* A store of DQB floats, unaligned. */
#define storev(p, v)                                                                               \
    do {                                                                                           \
        const vecf sv_ = (v);                                                                      \
        memcpy((p), &sv_, sizeof sv_);                                                             \
    } while (0)

typedef int veci __attribute__((vector_size(DQB * sizeof(int))));

static vecf relu_v(vecf a)
{
    const vecf zero = {0};
    return (vecf)((veci)a & (a > zero));
}

/* Loads v once, into a register: without it GCC folds the load into each multiplication
 * that uses v (three loads instead of one, and bww_row3 became load-bound). */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define KEEP_IN_REGISTER(v) __asm__("" : "+v"(v))
#else
#define KEEP_IN_REGISTER(v) ((void)0)
#endif

/* dst[0 .. n) = src[0 .. n) for short rows (image rows, padded rows), where a memcpy call
 * costs more than the copy: GCC turns such a loop into one unless told not to (it did in
 * DIRECT's image padding: a call per 32-float row). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
static void
copy_floats(float *restrict dst, const float *restrict src, int n)
{
    for (int x = 0; x < n; x++)
        dst[x] = src[x];
}

static int is_pointwise(const kern_conv *cv)
{
    return cv->r == 1 && cv->s == 1 && cv->stride_h == 1 && cv->stride_w == 1 && cv->pad_h == 0 &&
           cv->pad_w == 0;
}

static int round_up(int v, int m)
{
    return (v + m - 1) / m * m;
}

/* DIRECT handles stride 1 with padding smaller than the kernel. */
static int direct_ok(const kern_conv *cv)
{
    return cv->stride_h == 1 && cv->stride_w == 1 && cv->pad_h < cv->r && cv->pad_w < cv->s;
}

/* WINOGRAD handles 3x3 kernels at stride 1 with padding up to 2. */
static int wino_ok(const kern_conv *cv)
{
    return cv->r == 3 && cv->s == 3 && cv->stride_h == 1 && cv->stride_w == 1 && cv->pad_h <= 2 &&
           cv->pad_w <= 2;
}

/* The share of DIRECT's column blocks (one vector of vw floats) that holds real columns for
 * rows of `len`. */
static double lane_use(int len, int vw)
{
    return (double)len / round_up(len, vw);
}

/* AUTO's choice for one pass, from measurements on a zen4 core (`modak model calibrate`
 * times every zoo shape both ways; kernels/calib answers ad-hoc requests): the GEMM
 * algorithms are plain 1x1 or per-image im2col unless an image has at most 64 output pixels
 * (resnet50's 7x7 stage, resnet20's 8x8 one), where batching images widens the GEMM (8x8:
 * backward 6% and backward-weights alone 14% faster). DIRECT wins where the GEMM is small or
 * skinny: the forward with 16 to 64 input channels on rows that fill its column blocks
 * (resnet20: 1.5-1.7x; with one input channel im2col is 3x faster, with 128 or more 10-15%),
 * backward-data with 16 to 32 input channels on full rows (2x on resnet20's first stage;
 * behind by 2-5% from 64 input channels, by 60% on mnist_cnn's 26-pixel rows in 32-wide
 * blocks), and backward-weights with at most 32 output channels from at least 16 input
 * channels (resnet20's 32-channel stage: 17% faster than im2col). WINOGRAD (3x3, stride 1,
 * built with FMA contraction as modak builds its binaries) beats all of them from 32 to 256
 * channels each way, in every pass (2 threads, ms, forward/backward-data/backward-weights:
 * resnet20's 16x16x32 stage 2.86/2.90/3.40 -> 2.64/2.67/3.15 over DIRECT, its 8x8x64 one
 * 4.0/3.95/4.14 -> 3.04/3.11/3.20 over the batched GEMM; mnist_cnn's second layer
 * 16.0/15.3/19.0 -> 11.1/14.0/15.3; resnet50's 56x56x64 9.6/9.8/11.0 -> 6.0/6.1/7.0,
 * 28x28x128 10.1/10.0 -> 7.0/7.1, 14x14x256 11.2/10.2/10.0 -> 7.0/7.3/6.9); it is level
 * with DIRECT on 16 channels (forward 2.98 vs 3.1) and behind by 2.3x with 512 (its
 * transformed weights, 16 x 512 x 512 floats, fall out of the caches). */
static kern_conv_algo choose(const kern_conv *cv, enum conv_pass pass)
{
    int pq = cv->p * cv->q, vw = cv->vec > 0 ? cv->vec : DQB;
    kern_conv_algo gemm = pq <= 64           ? KERN_CONV_IM2COL_BATCHED
                          : is_pointwise(cv) ? KERN_CONV_1X1
                                             : KERN_CONV_IM2COL;
    /* WINOGRAD for 32 to 256 channels each way */
    if (vw >= 8 && wino_ok(cv) && cv->c >= 32 && cv->c <= 256 && cv->k >= 32 && cv->k <= 256)
        return KERN_CONV_WINOGRAD;
    /* measured with AVX and AVX-512 only; up to 64 output pixels the batched GEMM wins */
    if (!direct_ok(cv) || is_pointwise(cv) || vw < 8 || pq <= 64) return gemm;
    switch (pass) {
    case FWD:
        return cv->c >= 16 && cv->c <= 64 && lane_use(cv->q, vw) >= 0.85 ? KERN_CONV_DIRECT : gemm;
    case BWD_DATA:
        return cv->c >= 16 && cv->c <= 32 && lane_use(cv->w, vw) >= 0.85 ? KERN_CONV_DIRECT : gemm;
    default:
        return cv->k <= 32 && cv->c >= 16 && lane_use(cv->q, vw) >= 0.75 ? KERN_CONV_DIRECT : gemm;
    }
}

static int resolve(kern_conv *cv, kern_conv_algo *algo, enum conv_pass pass, kern_err *err)
{
    static const char *const pass_names[] = {"forward", "backward-data", "backward-weights"};
    switch (*algo) {
    case KERN_CONV_AUTO:
        *algo = choose(cv, pass);
        return 0;
    case KERN_CONV_1X1:
        if (!is_pointwise(cv))
            return kern_err_set(err, KERN_EINVAL,
                                "conv %s: algorithm 1x1 needs a 1x1 kernel, stride 1 and no "
                                "padding (got %dx%d, stride %d,%d, pad %d,%d)",
                                pass_names[pass], cv->r, cv->s, cv->stride_h, cv->stride_w,
                                cv->pad_h, cv->pad_w);
        return 0;
    case KERN_CONV_DIRECT:
        if (!direct_ok(cv))
            return kern_err_set(err, KERN_EINVAL,
                                "conv %s: algorithm direct needs stride 1 and padding smaller "
                                "than the kernel (got stride %d,%d, pad %d,%d, kernel %dx%d)",
                                pass_names[pass], cv->stride_h, cv->stride_w, cv->pad_h, cv->pad_w,
                                cv->r, cv->s);
        return 0;
    case KERN_CONV_WINOGRAD:
        if (!wino_ok(cv))
            return kern_err_set(err, KERN_EINVAL,
                                "conv %s: algorithm winograd needs a 3x3 kernel, stride 1 and "
                                "padding of at most 2 (got %dx%d, stride %d,%d, pad %d,%d)",
                                pass_names[pass], cv->r, cv->s, cv->stride_h, cv->stride_w,
                                cv->pad_h, cv->pad_w);
        return 0;
    case KERN_CONV_IM2COL:
    case KERN_CONV_IM2COL_BATCHED:
        return 0;
    default:
        return kern_err_set(err, KERN_EINVAL, "conv %s: unknown algorithm %d", pass_names[pass],
                            (int)*algo);
    }
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
        return kern_err_set(err, KERN_EINVAL,
                            "conv: kernel %dx%d larger than the padded input %dx%d", cv->r, cv->s,
                            cv->h + 2 * cv->pad_h, cv->w + 2 * cv->pad_w);
    cv->p = (cv->h + 2 * cv->pad_h - cv->r) / cv->stride_h + 1;
    cv->q = (cv->w + 2 * cv->pad_w - cv->s) / cv->stride_w + 1;
    if ((double)cv->c * cv->r * cv->s * cv->p * cv->q > 2e9 ||
        (double)cv->c * cv->h * cv->w > 2e9 || (double)cv->k * cv->p * cv->q > 2e9)
        return kern_err_set(err, KERN_EINVAL, "conv: one image's tensors are too large");
    if (resolve(cv, &cv->algo, FWD, err) || resolve(cv, &cv->algo_bwd_data, BWD_DATA, err) ||
        resolve(cv, &cv->algo_bwd_weights, BWD_W, err))
        return -1;
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

double kern_conv_flops(const kern_conv *cv)
{
    return 2.0 * cv->n * cv->k * cv->p * cv->q * (double)cv->c * cv->r * cv->s;
}

/* ---- workspace ---- */

/* Floats of DIRECT's per-thread scratch for one pass: padded input (or padded dy), packed
 * weights and tap offsets. */
static size_t wino_scratch(const kern_conv *cv, enum conv_pass pass);
static size_t wino_bww_scratch(const kern_conv *cv);

static size_t direct_scratch(const kern_conv *cv, enum conv_pass pass)
{
    size_t crs = (size_t)cv->c * cv->r * cv->s, krs = (size_t)cv->k * cv->r * cv->s;
    size_t qp = (size_t)round_up(cv->q, DQB), kp = (size_t)round_up(cv->k, DKB);
    size_t xpad = (size_t)cv->c * (cv->h + 2 * cv->pad_h) * (qp + cv->s - 1);
    if (pass == FWD) return xpad + kp * crs + crs;
    /* padded input, padded dy, tap offsets, and one vector of partial sums per (output
     * channel, tap) kept over all the thread's images (64-byte aligned: + DQB) */
    if (pass == BWD_W) return xpad + kp * (size_t)cv->p * qp + crs + (kp * crs + 1) * DQB;
    size_t wq = (size_t)round_up(cv->w, DQB), cp = (size_t)round_up(cv->c, DKB);
    return (size_t)cv->k * (cv->p + 2 * (cv->r - 1 - cv->pad_h)) * (wq + cv->s - 1) + cp * krs +
           krs;
}

/* Each thread's slice of the workspace for one pass and algorithm: the unfolded block (or
 * DIRECT's scratch), the gathered dy block (batched), a partial dW and a partial db. */
struct ws_layout {
    size_t col, tmp, dw, db, xpad, total;
    int padded; /* stride 1: im2col copies rows of a zero-padded image (at xpad) */
};

static struct ws_layout layout_of(const kern_conv *cv, kern_conv_algo algo, enum conv_pass pass)
{
    size_t crs = (size_t)cv->c * cv->r * cv->s, pq = (size_t)cv->p * cv->q, k = (size_t)cv->k;
    size_t b = algo == KERN_CONV_IM2COL_BATCHED ? (size_t)batch_images(cv) : 1;
    size_t col = algo == KERN_CONV_DIRECT                      ? direct_scratch(cv, pass)
                 : algo == KERN_CONV_WINOGRAD && pass == BWD_W ? wino_bww_scratch(cv)
                 : algo == KERN_CONV_WINOGRAD                  ? wino_scratch(cv, pass)
                 : algo == KERN_CONV_1X1 && b == 1             ? 0
                                                               : crs * b * pq;
    size_t tmp = algo == KERN_CONV_IM2COL_BATCHED ? k * b * pq : 0;
    int needs_partials = pass == BWD_W || pass == BWD_ALL;
    struct ws_layout l;
    l.col = 0;
    l.tmp = kernp_align64(col * sizeof(float));
    l.dw = l.tmp + kernp_align64(tmp * sizeof(float));
    l.db = l.dw + (needs_partials ? kernp_align64(k * crs * sizeof(float)) : 0);
    l.xpad = l.db + (needs_partials ? kernp_align64(k * sizeof(double)) : 0);
    l.padded = (algo == KERN_CONV_IM2COL || algo == KERN_CONV_IM2COL_BATCHED) &&
               cv->stride_h == 1 && cv->stride_w == 1 && !is_pointwise(cv);
    size_t xpad = l.padded ? (size_t)cv->c * (cv->h + 2 * cv->pad_h) * (cv->w + 2 * cv->pad_w) : 0;
    l.total = l.xpad + kernp_align64(xpad * sizeof(float));
    return l;
}

size_t kern_conv_workspace(const kern_conv *cv)
{
    size_t a = layout_of(cv, cv->algo, FWD).total;
    size_t b = layout_of(cv, cv->algo_bwd_data, BWD_DATA).total;
    size_t c = layout_of(cv, cv->algo_bwd_weights, BWD_W).total;
    size_t d = cv->algo_bwd_data == cv->algo_bwd_weights
                   ? layout_of(cv, cv->algo_bwd_data, BWD_ALL).total
                   : 0;
    size_t m = a > b ? a : b;
    m = m > c ? m : c;
    return m > d ? m : d;
}

/* ---- unfolding ---- */

/* Copies one image (c x h x w) into dst (c x hp x wpp) at offset (ph, pw), zeros around. */
static void pad_plane(const float *restrict src, int C, int H, int W, int ph, int pw, int hp,
                      int wpp, float *restrict dst)
{
    memset(dst, 0, (size_t)C * hp * wpp * sizeof *dst);
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++) {
            copy_floats(dst + ((size_t)c * hp + h + ph) * wpp + pw, src + ((size_t)c * H + h) * W,
                        W);
        }
}

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

/* col[(ci*r + ri)*s + si][(p - p0)*q + q], row stride ld, from one image x (c x h x w), for
 * the output rows p in [p0, p1). With xpad (stride 1 only), x is not read: xpad holds the
 * image zero-padded (pad_image), and every row is a plain copy of q floats. On resnet20's
 * 8x8 maps the bounds-checked loops below took half as long as the GEMM they feed. */
static void im2col_rows(const kern_conv *cv, const float *x, const float *xpad, float *col,
                        size_t ld, int p0, int p1)
{
    const int C = cv->c, H = cv->h, W = cv->w, R = cv->r, S = cv->s, Q = cv->q;
    if (xpad) {
        const int hp = H + 2 * cv->pad_h, wp = W + 2 * cv->pad_w;
        for (int c = 0; c < C; c++)
            for (int r = 0; r < R; r++)
                for (int s = 0; s < S; s++) {
                    float *row = col + ((size_t)(c * R + r) * S + s) * ld;
                    for (int p = p0; p < p1; p++) {
                        const float *src = xpad + ((size_t)c * hp + p + r) * wp + s;
                        float *dst = row + (size_t)(p - p0) * Q;
                        for (int q = 0; q < Q; q++)
                            dst[q] = src[q];
                    }
                }
        return;
    }
    const int sh = cv->stride_h, sw = cv->stride_w, ph = cv->pad_h, pw = cv->pad_w;
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++) {
                float *row = col + ((size_t)(c * R + r) * S + s) * ld;
                int q0, q1;
                valid_cols(Q, W, sw, pw, s, &q0, &q1);
                for (int p = p0; p < p1; p++) {
                    float *dst = row + (size_t)(p - p0) * Q;
                    int ih = p * sh - ph + r;
                    if (ih < 0 || ih >= H) {
                        memset(dst, 0, (size_t)Q * sizeof *dst);
                        continue;
                    }
                    const float *src = x + ((size_t)c * H + ih) * W - pw + s;
                    for (int q = 0; q < q0; q++)
                        dst[q] = 0.0f;
                    if (sw == 1)
                        copy_floats(dst + q0, src + q0, q1 - q0);
                    else
                        for (int q = q0; q < q1; q++)
                            dst[q] = src[q * sw];
                    for (int q = q1; q < Q; q++)
                        dst[q] = 0.0f;
                }
            }
}

/* The zero-padded copy of image x for im2col_rows, when the layout has one (else NULL). */
static const float *pad_image(const kern_conv *cv, const float *x, float *xpad)
{
    if (!xpad) return NULL;
    pad_plane(x, cv->c, cv->h, cv->w, cv->pad_h, cv->pad_w, cv->h + 2 * cv->pad_h,
              cv->w + 2 * cv->pad_w, xpad);
    return xpad;
}

static void im2col(const kern_conv *cv, const float *x, float *xpad, float *col, size_t ld)
{
    im2col_rows(cv, x, pad_image(cv, x, xpad), col, ld, 0, cv->p);
}

/* Output rows per block of a tiled im2col: one image's unfolded matrix larger than this
 * many bytes (resnet50's 7x7 stem: 7.4 MB) is unfolded and multiplied a block of rows at a
 * time, so that the block is still in L2 when the GEMM reads it. */
enum { TILE_BYTES = 512 << 10 };

static int tile_rows(const kern_conv *cv)
{
    size_t row_bytes = (size_t)cv->c * cv->r * cv->s * cv->q * sizeof(float);
    size_t rows = TILE_BYTES / (row_bytes ? row_bytes : 1);
    if (rows < 1) rows = 1;
    return rows >= (size_t)cv->p ? cv->p : (int)rows;
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
                        for (int q = q0; q < q1; q++)
                            dst[q] += src[q];
                    else
                        for (int q = q0; q < q1; q++)
                            dst[q * sw] += src[q];
                }
            }
}

/* dx (one image) = the folding of col, stride 1: accumulated without bounds checks into the
 * zero-padded plane xpad (c x hp x wp), whose interior is then copied to dx. */
static void col2im_padded(const kern_conv *cv, const float *col, size_t ld, float *xpad, float *dx)
{
    const int C = cv->c, H = cv->h, W = cv->w, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int hp = H + 2 * cv->pad_h, wp = W + 2 * cv->pad_w;
    memset(xpad, 0, (size_t)C * hp * wp * sizeof *xpad);
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++) {
                const float *row = col + ((size_t)(c * R + r) * S + s) * ld;
                for (int p = 0; p < P; p++) {
                    const float *src = row + (size_t)p * Q;
                    float *dst = xpad + ((size_t)c * hp + p + r) * wp + s;
                    for (int q = 0; q < Q; q++)
                        dst[q] += src[q];
                }
            }
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            copy_floats(dx + ((size_t)c * H + h) * W,
                        xpad + ((size_t)c * hp + h + cv->pad_h) * wp + cv->pad_w, W);
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
            for (size_t l = 0; l < len; l++)
                dst[l] = src[l] + b;
    }
}

/* ---- the GEMM-based algorithms ---- */

struct conv_job {
    const kern_conv *cv;
    enum conv_pass pass;
    kern_conv_algo algo;
    const float *x, *w, *bias, *y_relu;
    const float *dy;
    float *dy_mut; /* BWD_ALL: dy, masked in place by y_relu */
    float *y, *dx, *dw, *db;
    int relu;
    char *ws;
    size_t ws_per_thread;
    struct ws_layout l;
    unsigned char has_partial[256];
};

/* dy (k rows of pq) masked in place where y <= 0. */
static void mask_relu(float *restrict dy, const float *restrict y, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        float d = dy[i];
        dy[i] = y[i] > 0.0f ? d : 0.0f;
    }
}

static void gemm_conv_task(void *p, int ith, int nth)
{
    struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int K = cv->k, C = cv->c;
    const int CRS = cv->c * cv->r * cv->s, PQ = cv->p * cv->q;
    const size_t in_sz = (size_t)C * cv->h * cv->w, out_sz = (size_t)K * PQ;
    const int batched = j->algo == KERN_CONV_IM2COL_BATCHED;
    const int pointwise = j->algo == KERN_CONV_1X1;
    const int plain_1x1 = is_pointwise(cv); /* unfolding is a copy, folding too */
    const int B = batched ? batch_images(cv) : 1;
    char *ws = j->ws + (size_t)ith * j->ws_per_thread;
    float *col = (float *)(ws + j->l.col), *tmp = (float *)(ws + j->l.tmp);
    float *xpad = j->l.padded ? (float *)(ws + j->l.xpad) : NULL;
    float *dwt = nth > 1 ? (float *)(ws + j->l.dw) : j->dw;
    double *dbt = (double *)(ws + j->l.db);
    const int do_w = (j->pass == BWD_W || j->pass == BWD_ALL) && j->dw;
    const int do_d = (j->pass == BWD_DATA || j->pass == BWD_ALL) && j->dx;
    const int do_b = j->pass == BWD_ALL && j->db;
    const float *dy = j->pass == BWD_ALL ? j->dy_mut : j->dy;

    size_t lo, hi;
    kern_split((size_t)cv->n, ith, nth, &lo, &hi);
    j->has_partial[ith] = hi > lo;
    if (do_b)
        for (int kk = 0; kk < K; kk++)
            dbt[kk] = 0.0;
    int first = 1;
    for (size_t i0 = lo; i0 < hi; i0 += (size_t)B) {
        int b = (int)(hi - i0 < (size_t)B ? hi - i0 : (size_t)B);
        int L = b * PQ; /* columns of the unfolded block */
        if (j->pass == FWD) {
            if (!batched) {
                const float *xi = j->x + i0 * in_sz;
                float *yi = j->y + i0 * out_sz;
                if (pointwise) {
                    kern_sgemm(0, 0, K, PQ, CRS, 1.0f, j->w, CRS, xi, PQ, 0.0f, yi, PQ);
                } else {
                    /* a block of output rows at a time (all of them unless the unfolded
                     * image is larger than L2) */
                    const int rows = tile_rows(cv);
                    const float *xp = pad_image(cv, xi, xpad);
                    for (int p0 = 0; p0 < cv->p; p0 += rows) {
                        int p1 = p0 + rows < cv->p ? p0 + rows : cv->p, n = (p1 - p0) * cv->q;
                        im2col_rows(cv, xi, xp, col, (size_t)n, p0, p1);
                        kern_sgemm(0, 0, K, n, CRS, 1.0f, j->w, CRS, col, n, 0.0f,
                                   yi + (size_t)p0 * cv->q, PQ);
                    }
                }
                if (j->bias || j->relu)
                    epilogue(yi, (size_t)PQ, yi, (size_t)PQ, K, (size_t)PQ, j->bias, j->relu);
            } else {
                for (int t = 0; t < b; t++)
                    im2col(cv, j->x + (i0 + t) * in_sz, xpad, col + (size_t)t * PQ, (size_t)L);
                kern_sgemm(0, 0, K, L, CRS, 1.0f, j->w, CRS, col, L, 0.0f, tmp, L);
                for (int t = 0; t < b; t++)
                    epilogue(tmp + (size_t)t * PQ, (size_t)L, j->y + (i0 + t) * out_sz, (size_t)PQ,
                             K, (size_t)PQ, j->bias, j->relu);
            }
            continue;
        }
        /* backward: mask (fused ReLU), bias gradient, then the two GEMMs on the same block */
        if (j->pass == BWD_ALL && j->y_relu)
            for (int t = 0; t < b; t++)
                mask_relu(j->dy_mut + (i0 + t) * out_sz, j->y_relu + (i0 + t) * out_sz, out_sz);
        if (do_b)
            for (int t = 0; t < b; t++)
                for (int kk = 0; kk < K; kk++)
                    dbt[kk] += kernp_sum(dy + (i0 + t) * out_sz + (size_t)kk * PQ, (size_t)PQ);
        const float *dmat = dy + i0 * out_sz; /* k x pq of one image, or the gathered block */
        if (batched) {
            for (int t = 0; t < b; t++)
                for (int kk = 0; kk < K; kk++)
                    copy_floats(tmp + (size_t)kk * L + (size_t)t * PQ,
                                dy + (i0 + t) * out_sz + (size_t)kk * PQ, PQ);
            dmat = tmp;
        }
        if (do_w && !batched && !pointwise) {
            /* dW += dy . col^T, a block of output rows at a time as in the forward (dx below
             * does not read the unfolding: it writes its own columns into col) */
            const int rows = tile_rows(cv);
            const float *xp = pad_image(cv, j->x + i0 * in_sz, xpad);
            for (int p0 = 0; p0 < cv->p; p0 += rows) {
                int p1 = p0 + rows < cv->p ? p0 + rows : cv->p, n = (p1 - p0) * cv->q;
                im2col_rows(cv, j->x + i0 * in_sz, xp, col, (size_t)n, p0, p1);
                kern_sgemm(0, 1, K, CRS, n, 1.0f, dmat + (size_t)p0 * cv->q, L, col, n,
                           first && p0 == 0 ? 0.0f : 1.0f, dwt, CRS);
            }
        } else if (do_w) {
            const float *mat = col;
            if (pointwise)
                mat = j->x + i0 * in_sz;
            else
                for (int t = 0; t < b; t++)
                    im2col(cv, j->x + (i0 + t) * in_sz, xpad, col + (size_t)t * PQ, (size_t)L);
            kern_sgemm(0, 1, K, CRS, L, 1.0f, dmat, L, mat, L, first ? 0.0f : 1.0f, dwt, CRS);
        }
        if (do_d) {
            if (pointwise) {
                kern_sgemm(1, 0, CRS, PQ, K, 1.0f, j->w, CRS, dmat, PQ, 0.0f, j->dx + i0 * in_sz,
                           PQ);
            } else {
                kern_sgemm(1, 0, CRS, L, K, 1.0f, j->w, CRS, dmat, L, 0.0f, col, L);
                for (int t = 0; t < b; t++) {
                    float *dxi = j->dx + (i0 + t) * in_sz;
                    if (plain_1x1) {
                        for (int c = 0; c < C; c++)
                            copy_floats(dxi + (size_t)c * PQ, col + (size_t)c * L + (size_t)t * PQ,
                                        PQ);
                    } else if (xpad) { /* the unfolding is done with xpad: dx folds into it */
                        col2im_padded(cv, col + (size_t)t * PQ, (size_t)L, xpad, dxi);
                    } else {
                        memset(dxi, 0, in_sz * sizeof(float));
                        col2im(cv, col + (size_t)t * PQ, (size_t)L, dxi);
                    }
                }
            }
        }
        first = 0;
    }
    if (do_w && first && nth == 1) memset(j->dw, 0, (size_t)K * CRS * sizeof(float));
    if (do_b && nth == 1)
        for (int kk = 0; kk < K; kk++)
            j->db[kk] = (float)dbt[kk];
}

/* dw (and db) = the sum of the threads' partials, in thread order. */
struct reduce_job {
    struct conv_job *cj;
    size_t count;
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
    for (size_t e = lo; e < hi; e++)
        dw[e] = 0.0f;
    for (int t = 0; t < r->parts; t++) {
        if (!r->cj->has_partial[t]) continue;
        const float *part =
            (const float *)(r->cj->ws + (size_t)t * r->cj->ws_per_thread + r->cj->l.dw);
        for (size_t e = lo; e < hi; e++)
            dw[e] += part[e];
    }
}

static void reduce_partials(kern_ctx *ctx, struct conv_job *j, int nth)
{
    const kern_conv *cv = j->cv;
    if (j->dw && (j->pass == BWD_W || j->pass == BWD_ALL)) {
        struct reduce_job r = {
            .cj = j, .count = (size_t)cv->k * cv->c * cv->r * cv->s, .parts = nth};
        kern_parallel(ctx, reduce_task, &r, kernp_threads_for(r.count * (size_t)nth));
    }
    if (j->db && (j->pass == BWD_ALL || j->dy_mut))
        for (int kk = 0; kk < cv->k; kk++) {
            double s = 0;
            for (int t = 0; t < nth; t++)
                if (j->has_partial[t])
                    s += ((const double *)(j->ws + (size_t)t * j->ws_per_thread + j->l.db))[kk];
            j->db[kk] = (float)s;
        }
}

/* ---- DIRECT ----
 *
 * The input is copied once per image into a zero-padded plane whose rows are long enough
 * for whole vector blocks, so the inner loops have no bounds checks. A block of 8 output
 * channels x one vector of output columns is accumulated in registers over all c*r*s taps (weights
 * packed as [channel block][tap][8]). Backward-data is the same kernel run on dy padded by
 * (r-1-pad) with the weights flipped and their channels swapped. Backward-weights keeps
 * 8 channels x one vector of columns of products per tap and splits images over threads with
 * partial sums, like the GEMM path. */

/* y (k x p x q) = correlation of xpad (cin x hp x wpp) with the packed weights (+ bias, relu).
 * off[t] is the offset in xpad of tap t = (c, r, s). */
static void direct_core(const float *restrict xpad, int wpp, const float *restrict wpack,
                        const int *restrict off, int taps, int K, int P, int Q,
                        const float *restrict bias, int relu, float *restrict y)
{
    for (int k0 = 0; k0 < K; k0 += DKB) {
        int kb = K - k0 < DKB ? K - k0 : DKB;
        const float *wp = wpack + (size_t)(k0 / DKB) * taps * DKB;
        float bv[DKB];
        for (int kk = 0; kk < DKB; kk++)
            bv[kk] = bias && kk < kb ? bias[k0 + kk] : 0.0f;
        for (int op = 0; op < P; op++)
            for (int q0 = 0; q0 < Q; q0 += DQB) {
                vecf a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                a0 += bv[0], a1 += bv[1], a2 += bv[2], a3 += bv[3];
                a4 += bv[4], a5 += bv[5], a6 += bv[6], a7 += bv[7];
                const float *xb = xpad + (size_t)op * wpp + q0;
                for (int t = 0; t < taps; t++) {
                    const vecf xv = loadv(xb + off[t]);
                    const float *wt = wp + (size_t)t * DKB;
                    a0 += wt[0] * xv, a1 += wt[1] * xv, a2 += wt[2] * xv, a3 += wt[3] * xv;
                    a4 += wt[4] * xv, a5 += wt[5] * xv, a6 += wt[6] * xv, a7 += wt[7] * xv;
                }
                vecf acc[DKB] = {a0, a1, a2, a3, a4, a5, a6, a7};
                int n = Q - q0 < DQB ? Q - q0 : DQB;
                for (int kk = 0; kk < kb; kk++) {
                    float *yr = y + ((size_t)(k0 + kk) * P + op) * Q + q0;
                    const vecf v = relu ? relu_v(acc[kk]) : acc[kk];
                    if (n == DQB)
                        storev(yr, v);
                    else
                        for (int l = 0; l < n; l++)
                            yr[l] = v[l];
                }
            }
    }
}

static void direct_fwd_task(void *p, int ith, int nth)
{
    const struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int C = cv->c, K = cv->k, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int hp = cv->h + 2 * cv->pad_h, wpp = round_up(Q, DQB) + S - 1, taps = C * R * S;
    const int kp = round_up(K, DKB);
    float *xpad = (float *)(j->ws + (size_t)ith * j->ws_per_thread + j->l.col);
    float *wpack = xpad + (size_t)C * hp * wpp;
    int *off = (int *)(wpack + (size_t)kp * taps);
    for (int c = 0, t = 0; c < C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++, t++) {
                off[t] = (c * hp + r) * wpp + s;
                for (int k = 0; k < kp; k++)
                    wpack[((size_t)(k / DKB) * taps + t) * DKB + k % DKB] =
                        k < K ? j->w[(size_t)k * taps + t] : 0.0f;
            }
    size_t lo, hi;
    kern_split((size_t)cv->n, ith, nth, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        pad_plane(j->x + i * (size_t)C * cv->h * cv->w, C, cv->h, cv->w, cv->pad_h, cv->pad_w, hp,
                  wpp, xpad);
        direct_core(xpad, wpp, wpack, off, taps, K, P, Q, j->bias, j->relu,
                    j->y + i * (size_t)K * P * Q);
    }
}

static void direct_bwd_data_task(void *p, int ith, int nth)
{
    const struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int C = cv->c, K = cv->k, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int ph = R - 1 - cv->pad_h, pw = S - 1 - cv->pad_w;
    const int hp = P + 2 * ph, wpp = round_up(cv->w, DQB) + S - 1, taps = K * R * S;
    const int cp = round_up(C, DKB);
    float *dypad = (float *)(j->ws + (size_t)ith * j->ws_per_thread + j->l.col);
    float *wpack = dypad + (size_t)K * hp * wpp;
    int *off = (int *)(wpack + (size_t)cp * taps);
    for (int k = 0, t = 0; k < K; k++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++, t++) {
                off[t] = (k * hp + r) * wpp + s;
                for (int c = 0; c < cp; c++)
                    wpack[((size_t)(c / DKB) * taps + t) * DKB + c % DKB] =
                        c < C ? j->w[(((size_t)k * C + c) * R + (R - 1 - r)) * S + (S - 1 - s)]
                              : 0.0f;
            }
    size_t lo, hi;
    kern_split((size_t)cv->n, ith, nth, &lo, &hi);
    for (size_t i = lo; i < hi; i++) {
        pad_plane(j->dy + i * (size_t)K * P * Q, K, P, Q, ph, pw, hp, wpp, dypad);
        direct_core(dypad, wpp, wpack, off, taps, C, cv->h, cv->w, NULL, 0,
                    j->dx + i * (size_t)C * cv->h * cv->w);
    }
}

/* Backward-weights, one (block of output channels, input channel, kernel row) over `rows`
 * output rows: dW's partial sums, one vector per (tap, channel) at acc[s * DKB + kk], kept in
 * registers over the rows. xr: the row's input at tap s = 0 (row stride wpp), dr: the first
 * channel's dy (channel stride ks, row stride qp, zero beyond the real columns). */

/* Output channels per register block of bww_row3 and wino_gemm: 3 taps (or 2 vectors of
 * tiles) x 8 channels = 24 (16) accumulators fit the 32 vector registers of AVX-512; with 16
 * registers, 4 channels. EACH_K(M) expands M(0) .. M(RK - 1). */
#if DQB >= 16
#define RK        8
#define EACH_K(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#else
#define RK        4
#define EACH_K(M) M(0) M(1) M(2) M(3)
#endif

/* the three taps of a 3-wide kernel row together: 3 input loads and RK dy loads feed
 * 3 * RK FMAs (one tap at a time needed 9 loads for 8 FMAs and was load-bound) */
static void bww_row3(vecf *restrict acc, const float *restrict xr, int wpp,
                     const float *restrict dr, size_t ks, int qp, int rows)
{
#define BWW_DECL(kk) vecf a0##kk = acc[kk], a1##kk = acc[DKB + kk], a2##kk = acc[2 * DKB + kk];
#define BWW_STEP(kk)                                                                               \
    {                                                                                              \
        vecf d = loadv(dq + (kk)*ks);                                                              \
        KEEP_IN_REGISTER(d);                                                                       \
        a0##kk += d * x0, a1##kk += d * x1, a2##kk += d * x2;                                      \
    }
#define BWW_STORE(kk) acc[kk] = a0##kk, acc[DKB + kk] = a1##kk, acc[2 * DKB + kk] = a2##kk;
    EACH_K(BWW_DECL)
    for (int op = 0; op < rows; op++, xr += wpp, dr += qp)
        for (int q0 = 0; q0 < qp; q0 += DQB) {
            const vecf x0 = loadv(xr + q0), x1 = loadv(xr + q0 + 1), x2 = loadv(xr + q0 + 2);
            const float *dq = dr + q0;
            EACH_K(BWW_STEP)
        }
    EACH_K(BWW_STORE)
#undef BWW_DECL
#undef BWW_STEP
#undef BWW_STORE
}

/* one tap (any kernel width) x DKB channels */
static void bww_tap(vecf *restrict acc, const float *restrict xr, int wpp, const float *restrict dr,
                    size_t ks, int qp, int rows)
{
    vecf a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    vecf a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
    for (int op = 0; op < rows; op++, xr += wpp, dr += qp)
        for (int q0 = 0; q0 < qp; q0 += DQB) {
            const vecf xv = loadv(xr + q0);
            const float *d = dr + q0;
            a0 += loadv(d) * xv, a1 += loadv(d + ks) * xv;
            a2 += loadv(d + 2 * ks) * xv, a3 += loadv(d + 3 * ks) * xv;
            a4 += loadv(d + 4 * ks) * xv, a5 += loadv(d + 5 * ks) * xv;
            a6 += loadv(d + 6 * ks) * xv, a7 += loadv(d + 7 * ks) * xv;
        }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
}

/* Output rows per chunk: the chunk's dy rows of one block of DKB output channels in 16 KiB
 * (half an L1). (Sized for all the output channels instead, a chunk of resnet50's 64-channel
 * 56x56 layers was one row, and the accumulators' loads and stores took more time than the
 * products.) */
static int bww_rows(int qp, int P)
{
    int rb = (16 << 10) / (int)sizeof(float) / (DKB * qp);
    return rb < 1 ? 1 : rb > P ? P : rb;
}

static void direct_bwd_w_task(void *p, int ith, int nth)
{
    struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const int C = cv->c, K = cv->k, R = cv->r, S = cv->s, P = cv->p, Q = cv->q;
    const int hp = cv->h + 2 * cv->pad_h, qp = round_up(Q, DQB), wpp = qp + S - 1, taps = C * R * S;
    const int kp = round_up(K, DKB);
    char *ws = j->ws + (size_t)ith * j->ws_per_thread;
    float *xpad = (float *)(ws + j->l.col);
    float *dypad = xpad + (size_t)C * hp * wpp;
    int *off = (int *)(dypad + (size_t)kp * P * qp);
    /* the partial sums stay vectors over all images: reduced to floats once, at the end
     * (reducing per image cost a fifth of the kernel on resnet20's first stage) */
    uintptr_t va = (uintptr_t)(off + taps);
    vecf *vacc = (vecf *)((va + sizeof(vecf) - 1) / sizeof(vecf) * sizeof(vecf));
    float *dwt = nth > 1 ? (float *)(ws + j->l.dw) : j->dw;
    for (int c = 0, t = 0; c < C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < S; s++, t++)
                off[t] = (c * hp + r) * wpp + s;
    memset(vacc, 0, (size_t)kp * taps * sizeof *vacc);
    memset(dypad, 0, (size_t)kp * P * qp * sizeof *dypad);
    size_t lo, hi;
    kern_split((size_t)cv->n, ith, nth, &lo, &hi);
    j->has_partial[ith] = hi > lo;
    const size_t ks = (size_t)P * qp; /* stride between channels in dypad */
    const int rb = bww_rows(qp, P);
    for (size_t i = lo; i < hi; i++) {
        pad_plane(j->x + i * (size_t)C * cv->h * cv->w, C, cv->h, cv->w, cv->pad_h, cv->pad_w, hp,
                  wpp, xpad);
        const float *dyi = j->dy + i * (size_t)K * P * Q;
        for (int k = 0; k < K; k++)
            for (int op = 0; op < P; op++)
                copy_floats(dypad + (size_t)k * ks + (size_t)op * qp,
                            dyi + ((size_t)k * P + op) * Q, Q);
        /* a chunk of output rows at a time, so that the dy rows of a block of channels stay
         * in L1 while every (input channel, kernel row) is multiplied with them */
        for (int op0 = 0; op0 < P; op0 += rb) {
            const int rows = P - op0 < rb ? P - op0 : rb;
            for (int k0 = 0; k0 < K; k0 += DKB) {
                const float *dr = dypad + (size_t)k0 * ks + (size_t)op0 * qp;
                for (int c = 0; c < C; c++)
                    for (int r = 0; r < R; r++) {
                        const int t0 = (c * R + r) * S; /* the row's first tap */
                        const float *xr = xpad + off[t0] + (size_t)op0 * wpp;
                        vecf *acc = vacc + (size_t)k0 * taps + (size_t)t0 * DKB;
                        if (S == 3)
                            for (int h = 0; h < DKB; h += RK)
                                bww_row3(acc + h, xr, wpp, dr + (size_t)h * ks, ks, qp, rows);
                        else
                            for (int s = 0; s < S; s++)
                                bww_tap(acc + (size_t)s * DKB, xr + s, wpp, dr, ks, qp, rows);
                    }
            }
        }
    }
    /* vacc[k0 * taps + t * DKB + kk] holds channel k0 + kk, tap t */
    for (int k0 = 0; k0 < K; k0 += DKB) {
        int kb = K - k0 < DKB ? K - k0 : DKB;
        for (int t = 0; t < taps; t++)
            for (int kk = 0; kk < kb; kk++) {
                const vecf v = vacc[(size_t)k0 * taps + (size_t)t * DKB + kk];
                float sum = 0;
                for (int l = 0; l < DQB; l++)
                    sum += v[l];
                dwt[(size_t)(k0 + kk) * taps + t] = sum;
            }
    }
}

/* ---- WINOGRAD: F(2x2, 3x3) ----
 *
 * Stride 1, a 3x3 kernel, padding of at most 2 (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2015). Each 2x2 block of output pixels (a tile) comes from
 * the 4x4 patch d of the padded input under it: Y = A^T [(G g G^T) . (B^T d B)] A, 16
 * products per tile and channel pair where the definition takes 36. Summed over the input
 * channels, the 16 element-wise products are 16 matrix products M[xi] (cout x tiles) =
 * U[xi] (cout x cin) . V[xi] (cin x tiles), register-blocked like DIRECT's core (its
 * "taps" are the input channels). Backward-data is the same on dy padded by 2 - pad, with
 * the weights flipped and their channels swapped; backward-weights is below.
 *
 * Per thread: U for all 16 xi (packed as DIRECT's weights), then blocks of "units" (one row
 * of tiles of one image) small enough for V (16 x cin x T) and M (16 x cout x T) to stay in
 * L2. The tiles of a block are numbered across its units, tw + 1 per unit (the last one a
 * dummy that is computed and dropped), so that the transforms run a vector of tiles at a time
 * whatever the image width (resnet20's 8x8 maps have 4 tiles a row): input strip i of a
 * channel holds padded row 2a + i of each unit (2 tw + 2 floats), so tile f's patch row i is
 * floats 2f .. 2f+3 of strip i; the patches' even and odd columns are split in registers,
 * and the output's 2x2 pixels interleaved into two output strips copied row by row to y. */

struct wino_geom {
    int cin, h, w, ph, pw; /* the input (x, or dy for backward-data) and its padding */
    int cout, p, q;        /* the output (y, or dx) */
    int th, tw;            /* rows and columns of tiles */
    int ub;                /* units (tile rows) per block */
    int tp;                /* columns of V and M: ub * (tw + 1) in whole vectors, and one more */
    int kp;                /* cout rounded up to DKB */
};

enum { WINO_BLOCK_BYTES = 768 << 10 }; /* V, M and strips of a block: most of a 1 MiB L2 */

static struct wino_geom wino_geom_of(const kern_conv *cv, enum conv_pass pass)
{
    struct wino_geom g;
    if (pass == FWD) {
        g.cin = cv->c, g.h = cv->h, g.w = cv->w, g.ph = cv->pad_h, g.pw = cv->pad_w;
        g.cout = cv->k, g.p = cv->p, g.q = cv->q;
    } else { /* dx = dy padded by 2 - pad, correlated with the flipped weights */
        g.cin = cv->k, g.h = cv->p, g.w = cv->q, g.ph = 2 - cv->pad_h, g.pw = 2 - cv->pad_w;
        g.cout = cv->c, g.p = cv->h, g.q = cv->w;
    }
    g.th = (g.p + 1) / 2, g.tw = (g.q + 1) / 2;
    /* per column: V, M and the input strips */
    size_t per_col = (size_t)(24 * g.cin + 16 * g.cout) * sizeof(float);
    size_t cols = WINO_BLOCK_BYTES / per_col;
    int ub = (int)(cols / (size_t)(g.tw + 1));
    int ub_min = (2 * DQB + g.tw) / (g.tw + 1); /* the products' two vectors of tiles */
    if (ub < ub_min) ub = ub_min;
    int units = cv->n * g.th; /* no block needs more */
    g.ub = ub < 1 ? 1 : ub > units ? units : ub;
    /* whole vectors, and one more: the products read and write two vectors at a time */
    g.tp = round_up(g.ub * (g.tw + 1), DQB) + DQB;
    g.kp = round_up(g.cout, DKB);
    return g;
}

/* Floats of one thread's scratch: U, V, M, the input strips (4 x cin x 2 tp), the output
 * strips (2 x 2 tp), and room to align. */
static size_t wino_scratch(const kern_conv *cv, enum conv_pass pass)
{
    struct wino_geom g = wino_geom_of(cv, pass);
    return (size_t)16 * g.kp * g.cin + (size_t)16 * g.cin * g.tp + (size_t)16 * g.cout * g.tp +
           (size_t)8 * g.cin * g.tp + (size_t)4 * g.tp + 16;
}

/* U[xi] packed as DIRECT packs its weights: [o / DKB][i][o % DKB], xi = 4 * row + column of
 * G g G^T. Forward: g = w[o][i]; backward-data: g = w[i][o] rotated by 180 degrees. */
static void wino_weights(const float *w, int flip, const struct wino_geom *g, float *u)
{
    const size_t xs = (size_t)g->kp * g->cin; /* floats per xi */
    memset(u, 0, 16 * xs * sizeof *u);
    for (int o = 0; o < g->cout; o++)
        for (int i = 0; i < g->cin; i++) {
            float k9[9];
            const float *src =
                flip ? w + ((size_t)i * g->cout + o) * 9 : w + ((size_t)o * g->cin + i) * 9;
            for (int e = 0; e < 9; e++)
                k9[e] = flip ? src[8 - e] : src[e];
            float t[4][3], v[4][4];
            for (int s = 0; s < 3; s++) { /* G g: rows */
                float a = k9[s], b = k9[3 + s], c = k9[6 + s];
                t[0][s] = a, t[1][s] = 0.5f * (a + b + c), t[2][s] = 0.5f * (a - b + c),
                t[3][s] = c;
            }
            for (int r = 0; r < 4; r++) { /* (G g) G^T: columns */
                float a = t[r][0], b = t[r][1], c = t[r][2];
                v[r][0] = a, v[r][1] = 0.5f * (a + b + c), v[r][2] = 0.5f * (a - b + c),
                v[r][3] = c;
            }
            float *dst = u + ((size_t)(o / DKB) * g->cin + i) * DKB + o % DKB;
            for (int xi = 0; xi < 16; xi++)
                dst[xi * xs] = v[xi / 4][xi % 4];
        }
}

/* Two vectors' floats, split into the even and the odd ones (the columns 2b and 2b + 1 of
 * consecutive tiles b), and the reverse: two vectors interleaved, low and high halves. */
#if DQB == 16
#define EVEN_IDX  0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD_IDX   1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define ZIPLO_IDX 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define ZIPHI_IDX 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#elif DQB == 8
#define EVEN_IDX  0, 2, 4, 6, 8, 10, 12, 14
#define ODD_IDX   1, 3, 5, 7, 9, 11, 13, 15
#define ZIPLO_IDX 0, 8, 1, 9, 2, 10, 3, 11
#define ZIPHI_IDX 4, 12, 5, 13, 6, 14, 7, 15
#else
#define EVEN_IDX  0, 2, 4, 6
#define ODD_IDX   1, 3, 5, 7
#define ZIPLO_IDX 0, 4, 1, 5
#define ZIPHI_IDX 2, 6, 3, 7
#endif
#ifdef __clang__
#define SHUF(a, b, idx) __builtin_shufflevector((a), (b), idx)
#else
#define SHUF(a, b, idx) __builtin_shuffle((a), (b), (veci){idx})
#endif

/* V[xi][f] = (B^T d B)[xi] for the tiles f in [0, T) of a block, whole vectors: tile f's
 * patch row i is strip i's floats 2f .. 2f+3 (strip row stride ss), V's row stride per xi
 * is vs. */
static void wino_input(const float *restrict strip, size_t ss, int T, float *restrict v, size_t vs)
{
    for (int f = 0; f < T; f += DQB) {
        vecf d[4][4], r[4][4];
        for (int i = 0; i < 4; i++) {
            const float *x = strip + (size_t)i * ss + 2 * f;
            const vecf a0 = loadv(x), a1 = loadv(x + DQB), b0 = loadv(x + 2),
                       b1 = loadv(x + 2 + DQB);
            d[i][0] = SHUF(a0, a1, EVEN_IDX), d[i][1] = SHUF(a0, a1, ODD_IDX);
            d[i][2] = SHUF(b0, b1, EVEN_IDX), d[i][3] = SHUF(b0, b1, ODD_IDX);
        }
        for (int j = 0; j < 4; j++) { /* B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3 */
            r[0][j] = d[0][j] - d[2][j], r[1][j] = d[1][j] + d[2][j];
            r[2][j] = d[2][j] - d[1][j], r[3][j] = d[1][j] - d[3][j];
        }
        for (int i = 0; i < 4; i++) { /* then B: the same on the columns */
            float *vi = v + (size_t)(4 * i) * vs + f;
            storev(vi, r[i][0] - r[i][2]);
            storev(vi + vs, r[i][1] + r[i][2]);
            storev(vi + 2 * vs, r[i][2] - r[i][1]);
            storev(vi + 3 * vs, r[i][1] - r[i][3]);
        }
    }
}

/* The two output strips of one output channel from M[xi][f] (row stride ms per xi) of the
 * tiles f in [0, T), + bias, ReLU: o[r][2f + j] is pixel (r, j) of tile f's 2x2. */
static void wino_output(const float *restrict m, size_t ms, int T, float bias, int relu,
                        float *restrict o, size_t os)
{
    for (int f = 0; f < T; f += DQB) {
        vecf u0[4], u1[4]; /* M A: per row i, the columns m0 + m1 + m2 and m1 - m2 - m3 */
        for (int i = 0; i < 4; i++) {
            const float *mi = m + (size_t)(4 * i) * ms + f;
            const vecf m0 = loadv(mi), m1 = loadv(mi + ms), m2 = loadv(mi + 2 * ms),
                       m3 = loadv(mi + 3 * ms);
            u0[i] = m0 + m1 + m2, u1[i] = m1 - m2 - m3;
        }
        vecf a00 = u0[0] + u0[1] + u0[2] + bias, a10 = u0[1] - u0[2] - u0[3] + bias;
        vecf a01 = u1[0] + u1[1] + u1[2] + bias, a11 = u1[1] - u1[2] - u1[3] + bias;
        if (relu) a00 = relu_v(a00), a01 = relu_v(a01), a10 = relu_v(a10), a11 = relu_v(a11);
        storev(o + 2 * f, SHUF(a00, a01, ZIPLO_IDX));
        storev(o + 2 * f + DQB, SHUF(a00, a01, ZIPHI_IDX));
        storev(o + os + 2 * f, SHUF(a10, a11, ZIPLO_IDX));
        storev(o + os + 2 * f + DQB, SHUF(a10, a11, ZIPHI_IDX));
    }
}

/* M (cout x T, row stride tp) = U (packed [o / DKB][i][o % DKB]) . V (cin x T, row stride
 * tp), for one xi: RK output channels x two vectors of tiles in registers over all input
 * channels (2 loads and RK broadcasts for 2 RK products). Whole vectors: V's columns up to
 * round_up(T, DQB) + DQB are read and M's written (the scratch has them). */
static void wino_gemm(const float *restrict u, const float *restrict v, int cin, int cout, int T,
                      int tp, float *restrict m)
{
    for (int k0 = 0; k0 < cout; k0 += RK) {
        const float *ub = u + (size_t)(k0 / DKB) * cin * DKB + k0 % DKB;
        const int kb = cout - k0 < RK ? cout - k0 : RK;
        for (int q0 = 0; q0 < T; q0 += 2 * DQB) {
#define WG_DECL(kk) vecf a##kk = {0}, b##kk = {0};
#define WG_STEP(kk) a##kk += uc[kk] * x0, b##kk += uc[kk] * x1;
#define WG_STORE(kk)                                                                               \
    if (kk < kb) {                                                                                 \
        storev(m + (size_t)(k0 + kk) * tp + q0, a##kk);                                            \
        storev(m + (size_t)(k0 + kk) * tp + q0 + DQB, b##kk);                                      \
    }
            EACH_K(WG_DECL)
            const float *vc = v + q0, *uc = ub;
            for (int c = 0; c < cin; c++, vc += tp, uc += DKB) {
                const vecf x0 = loadv(vc), x1 = loadv(vc + DQB);
                EACH_K(WG_STEP)
            }
            EACH_K(WG_STORE)
#undef WG_DECL
#undef WG_STEP
#undef WG_STORE
        }
    }
}

/* dst[0 .. wp) = row ih of plane (h x w) at offset pw, zeros around (all zeros outside the
 * plane). */
static void strip_row(float *restrict dst, int wp, int pw, int ih, const float *restrict plane,
                      int h, int w)
{
    const vecf zero = {0};
    int x = 0;
    if (ih < 0 || ih >= h) {
        for (; x + DQB <= wp; x += DQB)
            storev(dst + x, zero);
        for (; x < wp; x++)
            dst[x] = 0.0f;
        return;
    }
    for (; x < pw; x++)
        dst[x] = 0.0f;
    copy_floats(dst + pw, plane + (size_t)ih * w, w);
    for (x = pw + w; x < wp; x++)
        dst[x] = 0.0f;
}

/* Floats [from, ss) of `rows` strips of ss floats = 0: what a shorter last block leaves past
 * its end of the previous block's rows. */
static void clear_tails(float *strip, int rows, size_t ss, size_t from)
{
    for (int r = 0; r < rows; r++)
        memset(strip + (size_t)r * ss + from, 0, (ss - from) * sizeof *strip);
}

/* V of a block (units u0 .. u0 + nu - 1 of the images from lo): strip i of input channel c
 * holds padded row 2a + i of each unit (image, a), 2 tw + 2 floats per unit, and is then
 * transformed, a channel at a time (down each channel plane: the prefetcher follows). */
static void wino_block_input(const struct wino_geom *g, const float *in, size_t lo, size_t u0,
                             int nu, float *strip, float *v)
{
    const int wp = 2 * (g->tw + 1), T = nu * (g->tw + 1);
    const size_t ss = 2 * (size_t)g->tp, plane_sz = (size_t)g->h * g->w;
    for (int c = 0; c < g->cin; c++) {
        float *sc = strip + (size_t)c * 4 * ss;
        for (int un = 0; un < nu; un++) {
            const size_t img = lo + (u0 + un) / g->th;
            const int a = (int)((u0 + un) % g->th);
            const float *plane = in + (img * g->cin + c) * plane_sz;
            for (int i = 0; i < 4; i++)
                strip_row(sc + (size_t)i * ss + (size_t)un * wp, wp, g->pw, 2 * a + i - g->ph,
                          plane, g->h, g->w);
        }
        if (nu < g->ub) clear_tails(sc, 4, ss, (size_t)nu * wp);
        wino_input(sc, ss, T, v + (size_t)c * g->tp, (size_t)g->cin * g->tp);
    }
}

static void wino_task(void *p, int ith, int nth)
{
    const struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const struct wino_geom g = wino_geom_of(cv, j->pass);
    const int fwd = j->pass == FWD, tw1 = g.tw + 1, wp = 2 * tw1;
    const float *in = fwd ? j->x : j->dy;
    float *out = fwd ? j->y : j->dx;
    const size_t out_sz = (size_t)g.cout * g.p * g.q;
    const size_t us = (size_t)g.kp * g.cin, vs = (size_t)g.cin * g.tp, ms = (size_t)g.cout * g.tp;
    const size_t ss = 2 * (size_t)g.tp; /* floats of one strip */
    uintptr_t base = (uintptr_t)(j->ws + (size_t)ith * j->ws_per_thread + j->l.col);
    float *u = (float *)((base + 63) / 64 * 64);
    float *v = u + 16 * us, *m = v + 16 * vs, *strip = m + 16 * ms;
    float *ostrip = strip + 4 * (size_t)g.cin * ss;
    wino_weights(j->w, !fwd, &g, u);
    size_t lo, hi;
    kern_split((size_t)cv->n, ith, nth, &lo, &hi);
    const size_t units = (hi - lo) * (size_t)g.th;
    /* the products read whole vectors of V's columns and M's rows past the last tile (and
     * drop what they compute from them): defined values, not whatever was there */
    memset(v, 0, 16 * (vs + ms) * sizeof *v);
    memset(strip, 0, 4 * (size_t)g.cin * ss * sizeof *strip);
    for (size_t u0 = 0; u0 < units; u0 += (size_t)g.ub) {
        const int nu = units - u0 < (size_t)g.ub ? (int)(units - u0) : g.ub, T = nu * tw1;
        wino_block_input(&g, in, lo, u0, nu, strip, v);
        for (int xi = 0; xi < 16; xi++)
            wino_gemm(u + xi * us, v + xi * vs, g.cin, g.cout, T, g.tp, m + xi * ms);
        for (int k = 0; k < g.cout; k++) {
            wino_output(m + (size_t)k * g.tp, ms, T, fwd && j->bias ? j->bias[k] : 0.0f,
                        fwd && j->relu, ostrip, ss);
            for (int un = 0; un < nu; un++) { /* each unit's two rows of q pixels */
                const size_t img = lo + (u0 + un) / g.th;
                const int a = (int)((u0 + un) % g.th);
                float *y = out + img * out_sz + ((size_t)k * g.p + 2 * a) * g.q;
                copy_floats(y, ostrip + (size_t)un * wp, g.q);
                if (2 * a + 1 < g.p) copy_floats(y + g.q, ostrip + ss + (size_t)un * wp, g.q);
            }
        }
    }
}

/* ---- WINOGRAD backward-weights ----
 *
 * The forward's Y = A^T [U . V] A gives dL/dU = sum over tiles of V . (A dY A^T), and
 * dL/dg = G^T (dL/dU) G: per xi, dU[xi] (k x c) = Z[xi] (k x tiles) . V[xi]^T (tiles x c),
 * with Z the transformed 2x2 tiles of dy. The same 2.25x fewer products as the forward; the
 * input is transformed as there. The 16 products reduce over the tiles, a shape OpenBLAS
 * runs well (a register-blocked kernel with vector partial sums over the tiles spent as long
 * summing the vectors' lanes as multiplying: 40% slower than im2col on mnist_cnn's second
 * layer, where this is 20% faster). Each thread sums dU over its images, then turns it into
 * its partial dW, added up in thread order like the other algorithms' partials. */

/* Z[xi][f] = (A dY A^T)[xi] of the tiles f in [0, T): dy tile f's row r is floats 2f, 2f+1
 * of strip r (zero for pixels past the output and for each unit's dummy tile). */
static void wino_dy(const float *restrict strip, size_t ss, int T, float *restrict z, size_t zs)
{
    for (int f = 0; f < T; f += DQB) {
        vecf e[2][4]; /* per dy row, its columns expanded: d0, d0 + d1, d0 - d1, -d1 */
        for (int r = 0; r < 2; r++) {
            const float *x = strip + (size_t)r * ss + 2 * f;
            const vecf a0 = loadv(x), a1 = loadv(x + DQB);
            const vecf d0 = SHUF(a0, a1, EVEN_IDX), d1 = SHUF(a0, a1, ODD_IDX);
            e[r][0] = d0, e[r][1] = d0 + d1, e[r][2] = d0 - d1, e[r][3] = -d1;
        }
        for (int j = 0; j < 4; j++) { /* then the rows, the same way */
            storev(z + (size_t)j * zs + f, e[0][j]);
            storev(z + (size_t)(4 + j) * zs + f, e[0][j] + e[1][j]);
            storev(z + (size_t)(8 + j) * zs + f, e[0][j] - e[1][j]);
            storev(z + (size_t)(12 + j) * zs + f, -e[1][j]);
        }
    }
}

/* Floats of one thread's scratch for backward-weights: dU (16 x K x C), V (16 x C x tp),
 * Z (16 x K x tp), the input strips (4 x C x 2 tp), two dy strips, and room to align. */
static size_t wino_bww_scratch(const kern_conv *cv)
{
    struct wino_geom g = wino_geom_of(cv, FWD);
    return (size_t)16 * cv->k * cv->c + (size_t)16 * (cv->c + cv->k) * g.tp +
           (size_t)8 * cv->c * g.tp + (size_t)4 * g.tp + 16;
}

/* dst[0 .. wp) = one dy row of q floats, zeros after; with y, dy is first masked in place
 * where y <= 0 (the fused ReLU's gradient). Returns the row's (masked) sum. */
static double mask_row(float *restrict dst, int wp, float *restrict dy, const float *restrict y,
                       int q)
{
    float s = 0.0f;
    for (int x = 0; x < q; x++) {
        float d = dy[x]; /* loaded unconditionally: if-converted */
        d = y && y[x] <= 0.0f ? 0.0f : d;
        dy[x] = d, dst[x] = d, s += d;
    }
    for (int x = q; x < wp; x++)
        dst[x] = 0.0f;
    return s;
}

static void wino_bww_task(void *p, int ith, int nth)
{
    struct conv_job *j = p;
    const kern_conv *cv = j->cv;
    const struct wino_geom g = wino_geom_of(cv, FWD);
    const int C = cv->c, K = cv->k, tw1 = g.tw + 1, wp = 2 * tw1;
    const size_t out_sz = (size_t)K * cv->p * cv->q;
    const size_t vs = (size_t)C * g.tp, zs = (size_t)K * g.tp, ss = 2 * (size_t)g.tp;
    char *ws = j->ws + (size_t)ith * j->ws_per_thread;
    uintptr_t base = (uintptr_t)(ws + j->l.col);
    float *du = (float *)((base + 63) / 64 * 64);
    float *v = du + (size_t)16 * K * C, *z = v + 16 * vs, *strip = z + 16 * zs;
    float *dys = strip + 4 * (size_t)C * ss;
    float *dwt = nth > 1 ? (float *)(ws + j->l.dw) : j->dw;
    /* kern_conv2d_bwd's fused ReLU and bias: dy masked (dy_mut) and summed here, as it is read */
    const int fused = j->dy_mut != NULL;
    double *dbt = (double *)(ws + j->l.db);
    size_t lo, hi;
    kern_split((size_t)cv->n, ith, nth, &lo, &hi);
    j->has_partial[ith] = hi > lo;
    const size_t units = (hi - lo) * (size_t)g.th;
    memset(du, 0, (size_t)16 * K * C * sizeof *du);
    if (fused)
        for (int k = 0; k < K; k++)
            dbt[k] = 0.0;
    memset(v, 0, 16 * (vs + zs) * sizeof *v); /* the transforms' columns past T: defined */
    memset(strip, 0, (4 * (size_t)C * ss + 2 * ss) * sizeof *strip);
    for (size_t u0 = 0; u0 < units; u0 += (size_t)g.ub) {
        const int nu = units - u0 < (size_t)g.ub ? (int)(units - u0) : g.ub, T = nu * tw1;
        wino_block_input(&g, j->x, lo, u0, nu, strip, v); /* V, as the forward makes it */
        for (int k = 0; k < K; k++) { /* Z: each unit's two dy rows, q pixels, zeros after */
            for (int un = 0; un < nu; un++) {
                const size_t img = lo + (u0 + un) / g.th;
                const int a = (int)((u0 + un) % g.th);
                const size_t plane = img * out_sz + (size_t)k * cv->p * cv->q;
                for (int r = 0; r < 2; r++) {
                    float *dst = dys + (size_t)r * ss + (size_t)un * wp;
                    const int oh = 2 * a + r;
                    if (fused && oh < cv->p) { /* mask dy in place, sum it for db */
                        const size_t row = plane + (size_t)oh * cv->q;
                        dbt[k] += mask_row(dst, wp, j->dy_mut + row,
                                           j->y_relu ? j->y_relu + row : NULL, cv->q);
                    } else {
                        strip_row(dst, wp, 0, oh, j->dy + plane, cv->p, cv->q);
                    }
                }
            }
            if (nu < g.ub) clear_tails(dys, 2, ss, (size_t)nu * wp);
            wino_dy(dys, ss, T, z + (size_t)k * g.tp, zs);
        }
        for (int xi = 0; xi < 16; xi++)
            kern_sgemm(0, 1, K, C, T, 1.0f, z + xi * zs, g.tp, v + xi * vs, g.tp, 1.0f,
                       du + (size_t)xi * K * C, C);
    }
    if (fused && j->db && nth == 1)
        for (int k = 0; k < K; k++)
            j->db[k] = (float)dbt[k];
    /* dW[k][c] = G^T dU[k][c] G */
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++) {
            float u[16], t[3][4];
            for (int xi = 0; xi < 16; xi++)
                u[xi] = du[((size_t)xi * K + k) * C + c];
            for (int s = 0; s < 4; s++) { /* G^T dU: rows */
                float a = u[s], b = u[4 + s], d = u[8 + s], e = u[12 + s];
                t[0][s] = a + 0.5f * (b + d), t[1][s] = 0.5f * (b - d),
                t[2][s] = 0.5f * (b + d) + e;
            }
            float *o = dwt + ((size_t)k * C + c) * 9;
            for (int r = 0; r < 3; r++) { /* then G: columns */
                float a = t[r][0], b = t[r][1], d = t[r][2], e = t[r][3];
                o[r * 3] = a + 0.5f * (b + d), o[r * 3 + 1] = 0.5f * (b - d);
                o[r * 3 + 2] = 0.5f * (b + d) + e;
            }
        }
}

/* ---- entry points ---- */

/* The task that runs a job's pass with its algorithm. (DIRECT and WINOGRAD never get the
 * fused BWD_ALL pass: kern_conv2d_bwd runs their passes one after the other.) */
typedef void (*conv_task)(void *p, int ith, int nth);

static conv_task task_of(const struct conv_job *j)
{
    if (j->algo == KERN_CONV_DIRECT)
        return j->pass == FWD        ? direct_fwd_task
               : j->pass == BWD_DATA ? direct_bwd_data_task
                                     : direct_bwd_w_task;
    if (j->algo == KERN_CONV_WINOGRAD) return j->pass == BWD_W ? wino_bww_task : wino_task;
    return gemm_conv_task;
}

/* Runs a job: the threads and their workspace, its task, then the sum of the threads'
 * partial dW and db (a pass without them has nothing to add up). */
static int run_job(kern_ctx *ctx, struct conv_job *j)
{
    const kern_conv *cv = j->cv;
    int t = kern_ctx_threads(ctx);
    if (t > 256) t = 256;
    if (t > cv->n) t = cv->n;
    if (t < 1) t = 1;
    /* Tiny convolutions are not worth waking threads for. */
    if (kern_conv_flops(cv) < 2e6) t = 1;
    j->l = layout_of(cv, j->algo, j->pass);
    j->ws_per_thread = j->l.total;
    j->ws = kernp_ws(ctx, j->ws_per_thread * (size_t)t);
    if (!j->ws && j->ws_per_thread) return -1;
    kern_parallel(ctx, task_of(j), j, t);
    if (t > 1) reduce_partials(ctx, j, t);
    return 0;
}

int kern_conv2d_fwd(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *w,
                    const float *bias, int relu, float *y)
{
    struct conv_job j = {.cv = cv,
                         .pass = FWD,
                         .algo = cv->algo,
                         .x = x,
                         .w = w,
                         .bias = bias,
                         .relu = relu,
                         .y = y};
    return run_job(ctx, &j);
}

int kern_conv2d_bwd_data(kern_ctx *ctx, const kern_conv *cv, const float *dy, const float *w,
                         float *dx)
{
    struct conv_job j = {
        .cv = cv, .pass = BWD_DATA, .algo = cv->algo_bwd_data, .dy = dy, .w = w, .dx = dx};
    return run_job(ctx, &j);
}

int kern_conv2d_bwd_weights(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *dy,
                            float *dw, float *db)
{
    struct conv_job j = {
        .cv = cv, .pass = BWD_W, .algo = cv->algo_bwd_weights, .x = x, .dy = dy, .dw = dw};
    if (run_job(ctx, &j)) return -1;
    if (db) kern_bias_bwd(ctx, cv->n, cv->k, cv->p * cv->q, dy, db);
    return 0;
}

int kern_conv2d_bwd(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *y, float *dy,
                    const float *w, float *dx, float *dw, float *db)
{
    if (cv->algo_bwd_weights == KERN_CONV_WINOGRAD && dw && (y || db)) {
        /* WINOGRAD's weights pass masks dy and sums db as it reads dy (a separate pass over
         * dy and y took a sixth of mnist_cnn's second-layer backward), then dx */
        struct conv_job j = {.cv = cv,
                             .pass = BWD_W,
                             .algo = KERN_CONV_WINOGRAD,
                             .x = x,
                             .y_relu = y,
                             .dy = dy,
                             .dy_mut = dy,
                             .dw = dw,
                             .db = db};
        if (run_job(ctx, &j)) return -1;
        return dx ? kern_conv2d_bwd_data(ctx, cv, dy, w, dx) : 0;
    }
    if (cv->algo_bwd_data != cv->algo_bwd_weights || cv->algo_bwd_data == KERN_CONV_DIRECT ||
        cv->algo_bwd_data == KERN_CONV_WINOGRAD) {
        /* different algorithms per pass: mask and bias first, then one pass after the other */
        if (y && db)
            kern_bias_relu_bwd(ctx, cv->n, cv->k, cv->p * cv->q, y, dy, dy, db);
        else if (y)
            kern_relu_bwd(ctx, (size_t)cv->n * cv->k * cv->p * cv->q, y, dy, dy);
        else if (db)
            kern_bias_bwd(ctx, cv->n, cv->k, cv->p * cv->q, dy, db);
        if (dw && kern_conv2d_bwd_weights(ctx, cv, x, dy, dw, NULL)) return -1;
        return dx ? kern_conv2d_bwd_data(ctx, cv, dy, w, dx) : 0;
    }
    struct conv_job j = {.cv = cv,
                         .pass = BWD_ALL,
                         .algo = cv->algo_bwd_data,
                         .x = x,
                         .y_relu = y,
                         .dy_mut = dy,
                         .w = w,
                         .dx = dx,
                         .dw = dw,
                         .db = db};
    return run_job(ctx, &j);
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
                                acc +=
                                    (double)x[(((size_t)i * cv->c + c) * cv->h + ih) * cv->w + iw] *
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
                                if (ph < 0 || pw < 0 || ph % cv->stride_h || pw % cv->stride_w)
                                    continue;
                                int p = ph / cv->stride_h, q = pw / cv->stride_w;
                                if (p >= cv->p || q >= cv->q) continue;
                                acc +=
                                    (double)dy[(((size_t)i * cv->k + k) * cv->p + p) * cv->q + q] *
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
                                acc +=
                                    (double)dy[(((size_t)i * cv->k + k) * cv->p + p) * cv->q + q] *
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
