/* registry — MODAK's registered knowledge as data: images, scripts, infrastructures and
 * scaling models, read from JSON files, and the three passes that use it for a job document:
 * the mapper (which container image), the scaler (how many ranks and nodes) and the enforcer
 * (which scripts go into the job script).
 *
 * A registry is a stack of layers: the bundled one (model/data/registry, installed under
 * share/modak/data/registry) and any number of user directories over it. Each layer has one
 * folder per kind (images/, scripts/, infrastructures/, scaling/); each *.json file there
 * holds one entry or an array of entries, in MODAK's own formats:
 *   image           MODAK's /map_container body: name (MODAK's opt_dsl_code), app_name,
 *                   build {enable_opt_build, cpu_type, acc_type}, optimisation {k: v},
 *                   container_file, image_type, image_hub, src (+ map_id, description)
 *   script          MODAK's Script: id, description, conditions {application {name,
 *                   feature}, infrastructure {name, storage_class}}, data {stage, raw}
 *   infrastructure  MODAK's Infrastructure: name, description, disabled, configuration
 *                   {scheduler, storage {url: {storage_class}}, partitions {name: {nnodes,
 *                   node {ncpus, cpu {arch, microarch, ncores, nthreads}, naccel, accel
 *                   {type, model}, memory}}}}
 *   scaling         MODAK's ApplicationScalingModel: opt_dsl_code, model {name: noop | max
 *                   (max_nranks, max_nthreads) | amdahl (F)}
 * An entry in a later layer replaces the entry of the same key (name, id, opt_dsl_code) below.
 * archspec.json (micro-architecture names per family, from archspec) lets `check` validate
 * cpu arch/microarch. Strings live in the registry's arena; each entry keeps its JSON. */
#ifndef MODAK_REGISTRY_H
#define MODAK_REGISTRY_H

#include <stddef.h>

#include <jansson.h>

#include "mk_arena.h"
#include "mk_buf.h"
#include "mk_err.h"

typedef enum reg_kind { REG_IMAGE, REG_SCRIPT, REG_INFRA, REG_SCALING, REG_KIND_COUNT } reg_kind;

/* "image", "script", "infrastructure", "scaling"; NULL for an out-of-range kind. */
const char *reg_kind_name(reg_kind k);
/* The folder of a kind in a layer: "images", "scripts", "infrastructures", "scaling". */
const char *reg_kind_dir(reg_kind k);
/* Accepts the kind name, its folder name, and "infra"; returns -1 when unknown. */
int reg_kind_parse(const char *s);

typedef struct reg_image {
    const char *name;           /* MODAK's opt_dsl_code */
    const char *app_name;       /* the application (framework, MPI library, app tag) it serves */
    int opt_build;              /* build.enable_opt_build: 1, 0, or -1 when unset (never mapped) */
    const char *cpu_type;       /* lower case; "none" = not CPU-specific */
    const char *acc_type;       /* lower case; "none" = no accelerator */
    const json_t *optimisation; /* object: the features it was built with (borrowed) */
    const char *container_file, *image_type, *image_hub, *src;
    long long map_id; /* MODAK's mapper row id (ties: the highest wins, as in MODAK) */
    const char *description;
} reg_image;

typedef enum reg_stage { REG_STAGE_PRE, REG_STAGE_POST } reg_stage;

typedef struct reg_script {
    const char *id;
    const char *description;
    const char *app_name;   /* NULL: no application condition */
    const json_t *feature;  /* object of required features (empty = none); borrowed */
    int has_infra;          /* conditions.infrastructure is not null */
    const char *infra_name; /* NULL when the condition names no infrastructure */
    const char *storage_class;
    reg_stage stage;
    const char *raw;
} reg_script;

typedef struct reg_storage {
    const char *url;
    const char *storage_class;
} reg_storage;

typedef struct reg_partition {
    const char *name; /* "*" for a single default partition */
    long long nnodes;
    long long ncpus, ncores, nthreads; /* sockets per node, cores per socket, threads per core */
    const char *arch, *microarch;      /* archspec names; microarch may be NULL */
    long long naccel;                  /* 0 when none */
    const char *accel_type, *accel_model;
    unsigned long long memory; /* bytes; 0 when unknown */
    reg_storage *storage;
    size_t nstorage;
} reg_partition;

typedef struct reg_infra {
    const char *name;
    const char *description;
    const char *disabled;  /* non-NULL: the infrastructure is disabled (since that date) */
    const char *scheduler; /* "slurm", "torque" or NULL */
    reg_storage *storage;
    size_t nstorage;
    reg_partition *parts;
    size_t nparts;
} reg_infra;

typedef enum reg_scale_kind { REG_SCALE_NOOP, REG_SCALE_MAX, REG_SCALE_AMDAHL } reg_scale_kind;

typedef struct reg_scaling {
    const char *image; /* opt_dsl_code of the image it describes */
    reg_scale_kind kind;
    long long max_nranks, max_nthreads; /* max: 0 = no limit */
    double F;                           /* amdahl: parallel fraction, 0 < F < 1 */
} reg_scaling;

/* Where an entry came from: its file and layer (0 = the bottom one). */
typedef struct reg_origin {
    const char *file;
    int layer;
} reg_origin;

typedef struct reg_registry reg_registry;

reg_registry *reg_new(void);
void reg_free(reg_registry *r);

/* The bundled registry: $MODAK_REGISTRY_DIR, else the installed data directory, else the
 * source tree's model/data/registry. Returns a static string; NULL when none exists. */
const char *reg_default_dir(void);

/* Loads the layer in dir on top of what r holds. When report is NULL the first bad file or
 * entry fails the call (err says which, with its file); otherwise every problem is appended
 * to report as "error: file: message\n", bad entries are skipped and the call succeeds, returning
 * the number of problems. A missing kind folder is fine; a missing dir is an error. */
int reg_load_dir(reg_registry *r, const char *dir, mk_buf *report, mk_err *err);
/* Convenience: the bundled layer, then each of dirs (may be NULL / n == 0). */
reg_registry *reg_load_default(const char *const *dirs, size_t n, mk_err *err);

/* Checks across entries (scaling models naming missing images, archspec names, scripts that
 * can never match, ...); appends one line per finding to report, "error: file: message" or
 * "warning: file: message", and returns the number of errors. */
int reg_check(const reg_registry *r, mk_buf *report);

/* Parses one entry of a kind (for `registry add`); on success stores it in r as a new top
 * layer entry (replacing one with the same key) and returns 0. `file` names it in errors. */
int reg_add_entry(reg_registry *r, reg_kind k, json_t *entry, const char *file, mk_err *err);

/* The key of an entry JSON of kind k (name, id or opt_dsl_code); NULL when missing. */
const char *reg_entry_key(reg_kind k, const json_t *entry);

/* "an object", "a string", "an integer", ...: the kind of a JSON value, for messages. */
const char *reg_json_type_word(const json_t *v);

/* Counting, indexing and lookups (NULL when absent). Entries keep the order of their keys. */
size_t reg_count(const reg_registry *r, reg_kind k);
const char *reg_key_at(const reg_registry *r, reg_kind k, size_t i);
const json_t *reg_json_at(const reg_registry *r, reg_kind k, size_t i);
reg_origin reg_origin_at(const reg_registry *r, reg_kind k, size_t i);
const reg_image *reg_image_at(const reg_registry *r, size_t i);
const reg_script *reg_script_at(const reg_registry *r, size_t i);
const reg_infra *reg_infra_at(const reg_registry *r, size_t i);
const reg_scaling *reg_scaling_at(const reg_registry *r, size_t i);
const reg_image *reg_find_image(const reg_registry *r, const char *name);
const reg_infra *reg_find_infra(const reg_registry *r, const char *name);
const reg_scaling *reg_find_scaling(const reg_registry *r, const char *image);
/* Index of the entry with key in kind k, or -1. */
long reg_find(const reg_registry *r, reg_kind k, const char *key);
/* Number of layers loaded and the directory of each. */
size_t reg_layer_count(const reg_registry *r);
const char *reg_layer_dir(const reg_registry *r, size_t i);

/* ---- values shared with the job generator ---- */

/* Parses a size: an integer or decimal followed by an optional unit (B, kB, KB, KiB, MB, MiB,
 * GB, GiB, TB, TiB, PB, PiB, case-insensitive; also K, M, G, T as binary units), spaces
 * allowed between. A bare number is bytes. Returns 0 and the size in bytes, or -1. */
int reg_parse_size(const char *s, unsigned long long *bytes);
/* A feature value as MODAK compares it: booleans "true"/"false", integers and reals in their
 * shortest form, strings lower-cased; NULL for objects, arrays and null. malloc'd. */
char *reg_feature_str(const json_t *v);

/* ---- the mapper ---- */

/* What a job asks the mapper for, decoded from its optimisation section the way MODAK does.
 * Each ask is an application name with the features it wants, tried in order:
 *   ai_training  the ai_framework with its ai_framework-<name> block;
 *   hpc          the app_tag with the whole parallelisation-<p> block, then the MPI library
 *                with that block less its "library" key (MODAK asks for the library only
 *                when there is no app_tag);
 *   any          the app_tag with no features (MODAK's last decoder);
 *   optimisation.app_name with app_build (the form of MODAK's cirrus/daint examples). */
typedef struct reg_ask {
    char *app_name;
    json_t *features; /* object; owned */
    const char *what; /* where the ask comes from, for explanations */
} reg_ask;

typedef struct reg_request {
    int has_optimisation; /* the job has an optimisation section */
    int enable_opt_build; /* optimisation.enable_opt_build */
    char *app_type;       /* optimisation.app_type, or NULL */
    char *cpu_type;       /* requested target, lower case; NULL = any */
    char *acc_type;       /* "none" when opt_build has no acc_type (as MODAK); NULL = any
                             (no opt_build, or acc_type "") */
    reg_ask asks[4];
    size_t nasks;
    json_t *opts; /* the whole feature block (ai_framework-*, parallelisation-*, app_build)
                     the enforcer matches script features with; owned, may be NULL */
} reg_request;

/* Decodes job (the inner "job" object) into req; 0, or -1 with err for a section the mapper
 * cannot read (e.g. app_type-hpc without its parallelisation block). */
int reg_request_decode(const json_t *job, reg_request *req, mk_err *err);
void reg_request_fini(reg_request *req);

typedef enum reg_map_source {
    REG_MAP_OPTIMISED, /* an image built with enable_opt_build */
    REG_MAP_STOCK,     /* a stock image (enable_opt_build false) */
    REG_MAP_USER,      /* the job's own container_runtime */
    REG_MAP_NONE       /* no container: the application runs on the host */
} reg_map_source;

typedef struct reg_candidate {
    const reg_image *image;
    int accepted; /* 1 when it matched */
    int score;    /* lower is better among accepted ones */
    char *why;    /* why it was taken or refused (malloc'd) */
} reg_candidate;

typedef struct reg_mapping {
    reg_map_source source;
    const reg_image *image;  /* the chosen image; NULL for USER and NONE */
    char *container_runtime; /* "<hub>://<file>", the user's, or NULL (malloc'd) */
    const char *app_name;    /* the application name the enforcer matches scripts with */
    reg_candidate *cands;    /* every image considered, in ranking order */
    size_t ncands;
    mk_buf explain; /* one line per decision */
} reg_mapping;

/* Chooses the container for a job: exact key matching of target and features, a
 * deterministic ranking, then the stock image, then user_container (may be NULL). */
int reg_map(const reg_registry *r, const reg_request *req, const char *user_container,
            reg_mapping *out, mk_err *err);
void reg_mapping_fini(reg_mapping *m);

/* ---- the scaler ---- */

typedef struct reg_scale_io {
    long long mpi_ranks, threads; /* in/out; 0 = not given */
    double minimal_efficiency;    /* 0 = not given */
    long long node_count;         /* in/out; 0 = not given (completed when a partition says) */
    long long ranks_per_node;     /* process_count_per_node; 0 = not given */
    long long gpus;               /* request_gpus per node; 0 = none */
    const char *partition;        /* the partition the job names (partition, constraint or queue) */
    int changed_ranks, changed_threads, completed_nodes; /* what the scaler did */
} reg_scale_io;

/* Applies the image's scaling model (noop, max, amdahl with minimal_efficiency) and, when
 * the infrastructure describes partitions, completes node_count and checks the job fits.
 * image and infra may be NULL. Lines of explanation go to explain (may be NULL). */
int reg_scale(const reg_registry *r, const reg_image *image, const reg_infra *infra,
              reg_scale_io *io, mk_buf *explain, mk_err *err);
/* Amdahl's law: the largest rank count whose efficiency 1/(n(1-F)+F) is at least eff
 * (at least 1). */
long long reg_amdahl_ranks(double F, double eff);
double reg_amdahl_efficiency(double F, long long n);

/* ---- the enforcer ---- */

typedef struct reg_script_list {
    const reg_script **v;
    size_t n, cap;
} reg_script_list;

/* Selects the scripts for an application on an infrastructure, de-duplicated in MODAK's
 * order: infrastructure-only scripts, then the application's scripts without and then with
 * feature conditions, then both again restricted to the infrastructure (and its storage
 * classes). A feature condition holds when every feature it names equals the job's.
 * infra_name, infra, app_name and features may be NULL. */
int reg_enforce(const reg_registry *r, const char *app_name, const char *infra_name,
                const reg_infra *infra, const json_t *features, reg_script_list *out,
                mk_buf *explain, mk_err *err);
void reg_script_list_fini(reg_script_list *l);

#endif
