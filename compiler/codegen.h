/* codegen — from a graph to a standalone training binary:
 *
 *   graph_codegen   runs the passes (fusion, autodiff, algorithm choice, threading, memory
 *                   planning) per the options and writes one C file specialised to the
 *                   graph's static shapes: the parameter table, a kern_conv/kern_pool per
 *                   layer, the two step functions of the kernels' net ABI (every tensor at a
 *                   planned arena offset, every call a kernels/ function) and main()
 *   graph_build     compiles that file with the kernels' sources (embedded in modak) using
 *                   the system C compiler and the target's flags, linked with OpenBLAS,
 *                   through a cache keyed by a hash of everything that goes in
 *   graph_march_*   archspec's flags per micro-architecture, compiler and version
 */
#ifndef MODAK_CODEGEN_H
#define MODAK_CODEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* ---- micro-architectures (march.c) ---- */

#define GRAPH_MARCH_MAX_FLAGS 16
typedef struct graph_march_flags {
    const char *compiler; /* "gcc" or "clang" */
    const char *versions; /* archspec's range: "10.3:12.2", "12.3:", ":" */
    const char *flags;
} graph_march_flags;

typedef struct graph_march {
    const char *name;     /* archspec's: "zen4", "skylake_avx512", "x86_64_v3", ... */
    const char *family;   /* "x86_64" or "aarch64" */
    const char *vendor;   /* "GenuineIntel", "AuthenticAMD", "generic", ... */
    const char *parent;   /* first ancestor ("" for a root) */
    const char *features; /* space-separated CPU flags it requires */
    graph_march_flags flags[GRAPH_MARCH_MAX_FLAGS];
} graph_march;

const graph_march *graph_march_table(int *count);
const graph_march *graph_march_find(const char *name);
/* 1 when version (e.g. "12.2.0") lies in archspec's range (e.g. "10.3:12.2"). */
int graph_march_version_in(const char *version, const char *range);
/* The flags for arch with that compiler ("gcc"/"clang") and version; an older compiler
 * falls back to the ancestors' flags. 0, or -1 with err. */
int graph_march_cflags(const char *arch, const char *compiler, const char *version, char *out,
                       size_t size, mk_err *err);
/* The most specific x86-64 micro-architecture whose features the CPU has (vendor_id and the
 * flags line of /proc/cpuinfo). */
const char *graph_march_detect(const char *vendor, const char *flags);
/* The same for this machine. */
const char *graph_march_host(void);
/* Floats per vector register of a micro-architecture ("native": this machine's): 16 with
 * AVX-512, 8 with AVX, 4 otherwise (SSE, NEON, unknown names). */
int graph_march_vector_floats(const char *name);

/* kernels/calib/kern_calib.c, the performance model's kernel benchmarks (NUL-terminated):
 * built with graph_build like a generated program. */
extern const char graph_calib_source[];

/* ---- code generation (codegen.c) ---- */

typedef struct graph_options {
    int generic;        /* a stock build: no fusion, no memory reuse, per-image im2col */
    int threads;        /* cores of the target (0: unknown) */
    const char *target; /* for the build note: "host (zen4)", "zen4", ... */
    const char *build;  /* the compiler command's summary, recorded in the binary's `info` */
    int profile;        /* time every node of the training step; print the table at exit */
    int vec_floats;     /* floats per vector register of the target (graph_march_vector_floats);
                         * the convolution algorithms are chosen for it. 0: modak's own build's */
} graph_options;

typedef struct graph_compiled {
    char *c_source;         /* malloc'd */
    char *summary;          /* malloc'd: one line per layer (the binary's `info`) */
    size_t arena_train;     /* planned arena of a training step */
    size_t arena_infer;     /* planned arena of inference */
    size_t arena_unplanned; /* every training tensor in its own block */
    int folded;             /* nodes fusion folded away */
    int nconv;
    int nparams;         /* rows of the parameter table (trainable + state) */
    int64_t param_elems; /* trainable parameters */
    double flops_fwd;    /* per image */
    double flops_train;  /* per image, forward + backward */
    int threads;         /* the threading pass's count */
    int nodes_train;     /* nodes of a training step */
} graph_compiled;

/* Runs the passes on g (which must be fresh from a builder or a file: not yet fused or
 * differentiated) and writes the program. 0, or -1 with err. */
int graph_codegen(graph *g, const graph_options *o, graph_compiled *out, mk_err *err);
void graph_compiled_fini(graph_compiled *c);

/* ---- building (build.c) ---- */

typedef struct graph_toolchain {
    char cc[512];     /* the compiler command ($CC, else "cc") */
    char kind[16];    /* "gcc" or "clang" */
    char version[32]; /* "12.2.0" */
} graph_toolchain;

/* Asks cc what it is (`cc --version`, `cc -dumpfullversion`). cc NULL: $CC, else "cc". */
int graph_toolchain_detect(const char *cc, graph_toolchain *tc, mk_err *err);

/* The optimisation and architecture flags: generic → "-O2 -march=x86-64 -mtune=generic";
 * march "native" → "-O3 -ffp-contract=fast -march=native"; else the same with archspec's
 * flags for march. */
int graph_target_cflags(const graph_toolchain *tc, const char *march, int generic, char *out,
                        size_t size, mk_err *err);

/* The cache directory: $MODAK_CACHE_DIR, else $XDG_CACHE_HOME/modak, else ~/.cache/modak.
 * malloc'd. */
char *graph_cache_dir(void);

typedef struct graph_build_result {
    int cache_hit;
    char key[33];     /* the cache key (hex) */
    char *cache_path; /* malloc'd: the binary in the cache */
    char *log;        /* malloc'd: the compiler's output when it failed (else NULL) */
} graph_build_result;

/* Builds the program in c_source with the embedded kernels (cflags + OpenBLAS, zlib,
 * pthreads, libm) into out_path (atomically, mode 0755), through the cache. key_extra is
 * hashed too (the graph's identity, options, modak's version). 0, or -1 with err
 * (MK_EIO: the compiler could not run or failed: see res->log). */
int graph_build(const char *c_source, const graph_toolchain *tc, const char *cflags,
                const char *key_extra, const char *out_path, graph_build_result *res, mk_err *err);
void graph_build_result_fini(graph_build_result *r);

/* The kernels' sources embedded at build time (a generated file): NULL-terminated. */
typedef struct graph_embedded_file {
    const char *name;
    const unsigned char *data;
    size_t size;
} graph_embedded_file;
extern const graph_embedded_file graph_kernel_sources[];

#endif
