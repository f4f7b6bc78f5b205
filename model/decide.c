/* decide — candidate enumeration, prediction, feasibility and ranking (see decide.h).
 *
 * The dimensions are enumerated in a fixed order (native builds, then the registry's
 * images of the job's framework in registry order, then graph compilers no image offers),
 * and within each: nodes, ranks per node, threads, batch, storage. Every candidate gets a
 * key that spells its coordinates with zero-padded numbers, so sorting by (feasible,
 * objective, key) is a total order and the ranking does not depend on enumeration order
 * or on qsort's stability. Reasons are collected in a fixed order of checks; the first
 * names the field. Strings live in the record's arena. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decide.h"
#include "gfile.h"
#include "ingest.h"
#include "predict.h"
#include "zoo.h"

/* ---- names ------------------------------------------------------------------------------ */

static const char *const build_names[] = {"native", "native-generic", "optimised", "stock"};
_Static_assert(sizeof build_names / sizeof *build_names == DECIDE_BUILD_COUNT, "build names");
static const char *const gc_names[] = {"none", "xla", "ngraph", "glow", "tvm", "modak"};
_Static_assert(sizeof gc_names / sizeof *gc_names == DECIDE_GC_COUNT, "gc names");
static const char *const status_names[] = {"won", "lost", "infeasible"};
_Static_assert(sizeof status_names / sizeof *status_names == DECIDE_STATUS_COUNT, "status names");

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

const char *decide_build_name(decide_build b)
{
    return (unsigned)b < DECIDE_BUILD_COUNT ? build_names[b] : "?";
}
int decide_build_from_name(const char *s)
{
    return name_index(build_names, DECIDE_BUILD_COUNT, s);
}
const char *decide_gc_name(decide_gc g)
{
    return (unsigned)g < DECIDE_GC_COUNT ? gc_names[g] : "?";
}
int decide_gc_from_name(const char *s)
{
    return name_index(gc_names, DECIDE_GC_COUNT, s);
}
const char *decide_status_name(decide_status s)
{
    return (unsigned)s < DECIDE_STATUS_COUNT ? status_names[s] : "?";
}
int decide_status_from_name(const char *s)
{
    return name_index(status_names, DECIDE_STATUS_COUNT, s);
}

/* The graph compilers each framework can be built with (the feature key that says so in a
 * registry image's optimisation block is the compiler's name). */
typedef struct fw_row {
    const char *framework;
    unsigned gcs; /* bit per decide_gc */
} fw_row;
#define GCB(g) (1u << (g))
static const fw_row fw_rows[] = {
    {"tensorflow",
     GCB(DECIDE_GC_NONE) | GCB(DECIDE_GC_XLA) | GCB(DECIDE_GC_NGRAPH) | GCB(DECIDE_GC_TVM)},
    {"keras", GCB(DECIDE_GC_NONE) | GCB(DECIDE_GC_XLA) | GCB(DECIDE_GC_NGRAPH)},
    {"pytorch", GCB(DECIDE_GC_NONE) | GCB(DECIDE_GC_GLOW) | GCB(DECIDE_GC_TVM)},
    {"mxnet", GCB(DECIDE_GC_NONE) | GCB(DECIDE_GC_NGRAPH) | GCB(DECIDE_GC_TVM)},
    {"cntk", GCB(DECIDE_GC_NONE)},
};

/* Registry cpu_type families and the target architectures they run on. */
static const struct {
    const char *cpu_type, *arch;
} cpu_rows[] = {{"x86", "x86_64"}, {"amd", "x86_64"}, {"arm", "aarch64"}, {"power", "ppc64le"}};

static const char *cpu_type_arch(const char *cpu_type)
{
    for (size_t i = 0; i < sizeof cpu_rows / sizeof *cpu_rows; i++)
        if (!strcmp(cpu_rows[i].cpu_type, cpu_type)) return cpu_rows[i].arch;
    return NULL;
}

/* ---- assumptions, said in the record's notes --------------------------------------------- */

#define NATIVE_BAND_CALIBRATED   0.15 /* + the sgemm fit's rms error */
#define NATIVE_BAND_UNCALIBRATED 0.50
#define FRAMEWORK_CONTEXT_BYTES  (1024.0 * 1048576) /* CUDA/framework runtime per device */
#define FRAMEWORK_OPT_STATES     2                  /* Adam: two moments per parameter */
#define PCIE_BANDWIDTH           12e9 /* host link when the target names none (PCIe 3 x16) */
#define SHM_LATENCY              1e-6

/* ---- the context of one decision --------------------------------------------------------- */

typedef struct dctx {
    const decide_inputs *in;
    const decide_job *job;
    const target *t;
    decide_record *r;
    size_t cap;
    mk_err *err;
    double samples;      /* per epoch; 0 unknown */
    double sample_bytes; /* per sample read from storage; 0 unknown */
    double data_bytes;   /* the whole data set; 0 unknown */
    int epochs;
    const target_storage *src; /* where the data is; NULL when the target lists no storage */
    int batches[16];
    size_t nbatches;
    int threads[16];
    size_t nthreads;
    int nodes[8];
    size_t nnodes;
    double params;               /* trainable parameters; 0 unknown */
    double net_flops_per_sample; /* training FLOPs per sample from the compiler; 0 unknown */
    double band_native;
    const char *native_container;
} dctx;

static const char *A(dctx *c, const char *s)
{
    return s ? mk_arena_strdup(&c->r->arena, s) : NULL;
}

static const char *AF(dctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *AF(dctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    const char *s = mk_arena_strdup(&c->r->arena, b.s ? b.s : "");
    mk_buf_fini(&b);
    return s;
}

static void note(dctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(dctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    decide_record *r = c->r;
    const char **v = mk_arena_alloc(&r->arena, (r->nnotes + 1) * sizeof *v);
    if (r->nnotes) memcpy(v, r->notes, r->nnotes * sizeof *v);
    v[r->nnotes++] = mk_arena_strdup(&r->arena, b.s ? b.s : "");
    r->notes = v;
    mk_buf_fini(&b);
}

static decide_cand *add(dctx *c)
{
    decide_record *r = c->r;
    if (r->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        r->cands = mk_xrealloc(r->cands, c->cap * sizeof *r->cands);
    }
    decide_cand *d = &r->cands[r->n++];
    memset(d, 0, sizeof *d);
    d->status = DECIDE_LOST;
    return d;
}

/* Marks d infeasible; the first reason names the field, later ones are appended. */
static void refuse(dctx *c, decide_cand *d, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void refuse(dctx *c, decide_cand *d, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mk_buf b;
    mk_buf_init(&b);
    if (d->status == DECIDE_INFEASIBLE && d->reason) mk_buf_printf(&b, "%s; ", d->reason);
    mk_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (d->status != DECIDE_INFEASIBLE) d->field = A(c, field);
    d->status = DECIDE_INFEASIBLE;
    d->reason = A(c, b.s);
    mk_buf_fini(&b);
}

static void set_key(dctx *c, decide_cand *d)
{
    d->key =
        AF(c, "%s/%s/%s/%s/n%04d/r%03d/g%02d/t%04d/b%05d/%s%s%s", decide_build_name(d->build),
           d->image ? d->image : "-", decide_gc_name(d->gc), d->device ? d->device : "-", d->nodes,
           d->ranks_per_node, d->gpus_per_node, d->threads, d->batch, d->storage ? d->storage : "-",
           d->staged_from ? "<" : "", d->staged_from ? d->staged_from : "");
}

const char *decide_fmt_seconds(char *buf, size_t n, double s, const char *unknown)
{
    if (s <= 0)
        snprintf(buf, n, "%s", unknown);
    else if (s < 1e-3)
        snprintf(buf, n, "%.1f us", 1e6 * s);
    else if (s < 1)
        snprintf(buf, n, "%.1f ms", 1e3 * s);
    else if (s < 120)
        snprintf(buf, n, "%.1f s", s);
    else if (s < 7200)
        snprintf(buf, n, "%.1f min", s / 60);
    else
        snprintf(buf, n, "%.1f h", s / 3600);
    return buf;
}

static const char *fmt_time(char *buf, size_t n, double s)
{
    return decide_fmt_seconds(buf, n, s, "?");
}

/* ---- constraints shared by every candidate ----------------------------------------------- */

static void check_layout(dctx *c, decide_cand *d)
{
    const decide_job *j = c->job;
    const target *t = c->t;
    if (t->nodes > 0 && d->nodes > t->nodes)
        refuse(c, d, "target nodes", "%d nodes; the partition has %d", d->nodes, t->nodes);
    if (d->nodes > 1 && t->net_bandwidth <= 0)
        refuse(c, d, "target interconnect", "%d nodes; the target describes no interconnect",
               d->nodes);
    if (j->node_count && d->nodes > j->node_count)
        refuse(c, d, j->ptr_node_count, "%d nodes; the job asks for node_count %d", d->nodes,
               j->node_count);
    if (j->process_count_per_node && d->ranks_per_node > j->process_count_per_node)
        refuse(c, d, j->ptr_ppn, "%d ranks per node; process_count_per_node is %d",
               d->ranks_per_node, j->process_count_per_node);
    if (j->core_count && d->ranks * d->threads > j->core_count)
        refuse(c, d, j->ptr_core_count, "%d ranks x %d threads = %d cores; core_count is %d",
               d->ranks, d->threads, d->ranks * d->threads, j->core_count);
    if (j->core_count_per_process && d->threads > j->core_count_per_process)
        refuse(c, d, j->ptr_cpp, "%d threads per rank; core_count_per_process is %d", d->threads,
               j->core_count_per_process);
    if (j->mpi_ranks && d->ranks != j->mpi_ranks)
        refuse(c, d, j->ptr_ranks, "%d ranks; the job fixes mpi_ranks %d", d->ranks, j->mpi_ranks);
    if (j->threads && d->threads != j->threads)
        refuse(c, d, j->ptr_threads, "%d threads; the job fixes threads %d", d->threads,
               j->threads);
    if (j->batch && d->batch != j->batch)
        refuse(c, d, j->ptr_batch ? j->ptr_batch : "batch", "batch %d; the job fixes batch %d",
               d->batch, j->batch);
    if (d->gpus_per_node && j->request_gpus && d->gpus_per_node != j->request_gpus)
        refuse(c, d, j->ptr_gpus, "%d GPUs per node; the job asks for request_gpus %d",
               d->gpus_per_node, j->request_gpus);
}

static void check_memory(dctx *c, decide_cand *d, const char *what)
{
    const decide_job *j = c->job;
    if (d->memory_bytes <= 0) return;
    if (d->gpus_per_node) {
        if (d->memory_avail_bytes > 0 && d->memory_bytes > d->memory_avail_bytes)
            refuse(c, d, "target accelerator memory",
                   "needs %.1f GiB per GPU (%s); the %s has %.1f GiB", d->memory_bytes / 1073741824,
                   what, d->device, d->memory_avail_bytes / 1073741824);
        return;
    }
    if (d->memory_avail_bytes > 0 && d->memory_bytes > d->memory_avail_bytes)
        refuse(c, d, "target memory", "needs %.1f GiB per node (%s); a node has %.1f GiB",
               d->memory_bytes / 1073741824, what, d->memory_avail_bytes / 1073741824);
    if (j->memory_limit > 0 && d->memory_bytes > j->memory_limit)
        refuse(c, d, j->ptr_memory, "needs %.1f GiB per node (%s); memory_limit is %.1f GiB",
               d->memory_bytes / 1073741824, what, j->memory_limit / 1073741824);
}

static void check_wall(dctx *c, decide_cand *d)
{
    const decide_job *j = c->job;
    if (!j->wall_time_limit || d->train_s <= 0) return;
    if (d->train_s > j->wall_time_limit) {
        char a[32], b[32];
        refuse(c, d, j->ptr_wall, "predicted %s to train exceeds wall_time_limit (%s)",
               fmt_time(a, sizeof a, d->train_s), fmt_time(b, sizeof b, j->wall_time_limit));
    }
}

/* Fills epoch, train and objective times from step_s and the band's relative width. */
static void finish_times(dctx *c, decide_cand *d, double rel)
{
    double per_step = (double)d->batch * d->ranks;
    d->samples_per_s = d->step_s > 0 ? per_step / d->step_s : 0;
    if (c->samples > 0 && d->step_s > 0) {
        d->epoch_s = ceil(c->samples / per_step) * d->step_s;
        d->train_s = d->epoch_s * c->epochs + d->staging_s;
        d->objective_s = d->train_s;
    } else if (d->step_s > 0) {
        d->objective_s = d->step_s / per_step;
    }
    d->low_s = d->objective_s / (1 + rel);
    d->high_s = d->objective_s * (1 + rel);
}

/* ---- storage: where the data is and where it can be staged ------------------------------- */

static const target_storage *data_source(const target *t, const char *location)
{
    if (!t->nstorage) return NULL;
    if (location) {
        size_t best = 0;
        const target_storage *hit = NULL;
        for (size_t i = 0; i < t->nstorage; i++) {
            const char *p = t->storage[i].path;
            if (!p) continue;
            if (!strncmp(p, "file://", 7)) p += 7;
            size_t n = strlen(p);
            while (n > 1 && p[n - 1] == '/')
                n--;
            if (n > best && !strncmp(location, p, n) &&
                (location[n] == '/' || location[n] == 0 || p[n - 1] == '/')) {
                best = n;
                hit = &t->storage[i];
            }
        }
        if (hit) return hit;
    }
    return &t->storage[0];
}

typedef struct staging {
    const target_storage *read; /* read during training */
    const target_storage *from; /* copied from first, or NULL */
} staging;

static size_t staging_options(dctx *c, staging *out, size_t max)
{
    size_t n = 0;
    if (!c->src) {
        out[n++] = (staging){NULL, NULL};
        return n;
    }
    out[n++] = (staging){c->src, NULL};
    if (c->data_bytes <= 0) return n; /* staging cannot be costed */
    for (size_t i = 0; i < c->t->nstorage && n < max; i++) {
        const target_storage *s = &c->t->storage[i];
        if (s == c->src || s->read_bandwidth <= 0) continue;
        out[n++] = (staging){s, c->src};
    }
    return n;
}

static void apply_staging(dctx *c, decide_cand *d, const staging *s)
{
    d->storage = s->read ? s->read->name : NULL;
    d->staged_from = s->from ? s->from->name : NULL;
    if (!s->from) {
        if (s->read && d->nodes > 1 && !s->read->shared)
            refuse(c, d, "target storage",
                   "the data is on node-local storage '%s', which the other %d nodes cannot read",
                   s->read->name, d->nodes - 1);
        return;
    }
    /* each node copies its shard once */
    double rate = s->from->read_bandwidth;
    if (s->read->write_bandwidth > 0 && s->read->write_bandwidth < rate)
        rate = s->read->write_bandwidth;
    if (rate > 0) d->staging_s = c->data_bytes / d->nodes / rate;
    if (s->read->shared && d->nodes > 1 && s->from->shared)
        d->staging_s *= d->nodes; /* shared to shared: the nodes' copies contend */
}

/* ---- modak's native binary ---------------------------------------------------------------- */

typedef struct layout {
    int nodes, rpn, threads;
} layout;

static size_t native_layouts(dctx *c, layout *out, size_t max)
{
    size_t n = 0;
    const target *t = c->t;
    int cores = t->cpu.cores > 0 ? t->cpu.cores : 1;
    for (size_t i = 0; i < c->nthreads && n < max; i++)
        out[n++] = (layout){1, 1, c->threads[i]};
    int rpns[2] = {1, t->cpu.sockets > 1 ? t->cpu.sockets : 0};
    for (size_t ni = 0; ni < c->nnodes; ni++)
        for (int k = 0; k < 2; k++) {
            int rpn = rpns[k];
            if (!rpn || (c->nodes[ni] == 1 && rpn == 1) || n == max) continue;
            int th = c->job->threads ? c->job->threads : cores / rpn;
            out[n++] = (layout){c->nodes[ni], rpn, th > 0 ? th : 1};
        }
    return n;
}

static int native_candidates(dctx *c)
{
    const decide_job *j = c->job;
    const target *t = c->t;
    for (int b = DECIDE_NATIVE; b <= DECIDE_NATIVE_GENERIC; b++) {
        int generic = b == DECIDE_NATIVE_GENERIC;
        if (!j->network) {
            decide_cand *d = add(c);
            d->build = (decide_build)b;
            d->image = "modak-native";
            d->framework = "modak";
            d->gc = DECIDE_GC_MODAK;
            d->device = "cpu";
            refuse(c, d, "network",
                   "the compiler knows no network for this job (give a zoo name or a graph file)");
            set_key(c, d);
            continue;
        }
        for (size_t bi = 0; bi < c->nbatches; bi++) {
            int batch = c->batches[bi];
            graph *g = graph_load_spec(j->network, batch, c->err);
            if (!g) return -1;
            layout lay[64];
            size_t nl = native_layouts(c, lay, 64);
            for (size_t li = 0; li < nl; li++) {
                predict_opts po = {.threads = lay[li].threads,
                                   .samples = c->samples,
                                   .epochs = c->epochs,
                                   .sample_bytes = c->sample_bytes,
                                   .no_prefetch = j->prefetch == 0,
                                   .ranks = lay[li].nodes * lay[li].rpn,
                                   .nodes = lay[li].nodes,
                                   .generic = generic};
                ingest_apply(c->in->profile_json, &po);
                staging st[TARGET_MAX_STORAGE + 1];
                size_t ns = staging_options(c, st, TARGET_MAX_STORAGE + 1);
                for (size_t si = 0; si < ns; si++) {
                    decide_cand *d = add(c);
                    d->build = (decide_build)b;
                    d->image = "modak-native";
                    d->container = c->native_container;
                    d->framework = "modak";
                    d->gc = DECIDE_GC_MODAK;
                    d->device = "cpu";
                    d->threads = lay[li].threads;
                    d->batch = batch;
                    d->nodes = lay[li].nodes;
                    d->ranks_per_node = lay[li].rpn;
                    d->ranks = lay[li].nodes * lay[li].rpn;
                    apply_staging(c, d, &st[si]);
                    po.storage = d->storage;
                    predict_result pr;
                    mk_err pe;
                    mk_err_clear(&pe);
                    int nodes_ok = d->nodes == 1 || t->net_bandwidth > 0;
                    if (nodes_ok && predict_graph(g, t, c->in->profile, &po, &pr, &pe) == 0) {
                        d->step_s = pr.step_s;
                        d->memory_bytes = pr.memory_bytes * d->ranks_per_node;
                        d->memory_avail_bytes = t->memory;
                        d->basis = AF(c, "per-layer roofline, %s build; %s",
                                      generic ? "generic" : "optimised", pr.basis);
                        if (!c->net_flops_per_sample && batch > 0)
                            c->net_flops_per_sample = pr.flops_per_step / batch;
                        if (!c->params) c->params = pr.params;
                        predict_result_fini(&pr);
                    } else if (nodes_ok) {
                        refuse(c, d, "prediction", "%s", pe.msg);
                    }
                    finish_times(c, d, c->band_native);
                    if (!generic && !j->enable_opt_build)
                        refuse(c, d, "/job/optimisation/enable_opt_build",
                               "an optimised build; enable_opt_build is false (stock builds "
                               "only)");
                    if (j->cpu_type && strcmp(j->cpu_type, "none")) {
                        const char *arch = cpu_type_arch(j->cpu_type);
                        if (!arch || strcmp(arch, t->cpu.arch))
                            refuse(c, d, "/job/optimisation/opt_build/cpu_type",
                                   "the job asks for cpu_type %s; the target is %s", j->cpu_type,
                                   t->cpu.arch);
                    }
                    check_layout(c, d);
                    check_memory(c, d, "parameters, gradients, momentum, arena, workspace");
                    check_wall(c, d);
                    set_key(c, d);
                }
            }
            graph_free(g);
        }
    }
    return 0;
}

/* ---- registry images of the job's framework ------------------------------------------- */

static decide_gc image_gc(const reg_image *img)
{
    static const decide_gc order[] = {DECIDE_GC_XLA, DECIDE_GC_NGRAPH, DECIDE_GC_GLOW,
                                      DECIDE_GC_TVM};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (json_is_true(json_object_get(img->optimisation, gc_names[order[i]]))) return order[i];
    return DECIDE_GC_NONE;
}

/* MODAK's mapper rules for one image (registry.h: reg_map); 1 when it matches, else the
 * reason and the field to blame. */
static int mapper_match(dctx *c, const reg_image *img, const char **field, const char **why)
{
    const decide_job *j = c->job;
    if (img->opt_build < 0) {
        *field = "registry";
        *why = "registered without build.enable_opt_build: MODAK's mapper never selects it";
        return 0;
    }
    if (img->opt_build && !j->enable_opt_build) {
        *field = "/job/optimisation/enable_opt_build";
        *why = "an optimised image; enable_opt_build is false (stock images only)";
        return 0;
    }
    if (j->cpu_type && strcmp(img->cpu_type, j->cpu_type) && strcmp(img->cpu_type, "none")) {
        *field = "/job/optimisation/opt_build/cpu_type";
        *why = AF(c, "built for cpu_type %s; the job asks for %s", img->cpu_type, j->cpu_type);
        return 0;
    }
    if (j->acc_type && strcmp(img->acc_type, j->acc_type)) {
        *field = "/job/optimisation/opt_build/acc_type";
        *why = AF(c, "built for acc_type %s; the job asks for %s", img->acc_type, j->acc_type);
        return 0;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j->features, k, v)
    {
        char *want = reg_feature_str(v);
        if (!want) continue;
        const json_t *hj = json_object_get(img->optimisation, k);
        char *have = hj ? reg_feature_str(hj) : NULL;
        int ok = have && !strcmp(have, want);
        if (!ok) {
            *field =
                AF(c, "/job/optimisation/app_type-ai_training/ai_framework-%s/%s", j->framework, k);
            *why = have ? AF(c, "%s is %s; the job asks for %s", k, have, want)
                        : AF(c, "not built with %s; the job asks for %s", k, want);
        }
        free(want);
        free(have);
        if (!ok) return 0;
    }
    return 1;
}

/* The target's compatibility with an image (modak's check; MODAK has none). */
static int image_runs_on(dctx *c, const reg_image *img, const char **field, const char **why)
{
    const target *t = c->t;
    if (strcmp(img->cpu_type, "none")) {
        const char *arch = cpu_type_arch(img->cpu_type);
        if (!arch || strcmp(arch, t->cpu.arch)) {
            *field = "target cpu";
            *why = AF(c, "built for cpu_type %s; the target is %s", img->cpu_type, t->cpu.arch);
            return 0;
        }
    }
    if (strcmp(img->acc_type, "none")) {
        int have = 0;
        for (size_t i = 0; i < t->naccels; i++)
            if (t->accels[i].vendor && !strcasecmp(t->accels[i].vendor, img->acc_type)) have = 1;
        if (!have) {
            *field = "target accelerators";
            *why =
                AF(c, "built for acc_type %s; the target has no such accelerator", img->acc_type);
            return 0;
        }
    }
    return 1;
}

/* Throughput of one device (a GPU, or a CPU node) for the framework with compiler gc. */
static int framework_estimate(dctx *c, const char *fw, decide_gc gc, int on_gpu,
                              bench_estimate *est, const char **basis)
{
    const bench_store *s = c->in->store;
    const decide_job *j = c->job;
    const char *net = j->network;
    const char *prec = j->precision ? j->precision : "fp32";
    mk_err e;
    mk_err_clear(&e);
    (void)on_gpu;
    if (!s) {
        *basis = "no benchmark store";
        return -1;
    }
    if (net && bench_predict(s, fw, gc_names[gc], net, prec, c->t, est, &e) == 0) {
        *basis = AF(c, "benchmark store: %s", est->how);
        return 0;
    }
    /* the same framework with another compiler, times the ratio measured between the two
     * on one device (the store's own pairs) */
    if (net)
        for (int o = 0; o < DECIDE_GC_MODAK; o++) {
            if (o == (int)gc) continue;
            bench_estimate other;
            mk_err_clear(&e);
            if (bench_predict(s, fw, gc_names[o], net, prec, c->t, &other, &e) != 0) continue;
            for (size_t a = 0; a < s->n; a++) {
                const bench_entry *x = &s->v[a];
                if (strcmp(x->framework, fw) || strcmp(x->graph_compiler, gc_names[gc])) continue;
                for (size_t b = 0; b < s->n; b++) {
                    const bench_entry *y = &s->v[b];
                    if (strcmp(y->framework, fw) || strcmp(y->graph_compiler, gc_names[o]) ||
                        strcmp(y->network, x->network) || strcmp(y->precision, x->precision) ||
                        strcmp(y->device, x->device) || y->devices != x->devices)
                        continue;
                    double ratio = x->throughput / y->throughput;
                    *est = other;
                    est->throughput *= ratio;
                    est->low = est->throughput / (1 + (other.high / other.throughput - 1) + 0.10);
                    est->high = est->throughput * (1 + (other.high / other.throughput - 1) + 0.10);
                    *basis =
                        AF(c,
                           "benchmark store: %s; times %.3f, the ratio of %s to %s "
                           "measured on %s (%s vs %s); +/- 10%% more",
                           other.how, ratio, gc_names[gc], gc_names[o], x->device, x->id, y->id);
                    return 0;
                }
            }
        }
    /* size only: parameters (and FLOPs when the compiler knows the network) */
    double params = c->params > 0 ? c->params : j->parameters;
    if (params <= 0 && net)
        for (size_t i = 0; i < s->nnets; i++)
            if (!strcmp(s->nets[i].name, net)) params = s->nets[i].parameters;
    mk_err_clear(&e);
    if (params > 0 && bench_estimate_size(s, fw, gc_names[gc], params, (int)j->layers, prec, c->t,
                                          est, &e) == 0) {
        if (c->net_flops_per_sample > 0 && s->nnets > 0) {
            /* the compiler knows the FLOPs: replace the store's MACs-per-parameter guess */
            double sl = 0;
            for (size_t i = 0; i < s->nnets; i++)
                sl += log(s->nets[i].gmacs_forward * 1e9 / s->nets[i].parameters);
            double macs = exp(sl / s->nnets) * params;
            double k = 6 * macs / c->net_flops_per_sample;
            double band = sqrt(est->high / est->low); /* the efficiency part stays */
            est->throughput *= k;
            est->low = est->throughput / sqrt(band);
            est->high = est->throughput * sqrt(band);
            *basis = AF(c, "%s; rescaled to the compiler's %.3g training FLOPs per sample",
                        est->how, c->net_flops_per_sample);
        } else {
            *basis = AF(c, "%s", est->how);
        }
        return 0;
    }
    *basis = AF(c, "no estimate: %s", e.msg[0] ? e.msg : "the network's size is unknown");
    return -1;
}

/* Memory per device (GPU) or node (CPU) of a framework run, bytes; 0 unknown. */
static double framework_memory(dctx *c, int batch, double *activations_out)
{
    double params = c->params > 0 ? c->params : c->job->parameters;
    double act = 0;
    if (c->job->network) {
        mk_err e;
        mk_err_clear(&e);
        graph *g = graph_load_spec(c->job->network, batch, &e);
        predict_result pr;
        predict_opts po = {.threads = 1};
        if (g && predict_graph(g, c->t, NULL, &po, &pr, &e) == 0) {
            act = pr.arena_bytes + pr.input_bytes;
            if (params <= 0) params = pr.params;
            predict_result_fini(&pr);
        }
        graph_free(g);
    }
    *activations_out = act;
    if (params <= 0) return 0;
    return 4 * params * (2 + FRAMEWORK_OPT_STATES) + act + FRAMEWORK_CONTEXT_BYTES;
}

/* MODAK's mapper order among matching images (registry.h): optimised before stock, built
 * for the requested CPU before generic, fewer features the job does not ask for, then the
 * highest map_id. Lower is preferred; native builds are 0. */
static int image_preference(dctx *c, const reg_image *img)
{
    int extra = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)img->optimisation, k,
                        v) if (!json_object_get(c->job->features, k)) extra++;
    long long id = img->map_id > 0 ? (img->map_id < 9999 ? img->map_id : 9999) : 0;
    return 1 + (img->opt_build > 0 ? 0 : 1000000) + (strcmp(img->cpu_type, "none") ? 0 : 100000) +
           10000 * (extra < 9 ? extra : 9) + (int)(9999 - id);
}

static void framework_layout(dctx *c, const reg_image *img, decide_gc gc, int on_gpu, int gpn,
                             int nodes, int batch, const bench_estimate *est, const char *basis,
                             int est_ok, const staging *st, double mem)
{
    const target *t = c->t;
    decide_cand *d = add(c);
    d->build = img->opt_build > 0 ? DECIDE_IMAGE_OPTIMISED : DECIDE_IMAGE_STOCK;
    d->image = img->name;
    d->container = AF(c, "%s://%s", img->image_hub, img->container_file);
    d->framework = img->app_name;
    const json_t *ver = json_object_get(img->optimisation, "version");
    char *vs = ver ? reg_feature_str(ver) : NULL;
    d->framework_version = A(c, vs);
    free(vs);
    d->gc = gc;
    d->preference = image_preference(c, img);
    d->device = on_gpu ? (t->accels[0].model ? t->accels[0].model : "gpu") : "cpu";
    d->gpus_per_node = on_gpu ? gpn : 0;
    d->nodes = nodes;
    d->ranks_per_node = on_gpu ? gpn : 1;
    d->ranks = d->ranks_per_node * nodes;
    int cores = t->cpu.cores > 0 ? t->cpu.cores : 1;
    d->threads = cores / d->ranks_per_node > 0 ? cores / d->ranks_per_node : 1;
    d->batch = batch;
    d->basis = basis;
    apply_staging(c, d, st);
    double rel = 0.5;
    if (est_ok && est->throughput > 0) {
        rel = est->high / est->throughput - 1;
        double step = batch / est->throughput;
        /* the all-reduce of fp32 gradients: among a node's GPUs over their host link, then
         * among the nodes over the interconnect (not overlapped with the backward pass) */
        double params = c->params > 0 ? c->params : c->job->parameters;
        double ar = 0;
        if (d->ranks > 1 && params <= 0) {
            refuse(c, d, "/job/optimisation/app_type-ai_training/config/parameters",
                   "the network's parameter count is unknown: the all-reduce of %d ranks cannot "
                   "be predicted",
                   d->ranks);
        } else if (d->ranks > 1) {
            double gb = 4 * params;
            int per = d->ranks_per_node;
            if (per > 1) {
                double link = t->naccels && t->accels[0].link_bandwidth > 0
                                  ? t->accels[0].link_bandwidth
                                  : PCIE_BANDWIDTH;
                ar += 2.0 * (per - 1) / per * gb / link + 2.0 * (per - 1) * SHM_LATENCY;
            }
            if (nodes > 1 && t->net_bandwidth > 0)
                ar += 2.0 * (nodes - 1) / nodes * gb / t->net_bandwidth +
                      2.0 * (nodes - 1) * t->net_latency;
        }
        d->step_s = step + ar;
        /* data: the node's ranks read through its storage; prefetching hides it unless the
         * storage is the slower side */
        if (d->storage && c->sample_bytes > 0) {
            const target_storage *s = st->read;
            if (s && s->read_bandwidth > 0) {
                double io = c->sample_bytes * batch * d->ranks_per_node / s->read_bandwidth;
                if (c->job->prefetch == 0)
                    d->step_s += io;
                else if (io > d->step_s)
                    d->step_s = io;
            }
        }
        finish_times(c, d, rel);
    } else {
        refuse(c, d, "benchmark store", "%s", basis);
    }
    if (on_gpu) {
        d->memory_avail_bytes = t->accels[0].memory;
        d->memory_bytes = mem;
    } else {
        d->memory_avail_bytes = t->memory;
        d->memory_bytes = mem > 0 ? mem - FRAMEWORK_CONTEXT_BYTES : 0;
    }
    if (on_gpu && gpn > t->accels[0].count)
        refuse(c, d, c->job->ptr_gpus ? c->job->ptr_gpus : "target accelerators",
               "%d GPUs per node; a node has %d", gpn, t->accels[0].count);
    check_layout(c, d);
    check_memory(c, d, "weights, gradients, optimiser state, activations, runtime");
    check_wall(c, d);
    set_key(c, d);
}

static int framework_candidates(dctx *c)
{
    const decide_job *j = c->job;
    const target *t = c->t;
    const reg_registry *reg = c->in->registry;
    if (!j->framework) {
        note(c, "the job names no ai_framework: no framework image is a candidate");
        return 0;
    }
    const fw_row *row = NULL;
    for (size_t i = 0; i < sizeof fw_rows / sizeof *fw_rows; i++)
        if (!strcmp(fw_rows[i].framework, j->framework)) row = &fw_rows[i];
    unsigned offered = 0;
    size_t others = 0;
    if (!reg) note(c, "no registry was given: no framework image is a candidate");
    for (size_t i = 0; reg && i < reg_count(reg, REG_IMAGE); i++) {
        const reg_image *img = reg_image_at(reg, i);
        if (strcmp(img->app_name, j->framework)) {
            others++;
            continue;
        }
        decide_gc gc = image_gc(img);
        offered |= GCB(gc);
        const char *field = NULL, *why = NULL;
        int on_gpu = strcmp(img->acc_type, "none") && t->naccels > 0;
        int match = mapper_match(c, img, &field, &why);
        const char *tfield = NULL, *twhy = NULL;
        int runs = image_runs_on(c, img, &tfield, &twhy);
        if (!match || !runs) {
            /* one candidate stands for the image: no layout of it can run */
            decide_cand *d = add(c);
            d->build = img->opt_build > 0 ? DECIDE_IMAGE_OPTIMISED : DECIDE_IMAGE_STOCK;
            d->image = img->name;
            d->container = AF(c, "%s://%s", img->image_hub, img->container_file);
            d->framework = img->app_name;
            const json_t *ver = json_object_get(img->optimisation, "version");
            char *vs = ver ? reg_feature_str(ver) : NULL;
            d->framework_version = A(c, vs);
            free(vs);
            d->gc = gc;
            d->device = on_gpu ? "gpu" : "cpu";
            if (!match) refuse(c, d, field, "MODAK's mapper: %s", why);
            if (!runs) refuse(c, d, tfield, "%s", twhy);
            set_key(c, d);
            continue;
        }
        bench_estimate est;
        const char *basis = NULL;
        int est_ok = framework_estimate(c, j->framework, gc, on_gpu, &est, &basis) == 0;
        int batch = j->batch                                  ? j->batch
                    : est_ok && est.ref && est.ref->batch > 0 ? est.ref->batch
                                                              : 32;
        if (est_ok && est.ref && est.ref->batch > 0 && batch != est.ref->batch &&
            (batch > 2 * est.ref->batch || 2 * batch < est.ref->batch)) {
            est.low /= 1.2; /* measured at another batch: wider band */
            est.high *= 1.2;
        }
        double act = 0, mem = framework_memory(c, batch, &act);
        int gpns[8], ngpn = 0;
        if (on_gpu) {
            int count = t->accels[0].count > 0 ? t->accels[0].count : 1;
            if (j->request_gpus)
                gpns[ngpn++] = j->request_gpus;
            else
                for (int g = 1; g <= count && ngpn < 8; g *= 2)
                    gpns[ngpn++] = g;
            if (!j->request_gpus && gpns[ngpn - 1] != count && ngpn < 8) gpns[ngpn++] = count;
        } else {
            gpns[ngpn++] = 0;
        }
        staging st[TARGET_MAX_STORAGE + 1];
        size_t ns = staging_options(c, st, TARGET_MAX_STORAGE + 1);
        for (size_t ni = 0; ni < c->nnodes; ni++)
            for (int gi = 0; gi < ngpn; gi++)
                for (size_t si = 0; si < ns; si++)
                    framework_layout(c, img, gc, on_gpu, gpns[gi], c->nodes[ni], batch, &est, basis,
                                     est_ok, &st[si], mem);
    }
    if (reg && row) {
        for (int g = 0; g < DECIDE_GC_MODAK; g++) {
            if (!(row->gcs & GCB(g)) || (offered & GCB(g))) continue;
            decide_cand *d = add(c);
            d->build = DECIDE_IMAGE_OPTIMISED;
            d->framework = A(c, j->framework);
            d->framework_version = A(c, j->framework_version);
            d->gc = (decide_gc)g;
            refuse(c, d, "registry", "no registered %s image is built with graph compiler %s",
                   j->framework, gc_names[g]);
            set_key(c, d);
        }
    }
    if (reg && !offered)
        note(c,
             "the registry has no image of framework '%s' (%zu images serve other "
             "applications)",
             j->framework, others);
    return 0;
}

/* ---- ranking ------------------------------------------------------------------------------ */

static int cand_cmp(const void *a, const void *b)
{
    const decide_cand *x = a, *y = b;
    int fx = x->status != DECIDE_INFEASIBLE, fy = y->status != DECIDE_INFEASIBLE;
    if (fx != fy) return fy - fx;
    if (fx && x->objective_s != y->objective_s) return x->objective_s < y->objective_s ? -1 : 1;
    if (fx && x->preference != y->preference) return x->preference < y->preference ? -1 : 1;
    return strcmp(x->key, y->key);
}

static void rank(dctx *c)
{
    decide_record *r = c->r;
    qsort(r->cands, r->n, sizeof *r->cands, cand_cmp);
    r->winner = -1;
    size_t feasible = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->cands[i].status != DECIDE_INFEASIBLE) r->cands[i].rank = (int)++feasible;
    if (!feasible) return;
    /* a candidate with no prediction cannot win: it was refused above */
    decide_cand *w = &r->cands[0];
    r->winner = 0;
    w->status = DECIDE_WON;
    char a[32], b[32];
    const char *what = c->samples > 0 ? "to train" : "per sample";
    if (feasible == 1) {
        w->reason = AF(c, "the only feasible candidate of %zu: %s %s", r->n,
                       fmt_time(a, sizeof a, w->objective_s), what);
    } else {
        const decide_cand *u = &r->cands[1];
        double gain = u->objective_s / w->objective_s - 1;
        if (u->objective_s == w->objective_s)
            w->reason = AF(c,
                           "fastest of %zu feasible candidates (%zu considered): %s %s, tied "
                           "with %s (%s); taken by %s",
                           feasible, r->n, fmt_time(a, sizeof a, w->objective_s), what,
                           u->image ? u->image : "-", decide_build_name(u->build),
                           w->preference != u->preference
                               ? "MODAK's mapper order (optimised, CPU-specific, fewer extra "
                                 "features, higher map_id)"
                               : "the stable key");
        else
            w->reason =
                AF(c,
                   "fastest of %zu feasible candidates (%zu considered): %s %s, %.1f%% "
                   "ahead of the runner-up (%s %s, %s)%s",
                   feasible, r->n, fmt_time(a, sizeof a, w->objective_s), what, 100 * gain,
                   decide_build_name(u->build), u->image ? u->image : "-",
                   fmt_time(b, sizeof b, u->objective_s),
                   u->low_s <= w->high_s ? "; the runner-up is within the uncertainty" : "");
    }
    for (size_t i = 1; i < feasible; i++) {
        decide_cand *d = &r->cands[i];
        if (d->objective_s == w->objective_s)
            d->reason =
                AF(c, "tied with the winner (%s %s); after it in %s", what,
                   fmt_time(a, sizeof a, d->objective_s),
                   d->preference != w->preference ? "MODAK's mapper order" : "the stable key");
        else
            d->reason = AF(c, "%.2fx the winner's time %s (%s)%s", d->objective_s / w->objective_s,
                           what, fmt_time(a, sizeof a, d->objective_s),
                           d->low_s <= w->high_s ? ", within the uncertainty" : "");
    }
}

/* ---- the record's inputs ----------------------------------------------------------------- */

static void describe_inputs(dctx *c)
{
    decide_record *r = c->r;
    const decide_job *j = c->job;
    const target *t = c->t;
    r->network = A(c, j->network);
    r->framework = A(c, j->framework);
    r->framework_version = A(c, j->framework_version);
    r->job_name = A(c, j->name);
    r->source = A(c, j->source);
    r->parameters = j->parameters;
    r->layers = j->layers;
    r->samples = c->samples;
    r->sample_bytes = c->sample_bytes;
    r->data_size = c->data_bytes;
    r->epochs = c->epochs;
    r->target = A(c, t->name);
    r->target_file = A(c, t->file);
    r->microarch = A(c, t->cpu.microarch);
    r->openblas_coretype = A(c, t->cpu.openblas_coretype);
    r->cores = t->cpu.cores;
    r->target_nodes = t->nodes;
    r->node_memory = t->memory;
    if (t->naccels) {
        r->accelerator = A(c, t->accels[0].model);
        r->accelerators = t->accels[0].count;
    }
    r->profile = A(c, c->in->profile_path);
    r->basis = c->in->profile
                   ? AF(c, "calibrated: profile of %s (OpenBLAS %s)%s", c->in->profile->target,
                        c->in->profile->openblas_core,
                        c->in->profile_json && json_object_get(c->in->profile_json, "ingest")
                            ? ", refitted from measured runs"
                            : "")
                   : "uncalibrated (no profile)";
    r->objective = c->samples > 0 ? "time to train" : "time per sample";
    json_t *o = json_object();
#define CI(name, v)                                                                                \
    if (v) json_object_set_new(o, name, json_integer(v))
    CI("node_count", j->node_count);
    CI("core_count", j->core_count);
    CI("process_count_per_node", j->process_count_per_node);
    CI("core_count_per_process", j->core_count_per_process);
    CI("request_gpus", j->request_gpus);
    CI("mpi_ranks", j->mpi_ranks);
    CI("threads", j->threads);
    CI("batch", j->batch);
#undef CI
    if (j->wall_time_limit > 0)
        json_object_set_new(o, "wall_time_limit_seconds", json_real(j->wall_time_limit));
    if (j->memory_limit > 0)
        json_object_set_new(o, "memory_limit_bytes", json_real(j->memory_limit));
    json_object_set_new(o, "enable_opt_build", json_boolean(j->enable_opt_build));
    if (j->cpu_type) json_object_set_new(o, "cpu_type", json_string(j->cpu_type));
    if (j->acc_type) json_object_set_new(o, "acc_type", json_string(j->acc_type));
    if (j->features) json_object_set(o, "features", j->features);
    r->constraints = o;
}

/* What MODAK's mapper alone would take (its first image by its own ranking). */
static void mapper_choice(dctx *c)
{
    const decide_job *j = c->job;
    if (!c->in->registry || !j->framework) return;
    json_t *job = json_object(), *opt = json_object(), *ai = json_object(), *cfg = json_object();
    json_object_set_new(opt, "enable_opt_build", json_boolean(j->enable_opt_build));
    json_object_set_new(opt, "app_type", json_string("ai_training"));
    if (j->cpu_type || (j->acc_type && strcmp(j->acc_type, "none"))) {
        json_t *b = json_object();
        if (j->cpu_type) json_object_set_new(b, "cpu_type", json_string(j->cpu_type));
        if (j->acc_type && strcmp(j->acc_type, "none"))
            json_object_set_new(b, "acc_type", json_string(j->acc_type));
        json_object_set_new(opt, "opt_build", b);
    }
    json_object_set_new(cfg, "ai_framework", json_string(j->framework));
    json_object_set_new(ai, "config", cfg);
    char key[128];
    snprintf(key, sizeof key, "ai_framework-%s", j->framework);
    json_object_set_new(ai, key, j->features ? json_deep_copy(j->features) : json_object());
    json_object_set_new(opt, "app_type-ai_training", ai);
    json_object_set_new(job, "optimisation", opt);
    reg_request req;
    reg_mapping m;
    mk_err e;
    mk_err_clear(&e);
    if (reg_request_decode(job, &req, &e) == 0) {
        if (reg_map(c->in->registry, &req, NULL, &m, &e) == 0) {
            if (m.image) c->r->mapper_choice = A(c, m.image->name);
            reg_mapping_fini(&m);
        }
    }
    reg_request_fini(&req);
    json_decref(job);
}

/* ---- the run ------------------------------------------------------------------------------ */

static size_t uniq_sorted(int *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
            int x = v[k];
            v[k] = v[k - 1];
            v[k - 1] = x;
        }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || v[m - 1] != v[i]) v[m++] = v[i];
    return m;
}

int decide_run(const decide_inputs *in, decide_record **out, mk_err *err)
{
    *out = NULL;
    if (!in || !in->job || !in->target)
        return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "decide_run needs a job and a target");
    const target *t = in->target;
    if (t->cpu.cores < 1)
        return mk_err_set(err, MK_EINVAL, t->file, 0, 0, "target %s: no CPU cores", t->name);
    decide_record *r = mk_xcalloc(1, sizeof *r);
    mk_arena_init(&r->arena);
    r->winner = -1;
    dctx c = {.in = in, .job = in->job, .t = t, .r = r, .err = err};
    const decide_job *j = in->job;
    c.epochs = j->epochs > 0 ? j->epochs : 1;
    c.samples = j->data_count;
    /* choices */
    if (in->batches && in->nbatches) {
        for (size_t i = 0; i < in->nbatches && c.nbatches < 16; i++)
            if (in->batches[i] > 0) c.batches[c.nbatches++] = in->batches[i];
    } else if (j->batch) {
        c.batches[c.nbatches++] = j->batch;
    } else {
        static const int def[] = {16, 32, 64, 128, 256};
        for (size_t i = 0; i < sizeof def / sizeof *def; i++)
            c.batches[c.nbatches++] = def[i];
    }
    c.nbatches = uniq_sorted(c.batches, c.nbatches);
    if (in->threads && in->nthreads) {
        for (size_t i = 0; i < in->nthreads && c.nthreads < 16; i++)
            if (in->threads[i] > 0) c.threads[c.nthreads++] = in->threads[i];
    } else {
        for (int x = 1; x < t->cpu.cores && c.nthreads < 15; x *= 2)
            c.threads[c.nthreads++] = x;
        c.threads[c.nthreads++] = t->cpu.cores;
        if (j->threads && c.nthreads < 16) c.threads[c.nthreads++] = j->threads;
    }
    c.nthreads = uniq_sorted(c.threads, c.nthreads);
    int max_nodes = in->max_nodes > 0 ? in->max_nodes : t->nodes > 0 ? t->nodes : 1;
    if (max_nodes > 64) max_nodes = 64;
    if (j->node_count > max_nodes && j->node_count <= 64) max_nodes = j->node_count;
    for (int x = 1; x <= max_nodes && c.nnodes < 7; x *= 2)
        c.nodes[c.nnodes++] = x;
    if (c.nodes[c.nnodes - 1] != max_nodes) c.nodes[c.nnodes++] = max_nodes;
    if (j->node_count && j->node_count <= 64 && c.nnodes < 8) c.nodes[c.nnodes++] = j->node_count;
    c.nnodes = uniq_sorted(c.nodes, c.nnodes);
    /* data */
    c.src = data_source(t, j->data_location);
    if (j->data_size > 0 && j->data_count > 0) c.sample_bytes = j->data_size / j->data_count;
    if (j->network && c.sample_bytes <= 0) {
        mk_err e;
        mk_err_clear(&e);
        graph *g = graph_load_spec(j->network, 1, &e);
        if (!g) {
            mk_err_set(err, e.code, e.file[0] ? e.file : NULL, e.line, e.col, "%s", e.msg);
            decide_record_free(r);
            return -1;
        }
        if (g->input)
            c.sample_bytes = (double)(g->input->ne[1] * g->input->ne[2] * g->input->ne[3]) + 1;
        graph_free(g);
    }
    c.data_bytes = j->data_size > 0 ? j->data_size : c.samples * c.sample_bytes;
    /* the native band */
    c.band_native = NATIVE_BAND_UNCALIBRATED;
    if (in->profile) {
        const calib_fit *f = calib_fit_for(in->profile, t->cpu.cores);
        c.band_native = NATIVE_BAND_CALIBRATED + (f ? f->rms_rel : 0);
    }
    if (in->registry) {
        char name[160];
        snprintf(name, sizeof name, "modak-native-%s", t->cpu.arch ? t->cpu.arch : "");
        const reg_image *img = reg_find_image(in->registry, name);
        if (img) c.native_container = AF(&c, "%s://%s", img->image_hub, img->container_file);
    }
    describe_inputs(&c);
    if (!c.samples)
        note(&c, "the data count is unknown (data.count): candidates are ranked by time per "
                 "sample, and wall_time_limit cannot be checked");
    if (c.data_bytes <= 0 && t->nstorage > 1)
        note(&c, "the data size is unknown: staging between storage classes is not considered");
    note(&c, "the batch size is assumed not to change the number of epochs to converge");
    if (t->naccels)
        note(&c,
             "modak's native binary runs on the CPU; the target's %s GPUs serve framework "
             "images",
             t->accels[0].model ? t->accels[0].model : "");
    note(&c,
         "framework images: one rank per GPU (or per node on CPUs), the all-reduce not "
         "overlapped with the backward pass, %.0f GiB of runtime per GPU, Adam's two moments",
         FRAMEWORK_CONTEXT_BYTES / 1073741824);
    if (native_candidates(&c) != 0 || framework_candidates(&c) != 0) {
        decide_record_free(r);
        return -1;
    }
    mapper_choice(&c);
    rank(&c);
    *out = r;
    return 0;
}

void decide_record_free(decide_record *r)
{
    if (!r) return;
    free(r->cands);
    json_decref(r->constraints);
    mk_arena_fini(&r->arena);
    free(r);
}

const decide_cand *decide_winner(const decide_record *r)
{
    return r && r->winner >= 0 && (size_t)r->winner < r->n ? &r->cands[r->winner] : NULL;
}
