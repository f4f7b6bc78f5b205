/* kern_bn — batch normalisation over n x c x hw per channel: training (batch statistics,
 * running averages), inference (running statistics), backward, each optionally fused with a
 * ReLU; split over channels by (ith, nth), with naive references in double.
 *
 * The variance is computed in two passes (mean first), which is what keeps float32 stable
 * on activations with a large mean. Sums use 16 float partial sums added in double. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <string.h>

#include "kern.h"
#include "kern_impl.h"

struct bn_job {
    int n, c, hw, relu;
    float eps, momentum;
    const float *x, *y_in, *dy, *gamma, *beta, *mean_in, *invstd_in, *rmean_in, *rvar_in;
    float *y, *dx, *dgamma, *dbeta, *rmean, *rvar, *smean, *sinvstd;
};

/* Sum of (x - mean)^2 with partial sums. */
static double sq_dev_sum(const float *x, size_t count, float mean)
{
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= count; i += 16)
        for (int l = 0; l < 16; l++) {
            float d = x[i + l] - mean;
            acc[l] += d * d;
        }
    double s = 0;
    for (; i < count; i++)
        s += (double)(x[i] - mean) * (x[i] - mean);
    for (int l = 0; l < 16; l++)
        s += acc[l];
    return s;
}

static void affine(float *y, const float *x, size_t count, float scale, float shift, int relu)
{
    if (relu)
        for (size_t i = 0; i < count; i++) {
            float v = x[i] * scale + shift;
            y[i] = v > 0.0f ? v : 0.0f;
        }
    else
        for (size_t i = 0; i < count; i++)
            y[i] = x[i] * scale + shift;
}

static void bn_train_task(void *p, int ith, int nth)
{
    const struct bn_job *j = p;
    size_t lo, hi, hw = (size_t)j->hw, m = (size_t)j->n * hw;
    kern_split((size_t)j->c, ith, nth, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        double s = 0;
        for (int i = 0; i < j->n; i++)
            s += kernp_sum(j->x + ((size_t)i * j->c + k) * hw, hw);
        float mean = (float)(s / (double)m);
        double sq = 0;
        for (int i = 0; i < j->n; i++)
            sq += sq_dev_sum(j->x + ((size_t)i * j->c + k) * hw, hw, mean);
        double var = sq / (double)m;
        float invstd = (float)(1.0 / sqrt(var + j->eps));
        j->smean[k] = mean;
        j->sinvstd[k] = invstd;
        if (j->rmean) {
            double unbiased = m > 1 ? sq / (double)(m - 1) : var;
            j->rmean[k] = (1.0f - j->momentum) * j->rmean[k] + j->momentum * mean;
            j->rvar[k] = (1.0f - j->momentum) * j->rvar[k] + j->momentum * (float)unbiased;
        }
        float scale = j->gamma[k] * invstd, shift = j->beta[k] - mean * scale;
        for (int i = 0; i < j->n; i++) {
            size_t off = ((size_t)i * j->c + k) * hw;
            affine(j->y + off, j->x + off, hw, scale, shift, j->relu);
        }
    }
}

void kern_bn_fwd_train(kern_ctx *ctx, int n, int c, int hw, float eps, float momentum,
                       const float *x, const float *gamma, const float *beta, float *run_mean,
                       float *run_var, float *save_mean, float *save_invstd, int relu, float *y)
{
    struct bn_job j = {.n = n,
                       .c = c,
                       .hw = hw,
                       .relu = relu,
                       .eps = eps,
                       .momentum = momentum,
                       .x = x,
                       .gamma = gamma,
                       .beta = beta,
                       .rmean = run_mean,
                       .rvar = run_var,
                       .smean = save_mean,
                       .sinvstd = save_invstd,
                       .y = y};
    kern_parallel(ctx, bn_train_task, &j, kernp_threads_for((size_t)n * c * hw));
}

static void bn_infer_task(void *p, int ith, int nth)
{
    const struct bn_job *j = p;
    size_t lo, hi, hw = (size_t)j->hw;
    kern_split((size_t)j->c, ith, nth, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        float invstd = (float)(1.0 / sqrt((double)j->rvar_in[k] + j->eps));
        float scale = j->gamma[k] * invstd, shift = j->beta[k] - j->rmean_in[k] * scale;
        for (int i = 0; i < j->n; i++) {
            size_t off = ((size_t)i * j->c + k) * hw;
            affine(j->y + off, j->x + off, hw, scale, shift, j->relu);
        }
    }
}

void kern_bn_fwd_infer(kern_ctx *ctx, int n, int c, int hw, float eps, const float *x,
                       const float *gamma, const float *beta, const float *run_mean,
                       const float *run_var, int relu, float *y)
{
    struct bn_job j = {.n = n,
                       .c = c,
                       .hw = hw,
                       .relu = relu,
                       .eps = eps,
                       .x = x,
                       .gamma = gamma,
                       .beta = beta,
                       .rmean_in = run_mean,
                       .rvar_in = run_var,
                       .y = y};
    kern_parallel(ctx, bn_infer_task, &j, kernp_threads_for((size_t)n * c * hw));
}

/* 16 floats as one value: GCC and clang lower it to the target's vectors (one AVX-512
 * register, two AVX ones, four SSE ones). The ReLU mask is a bitwise AND with the compare:
 * written as `y > 0 ? dy : 0` per element the loop was not if-converted and ran 3-5x slower
 * than the plain one. */
typedef float v16f __attribute__((vector_size(16 * sizeof(float))));
typedef int v16i __attribute__((vector_size(16 * sizeof(int))));

/* (macros, not functions: a function returning a 64-byte vector has a different ABI with
 * and without AVX-512, which GCC warns about in modak's own baseline build) */
#define ld16(p)                                                                                    \
    __extension__({                                                                                \
        v16f v_;                                                                                   \
        memcpy(&v_, (p), sizeof v_);                                                               \
        v_;                                                                                        \
    })
#define masked(d, y) ((v16f)((v16i)(d) & (ld16(y) > (v16f){0})))

static void bn_bwd_task(void *p, int ith, int nth)
{
    const struct bn_job *j = p;
    size_t lo, hi, hw = (size_t)j->hw, m = (size_t)j->n * hw;
    kern_split((size_t)j->c, ith, nth, &lo, &hi);
    for (size_t k = lo; k < hi; k++) {
        const float mean = j->mean_in[k], invstd = j->invstd_in[k];
        const v16f vmean = (v16f){0} + mean;
        double sg = 0, sgx = 0;
        for (int i = 0; i < j->n; i++) {
            size_t off = ((size_t)i * j->c + k) * hw;
            const float *x = j->x + off, *dy = j->dy + off, *y = j->y_in ? j->y_in + off : NULL;
            v16f ag = {0}, agx = {0};
            size_t l = 0;
            if (y)
                for (; l + 16 <= hw; l += 16) {
                    v16f g = masked(ld16(dy + l), y + l);
                    ag += g;
                    agx += g * (ld16(x + l) - vmean);
                }
            else
                for (; l + 16 <= hw; l += 16) {
                    v16f g = ld16(dy + l);
                    ag += g;
                    agx += g * (ld16(x + l) - vmean);
                }
            for (; l < hw; l++) {
                float d = dy[l];
                float g = !y || y[l] > 0.0f ? d : 0.0f;
                sg += g;
                sgx += (double)g * (x[l] - mean);
            }
            for (int t = 0; t < 16; t++)
                sg += ag[t], sgx += agx[t];
        }
        float dbeta = (float)sg, dgamma = (float)(sgx * invstd);
        if (j->dbeta) j->dbeta[k] = dbeta;
        if (j->dgamma) j->dgamma[k] = dgamma;
        if (!j->dx) continue;
        /* dx = gamma * invstd / m * (m * g - dbeta - xhat * dgamma) */
        const float a = j->gamma[k] * invstd;
        const float b = a * dbeta / (float)m;
        const float cst = a * dgamma * invstd / (float)m;
        const v16f va = (v16f){0} + a, vb = (v16f){0} + b, vc = (v16f){0} + cst;
        for (int i = 0; i < j->n; i++) {
            size_t off = ((size_t)i * j->c + k) * hw;
            const float *x = j->x + off, *dy = j->dy + off, *y = j->y_in ? j->y_in + off : NULL;
            float *dx = j->dx + off;
            size_t l = 0;
            for (; l + 16 <= hw; l += 16) {
                v16f g = y ? masked(ld16(dy + l), y + l) : ld16(dy + l);
                v16f r = va * g - vb - vc * (ld16(x + l) - vmean);
                memcpy(dx + l, &r, sizeof r);
            }
            for (; l < hw; l++) {
                float d = dy[l];
                float g = !y || y[l] > 0.0f ? d : 0.0f;
                dx[l] = a * g - b - cst * (x[l] - mean);
            }
        }
    }
}

void kern_bn_bwd(kern_ctx *ctx, int n, int c, int hw, const float *x, const float *y,
                 const float *dy, const float *gamma, const float *save_mean,
                 const float *save_invstd, float *dx, float *dgamma, float *dbeta)
{
    struct bn_job j = {.n = n,
                       .c = c,
                       .hw = hw,
                       .x = x,
                       .y_in = y,
                       .dy = dy,
                       .gamma = gamma,
                       .mean_in = save_mean,
                       .invstd_in = save_invstd,
                       .dx = dx,
                       .dgamma = dgamma,
                       .dbeta = dbeta};
    kern_parallel(ctx, bn_bwd_task, &j, kernp_threads_for((size_t)n * c * hw));
}

/* ---- references, in double, straight from the definitions ---- */

void kern_bn_fwd_train_ref(int n, int c, int hw, float eps, float momentum, const float *x,
                           const float *gamma, const float *beta, float *run_mean, float *run_var,
                           float *save_mean, float *save_invstd, int relu, float *y)
{
    double m = (double)n * hw;
    for (int k = 0; k < c; k++) {
        double s = 0, sq = 0;
        for (int i = 0; i < n; i++)
            for (int l = 0; l < hw; l++)
                s += x[((size_t)i * c + k) * hw + l];
        double mean = s / m;
        for (int i = 0; i < n; i++)
            for (int l = 0; l < hw; l++) {
                double d = x[((size_t)i * c + k) * hw + l] - mean;
                sq += d * d;
            }
        double invstd = 1.0 / sqrt(sq / m + eps);
        save_mean[k] = (float)mean;
        save_invstd[k] = (float)invstd;
        if (run_mean) {
            run_mean[k] = (float)((1 - momentum) * run_mean[k] + momentum * mean);
            run_var[k] =
                (float)((1 - momentum) * run_var[k] + momentum * (m > 1 ? sq / (m - 1) : sq / m));
        }
        for (int i = 0; i < n; i++)
            for (int l = 0; l < hw; l++) {
                size_t o = ((size_t)i * c + k) * hw + l;
                double v = gamma[k] * (x[o] - mean) * invstd + beta[k];
                y[o] = (float)(relu && v < 0 ? 0 : v);
            }
    }
}

void kern_bn_fwd_infer_ref(int n, int c, int hw, float eps, const float *x, const float *gamma,
                           const float *beta, const float *run_mean, const float *run_var, int relu,
                           float *y)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < c; k++)
            for (int l = 0; l < hw; l++) {
                size_t o = ((size_t)i * c + k) * hw + l;
                double v =
                    gamma[k] * (x[o] - run_mean[k]) / sqrt((double)run_var[k] + eps) + beta[k];
                y[o] = (float)(relu && v < 0 ? 0 : v);
            }
}

void kern_bn_bwd_ref(int n, int c, int hw, const float *x, const float *y, const float *dy,
                     const float *gamma, const float *save_mean, const float *save_invstd,
                     float *dx, float *dgamma, float *dbeta)
{
    double m = (double)n * hw;
    for (int k = 0; k < c; k++) {
        double sg = 0, sgx = 0;
        for (int i = 0; i < n; i++)
            for (int l = 0; l < hw; l++) {
                size_t o = ((size_t)i * c + k) * hw + l;
                double g = y && !(y[o] > 0) ? 0 : dy[o];
                sg += g;
                sgx += g * (x[o] - save_mean[k]) * save_invstd[k];
            }
        if (dbeta) dbeta[k] = (float)sg;
        if (dgamma) dgamma[k] = (float)sgx;
        if (!dx) continue;
        for (int i = 0; i < n; i++)
            for (int l = 0; l < hw; l++) {
                size_t o = ((size_t)i * c + k) * hw + l;
                double g = y && !(y[o] > 0) ? 0 : dy[o];
                double xhat = (x[o] - save_mean[k]) * save_invstd[k];
                dx[o] = (float)(gamma[k] * save_invstd[k] / m * (m * g - sg - xhat * sgx));
            }
    }
}
