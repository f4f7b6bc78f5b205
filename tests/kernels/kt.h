/* kt.h — helpers shared by the kernels' tests: deterministic random tensors, the normalised
 * mean squared error against a reference, and a finite-difference gradient checker. */
#ifndef KT_H
#define KT_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kern.h"

static inline uint64_t kt_next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ull;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static inline void kt_fill(float *x, size_t n, uint64_t seed, float lo, float hi)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * (float)((kt_next(&s) >> 40) * (1.0 / 16777216.0));
}

static inline float *kt_alloc(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    assert_non_null(p);
    return p;
}

static inline float *kt_rand(size_t n, uint64_t seed, float lo, float hi)
{
    float *p = kt_alloc(n);
    kt_fill(p, n, seed, lo, hi);
    return p;
}

/* sum (a - b)^2 / sum b^2 (or the plain sum when b is all zeros). */
static inline double kt_nmse(const float *a, const float *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return den > 0 ? num / den : num;
}

#define KT_ASSERT_NMSE(a, b, n, tol)                                                               \
    do {                                                                                           \
        double kt_e_ = kt_nmse((a), (b), (n));                                                     \
        if (!(kt_e_ <= (tol)))                                                                     \
            fail_msg("%s vs %s: NMSE %.3g > %.3g", #a, #b, kt_e_, (double)(tol));                  \
    } while (0)

/* Checks an analytic gradient against central differences: `loss` evaluates the scalar loss
 * (in double) from the current contents of `param`; up to `max_checks` elements (spread over
 * the array) are perturbed by +-h. Passes when |num - ana| <= atol + rtol * |num| for each. */
typedef double (*kt_loss_fn)(void *arg);

static inline void kt_grad_check(const char *what, kt_loss_fn loss, void *arg, float *param,
                                 const float *grad, size_t n, int max_checks, float h, double atol,
                                 double rtol)
{
    size_t step = n > (size_t)max_checks ? n / (size_t)max_checks : 1;
    int bad = 0;
    for (size_t i = 0; i < n; i += step) {
        float keep = param[i];
        param[i] = keep + h;
        double lp = loss(arg);
        param[i] = keep - h;
        double lm = loss(arg);
        param[i] = keep;
        double num = (lp - lm) / (2.0 * h), ana = grad[i];
        if (fabs(num - ana) > atol + rtol * fabs(num)) {
            if (bad < 5)
                print_error("%s: gradient[%zu] analytic %.6g numeric %.6g\n", what, i, ana, num);
            bad++;
        }
    }
    if (bad) fail_msg("%s: %d gradient elements disagree with finite differences", what, bad);
}

#endif
