/* kern_impl.h — what the files of kernels/ share but do not export (prefix kernp_). */
#ifndef KERN_IMPL_H
#define KERN_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "kern.h"

/* The context's workspace, grown to at least `bytes` (64-byte aligned); NULL on OOM. The
 * pointer is valid until the next call that grows it. */
void *kernp_ws(kern_ctx *ctx, size_t bytes);

/* Sum of count floats: 16 float partial sums (vectorised), added in double. The same bits
 * whatever thread runs it. */
double kernp_sum(const float *x, size_t count);

/* Rounds a byte count up to a multiple of 64 (so per-thread slices stay aligned). */
static inline size_t kernp_align64(size_t bytes)
{
    return (bytes + 63) & ~(size_t)63;
}

/* How many threads an element-wise pass over `work` floats deserves: waking a thread costs
 * about as much as touching a few tens of thousands of floats. */
static inline int kernp_threads_for(size_t work)
{
    size_t t = work / 32768;
    return t < 1 ? 1 : (t > 1024 ? 1024 : (int)t);
}

/* splitmix64's finaliser: a bijective, well-mixed hash of 64 bits. */
static inline uint64_t kernp_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A small deterministic generator (splitmix64 sequence) for initialisation and shuffling. */
typedef struct kernp_rng {
    uint64_t s;
} kernp_rng;

static inline uint64_t kernp_rng_u64(kernp_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 24 bits. */
static inline float kernp_rng_unif(kernp_rng *r)
{
    return (float)(kernp_rng_u64(r) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform in [0, bound) without modulo bias worth caring about (bound < 2^31). */
static inline uint32_t kernp_rng_below(kernp_rng *r, uint32_t bound)
{
    return (uint32_t)(((kernp_rng_u64(r) >> 32) * (uint64_t)bound) >> 32);
}

#endif
