/* target — reading, checking, deriving and writing target descriptions.
 *
 * Two file formats reach the same struct (docs/targets.md defines both): modak's own
 * ("format": "modak-target/1", a partition's node spelled out) and MODAK's infrastructure
 * shape ({"name", "configuration": {"scheduler", "storage", "partitions": [...]}}) that the
 * registry keeps. Reading is strict: an unknown key is an error (with the closest known
 * key), numbers must be numbers and not negative, and every error names the file and the
 * JSON pointer of the field. target_finish() then derives what the file may leave out —
 * SIMD width, FMA units and peak FLOP/s from the micro-architecture table, accelerator
 * peaks from the datasheet catalogue below, the OpenBLAS core type — and checks the rest. */
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mk_fs.h"
#include "target.h"

#define GIB 1073741824.0
#define GB  1e9

static const char *const prec_names[TARGET_NPREC] = {"fp64", "fp32", "tf32",
                                                     "fp16", "bf16", "int8"};
_Static_assert(sizeof prec_names / sizeof *prec_names == TARGET_NPREC, "one name per precision");

const char *target_prec_name(target_prec p)
{
    return (unsigned)p < TARGET_NPREC ? prec_names[p] : "?";
}

int target_prec_from_name(const char *name)
{
    for (int i = 0; i < TARGET_NPREC; i++)
        if (name && !strcmp(prec_names[i], name)) return i;
    return -1;
}

target *target_new(void)
{
    target *t = mk_xcalloc(1, sizeof *t);
    mk_arena_init(&t->arena);
    return t;
}

void target_free(target *t)
{
    if (!t) return;
    mk_arena_fini(&t->arena);
    free(t);
}

const char *target_strdup(target *t, const char *s)
{
    return s ? mk_arena_strdup(&t->arena, s) : NULL;
}

/* ---- the accelerator catalogue --------------------------------------------------------
 * Peak dense FLOP/s per device (tensor-core rates for tf32/fp16/bf16/int8, without
 * sparsity), memory and bandwidth from NVIDIA's datasheets. `names` are substrings of
 * nvidia-smi's product_name, tried in order. */
typedef struct accel_row {
    const char *id;
    const char *names[4];
    double tflops[TARGET_NPREC]; /* fp64 fp32 tf32 fp16 bf16 int8 */
    double memory_gib, bandwidth_gbs;
    const char *link;
    double link_gbs;
    const char *source;
} accel_row;

static const accel_row accel_rows[] = {
    {"P100-PCIE-16GB",
     {"P100-PCIE-16GB", "P100-PCIE"},
     {4.7, 9.3, 0, 18.7, 0, 0},
     16,
     732,
     "pcie3",
     15.75,
     "NVIDIA Tesla P100 datasheet (PCIe)"},
    {"P100-SXM2-16GB",
     {"P100-SXM2"},
     {5.3, 10.6, 0, 21.2, 0, 0},
     16,
     732,
     "nvlink1",
     15.75,
     "NVIDIA Tesla P100 datasheet (SXM2)"},
    {"V100-SXM2-16GB",
     {"V100-SXM2-16GB"},
     {7.8, 15.7, 0, 125, 0, 0},
     16,
     900,
     "nvlink2",
     15.75,
     "NVIDIA Tesla V100 datasheet (SXM2)"},
    {"V100-SXM2-32GB",
     {"V100-SXM2-32GB"},
     {7.8, 15.7, 0, 125, 0, 0},
     32,
     900,
     "nvlink2",
     15.75,
     "NVIDIA Tesla V100 datasheet (SXM2)"},
    {"V100-PCIE-16GB",
     {"V100-PCIE-16GB"},
     {7.0, 14.0, 0, 112, 0, 0},
     16,
     900,
     "pcie3",
     15.75,
     "NVIDIA Tesla V100 datasheet (PCIe)"},
    {"V100-PCIE-32GB",
     {"V100-PCIE-32GB"},
     {7.0, 14.0, 0, 112, 0, 0},
     32,
     900,
     "pcie3",
     15.75,
     "NVIDIA Tesla V100 datasheet (PCIe)"},
    {"T4",
     {"Tesla T4", "NVIDIA T4"},
     {0.25, 8.1, 0, 65, 0, 130},
     16,
     320,
     "pcie3",
     15.75,
     "NVIDIA T4 datasheet"},
    {"A100-SXM4-40GB",
     {"A100-SXM4-40GB"},
     {19.5, 19.5, 156, 312, 312, 624},
     40,
     1555,
     "pcie4",
     31.5,
     "NVIDIA A100 datasheet (SXM4 40GB; fp64 via tensor cores)"},
    {"A100-SXM4-80GB",
     {"A100-SXM4-80GB"},
     {19.5, 19.5, 156, 312, 312, 624},
     80,
     2039,
     "pcie4",
     31.5,
     "NVIDIA A100 datasheet (SXM4 80GB; fp64 via tensor cores)"},
    {"A100-PCIE-40GB",
     {"A100-PCIE-40GB"},
     {19.5, 19.5, 156, 312, 312, 624},
     40,
     1555,
     "pcie4",
     31.5,
     "NVIDIA A100 datasheet (PCIe 40GB)"},
    {"A100-PCIE-80GB",
     {"A100 80GB PCIe", "A100-PCIE-80GB"},
     {19.5, 19.5, 156, 312, 312, 624},
     80,
     1935,
     "pcie4",
     31.5,
     "NVIDIA A100 datasheet (PCIe 80GB)"},
    {"H100-SXM5-80GB",
     {"H100 80GB HBM3", "H100-SXM5", "H100 SXM"},
     {67, 67, 494.7, 989.4, 989.4, 1978.9},
     80,
     3350,
     "pcie5",
     63,
     "NVIDIA H100 datasheet (SXM5; dense tensor rates)"},
    {"H100-PCIE-80GB",
     {"H100 PCIe"},
     {51, 51, 378, 756, 756, 1513},
     80,
     2000,
     "pcie5",
     63,
     "NVIDIA H100 datasheet (PCIe; dense tensor rates)"},
    {"H200-SXM-141GB",
     {"H200"},
     {67, 67, 494.7, 989.4, 989.4, 1978.9},
     141,
     4800,
     "pcie5",
     63,
     "NVIDIA H200 datasheet (SXM; dense tensor rates)"},
};

const char *const *target_accel_known(void)
{
    static const char *const ids[] = {"P100-PCIE-16GB",
                                      "P100-SXM2-16GB",
                                      "V100-SXM2-16GB",
                                      "V100-SXM2-32GB",
                                      "V100-PCIE-16GB",
                                      "V100-PCIE-32GB",
                                      "T4",
                                      "A100-SXM4-40GB",
                                      "A100-SXM4-80GB",
                                      "A100-PCIE-40GB",
                                      "A100-PCIE-80GB",
                                      "H100-SXM5-80GB",
                                      "H100-PCIE-80GB",
                                      "H200-SXM-141GB",
                                      NULL};
    _Static_assert(sizeof ids / sizeof *ids == sizeof accel_rows / sizeof *accel_rows + 1,
                   "one id per catalogue row");
    return ids;
}

static int ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n) return 1;
    }
    return 0;
}

int target_accel_lookup(const char *model, target_accel *a)
{
    if (!model) return -1;
    for (size_t r = 0; r < sizeof accel_rows / sizeof *accel_rows; r++) {
        const accel_row *row = &accel_rows[r];
        int hit = !strcasecmp(model, row->id);
        for (int k = 0; !hit && k < 4 && row->names[k]; k++)
            hit = ci_contains(model, row->names[k]);
        if (!hit) continue;
        for (int p = 0; p < TARGET_NPREC; p++)
            a->peak[p] = row->tflops[p] * 1e12;
        a->memory = row->memory_gib * GIB;
        a->bandwidth = row->bandwidth_gbs * GB;
        a->link = row->link;
        a->link_bandwidth = row->link_gbs * GB;
        a->source = row->source;
        if (!a->vendor) a->vendor = "nvidia";
        return 0;
    }
    return -1;
}

/* ---- strict JSON reading ---------------------------------------------------------------- */

/* snprintf for JSON pointers (truncation is harmless: they only appear in messages). */
static void pjoin(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pjoin(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

typedef struct rd {
    target *t;
    const char *file;
    mk_err *err;
} rd;

static int fail(rd *r, const char *ptr, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(rd *r, const char *ptr, const char *key, const char *fmt, ...)
{
    char msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_err_set(r->err, MK_EINVAL, r->file, 0, 0, "%s%s%s: %s", ptr, key ? "/" : "",
                      key ? key : "", msg);
}

static const char *kind_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}


/* Every key of obj must be in `keys` (NULL-terminated). */
static int check_keys(rd *r, const json_t *obj, const char *ptr, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        int ok = 0;
        const char *near = NULL;
        size_t bestd = 4;
        for (const char *const *p = keys; *p; p++) {
            if (!strcmp(*p, k)) ok = 1;
            size_t d = mk_edit_distance(k, *p, 0);
            if (d < bestd) {
                bestd = d;
                near = *p;
            }
        }
        if (!ok) {
            if (near) return fail(r, ptr, k, "unknown field (did you mean '%s'?)", near);
            return fail(r, ptr, k, "unknown field");
        }
    }
    return 0;
}

static int want_object(rd *r, const json_t *v, const char *ptr, const char *key)
{
    if (!json_is_object(v)) return fail(r, ptr, key, "must be an object, not %s", kind_name(v));
    return 0;
}

/* A number ≥ 0 (> 0 when positive); *present tells whether it was there. */
static int get_num(rd *r, const json_t *obj, const char *ptr, const char *key, int required,
                   int positive, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) return fail(r, ptr, key, "missing (required)");
        return 0;
    }
    if (!json_is_number(v)) return fail(r, ptr, key, "must be a number, not %s", kind_name(v));
    double x = json_number_value(v);
    if (!isfinite(x)) return fail(r, ptr, key, "must be a finite number");
    if (x < 0) return fail(r, ptr, key, "must not be negative (got %g)", x);
    if (positive && x == 0) return fail(r, ptr, key, "must be greater than zero");
    *out = x;
    return 0;
}

static int get_int(rd *r, const json_t *obj, const char *ptr, const char *key, int required,
                   int positive, int *out)
{
    double x = -1;
    if (get_num(r, obj, ptr, key, required, positive, &x)) return -1;
    if (x < 0) return 0; /* absent */
    if (x != floor(x) || x > 1e9) return fail(r, ptr, key, "must be a whole number (got %g)", x);
    *out = (int)x;
    return 0;
}

static int get_str(rd *r, const json_t *obj, const char *ptr, const char *key, int required,
                   const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) return fail(r, ptr, key, "missing (required)");
        return 0;
    }
    if (!json_is_string(v)) return fail(r, ptr, key, "must be a string, not %s", kind_name(v));
    if (!*json_string_value(v)) return fail(r, ptr, key, "must not be empty");
    *out = target_strdup(r->t, json_string_value(v));
    return 0;
}

static int get_bool(rd *r, const json_t *obj, const char *ptr, const char *key, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_boolean(v))
        return fail(r, ptr, key, "must be true or false, not %s", kind_name(v));
    *out = json_is_true(v);
    return 0;
}

static int get_str_list(rd *r, const json_t *obj, const char *ptr, const char *key,
                        const char **out, size_t *n, const char *const *allowed)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v))
        return fail(r, ptr, key, "must be a list of strings, not %s", kind_name(v));
    if (json_array_size(v) > TARGET_MAX_LIST)
        return fail(r, ptr, key, "has %zu entries; at most %d are allowed", json_array_size(v),
                    TARGET_MAX_LIST);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        char sub[64];
        pjoin(sub, sizeof sub, "%s/%zu", key, i);
        if (!json_is_string(e)) return fail(r, ptr, sub, "must be a string, not %s", kind_name(e));
        const char *s = json_string_value(e);
        if (allowed) {
            int ok = 0;
            for (const char *const *a = allowed; *a; a++)
                ok |= !strcmp(*a, s);
            if (!ok) {
                mk_buf b;
                mk_buf_init(&b);
                for (const char *const *a = allowed; *a; a++)
                    mk_buf_printf(&b, "%s%s", b.len ? ", " : "", *a);
                int rc = fail(r, ptr, sub, "'%s' is not one of: %s", s, b.s);
                mk_buf_fini(&b);
                return rc;
            }
        }
        out[(*n)++] = target_strdup(r->t, s);
    }
    return 0;
}

static const char *const schedulers[] = {"slurm", "torque", "pbs", "none", NULL};
static const char *const runtimes[] = {"singularity", "apptainer",    "docker", "podman", "shifter",
                                       "sarus",       "charliecloud", "none",   NULL};

static int read_scheduler(rd *r, const json_t *obj, const char *ptr)
{
    if (get_str(r, obj, ptr, "scheduler", 1, &r->t->scheduler)) return -1;
    for (const char *const *s = schedulers; *s; s++)
        if (!strcmp(*s, r->t->scheduler)) return 0;
    return fail(r, ptr, "scheduler", "'%s' is not one of: slurm, torque, pbs, none",
                r->t->scheduler);
}

static int read_peaks(rd *r, const json_t *obj, const char *ptr, const char *key, double scale,
                      double *peak, int *given)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    char sub[256];
    pjoin(sub, sizeof sub, "%s/%s", ptr, key);
    if (want_object(r, v, ptr, key)) return -1;
    static const char *const keys[] = {"fp64", "fp32", "tf32", "fp16", "bf16", "int8", NULL};
    if (check_keys(r, v, sub, keys)) return -1;
    for (int p = 0; p < TARGET_NPREC; p++) {
        double x = -1;
        if (get_num(r, v, sub, prec_names[p], 0, 0, &x)) return -1;
        if (x >= 0) {
            peak[p] = x * scale;
            if (given) *given = 1;
        }
    }
    return 0;
}

static int read_caches(rd *r, const json_t *cpu, const char *ptr)
{
    json_t *v = json_object_get(cpu, "caches");
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v)) return fail(r, ptr, "caches", "must be a list, not %s", kind_name(v));
    if (json_array_size(v) > TARGET_MAX_CACHES)
        return fail(r, ptr, "caches", "at most %d caches", TARGET_MAX_CACHES);
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c)
    {
        char sub[256];
        pjoin(sub, sizeof sub, "%s/caches/%zu", ptr, i);
        if (!json_is_object(c)) return fail(r, sub, NULL, "must be an object");
        static const char *const keys[] = {"level", "type", "size_kib", "shared_by", "count", NULL};
        if (check_keys(r, c, sub, keys)) return -1;
        target_cache *tc = &r->t->cpu.caches[r->t->cpu.ncaches++];
        double kib = 0;
        tc->type = "unified";
        if (get_int(r, c, sub, "level", 1, 1, &tc->level) ||
            get_str(r, c, sub, "type", 0, &tc->type) ||
            get_num(r, c, sub, "size_kib", 1, 1, &kib) ||
            get_int(r, c, sub, "shared_by", 0, 0, &tc->shared_by) ||
            get_int(r, c, sub, "count", 0, 0, &tc->count))
            return -1;
        if (strcmp(tc->type, "data") && strcmp(tc->type, "instruction") &&
            strcmp(tc->type, "unified"))
            return fail(r, sub, "type", "'%s' is not one of: data, instruction, unified", tc->type);
        tc->size = kib * 1024;
    }
    return 0;
}

static int read_cpu(rd *r, const json_t *cpu, const char *ptr)
{
    static const char *const keys[] = {"arch",
                                       "microarch",
                                       "vendor",
                                       "model",
                                       "sockets",
                                       "cores",
                                       "threads",
                                       "freq_ghz",
                                       "freq_max_ghz",
                                       "simd_bits",
                                       "fma_units",
                                       "peak_gflops",
                                       "openblas_coretype",
                                       "caches",
                                       NULL};
    if (check_keys(r, cpu, ptr, keys)) return -1;
    target_cpu *c = &r->t->cpu;
    double f = 0, fmax = 0;
    if (get_str(r, cpu, ptr, "arch", 0, &c->arch) ||
        get_str(r, cpu, ptr, "microarch", 1, &c->microarch) ||
        get_str(r, cpu, ptr, "vendor", 0, &c->vendor) ||
        get_str(r, cpu, ptr, "model", 0, &c->model) ||
        get_int(r, cpu, ptr, "sockets", 0, 1, &c->sockets) ||
        get_int(r, cpu, ptr, "cores", 1, 1, &c->cores) ||
        get_int(r, cpu, ptr, "threads", 0, 1, &c->threads) ||
        get_num(r, cpu, ptr, "freq_ghz", 0, 1, &f) ||
        get_num(r, cpu, ptr, "freq_max_ghz", 0, 1, &fmax) ||
        get_int(r, cpu, ptr, "simd_bits", 0, 1, &c->simd_bits) ||
        get_int(r, cpu, ptr, "fma_units", 0, 1, &c->fma_units) ||
        read_peaks(r, cpu, ptr, "peak_gflops", 1e9, c->peak, &c->peak_given) ||
        get_str(r, cpu, ptr, "openblas_coretype", 0, &c->openblas_coretype) ||
        read_caches(r, cpu, ptr))
        return -1;
    c->freq = f * 1e9;
    c->freq_max = fmax * 1e9;
    if (c->simd_bits && c->simd_bits != 64 && c->simd_bits != 128 && c->simd_bits != 256 &&
        c->simd_bits != 512 && c->simd_bits != 1024 && c->simd_bits != 2048)
        return fail(r, ptr, "simd_bits", "must be 128, 256, 512, ... (got %d)", c->simd_bits);
    return 0;
}

static int read_memory(rd *r, const json_t *mem, const char *ptr)
{
    static const char *const keys[] = {"size_gib", "bandwidth_gbs", "numa", NULL};
    if (check_keys(r, mem, ptr, keys)) return -1;
    double size = 0, bw = 0;
    if (get_num(r, mem, ptr, "size_gib", 1, 1, &size) ||
        get_num(r, mem, ptr, "bandwidth_gbs", 0, 1, &bw))
        return -1;
    r->t->memory = size * GIB;
    r->t->memory_bandwidth = bw * GB;
    json_t *numa = json_object_get(mem, "numa");
    if (!numa || json_is_null(numa)) return 0;
    if (!json_is_array(numa))
        return fail(r, ptr, "numa", "must be a list, not %s", kind_name(numa));
    if (json_array_size(numa) > TARGET_MAX_NUMA)
        return fail(r, ptr, "numa", "at most %d NUMA nodes", TARGET_MAX_NUMA);
    size_t i;
    json_t *n;
    json_array_foreach(numa, i, n)
    {
        char sub[256];
        pjoin(sub, sizeof sub, "%s/numa/%zu", ptr, i);
        if (!json_is_object(n)) return fail(r, sub, NULL, "must be an object");
        static const char *const nkeys[] = {"id", "size_gib", "cores", "pus", "cpus", NULL};
        if (check_keys(r, n, sub, nkeys)) return -1;
        target_numa *tn = &r->t->numa[r->t->nnuma++];
        double gib = 0;
        tn->id = (int)i;
        if (get_int(r, n, sub, "id", 0, 0, &tn->id) || get_num(r, n, sub, "size_gib", 1, 1, &gib) ||
            get_int(r, n, sub, "cores", 0, 0, &tn->cores) ||
            get_int(r, n, sub, "pus", 0, 0, &tn->pus) || get_str(r, n, sub, "cpus", 0, &tn->cpus))
            return -1;
        tn->memory = gib * GIB;
    }
    return 0;
}

static int read_accels(rd *r, const json_t *node, const char *ptr)
{
    json_t *v = json_object_get(node, "accelerators");
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v))
        return fail(r, ptr, "accelerators", "must be a list, not %s", kind_name(v));
    if (json_array_size(v) > TARGET_MAX_ACCELS)
        return fail(r, ptr, "accelerators", "at most %d kinds", TARGET_MAX_ACCELS);
    size_t i;
    json_t *a;
    json_array_foreach(v, i, a)
    {
        char sub[256];
        pjoin(sub, sizeof sub, "%s/accelerators/%zu", ptr, i);
        if (!json_is_object(a)) return fail(r, sub, NULL, "must be an object");
        static const char *const keys[] = {"vendor",     "model",
                                           "count",      "peak_tflops",
                                           "memory_gib", "bandwidth_gbs",
                                           "link",       "link_bandwidth_gbs",
                                           "source",     NULL};
        if (check_keys(r, a, sub, keys)) return -1;
        target_accel *ta = &r->t->accels[r->t->naccels++];
        const char *model = NULL;
        if (get_str(r, a, sub, "model", 1, &model)) return -1;
        if (target_accel_lookup(model, ta) != 0) {
            /* unknown to the catalogue: the file must give the numbers */
            if (!json_object_get(a, "peak_tflops") || !json_object_get(a, "memory_gib") ||
                !json_object_get(a, "bandwidth_gbs"))
                return fail(r, sub, "model",
                            "'%s' is not in modak's accelerator catalogue: give peak_tflops, "
                            "memory_gib and bandwidth_gbs (known: V100-SXM2-16GB, "
                            "A100-SXM4-40GB, H100-SXM5-80GB, T4, ...)",
                            model);
        }
        ta->model = model;
        double mem = -1, bw = -1, lbw = -1;
        int given = 0;
        if (get_str(r, a, sub, "vendor", 0, &ta->vendor) ||
            get_int(r, a, sub, "count", 1, 1, &ta->count) ||
            read_peaks(r, a, sub, "peak_tflops", 1e12, ta->peak, &given) ||
            get_num(r, a, sub, "memory_gib", 0, 1, &mem) ||
            get_num(r, a, sub, "bandwidth_gbs", 0, 1, &bw) ||
            get_str(r, a, sub, "link", 0, &ta->link) ||
            get_num(r, a, sub, "link_bandwidth_gbs", 0, 1, &lbw) ||
            get_str(r, a, sub, "source", 0, &ta->source))
            return -1;
        if (mem > 0) ta->memory = mem * GIB;
        if (bw > 0) ta->bandwidth = bw * GB;
        if (lbw > 0) ta->link_bandwidth = lbw * GB;
        if (ta->peak[TARGET_FP32] <= 0)
            return fail(r, sub, "peak_tflops", "needs a positive fp32 peak");
        if (!ta->vendor) ta->vendor = "nvidia";
    }
    return 0;
}

static int read_node(rd *r, const json_t *node, const char *ptr)
{
    static const char *const keys[] = {"cpu", "memory", "accelerators", NULL};
    if (check_keys(r, node, ptr, keys)) return -1;
    char sub[256];
    json_t *cpu = json_object_get(node, "cpu");
    if (!cpu) return fail(r, ptr, "cpu", "missing (required)");
    if (want_object(r, cpu, ptr, "cpu")) return -1;
    pjoin(sub, sizeof sub, "%s/cpu", ptr);
    if (read_cpu(r, cpu, sub)) return -1;
    json_t *mem = json_object_get(node, "memory");
    if (!mem) return fail(r, ptr, "memory", "missing (required)");
    if (want_object(r, mem, ptr, "memory")) return -1;
    pjoin(sub, sizeof sub, "%s/memory", ptr);
    if (read_memory(r, mem, sub)) return -1;
    return read_accels(r, node, ptr);
}

static int read_interconnect(rd *r, const json_t *parent, const char *ptr)
{
    json_t *v = json_object_get(parent, "interconnect");
    if (!v || json_is_null(v)) return 0;
    if (want_object(r, v, ptr, "interconnect")) return -1;
    char sub[256];
    pjoin(sub, sizeof sub, "%s/interconnect", ptr);
    static const char *const keys[] = {"kind", "bandwidth_gbs", "latency_us", NULL};
    if (check_keys(r, v, sub, keys)) return -1;
    double bw = 0, lat = 0;
    if (get_str(r, v, sub, "kind", 0, &r->t->net_kind) ||
        get_num(r, v, sub, "bandwidth_gbs", 1, 1, &bw) ||
        get_num(r, v, sub, "latency_us", 1, 0, &lat))
        return -1;
    r->t->net_bandwidth = bw * GB;
    r->t->net_latency = lat * 1e-6;
    return 0;
}

/* One storage entry; `key_class` is "class" (modak) or "storage_class" (MODAK). */
static int read_storage_entry(rd *r, const json_t *s, const char *sub, const char *key_class,
                              const char *path)
{
    static const char *const keys_modak[] = {
        "class", "path", "read_bandwidth_gbs", "write_bandwidth_gbs", "shared", NULL};
    static const char *const keys_infra[] = {"storage_class", "read_bandwidth_gbs",
                                             "write_bandwidth_gbs", "shared", NULL};
    if (!json_is_object(s)) return fail(r, sub, NULL, "must be an object");
    if (check_keys(r, s, sub, path ? keys_infra : keys_modak)) return -1;
    if (r->t->nstorage >= TARGET_MAX_STORAGE)
        return fail(r, sub, NULL, "at most %d storage classes", TARGET_MAX_STORAGE);
    target_storage *ts = &r->t->storage[r->t->nstorage++];
    double rbw = 0, wbw = 0;
    ts->path = target_strdup(r->t, path);
    if (get_str(r, s, sub, key_class, 1, &ts->name) ||
        (!path && get_str(r, s, sub, "path", 0, &ts->path)) ||
        get_num(r, s, sub, "read_bandwidth_gbs", 1, 1, &rbw) ||
        get_num(r, s, sub, "write_bandwidth_gbs", 0, 1, &wbw) ||
        get_bool(r, s, sub, "shared", &ts->shared))
        return -1;
    ts->read_bandwidth = rbw * GB;
    ts->write_bandwidth = wbw * GB;
    return 0;
}

static int check_name(rd *r, const char *ptr, const char *key, const char *name)
{
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return fail(r, ptr, key, "'%s' may only hold letters, digits, '_', '-' and '.'", name);
    return 0;
}

static int read_modak(rd *r, const json_t *root)
{
    static const char *const keys[] = {
        "format",      "name",      "description",        "sources",
        "assumptions", "scheduler", "container_runtimes", "partition",
        "nodes",       "node",      "interconnect",       "storage",
        NULL};
    if (check_keys(r, root, "", keys)) return -1;
    const char *format = NULL;
    if (get_str(r, root, "", "format", 0, &format)) return -1;
    if (format && strcmp(format, "modak-target/1"))
        return fail(r, "", "format", "'%s' is not a format this modak reads (modak-target/1)",
                    format);
    target *t = r->t;
    t->format = "modak-target/1";
    if (get_str(r, root, "", "name", 1, &t->name) || check_name(r, "", "name", t->name) ||
        get_str(r, root, "", "description", 0, &t->description) ||
        get_str_list(r, root, "", "sources", t->sources, &t->nsources, NULL) ||
        get_str_list(r, root, "", "assumptions", t->assumptions, &t->nassumptions, NULL) ||
        read_scheduler(r, root, "") ||
        get_str_list(r, root, "", "container_runtimes", t->runtimes, &t->nruntimes, runtimes) ||
        get_str(r, root, "", "partition", 0, &t->partition) ||
        get_int(r, root, "", "nodes", 0, 1, &t->nodes))
        return -1;
    json_t *node = json_object_get(root, "node");
    if (!node) return fail(r, "", "node", "missing (required)");
    if (want_object(r, node, "", "node") || read_node(r, node, "/node") ||
        read_interconnect(r, root, ""))
        return -1;
    json_t *st = json_object_get(root, "storage");
    if (st && !json_is_null(st)) {
        if (!json_is_array(st))
            return fail(r, "", "storage", "must be a list, not %s", kind_name(st));
        size_t i;
        json_t *s;
        json_array_foreach(st, i, s)
        {
            char sub[64];
            pjoin(sub, sizeof sub, "/storage/%zu", i);
            if (read_storage_entry(r, s, sub, "class", NULL)) return -1;
        }
    }
    return 0;
}

static int read_infrastructure(rd *r, const json_t *root, const char *partition)
{
    static const char *const keys[] = {"name",        "description",   "sources",
                                       "assumptions", "configuration", NULL};
    if (check_keys(r, root, "", keys)) return -1;
    target *t = r->t;
    t->format = "modak-infrastructure";
    if (get_str(r, root, "", "name", 1, &t->name) || check_name(r, "", "name", t->name) ||
        get_str(r, root, "", "description", 0, &t->description) ||
        get_str_list(r, root, "", "sources", t->sources, &t->nsources, NULL) ||
        get_str_list(r, root, "", "assumptions", t->assumptions, &t->nassumptions, NULL))
        return -1;
    json_t *conf = json_object_get(root, "configuration");
    if (want_object(r, conf, "", "configuration")) return -1;
    static const char *const ckeys[] = {"scheduler",    "container_runtimes", "storage",
                                        "interconnect", "partitions",         NULL};
    if (check_keys(r, conf, "/configuration", ckeys) || read_scheduler(r, conf, "/configuration") ||
        get_str_list(r, conf, "/configuration", "container_runtimes", t->runtimes, &t->nruntimes,
                     runtimes) ||
        read_interconnect(r, conf, "/configuration"))
        return -1;
    json_t *st = json_object_get(conf, "storage");
    if (st && !json_is_null(st)) {
        if (!json_is_object(st))
            return fail(r, "/configuration", "storage",
                        "must be an object of storage locations, not %s", kind_name(st));
        const char *url;
        json_t *s;
        json_object_foreach(st, url, s)
        {
            char sub[512];
            pjoin(sub, sizeof sub, "/configuration/storage/%s", url);
            if (read_storage_entry(r, s, sub, "storage_class", url)) return -1;
        }
    }
    json_t *parts = json_object_get(conf, "partitions");
    if (!parts || !json_is_array(parts) || !json_array_size(parts))
        return fail(r, "/configuration", "partitions",
                    parts ? "must be a non-empty list"
                          : "missing: a target needs a partition "
                            "describing its nodes");
    size_t pick = (size_t)-1, i;
    json_t *p;
    json_array_foreach(parts, i, p)
    {
        char sub[64];
        pjoin(sub, sizeof sub, "/configuration/partitions/%zu", i);
        if (!json_is_object(p)) return fail(r, sub, NULL, "must be an object");
        json_t *nm = json_object_get(p, "name");
        if (!json_is_string(nm)) return fail(r, sub, "name", "missing (required)");
        if (partition ? !strcmp(json_string_value(nm), partition)
                      : (pick == (size_t)-1 && json_is_true(json_object_get(p, "default"))))
            pick = i;
    }
    if (partition && pick == (size_t)-1)
        return fail(r, "/configuration", "partitions", "no partition named '%s'", partition);
    if (pick == (size_t)-1) pick = 0;
    p = json_array_get(parts, pick);
    char sub[64];
    pjoin(sub, sizeof sub, "/configuration/partitions/%zu", pick);
    static const char *const pkeys[] = {"name", "default", "nodes", "node", NULL};
    if (check_keys(r, p, sub, pkeys) || get_str(r, p, sub, "name", 1, &t->partition) ||
        get_int(r, p, sub, "nodes", 0, 1, &t->nodes))
        return -1;
    json_t *node = json_object_get(p, "node");
    if (!node) return fail(r, sub, "node", "missing (required)");
    char nptr[96];
    pjoin(nptr, sizeof nptr, "%s/node", sub);
    if (want_object(r, node, sub, "node")) return -1;
    return read_node(r, node, nptr);
}

target *target_load_json(const char *name, const char *text, size_t len, const char *partition,
                         mk_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        mk_err_set(err, MK_EINVAL, name, je.line, je.column, "not valid JSON: %s", je.text);
        return NULL;
    }
    target *t = target_new();
    rd r = {t, name, err};
    int rc;
    if (!json_is_object(root))
        rc = fail(&r, "", NULL, "a target must be a JSON object, not %s", kind_name(root));
    else if (json_object_get(root, "configuration"))
        rc = read_infrastructure(&r, root, partition);
    else
        rc = read_modak(&r, root);
    json_decref(root);
    if (rc == 0) {
        t->file = target_strdup(t, name);
        rc = target_finish(t, name, err);
    }
    if (rc != 0) {
        target_free(t);
        return NULL;
    }
    return t;
}

target *target_load_file(const char *path, const char *partition, mk_err *err)
{
    char *text = NULL;
    size_t len = 0;
    if (mk_file_read(path, 4u << 20, &text, &len, err) != 0) return NULL;
    target *t = target_load_json(path, text, len, partition, err);
    free(text);
    return t;
}

/* ---- deriving and checking -------------------------------------------------------------- */

int target_finish(target *t, const char *where, mk_err *err)
{
    rd r = {t, where, err};
    /* The node pointer differs between the formats; errors from here name the field as in
     * modak's format (the infrastructure's partition node has the same shape). */
    const char *cp = strcmp(t->format ? t->format : "", "modak-infrastructure")
                         ? "/node/cpu"
                         : "/configuration/partitions/*/node/cpu";
    target_cpu *c = &t->cpu;
    if (!c->microarch) return fail(&r, cp, "microarch", "missing (required)");
    c->ma = microarch_find(c->microarch);
    if (!c->ma) {
        const char *s = microarch_suggest(c->microarch);
        if (s)
            return fail(&r, cp, "microarch", "unknown micro-architecture '%s' (did you mean '%s'?)",
                        c->microarch, s);
        return fail(&r, cp, "microarch",
                    "unknown micro-architecture '%s' (modak knows archspec's names: "
                    "skylake_avx512, icelake, zen3, neoverse_v1, ...)",
                    c->microarch);
    }
    const char *family = microarch_family(c->ma)->name;
    if (!c->arch)
        c->arch = family;
    else if (strcmp(c->arch, family))
        return fail(&r, cp, "arch", "'%s' contradicts microarch '%s', which is %s", c->arch,
                    c->microarch, family);
    if (c->cores <= 0) return fail(&r, cp, "cores", "missing (required)");
    if (!c->sockets) c->sockets = 1;
    if (!c->threads) c->threads = c->cores;
    if (c->threads < c->cores)
        return fail(&r, cp, "threads", "%d threads is fewer than the %d cores", c->threads,
                    c->cores);
    if (c->cores % c->sockets)
        return fail(&r, cp, "sockets", "%d cores do not split evenly over %d sockets", c->cores,
                    c->sockets);
    if (c->freq_max && c->freq && c->freq_max < c->freq)
        return fail(&r, cp, "freq_max_ghz", "is below freq_ghz");
    microarch_vec v = microarch_vector(c->ma);
    if (!c->simd_bits) c->simd_bits = v.simd_bits;
    if (!c->fma_units) c->fma_units = v.fma_units;
    if (!c->peak_given) {
        if (!c->freq)
            return fail(&r, cp, "freq_ghz",
                        "missing: needed to derive peak FLOP/s (or give peak_gflops)");
        if (!c->simd_bits || !c->fma_units)
            return fail(&r, cp, "simd_bits",
                        "unknown for '%s': give simd_bits and fma_units, or peak_gflops",
                        c->microarch);
        double per_cycle32 = 2.0 * c->fma_units * (c->simd_bits / 32.0);
        double hz = c->cores * c->freq;
        c->peak[TARGET_FP32] = per_cycle32 * hz;
        c->peak[TARGET_FP64] = per_cycle32 / 2 * hz;
        if (v.fp32 > 0) {
            c->peak[TARGET_BF16] = v.bf16 / v.fp32 * per_cycle32 * hz;
            c->peak[TARGET_INT8] = v.int8 / v.fp32 * per_cycle32 * hz;
        }
        if (v.bf16 >= 1024) c->peak[TARGET_BF16] = v.bf16 * hz; /* AMX is not per lane */
        if (v.int8 >= 2048) c->peak[TARGET_INT8] = v.int8 * hz;
    } else if (c->peak[TARGET_FP32] <= 0) {
        return fail(&r, cp, "peak_gflops", "needs a positive fp32 peak");
    }
    if (!c->openblas_coretype) c->openblas_coretype = microarch_openblas_core(c->ma);
    if (t->memory <= 0)
        return fail(&r, cp[1] == 'n' ? "/node/memory" : "/configuration/partitions/*/node/memory",
                    "size_gib", "missing (required)");
    double numa_sum = 0;
    for (size_t i = 0; i < t->nnuma; i++)
        numa_sum += t->numa[i].memory;
    if (numa_sum > t->memory * 1.02)
        return fail(&r, cp[1] == 'n' ? "/node/memory" : "/configuration/partitions/*/node/memory",
                    "numa", "NUMA nodes hold %.1f GiB, more than the node's %.1f GiB",
                    numa_sum / GIB, t->memory / GIB);
    for (size_t i = 0; i < t->naccels; i++) {
        target_accel *a = &t->accels[i];
        if (a->memory <= 0 || a->bandwidth <= 0) {
            char sub[64];
            pjoin(sub, sizeof sub, "/node/accelerators/%zu", i);
            return fail(&r, sub, a->memory <= 0 ? "memory_gib" : "bandwidth_gbs",
                        "missing (required)");
        }
    }
    return 0;
}

double target_node_peak(const target *t, target_prec p, int use_accel)
{
    if (use_accel && t->naccels) {
        double s = 0;
        for (size_t i = 0; i < t->naccels; i++) {
            double x = t->accels[i].peak[p];
            /* a precision a device lacks runs at its fp32 rate (tf32 → fp32, bf16 → fp32) */
            if (x <= 0 && p != TARGET_FP64) x = t->accels[i].peak[TARGET_FP32];
            s += x * t->accels[i].count;
        }
        return s;
    }
    double x = t->cpu.peak[p];
    if (x <= 0 && p != TARGET_FP64) x = t->cpu.peak[TARGET_FP32];
    return x;
}

/* ---- writing ------------------------------------------------------------------------------- */

static json_t *jnum(double x)
{
    /* Round to 6 significant digits so derived values print cleanly. */
    if (x == 0) return json_integer(0);
    double mag = pow(10, 5 - floor(log10(fabs(x))));
    double y = round(x * mag) / mag;
    if (y == floor(y) && fabs(y) < 9e15) return json_integer((json_int_t)y);
    return json_real(y);
}

static json_t *jstrs(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *jpeaks(const double *peak, double scale)
{
    json_t *o = json_object();
    for (int p = 0; p < TARGET_NPREC; p++)
        if (peak[p] > 0) json_object_set_new(o, prec_names[p], jnum(peak[p] / scale));
    return o;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v) json_object_set_new(o, k, json_string(v));
}

static void set_pos(json_t *o, const char *k, double v)
{
    if (v > 0) json_object_set_new(o, k, jnum(v));
}

void target_to_json(const target *t, mk_buf *out)
{
    json_t *root = json_object();
    set_str(root, "format", "modak-target/1");
    set_str(root, "name", t->name);
    set_str(root, "description", t->description);
    if (t->nsources) json_object_set_new(root, "sources", jstrs(t->sources, t->nsources));
    if (t->nassumptions)
        json_object_set_new(root, "assumptions", jstrs(t->assumptions, t->nassumptions));
    set_str(root, "scheduler", t->scheduler ? t->scheduler : "none");
    if (t->nruntimes)
        json_object_set_new(root, "container_runtimes", jstrs(t->runtimes, t->nruntimes));
    set_str(root, "partition", t->partition);
    if (t->nodes) json_object_set_new(root, "nodes", json_integer(t->nodes));
    json_t *node = json_object(), *cpu = json_object(), *mem = json_object();
    const target_cpu *c = &t->cpu;
    set_str(cpu, "arch", c->arch);
    set_str(cpu, "microarch", c->microarch);
    set_str(cpu, "vendor", c->vendor);
    set_str(cpu, "model", c->model);
    json_object_set_new(cpu, "sockets", json_integer(c->sockets));
    json_object_set_new(cpu, "cores", json_integer(c->cores));
    json_object_set_new(cpu, "threads", json_integer(c->threads));
    set_pos(cpu, "freq_ghz", c->freq / 1e9);
    set_pos(cpu, "freq_max_ghz", c->freq_max / 1e9);
    if (c->simd_bits) json_object_set_new(cpu, "simd_bits", json_integer(c->simd_bits));
    if (c->fma_units) json_object_set_new(cpu, "fma_units", json_integer(c->fma_units));
    json_object_set_new(cpu, "peak_gflops", jpeaks(c->peak, 1e9));
    set_str(cpu, "openblas_coretype", c->openblas_coretype);
    if (c->ncaches) {
        json_t *a = json_array();
        for (size_t i = 0; i < c->ncaches; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "level", json_integer(c->caches[i].level));
            set_str(o, "type", c->caches[i].type);
            json_object_set_new(o, "size_kib", jnum(c->caches[i].size / 1024));
            if (c->caches[i].shared_by)
                json_object_set_new(o, "shared_by", json_integer(c->caches[i].shared_by));
            if (c->caches[i].count)
                json_object_set_new(o, "count", json_integer(c->caches[i].count));
            json_array_append_new(a, o);
        }
        json_object_set_new(cpu, "caches", a);
    }
    json_object_set_new(node, "cpu", cpu);
    json_object_set_new(mem, "size_gib", jnum(t->memory / GIB));
    set_pos(mem, "bandwidth_gbs", t->memory_bandwidth / GB);
    if (t->nnuma) {
        json_t *a = json_array();
        for (size_t i = 0; i < t->nnuma; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "id", json_integer(t->numa[i].id));
            json_object_set_new(o, "size_gib", jnum(t->numa[i].memory / GIB));
            if (t->numa[i].cores) json_object_set_new(o, "cores", json_integer(t->numa[i].cores));
            if (t->numa[i].pus) json_object_set_new(o, "pus", json_integer(t->numa[i].pus));
            set_str(o, "cpus", t->numa[i].cpus);
            json_array_append_new(a, o);
        }
        json_object_set_new(mem, "numa", a);
    }
    json_object_set_new(node, "memory", mem);
    if (t->naccels) {
        json_t *a = json_array();
        for (size_t i = 0; i < t->naccels; i++) {
            const target_accel *x = &t->accels[i];
            json_t *o = json_object();
            set_str(o, "vendor", x->vendor);
            set_str(o, "model", x->model);
            json_object_set_new(o, "count", json_integer(x->count));
            json_object_set_new(o, "peak_tflops", jpeaks(x->peak, 1e12));
            set_pos(o, "memory_gib", x->memory / GIB);
            set_pos(o, "bandwidth_gbs", x->bandwidth / GB);
            set_str(o, "link", x->link);
            set_pos(o, "link_bandwidth_gbs", x->link_bandwidth / GB);
            set_str(o, "source", x->source);
            json_array_append_new(a, o);
        }
        json_object_set_new(node, "accelerators", a);
    }
    json_object_set_new(root, "node", node);
    if (t->net_bandwidth > 0) {
        json_t *o = json_object();
        set_str(o, "kind", t->net_kind);
        json_object_set_new(o, "bandwidth_gbs", jnum(t->net_bandwidth / GB));
        json_object_set_new(o, "latency_us", jnum(t->net_latency * 1e6));
        json_object_set_new(root, "interconnect", o);
    }
    if (t->nstorage) {
        json_t *a = json_array();
        for (size_t i = 0; i < t->nstorage; i++) {
            const target_storage *s = &t->storage[i];
            json_t *o = json_object();
            set_str(o, "class", s->name);
            set_str(o, "path", s->path);
            json_object_set_new(o, "read_bandwidth_gbs", jnum(s->read_bandwidth / GB));
            set_pos(o, "write_bandwidth_gbs", s->write_bandwidth / GB);
            json_object_set_new(o, "shared", json_boolean(s->shared));
            json_array_append_new(a, o);
        }
        json_object_set_new(root, "storage", a);
    }
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    mk_buf_puts(out, s);
    mk_buf_putc(out, '\n');
    free(s);
    json_decref(root);
}

/* ---- the catalogue ---------------------------------------------------------------------- */

char *target_data_dir(void)
{
    const char *env = getenv("MODAK_DATA");
    if (env && *env) return mk_xstrdup(env);
    char *src = mk_path_join(MODAK_SOURCE_DIR, "model/data");
    if (mk_is_dir(src)) return src;
    free(src);
    return mk_path_join(MODAK_DATA_DIR, "data");
}

typedef struct name_list {
    char **v;
    size_t n, cap;
} name_list;

static int collect_name(const char *path, void *ud)
{
    name_list *l = ud;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = mk_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = mk_path_stem(path, 1);
    return 0;
}

int target_catalogue(const char *data_dir, char ***names, size_t *n, mk_err *err)
{
    char *dir = mk_path_join(data_dir, "targets");
    name_list l = {0};
    static const char *const exts[] = {".json", NULL};
    int rc = mk_is_dir(dir) ? mk_walk_files(dir, exts, collect_name, &l, err)
                            : mk_err_set(err, MK_EIO, dir, 0, 0, "no such directory");
    free(dir);
    *names = l.v;
    *n = l.n;
    return rc;
}

target *target_open(const char *name_or_path, const char *partition, mk_err *err)
{
    if (strchr(name_or_path, '/') || mk_is_file(name_or_path))
        return target_load_file(name_or_path, partition, err);
    char *dir = target_data_dir();
    char *file = mk_xasprintf("%s/targets/%s.json", dir, name_or_path);
    target *t = NULL;
    if (mk_is_file(file)) {
        t = target_load_file(file, partition, err);
    } else {
        char **names = NULL;
        size_t n = 0;
        mk_err e2;
        mk_err_clear(&e2);
        target_catalogue(dir, &names, &n, &e2);
        mk_buf b;
        mk_buf_init(&b);
        for (size_t i = 0; i < n; i++) {
            mk_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
            free(names[i]);
        }
        free(names);
        mk_err_set(err, MK_EINVAL, NULL, 0, 0, "unknown target '%s' (known: %s)", name_or_path,
                   b.s ? b.s : "none");
        mk_buf_fini(&b);
    }
    free(file);
    free(dir);
    return t;
}
