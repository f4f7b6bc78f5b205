/* cmd_validate — `modak validate [options] PATH...`: checks TOSCA blueprints, TOSCA type files
 * and MODAK job documents, and reports in text, JSON, JUnit XML or SARIF.
 *
 * Files are taken from the arguments and, recursively, from directories (*.yaml, *.yml,
 * *.json). The kind of each file comes from its content: `tosca_definitions_version` makes
 * it TOSCA, a `job` or `optimisation` root a MODAK job document. One tosca_ctx serves every
 * file, so shared type files are read and checked once. Exit status: 0 valid, 1 any error
 * (or warning with --warnings-as-errors), 2 usage or I/O problems. */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "diag.h"
#include "doc.h"
#include "dsl.h"
#include "mk_fs.h"
#include "tosca.h"

typedef enum fmt { FMT_TEXT, FMT_JSON, FMT_JUNIT, FMT_SARIF } fmt;

static void usage(FILE *out)
{
    fputs("usage: modak validate [options] PATH...\n"
          "\n"
          "Checks SODALITE TOSCA blueprints, TOSCA type files and MODAK job documents.\n"
          "Directories are searched recursively for *.yaml, *.yml and *.json files.\n"
          "\n"
          "options:\n"
          "  -f, --format FMT          text (default), json, junit or sarif\n"
          "  -o, --output FILE         write the report to FILE (atomically) instead of stdout\n"
          "  -t, --types DIR           also look for imported TOSCA files in DIR (repeatable)\n"
          "      --max-bytes N         refuse files larger than N bytes (default 16777216)\n"
          "  -j, --jobs N              check N files at a time (default: the number of CPUs)\n"
          "  -W, --warnings-as-errors  fail on warnings too\n"
          "  -q, --quiet               text format: print errors only, no summary\n"
          "      --color WHEN          auto (default), always or never\n"
          "  -h, --help                show this help\n"
          "\n"
          "exit status: 0 every file is valid, 1 a file has errors, 2 usage or I/O problems\n",
          out);
}

typedef struct run {
    doc_limits lim;
    tosca_opts tosca_opts;
    diag_list diags;
    diag_sources *src;
    char **files;
    size_t nfiles;
    int io_error;
    atomic_size_t next; /* the next file a worker takes */
} run;

/* A worker checks files with its own tosca_ctx and diagnostics: nothing is shared but the
 * file list and the counter. Results are merged, sorted and de-duplicated afterwards (type
 * files read by several workers report their findings once each), so the report does not
 * depend on which worker took which file. */
typedef struct worker {
    run *r;
    tosca_ctx *tosca;
    diag_list diags;
    int io_error;
    mk_err err;
    pthread_t thread;
} worker;

static void add_file(run *r, const char *path)
{
    r->files = mk_xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
    r->files[r->nfiles++] = mk_xstrdup(path);
}

static int walk_cb(const char *path, void *ud)
{
    add_file(ud, path);
    return 0;
}

static void check_one(worker *w, const char *path)
{
    run *r = w->r;
    mk_err e;
    mk_err_clear(&e);
    char *text;
    size_t len;
    if (mk_file_read(path, r->lim.max_bytes, &text, &len, &e)) {
        diag_add_err(&w->diags, &e, e.code == MK_ELIMIT ? "input.limit" : "input.io");
        if (e.code != MK_ELIMIT) w->io_error = 1;
        return;
    }
    size_t n = strlen(path);
    int json = n >= 5 && !strcmp(path + n - 5, ".json");
    doc *d = json ? dsl_read(path, text, len, &r->lim, &w->diags, &e)
                  : doc_read_yaml(path, text, len, &r->lim, &e);
    free(text);
    if (!d) {
        diag_add_err(&w->diags, &e, e.code == MK_ELIMIT ? "input.limit"
                                    : json              ? "json.syntax"
                                                        : "yaml.syntax");
        return;
    }
    if (d->root && tosca_is_tosca(d->root)) {
        tosca_check(w->tosca, d, &w->diags); /* takes d */
        return;
    }
    if (d->root && dsl_is_job_document(d->root)) {
        dsl_check_job(d->root, &w->diags);
    } else {
        doc_mark m = {d->file, d->root ? d->root->mark.line : 1, d->root ? d->root->mark.col : 1};
        diag_hint(diag_add(&w->diags, DIAG_ERROR, &m, "input.kind", NULL,
                           "neither a TOSCA file nor a MODAK job document"),
                  "a TOSCA file starts with tosca_definitions_version; a job document is "
                  "{\"job\": {...}}");
    }
    doc_free(d);
}

static void *work(void *arg)
{
    worker *w = arg;
    w->tosca = tosca_ctx_new(&w->r->tosca_opts, &w->err);
    if (!w->tosca) return NULL;
    for (;;) {
        size_t i = atomic_fetch_add(&w->r->next, 1);
        if (i >= w->r->nfiles) break;
        check_one(w, w->r->files[i]);
    }
    return NULL;
}

static void check_section_hook(const char *section, const doc_node *n, const char *ptr,
                               diag_list *out)
{
    dsl_check_section(section, n, ptr, out);
}

int cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"output", required_argument, 0, 'o'},
                                         {"types", required_argument, 0, 't'},
                                         {"max-bytes", required_argument, 0, 'B'},
                                         {"warnings-as-errors", no_argument, 0, 'W'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"color", required_argument, 0, 'C'},
                                         {"jobs", required_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    fmt format = FMT_TEXT;
    const char *output = NULL, *color = "auto";
    const char **types = NULL;
    size_t ntypes = 0;
    int werror = 0, quiet = 0, c;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t jobs = ncpu > 0 ? (size_t)ncpu : 1;
    run r;
    memset(&r, 0, sizeof r);
    r.lim.max_bytes = DOC_DEFAULT_MAX_BYTES;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:t:Wqhj:", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "text"))
                format = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                format = FMT_JSON;
            else if (!strcmp(optarg, "junit"))
                format = FMT_JUNIT;
            else if (!strcmp(optarg, "sarif"))
                format = FMT_SARIF;
            else {
                fprintf(stderr, "modak validate: unknown format '%s' (text, json, junit, sarif)\n",
                        optarg);
                free(types);
                return EXIT_USAGE;
            }
            break;
        case 'o': output = optarg; break;
        case 't':
            types = mk_xrealloc(types, (ntypes + 1) * sizeof *types);
            types[ntypes++] = optarg;
            break;
        case 'B': {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || !v) {
                fprintf(stderr, "modak validate: --max-bytes takes a positive number\n");
                free(types);
                return EXIT_USAGE;
            }
            r.lim.max_bytes = (size_t)v;
            break;
        }
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "modak validate: -j takes a number of workers from 1 to 256\n");
                free(types);
                return EXIT_USAGE;
            }
            jobs = (size_t)v;
            break;
        }
        case 'W': werror = 1; break;
        case 'q': quiet = 1; break;
        case 'C': color = optarg; break;
        case 'h':
            usage(stdout);
            free(types);
            return EXIT_OK;
        default:
            usage(stderr);
            free(types);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "modak validate: no files given\n\n");
        usage(stderr);
        free(types);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < ntypes; i++)
        if (!mk_is_dir(types[i])) {
            fprintf(stderr, "modak validate: --types %s: not a directory\n", types[i]);
            free(types);
            return EXIT_USAGE;
        }
    static const char *const exts[] = {".yaml", ".yml", ".json", NULL};
    int rc = EXIT_OK;
    mk_err e;
    mk_err_clear(&e);
    diag_list_init(&r.diags);
    r.src = diag_sources_new();
    for (int i = optind; i < argc; i++) {
        if (mk_is_dir(argv[i])) {
            if (mk_walk_files(argv[i], exts, walk_cb, &r, &e)) {
                diag_add_err(&r.diags, &e, "input.io");
                r.io_error = 1;
                mk_err_clear(&e);
            }
        } else {
            add_file(&r, argv[i]);
        }
    }
    tosca_opts *to = &r.tosca_opts;
    to->search_paths = types;
    to->nsearch = ntypes;
    to->modak_types_dir = getenv("MODAK_TYPES_DIR");
    to->limits = r.lim;
    to->check_section = check_section_hook;
    to->check_cross = dsl_check_cross;
    if (jobs > r.nfiles) jobs = r.nfiles ? r.nfiles : 1;
    worker *ws = mk_xcalloc(jobs, sizeof *ws);
    atomic_init(&r.next, 0);
    for (size_t i = 0; i < jobs; i++) {
        ws[i].r = &r;
        diag_list_init(&ws[i].diags);
        if (i && pthread_create(&ws[i].thread, NULL, work, &ws[i]) != 0) {
            jobs = i; /* run with the workers we have */
            break;
        }
    }
    work(&ws[0]);
    for (size_t i = 0; i < jobs; i++) {
        if (i) pthread_join(ws[i].thread, NULL);
        if (!ws[i].tosca) {
            char buf[1200];
            fprintf(stderr, "modak validate: %s\n", mk_err_str(&ws[i].err, buf, sizeof buf));
            rc = EXIT_USAGE;
        }
        tosca_ctx_free(ws[i].tosca);
        diag_list_take(&r.diags, &ws[i].diags);
        r.io_error |= ws[i].io_error;
    }
    free(ws);
    if (rc == EXIT_USAGE) goto cleanup;
    if (werror) diag_promote_warnings(&r.diags);
    diag_sort(&r.diags);
    diag_dedup(&r.diags);

    mk_buf report;
    mk_buf_init(&report);
    if (format == FMT_TEXT) {
        FILE *out = output ? open_memstream(&report.s, &report.len) : stdout;
        int use_color = !strcmp(color, "always") ||
                        (!strcmp(color, "auto") && !output && isatty(STDOUT_FILENO));
        if (quiet) {
            diag_list errs;
            diag_list_init(&errs);
            for (size_t i = 0; i < r.diags.n; i++) {
                const diag *d = &r.diags.v[i];
                if (d->sev != DIAG_ERROR) continue;
                doc_mark m = {d->file, d->line, d->col};
                diag *x = diag_add(&errs, d->sev, &m, d->rule, d->pointer, "%s", d->msg);
                if (d->hint) diag_hint(x, "%s", d->hint);
            }
            diag_write_text(out, &errs, r.src, use_color);
            diag_list_fini(&errs);
        } else {
            diag_write_text(out, &r.diags, r.src, use_color);
            fprintf(out, "%zu file%s checked: %zu error%s, %zu warning%s\n", r.nfiles,
                    r.nfiles == 1 ? "" : "s", r.diags.errors, r.diags.errors == 1 ? "" : "s",
                    r.diags.warnings, r.diags.warnings == 1 ? "" : "s");
        }
        if (output) {
            fclose(out);
            report.cap = report.len + 1;
        }
    } else if (format == FMT_JSON) {
        diag_write_json(&report, &r.diags);
    } else if (format == FMT_JUNIT) {
        diag_write_junit(&report, &r.diags, (const char *const *)r.files, r.nfiles);
    } else {
        diag_write_sarif(&report, &r.diags, MODAK_VERSION);
    }
    if (output) {
        if (mk_file_write_atomic(output, report.s ? report.s : "", report.len, 0, &e)) {
            char buf[1200];
            fprintf(stderr, "modak validate: %s\n", mk_err_str(&e, buf, sizeof buf));
            r.io_error = 1;
        }
    } else if (report.len) {
        fwrite(report.s, 1, report.len, stdout);
    }
    mk_buf_fini(&report);
    rc = r.io_error ? EXIT_USAGE : r.diags.errors ? EXIT_INVALID : EXIT_OK;
cleanup:
    diag_sources_free(r.src);
    diag_list_fini(&r.diags);
    for (size_t i = 0; i < r.nfiles; i++) free(r.files[i]);
    free(r.files);
    free(types);
    return rc;
}
