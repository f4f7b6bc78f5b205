/* cmd_registry — `modak registry list|show|add|check`: inspect, extend and validate the
 * registry of images, scripts, infrastructures and scaling models (model/registry.h).
 *
 *   list [KIND]          one line per entry: kind, key, a summary, the file it comes from
 *   show KIND KEY        the entry's JSON (as the registry holds it, defaults filled in)
 *   add KIND FILE        validates the entries of FILE (an object or an array) and writes each
 *                        to <last --registry DIR>/<kind folder>/<key>.json (--force replaces)
 *   check                loads every layer, reporting every bad file and entry, then checks
 *                        across entries; exit 1 when there is an error
 * Every subcommand takes --registry DIR (repeatable) to layer a user's registry over the
 * bundled one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commands.h"
#include "mk_buf.h"
#include "mk_fs.h"
#include "registry.h"

static void registry_usage(FILE *f)
{
    fprintf(f, "usage: modak registry list [KIND] [--registry DIR]...\n"
               "       modak registry show KIND KEY [--registry DIR]...\n"
               "       modak registry add KIND FILE.json --registry DIR [--force]\n"
               "       modak registry check [--registry DIR]...\n\n"
               "KIND is image, script, infrastructure or scaling. The bundled registry is\n"
               "model/data/registry (installed under share/modak/data/registry); each --registry\n"
               "DIR is a layer over it whose entries replace those with the same key.\n");
}

static void summary(const reg_registry *r, reg_kind k, size_t i, mk_buf *b)
{
    switch (k) {
    case REG_IMAGE: {
        const reg_image *im = reg_image_at(r, i);
        mk_buf_printf(b, "%s %s cpu=%s acc=%s %s://%s", im->app_name,
                      im->opt_build == 1   ? "optimised"
                      : im->opt_build == 0 ? "stock"
                                           : "unmapped",
                      im->cpu_type, im->acc_type, im->image_hub, im->container_file);
        break;
    }
    case REG_SCRIPT: {
        const reg_script *s = reg_script_at(r, i);
        mk_buf_printf(b, "%s app=%s infra=%s", s->stage == REG_STAGE_PRE ? "pre" : "post",
                      s->app_name ? s->app_name : "-",
                      s->infra_name      ? s->infra_name
                      : s->storage_class ? s->storage_class
                                         : "-");
        break;
    }
    case REG_INFRA: {
        const reg_infra *inf = reg_infra_at(r, i);
        mk_buf_printf(b, "scheduler=%s partitions=%zu storage=%zu%s",
                      inf->scheduler ? inf->scheduler : "-", inf->nparts, inf->nstorage,
                      inf->disabled ? " disabled" : "");
        break;
    }
    default: {
        const reg_scaling *s = reg_scaling_at(r, i);
        static const char *const names[] = {"noop", "max", "amdahl"};
        mk_buf_printf(b, "%s", names[s->kind]);
        if (s->kind == REG_SCALE_AMDAHL) mk_buf_printf(b, " F=%g", s->F);
        if (s->kind == REG_SCALE_MAX)
            mk_buf_printf(b, " max_nranks=%lld max_nthreads=%lld", s->max_nranks, s->max_nthreads);
        break;
    }
    }
}

static int do_list(const reg_registry *r, int kind)
{
    mk_buf b;
    mk_buf_init(&b);
    for (int k = 0; k < REG_KIND_COUNT; k++) {
        if (kind >= 0 && k != kind) continue;
        for (size_t i = 0; i < reg_count(r, (reg_kind)k); i++) {
            mk_buf_reset(&b);
            summary(r, (reg_kind)k, i, &b);
            printf("%-14s %-40s %s  [%s]\n", reg_kind_name((reg_kind)k),
                   reg_key_at(r, (reg_kind)k, i), b.s ? b.s : "",
                   reg_origin_at(r, (reg_kind)k, i).file);
        }
    }
    mk_buf_fini(&b);
    return EXIT_OK;
}

static int do_show(const reg_registry *r, int kind, const char *key)
{
    long i = reg_find(r, (reg_kind)kind, key);
    if (i < 0) {
        fprintf(stderr, "modak registry: no %s '%s'\n", reg_kind_name((reg_kind)kind), key);
        return EXIT_INVALID;
    }
    char *text =
        json_dumps(reg_json_at(r, (reg_kind)kind, (size_t)i), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", text);
    free(text);
    fprintf(stderr, "modak registry: %s '%s' from %s\n", reg_kind_name((reg_kind)kind), key,
            reg_origin_at(r, (reg_kind)kind, (size_t)i).file);
    return EXIT_OK;
}

static int do_add(reg_registry *r, int kind, const char *file, const char *dir, int force)
{
    json_error_t je;
    mk_err err;
    char ebuf[1600];
    int rc = EXIT_INVALID;
    mk_err_clear(&err);
    json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        fprintf(stderr, "modak registry: %s:%d:%d: %s\n", file, je.line, je.column, je.text);
        return je.line <= 0 && je.position == 0 ? EXIT_USAGE : EXIT_INVALID;
    }
    size_t n = json_is_array(j) ? json_array_size(j) : 1;
    /* validate everything first: a bad entry writes nothing */
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_is_array(j) ? json_array_get(j, i) : j;
        if (reg_add_entry(r, (reg_kind)kind, e, file, &err)) {
            fprintf(stderr, "modak registry: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
            goto done;
        }
    }
    char *sub = mk_path_join(dir, reg_kind_dir((reg_kind)kind));
    if (mk_mkdir_p(sub, &err)) {
        fprintf(stderr, "modak registry: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
        free(sub);
        rc = EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_is_array(j) ? json_array_get(j, i) : j;
        char *fname = mk_xasprintf("%s.json", reg_entry_key((reg_kind)kind, e));
        for (char *p = fname; *p; p++)
            if (*p == ':') *p = '_';
        char *path = mk_path_join(sub, fname);
        free(fname);
        if (mk_is_file(path) && !force) {
            fprintf(stderr, "modak registry: %s exists; --force replaces it\n", path);
            free(path);
            free(sub);
            goto done;
        }
        char *text = json_dumps(e, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        mk_buf b;
        mk_buf_init(&b);
        mk_buf_printf(&b, "%s\n", text);
        free(text);
        int wr = mk_file_write_atomic(path, b.s, b.len, 0, &err);
        mk_buf_fini(&b);
        if (wr) {
            fprintf(stderr, "modak registry: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
            free(path);
            free(sub);
            rc = EXIT_USAGE;
            goto done;
        }
        printf("added %s '%s' -> %s\n", reg_kind_name((reg_kind)kind),
               reg_entry_key((reg_kind)kind, e), path);
        free(path);
    }
    free(sub);
    rc = EXIT_OK;
done:
    json_decref(j);
    return rc;
}

static int do_check(const char *const *layers, size_t nlayers)
{
    mk_buf report;
    mk_err err;
    char ebuf[1600];
    int problems = 0, rc;
    mk_buf_init(&report);
    mk_err_clear(&err);
    const char *base = reg_default_dir();
    if (!base) {
        fprintf(stderr,
                "modak registry: the bundled registry was not found (set MODAK_REGISTRY_DIR)\n");
        return EXIT_USAGE;
    }
    reg_registry *r = reg_new();
    for (size_t i = 0; i <= nlayers; i++) {
        const char *dir = i ? layers[i - 1] : base;
        int n = reg_load_dir(r, dir, &report, &err);
        if (n < 0) {
            fprintf(stderr, "modak registry: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
            reg_free(r);
            mk_buf_fini(&report);
            return EXIT_USAGE;
        }
        problems += n;
    }
    problems += reg_check(r, &report);
    if (report.len) fputs(report.s, stdout);
    printf("registry %s: %zu images, %zu scripts, %zu infrastructures, %zu scaling models in %zu "
           "layer%s; %d error%s\n",
           problems ? "has errors" : "OK", reg_count(r, REG_IMAGE), reg_count(r, REG_SCRIPT),
           reg_count(r, REG_INFRA), reg_count(r, REG_SCALING), reg_layer_count(r),
           reg_layer_count(r) == 1 ? "" : "s", problems, problems == 1 ? "" : "s");
    rc = problems ? EXIT_INVALID : EXIT_OK;
    reg_free(r);
    mk_buf_fini(&report);
    return rc;
}

int cmd_registry(int argc, char **argv)
{
    const char **layers = calloc((size_t)argc + 1, sizeof *layers);
    const char *pos[3] = {NULL, NULL, NULL};
    size_t nlayers = 0, npos = 0;
    int force = 0, rc = EXIT_USAGE, kind = -1;
    reg_registry *r = NULL;
    mk_err err;
    char ebuf[1600];
    mk_err_clear(&err);
    if (!layers) return EXIT_USAGE;
    if (argc < 2) {
        registry_usage(stderr);
        goto done;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        registry_usage(stdout);
        rc = EXIT_OK;
        goto done;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--registry")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "modak registry: --registry needs a directory\n");
                goto done;
            }
            layers[nlayers++] = argv[++i];
        } else if (!strcmp(argv[i], "--force")) {
            force = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            registry_usage(stdout);
            rc = EXIT_OK;
            goto done;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "modak registry: unknown option '%s'\n", argv[i]);
            goto done;
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "modak registry: too many arguments\n");
            goto done;
        }
    }
    if (npos && strcmp(sub, "check")) {
        kind = reg_kind_parse(pos[0]);
        if (kind < 0) {
            fprintf(stderr,
                    "modak registry: unknown kind '%s' (image, script, infrastructure, "
                    "scaling)\n",
                    pos[0]);
            goto done;
        }
    }
    if (!strcmp(sub, "check")) {
        if (npos) {
            registry_usage(stderr);
            goto done;
        }
        rc = do_check(layers, nlayers);
        goto done;
    }
    if (!strcmp(sub, "add") && (npos != 2 || !nlayers)) {
        fprintf(stderr, "modak registry: add needs KIND FILE and --registry DIR (the layer it is "
                        "written to)\n");
        goto done;
    }
    if (!strcmp(sub, "show") && npos != 2) {
        registry_usage(stderr);
        goto done;
    }
    if (!strcmp(sub, "list") && npos > 1) {
        registry_usage(stderr);
        goto done;
    }
    if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "add")) {
        fprintf(stderr, "modak registry: unknown subcommand '%s'\n", sub);
        registry_usage(stderr);
        goto done;
    }
    if (!strcmp(sub, "add")) /* the target layer may not exist yet */
        for (size_t i = 0; i < nlayers; i++)
            if (!mk_is_dir(layers[i]) && mk_mkdir_p(layers[i], &err)) {
                fprintf(stderr, "modak registry: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
                goto done;
            }
    r = reg_load_default(layers, nlayers, &err);
    if (!r) {
        fprintf(stderr, "modak registry: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
        rc = err.code == MK_EIO ? EXIT_USAGE : EXIT_INVALID;
        goto done;
    }
    if (!strcmp(sub, "list"))
        rc = do_list(r, kind);
    else if (!strcmp(sub, "show"))
        rc = do_show(r, kind, pos[1]);
    else
        rc = do_add(r, kind, pos[1], layers[nlayers - 1], force);
done:
    reg_free(r);
    free(layers);
    return rc;
}
