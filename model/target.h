/* target — what modak knows about the machines a training job can run on.
 *
 * A target describes one partition's nodes: CPU (archspec micro-architecture, cores,
 * threads, frequency, SIMD width and FMA units, hence peak FLOP/s per precision, caches,
 * the OpenBLAS core type), memory (size, bandwidth, NUMA layout), accelerators (model,
 * count, peak FLOP/s, memory, bandwidth, host link), the interconnect, storage classes with
 * their read bandwidth, the scheduler and the container runtimes. Targets come from
 * catalogue files (model/data/targets/NAME.json, modak's format), from MODAK-format
 * infrastructure files (the registry's), or from detecting this host (target_detect.c:
 * hwloc XML, nvidia-smi XML, /proc and /sys). docs/targets.md defines both file formats.
 *
 * Units inside the struct are SI: bytes, bytes/s, FLOP/s, seconds, Hz. A value of 0 means
 * "unknown" wherever the file format allows leaving a field out. Every string and array
 * lives in the target's arena; target_free() releases everything. Errors name the file and
 * the field as a JSON pointer ("targets/x.json: /node/memory/bandwidth_gbs: ..."). */
#ifndef MODAK_TARGET_H
#define MODAK_TARGET_H

#include <stddef.h>

#include "microarch.h"
#include "mk_arena.h"
#include "mk_buf.h"
#include "mk_err.h"

typedef enum target_prec {
    TARGET_FP64,
    TARGET_FP32,
    TARGET_TF32,
    TARGET_FP16,
    TARGET_BF16,
    TARGET_INT8,
    TARGET_NPREC
} target_prec;

const char *target_prec_name(target_prec p);
/* -1 when unknown */
int target_prec_from_name(const char *name);

enum {
    TARGET_MAX_CACHES = 8,
    TARGET_MAX_NUMA = 64,
    TARGET_MAX_ACCELS = 16,
    TARGET_MAX_STORAGE = 16,
    TARGET_MAX_LIST = 16
};

typedef struct target_cache {
    int level;        /* 1, 2, 3 */
    const char *type; /* "data", "instruction", "unified" */
    double size;      /* bytes per instance */
    int shared_by;    /* hardware threads sharing one instance; 0 = unknown */
    int count;        /* instances per node; 0 = unknown */
} target_cache;

typedef struct target_numa {
    int id;
    double memory; /* bytes */
    int cores, pus;
    const char *cpus; /* cpu list ("0-19,40-59"), may be NULL */
} target_numa;

typedef struct target_accel {
    const char *vendor, *model;
    int count;
    double peak[TARGET_NPREC]; /* FLOP/s per device; 0 = not supported / unknown */
    double memory;             /* bytes per device */
    double bandwidth;          /* device memory bytes/s */
    const char *link;          /* "pcie3", "pcie4", "nvlink2" ... may be NULL */
    double link_bandwidth;     /* host<->device bytes/s per direction; 0 = unknown */
    const char *source;        /* where the peak numbers come from */
} target_accel;

typedef struct target_storage {
    const char *name;      /* the storage class ("default-common", "ssd", "scratch") */
    const char *path;      /* mount point or URL, may be NULL */
    double read_bandwidth; /* bytes/s, per node */
    double write_bandwidth;
    int shared; /* visible from every node */
} target_storage;

typedef struct target_cpu {
    const char *arch;      /* family: "x86_64", "aarch64", "ppc64le" */
    const char *microarch; /* archspec name */
    const microarch *ma;   /* the table row (never NULL after loading) */
    const char *vendor, *model;
    int sockets, cores, threads; /* per node */
    double freq;                 /* Hz, the sustained all-core frequency used for peaks */
    double freq_max;             /* Hz, 0 = unknown */
    int simd_bits, fma_units;
    double peak[TARGET_NPREC]; /* FLOP/s per node */
    int peak_given;            /* peaks came from the file, not derived */
    const char *openblas_coretype;
    target_cache caches[TARGET_MAX_CACHES];
    size_t ncaches;
} target_cpu;

typedef struct target {
    mk_arena arena;
    const char *name, *description;
    const char *file;   /* where it was read from; NULL when detected */
    const char *format; /* "modak-target/1", "modak-infrastructure", "detected" */
    const char *sources[TARGET_MAX_LIST];
    size_t nsources;
    const char *assumptions[TARGET_MAX_LIST]; /* facts not from a source, said openly */
    size_t nassumptions;
    const char *scheduler; /* "slurm", "torque", "pbs", "none" */
    const char *runtimes[TARGET_MAX_LIST];
    size_t nruntimes;
    const char *partition; /* queue / partition name, may be NULL */
    int nodes;             /* nodes in the partition; 0 = unknown */
    target_cpu cpu;
    double memory;           /* bytes per node */
    double memory_bandwidth; /* bytes/s per node (STREAM-like); 0 = unknown */
    target_numa numa[TARGET_MAX_NUMA];
    size_t nnuma;
    target_accel accels[TARGET_MAX_ACCELS];
    size_t naccels;
    const char *net_kind;
    double net_bandwidth; /* bytes/s per node per direction; 0 = unknown / single node */
    double net_latency;   /* seconds */
    target_storage storage[TARGET_MAX_STORAGE];
    size_t nstorage;
} target;

target *target_new(void);
void target_free(target *t);
/* Copies s into t's arena (NULL stays NULL). */
const char *target_strdup(target *t, const char *s);

/* Reads a target file: modak's format, or a MODAK-format infrastructure (told apart by its
 * "configuration" object). `partition` picks one of an infrastructure's partitions (NULL:
 * the one marked default, else the first). Returns NULL with err set. */
target *target_load_file(const char *path, const char *partition, mk_err *err);
target *target_load_json(const char *name, const char *text, size_t len, const char *partition,
                         mk_err *err);

/* Fills what can be derived (micro-architecture row, SIMD width, FMA units, peaks, the
 * OpenBLAS core type, threads, sockets) and checks the whole target. `where` names the
 * source in errors. Returns 0 or -1 with err set. Loaders call it; detection too. */
int target_finish(target *t, const char *where, mk_err *err);

/* Writes t as modak's target format (every derived value included). */
void target_to_json(const target *t, mk_buf *out);

/* Peak FLOP/s of one node at precision p: its accelerators' when it has any and
 * use_accel, else its CPU's. */
double target_node_peak(const target *t, target_prec p, int use_accel);

/* Known accelerators (NVIDIA datasheets): fills a's peaks, memory, bandwidth and source
 * from the catalogue row whose id or product name matches `model` ("V100-SXM2-16GB",
 * "Tesla V100-SXM2-16GB", "NVIDIA H100 80GB HBM3"). Returns 0, or -1 when unknown. */
int target_accel_lookup(const char *model, target_accel *a);
/* The catalogue ids, NULL-terminated. */
const char *const *target_accel_known(void);

/* The data directory: $MODAK_DATA when set, else the source tree's model/data when it
 * exists (development builds), else the installed share/modak/data. malloc'd. */
char *target_data_dir(void);
/* Names of the catalogue's targets (files under DIR/targets), sorted; *names is malloc'd
 * (free each and the array). */
int target_catalogue(const char *data_dir, char ***names, size_t *n, mk_err *err);
/* A catalogue name or a path to a file. */
target *target_open(const char *name_or_path, const char *partition, mk_err *err);

#endif
