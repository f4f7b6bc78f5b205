/* cmd_optimise — `modak optimise BLUEPRINT` and `modak batch PATH...`: modak's main job.
 *
 * optimise runs one blueprint through optimise_run (check, decide, compile, generate, write
 * OUTDIR/<name>/ atomically) and prints what was decided; batch runs every blueprint under
 * the given paths, N at a time, with a progress bar on a terminal and a summary table.
 * Both share one registry, one target catalogue and the compiler's binary cache: blueprints
 * that train the same network for the same target compile it once. */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "dsl.h"
#include "mk_fs.h"
#include "optimise_run.h"
#include "pipeline.h"

/* ---- --input NAME=VALUE and --inputs FILE ---- */

typedef struct inputs {
    opt_inputs in;
    doc **docs; /* owners of the values */
    size_t ndocs;
} inputs;

static void inputs_fini(inputs *x)
{
    for (size_t i = 0; i < x->ndocs; i++) doc_free(x->docs[i]);
    free(x->docs);
    free((void *)x->in.names);
    free((void *)x->in.values);
    memset(x, 0, sizeof *x);
}

static void inputs_add(inputs *x, const char *name, const doc_node *v)
{
    x->in.names = mk_xrealloc((void *)x->in.names, (x->in.n + 1) * sizeof *x->in.names);
    x->in.values = mk_xrealloc((void *)x->in.values, (x->in.n + 1) * sizeof *x->in.values);
    x->in.names[x->in.n] = name;
    x->in.values[x->in.n] = v;
    x->in.n++;
}

static void inputs_own(inputs *x, doc *d)
{
    x->docs = mk_xrealloc(x->docs, (x->ndocs + 1) * sizeof *x->docs);
    x->docs[x->ndocs++] = d;
}

/* NAME=VALUE: the value is read as a YAML scalar (so 4 is an integer, "4" a string). */
static int input_arg(inputs *x, const char *arg, mk_err *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return mk_err_set(err, MK_EUSAGE, NULL, 0, 0, "--input takes NAME=VALUE, not '%s'", arg);
    char *text = mk_xasprintf("%.*s: %s\n", (int)(eq - arg), arg, eq + 1);
    doc *d = doc_read_yaml("--input", text, strlen(text), NULL, err);
    free(text);
    if (!d) return -1;
    inputs_own(x, d);
    if (!d->root || d->root->kind != DOC_MAP || d->root->n != 1)
        return mk_err_set(err, MK_EUSAGE, NULL, 0, 0, "--input %s: one NAME=VALUE", arg);
    inputs_add(x, d->root->pairs[0].key->text, d->root->pairs[0].val);
    return 0;
}

/* --inputs FILE: a YAML or JSON map of names to values. */
static int inputs_file(inputs *x, const char *path, mk_err *err)
{
    doc *d = doc_read_file(path, NULL, err);
    if (!d) return -1;
    inputs_own(x, d);
    if (!d->root || d->root->kind != DOC_MAP)
        return mk_err_set(err, MK_EINVAL, path, 1, 1, "--inputs takes a map of input names to values");
    for (size_t i = 0; i < d->root->n; i++)
        inputs_add(x, d->root->pairs[i].key->text, d->root->pairs[i].val);
    return 0;
}

/* ---- modak optimise ---- */

static void optimise_usage(FILE *out)
{
    fputs("usage: modak optimise BLUEPRINT [options]\n"
          "\n"
          "Reads a SODALITE TOSCA blueprint, decides every AI-training node with the performance\n"
          "model, compiles its training binary and writes everything needed to deploy and run\n"
          "it into OUTDIR/<blueprint name>/ (atomically: a failure leaves any previous output).\n"
          "\n"
          "options:\n"
          "  -o, --output DIR        output folder (default: out)\n"
          "  -i, --input NAME=VALUE  a value for a topology input (repeatable)\n"
          "      --inputs FILE       values for topology inputs (YAML or JSON map)\n"
          "  -t, --target NAME|FILE  the target to decide for (default: the host's\n"
          "                          optimisations.target, else this machine)\n"
          "      --types DIR         also look for imported TOSCA files in DIR (repeatable)\n"
          "      --registry DIR      a registry layer over the bundled one (repeatable)\n"
          "      --profile FILE      a calibration profile (modak model calibrate)\n"
          "      --explain           print every candidate of every decision\n"
          "      --no-compile        decide and write everything but the training binary\n"
          "  -f, --format FMT        text (default) or json\n"
          "  -h, --help              show this help\n"
          "\n"
          "exit status: 0 written (or nothing to optimise), 1 the blueprint has errors or a step\n"
          "failed, 2 usage or I/O problems\n",
          out);
}

int cmd_optimise(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},  {"input", required_argument, 0, 'i'},
        {"inputs", required_argument, 0, 'I'},  {"target", required_argument, 0, 't'},
        {"types", required_argument, 0, 'T'},   {"registry", required_argument, 0, 'R'},
        {"profile", required_argument, 0, 'P'}, {"explain", no_argument, 0, 'E'},
        {"no-compile", no_argument, 0, 'N'},    {"format", required_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    pipeline_opts po = {0};
    po.outdir = "out";
    inputs in = {0};
    int json = 0, explain = 0, c, rc = EXIT_USAGE;
    mk_err err;
    mk_err_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:i:t:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': po.outdir = optarg; break;
        case 'i':
            if (input_arg(&in, optarg, &err)) goto usage_err;
            break;
        case 'I':
            if (inputs_file(&in, optarg, &err)) goto usage_err;
            break;
        case 't': po.target = optarg; break;
        case 'T': pipeline_opts_add(&po.types, &po.ntypes, optarg); break;
        case 'R': pipeline_opts_add(&po.registries, &po.nregistries, optarg); break;
        case 'P': po.profile = optarg; break;
        case 'E': explain = 1; break;
        case 'N': po.no_compile = 1; break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                fprintf(stderr, "modak optimise: --format is text or json, not '%s'\n", optarg);
                goto done;
            }
            json = !strcmp(optarg, "json");
            break;
        case 'h':
            optimise_usage(stdout);
            rc = EXIT_OK;
            goto done;
        default: optimise_usage(stderr); goto done;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "modak optimise: %s\n\n",
                optind >= argc ? "which blueprint?" : "one blueprint at a time (modak batch takes many)");
        optimise_usage(stderr);
        goto done;
    }
    po.inputs = &in.in;
    po.explain = explain;
    pipeline *p = pipeline_new(&po, &err);
    if (!p) goto usage_err;
    diag_list dl;
    diag_list_init(&dl);
    opt_outcome res;
    int orc = pipeline_run(p, argv[optind], &res, &dl);
    diag_sources *srcs = diag_sources_new();
    diag_write_text(stderr, &dl, srcs, isatty(STDERR_FILENO));
    diag_sources_free(srcs);
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:I, s:s?, s:O?}", "blueprint", res.name,
                              "status",
                              res.status == OPT_CONVERTED  ? "converted"
                              : res.status == OPT_SKIPPED ? "skipped"
                                                          : "failed",
                              "output", res.outdir, "nodes", (json_int_t)res.nodes, "message",
                              res.message, "decisions", res.nodes_json);
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(o);
    } else {
        if (explain && res.explain) fputs(res.explain, stdout);
        printf("%s: %s\n", res.name ? res.name : argv[optind], res.message ? res.message : "");
        for (size_t i = 0; res.nodes_json && i < json_array_size(res.nodes_json); i++) {
            json_t *n = json_array_get(res.nodes_json, i);
            printf("  %-24s %s, graph compiler %s, %d thread%s, batch %d, %d rank%s: %.1f s to "
                   "train (predicted)\n",
                   json_string_value(json_object_get(n, "node")),
                   json_string_value(json_object_get(n, "image")),
                   json_string_value(json_object_get(n, "graph_compiler")),
                   (int)json_integer_value(json_object_get(n, "threads")),
                   json_integer_value(json_object_get(n, "threads")) == 1 ? "" : "s",
                   (int)json_integer_value(json_object_get(n, "batch")),
                   (int)json_integer_value(json_object_get(n, "ranks")),
                   json_integer_value(json_object_get(n, "ranks")) == 1 ? "" : "s",
                   json_real_value(json_object_get(n, "predicted_seconds")));
        }
    }
    rc = orc == 0 ? EXIT_OK : EXIT_INVALID;
    opt_outcome_fini(&res);
    diag_list_fini(&dl);
    pipeline_free(p);
    goto done;
usage_err : {
    char buf[1600];
    fprintf(stderr, "modak optimise: %s\n", mk_err_str(&err, buf, sizeof buf));
    rc = err.code == MK_EINVAL ? EXIT_INVALID : EXIT_USAGE;
}
done:
    pipeline_opts_fini(&po);
    inputs_fini(&in);
    return rc;
}

/* ---- modak batch ---- */

static void batch_usage(FILE *out)
{
    fputs("usage: modak batch PATH... -o OUTDIR [options]\n"
          "\n"
          "Optimises every blueprint (*.yaml, *.yml) under the paths, N at a time, into\n"
          "OUTDIR/<name>/. Blueprints without an AI-training node are skipped; training\n"
          "binaries are shared through the compiler's cache.\n"
          "\n"
          "options:\n"
          "  -o, --output DIR     output folder (required)\n"
          "  -j, --jobs N         blueprints at a time (default: the number of CPUs)\n"
          "  -k, --keep-going     go on after a failure (default: stop starting new ones)\n"
          "  -t, --target NAME    decide every blueprint for this target\n"
          "      --types DIR      also look for imported TOSCA files in DIR (repeatable)\n"
          "      --registry DIR   a registry layer over the bundled one (repeatable)\n"
          "      --profile FILE   a calibration profile (modak model calibrate)\n"
          "      --no-compile     decide and write everything but the training binaries\n"
          "  -f, --format FMT     text (default) or json\n"
          "  -q, --quiet          no progress bar\n"
          "  -h, --help           show this help\n"
          "\n"
          "exit status: 0 every blueprint converted or skipped, 1 any failed, 2 usage or I/O\n",
          out);
}

typedef struct batch {
    pipeline *p;
    char **files;
    size_t nfiles;
    opt_outcome *res;       /* kept whole only for failures (and for --format json) */
    unsigned char *status; /* 0 not run, 1 + opt_status */
    int keep_all;
    atomic_size_t next, done, failed;
    atomic_int stop;
    int keep_going, progress;
    pthread_mutex_t lock; /* the progress line */
} batch;

static void progress(batch *b)
{
    size_t done = atomic_load(&b->done), failed = atomic_load(&b->failed);
    int width = 30, fill = b->nfiles ? (int)(width * done / b->nfiles) : width;
    pthread_mutex_lock(&b->lock);
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu  %zu failed", fill,
            "==============================", width - fill, "", done, b->nfiles, failed);
    fflush(stderr);
    pthread_mutex_unlock(&b->lock);
}

static void *batch_work(void *arg)
{
    batch *b = arg;
    for (;;) {
        if (atomic_load(&b->stop)) break;
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->nfiles) break;
        diag_list dl;
        diag_list_init(&dl);
        pipeline_run(b->p, b->files[i], &b->res[i], &dl);
        diag_list_fini(&dl);
        b->status[i] = (unsigned char)(1 + b->res[i].status);
        /* memory must not grow with the number of blueprints: the text summary needs the
         * failures only */
        if (!b->keep_all && b->res[i].status != OPT_FAILED) opt_outcome_fini(&b->res[i]);
        if (b->status[i] == 1 + OPT_FAILED) {
            atomic_fetch_add(&b->failed, 1);
            if (!b->keep_going) atomic_store(&b->stop, 1);
        }
        atomic_fetch_add(&b->done, 1);
        if (b->progress) progress(b);
    }
    return NULL;
}

static int collect(const char *path, void *ud)
{
    batch *b = ud;
    b->files = mk_xrealloc(b->files, (b->nfiles + 1) * sizeof *b->files);
    b->files[b->nfiles++] = mk_xstrdup(path);
    return 0;
}

int cmd_batch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},  {"jobs", required_argument, 0, 'j'},
        {"keep-going", no_argument, 0, 'k'},    {"target", required_argument, 0, 't'},
        {"types", required_argument, 0, 'T'},   {"registry", required_argument, 0, 'R'},
        {"profile", required_argument, 0, 'P'}, {"no-compile", no_argument, 0, 'N'},
        {"format", required_argument, 0, 'f'},  {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    pipeline_opts po = {0};
    batch b;
    memset(&b, 0, sizeof b);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t jobs = ncpu > 0 ? (size_t)ncpu : 1;
    int json = 0, quiet = 0, c, rc = EXIT_USAGE;
    mk_err err;
    mk_err_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:kt:f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': po.outdir = optarg; break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "modak batch: -j takes a number from 1 to 256\n");
                goto done;
            }
            jobs = (size_t)v;
            break;
        }
        case 'k': b.keep_going = 1; break;
        case 't': po.target = optarg; break;
        case 'T': pipeline_opts_add(&po.types, &po.ntypes, optarg); break;
        case 'R': pipeline_opts_add(&po.registries, &po.nregistries, optarg); break;
        case 'P': po.profile = optarg; break;
        case 'N': po.no_compile = 1; break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                fprintf(stderr, "modak batch: --format is text or json, not '%s'\n", optarg);
                goto done;
            }
            json = !strcmp(optarg, "json");
            break;
        case 'q': quiet = 1; break;
        case 'h':
            batch_usage(stdout);
            rc = EXIT_OK;
            goto done;
        default: batch_usage(stderr); goto done;
        }
    }
    if (!po.outdir || optind >= argc) {
        fprintf(stderr, "modak batch: %s\n\n", !po.outdir ? "-o OUTDIR is required" : "which blueprints?");
        batch_usage(stderr);
        goto done;
    }
    static const char *const exts[] = {".yaml", ".yml", NULL};
    for (int i = optind; i < argc; i++) {
        if (mk_is_dir(argv[i])) {
            if (mk_walk_files(argv[i], exts, collect, &b, &err)) goto io_err;
        } else if (mk_is_file(argv[i])) {
            collect(argv[i], &b);
        } else {
            mk_err_set(&err, MK_EIO, argv[i], 0, 0, "no such file or directory");
            goto io_err;
        }
    }
    b.p = pipeline_new(&po, &err);
    if (!b.p) goto io_err;
    b.res = mk_xcalloc(b.nfiles ? b.nfiles : 1, sizeof *b.res);
    b.status = mk_xcalloc(b.nfiles ? b.nfiles : 1, 1);
    b.keep_all = json;
    b.progress = !quiet && !json && isatty(STDERR_FILENO);
    pthread_mutex_init(&b.lock, NULL);
    if (jobs > b.nfiles) jobs = b.nfiles ? b.nfiles : 1;
    pthread_t *th = mk_xcalloc(jobs, sizeof *th);
    size_t started = 1;
    for (size_t i = 1; i < jobs; i++)
        if (pthread_create(&th[i], NULL, batch_work, &b) == 0) started = i + 1;
        else break;
    batch_work(&b);
    for (size_t i = 1; i < started; i++) pthread_join(th[i], NULL);
    free(th);
    pthread_mutex_destroy(&b.lock);
    if (b.progress) fputc('\n', stderr);
    size_t conv = 0, skip = 0, fail = 0, notrun = 0;
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < b.nfiles; i++) {
        const opt_outcome *r = &b.res[i];
        if (!b.status[i]) {
            notrun++;
            continue;
        }
        if (b.status[i] == 1 + OPT_CONVERTED) conv++;
        if (b.status[i] == 1 + OPT_SKIPPED) skip++;
        if (b.status[i] == 1 + OPT_FAILED) fail++;
        if (arr)
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "file", b.files[i], "blueprint",
                               r->name, "status",
                               r->status == OPT_CONVERTED  ? "converted"
                               : r->status == OPT_SKIPPED ? "skipped"
                                                          : "failed",
                               "output", r->outdir, "message", r->message));
    }
    if (arr) {
        json_t *o = json_pack("{s:o, s:{s:I, s:I, s:I, s:I}}", "blueprints", arr, "summary",
                              "converted", (json_int_t)conv, "skipped", (json_int_t)skip, "failed",
                              (json_int_t)fail, "not_run", (json_int_t)notrun);
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(o);
    } else {
        for (size_t i = 0; i < b.nfiles; i++)
            if (b.status[i] == 1 + OPT_FAILED)
                printf("FAILED  %s: %s\n", b.files[i], b.res[i].message ? b.res[i].message : "");
        printf("%-10s %zu\n%-10s %zu\n%-10s %zu\n", "converted", conv, "skipped", skip, "failed",
               fail);
        if (notrun) printf("%-10s %zu (stopped after the first failure; --keep-going runs all)\n",
                           "not run", notrun);
    }
    rc = fail ? EXIT_INVALID : EXIT_OK;
    goto done;
io_err : {
    char buf[1600];
    fprintf(stderr, "modak batch: %s\n", mk_err_str(&err, buf, sizeof buf));
    rc = EXIT_USAGE;
}
done:
    for (size_t i = 0; i < b.nfiles; i++) {
        free(b.files[i]);
        if (b.res) opt_outcome_fini(&b.res[i]);
    }
    free(b.files);
    free(b.res);
    free(b.status);
    pipeline_free(b.p);
    pipeline_opts_fini(&po);
    return rc;
}
