/* registry — reading and checking the layered registry (see registry.h for the formats).
 *
 * Every file is read with jansson (duplicate keys refused), every entry is parsed strictly:
 * unknown keys, wrong types and unsafe names are errors naming the file and the JSON path,
 * because a registry entry ends up in generated shell scripts. Parsed strings are copied into
 * the registry's arena; each entry also keeps its JSON (for `registry show` and for the
 * feature objects the mapper and enforcer compare). Entries of a kind are kept sorted by key,
 * so every later pass is deterministic whatever order the files were found in. */
#include "registry.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include "mk_fs.h"

typedef struct reg_entry {
    const char *key;
    json_t *json;
    reg_origin origin;
    union {
        reg_image img;
        reg_script scr;
        reg_infra inf;
        reg_scaling sc;
    } u;
} reg_entry;

typedef struct reg_vec {
    reg_entry *v;
    size_t n, cap;
} reg_vec;

struct reg_registry {
    mk_arena arena;
    reg_vec kinds[REG_KIND_COUNT];
    json_t *archspec; /* {"families": {family: [microarch, ...]}} or NULL */
    char **layers;
    size_t nlayers;
};

static const struct {
    const char *name, *dir, *key;
} kinds[] = {
    [REG_IMAGE] = {"image", "images", "name"},
    [REG_SCRIPT] = {"script", "scripts", "id"},
    [REG_INFRA] = {"infrastructure", "infrastructures", "name"},
    [REG_SCALING] = {"scaling", "scaling", "opt_dsl_code"},
};
_Static_assert(sizeof kinds / sizeof *kinds == REG_KIND_COUNT, "one row per registry kind");

const char *reg_kind_name(reg_kind k)
{
    return (unsigned)k < REG_KIND_COUNT ? kinds[k].name : NULL;
}

const char *reg_kind_dir(reg_kind k)
{
    return (unsigned)k < REG_KIND_COUNT ? kinds[k].dir : NULL;
}

int reg_kind_parse(const char *s)
{
    if (!s) return -1;
    for (int k = 0; k < REG_KIND_COUNT; k++)
        if (!strcmp(s, kinds[k].name) || !strcmp(s, kinds[k].dir)) return k;
    if (!strcmp(s, "infra")) return REG_INFRA;
    return -1;
}

reg_registry *reg_new(void)
{
    reg_registry *r = mk_xcalloc(1, sizeof *r);
    mk_arena_init(&r->arena);
    return r;
}

void reg_free(reg_registry *r)
{
    if (!r) return;
    for (int k = 0; k < REG_KIND_COUNT; k++) {
        for (size_t i = 0; i < r->kinds[k].n; i++)
            json_decref(r->kinds[k].v[i].json);
        free(r->kinds[k].v);
    }
    json_decref(r->archspec);
    for (size_t i = 0; i < r->nlayers; i++)
        free(r->layers[i]);
    free(r->layers);
    mk_arena_fini(&r->arena);
    free(r);
}

const char *reg_default_dir(void)
{
    const char *env = getenv("MODAK_REGISTRY_DIR");
    if (env && *env && mk_is_dir(env)) return env;
    if (mk_is_dir(MODAK_DATA_DIR "/data/registry")) return MODAK_DATA_DIR "/data/registry";
    if (mk_is_dir(MODAK_SOURCE_DIR "/model/data/registry"))
        return MODAK_SOURCE_DIR "/model/data/registry";
    return NULL;
}

/* ---- small parsing helpers; `at` is the JSON path of the value in messages ---- */

typedef struct pctx {
    reg_registry *r;
    const char *file;
    mk_err *err;
} pctx;

static int perr(pctx *c, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(pctx *c, const char *at, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++) /* values quoted in messages stay on one line */
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return mk_err_set(c->err, MK_EINVAL, c->file, 0, 0, "%s: %s", at, msg);
}

const char *reg_json_type_word(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* Refuses keys of obj not in allowed (NULL-terminated). */
static int only_keys(pctx *c, const json_t *obj, const char *at, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (!strcmp(k, allowed[i])) ok = 1;
        if (!ok) return perr(c, at, "unknown key '%s'", k);
    }
    return 0;
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

/* A string member: required or optional (NULL stays NULL; JSON null counts as absent). */
static int get_str(pctx *c, const json_t *obj, const char *key, const char *at, int required,
                   const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return perr(c, at, "'%s' is required", key);
        return 0;
    }
    if (!json_is_string(v))
        return perr(c, at, "'%s' must be a string, not %s", key, reg_json_type_word(v));
    *out = mk_arena_strdup(&c->r->arena, json_string_value(v));
    return 0;
}

static int get_int(pctx *c, const json_t *obj, const char *key, const char *at, int required,
                   long long min, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) return perr(c, at, "'%s' is required", key);
        return 0;
    }
    if (!json_is_integer(v))
        return perr(c, at, "'%s' must be an integer, not %s", key, reg_json_type_word(v));
    if (json_integer_value(v) < min) return perr(c, at, "'%s' must be at least %lld", key, min);
    *out = json_integer_value(v);
    return 0;
}

static int get_obj(pctx *c, const json_t *obj, const char *key, const char *at, int required,
                   json_t **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return perr(c, at, "'%s' is required", key);
        return 0;
    }
    if (!json_is_object(v))
        return perr(c, at, "'%s' must be an object, not %s", key, reg_json_type_word(v));
    *out = v;
    return 0;
}

static char *lower_dup(mk_arena *a, const char *s)
{
    char *d = mk_arena_strdup(a, s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

/* Keys become file names and script markers: a conservative charset. */
static int check_key(pctx *c, const char *at, const char *what, const char *s)
{
    if (!*s) return perr(c, at, "%s is empty", what);
    if (strlen(s) > 200) return perr(c, at, "%s is longer than 200 characters", what);
    if (s[0] == '.' || s[0] == '-') return perr(c, at, "%s '%s' starts with '%c'", what, s, s[0]);
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._:+@-", *p))
            return perr(c, at,
                        "%s '%s' has the character '%c' (allowed: letters, digits, . _ : + @ -)",
                        what, s, isprint((unsigned char)*p) ? *p : '?');
    return 0;
}

/* Values that end up as shell words or in a container reference: no whitespace, quotes,
 * shell metacharacters or control characters. */
static int check_ref(pctx *c, const char *at, const char *what, const char *s)
{
    if (!*s) return perr(c, at, "%s is empty", what);
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._/:@+-=", *p))
            return perr(c, at,
                        "%s '%s' has the character '%c', which an image reference cannot hold",
                        what, s, isprint((unsigned char)*p) ? *p : '?');
    return 0;
}

/* Feature maps: an object of scalars. */
static int check_features(pctx *c, const json_t *obj, const char *at)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!*k) return perr(c, at, "a feature has an empty name");
        if (!(json_is_string(v) || json_is_boolean(v) || json_is_integer(v) || json_is_real(v)))
            return perr(c, at, "feature '%s' must be a string, boolean or number, not %s", k,
                        reg_json_type_word(v));
    }
    return 0;
}

/* ---- per-kind parsers ---- */

static int parse_image(pctx *c, json_t *j, reg_image *img)
{
    static const char *const keys[] = {
        "name",           "app_name",   "version",   "build", "optimisation",
        "container_file", "image_type", "image_hub", "src",   "map_id",
        "description",    "source",     NULL};
    static const char *const bkeys[] = {"enable_opt_build", "cpu_type", "acc_type", NULL};
    json_t *build, *opt;
    const char *s;
    memset(img, 0, sizeof *img);
    if (only_keys(c, j, "image", keys)) return -1;
    if (get_str(c, j, "name", "image", 1, &img->name) ||
        check_key(c, "image/name", "name", img->name))
        return -1;
    if (get_str(c, j, "app_name", "image", 1, &img->app_name)) return -1;
    if (!*img->app_name || has_ctl(img->app_name)) return perr(c, "image/app_name", "bad app_name");
    if (get_str(c, j, "version", "image", 0, &s)) return -1;
    if (get_obj(c, j, "build", "image", 1, &build) || only_keys(c, build, "image/build", bkeys))
        return -1;
    json_t *eob = json_object_get(build, "enable_opt_build");
    if (!eob || json_is_null(eob))
        img->opt_build = -1;
    else if (json_is_boolean(eob))
        img->opt_build = json_is_true(eob);
    else
        return perr(c, "image/build", "'enable_opt_build' must be a boolean");
    if (get_str(c, build, "cpu_type", "image/build", 0, &s)) return -1;
    img->cpu_type = s && *s ? lower_dup(&c->r->arena, s) : "none";
    if (get_str(c, build, "acc_type", "image/build", 0, &s)) return -1;
    img->acc_type = s && *s ? lower_dup(&c->r->arena, s) : "none";
    if (get_obj(c, j, "optimisation", "image", 0, &opt)) return -1;
    if (!opt) {
        opt = json_object();
        json_object_set_new(j, "optimisation", opt);
    }
    if (check_features(c, opt, "image/optimisation")) return -1;
    img->optimisation = opt;
    if (get_str(c, j, "container_file", "image", 1, &img->container_file) ||
        check_ref(c, "image/container_file", "container_file", img->container_file))
        return -1;
    if (get_str(c, j, "image_type", "image", 0, &img->image_type)) return -1;
    if (!img->image_type) img->image_type = "docker";
    if (get_str(c, j, "image_hub", "image", 0, &img->image_hub)) return -1;
    if (!img->image_hub) img->image_hub = "docker";
    for (const char *p = img->image_hub; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("+.-", *p))
            return perr(c, "image/image_hub", "image_hub '%s' is not a URI scheme", img->image_hub);
    if (!*img->image_hub) return perr(c, "image/image_hub", "image_hub is empty");
    if (get_str(c, j, "src", "image", 0, &img->src)) return -1;
    if (get_int(c, j, "map_id", "image", 0, 0, &img->map_id)) return -1;
    if (get_str(c, j, "description", "image", 0, &img->description)) return -1;
    return get_str(c, j, "source", "image", 0, &s);
}

static int parse_script(pctx *c, json_t *j, reg_script *s)
{
    static const char *const keys[] = {"id", "description", "conditions", "data", "source", NULL};
    static const char *const ckeys[] = {"application", "infrastructure", NULL};
    static const char *const akeys[] = {"name", "feature", NULL};
    static const char *const ikeys[] = {"name", "storage_class", NULL};
    static const char *const dkeys[] = {"stage", "raw", NULL};
    json_t *cond, *app, *infra, *data, *feat;
    const char *stage, *src;
    memset(s, 0, sizeof *s);
    if (only_keys(c, j, "script", keys)) return -1;
    if (get_str(c, j, "id", "script", 1, &s->id) || check_key(c, "script/id", "id", s->id))
        return -1;
    if (get_str(c, j, "description", "script", 0, &s->description)) return -1;
    if (get_str(c, j, "source", "script", 0, &src)) return -1;
    if (get_obj(c, j, "conditions", "script", 1, &cond) ||
        only_keys(c, cond, "script/conditions", ckeys))
        return -1;
    if (get_obj(c, cond, "application", "script/conditions", 0, &app)) return -1;
    if (app) {
        if (only_keys(c, app, "script/conditions/application", akeys)) return -1;
        if (get_str(c, app, "name", "script/conditions/application", 1, &s->app_name)) return -1;
        if (get_obj(c, app, "feature", "script/conditions/application", 0, &feat)) return -1;
        if (!feat) {
            feat = json_object();
            json_object_set_new(app, "feature", feat);
        }
        if (check_features(c, feat, "script/conditions/application/feature")) return -1;
        s->feature = feat;
    }
    if (get_obj(c, cond, "infrastructure", "script/conditions", 0, &infra)) return -1;
    if (infra) {
        s->has_infra = 1;
        if (only_keys(c, infra, "script/conditions/infrastructure", ikeys)) return -1;
        if (get_str(c, infra, "name", "script/conditions/infrastructure", 0, &s->infra_name) ||
            get_str(c, infra, "storage_class", "script/conditions/infrastructure", 0,
                    &s->storage_class))
            return -1;
    }
    if (get_obj(c, j, "data", "script", 1, &data) || only_keys(c, data, "script/data", dkeys))
        return -1;
    if (get_str(c, data, "stage", "script/data", 1, &stage)) return -1;
    if (!strcmp(stage, "pre"))
        s->stage = REG_STAGE_PRE;
    else if (!strcmp(stage, "post"))
        s->stage = REG_STAGE_POST;
    else
        return perr(c, "script/data/stage", "stage '%s' is neither 'pre' nor 'post'", stage);
    if (get_str(c, data, "raw", "script/data", 1, &s->raw)) return -1;
    if (!*s->raw) return perr(c, "script/data/raw", "the script is empty");
    return 0;
}

static int valid_storage_class(const char *sc)
{
    static const char *const suffixes[] = {"common", "high", "ssd", "ultra_high", NULL};
    if (strncmp(sc, "default-", 8)) return 0;
    for (size_t i = 0; suffixes[i]; i++)
        if (!strcmp(sc + 8, suffixes[i])) return 1;
    return 0;
}

static int parse_storage(pctx *c, const json_t *obj, const char *at, reg_storage **out, size_t *n)
{
    const char *url;
    json_t *v;
    size_t i = 0;
    *out = NULL;
    *n = 0;
    if (!obj) return 0;
    *n = json_object_size(obj);
    *out = mk_arena_alloc(&c->r->arena, (*n ? *n : 1) * sizeof **out);
    json_object_foreach((json_t *)obj, url, v)
    {
        static const char *const skeys[] = {"storage_class", NULL};
        const char *colon = strstr(url, "://");
        if (!colon || colon == url)
            return perr(c, at, "storage key '%s' is not a URL (scheme://path)", url);
        if (!json_is_object(v)) return perr(c, at, "storage '%s' must be an object", url);
        if (only_keys(c, v, at, skeys)) return -1;
        (*out)[i].url = mk_arena_strdup(&c->r->arena, url);
        if (get_str(c, v, "storage_class", at, 1, &(*out)[i].storage_class)) return -1;
        if (!valid_storage_class((*out)[i].storage_class))
            return perr(c, at,
                        "storage_class '%s' of '%s' is not one of default-common, default-high, "
                        "default-ssd, default-ultra_high",
                        (*out)[i].storage_class, url);
        i++;
    }
    return 0;
}

static int parse_partition(pctx *c, const char *name, json_t *j, reg_partition *p)
{
    static const char *const keys[] = {"nnodes", "node", "storage", NULL};
    static const char *const nkeys[] = {"ncpus",  "cpu",     "naccel", "accel",
                                        "memory", "storage", NULL};
    static const char *const ckeys[] = {"arch", "microarch", "ncores", "nthreads", NULL};
    static const char *const akeys[] = {"type", "model", NULL};
    char at[300];
    json_t *node, *cpu, *accel, *storage;
    reg_storage *ns;
    size_t nns;
    memset(p, 0, sizeof *p);
    p->name = mk_arena_strdup(&c->r->arena, name);
    snprintf(at, sizeof at, "configuration/partitions/%s", name);
    if (!json_is_object(j)) return perr(c, at, "a partition must be an object");
    if (only_keys(c, j, at, keys)) return -1;
    if (get_int(c, j, "nnodes", at, 1, 1, &p->nnodes)) return -1;
    if (get_obj(c, j, "storage", at, 0, &storage) ||
        parse_storage(c, storage, at, &p->storage, &p->nstorage))
        return -1;
    if (get_obj(c, j, "node", at, 1, &node)) return -1;
    snprintf(at, sizeof at, "configuration/partitions/%s/node", name);
    if (only_keys(c, node, at, nkeys)) return -1;
    if (get_int(c, node, "ncpus", at, 1, 1, &p->ncpus)) return -1;
    if (get_int(c, node, "naccel", at, 0, 0, &p->naccel)) return -1;
    if (get_obj(c, node, "accel", at, 0, &accel)) return -1;
    if (accel) {
        static const char *const types[] = {"gpu", "fpga", "tpu", NULL};
        int ok = 0;
        if (only_keys(c, accel, at, akeys)) return -1;
        if (get_str(c, accel, "type", at, 1, &p->accel_type) ||
            get_str(c, accel, "model", at, 1, &p->accel_model))
            return -1;
        for (size_t i = 0; types[i]; i++)
            if (!strcmp(p->accel_type, types[i])) ok = 1;
        if (!ok) return perr(c, at, "accel type '%s' is not gpu, fpga or tpu", p->accel_type);
    }
    if ((p->naccel > 0) != (accel != NULL))
        return perr(c, at, "naccel and accel have to be given together");
    json_t *mem = json_object_get(node, "memory");
    if (mem && json_is_integer(mem) && json_integer_value(mem) >= 0)
        p->memory = (unsigned long long)json_integer_value(mem);
    else if (mem && json_is_string(mem)) {
        if (reg_parse_size(json_string_value(mem), &p->memory))
            return perr(c, at, "memory '%s' is not a size such as 256GiB", json_string_value(mem));
    } else if (mem && !json_is_null(mem))
        return perr(c, at, "memory must be a size string or an integer");
    if (get_obj(c, node, "storage", at, 0, &storage) || parse_storage(c, storage, at, &ns, &nns))
        return -1;
    if (nns) { /* node-local storage counts with the partition's */
        reg_storage *all = mk_arena_alloc(&c->r->arena, (p->nstorage + nns) * sizeof *all);
        if (p->nstorage) memcpy(all, p->storage, p->nstorage * sizeof *all);
        memcpy(all + p->nstorage, ns, nns * sizeof *all);
        p->storage = all;
        p->nstorage += nns;
    }
    if (get_obj(c, node, "cpu", at, 1, &cpu)) return -1;
    snprintf(at, sizeof at, "configuration/partitions/%s/node/cpu", name);
    if (only_keys(c, cpu, at, ckeys)) return -1;
    if (get_str(c, cpu, "arch", at, 1, &p->arch) ||
        get_str(c, cpu, "microarch", at, 0, &p->microarch))
        return -1;
    if (get_int(c, cpu, "ncores", at, 1, 1, &p->ncores)) return -1;
    p->nthreads = 1;
    return get_int(c, cpu, "nthreads", at, 0, 1, &p->nthreads);
}

static int parse_infra(pctx *c, json_t *j, reg_infra *inf)
{
    static const char *const keys[] = {"id",     "name", "description", "disabled", "configuration",
                                       "source", NULL};
    static const char *const ckeys[] = {"scheduler", "storage", "partitions", NULL};
    json_t *conf, *storage, *parts, *v;
    const char *s, *pname;
    memset(inf, 0, sizeof *inf);
    if (only_keys(c, j, "infrastructure", keys)) return -1;
    if (get_str(c, j, "name", "infrastructure", 1, &inf->name) ||
        check_key(c, "infrastructure/name", "name", inf->name))
        return -1;
    if (get_str(c, j, "id", "infrastructure", 0, &s) ||
        get_str(c, j, "source", "infrastructure", 0, &s))
        return -1;
    if (get_str(c, j, "description", "infrastructure", 0, &inf->description) ||
        get_str(c, j, "disabled", "infrastructure", 0, &inf->disabled))
        return -1;
    if (get_obj(c, j, "configuration", "infrastructure", 1, &conf) ||
        only_keys(c, conf, "configuration", ckeys))
        return -1;
    if (get_str(c, conf, "scheduler", "configuration", 0, &inf->scheduler)) return -1;
    if (inf->scheduler && strcmp(inf->scheduler, "slurm") && strcmp(inf->scheduler, "torque"))
        return perr(c, "configuration/scheduler", "scheduler '%s' is neither slurm nor torque",
                    inf->scheduler);
    if (get_obj(c, conf, "storage", "configuration", 0, &storage) ||
        parse_storage(c, storage, "configuration/storage", &inf->storage, &inf->nstorage))
        return -1;
    if (get_obj(c, conf, "partitions", "configuration", 0, &parts)) return -1;
    inf->nparts = parts ? json_object_size(parts) : 0;
    inf->parts = mk_arena_alloc(&c->r->arena, (inf->nparts ? inf->nparts : 1) * sizeof *inf->parts);
    size_t i = 0;
    if (parts) json_object_foreach(parts, pname, v)
        {
            if (parse_partition(c, pname, v, &inf->parts[i++])) return -1;
        }
    return 0;
}

static int parse_scaling(pctx *c, json_t *j, reg_scaling *sc)
{
    static const char *const keys[] = {"opt_dsl_code", "model", "description", "source", NULL};
    static const char *const noop_keys[] = {"name", NULL};
    static const char *const max_keys[] = {"name", "max_nranks", "max_nthreads", NULL};
    static const char *const amdahl_keys[] = {"name", "F", NULL};
    json_t *model;
    const char *name, *s;
    memset(sc, 0, sizeof *sc);
    if (only_keys(c, j, "scaling", keys)) return -1;
    if (get_str(c, j, "opt_dsl_code", "scaling", 1, &sc->image) ||
        check_key(c, "scaling/opt_dsl_code", "opt_dsl_code", sc->image))
        return -1;
    if (get_str(c, j, "description", "scaling", 0, &s) || get_str(c, j, "source", "scaling", 0, &s))
        return -1;
    if (get_obj(c, j, "model", "scaling", 1, &model)) return -1;
    if (get_str(c, model, "name", "scaling/model", 1, &name)) return -1;
    if (!strcmp(name, "noop") || !strcmp(name, "no-op")) {
        sc->kind = REG_SCALE_NOOP;
        return only_keys(c, model, "scaling/model", noop_keys);
    }
    if (!strcmp(name, "max")) {
        sc->kind = REG_SCALE_MAX;
        if (only_keys(c, model, "scaling/model", max_keys)) return -1;
        return get_int(c, model, "max_nranks", "scaling/model", 0, 1, &sc->max_nranks) ||
                       get_int(c, model, "max_nthreads", "scaling/model", 0, 1, &sc->max_nthreads)
                   ? -1
                   : 0;
    }
    if (!strcmp(name, "amdahl")) {
        sc->kind = REG_SCALE_AMDAHL;
        if (only_keys(c, model, "scaling/model", amdahl_keys)) return -1;
        json_t *F = json_object_get(model, "F");
        if (!F || !json_is_number(F))
            return perr(c, "scaling/model", "amdahl needs 'F', the parallel fraction (a number)");
        sc->F = json_number_value(F);
        if (!(sc->F >= 0 && sc->F < 1))
            return perr(c, "scaling/model", "F = %g is not in [0, 1)", sc->F);
        return 0;
    }
    return perr(c, "scaling/model/name", "unknown scaling model '%s' (noop, max, amdahl)", name);
}

/* ---- storing entries ---- */

static long vec_find(const reg_vec *v, const char *key, size_t *ins)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(v->v[mid].key, key);
        if (!c) return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (ins) *ins = lo;
    return -1;
}

static int store(reg_registry *r, reg_kind k, json_t *j, const char *file, int layer, mk_err *err)
{
    pctx c = {r, file, err};
    reg_entry e;
    int rc;
    memset(&e, 0, sizeof e);
    if (!json_is_object(j))
        return mk_err_set(err, MK_EINVAL, file, 0, 0, "a %s entry must be an object, not %s",
                          kinds[k].name, reg_json_type_word(j));
    /* parse a private deep copy: parsers may add defaults to it, and the caller's JSON stays
     * the caller's */
    json_t *own = json_deep_copy(j);
    switch (k) {
    case REG_IMAGE:
        rc = parse_image(&c, own, &e.u.img);
        break;
    case REG_SCRIPT:
        rc = parse_script(&c, own, &e.u.scr);
        break;
    case REG_INFRA:
        rc = parse_infra(&c, own, &e.u.inf);
        break;
    default:
        rc = parse_scaling(&c, own, &e.u.sc);
        break;
    }
    if (rc) {
        json_decref(own);
        return -1;
    }
    e.key = mk_arena_strdup(&r->arena, json_string_value(json_object_get(own, kinds[k].key)));
    e.json = own;
    e.origin.file = mk_arena_strdup(&r->arena, file);
    e.origin.layer = layer;
    reg_vec *v = &r->kinds[k];
    size_t ins = 0;
    long at = vec_find(v, e.key, &ins);
    if (at >= 0) {
        if (v->v[at].origin.layer == layer) {
            const char *other = v->v[at].origin.file;
            json_decref(own);
            return mk_err_set(err, MK_EINVAL, file, 0, 0, "%s '%s' is already defined in %s",
                              kinds[k].name, e.key, other);
        }
        json_decref(v->v[at].json);
        v->v[at] = e;
        return 0;
    }
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->v = mk_xrealloc(v->v, v->cap * sizeof *v->v);
    }
    memmove(v->v + ins + 1, v->v + ins, (v->n - ins) * sizeof *v->v);
    v->v[ins] = e;
    v->n++;
    return 0;
}

typedef struct load_ctx {
    reg_registry *r;
    reg_kind kind;
    int layer;
    mk_buf *report;
    int problems;
    mk_err *err;
} load_ctx;

static void report_err(load_ctx *lc, const mk_err *e)
{
    char buf[1600];
    mk_buf_printf(lc->report, "error: %s\n", mk_err_str(e, buf, sizeof buf));
    lc->problems++;
}

static int load_file(const char *path, void *ud)
{
    load_ctx *lc = ud;
    json_error_t je;
    mk_err e;
    mk_err_clear(&e);
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        mk_err_set(&e, MK_EINVAL, path, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0,
                   "%s", je.text);
        if (!lc->report) {
            *lc->err = e;
            return -1;
        }
        report_err(lc, &e);
        return 0;
    }
    size_t n = json_is_array(j) ? json_array_size(j) : 1;
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_is_array(j) ? json_array_get(j, i) : j;
        mk_err_clear(&e);
        if (store(lc->r, lc->kind, item, path, lc->layer, &e)) {
            if (!lc->report) {
                *lc->err = e;
                json_decref(j);
                return -1;
            }
            report_err(lc, &e);
        }
    }
    json_decref(j);
    return 0;
}

static int load_archspec(reg_registry *r, const char *path, load_ctx *lc)
{
    json_error_t je;
    mk_err e;
    mk_err_clear(&e);
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    json_t *fam = j ? json_object_get(j, "families") : NULL;
    if (!fam || !json_is_object(fam)) {
        mk_err_set(&e, MK_EINVAL, path, j ? 0 : je.line, j ? 0 : je.column, "%s",
                   j ? "'families' must be an object of arrays" : je.text);
        json_decref(j);
        if (!lc->report) {
            *lc->err = e;
            return -1;
        }
        report_err(lc, &e);
        return 0;
    }
    json_decref(r->archspec);
    r->archspec = j;
    return 0;
}

/* mk_walk_files() hands an empty listing to qsort (UBSan: NULL base); empty folders are
 * skipped here instead. */
static int has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int any = 0;
    if (!d) return 1; /* let the walk report the error */
    while (!any && (e = readdir(d)))
        if (e->d_name[0] != '.') any = 1;
    closedir(d);
    return any;
}

int reg_load_dir(reg_registry *r, const char *dir, mk_buf *report, mk_err *err)
{
    static const char *const exts[] = {".json", NULL};
    mk_err local;
    if (!err) err = &local;
    mk_err_clear(&local);
    if (!mk_is_dir(dir))
        return mk_err_set(err, MK_EIO, dir, 0, 0, "the registry directory does not exist");
    load_ctx lc = {r, REG_IMAGE, (int)r->nlayers, report, 0, err};
    char *arch = mk_path_join(dir, "archspec.json");
    int rc = mk_is_file(arch) ? load_archspec(r, arch, &lc) : 0;
    free(arch);
    if (rc) return -1;
    for (int k = 0; k < REG_KIND_COUNT; k++) {
        char *sub = mk_path_join(dir, kinds[k].dir);
        lc.kind = (reg_kind)k;
        if (mk_is_dir(sub) && has_entries(sub)) rc = mk_walk_files(sub, exts, load_file, &lc, err);
        free(sub);
        if (rc) return -1;
    }
    r->layers = mk_xrealloc(r->layers, (r->nlayers + 1) * sizeof *r->layers);
    r->layers[r->nlayers++] = mk_xstrdup(dir);
    return lc.problems;
}

reg_registry *reg_load_default(const char *const *dirs, size_t n, mk_err *err)
{
    const char *base = reg_default_dir();
    if (!base) {
        mk_err_set(
            err, MK_EIO, NULL, 0, 0,
            "the bundled registry was not found (set MODAK_REGISTRY_DIR to model/data/registry)");
        return NULL;
    }
    reg_registry *r = reg_new();
    if (reg_load_dir(r, base, NULL, err) < 0) goto fail;
    for (size_t i = 0; i < n; i++)
        if (reg_load_dir(r, dirs[i], NULL, err) < 0) goto fail;
    return r;
fail:
    reg_free(r);
    return NULL;
}

int reg_add_entry(reg_registry *r, reg_kind k, json_t *entry, const char *file, mk_err *err)
{
    if ((unsigned)k >= REG_KIND_COUNT)
        return mk_err_set(err, MK_EUSAGE, NULL, 0, 0, "unknown registry kind");
    return store(r, k, entry, file, (int)r->nlayers, err);
}

const char *reg_entry_key(reg_kind k, const json_t *entry)
{
    if ((unsigned)k >= REG_KIND_COUNT || !json_is_object(entry)) return NULL;
    return json_string_value(json_object_get(entry, kinds[k].key));
}

/* ---- accessors ---- */

size_t reg_count(const reg_registry *r, reg_kind k)
{
    return (unsigned)k < REG_KIND_COUNT ? r->kinds[k].n : 0;
}

const char *reg_key_at(const reg_registry *r, reg_kind k, size_t i)
{
    return i < reg_count(r, k) ? r->kinds[k].v[i].key : NULL;
}

const json_t *reg_json_at(const reg_registry *r, reg_kind k, size_t i)
{
    return i < reg_count(r, k) ? r->kinds[k].v[i].json : NULL;
}

reg_origin reg_origin_at(const reg_registry *r, reg_kind k, size_t i)
{
    reg_origin none = {NULL, -1};
    return i < reg_count(r, k) ? r->kinds[k].v[i].origin : none;
}

const reg_image *reg_image_at(const reg_registry *r, size_t i)
{
    return i < r->kinds[REG_IMAGE].n ? &r->kinds[REG_IMAGE].v[i].u.img : NULL;
}

const reg_script *reg_script_at(const reg_registry *r, size_t i)
{
    return i < r->kinds[REG_SCRIPT].n ? &r->kinds[REG_SCRIPT].v[i].u.scr : NULL;
}

const reg_infra *reg_infra_at(const reg_registry *r, size_t i)
{
    return i < r->kinds[REG_INFRA].n ? &r->kinds[REG_INFRA].v[i].u.inf : NULL;
}

const reg_scaling *reg_scaling_at(const reg_registry *r, size_t i)
{
    return i < r->kinds[REG_SCALING].n ? &r->kinds[REG_SCALING].v[i].u.sc : NULL;
}

long reg_find(const reg_registry *r, reg_kind k, const char *key)
{
    if ((unsigned)k >= REG_KIND_COUNT || !key) return -1;
    return vec_find(&r->kinds[k], key, NULL);
}

const reg_image *reg_find_image(const reg_registry *r, const char *name)
{
    long i = reg_find(r, REG_IMAGE, name);
    return i < 0 ? NULL : &r->kinds[REG_IMAGE].v[i].u.img;
}

const reg_infra *reg_find_infra(const reg_registry *r, const char *name)
{
    long i = reg_find(r, REG_INFRA, name);
    return i < 0 ? NULL : &r->kinds[REG_INFRA].v[i].u.inf;
}

const reg_scaling *reg_find_scaling(const reg_registry *r, const char *image)
{
    long i = reg_find(r, REG_SCALING, image);
    return i < 0 ? NULL : &r->kinds[REG_SCALING].v[i].u.sc;
}

size_t reg_layer_count(const reg_registry *r)
{
    return r->nlayers;
}

const char *reg_layer_dir(const reg_registry *r, size_t i)
{
    return i < r->nlayers ? r->layers[i] : NULL;
}

/* ---- checks across entries ---- */

static const json_t *archspec_family(const reg_registry *r, const char *arch)
{
    return r->archspec ? json_object_get(json_object_get(r->archspec, "families"), arch) : NULL;
}

static int archspec_has(const json_t *fam, const char *micro)
{
    size_t i;
    json_t *v;
    json_array_foreach(fam, i,
                       v) if (json_is_string(v) && !strcmp(json_string_value(v), micro)) return 1;
    return 0;
}

int reg_check(const reg_registry *r, mk_buf *report)
{
    int n = 0;
    const reg_vec *iv = &r->kinds[REG_INFRA];
    for (size_t i = 0; i < iv->n; i++) {
        const reg_infra *inf = &iv->v[i].u.inf;
        const char *file = iv->v[i].origin.file;
        for (size_t p = 0; p < inf->nparts; p++) {
            const reg_partition *pt = &inf->parts[p];
            if (!r->archspec) {
                mk_buf_printf(
                    report, "error: %s: partition '%s': no archspec.json to check cpu arch '%s'\n",
                    file, pt->name, pt->arch);
                n++;
                continue;
            }
            const json_t *fam = archspec_family(r, pt->arch);
            if (!fam) {
                mk_buf_printf(report,
                              "error: %s: partition '%s': cpu arch '%s' is not an archspec family "
                              "(x86_64, aarch64, ppc64le, ...)\n",
                              file, pt->name, pt->arch);
                n++;
            } else if (pt->microarch && !archspec_has(fam, pt->microarch)) {
                mk_buf_printf(report,
                              "error: %s: partition '%s': microarch '%s' is not an archspec "
                              "micro-architecture of '%s'\n",
                              file, pt->name, pt->microarch, pt->arch);
                n++;
            }
        }
        if (inf->nparts > 1)
            for (size_t p = 0; p < inf->nparts; p++)
                if (!strcmp(inf->parts[p].name, "*")) {
                    mk_buf_printf(report,
                                  "error: %s: partition '*' (the single default partition) "
                                  "cannot stand beside other partitions\n",
                                  file);
                    n++;
                }
    }
    const reg_vec *sv = &r->kinds[REG_SCALING];
    for (size_t i = 0; i < sv->n; i++)
        if (!reg_find_image(r, sv->v[i].u.sc.image)) {
            mk_buf_printf(report,
                          "error: %s: scaling model for '%s', which is not a registered image\n",
                          sv->v[i].origin.file, sv->v[i].u.sc.image);
            n++;
        }
    const reg_vec *scv = &r->kinds[REG_SCRIPT];
    for (size_t i = 0; i < scv->n; i++) {
        const reg_script *s = &scv->v[i].u.scr;
        if (!s->app_name && !s->has_infra) {
            mk_buf_printf(report,
                          "warning: %s: script '%s' has neither an application nor an "
                          "infrastructure condition, so it is never selected (as in MODAK)\n",
                          scv->v[i].origin.file, s->id);
        }
        if (s->has_infra && !s->infra_name && !s->storage_class) {
            mk_buf_printf(
                report,
                "error: %s: script '%s' has an infrastructure condition with neither name nor "
                "storage_class\n",
                scv->v[i].origin.file, s->id);
            n++;
        }
        if (s->infra_name && !reg_find_infra(r, s->infra_name)) {
            mk_buf_printf(
                report,
                "warning: %s: script '%s' names infrastructure '%s', which is not registered\n",
                scv->v[i].origin.file, s->id, s->infra_name);
        }
        if (s->storage_class && !valid_storage_class(s->storage_class)) {
            mk_buf_printf(report,
                          "error: %s: script '%s' names storage class '%s', which no "
                          "infrastructure can have\n",
                          scv->v[i].origin.file, s->id, s->storage_class);
            n++;
        }
    }
    const reg_vec *imv = &r->kinds[REG_IMAGE];
    for (size_t i = 0; i < imv->n; i++) {
        const reg_image *im = &imv->v[i].u.img;
        if (im->opt_build < 0) {
            mk_buf_printf(report,
                          "warning: %s: image '%s' does not say build.enable_opt_build, so it is "
                          "never selected (as in MODAK)\n",
                          imv->v[i].origin.file, im->name);
        }
    }
    return n;
}

/* ---- shared value helpers ---- */

int reg_parse_size(const char *s, unsigned long long *bytes)
{
    static const struct {
        const char *unit;
        double mult;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"kb", 1e3},
        {"kib", 1024.0},
        {"k", 1024.0},
        {"mb", 1e6},
        {"mib", 1048576.0},
        {"m", 1048576.0},
        {"gb", 1e9},
        {"gib", 1073741824.0},
        {"g", 1073741824.0},
        {"tb", 1e12},
        {"tib", 1099511627776.0},
        {"t", 1099511627776.0},
        {"pb", 1e15},
        {"pib", 1125899906842624.0},
    };
    const char *p = s;
    char *end;
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p)) return -1;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v) || v < 0) return -1;
    while (*end == ' ')
        end++;
    char unit[8];
    size_t n = 0;
    while (end[n] && n < sizeof unit - 1 && isalpha((unsigned char)end[n])) {
        unit[n] = (char)tolower((unsigned char)end[n]);
        n++;
    }
    unit[n] = 0;
    const char *rest = end + n;
    while (*rest == ' ')
        rest++;
    if (*rest) return -1;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (!strcmp(unit, units[i].unit)) {
            double b = v * units[i].mult;
            if (b > 1.8e19) return -1;
            *bytes = (unsigned long long)llround(b);
            return 0;
        }
    return -1;
}

char *reg_feature_str(const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_TRUE:
        return mk_xstrdup("true");
    case JSON_FALSE:
        return mk_xstrdup("false");
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return mk_xstrdup(buf);
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        for (int prec = 1; prec <= 17; prec++) { /* shortest form that reads back the same */
            char t[64];
            snprintf(t, sizeof t, "%.*g", prec, json_real_value(v));
            if (strtod(t, NULL) == json_real_value(v)) {
                memcpy(buf, t, sizeof t);
                break;
            }
        }
        return mk_xstrdup(buf);
    case JSON_STRING: {
        char *s = mk_xstrdup(json_string_value(v));
        for (char *p = s; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        return s;
    }
    default:
        return NULL;
    }
}
