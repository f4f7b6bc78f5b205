/* cmd_job — `modak job`: MODAK's /optimise on the command line.
 *
 * Reads a job document, loads the registry (bundled + --registry layers), calls
 * job_generate(), writes the job and build scripts (atomically, executable) and prints the
 * completed document. --print previews the job script on stdout instead. The timestamp in
 * the script names comes from --timestamp, else SOURCE_DATE_EPOCH (UTC), else the clock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "commands.h"
#include "diag.h"
#include "doc.h"
#include "dsl.h"
#include "jobscript.h"
#include "mk_fs.h"
#include "registry.h"

static void job_usage(FILE *f)
{
    fprintf(f, "usage: modak job JOB.json [-o OUT.json] [--script-dir DIR] [--print] [--explain]\n"
               "                 [--registry DIR]... [--name NAME] [--timestamp STAMP]\n"
               "                 [--scheduler torque|slurm|bash]\n\n"
               "Generates the batch script (and the build script) for a MODAK job document and\n"
               "prints the completed document: application.container_runtime set to the chosen\n"
               "image, job_script/build_script paths and job_content/build_content texts.\n\n"
               "  -o OUT.json        write the completed document to OUT.json instead of stdout\n"
               "  --script-dir DIR   write the scripts into DIR (default: the current directory)\n"
               "  --print            print the job script to stdout; write files only where\n"
               "                     --script-dir or -o asks for them\n"
               "  --explain          print the mapper, scaler and enforcer decisions to stderr\n"
               "  --registry DIR     a registry layer over the bundled one (repeatable)\n"
               "  --name NAME        name the scripts NAME.sh and NAME_build.sh\n"
               "  --timestamp STAMP  YYYYmmddHHMMSS or @EPOCH for the script names (default:\n"
               "                     SOURCE_DATE_EPOCH in UTC, else the local time now)\n"
               "  --scheduler NAME   the scheduler to write for, whatever the document's target\n"
               "                     says (MODAK's JobfileGenerator argument)\n");
}

static int digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static int make_stamp(const char *opt, char out[16])
{
    time_t t;
    struct tm tm;
    if (opt && strlen(opt) == 14 && digits(opt)) {
        memcpy(out, opt, 15);
        return 0;
    }
    if (opt) {
        if (opt[0] != '@' || !digits(opt + 1)) return -1;
        t = (time_t)strtoll(opt + 1, NULL, 10);
        if (!gmtime_r(&t, &tm)) return -1;
    } else {
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        if (sde && *sde) {
            if (!digits(sde)) return -2;
            t = (time_t)strtoll(sde, NULL, 10);
            if (!gmtime_r(&t, &tm)) return -2;
        } else {
            t = time(NULL);
            if (!localtime_r(&t, &tm)) return -1;
        }
    }
    return strftime(out, 16, "%Y%m%d%H%M%S", &tm) == 14 ? 0 : -1;
}

int cmd_job(int argc, char **argv)
{
    const char *input = NULL, *out_json = NULL, *script_dir = NULL, *name = NULL, *stamp = NULL,
               *scheduler = NULL;
    const char **layers = calloc((size_t)argc + 1, sizeof *layers);
    size_t nlayers = 0;
    int print = 0, explain = 0, rc = EXIT_USAGE;
    json_t *jdoc = NULL;
    reg_registry *reg = NULL;
    job_result res;
    mk_err err;
    char ebuf[1600];
    memset(&res, 0, sizeof res);
    mk_err_clear(&err);
    if (!layers) return EXIT_USAGE;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            job_usage(stdout);
            rc = EXIT_OK;
            goto done;
        } else if (!strcmp(a, "--print")) {
            print = 1;
        } else if (!strcmp(a, "--explain")) {
            explain = 1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            val = &out_json;
        } else if (!strcmp(a, "--script-dir")) {
            val = &script_dir;
        } else if (!strcmp(a, "--name")) {
            val = &name;
        } else if (!strcmp(a, "--timestamp")) {
            val = &stamp;
        } else if (!strcmp(a, "--scheduler")) {
            val = &scheduler;
        } else if (!strcmp(a, "--registry")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "modak job: --registry needs a directory\n");
                goto done;
            }
            layers[nlayers++] = argv[++i];
            continue;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "modak job: unknown option '%s'\n", a);
            job_usage(stderr);
            goto done;
        } else if (!input) {
            input = a;
            continue;
        } else {
            fprintf(stderr, "modak job: one job document at a time ('%s' and '%s')\n", input, a);
            goto done;
        }
        if (val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "modak job: %s needs a value\n", a);
                goto done;
            }
            *val = argv[++i];
        }
    }
    if (!input) {
        job_usage(stderr);
        goto done;
    }
    if (name && (!*name || strchr(name, '/'))) {
        fprintf(stderr, "modak job: --name '%s' must be a plain file name\n", name);
        goto done;
    }
    char ts[16];
    int sr = make_stamp(stamp, ts);
    if (sr) {
        fprintf(stderr,
                sr == -2 ? "modak job: SOURCE_DATE_EPOCH='%s' is not a number of seconds\n"
                         : "modak job: --timestamp '%s' is neither YYYYmmddHHMMSS nor @EPOCH\n",
                sr == -2 ? getenv("SOURCE_DATE_EPOCH") : stamp);
        goto done;
    }

    /* the job-document rules first (modak validate's), then generation */
    char *input_text = NULL;
    size_t tlen = 0;
    if (!strcmp(input, "-")) {
        mk_buf in;
        mk_buf_init(&in);
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
            mk_buf_put(&in, chunk, got);
            if (in.len > DOC_DEFAULT_MAX_BYTES) break;
        }
        tlen = in.len;
        input_text = mk_buf_detach(&in);
    } else if (mk_file_read(input, DOC_DEFAULT_MAX_BYTES, &input_text, &tlen, &err)) {
        fprintf(stderr, "modak job: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
        rc = err.code == MK_ELIMIT ? EXIT_INVALID : EXIT_USAGE;
        goto done;
    }
    {
        diag_list dl;
        diag_list_init(&dl);
        const char *src_name = strcmp(input, "-") ? input : "<stdin>";
        doc *jd = dsl_read(src_name, input_text, tlen, NULL, &dl, &err);
        if (!jd) {
            diag_add_err(&dl, &err, "json.syntax");
        } else {
            dsl_check_job(jd->root, &dl);
            doc_free(jd);
        }
        diag_sort(&dl);
        diag_write_lines(stderr, &dl, "modak job: ");
        size_t errors = dl.errors;
        diag_list_fini(&dl);
        if (errors) {
            free(input_text);
            rc = EXIT_INVALID;
            goto done;
        }
    }
    json_error_t je;
    jdoc = json_loadb(input_text, tlen, JSON_REJECT_DUPLICATES, &je);
    free(input_text);
    if (!jdoc) {
        fprintf(stderr, "modak job: %s:%d:%d: %s\n", input, je.line, je.column, je.text);
        rc = EXIT_INVALID;
        goto done;
    }
    reg = reg_load_default(layers, nlayers, &err);
    if (!reg) {
        fprintf(stderr, "modak job: registry: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
        rc = err.code == MK_EIO ? EXIT_USAGE : EXIT_INVALID;
        goto done;
    }
    job_opts opts = {ts, name, script_dir, scheduler};
    if (job_generate(jdoc, reg, &opts, &res, &err)) {
        fprintf(stderr, "modak job: %s: %s\n", input, mk_err_str(&err, ebuf, sizeof ebuf));
        rc = err.code == MK_EUSAGE ? EXIT_USAGE : EXIT_INVALID;
        goto done;
    }
    if (explain) fputs(res.explain, stderr);
    if (*res.warnings) {
        const char *p = res.warnings;
        while (*p) {
            size_t n = strcspn(p, "\n");
            fprintf(stderr, "modak job: warning: %.*s\n", (int)n, p);
            p += n + (p[n] == '\n');
        }
    }

    rc = EXIT_USAGE;
    if (!print || script_dir) {
        if (script_dir && mk_mkdir_p(script_dir, &err)) {
            fprintf(stderr, "modak job: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
            goto done;
        }
        if (mk_file_write_atomic(res.job_path, res.job_content, strlen(res.job_content), 1, &err) ||
            (res.build_path && mk_file_write_atomic(res.build_path, res.build_content,
                                                    strlen(res.build_content), 1, &err))) {
            fprintf(stderr, "modak job: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
            goto done;
        }
    }
    char *text = json_dumps(res.doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        fprintf(stderr, "modak job: cannot serialise the completed document\n");
        goto done;
    }
    if (out_json) {
        size_t n = strlen(text);
        text[n] = '\n'; /* json_dumps' NUL becomes the final newline */
        int wr = mk_file_write_atomic(out_json, text, n + 1, 0, &err);
        text[n] = 0;
        if (wr) {
            fprintf(stderr, "modak job: %s\n", mk_err_str(&err, ebuf, sizeof ebuf));
            free(text);
            goto done;
        }
    } else if (!print) {
        printf("%s\n", text);
    }
    free(text);
    if (print) fputs(res.job_content, stdout);
    rc = fflush(stdout) ? EXIT_USAGE : EXIT_OK;
done:
    job_result_fini(&res);
    reg_free(reg);
    json_decref(jdoc);
    free(layers);
    return rc;
}
