/* bench_store — measured training throughputs of framework images (TensorFlow, PyTorch,
 * with XLA, nGraph, Glow, TVM or no graph compiler), each with its source, and their
 * scaling to a target.
 *
 * Files under model/data/benchmarks/ ("modak-benchmarks/1", docs/targets.md) list entries
 * (framework, graph compiler, network, precision, batch, the device it ran on, images/s,
 * and a source key) and the networks' sizes. An entry measured on a device modak knows
 * (the accelerator catalogue, or a catalogue target for CPUs) is scaled to another device
 * of the same kind by a roofline blend of peak FLOP/s and memory bandwidth; where the store
 * has no entry for the network, only its parameters and layers, the estimate comes from
 * the store's FLOP-per-parameter and efficiency figures with a wide uncertainty. */
#ifndef MODAK_BENCH_STORE_H
#define MODAK_BENCH_STORE_H

#include <stddef.h>

#include "mk_arena.h"
#include "mk_err.h"
#include "target.h"

typedef struct bench_entry {
    const char *id, *framework, *framework_version, *graph_compiler, *network, *precision;
    const char *device; /* accelerator id or catalogue target name */
    int batch, devices; /* batch 0 = not stated */
    double throughput;  /* samples/s */
    const char *unit;
    const char *source;  /* the text of the file's source for the entry's key */
    const char *derived; /* how it was derived from measurements, or NULL */
    const char *file;
    /* the reference device, resolved when loading */
    int on_accel;
    double ref_peak[TARGET_NPREC], ref_bandwidth;
} bench_entry;

typedef struct bench_network {
    const char *name, *source;
    double parameters, gmacs_forward;
    int layers;
} bench_network;

typedef struct bench_store {
    mk_arena arena;
    bench_entry *v;
    size_t n, cap;
    bench_network nets[64];
    size_t nnets;
} bench_store;

bench_store *bench_store_new(void);
void bench_store_free(bench_store *s);
/* Adds a file's entries; errors name the file and the JSON pointer of the field. */
int bench_store_load_file(bench_store *s, const char *path, mk_err *err);
int bench_store_load_text(bench_store *s, const char *name, const char *text, size_t len,
                          mk_err *err);
/* Every *.json under dir. */
bench_store *bench_store_load_dir(const char *dir, mk_err *err);

extern const char *const bench_frameworks[];      /* tensorflow pytorch mxnet */
extern const char *const bench_graph_compilers[]; /* none xla ngraph glow tvm */

typedef struct bench_estimate {
    double throughput;      /* samples/s on one device (or node, for CPUs) of the target */
    double low, high;       /* the uncertainty band (about one standard deviation) */
    const bench_entry *ref; /* NULL for a parameter-based estimate */
    double scale;           /* target / reference */
    char how[600];
} bench_estimate;

/* The precision the target would run an entry's precision at ("amp" → fp16). */
target_prec bench_prec(const char *precision);

/* Throughput of framework+compiler training `network` at `precision` on target t, from the
 * closest entry measured on the same kind of device (GPU for GPU targets, CPU for CPU).
 * Returns 0, or -1 with err set when the store has nothing to scale from. */
int bench_predict(const bench_store *s, const char *framework, const char *compiler,
                  const char *network, const char *precision, const target *t, bench_estimate *out,
                  mk_err *err);
/* An estimate from a network's size alone (parameters, layers): multiply-adds from the
 * store's networks' MACs per parameter, efficiency from its entries; wide uncertainty. */
int bench_estimate_size(const bench_store *s, const char *framework, const char *compiler,
                        double parameters, int layers, const char *precision, const target *t,
                        bench_estimate *out, mk_err *err);

#endif
