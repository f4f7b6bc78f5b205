/* ingest — metrics files in, a refitted profile out (see ingest.h).
 *
 * The running average images_per_s of step k in a segment gives the training time so far,
 * T_k = k * batch / ips_k (the driver prints it to 0.1 images/s, so the estimate over many
 * steps, (T_K - T_1) / (K - 1), is the precise one; the last batch of an epoch may be
 * smaller, which this ignores). Predictions for the refit come from predict.c with the
 * base efficiencies, for the observation's network, batch, threads and build; the split
 * is stored with the observation, and used as stored when the network no longer loads (a
 * graph file that moved), so a refit never depends on files outside the profile. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gfile.h"
#include "ingest.h"
#include "mk_fs.h"
#include "predict.h"

static const char *const class_names[4] = {"small", "medium", "large", "other"};

void ingest_obs_fini(ingest_obs *o)
{
    if (!o) return;
    free(o->network);
    free(o->source);
    free(o->openblas);
    memset(o, 0, sizeof *o);
}

void ingest_obs_free(ingest_obs *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ingest_obs_fini(&v[i]);
    free(v);
}

/* ---- reading metrics ------------------------------------------------------------------- */

typedef struct seg {
    int k;         /* steps so far */
    double t1, tk; /* T_1, T_k from the running average */
    double *own;   /* step_seconds values */
    int nown, capown;
    int last_step;
} seg;

typedef struct run {
    char *network, *openblas;
    int batch, threads, generic;
    int first_line, last_line;
    uint64_t hash;
    double sum_steps_time; /* over segments: estimate x steps */
    int steps;
    int any;
    seg s;
} run;

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Closes a segment: adds its estimate (seconds per step x steps) to the run. */
static void seg_close(run *r)
{
    seg *s = &r->s;
    if (s->k == 0) return;
    double per = 0;
    int steps = s->k;
    if (s->nown > 0) {
        /* its own step times: the median, without the warm-up step when there are more */
        double *v = s->own + (s->nown > 1 ? 1 : 0);
        int m = s->nown > 1 ? s->nown - 1 : 1;
        qsort(v, (size_t)m, sizeof *v, cmp_double);
        per = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
        steps = m;
    } else if (s->k > 1) {
        per = (s->tk - s->t1) / (s->k - 1);
        steps = s->k - 1;
        if (per <= 0) { /* rounding of a fast run: the whole average */
            per = s->tk / s->k;
            steps = s->k;
        }
    } else {
        per = s->t1;
    }
    r->sum_steps_time += per * steps;
    r->steps += steps;
    free(s->own);
    memset(s, 0, sizeof *s);
}

static int emit_run(run *r, const char *path, ingest_obs **v, size_t *n, size_t *cap, mk_err *err)
{
    seg_close(r);
    int rc = 0;
    if (r->any) {
        if (!r->network) {
            rc = mk_err_set(err, MK_EINVAL, path, r->first_line, 0,
                            "the run starting here names no network (no header line with "
                            "\"network\"; give --network)");
        } else if (r->batch < 1) {
            rc = mk_err_set(err, MK_EINVAL, path, r->first_line, 0,
                            "the run starting here names no batch size (no header line with "
                            "\"batch\"; give --batch)");
        } else if (r->threads < 1) {
            rc = mk_err_set(err, MK_EINVAL, path, r->first_line, 0,
                            "the run starting here names no thread count (no header line with "
                            "\"threads\"; give --threads)");
        } else if (r->steps < 1 || !(r->sum_steps_time > 0)) {
            rc = mk_err_set(err, MK_EINVAL, path, r->first_line, 0,
                            "the run starting here has no usable step times");
        } else {
            if (*n == *cap) {
                *cap = *cap ? 2 * *cap : 8;
                *v = mk_xrealloc(*v, *cap * sizeof **v);
            }
            ingest_obs *o = &(*v)[(*n)++];
            memset(o, 0, sizeof *o);
            o->network = mk_xstrdup(r->network);
            o->openblas = r->openblas ? mk_xstrdup(r->openblas) : NULL;
            o->batch = r->batch;
            o->threads = r->threads;
            o->generic = r->generic;
            o->steps = r->steps;
            o->step_s = r->sum_steps_time / r->steps;
            o->source = mk_xasprintf("%s:%d-%d", path, r->first_line, r->last_line);
            snprintf(o->hash, sizeof o->hash, "%016llx", (unsigned long long)r->hash);
        }
    }
    free(r->network);
    free(r->openblas);
    free(r->s.own);
    memset(r, 0, sizeof *r);
    return rc;
}

static int line_err(mk_err *err, const char *path, int line, const char *key, const char *what)
{
    return mk_err_set(err, MK_EINVAL, path, line, 0, "/%s: %s", key, what);
}

static void run_start(run *r, const ingest_defaults *d, int line)
{
    memset(r, 0, sizeof *r);
    r->network = d && d->network ? mk_xstrdup(d->network) : NULL;
    r->batch = d ? d->batch : 0;
    r->threads = d ? d->threads : 0;
    r->generic = d ? d->generic : 0;
    r->first_line = line;
    r->hash = 14695981039346656037ull;
}

int ingest_read_metrics(const char *path, const ingest_defaults *d, ingest_obs **v, size_t *n,
                        mk_err *err)
{
    char *text;
    size_t len, cap = *n;
    if (mk_file_read(path, 256u << 20, &text, &len, err) != 0) return -1;
    run r;
    run_start(&r, d, 1);
    int rc = 0, line = 0, steps_seen = 0;
    size_t before = *n;
    for (char *p = text; p < text + len && rc == 0;) {
        char *e = memchr(p, '\n', (size_t)(text + len - p));
        size_t l = e ? (size_t)(e - p) : (size_t)(text + len - p);
        line++;
        char *next = p + l + (e ? 1 : 0);
        size_t i = 0;
        while (i < l && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
        if (i == l) {
            p = next;
            continue;
        }
        json_error_t je;
        json_t *o = json_loadb(p, l, JSON_REJECT_DUPLICATES, &je);
        if (!o) {
            rc = mk_err_set(err, MK_EINVAL, path, line, je.column, "not valid JSON: %s", je.text);
            break;
        }
        if (!json_is_object(o)) {
            rc = mk_err_set(err, MK_EINVAL, path, line, 0, "a metrics line must be an object");
        } else if (json_object_get(o, "test_loss") || json_object_get(o, "test_accuracy")) {
            /* an evaluation: nothing to time */
        } else if (!json_object_get(o, "step")) {
            const json_t *net = json_object_get(o, "network");
            if (net) { /* a header: a new run */
                if (!json_is_string(net) || !*json_string_value(net)) {
                    rc = line_err(err, path, line, "network", "must be a non-empty string");
                } else {
                    if ((rc = emit_run(&r, path, v, n, &cap, err)) != 0) break;
                    run_start(&r, d, line);
                    free(r.network);
                    r.network = mk_xstrdup(json_string_value(net));
                    static const char *const ints[] = {"batch", "threads"};
                    int *dst[] = {&r.batch, &r.threads};
                    for (int k = 0; k < 2 && rc == 0; k++) {
                        const json_t *x = json_object_get(o, ints[k]);
                        if (!x) continue;
                        if (!json_is_integer(x) || json_integer_value(x) < 1 ||
                            json_integer_value(x) > 1000000)
                            rc = line_err(err, path, line, ints[k], "must be an integer >= 1");
                        else
                            *dst[k] = (int)json_integer_value(x);
                    }
                    const json_t *ob = json_object_get(o, "openblas");
                    if (!ob) ob = json_object_get(o, "coretype");
                    if (json_is_string(ob)) r.openblas = mk_xstrdup(json_string_value(ob));
                    const json_t *b = json_object_get(o, "build");
                    if (b && !(json_is_string(b) && (!strcmp(json_string_value(b), "generic") ||
                                                     !strcmp(json_string_value(b), "optimised"))))
                        rc = line_err(err, path, line, "build",
                                      "must be \"optimised\" or \"generic\"");
                    else if (b)
                        r.generic = !strcmp(json_string_value(b), "generic");
                    r.hash = fnv(r.hash, p, l);
                    r.last_line = line;
                }
            }
            /* other lines (a summary, notes) carry nothing the refit uses */
        } else {
            const json_t *st = json_object_get(o, "step"),
                         *ips = json_object_get(o, "images_per_s");
            const json_t *own = json_object_get(o, "step_seconds");
            const json_t *ep = json_object_get(o, "epoch");
            if (!json_is_integer(st) || json_integer_value(st) < 1) {
                rc = line_err(err, path, line, "step", "must be an integer >= 1");
            } else if (ep && (!json_is_integer(ep) || json_integer_value(ep) < 1)) {
                rc = line_err(err, path, line, "epoch", "must be an integer >= 1");
            } else if (own && (!json_is_number(own) || !(json_number_value(own) > 0))) {
                rc = line_err(err, path, line, "step_seconds", "must be a number > 0");
            } else if (!own && (!json_is_number(ips) || !(json_number_value(ips) > 0) ||
                                !isfinite(json_number_value(ips)))) {
                rc = line_err(err, path, line, "images_per_s",
                              ips ? "must be a number > 0" : "is missing (and no step_seconds)");
            } else {
                const json_t *acc = json_object_get(o, "accuracy");
                if (acc && (!json_is_number(acc) || json_number_value(acc) < 0 ||
                            json_number_value(acc) > 1)) {
                    rc = line_err(err, path, line, "accuracy", "must be a number in [0, 1]");
                } else {
                    int s = (int)json_integer_value(st);
                    if (r.s.k && s != r.s.last_step + 1) seg_close(&r); /* resumed or restarted */
                    seg *g = &r.s;
                    g->k++;
                    g->last_step = s;
                    if (own) {
                        if (g->nown == g->capown) {
                            g->capown = g->capown ? 2 * g->capown : 64;
                            g->own = mk_xrealloc(g->own, (size_t)g->capown * sizeof *g->own);
                        }
                        g->own[g->nown++] = json_number_value(own);
                    }
                    if (!r.network) {
                        rc = mk_err_set(err, MK_EINVAL, path, r.first_line, 0,
                                        "the run starting here names no network (no header line "
                                        "with \"network\"; give --network)");
                    } else if (ips && json_is_number(ips) && r.batch > 0) {
                        double t = g->k * (double)r.batch / json_number_value(ips);
                        if (g->k == 1) g->t1 = t;
                        g->tk = t;
                    } else if (!own) {
                        rc = mk_err_set(err, MK_EINVAL, path, line, 0,
                                        "images_per_s needs the batch size (no header line with "
                                        "\"batch\"; give --batch)");
                    }
                    r.any = 1;
                    r.hash = fnv(r.hash, p, l);
                    r.last_line = line;
                    steps_seen++;
                }
            }
        }
        json_decref(o);
        p = next;
    }
    if (rc == 0)
        rc = emit_run(&r, path, v, n, &cap, err);
    else {
        free(r.network);
        free(r.openblas);
        free(r.s.own);
    }
    free(text);
    if (rc == 0 && !steps_seen)
        rc = mk_err_set(err, MK_EINVAL, path, 0, 0,
                        "no step lines ({\"step\": N, ..., \"images_per_s\": X}): nothing to "
                        "learn from");
    if (rc != 0) {
        for (size_t i = before; i < *n; i++)
            ingest_obs_fini(&(*v)[i]);
        *n = before;
    }
    return rc;
}

/* ---- the profile as JSON ---------------------------------------------------------------- */

static double num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* The parts of a profile predict uses (as calib_profile_load reads them). */
static int profile_from_json(const json_t *root, const char *name, calib_profile *p, mk_err *err)
{
    memset(p, 0, sizeof *p);
    const json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "modak-profile/1"))
        return mk_err_set(err, MK_EINVAL, name, 0, 0, "/format: must be \"modak-profile/1\"");
    const json_t *v = json_object_get(root, "target");
    snprintf(p->target, sizeof p->target, "%s", json_is_string(v) ? json_string_value(v) : "?");
    v = json_object_get(json_object_get(root, "openblas"), "corename");
    snprintf(p->openblas_core, sizeof p->openblas_core, "%s",
             json_is_string(v) ? json_string_value(v) : "?");
    p->peak_fp32_node = num(root, "peak_gflops_fp32_nominal") * 1e9;
    p->cores = (int)num(root, "cores");
    size_t i;
    json_array_foreach(json_object_get(json_object_get(root, "memory"), "triad"), i, v)
    {
        if (p->ntriad == 8) break;
        p->triad_threads[p->ntriad] = (int)num(v, "threads");
        p->triad_gbs[p->ntriad++] = num(v, "gbs");
    }
    const json_t *fits = json_object_get(json_object_get(root, "sgemm"), "fit");
    if (!json_is_array(fits) || !json_array_size(fits))
        return mk_err_set(err, MK_EINVAL, name, 0, 0,
                          "/sgemm/fit: the profile has no sgemm fit to refit");
    json_array_foreach(fits, i, v)
    {
        if (p->nfits == 8) break;
        calib_fit *f = &p->fits[p->nfits];
        f->threads = (int)num(v, "threads");
        f->gflops = num(v, "gflops");
        if (f->threads < 1 || !(f->gflops > 0))
            return mk_err_set(err, MK_EINVAL, name, 0, 0,
                              "/sgemm/fit/%zu: needs threads >= 1 and gflops > 0", i);
        f->bytes_gbs = num(v, "bytes_gbs");
        f->overhead_us = num(v, "overhead_us");
        f->rms_rel = num(v, "rms_relative_error");
        const json_t *e = json_object_get(v, "efficiency");
        f->eff_small = num(e, "small");
        f->eff_medium = num(e, "medium");
        f->eff_large = num(e, "large");
        p->nfits++;
    }
    return 0;
}

char *ingest_seed_profile(const target *t, const int *threads, size_t nthreads)
{
    calib_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.target, sizeof p.target, "%s", t->name);
    snprintf(p.microarch, sizeof p.microarch, "%s", t->cpu.microarch ? t->cpu.microarch : "");
    snprintf(p.openblas_core, sizeof p.openblas_core, "%s",
             t->cpu.openblas_coretype ? t->cpu.openblas_coretype : "");
    snprintf(p.openblas_how, sizeof p.openblas_how,
             "not measured: seeded by `modak model ingest` from the target's nominal figures");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(p.created, sizeof p.created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    p.peak_fp32_node = t->cpu.peak[TARGET_FP32];
    p.cores = t->cpu.cores;
    int ths[9];
    size_t nt = 0;
    ths[nt++] = 1;
    for (size_t i = 0; i < nthreads && nt < 8; i++)
        ths[nt++] = threads[i];
    if (t->cpu.cores > 0 && nt < 9) ths[nt++] = t->cpu.cores;
    for (size_t i = 0; i < nt; i++) {
        int dup = 0;
        for (size_t k = 0; k < p.nfits; k++)
            dup |= p.fits[k].threads == ths[i];
        if (dup || p.nfits == 8 || ths[i] < 1) continue;
        double share = t->cpu.cores > 0 ? fmin(1.0, (double)ths[i] / t->cpu.cores) : 1;
        calib_fit *f = &p.fits[p.nfits++];
        f->threads = ths[i];
        f->params = 1;
        f->gflops = 0.5 * p.peak_fp32_node * share / 1e9;
        f->eff_small = f->eff_medium = f->eff_large = 0.5;
        if (p.ntriad < 8 && t->memory_bandwidth > 0) {
            p.triad_threads[p.ntriad] = ths[i];
            p.triad_gbs[p.ntriad++] =
                t->memory_bandwidth * (share < 1 ? fmax(share, 0.25) : 1) / 1e9;
        }
    }
    mk_buf b;
    mk_buf_init(&b);
    calib_profile_to_json(&p, &b);
    return mk_buf_detach(&b);
}

/* ---- the refit --------------------------------------------------------------------------- */

static const calib_fit *fit_of(const calib_profile *p, int threads)
{
    return calib_fit_for(p, threads);
}

/* The model's prediction of an observation with profile p and time factors f (small,
 * medium, large, other; NULL: none). Returns 0, or -1 (err) when the network does not load. */
static int predict_obs(const ingest_obs *o, const target *t, const calib_profile *p,
                       const double *f, predict_result *pr, mk_err *err)
{
    graph *g = graph_load_spec(o->network, o->batch, err);
    if (!g) return -1;
    predict_opts po = {.threads = o->threads, .generic = o->generic};
    if (f) {
        for (int k = 0; k < 3; k++)
            po.class_factor[k] = f[k];
        po.other_factor = f[3];
    }
    int rc = predict_graph(g, t, p, &po, pr, err);
    graph_free(g);
    return rc;
}

static json_t *obs_json(const ingest_obs *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "network", json_string(o->network));
    json_object_set_new(j, "batch", json_integer(o->batch));
    json_object_set_new(j, "threads", json_integer(o->threads));
    json_object_set_new(j, "build", json_string(o->generic ? "generic" : "optimised"));
    json_object_set_new(j, "step_seconds", json_real(o->step_s));
    json_object_set_new(j, "steps", json_integer(o->steps));
    json_object_set_new(j, "source", json_string(o->source ? o->source : ""));
    json_object_set_new(j, "openblas", o->openblas ? json_string(o->openblas) : json_null());
    json_object_set_new(j, "hash", json_string(o->hash));
    return j;
}

/* Reads an observation back from the profile (borrowed strings). */
static int obs_from_json(const json_t *j, const char *name, size_t i, ingest_obs *o, mk_err *err)
{
    memset(o, 0, sizeof *o);
    const json_t *net = json_object_get(j, "network"), *h = json_object_get(j, "hash");
    const json_t *b = json_object_get(j, "build");
    o->batch = (int)num(j, "batch");
    o->threads = (int)num(j, "threads");
    o->step_s = num(j, "step_seconds");
    o->steps = (int)num(j, "steps");
    if (!json_is_string(net) || o->batch < 1 || o->threads < 1 || !(o->step_s > 0) ||
        !json_is_string(h))
        return mk_err_set(err, MK_EINVAL, name, 0, 0,
                          "/ingest/observations/%zu: needs network, batch >= 1, threads >= 1, "
                          "step_seconds > 0 and hash",
                          i);
    o->network = (char *)json_string_value(net);
    snprintf(o->hash, sizeof o->hash, "%s", json_string_value(h));
    o->generic = json_is_string(b) && !strcmp(json_string_value(b), "generic");
    const json_t *sp = json_object_get(j, "predicted_split");
    for (int k = 0; k < 4; k++)
        o->split[k] = num(sp, class_names[k]);
    o->fixed_s = num(sp, "fixed");
    o->predicted_s = o->split[0] + o->split[1] + o->split[2] + o->split[3] + o->fixed_s;
    return 0;
}

static void set_eff(json_t *fit, const double e[3])
{
    json_t *eff = json_object();
    for (int k = 0; k < 3; k++)
        if (e[k] > 0) json_object_set_new(eff, class_names[k], json_real(round(e[k] * 1e6) / 1e6));
    json_object_set_new(fit, "efficiency", eff);
}

/* class_eff's fallback in predict.c: a class without points takes another's. */
static double eff_or_fallback(const calib_fit *f, int k)
{
    double e[3] = {f->eff_small, f->eff_medium, f->eff_large};
    if (e[k] > 0) return e[k];
    return e[2] > 0 ? e[2] : e[1] > 0 ? e[1] : e[0];
}

/* Gauss-Newton on the factors of fit fi over the observations of one build: predict each
 * with the current factors, solve the ridge least squares for a multiplicative update,
 * repeat. The roofline's max() makes the model only piecewise linear in the factors, hence
 * the iterations. For the optimised build (generic 0) the factors divide the fit's
 * efficiencies and multiply the non-GEMM time; for the generic build they multiply the time
 * of each class on top of the optimised refit (base, with its non-GEMM factor other0). */
static int refit(const calib_profile *base, size_t fi, int generic, double other0, const target *t,
                 ingest_obs *all, size_t m, size_t rows, double a[4], mk_err *err)
{
    const calib_fit *bf = &base->fits[fi];
    size_t R = rows + 4 + 6;
    double *A = mk_xcalloc(R * 4, sizeof *A), *b = mk_xcalloc(R, sizeof *b);
    int rc = 0;
    for (int it = 0; it < INGEST_ITERATIONS && rc == 0; it++) {
        calib_profile cur = *base;
        double f[4] = {1, 1, 1, a[3] * other0};
        if (generic) {
            for (int k = 0; k < 3; k++)
                f[k] = a[k];
        } else {
            calib_fit *cf = &cur.fits[fi];
            cf->eff_small = eff_or_fallback(bf, 0) / a[0];
            cf->eff_medium = eff_or_fallback(bf, 1) / a[1];
            cf->eff_large = eff_or_fallback(bf, 2) / a[2];
        }
        size_t r = 0;
        for (size_t i = 0; i < m; i++) {
            if (fit_of(base, all[i].threads) != bf || all[i].generic != generic) continue;
            double split[4], fixed = all[i].fixed_s;
            predict_result pr;
            mk_err pe;
            mk_err_clear(&pe);
            if (predict_obs(&all[i], t, &cur, f, &pr, &pe) == 0) {
                for (int k = 0; k < 3; k++)
                    split[k] = pr.class_s[k];
                split[3] = pr.other_s;
                fixed = pr.data_visible_s + pr.allreduce_s;
                predict_result_fini(&pr);
            } else { /* the stored split, scaled linearly */
                for (int k = 0; k < 4; k++)
                    split[k] = a[k] * all[i].split[k];
            }
            double target_s = all[i].step_s - fixed;
            if (target_s <= 0) target_s = all[i].step_s;
            for (int k = 0; k < 4; k++)
                A[r * 4 + k] = split[k] / target_s;
            b[r++] = 1;
        }
        /* the ridge pulls each total factor toward 1 (weakly), and the classes toward one
         * common factor (strongly): a run that is slower all over says the machine is
         * slower, not that one class is; classes part only where the runs disagree */
        for (int k = 0; k < 4; k++) {
            for (int c = 0; c < 4; c++)
                A[r * 4 + c] = c == k ? INGEST_RIDGE * a[k] : 0;
            b[r++] = INGEST_RIDGE;
        }
        for (int k = 0; k < 4; k++)
            for (int j = k + 1; j < 4; j++) {
                for (int c = 0; c < 4; c++)
                    A[r * 4 + c] = c == k   ? INGEST_COUPLING * a[k]
                                   : c == j ? -INGEST_COUPLING * a[j]
                                            : 0;
                b[r++] = 0;
            }
        double u[4];
        if ((rc = calib_lstsq(A, b, (int)R, 4, u, err)) != 0) break;
        for (int k = 0; k < 4; k++)
            a[k] = fmin(20, fmax(0.05, a[k] * fmax(u[k], 0.05)));
    }
    free(A);
    free(b);
    return rc;
}

int ingest_update(json_t *root, const char *name, const target *t, const ingest_obs *obs, size_t n,
                  ingest_report *rep, mk_err *err)
{
    memset(rep, 0, sizeof *rep);
    calib_profile base;
    if (profile_from_json(root, name, &base, err) != 0) return -1;
    json_t *ing = json_object_get(root, "ingest");
    if (ing && !json_is_object(ing))
        return mk_err_set(err, MK_EINVAL, name, 0, 0, "/ingest: must be an object");
    if (!ing) {
        ing = json_object();
        json_object_set_new(root, "ingest", ing);
    }
    json_object_set_new(
        ing, "model",
        json_string("per sgemm fit: factors a (small, medium, large, other) minimise "
                    "sum((predicted(a)/measured - 1)^2) + 0.02^2 |a - 1|^2 + 0.3^2 sum_{k<j} (a_k "
                    "- a_j)^2 (Gauss-Newton); efficiency = base / a; "
                    "predict multiplies non-GEMM time by a_other"));
    /* the base: the calibrated efficiencies, kept from the first ingest on */
    json_t *jbase = json_object_get(ing, "base");
    json_t *fits = json_object_get(json_object_get(root, "sgemm"), "fit");
    if (!jbase) {
        jbase = json_array();
        for (size_t i = 0; i < base.nfits; i++) {
            json_t *b = json_object();
            json_object_set_new(b, "threads", json_integer(base.fits[i].threads));
            double e[3] = {base.fits[i].eff_small, base.fits[i].eff_medium, base.fits[i].eff_large};
            set_eff(b, e);
            json_array_append_new(jbase, b);
        }
        json_object_set_new(ing, "base", jbase);
    } else {
        if (!json_is_array(jbase))
            return mk_err_set(err, MK_EINVAL, name, 0, 0, "/ingest/base: must be an array");
        size_t i;
        json_t *b;
        json_array_foreach(jbase, i, b)
        {
            int th = (int)num(b, "threads");
            for (size_t k = 0; k < base.nfits; k++)
                if (base.fits[k].threads == th) {
                    const json_t *e = json_object_get(b, "efficiency");
                    base.fits[k].eff_small = num(e, "small");
                    base.fits[k].eff_medium = num(e, "medium");
                    base.fits[k].eff_large = num(e, "large");
                }
        }
    }
    /* every observation: the kept ones, then the new ones not seen before */
    json_t *jobs = json_object_get(ing, "observations");
    if (jobs && !json_is_array(jobs))
        return mk_err_set(err, MK_EINVAL, name, 0, 0, "/ingest/observations: must be an array");
    if (!jobs) {
        jobs = json_array();
        json_object_set_new(ing, "observations", jobs);
    }
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        size_t k;
        json_t *x;
        json_array_foreach(jobs, k, x)
        {
            const json_t *h = json_object_get(x, "hash");
            if (json_is_string(h) && !strcmp(json_string_value(h), obs[i].hash)) dup = 1;
        }
        if (dup) {
            rep->duplicates++;
            continue;
        }
        json_array_append_new(jobs, obs_json(&obs[i]));
        rep->added++;
    }
    size_t m = json_array_size(jobs);
    rep->total = m;
    ingest_obs *all = mk_xcalloc(m ? m : 1, sizeof *all);
    int rc = 0;
    for (size_t i = 0; i < m && rc == 0; i++) {
        json_t *x = json_array_get(jobs, i);
        if ((rc = obs_from_json(x, name, i, &all[i], err)) != 0) break;
        predict_result pr;
        mk_err pe;
        mk_err_clear(&pe);
        if (predict_obs(&all[i], t, &base, NULL, &pr, &pe) == 0) {
            for (int k = 0; k < 3; k++)
                all[i].split[k] = pr.class_s[k];
            all[i].split[3] = pr.other_s;
            all[i].fixed_s = pr.data_visible_s + pr.allreduce_s;
            all[i].predicted_s = pr.step_s;
            predict_result_fini(&pr);
            json_t *sp = json_object();
            for (int k = 0; k < 4; k++)
                json_object_set_new(sp, class_names[k], json_real(all[i].split[k]));
            json_object_set_new(sp, "fixed", json_real(all[i].fixed_s));
            json_object_set_new(x, "predicted_split", sp);
        } else if (!json_object_get(x, "predicted_split")) {
            rc = mk_err_set(err, MK_EINVAL, name, 0, 0,
                            "/ingest/observations/%zu: cannot predict %s (%s) and no "
                            "predicted_split is stored",
                            i, all[i].network, pe.msg);
        }
    }
    /* one refit per sgemm fit and build, over the observations whose thread count maps to
     * the fit: the optimised build first (it rewrites the efficiencies), then the generic
     * build's time factors on top of it */
    json_t *jfits = json_array();
    calib_profile refitted = base;
    double other_opt[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    for (int generic = 0; generic <= 1 && rc == 0; generic++)
        for (size_t fi = 0; fi < base.nfits && rc == 0; fi++) {
            const calib_fit *bf = &base.fits[fi];
            size_t rows = 0;
            for (size_t i = 0; i < m; i++)
                if (fit_of(&base, all[i].threads) == bf && all[i].generic == generic) rows++;
            if (generic && !rows) continue; /* no generic runs: no generic entry */
            double a[4] = {1, 1, 1, 1};
            ingest_fit *f = rep->nfits < 16 ? &rep->fits[rep->nfits] : NULL;
            const calib_profile *on = generic ? &refitted : &base;
            if (rows &&
                (rc = refit(on, fi, generic, generic ? other_opt[fi] : 1, t, all, m, rows, a, err)))
                break;
            double before[3], after[3];
            for (int k = 0; k < 3; k++) {
                before[k] = eff_or_fallback(&on->fits[fi], k);
                after[k] = generic ? before[k] : before[k] > 0 ? before[k] / a[k] : 0;
            }
            if (!generic) {
                /* the refitted efficiencies, in the profile every reader uses */
                json_t *pf = json_array_get(fits, fi);
                if (json_is_object(pf)) set_eff(pf, after);
                calib_fit *rf = &refitted.fits[fi];
                rf->eff_small = after[0];
                rf->eff_medium = after[1];
                rf->eff_large = after[2];
                other_opt[fi] = a[3];
            }
            json_t *jf = json_object();
            json_object_set_new(jf, "threads", json_integer(bf->threads));
            json_object_set_new(jf, "build", json_string(generic ? "generic" : "optimised"));
            json_object_set_new(jf, "observations", json_integer((json_int_t)rows));
            json_t *fac = json_object();
            for (int k = 0; k < 4; k++)
                json_object_set_new(fac, class_names[k], json_real(round(a[k] * 1e6) / 1e6));
            json_object_set_new(jf, "factors", fac);
            /* errors before and after, over these observations */
            double fa[4] = {1, 1, 1, generic ? other_opt[fi] * a[3] : a[3]};
            if (generic)
                for (int k = 0; k < 3; k++)
                    fa[k] = a[k];
            double ss0 = 0, ss1 = 0;
            for (size_t i = 0; i < m && rows; i++) {
                if (fit_of(&base, all[i].threads) != bf || all[i].generic != generic) continue;
                double p0 = all[i].predicted_s, p1 = p0;
                predict_result pr;
                mk_err pe;
                mk_err_clear(&pe);
                if (predict_obs(&all[i], t, &refitted, fa, &pr, &pe) == 0) {
                    p1 = pr.step_s;
                    predict_result_fini(&pr);
                } else {
                    p1 = a[0] * all[i].split[0] + a[1] * all[i].split[1] + a[2] * all[i].split[2] +
                         fa[3] * all[i].split[3] + all[i].fixed_s;
                }
                ss0 += pow(p0 / all[i].step_s - 1, 2);
                ss1 += pow(p1 / all[i].step_s - 1, 2);
            }
            double rb = rows ? sqrt(ss0 / rows) : 0, ra = rows ? sqrt(ss1 / rows) : 0;
            json_object_set_new(jf, "rms_relative_error_before", json_real(round(rb * 1e6) / 1e6));
            json_object_set_new(jf, "rms_relative_error_after", json_real(round(ra * 1e6) / 1e6));
            json_array_append_new(jfits, jf);
            if (f) {
                f->threads = bf->threads;
                f->generic = generic;
                f->nobs = rows;
                memcpy(f->factor, a, sizeof a);
                memcpy(f->eff_before, before, sizeof before);
                memcpy(f->eff_after, after, sizeof after);
                f->rms_before = rb;
                f->rms_after = ra;
                rep->nfits++;
            }
        }
    if (rc == 0)
        json_object_set_new(ing, "fit", jfits);
    else
        json_decref(jfits);
    free(all);
    return rc;
}

/* The fit entry of a build nearest to threads (as calib_fit_for picks), or NULL. */
static const json_t *nearest_fit(const json_t *profile, int threads, const char *build)
{
    const json_t *fits = json_object_get(json_object_get(profile, "ingest"), "fit");
    const json_t *best = NULL, *f;
    int bd = 0;
    size_t i;
    json_array_foreach(fits, i, f)
    {
        const json_t *b = json_object_get(f, "build");
        if (strcmp(json_is_string(b) ? json_string_value(b) : "optimised", build)) continue;
        int d = abs((int)num(f, "threads") - threads);
        if (!best || d < bd) {
            best = f;
            bd = d;
        }
    }
    return best;
}

void ingest_apply(const json_t *profile, predict_opts *po)
{
    int threads = po->threads;
    const json_t *opt = nearest_fit(profile, threads, "optimised");
    double other = opt ? num(json_object_get(opt, "factors"), "other") : 0;
    po->other_factor = other > 0 ? other : 1;
    for (int k = 0; k < 3; k++)
        po->class_factor[k] = 0;
    if (!po->generic) return;
    const json_t *gen = nearest_fit(profile, threads, "generic");
    if (!gen) return;
    const json_t *fac = json_object_get(gen, "factors");
    for (int k = 0; k < 3; k++)
        po->class_factor[k] = num(fac, class_names[k]);
    double go = num(fac, "other");
    if (go > 0) po->other_factor *= go;
}
