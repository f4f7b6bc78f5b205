/* decide_job — the facts of a MODAK job document that a decision needs (see decide.h).
 *
 * Reads `{"job": {...}}` (or the inner object): the user's constraints from job_options
 * and application, the target of an optimised build and enable_opt_build from
 * optimisation, and from app_type-ai_training the framework (config.ai_framework and its
 * ai_framework-<fw> block), the network's size (config.layers, config.parameters) and the
 * data (data.count, data.size, data.location, data.etl.prefetch). The early names MODAK
 * still reads (arch_build, ai_training, a bare <fw> block) are accepted. Integers may be
 * written as strings of digits (MODAK's pydantic model coerces them); wall times are
 * durations ("[[DD:]HH:]MM:SS", "D-HH:MM:SS") and memory limits sizes ("8 GiB"). A value
 * of the wrong kind is an error naming the file and the field's JSON pointer. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"

void decide_job_init(decide_job *j)
{
    memset(j, 0, sizeof *j);
    mk_arena_init(&j->arena);
    j->prefetch = -1;
    j->precision = "fp32";
}

void decide_job_fini(decide_job *j)
{
    if (!j) return;
    json_decref(j->features);
    mk_arena_fini(&j->arena);
    memset(j, 0, sizeof *j);
}

const char *decide_job_strdup(decide_job *j, const char *s)
{
    return s ? mk_arena_strdup(&j->arena, s) : NULL;
}

static const char *lower_dup(decide_job *j, const char *s)
{
    char *d = mk_arena_strdup(&j->arena, s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

double decide_parse_duration(const char *s)
{
    if (!s) return -1;
    while (isspace((unsigned char)*s))
        s++;
    double days = 0;
    const char *dash = strchr(s, '-');
    if (dash) { /* Slurm's D-HH:MM:SS */
        char *end;
        long d = strtol(s, &end, 10);
        if (end != dash || d < 0) return -1;
        days = (double)d;
        s = dash + 1;
    }
    long parts[4];
    int n = 0;
    for (;;) {
        if (!isdigit((unsigned char)*s) || n == 4) return -1;
        char *end;
        parts[n++] = strtol(s, &end, 10);
        s = end;
        if (*s == ':') {
            s++;
            continue;
        }
        break;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s) return -1;
    double sec = 0;
    if (n == 1) {
        sec = (double)parts[0]; /* whole seconds */
    } else {
        /* right to left: seconds, minutes, hours, days */
        static const double unit[4] = {1, 60, 3600, 86400};
        for (int i = 0; i < n; i++) {
            long v = parts[n - 1 - i];
            if (i < 2 && v >= 60 && n - 1 - i > 0) return -1; /* MM:SS past 59 */
            sec += unit[i] * (double)v;
        }
    }
    if (dash && n > 3) return -1;
    return sec + 86400 * days;
}

typedef struct rd {
    const char *file;
    mk_err *err;
} rd;

static int bad(const rd *r, const char *ptr, const char *what)
{
    return mk_err_set(r->err, MK_EINVAL, r->file, 0, 0, "%s: %s", ptr, what);
}

/* An integer > 0 (or a string of digits); *out stays 0 when absent or null. */
static int pos_int(const rd *r, const json_t *obj, const char *key, const char *at, int *out,
                   const char **ptr_out, decide_job *j)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    char ptr[256];
    snprintf(ptr, sizeof ptr, "%s/%s", at, key);
    long long x = -1;
    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (*s && isdigit((unsigned char)*s)) {
            x = strtoll(s, &end, 10);
            if (*end) x = -1;
        }
    }
    if (x < 1 || x > 1000000000) return bad(r, ptr, "must be an integer > 0");
    *out = (int)x;
    if (ptr_out) *ptr_out = mk_arena_strdup(&j->arena, ptr);
    return 0;
}

/* A number >= 0 (or a string of one); absent or null leaves *out. */
static int nonneg_num(const rd *r, const json_t *obj, const char *key, const char *at, double *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    char ptr[256];
    snprintf(ptr, sizeof ptr, "%s/%s", at, key);
    double x = -1;
    if (json_is_number(v)) {
        x = json_number_value(v);
    } else if (json_is_string(v)) {
        char *end;
        const char *s = json_string_value(v);
        x = strtod(s, &end);
        if (end == s || *end) x = -1;
    }
    if (!(x >= 0) || !isfinite(x)) return bad(r, ptr, "must be a number >= 0");
    *out = x;
    return 0;
}

static int opt_str(const rd *r, const json_t *obj, const char *key, const char *at,
                   const char **out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) {
        char ptr[256];
        if (snprintf(ptr, sizeof ptr, "%s/%s", at, key) >= (int)sizeof ptr) ptr[sizeof ptr - 1] = 0;
        return bad(r, ptr, "must be a string");
    }
    *out = json_string_value(v);
    return 0;
}

/* An object member (or, when `early` is given, the early name MODAK still reads). */
static int opt_obj(const rd *r, const json_t *parent, const char *key, const char *early,
                   const char *at, const json_t **out, char *ptr, size_t ptrsize)
{
    const json_t *v = json_object_get(parent, key);
    const char *used = key;
    if ((!v || json_is_null(v)) && early) {
        v = json_object_get(parent, early);
        used = early;
    }
    if (snprintf(ptr, ptrsize, "%s/%s", at, used) >= (int)ptrsize) ptr[ptrsize - 1] = 0; /* cut */
    if (!v || json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_object(v)) return bad(r, ptr, "must be an object");
    *out = v;
    return 0;
}

int decide_job_from_json(const json_t *doc, const char *file, decide_job *j, mk_err *err)
{
    rd r = {file ? file : "job document", err};
    j->source = decide_job_strdup(j, file);
    if (!json_is_object(doc)) return bad(&r, "/", "a job document must be an object");
    const json_t *job = json_object_get(doc, "job");
    const char *base = "/job";
    if (!job) {
        job = doc;
        base = "";
    } else if (!json_is_object(job)) {
        return bad(&r, "/job", "must be an object");
    }
    char p_opts[256], p_app[256], p_opt[256], p_build[256], p_ai[256], p_cfg[256], p_data[256],
        p_etl[256], p_fw[256];
    const json_t *opts = NULL, *app = NULL, *opt = NULL, *build = NULL, *ai = NULL, *cfg = NULL,
                 *data = NULL, *etl = NULL, *fw = NULL;
    if (opt_obj(&r, job, "job_options", NULL, base, &opts, p_opts, sizeof p_opts) ||
        opt_obj(&r, job, "application", NULL, base, &app, p_app, sizeof p_app) ||
        opt_obj(&r, job, "optimisation", "optimization", base, &opt, p_opt, sizeof p_opt))
        return -1;
    const char *s = NULL;
    if (opts) {
        if (opt_str(&r, opts, "job_name", p_opts, &s)) return -1;
        j->name = decide_job_strdup(j, s);
        if (pos_int(&r, opts, "node_count", p_opts, &j->node_count, &j->ptr_node_count, j) ||
            pos_int(&r, opts, "core_count", p_opts, &j->core_count, &j->ptr_core_count, j) ||
            pos_int(&r, opts, "process_count_per_node", p_opts, &j->process_count_per_node,
                    &j->ptr_ppn, j) ||
            pos_int(&r, opts, "core_count_per_process", p_opts, &j->core_count_per_process,
                    &j->ptr_cpp, j) ||
            pos_int(&r, opts, "request_gpus", p_opts, &j->request_gpus, &j->ptr_gpus, j))
            return -1;
        const json_t *w = json_object_get(opts, "wall_time_limit");
        if (w && !json_is_null(w)) {
            char ptr[300];
            snprintf(ptr, sizeof ptr, "%s/wall_time_limit", p_opts);
            double sec = json_is_integer(w)  ? (double)json_integer_value(w)
                         : json_is_string(w) ? decide_parse_duration(json_string_value(w))
                                             : -1;
            if (!(sec > 0))
                return bad(&r, ptr,
                           "must be a duration > 0 such as \"12:00:00\" ([[DD:]HH:]MM:SS)");
            j->wall_time_limit = sec;
            j->ptr_wall = mk_arena_strdup(&j->arena, ptr);
        }
        const json_t *m = json_object_get(opts, "memory_limit");
        if (m && !json_is_null(m)) {
            char ptr[300];
            snprintf(ptr, sizeof ptr, "%s/memory_limit", p_opts);
            unsigned long long bytes = 0;
            int ok = json_is_integer(m)
                         ? json_integer_value(m) > 0
                         : json_is_string(m) && reg_parse_size(json_string_value(m), &bytes) == 0 &&
                               bytes > 0;
            if (!ok) return bad(&r, ptr, "must be a size > 0 such as \"8 GiB\"");
            /* a bare number is MiB in Slurm's --mem and in MODAK's examples */
            j->memory_limit =
                json_is_integer(m) ? (double)json_integer_value(m) * 1048576.0 : (double)bytes;
            j->ptr_memory = mk_arena_strdup(&j->arena, ptr);
        }
    }
    if (app) {
        if (pos_int(&r, app, "mpi_ranks", p_app, &j->mpi_ranks, &j->ptr_ranks, j) ||
            pos_int(&r, app, "threads", p_app, &j->threads, &j->ptr_threads, j))
            return -1;
    }
    if (!opt) return 0;
    const json_t *eob = json_object_get(opt, "enable_opt_build");
    if (eob && !json_is_null(eob)) {
        if (!json_is_boolean(eob)) {
            char ptr[300];
            snprintf(ptr, sizeof ptr, "%s/enable_opt_build", p_opt);
            return bad(&r, ptr, "must be true or false");
        }
        j->enable_opt_build = json_is_true(eob);
    }
    if (opt_obj(&r, opt, "opt_build", "arch_build", p_opt, &build, p_build, sizeof p_build))
        return -1;
    if (build) {
        const char *cpu = NULL, *acc = NULL;
        if (opt_str(&r, build, "cpu_type", p_build, &cpu) ||
            opt_str(&r, build, "acc_type", p_build, &acc))
            return -1;
        if (cpu && *cpu) j->cpu_type = lower_dup(j, cpu);
        /* as MODAK's mapper: no acc_type means none; an empty one asks for nothing */
        if (!json_object_get(build, "acc_type") || json_is_null(json_object_get(build, "acc_type")))
            j->acc_type = "none";
        else if (acc && *acc)
            j->acc_type = lower_dup(j, acc);
    }
    const char *app_type = NULL;
    if (opt_str(&r, opt, "app_type", p_opt, &app_type)) return -1;
    if (opt_obj(&r, opt, "app_type-ai_training", "ai_training", p_opt, &ai, p_ai, sizeof p_ai))
        return -1;
    if (!ai) return 0;
    if (opt_obj(&r, ai, "config", NULL, p_ai, &cfg, p_cfg, sizeof p_cfg) ||
        opt_obj(&r, ai, "data", NULL, p_ai, &data, p_data, sizeof p_data))
        return -1;
    if (cfg) {
        const char *f = NULL;
        if (opt_str(&r, cfg, "ai_framework", p_cfg, &f) ||
            nonneg_num(&r, cfg, "layers", p_cfg, &j->layers) ||
            nonneg_num(&r, cfg, "parameters", p_cfg, &j->parameters))
            return -1;
        if (f && *f) {
            j->framework = lower_dup(j, f);
            char key[128];
            snprintf(key, sizeof key, "ai_framework-%s", j->framework);
            if (opt_obj(&r, ai, key, j->framework, p_ai, &fw, p_fw, sizeof p_fw)) return -1;
            if (fw) {
                j->features = json_deep_copy(fw);
                const json_t *ver = json_object_get(fw, "version");
                if (ver && !json_is_null(ver)) {
                    char *vs = reg_feature_str(ver);
                    if (!vs) {
                        char ptr[300];
                        snprintf(ptr, sizeof ptr, "%s/version", p_fw);
                        return bad(&r, ptr, "must be a string");
                    }
                    j->framework_version = decide_job_strdup(j, vs);
                    free(vs);
                }
            }
        }
    }
    if (data) {
        const char *loc = NULL;
        if (nonneg_num(&r, data, "count", p_data, &j->data_count) ||
            nonneg_num(&r, data, "size", p_data, &j->data_size) ||
            opt_str(&r, data, "location", p_data, &loc))
            return -1;
        j->data_location = decide_job_strdup(j, loc);
        if (opt_obj(&r, data, "etl", NULL, p_data, &etl, p_etl, sizeof p_etl)) return -1;
        if (etl) {
            double pf = -1;
            if (nonneg_num(&r, etl, "prefetch", p_etl, &pf)) return -1;
            if (pf >= 0) j->prefetch = (int)pf;
        }
    }
    return 0;
}
