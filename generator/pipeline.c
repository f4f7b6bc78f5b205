/* pipeline — see pipeline.h.
 *
 * Decisions: the job document becomes decide_job facts, the target is the one named on the
 * command line, else the one the blueprint's host names (its optimisations.target), else
 * this machine as detected; decide_run ranks every candidate and the winner fills the plan.
 * Binaries: one compilation per (network, micro-architecture, batch, threads, generic) in a
 * run, under a lock, through the compiler's on-disk cache (so a second run compiles
 * nothing); each output gets a hard link to the cached binary. */
#include "pipeline.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench_store.h"
#include "calibrate.h"
#include "codegen.h"
#include "decide.h"
#include "dsl.h"
#include "emit_tpl.h"
#include "gfile.h"
#include "mk_fs.h"
#include "target.h"
#include "target_detect.h"

typedef struct named_target {
    char *name;
    target *t;
} named_target;

typedef struct built {
    char *key;
    char *path; /* the binary in the cache */
} built;

struct pipeline {
    pipeline_opts o;
    char *outdir;
    tosca_opts tosca;
    reg_registry *reg;
    bench_store *store;
    calib_profile prof;
    int have_prof;
    char stamp[16];
    pthread_mutex_t lock; /* targets, contexts, built binaries */
    named_target *targets;
    size_t ntargets;
    tosca_ctx **idle; /* contexts not in use */
    size_t nidle;
    built *bins;
    size_t nbins;
    int have_tc;
    graph_toolchain tc;
    char *tmpdir; /* where builds land before the cache */
};

void pipeline_opts_add(const char ***list, size_t *n, const char *s)
{
    *list = mk_xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = s;
}

void pipeline_opts_fini(pipeline_opts *o)
{
    free(o->types);
    free(o->registries);
    o->types = o->registries = NULL;
    o->ntypes = o->nregistries = 0;
}

static void check_section(const char *section, const doc_node *n, const char *ptr, diag_list *out)
{
    dsl_check_section(section, n, ptr, out);
}

/* ---- targets ---- */

static target *get_target(pipeline *p, const char *name, mk_err *err)
{
    const char *key = name ? name : "host";
    pthread_mutex_lock(&p->lock);
    target *t = NULL;
    for (size_t i = 0; i < p->ntargets && !t; i++)
        if (!strcmp(p->targets[i].name, key)) t = p->targets[i].t;
    if (!t) {
        if (!strcmp(key, "host")) {
            target_detect_opts o = {.no_tools = 1};
            t = target_detect(&o, err);
        } else {
            t = target_open(key, NULL, err);
        }
        if (t) {
            p->targets = mk_xrealloc(p->targets, (p->ntargets + 1) * sizeof *p->targets);
            p->targets[p->ntargets].name = mk_xstrdup(key);
            p->targets[p->ntargets].t = t;
            p->ntargets++;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return t;
}

/* ---- the decide adapter ---- */

static int decide(void *ud, const opt_decide_in *in, mk_arena *a, opt_decision *out,
                  json_t **record, mk_err *err)
{
    pipeline *p = ud;
    memset(out, 0, sizeof *out);
    *record = NULL;
    const char *tname = p->o.target;
    if (!tname)
        tname = json_string_value(
            json_object_get(json_object_get(json_object_get(in->job, "job"), "target"), "name"));
    target *t = get_target(p, tname, err);
    if (!t) {
        if (tname && !p->o.target) {
            mk_err_clear(err);
            mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                       "node '%s': its host names the target '%s', which modak does not know: "
                       "add it to the catalogue (modak target list), or pass --target NAME|FILE "
                       "(--target host for this machine)",
                       in->node, tname);
        }
        return -1;
    }
    decide_job job;
    decide_job_init(&job);
    int rc = -1;
    decide_record *rec = NULL;
    if (decide_job_from_json(in->job, in->node, &job, err)) goto done;
    if (in->network) job.network = decide_job_strdup(&job, in->network);
    if (in->epochs > 0) job.epochs = in->epochs;
    if (in->dataset && !job.data_location) job.data_location = decide_job_strdup(&job, in->dataset);
    decide_inputs di = {.job = &job,
                        .target = t,
                        .profile = p->have_prof ? &p->prof : NULL,
                        .profile_path = p->o.profile,
                        .store = p->store,
                        .registry = p->reg};
    if (decide_run(&di, &rec, err)) goto done;
    const decide_cand *w = decide_winner(rec);
    const char *fallback = NULL;
    if (!w) {
        /* nothing could be predicted (no network the compiler knows, no benchmark for the
         * framework on this kind of device): deploy what MODAK would, the mapper's image,
         * else the user's own container, and say so */
        for (size_t i = 0; i < rec->n && !w && rec->mapper_choice; i++)
            if (rec->cands[i].image && !strcmp(rec->cands[i].image, rec->mapper_choice))
                w = &rec->cands[i];
        if (w) {
            fallback = "MODAK's mapper choice: no candidate could be predicted here";
        } else {
            const char *own = json_string_value(json_object_get(
                json_object_get(json_object_get(in->job, "job"), "application"),
                "container_runtime"));
            if (own) {
                memset(out, 0, sizeof *out);
                out->image = mk_arena_strdup(a, own);
                out->graph_compiler = "none";
                out->threads = out->batch = out->ranks = out->nodes = 1;
                out->target = rec->target ? mk_arena_strdup(a, rec->target) : NULL;
                out->reason = "the user's own container: no candidate could be predicted or "
                              "mapped here";
                *record = decide_record_json(rec);
                rc = 0;
                goto done;
            }
        }
    }
    if (!w) {
        mk_buf why;
        mk_buf_init(&why);
        for (size_t i = 0; i < rec->n && i < 3; i++)
            mk_buf_printf(&why, "%s%s: %s", i ? "; " : "", rec->cands[i].key,
                          rec->cands[i].reason ? rec->cands[i].reason : "?");
        mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                   "node '%s': no candidate deployment can run on target %s (%s)", in->node,
                   rec->target ? rec->target : "?", why.s ? why.s : "");
        mk_buf_fini(&why);
        goto done;
    }
    int native = w->build == DECIDE_NATIVE || w->build == DECIDE_NATIVE_GENERIC;
    if (native) {
        char tag[128];
        emit_image_tag(in->node, tag, sizeof tag);
        out->image = mk_arena_strdup(a, tag);
    } else {
        out->image = mk_arena_strdup(a, w->container ? w->container : w->image);
    }
    out->graph_compiler = mk_arena_strdup(a, decide_gc_name(w->gc));
    out->threads = w->threads > 0 ? w->threads : 1;
    out->batch = w->batch > 0 ? w->batch : 1;
    out->ranks = w->ranks > 0 ? w->ranks : 1;
    out->nodes = w->nodes > 0 ? w->nodes : 1;
    out->predicted_seconds = w->train_s > 0 ? w->train_s : w->objective_s;
    out->target = rec->target ? mk_arena_strdup(a, rec->target) : NULL;
    out->openblas_coretype =
        rec->openblas_coretype ? mk_arena_strdup(a, rec->openblas_coretype) : NULL;
    out->reason = fallback ? fallback : w->reason ? mk_arena_strdup(a, w->reason) : NULL;
    out->microarch = rec->microarch ? mk_arena_strdup(a, rec->microarch) : NULL;
    out->generic = w->build == DECIDE_NATIVE_GENERIC;
    if (p->o.explain) {
        mk_buf b;
        mk_buf_init(&b);
        decide_record_to_text(rec, 20, &b);
        out->explain = mk_arena_strdup(a, b.s ? b.s : "");
        mk_buf_fini(&b);
    }
    *record = decide_record_json(rec);
    rc = 0;
done:
    decide_record_free(rec);
    decide_job_fini(&job);
    return rc;
}

/* ---- the compile adapter ---- */

static int compile(void *ud, const char *network, const opt_decision *d, char **binary, mk_err *err)
{
    pipeline *p = ud;
    const char *march = d->microarch && graph_march_find(d->microarch) ? d->microarch : NULL;
    if (!march) {
        /* a target modak has no flags for: the baseline its family certainly runs */
        march = "x86_64";
    }
    char *key = mk_xasprintf("%s|%s|batch=%d|threads=%d|generic=%d", network, march, d->batch,
                             d->threads, d->generic);
    int rc = -1;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->nbins; i++)
        if (!strcmp(p->bins[i].key, key)) {
            *binary = mk_xstrdup(p->bins[i].path);
            rc = 0;
            goto out;
        }
    if (!p->have_tc) {
        if (graph_toolchain_detect(NULL, &p->tc, err)) goto out;
        p->have_tc = 1;
    }
    graph *g = graph_load_spec(network, d->batch, err);
    if (!g) goto out;
    char cflags[1024], note[1700];
    graph_compiled gc = {0};
    graph_build_result br = {0};
    if (graph_target_cflags(&p->tc, march, d->generic, cflags, sizeof cflags, err)) {
        graph_free(g);
        goto out;
    }
    if (snprintf(note, sizeof note, "%s %s %s", p->tc.cc, p->tc.version, cflags) >= (int)sizeof note)
        note[sizeof note - 1] = 0; /* only a note in the binary's `info` */
    graph_options go = {.generic = d->generic, .threads = d->threads, .target = march,
                        .build = note, .vec_floats = graph_march_vector_floats(march)};
    char *tmp = mk_path_join(p->tmpdir, "train");
    if (!graph_codegen(g, &go, &gc, err) &&
        !graph_build(gc.c_source, &p->tc, cflags, key, tmp, &br, err)) {
        p->bins = mk_xrealloc(p->bins, (p->nbins + 1) * sizeof *p->bins);
        p->bins[p->nbins].key = key;
        p->bins[p->nbins].path = mk_xstrdup(br.cache_path);
        p->nbins++;
        key = NULL;
        *binary = mk_xstrdup(br.cache_path);
        rc = 0;
    } else if (br.log) {
        size_t len = strlen(br.log);
        mk_err_clear(err);
        mk_err_set(err, MK_EIO, NULL, 0, 0, "compiling %s failed: %s", network,
                   len > 600 ? br.log + len - 600 : br.log);
    }
    free(tmp);
    graph_build_result_fini(&br);
    graph_compiled_fini(&gc);
    graph_free(g);
out:
    pthread_mutex_unlock(&p->lock);
    free(key);
    return rc;
}

/* ---- the pipeline ---- */

pipeline *pipeline_new(const pipeline_opts *o, mk_err *err)
{
    pipeline *p = mk_xcalloc(1, sizeof *p);
    p->o = *o;
    p->o.types = NULL;
    p->o.ntypes = 0;
    p->o.registries = NULL;
    p->o.nregistries = 0;
    for (size_t i = 0; i < o->ntypes; i++) pipeline_opts_add(&p->o.types, &p->o.ntypes, o->types[i]);
    for (size_t i = 0; i < o->nregistries; i++)
        pipeline_opts_add(&p->o.registries, &p->o.nregistries, o->registries[i]);
    pthread_mutex_init(&p->lock, NULL);
    p->tosca.search_paths = p->o.types;
    p->tosca.nsearch = p->o.ntypes;
    p->tosca.check_section = check_section;
    p->tosca.check_cross = dsl_check_cross;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(p->stamp, sizeof p->stamp, "%Y%m%d%H%M%S", &tm);
    for (size_t i = 0; i < p->o.ntypes; i++)
        if (!mk_is_dir(p->o.types[i])) {
            mk_err_set(err, MK_EUSAGE, p->o.types[i], 0, 0, "--types: not a directory");
            goto fail;
        }
    p->reg = reg_load_default(p->o.registries, p->o.nregistries, err);
    if (!p->reg) goto fail;
    char *dir = target_data_dir();
    char *bdir = mk_path_join(dir, "benchmarks");
    if (mk_is_dir(bdir)) p->store = bench_store_load_dir(bdir, err);
    int bad = mk_is_dir(bdir) && !p->store;
    free(bdir);
    free(dir);
    if (bad) goto fail;
    if (p->o.profile) {
        if (calib_profile_load(p->o.profile, &p->prof, err)) goto fail;
        p->have_prof = 1;
    }
    if (!p->o.no_compile) {
        char *cache = graph_cache_dir();
        if (mk_mkdir_p(cache, err)) {
            free(cache);
            goto fail;
        }
        char *base = mk_path_join(cache, "tmp");
        free(cache);
        if (mk_mkdir_p(base, err)) {
            free(base);
            goto fail;
        }
        char *t = mk_path_join(base, "build");
        free(base);
        p->tmpdir = mk_dir_tmp_sibling(t, err);
        free(t);
        if (!p->tmpdir) goto fail;
    }
    p->outdir = mk_xstrdup(o->outdir ? o->outdir : "out");
    p->o.outdir = p->outdir;
    return p;
fail:
    pipeline_free(p);
    return NULL;
}

void pipeline_free(pipeline *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->ntargets; i++) {
        free(p->targets[i].name);
        target_free(p->targets[i].t);
    }
    free(p->targets);
    for (size_t i = 0; i < p->nidle; i++) tosca_ctx_free(p->idle[i]);
    free(p->idle);
    for (size_t i = 0; i < p->nbins; i++) {
        free(p->bins[i].key);
        free(p->bins[i].path);
    }
    free(p->bins);
    if (p->tmpdir) mk_rm_rf(p->tmpdir);
    free(p->tmpdir);
    reg_free(p->reg);
    bench_store_free(p->store);
    if (p->have_prof) calib_profile_fini(&p->prof);
    pthread_mutex_destroy(&p->lock);
    pipeline_opts_fini(&p->o);
    free(p->outdir);
    free(p);
}

int pipeline_run(pipeline *p, const char *path, opt_outcome *res, diag_list *out)
{
    mk_err err;
    mk_err_clear(&err);
    pthread_mutex_lock(&p->lock);
    tosca_ctx *tc = p->nidle ? p->idle[--p->nidle] : NULL;
    pthread_mutex_unlock(&p->lock);
    if (!tc) tc = tosca_ctx_new(&p->tosca, &err);
    if (!tc) {
        memset(res, 0, sizeof *res);
        res->status = OPT_FAILED;
        res->name = mk_path_stem(path, 1);
        res->message = mk_xstrdup(err.msg);
        return -1;
    }
    opt_config cfg = {.outdir = p->outdir,
                      .inputs = p->o.inputs,
                      .target = p->o.target,
                      .no_compile = p->o.no_compile,
                      .reg = p->reg,
                      .timestamp = p->stamp,
                      .tosca = &p->tosca,
                      .decide = decide,
                      .decide_ud = p,
                      .compile = compile,
                      .compile_ud = p};
    int rc = opt_blueprint(tc, &cfg, path, res, out);
    pthread_mutex_lock(&p->lock);
    p->idle = mk_xrealloc(p->idle, (p->nidle + 1) * sizeof *p->idle);
    p->idle[p->nidle++] = tc;
    pthread_mutex_unlock(&p->lock);
    return rc;
}
