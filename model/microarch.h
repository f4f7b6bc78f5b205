/* microarch — CPU micro-architectures: names, ancestry, required ISA flags, the compiler
 * flags that target each one, and the host's detection from its ISA flags.
 *
 * The table (microarch_table.c) is written from the facts in archspec's
 * microarchitectures.json, so the names are archspec's (`skylake_avx512`, `zen3`,
 * `neoverse_v1` ...). Detection follows archspec's rule: among the micro-architectures of
 * the host's family whose vendor is the host's (or generic) and whose required flags the
 * host has, the deepest in the ancestry wins, preferring descendants of the best generic
 * level (x86_64_v3 ...). modak adds two things archspec lacks: per-micro-architecture
 * vector facts (SIMD width, FMA pipes → FLOP per cycle) and the OpenBLAS core type. */
#ifndef MODAK_MICROARCH_H
#define MODAK_MICROARCH_H

#include <stddef.h>

#include "mk_err.h"

/* One row of a micro-architecture's compiler flags, as archspec writes them: `versions`
 * is "MIN:MAX" (either side may be empty), `flags` may contain "{name}". */
typedef struct microarch_cflags {
    const char *compiler; /* "gcc", "clang", "aocc", "intel", "oneapi", "nvhpc", ... */
    const char *versions;
    const char *name; /* substituted for {name}; NULL → the micro-architecture's name */
    const char *flags;
    const char *warnings; /* NULL when none */
    const char *family;   /* rarely set (clang on POWER) */
} microarch_cflags;

typedef struct microarch {
    const char *name;
    const char *vendor;          /* "GenuineIntel", "AuthenticAMD", "ARM", "generic" ... */
    const char *const *parents;  /* NULL-terminated, archspec's order */
    const char *const *features; /* NULL-terminated */
    const microarch_cflags *cflags;
    size_t ncflags;
    int generation;      /* POWER generation, else 0 */
    const char *cpupart; /* ARM part number ("0xd0c"), else NULL */
} microarch;

extern const microarch microarch_table[];
extern const size_t microarch_table_len;

/* Vector facts modak adds per micro-architecture (inherited from the nearest ancestor that
 * has them). flops_per_cycle[] is per core: 2 (an FMA) x fma_units x lanes. */
typedef struct microarch_vec {
    int simd_bits;                 /* widest vector the FMA units execute natively (128/256/512) */
    int fma_units;                 /* vector FMA issues per cycle at that width */
    double fp64, fp32, bf16, int8; /* FLOP (or OP) per cycle per core; 0 = not supported */
    const char *from;              /* the micro-architecture the facts were taken from */
} microarch_vec;

const microarch *microarch_find(const char *name);
/* The known name closest to `name` (edit distance), for "did you mean"; NULL when none. */
const char *microarch_suggest(const char *name);
/* Ancestors in archspec's order (each parent, then its ancestors; no duplicates). Returns
 * the count; fills at most cap. */
size_t microarch_ancestors(const microarch *m, const microarch **out, size_t cap);
/* 1 when m is `name` or descends from it. */
int microarch_is_a(const microarch *m, const char *name);
/* The root of m's ancestry ("x86_64", "aarch64", "ppc64le" ...). */
const microarch *microarch_family(const microarch *m);
/* The vector facts of m (never NULL fields: simd_bits 0 when nothing is known). */
microarch_vec microarch_vector(const microarch *m);
/* The OpenBLAS core type (OPENBLAS_CORETYPE) that suits m: "SkylakeX", "Haswell", "Zen",
 * "NeoverseN1" ...; NULL when OpenBLAS's default detection should be left alone. */
const char *microarch_openblas_core(const microarch *m);

/* The flags that make `compiler` at `version` target m (archspec's optimization_flags):
 * the first row whose version range holds `version` (a range's bound compares only the
 * components it has, so "10.3:12.2" holds 12.2.0). When the compiler knows the family but
 * not m, the error names the newest ancestor it knows. Writes into out; *warning (may be
 * NULL) gets archspec's warning for that row or NULL. Returns 0, or -1 with err set. */
int microarch_cflags_for(const microarch *m, const char *compiler, const char *version, char *out,
                         size_t outsz, const char **warning, mk_err *err);

/* Host detection. */
typedef struct microarch_host {
    const microarch *best;   /* most specific match, ignoring flags VMs commonly hide */
    const microarch *strict; /* archspec's answer with every required flag */
    char vendor[64];
    char model_name[128];
    char arch[32];     /* "x86_64", "aarch64", "ppc64le" */
    char missing[256]; /* required flags of `best` the host lacks (space-separated) */
} microarch_host;

/* Detects from /proc/cpuinfo text (the file's content) and the machine name (uname -m).
 * Returns 0, or -1 with err set when nothing in the table matches. */
int microarch_detect(const char *cpuinfo, const char *machine, microarch_host *out, mk_err *err);
/* Reads /proc/cpuinfo and uname(2), then calls microarch_detect. */
int microarch_detect_host(microarch_host *out, mk_err *err);
/* Picks the micro-architecture for a flag set (space-separated names as in /proc/cpuinfo)
 * within `family` for `vendor`; `ignore` (space-separated, may be NULL) are flags whose
 * absence is forgiven. Returns NULL when none matches. */
const microarch *microarch_match(const char *family, const char *vendor, const char *flags,
                                 const char *ignore, const char *cpupart);

#endif
