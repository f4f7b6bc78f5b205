/* mapper — chooses the container image of a job (MODAK's Mapper, fixed).
 *
 * MODAK decodes the job's optimisation section into an application name plus "key:value"
 * strings and asks SQL for images whose target and optimisation columns contain each string
 * as a substring (LIKE '%version:2.1%' also takes version:2.1.1), then takes whichever row
 * the database returns first. Here the same decoding gives asks (application + features);
 * every image of that application is compared key by key (values compared the way MODAK
 * prints them: booleans true/false, numbers in shortest form, strings lower-cased), refused
 * with the reason or accepted with a score (extra features it was built with, a generic
 * cpu_type "none" image instead of one built for the requested CPU), and the accepted ones
 * ranked by score, then MODAK's map_id (highest first), then name. Per ask, optimised images
 * (enable_opt_build true) are tried first when the job enables them, then stock images; when
 * no ask finds one, the job keeps its own container_runtime. */
#include "registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *lower_xdup(const char *s)
{
    char *d = mk_xstrdup(s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static const char *jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Keys of the DSL's parallelisation blocks that describe how the job runs, not how an image
 * was built: no image is registered with them, so asking for them would refuse every image. */
static const char *const run_keys[] = {"scaling_efficiency",
                                       "core_subscription",
                                       "message_size",
                                       "number_of_threads",
                                       "affinity",
                                       "number_of_acc",
                                       NULL};

static void add_ask(reg_request *req, const char *app, json_t *features, const char *what)
{
    for (size_t i = 0; run_keys[i]; i++)
        json_object_del(features, run_keys[i]);
    if (!app || !*app || req->nasks == sizeof req->asks / sizeof *req->asks) {
        json_decref(features);
        return;
    }
    for (size_t i = 0; i < req->nasks; i++) /* the same ask twice explains nothing new */
        if (!strcmp(req->asks[i].app_name, app) && json_equal(req->asks[i].features, features)) {
            json_decref(features);
            return;
        }
    req->asks[req->nasks].app_name = mk_xstrdup(app);
    req->asks[req->nasks].features = features;
    req->asks[req->nasks].what = what;
    req->nasks++;
}

static int need_obj(const json_t *parent, const char *key, const char *at, json_t **out,
                    mk_err *err)
{
    json_t *v = json_object_get(parent, key);
    if (!v || !json_is_object(v))
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "%s/%s: %s", at, key,
                          v ? "must be an object" : "is required for the mapper");
    *out = v;
    return 0;
}

int reg_request_decode(const json_t *job, reg_request *req, mk_err *err)
{
    memset(req, 0, sizeof *req);
    const json_t *opt = json_object_get(job, "optimisation");
    const json_t *app = json_object_get(job, "application");
    const char *app_tag = jstr(app, "app_tag");
    if (!opt || json_is_null(opt)) return 0;
    if (!json_is_object(opt))
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "/job/optimisation must be an object");
    req->has_optimisation = 1;
    req->enable_opt_build = json_is_true(json_object_get(opt, "enable_opt_build"));
    const char *app_type = jstr(opt, "app_type");
    req->app_type = app_type ? mk_xstrdup(app_type) : NULL;

    /* the target: opt_build (MODAK's DSL) or arch_build (its cirrus/daint examples) */
    const json_t *build = json_object_get(opt, "opt_build");
    if (!json_is_object(build)) build = json_object_get(opt, "arch_build");
    if (json_is_object(build)) {
        const char *cpu = jstr(build, "cpu_type"), *acc = jstr(build, "acc_type");
        req->cpu_type = cpu && *cpu ? lower_xdup(cpu) : NULL;
        /* MODAK's model turns a missing acc_type into None, which matches "acc_type:none";
         * an empty one matched every image in MODAK's substring query: no requirement */
        const json_t *accj = json_object_get(build, "acc_type");
        if (!accj || json_is_null(accj))
            req->acc_type = lower_xdup("none");
        else if (acc && *acc)
            req->acc_type = lower_xdup(acc);
    }

    const char *app_name = jstr(opt, "app_name");
    if (app_name && *app_name) {
        const json_t *ab = json_object_get(opt, "app_build");
        req->opts = json_is_object(ab) ? json_deep_copy(ab) : NULL;
        add_ask(req, app_name, json_is_object(ab) ? json_deep_copy(ab) : json_object(),
                "optimisation/app_name with app_build");
    } else if (app_type && !strcmp(app_type, "ai_training")) {
        json_t *blk = NULL, *cfg = NULL, *fwblk = NULL;
        if (need_obj(opt, "app_type-ai_training", "/job/optimisation", &blk, err) ||
            need_obj(blk, "config", "/job/optimisation/app_type-ai_training", &cfg, err))
            return -1;
        const char *fw = jstr(cfg, "ai_framework");
        if (!fw || !*fw)
            return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                              "/job/optimisation/app_type-ai_training/config/ai_framework is "
                              "required for the mapper");
        char key[128];
        snprintf(key, sizeof key, "ai_framework-%s", fw);
        if (need_obj(blk, key, "/job/optimisation/app_type-ai_training", &fwblk, err)) return -1;
        req->opts = json_deep_copy(fwblk);
        add_ask(req, fw, json_deep_copy(fwblk), "the ai_framework and its ai_framework-* block");
    } else if (app_type && !strcmp(app_type, "hpc")) {
        json_t *blk = NULL, *cfg = NULL, *pblk = NULL;
        if (need_obj(opt, "app_type-hpc", "/job/optimisation", &blk, err) ||
            need_obj(blk, "config", "/job/optimisation/app_type-hpc", &cfg, err))
            return -1;
        const char *par = jstr(cfg, "parallelisation");
        if (!par || !*par)
            return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                              "/job/optimisation/app_type-hpc/config/parallelisation is required "
                              "for the mapper");
        char key[128];
        snprintf(key, sizeof key, "parallelisation-%s", par);
        if (need_obj(blk, key, "/job/optimisation/app_type-hpc", &pblk, err)) return -1;
        const char *library = jstr(pblk, "library");
        req->opts = json_deep_copy(pblk);
        json_t *without = json_deep_copy(pblk);
        json_object_del(without, "library");
        if (app_tag && *app_tag) {
            add_ask(req, app_tag, json_deep_copy(pblk),
                    "the app_tag with its parallelisation block");
            add_ask(req, library, without, "the MPI library (the app_tag names no image)");
        } else {
            add_ask(req, library, without, "the MPI library of the parallelisation block");
        }
    }
    add_ask(req, app_tag, json_object(), "the app_tag alone (MODAK's last decoder)");
    return 0;
}

void reg_request_fini(reg_request *req)
{
    if (!req) return;
    for (size_t i = 0; i < req->nasks; i++) {
        free(req->asks[i].app_name);
        json_decref(req->asks[i].features);
    }
    json_decref(req->opts);
    free(req->app_type);
    free(req->cpu_type);
    free(req->acc_type);
    memset(req, 0, sizeof *req);
}

/* Compares one image with an ask; fills why and score; returns 1 when it matches. */
static int match_image(const reg_image *img, const reg_request *req, const reg_ask *ask,
                       int want_opt_build, int *score, mk_buf *why)
{
    *score = 0;
    if (img->opt_build < 0) {
        mk_buf_puts(why, "refused: it does not say build.enable_opt_build");
        return 0;
    }
    if (img->opt_build != want_opt_build) {
        mk_buf_printf(why, "refused: %s image, this pass takes %s ones",
                      img->opt_build ? "an optimised" : "a stock",
                      want_opt_build ? "optimised" : "stock");
        return 0;
    }
    if (req->cpu_type && strcmp(img->cpu_type, req->cpu_type)) {
        if (strcmp(img->cpu_type, "none")) {
            mk_buf_printf(why, "refused: built for cpu_type %s, the job asks for %s", img->cpu_type,
                          req->cpu_type);
            return 0;
        }
        *score += 100; /* generic build: runs on any CPU, ranked after CPU-specific ones */
    }
    if (req->acc_type && strcmp(img->acc_type, req->acc_type)) {
        mk_buf_printf(why, "refused: built for acc_type %s, the job asks for %s", img->acc_type,
                      req->acc_type);
        return 0;
    }
    const char *k;
    json_t *v;
    json_object_foreach(ask->features, k, v)
    {
        char *want = reg_feature_str(v);
        if (!want) continue; /* objects, arrays and nulls describe nothing an image has */
        const json_t *have_j = json_object_get(img->optimisation, k);
        char *have = have_j ? reg_feature_str(have_j) : NULL;
        int ok = have && !strcmp(have, want);
        if (!ok) {
            if (have)
                mk_buf_printf(why, "refused: %s is %s, the job asks for %s", k, have, want);
            else
                mk_buf_printf(why, "refused: it was not built with %s (the job asks for %s)", k,
                              want);
        }
        free(want);
        free(have);
        if (!ok) return 0;
    }
    json_object_foreach((json_t *)img->optimisation, k,
                        v) if (!json_object_get(ask->features, k)) *score += 1;
    mk_buf_printf(why, "matches");
    if (*score >= 100) mk_buf_puts(why, " (generic cpu_type none build)");
    if (*score % 100)
        mk_buf_printf(why, " (%d feature%s the job does not ask for)", *score % 100,
                      *score % 100 == 1 ? "" : "s");
    return 1;
}

static int cand_cmp(const void *a, const void *b)
{
    const reg_candidate *x = a, *y = b;
    if (x->accepted != y->accepted) return y->accepted - x->accepted;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    if (x->image->map_id != y->image->map_id) return x->image->map_id > y->image->map_id ? -1 : 1;
    return strcmp(x->image->name, y->image->name);
}

static void push_cand(reg_mapping *m, size_t *cap, const reg_image *img, int accepted, int score,
                      char *why)
{
    if (m->ncands == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        m->cands = mk_xrealloc(m->cands, *cap * sizeof *m->cands);
    }
    m->cands[m->ncands++] = (reg_candidate){img, accepted, score, why};
}

static void explain_features(mk_buf *b, const json_t *features)
{
    const char *k;
    json_t *v;
    int first = 1;
    mk_buf_putc(b, '{');
    json_object_foreach((json_t *)features, k, v)
    {
        char *s = reg_feature_str(v);
        mk_buf_printf(b, "%s%s: %s", first ? "" : ", ", k, s ? s : "(ignored)");
        free(s);
        first = 0;
    }
    mk_buf_putc(b, '}');
}

int reg_map(const reg_registry *r, const reg_request *req, const char *user_container,
            reg_mapping *out, mk_err *err)
{
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    mk_buf_init(&out->explain);
    out->source = REG_MAP_NONE;
    if (!req->has_optimisation) {
        mk_buf_puts(&out->explain, "mapper: the job has no optimisation section: no image is "
                                   "looked up (as in MODAK)\n");
    } else if (!req->nasks) {
        mk_buf_puts(&out->explain,
                    "mapper: the optimisation section names no application (no ai_framework, MPI "
                    "library, app_name or app_tag)\n");
    } else {
        out->app_name = req->asks[0].app_name;
        mk_buf_printf(&out->explain, "mapper: target cpu_type %s, acc_type %s; %s\n",
                      req->cpu_type ? req->cpu_type : "(any)",
                      req->acc_type ? req->acc_type : "(any)",
                      req->enable_opt_build ? "optimised images first, then stock ones"
                                            : "enable_opt_build is false: stock images only");
    }
    for (size_t a = 0; a < req->nasks && out->source == REG_MAP_NONE; a++) {
        const reg_ask *ask = &req->asks[a];
        for (int pass = req->enable_opt_build ? 1 : 0; pass >= 0; pass--) {
            size_t first = out->ncands, others = 0;
            mk_buf_printf(&out->explain, "mapper: ask %zu (%s): %s images of '%s' with ", a + 1,
                          ask->what, pass ? "optimised" : "stock", ask->app_name);
            explain_features(&out->explain, ask->features);
            mk_buf_putc(&out->explain, '\n');
            for (size_t i = 0; i < reg_count(r, REG_IMAGE); i++) {
                const reg_image *img = reg_image_at(r, i);
                if (strcmp(img->app_name, ask->app_name)) {
                    others++;
                    continue;
                }
                mk_buf why;
                int score;
                mk_buf_init(&why);
                int ok = match_image(img, req, ask, pass, &score, &why);
                push_cand(out, &cap, img, ok, score, mk_buf_detach(&why));
            }
            if (out->ncands > first)
                qsort(out->cands + first, out->ncands - first, sizeof *out->cands, cand_cmp);
            for (size_t i = first; i < out->ncands; i++)
                mk_buf_printf(&out->explain, "  %-40s %s%s\n", out->cands[i].image->name,
                              out->cands[i].why,
                              i == first && out->cands[i].accepted ? " -> taken" : "");
            if (out->ncands == first)
                mk_buf_printf(&out->explain,
                              "  (no image serves '%s'; %zu serve other applications)\n",
                              ask->app_name, others);
            if (out->ncands > first && out->cands[first].accepted) {
                out->image = out->cands[first].image;
                out->source = pass ? REG_MAP_OPTIMISED : REG_MAP_STOCK;
                out->app_name = ask->app_name;
                out->container_runtime =
                    mk_xasprintf("%s://%s", out->image->image_hub, out->image->container_file);
                break;
            }
        }
    }
    if (out->source == REG_MAP_NONE) {
        if (user_container && *user_container) {
            out->source = REG_MAP_USER;
            out->container_runtime = mk_xstrdup(user_container);
            mk_buf_printf(&out->explain, "mapper: no registered image fits: the job keeps its own "
                                         "container_runtime\n");
        } else {
            mk_buf_printf(&out->explain, "mapper: no registered image fits and the job names no "
                                         "container_runtime: the application runs on the host\n");
        }
    } else {
        mk_buf_printf(&out->explain, "mapper: %s image '%s' -> %s\n",
                      out->source == REG_MAP_OPTIMISED ? "optimised" : "stock", out->image->name,
                      out->container_runtime);
    }
    (void)err;
    return 0;
}

void reg_mapping_fini(reg_mapping *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->ncands; i++)
        free(m->cands[i].why);
    free(m->cands);
    free(m->container_runtime);
    mk_buf_fini(&m->explain);
    memset(m, 0, sizeof *m);
}
