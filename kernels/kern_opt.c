/* kern_opt — optimiser updates on flat parameter arrays (SGD, momentum SGD, Adam), split by
 * (ith, nth) over the pool, with references. Each element's update depends only on its own
 * w, g and state, so the result is the same bits for any thread count. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "kern.h"
#include "kern_impl.h"

static const char *const opt_names[] = {"sgd", "momentum", "adam"};
_Static_assert(sizeof opt_names / sizeof *opt_names == KERN_OPT_COUNT, "one name per optimiser");

const char *kern_opt_name(kern_opt_kind kind)
{
    return (unsigned)kind < KERN_OPT_COUNT ? opt_names[kind] : "?";
}

kern_opt kern_opt_default(kern_opt_kind kind)
{
    kern_opt o = {.kind = kind, .momentum = 0.9f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-7f};
    o.lr = kind == KERN_OPT_ADAM ? 1e-3f : kind == KERN_OPT_MOMENTUM ? 0.05f : 0.1f;
    return o;
}

/* x[0..16) = sqrt(x): with the target's vector instructions where it has them (sqrtf keeps
 * an errno path that stops GCC from vectorising it; the results are the same, IEEE sqrt is
 * correctly rounded either way). */
static inline void sqrt16(float *x)
{
#if defined(__AVX512F__)
    _mm512_storeu_ps(x, _mm512_sqrt_ps(_mm512_loadu_ps(x)));
#elif defined(__AVX__)
    _mm256_storeu_ps(x, _mm256_sqrt_ps(_mm256_loadu_ps(x)));
    _mm256_storeu_ps(x + 8, _mm256_sqrt_ps(_mm256_loadu_ps(x + 8)));
#elif defined(__SSE2__)
    for (int l = 0; l < 16; l += 4) _mm_storeu_ps(x + l, _mm_sqrt_ps(_mm_loadu_ps(x + l)));
#else
    for (int l = 0; l < 16; l++) x[l] = sqrtf(x[l]);
#endif
}

struct opt_job {
    kern_opt_kind kind;
    size_t count;
    float lr, mu, b1, b2, eps, wd, c1, c2;
    float *w, *m, *v;
    const float *g;
};

static void opt_task(void *p, int ith, int nth)
{
    const struct opt_job *j = p;
    size_t lo, hi, nblk = (j->count + 15) / 16;
    kern_split(nblk, ith, nth, &lo, &hi);
    lo *= 16;
    hi = hi * 16 > j->count ? j->count : hi * 16;
    float *w = j->w, *m = j->m, *v = j->v;
    const float *g = j->g;
    const float lr = j->lr, wd = j->wd;
    switch (j->kind) {
    case KERN_OPT_SGD:
        for (size_t i = lo; i < hi; i++)
            w[i] -= lr * (g[i] + wd * w[i]);
        break;
    case KERN_OPT_MOMENTUM: {
        const float mu = j->mu;
        for (size_t i = lo; i < hi; i++) {
            float vi = mu * m[i] + (g[i] + wd * w[i]);
            m[i] = vi;
            w[i] -= lr * vi;
        }
        break;
    }
    case KERN_OPT_ADAM: {
        const float b1 = j->b1, b2 = j->b2, eps = j->eps, c1 = j->c1, c2 = j->c2;
        size_t i = lo;
        for (; i + 16 <= hi; i += 16) { /* blocks of 16, so that the sqrt vectorises */
            float den[16];
            for (int l = 0; l < 16; l++) {
                float gi = g[i + l] + wd * w[i + l];
                float mi = b1 * m[i + l] + (1.0f - b1) * gi;
                float vi = b2 * v[i + l] + (1.0f - b2) * gi * gi;
                m[i + l] = mi;
                v[i + l] = vi;
                den[l] = vi * c2;
            }
            sqrt16(den);
            for (int l = 0; l < 16; l++) w[i + l] -= lr * (m[i + l] * c1) / (den[l] + eps);
        }
        for (; i < hi; i++) {
            float gi = g[i] + wd * w[i];
            float mi = b1 * m[i] + (1.0f - b1) * gi;
            float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            w[i] -= lr * (mi * c1) / (sqrtf(vi * c2) + eps);
        }
        break;
    }
    default:
        break;
    }
}

static void opt_run(kern_ctx *ctx, struct opt_job *j)
{
    kern_parallel(ctx, opt_task, j, kernp_threads_for(j->count * 2));
}

void kern_sgd_step(kern_ctx *ctx, size_t count, float lr, float weight_decay, float *w,
                   const float *g)
{
    struct opt_job j = {
        .kind = KERN_OPT_SGD, .count = count, .lr = lr, .wd = weight_decay, .w = w, .g = g};
    opt_run(ctx, &j);
}

void kern_momentum_step(kern_ctx *ctx, size_t count, float lr, float momentum, float weight_decay,
                        float *w, const float *g, float *v)
{
    struct opt_job j = {.kind = KERN_OPT_MOMENTUM,
                        .count = count,
                        .lr = lr,
                        .mu = momentum,
                        .wd = weight_decay,
                        .w = w,
                        .g = g,
                        .m = v};
    opt_run(ctx, &j);
}

void kern_adam_step(kern_ctx *ctx, size_t count, float lr, float beta1, float beta2, float eps,
                    uint64_t t, float weight_decay, float *w, const float *g, float *m, float *v)
{
    if (t < 1) t = 1;
    struct opt_job j = {.kind = KERN_OPT_ADAM,
                        .count = count,
                        .lr = lr,
                        .b1 = beta1,
                        .b2 = beta2,
                        .eps = eps,
                        .wd = weight_decay,
                        .w = w,
                        .g = g,
                        .m = m,
                        .v = v};
    j.c1 = (float)(1.0 / (1.0 - pow(beta1, (double)t)));
    j.c2 = (float)(1.0 / (1.0 - pow(beta2, (double)t)));
    opt_run(ctx, &j);
}

void kern_sgd_step_ref(size_t count, float lr, float weight_decay, float *w, const float *g)
{
    for (size_t i = 0; i < count; i++)
        w[i] = (float)(w[i] - (double)lr * (g[i] + (double)weight_decay * w[i]));
}

void kern_momentum_step_ref(size_t count, float lr, float momentum, float weight_decay, float *w,
                            const float *g, float *v)
{
    for (size_t i = 0; i < count; i++) {
        double vi = (double)momentum * v[i] + g[i] + (double)weight_decay * w[i];
        v[i] = (float)vi;
        w[i] = (float)(w[i] - (double)lr * vi);
    }
}

void kern_adam_step_ref(size_t count, float lr, float beta1, float beta2, float eps, uint64_t t,
                        float weight_decay, float *w, const float *g, float *m, float *v)
{
    for (size_t i = 0; i < count; i++) {
        double gi = g[i] + (double)weight_decay * w[i];
        double mi = beta1 * (double)m[i] + (1 - beta1) * gi;
        double vi = beta2 * (double)v[i] + (1 - beta2) * gi * gi;
        m[i] = (float)mi;
        v[i] = (float)vi;
        double mh = mi / (1 - pow(beta1, (double)t)), vh = vi / (1 - pow(beta2, (double)t));
        w[i] = (float)(w[i] - lr * mh / (sqrt(vh) + eps));
    }
}
