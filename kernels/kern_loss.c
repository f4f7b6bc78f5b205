/* kern_loss — softmax cross-entropy: probabilities, mean loss and argmax accuracy forward,
 * (probs - onehot) / n backward; split over rows, with a naive reference in double.
 * The loss of a row is log(sum exp(z - max)) - (z[label] - max): no exp overflow and no
 * log(0) for a confidently wrong prediction. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <stdlib.h>

#include "kern.h"
#include "kern_impl.h"

struct xent_job {
    int n, classes;
    const float *logits, *probs_in;
    const int32_t *labels;
    float *probs, *dlogits;
    double *row_loss; /* per thread */
    int *row_correct; /* per thread */
};

enum { XENT_MAX_THREADS = 64 };

static void xent_fwd_task(void *p, int ith, int nth)
{
    const struct xent_job *j = p;
    size_t lo, hi;
    kern_split((size_t)j->n, ith, nth, &lo, &hi);
    double loss = 0;
    int correct = 0;
    for (size_t i = lo; i < hi; i++) {
        const float *z = j->logits + i * j->classes;
        float *pr = j->probs + i * j->classes;
        float mx = z[0];
        int arg = 0;
        for (int k = 1; k < j->classes; k++)
            if (z[k] > mx) mx = z[k], arg = k;
        int32_t lab = j->labels ? j->labels[i] : -1;
        float zl = lab >= 0 ? z[lab] : 0.0f; /* read before probs may overwrite logits */
        double sum = 0;
        for (int k = 0; k < j->classes; k++) {
            float e = expf(z[k] - mx);
            pr[k] = e;
            sum += e;
        }
        float inv = (float)(1.0 / sum);
        for (int k = 0; k < j->classes; k++)
            pr[k] *= inv;
        if (lab >= 0) {
            loss += log(sum) - (double)(zl - mx);
            correct += arg == lab;
        }
    }
    j->row_loss[ith] = loss;
    j->row_correct[ith] = correct;
}

float kern_softmax_xent_fwd(kern_ctx *ctx, int n, int classes, const float *logits,
                            const int32_t *labels, float *probs, int *correct)
{
    double loss[XENT_MAX_THREADS];
    int corr[XENT_MAX_THREADS];
    struct xent_job j = {.n = n,
                         .classes = classes,
                         .logits = logits,
                         .labels = labels,
                         .probs = probs,
                         .row_loss = loss,
                         .row_correct = corr};
    int nth = kernp_threads_for((size_t)n * classes * 8);
    if (nth > XENT_MAX_THREADS) nth = XENT_MAX_THREADS;
    if (nth > kern_ctx_threads(ctx)) nth = kern_ctx_threads(ctx);
    kern_parallel(ctx, xent_fwd_task, &j, nth);
    double total = 0;
    int c = 0;
    for (int t = 0; t < nth; t++)
        total += loss[t], c += corr[t];
    if (correct) *correct = c;
    return labels && n > 0 ? (float)(total / n) : 0.0f;
}

static void xent_bwd_task(void *p, int ith, int nth)
{
    const struct xent_job *j = p;
    size_t lo, hi;
    kern_split((size_t)j->n, ith, nth, &lo, &hi);
    float inv = 1.0f / (float)j->n;
    for (size_t i = lo; i < hi; i++) {
        const float *pr = j->probs_in + i * j->classes;
        float *d = j->dlogits + i * j->classes;
        for (int k = 0; k < j->classes; k++)
            d[k] = pr[k] * inv;
        d[j->labels[i]] -= inv;
    }
}

void kern_softmax_xent_bwd(kern_ctx *ctx, int n, int classes, const float *probs,
                           const int32_t *labels, float *dlogits)
{
    struct xent_job j = {
        .n = n, .classes = classes, .probs_in = probs, .labels = labels, .dlogits = dlogits};
    kern_parallel(ctx, xent_bwd_task, &j, kernp_threads_for((size_t)n * classes * 8));
}

float kern_softmax_xent_fwd_ref(int n, int classes, const float *logits, const int32_t *labels,
                                float *probs, int *correct)
{
    double loss = 0;
    int c = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * classes;
        double mx = z[0];
        int arg = 0;
        for (int k = 1; k < classes; k++)
            if (z[k] > mx) mx = z[k], arg = k;
        double sum = 0;
        for (int k = 0; k < classes; k++)
            sum += exp(z[k] - mx);
        double zl = labels ? z[labels[i]] : 0;
        for (int k = 0; k < classes; k++)
            probs[(size_t)i * classes + k] = (float)(exp(z[k] - mx) / sum);
        if (labels) {
            loss += log(sum) - (zl - mx);
            c += arg == labels[i];
        }
    }
    if (correct) *correct = c;
    return labels && n > 0 ? (float)(loss / n) : 0.0f;
}
