/* bench_store — loading the benchmark store and scaling its figures to a target.
 *
 * Scaling: a training step spends a fraction f of its time bound by arithmetic and 1 - f
 * by memory traffic (f = 0.8 for convolutional networks, whose layers are mostly
 * compute-bound); moving from a reference device (peak P, bandwidth B) to the target's
 * (P', B') multiplies throughput by 1 / (f P/P' + (1 - f) B/B'). The relative uncertainty
 * grows with the distance scaled: 10% + 25% x |ln scale| (+5% for derived figures). The
 * size-only estimate multiplies the store's MACs per parameter and per-device efficiency;
 * both are spread widely across networks, so its band is wide (about x/÷ 5). */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_store.h"
#include "mk_fs.h"

#define COMPUTE_FRACTION 0.8

const char *const bench_frameworks[] = {"tensorflow", "pytorch", "mxnet", NULL};
const char *const bench_graph_compilers[] = {"none", "xla", "ngraph", "glow", "tvm", NULL};
static const char *const precisions[] = {"fp32", "tf32", "amp", "fp16", "bf16", "int8", NULL};

bench_store *bench_store_new(void)
{
    bench_store *s = mk_xcalloc(1, sizeof *s);
    mk_arena_init(&s->arena);
    return s;
}

void bench_store_free(bench_store *s)
{
    if (!s) return;
    free(s->v);
    mk_arena_fini(&s->arena);
    free(s);
}

target_prec bench_prec(const char *p)
{
    if (!strcmp(p, "amp") || !strcmp(p, "fp16")) return TARGET_FP16;
    if (!strcmp(p, "tf32")) return TARGET_TF32;
    if (!strcmp(p, "bf16")) return TARGET_BF16;
    if (!strcmp(p, "int8")) return TARGET_INT8;
    return TARGET_FP32;
}

static int ferr(mk_err *err, const char *file, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ferr(mk_err *err, const char *file, const char *ptr, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_err_set(err, MK_EINVAL, file, 0, 0, "%s: %s", ptr, msg);
}

static int one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(*list, v)) return 1;
    return 0;
}

static int str_field(bench_store *s, const char *file, json_t *o, const char *ptr, const char *key,
                     int required, const char *const *allowed, const char **out, mk_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!v) return required ? ferr(err, file, ptr, "%s: missing (required)", key) : 0;
    if (!json_is_string(v) || !*json_string_value(v))
        return ferr(err, file, ptr, "%s: must be a non-empty string", key);
    if (allowed && !one_of(json_string_value(v), allowed)) {
        char list[256] = "";
        for (const char *const *a = allowed; *a; a++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     a == allowed ? "" : ", ", *a);
        return ferr(err, file, ptr, "%s: '%s' is not one of: %s", key, json_string_value(v), list);
    }
    *out = mk_arena_strdup(&s->arena, json_string_value(v));
    return 0;
}

static int num_field(const char *file, json_t *o, const char *ptr, const char *key, int required,
                     double *out, mk_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!v) return required ? ferr(err, file, ptr, "%s: missing (required)", key) : 0;
    if (!json_is_number(v)) return ferr(err, file, ptr, "%s: must be a number", key);
    double x = json_number_value(v);
    if (!isfinite(x) || x < 0)
        return ferr(err, file, ptr, "%s: must not be negative (got %g)", key, x);
    if (required && x == 0) return ferr(err, file, ptr, "%s: must be greater than zero", key);
    *out = x;
    return 0;
}

static int resolve_device(bench_entry *e, const char *file, const char *ptr, mk_err *err)
{
    target_accel a = {0};
    if (target_accel_lookup(e->device, &a) == 0) {
        e->on_accel = 1;
        memcpy(e->ref_peak, a.peak, sizeof e->ref_peak);
        e->ref_bandwidth = a.bandwidth;
        return 0;
    }
    mk_err e2;
    mk_err_clear(&e2);
    target *t = target_open(e->device, NULL, &e2);
    if (!t)
        return ferr(err, file, ptr,
                    "device: '%s' is neither in the accelerator catalogue nor a catalogue "
                    "target",
                    e->device);
    memcpy(e->ref_peak, t->cpu.peak, sizeof e->ref_peak);
    e->ref_bandwidth = t->memory_bandwidth;
    target_free(t);
    return 0;
}

int bench_store_load_text(bench_store *s, const char *name, const char *text, size_t len,
                          mk_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return mk_err_set(err, MK_EINVAL, name, je.line, je.column, "not valid JSON: %s", je.text);
    int rc = 0;
    json_t *fmt = json_object_get(root, "format");
    json_t *sources = json_object_get(root, "sources");
    json_t *entries = json_object_get(root, "entries");
    json_t *nets = json_object_get(root, "networks");
    if (!json_is_object(root)) {
        rc = ferr(err, name, "", "a benchmark file must be a JSON object");
        goto done;
    }
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "modak-benchmarks/1")) {
        rc = ferr(err, name, "/format", "must be \"modak-benchmarks/1\"");
        goto done;
    }
    if (!json_is_object(sources)) {
        rc = ferr(err, name, "/sources", "missing: an object of source keys to citations");
        goto done;
    }
    if (!json_is_array(entries)) {
        rc = ferr(err, name, "/entries", "missing: a list of measurements");
        goto done;
    }
    size_t i;
    json_t *o;
    json_array_foreach(entries, i, o)
    {
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/entries/%zu", i);
        if (!json_is_object(o)) {
            rc = ferr(err, name, ptr, "must be an object");
            goto done;
        }
        static const char *const keys[] = {
            "id",      "framework", "framework_version", "graph_compiler", "network", "precision",
            "batch",   "device",    "devices",           "throughput",     "unit",    "source",
            "derived", NULL};
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) if (!one_of(k, keys))
        {
            rc = ferr(err, name, ptr, "%s: unknown field", k);
            goto done;
        }
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 32;
            s->v = mk_xrealloc(s->v, s->cap * sizeof *s->v);
        }
        bench_entry *e = &s->v[s->n];
        memset(e, 0, sizeof *e);
        double batch = 0, devices = 1;
        const char *src = NULL;
        if ((rc = str_field(s, name, o, ptr, "id", 1, NULL, &e->id, err)) ||
            (rc = str_field(s, name, o, ptr, "framework", 1, bench_frameworks, &e->framework,
                            err)) ||
            (rc = str_field(s, name, o, ptr, "framework_version", 0, NULL, &e->framework_version,
                            err)) ||
            (rc = str_field(s, name, o, ptr, "graph_compiler", 1, bench_graph_compilers,
                            &e->graph_compiler, err)) ||
            (rc = str_field(s, name, o, ptr, "network", 1, NULL, &e->network, err)) ||
            (rc = str_field(s, name, o, ptr, "precision", 1, precisions, &e->precision, err)) ||
            (rc = str_field(s, name, o, ptr, "device", 1, NULL, &e->device, err)) ||
            (rc = str_field(s, name, o, ptr, "unit", 1,
                            (const char *const[]){"images/s", "samples/s", NULL}, &e->unit, err)) ||
            (rc = str_field(s, name, o, ptr, "source", 1, NULL, &src, err)) ||
            (rc = str_field(s, name, o, ptr, "derived", 0, NULL, &e->derived, err)) ||
            (rc = num_field(name, o, ptr, "throughput", 1, &e->throughput, err)) ||
            (rc = num_field(name, o, ptr, "batch", 0, &batch, err)) ||
            (rc = num_field(name, o, ptr, "devices", 0, &devices, err)))
            goto done;
        json_t *cite = json_object_get(sources, src);
        if (!json_is_string(cite)) {
            rc = ferr(err, name, ptr, "source: '%s' is not a key of /sources", src);
            goto done;
        }
        if (devices < 1 || devices != floor(devices)) {
            rc = ferr(err, name, ptr, "devices: must be a whole number >= 1");
            goto done;
        }
        for (size_t j = 0; j < s->n; j++)
            if (!strcmp(s->v[j].id, e->id)) {
                rc = ferr(err, name, ptr, "id: '%s' is already used (%s)", e->id, s->v[j].file);
                goto done;
            }
        e->source = mk_arena_strdup(&s->arena, json_string_value(cite));
        e->batch = (int)batch;
        e->devices = (int)devices;
        e->file = mk_arena_strdup(&s->arena, name);
        if ((rc = resolve_device(e, name, ptr, err))) goto done;
        s->n++;
    }
    if (nets) {
        const char *nm;
        json_t *n;
        if (!json_is_object(nets)) {
            rc = ferr(err, name, "/networks", "must be an object");
            goto done;
        }
        json_object_foreach(nets, nm, n)
        {
            char ptr[160];
            snprintf(ptr, sizeof ptr, "/networks/%s", nm);
            if (s->nnets == sizeof s->nets / sizeof *s->nets) break;
            bench_network *bn = &s->nets[s->nnets];
            double layers = 0;
            if ((rc = num_field(name, n, ptr, "parameters", 1, &bn->parameters, err)) ||
                (rc = num_field(name, n, ptr, "gmacs_forward", 1, &bn->gmacs_forward, err)) ||
                (rc = num_field(name, n, ptr, "layers", 0, &layers, err)) ||
                (rc = str_field(s, name, n, ptr, "source", 1, NULL, &bn->source, err)))
                goto done;
            bn->layers = (int)layers;
            bn->name = mk_arena_strdup(&s->arena, nm);
            s->nnets++;
        }
    }
done:
    json_decref(root);
    return rc;
}

int bench_store_load_file(bench_store *s, const char *path, mk_err *err)
{
    char *text;
    size_t len;
    if (mk_file_read(path, 8u << 20, &text, &len, err) != 0) return -1;
    int rc = bench_store_load_text(s, path, text, len, err);
    free(text);
    return rc;
}

static int load_one(const char *path, void *ud)
{
    void **args = ud;
    return bench_store_load_file(args[0], path, args[1]);
}

bench_store *bench_store_load_dir(const char *dir, mk_err *err)
{
    bench_store *s = bench_store_new();
    void *args[2] = {s, err};
    static const char *const exts[] = {".json", NULL};
    if (mk_walk_files(dir, exts, load_one, args, err) != 0) {
        bench_store_free(s);
        return NULL;
    }
    return s;
}

/* The target's device: its first accelerator kind, else the CPU node. */
static void target_device(const target *t, target_prec p, double *peak, double *bw, int *accel)
{
    *accel = t->naccels > 0;
    if (*accel) {
        *peak = t->accels[0].peak[p] > 0 ? t->accels[0].peak[p] : t->accels[0].peak[TARGET_FP32];
        *bw = t->accels[0].bandwidth;
    } else {
        *peak = t->cpu.peak[p] > 0 ? t->cpu.peak[p] : t->cpu.peak[TARGET_FP32];
        *bw = t->memory_bandwidth;
    }
}

static double ref_peak(const bench_entry *e, target_prec p)
{
    return e->ref_peak[p] > 0 ? e->ref_peak[p] : e->ref_peak[TARGET_FP32];
}

int bench_predict(const bench_store *s, const char *framework, const char *compiler,
                  const char *network, const char *precision, const target *t, bench_estimate *out,
                  mk_err *err)
{
    memset(out, 0, sizeof *out);
    target_prec p = bench_prec(precision);
    double tp, tb;
    int accel;
    target_device(t, p, &tp, &tb, &accel);
    const bench_entry *best = NULL;
    double bestd = 1e30;
    for (size_t i = 0; i < s->n; i++) {
        const bench_entry *e = &s->v[i];
        if (strcmp(e->framework, framework) || strcmp(e->graph_compiler, compiler) ||
            strcmp(e->network, network) || strcmp(e->precision, precision) || e->devices != 1 ||
            e->on_accel != accel)
            continue;
        double d = fabs(log(ref_peak(e, p) / tp));
        if (d < bestd) {
            bestd = d;
            best = e;
        }
    }
    if (!best)
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "the benchmark store has no %s measurement of %s with %s (graph "
                          "compiler %s) at %s to scale to %s",
                          accel ? "GPU" : "CPU", network, framework, compiler, precision, t->name);
    double f = COMPUTE_FRACTION;
    double inv = f * ref_peak(best, p) / tp;
    if (tb > 0 && best->ref_bandwidth > 0)
        inv += (1 - f) * best->ref_bandwidth / tb;
    else
        inv = ref_peak(best, p) / tp; /* no bandwidth on one side: compute only */
    out->scale = 1.0 / inv;
    out->throughput = best->throughput * out->scale;
    double rel = 0.10 + 0.25 * fabs(log(out->scale)) + (best->derived ? 0.05 : 0);
    out->low = out->throughput / (1 + rel);
    out->high = out->throughput * (1 + rel);
    out->ref = best;
    snprintf(out->how, sizeof out->how,
             "%s: %.0f %s on %s (%s), scaled x%.3f by peak %s FLOP/s and memory bandwidth "
             "(compute fraction %.1f); +/- %.0f%%",
             best->id, best->throughput, best->unit, best->device, best->source, out->scale,
             target_prec_name(p), f, 100 * rel);
    return 0;
}

int bench_estimate_size(const bench_store *s, const char *framework, const char *compiler,
                        double parameters, int layers, const char *precision, const target *t,
                        bench_estimate *out, mk_err *err)
{
    memset(out, 0, sizeof *out);
    if (parameters <= 0)
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "parameters must be positive");
    if (!s->nnets)
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "the benchmark store describes no network sizes to estimate from");
    target_prec p = bench_prec(precision);
    double tp, tb;
    int accel;
    target_device(t, p, &tp, &tb, &accel);
    /* multiply-adds per parameter across the store's networks (log-mean and spread) */
    double sl = 0, sl2 = 0;
    for (size_t i = 0; i < s->nnets; i++) {
        double r = log(s->nets[i].gmacs_forward * 1e9 / s->nets[i].parameters);
        sl += r;
        sl2 += r * r;
    }
    double mr = sl / s->nnets;
    double sd_r = s->nnets > 1 ? sqrt(fmax(sl2 / s->nnets - mr * mr, 0)) : 0;
    if (sd_r < log(5.0)) sd_r = log(5.0); /* CNNs span ~10-1000 MACs per parameter */
    /* efficiency of the framework on this kind of device, from the store */
    double se = 0;
    int ne = 0;
    for (size_t i = 0; i < s->n; i++) {
        const bench_entry *e = &s->v[i];
        if (strcmp(e->framework, framework) || strcmp(e->graph_compiler, compiler) ||
            strcmp(e->precision, precision) || e->on_accel != accel)
            continue;
        for (size_t k = 0; k < s->nnets; k++)
            if (!strcmp(s->nets[k].name, e->network)) {
                double eff = e->throughput / e->devices * 6 * s->nets[k].gmacs_forward * 1e9 /
                             ref_peak(e, p);
                se += log(eff);
                ne++;
            }
    }
    double eff = ne ? exp(se / ne) : (accel ? 0.3 : 0.2);
    double sd_e = ne ? log(1.5) : log(2.0);
    double macs = exp(mr) * parameters;
    out->throughput = eff * tp / (6 * macs);
    double sd = sqrt(sd_r * sd_r + sd_e * sd_e);
    out->low = out->throughput * exp(-sd);
    out->high = out->throughput * exp(sd);
    snprintf(out->how, sizeof out->how,
             "size-only estimate: %.3g parameters x %.0f multiply-adds per parameter (the store's "
             "networks) = %.3g GMAC forward, x6 for a training step; efficiency %.2f of the "
             "%s peak (%s); band x/%.1f. %d layers noted, not modelled",
             parameters, exp(mr), macs / 1e9, eff, target_prec_name(p),
             ne ? "from the store's entries" : "a prior: no entry for this framework here", exp(sd),
             layers);
    return 0;
}
