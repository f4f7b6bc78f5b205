/* calib_kernels — the hook through which `modak model calibrate` times the kernels the
 * training binary will run (calibrate.h, calib_kernels_fn).
 *
 * The networks' convolution and batch-normalisation shapes are collected from their graphs
 * twice: as the optimised build runs them (fused, with the algorithms the compiler's algo
 * pass picks for the target's vector width) and as the generic build does (unfused, im2col
 * everywhere). kernels/calib/kern_calib.c is compiled with each build's flags through the
 * compiler's cache (so it links the very kernel objects a training binary links) and run
 * with those requests, three passes per thread count; the generic one with OpenBLAS's own
 * kernel choice, as a stock image has it. */
#ifndef MODAK_CALIB_KERNELS_H
#define MODAK_CALIB_KERNELS_H

#include "calibrate.h"

typedef struct calib_kernels {
    const char *march;              /* "native" (this machine) or an archspec name */
    const char *const *networks;    /* zoo names or graph files; NULL: the zoo */
    size_t nnetworks;
    double seconds;                 /* per measurement (of each of 3 passes); 0: 0.04 */
    int quiet;                      /* no progress on stderr */
    /* private */
    char *dir, *bin, *bin_generic;
    struct calib_item *items;
    size_t nitems;
} calib_kernels;

int calib_kernels_run(void *ud, int threads, calib_profile *p, mk_err *err);
void calib_kernels_fini(calib_kernels *k);

#endif
