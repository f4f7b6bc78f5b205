/* enforcer — the registry scripts a job script runs before and after the application
 * (MODAK's Enforcer, fixed).
 *
 * A script's conditions name an application (with optional feature values) and/or an
 * infrastructure (by name and/or storage class). MODAK selects them with a series of SQL
 * queries whose results it concatenates and de-duplicates; this keeps that order:
 *   1. infrastructure-only scripts: by name, by one of its storage classes, by both;
 *   2. the application's scripts without feature conditions;
 *   3. the application's scripts with feature conditions, in the order of the job's features;
 *   4. and 5. the same two restricted to the infrastructure (name, storage class, both).
 * Two MODAK defects are fixed: its step 2 and 3 queries do not require the script to have no
 * infrastructure condition (so a script written for one site was added on every site), and a
 * script whose conditions name several features was taken when any one of them matched; here
 * every feature it names must equal the job's. */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

static int feature_eq(const json_t *a, const json_t *b)
{
    char *x = reg_feature_str(a), *y = reg_feature_str(b);
    int eq = x && y && !strcmp(x, y);
    free(x);
    free(y);
    return eq;
}

/* Every feature the script names has the job's value. */
static int features_hold(const reg_script *s, const json_t *features)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)s->feature, k, v)
    {
        const json_t *have = features ? json_object_get(features, k) : NULL;
        if (!have || !feature_eq(v, have)) return 0;
    }
    return 1;
}

static int has_class(const reg_infra *inf, const char *sc)
{
    for (size_t i = 0; i < inf->nstorage; i++)
        if (!strcmp(inf->storage[i].storage_class, sc)) return 1;
    for (size_t p = 0; p < inf->nparts; p++)
        for (size_t i = 0; i < inf->parts[p].nstorage; i++)
            if (!strcmp(inf->parts[p].storage[i].storage_class, sc)) return 1;
    return 0;
}

/* The infrastructure restrictions of MODAK's _target2stmts, by number:
 * 0 name and no storage class, 1 no name and a storage class of the infrastructure,
 * 2 name and a storage class of the infrastructure. */
static int infra_matches(const reg_script *s, int which, const char *name, const reg_infra *inf)
{
    if (!s->has_infra || !name) return 0;
    switch (which) {
    case 0:
        return s->infra_name && !strcmp(s->infra_name, name) && !s->storage_class;
    case 1:
        return !s->infra_name && s->storage_class && inf && has_class(inf, s->storage_class);
    default:
        return s->infra_name && !strcmp(s->infra_name, name) && s->storage_class && inf &&
               has_class(inf, s->storage_class);
    }
}

static void add(reg_script_list *l, const reg_script *s, mk_buf *explain, const char *why)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == s) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = mk_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
    if (explain)
        mk_buf_printf(explain, "enforcer: script %s (%s, %s): %s\n", s->id,
                      s->stage == REG_STAGE_PRE ? "pre" : "post",
                      s->description ? s->description : "no description", why);
}

static int is_app(const reg_script *s, const char *app)
{
    return app && s->app_name && !strcmp(s->app_name, app);
}

int reg_enforce(const reg_registry *r, const char *app_name, const char *infra_name,
                const reg_infra *infra, const json_t *features, reg_script_list *out,
                mk_buf *explain, mk_err *err)
{
    size_t n = reg_count(r, REG_SCRIPT);
    static const char *const infra_why[] = {"the infrastructure's name",
                                            "one of the infrastructure's storage classes",
                                            "the infrastructure's name and storage class"};
    memset(out, 0, sizeof *out);
    (void)err;
    /* 1. infrastructure-only */
    for (int w = 0; w < 3; w++)
        for (size_t i = 0; i < n; i++) {
            const reg_script *s = reg_script_at(r, i);
            if (!s->app_name && infra_matches(s, w, infra_name, infra))
                add(out, s, explain, infra_why[w]);
        }
    /* 2. application, no features, no infrastructure condition */
    for (size_t i = 0; i < n; i++) {
        const reg_script *s = reg_script_at(r, i);
        if (is_app(s, app_name) && !s->has_infra && !json_object_size(s->feature))
            add(out, s, explain, "the application");
    }
    /* 3. application with features, in the order of the job's features */
    const char *k;
    json_t *v;
    if (features) json_object_foreach((json_t *)features, k, v)
        {
            for (size_t i = 0; i < n; i++) {
                const reg_script *s = reg_script_at(r, i);
                if (is_app(s, app_name) && !s->has_infra && json_object_get(s->feature, k) &&
                    features_hold(s, features))
                    add(out, s, explain, "the application and its features");
            }
        }
    /* 4. and 5. the same, restricted to the infrastructure */
    for (int w = 0; w < 3; w++)
        for (size_t i = 0; i < n; i++) {
            const reg_script *s = reg_script_at(r, i);
            if (is_app(s, app_name) && !json_object_size(s->feature) &&
                infra_matches(s, w, infra_name, infra))
                add(out, s, explain, "the application on this infrastructure");
        }
    for (int w = 0; w < 3; w++)
        if (features) json_object_foreach((json_t *)features, k, v)
            {
                for (size_t i = 0; i < n; i++) {
                    const reg_script *s = reg_script_at(r, i);
                    if (is_app(s, app_name) && json_object_get(s->feature, k) &&
                        features_hold(s, features) && infra_matches(s, w, infra_name, infra))
                        add(out, s, explain, "the application's features on this infrastructure");
                }
            }
    if (explain && !out->n)
        mk_buf_printf(explain, "enforcer: no script applies (application %s, infrastructure %s)\n",
                      app_name ? app_name : "(none)", infra_name ? infra_name : "(none)");
    return 0;
}

void reg_script_list_fini(reg_script_list *l)
{
    if (!l) return;
    free(l->v);
    memset(l, 0, sizeof *l);
}
