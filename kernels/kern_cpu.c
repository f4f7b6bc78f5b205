/* kern_cpu — which OpenBLAS core type this CPU deserves, from CPUID.
 *
 * Debian's OpenBLAS is built with DYNAMIC_ARCH: it picks its kernels at load time from its
 * own CPU table, and a CPU newer than that table gets a slow generic kernel. We decide from
 * the instruction sets themselves (and whether the OS saves the wide registers, via XGETBV):
 * AVX-512 (F, DQ, BW, VL) -> SkylakeX, or Cooperlake with AVX-512 BF16; AVX2 + FMA -> Haswell
 * (Zen on AMD); AVX -> Sandybridge; SSE4.2 -> Nehalem; else Prescott. kern_main applies the
 * choice by setting OPENBLAS_CORETYPE and re-executing itself before OpenBLAS is used. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "kern.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void)
{
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static const char *coretype_from_cpuid(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return "Prescott";
    unsigned int max_leaf = a;
    int amd = b == 0x68747541; /* "Auth" of AuthenticAMD */
    __get_cpuid(1, &a, &b, &c, &d);
    int sse42 = (c >> 20) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int os_ymm = (xcr0 & 0x6) == 0x6, os_zmm = (xcr0 & 0xe6) == 0xe6;
    int avx2 = 0, avx512 = 0, bf16 = 0;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        unsigned int subleaves = a;
        avx2 = (b >> 5) & 1;
        int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
        avx512 = f && dq && bw && vl;
        if (subleaves >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            bf16 = (a >> 5) & 1;
        }
    }
    if (avx512 && os_zmm) return bf16 ? "Cooperlake" : "SkylakeX";
    if (avx2 && fma && os_ymm) return amd ? "Zen" : "Haswell";
    if (avx && os_ymm) return "Sandybridge";
    if (sse42) return "Nehalem";
    return "Prescott";
}
#endif

const char *kern_coretype_wanted(void)
{
    const char *forced = getenv("KERN_CORETYPE");
    if (forced && *forced) return forced;
#if defined(__x86_64__) || defined(__i386__)
    return coretype_from_cpuid();
#else
    return NULL;
#endif
}

const char *kern_coretype_active(void)
{
    const char *name = openblas_get_corename();
    return name ? name : "unknown";
}
