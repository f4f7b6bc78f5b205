/* cmd_model — `modak model`: calibrate the performance model, predict, decide, learn from runs.
 *
 *   modak model calibrate [--target host|NAME|FILE] [-o PROFILE.json] [--threads 1,2,...]
 *                         [--quick] [--no-reexec]
 *   modak model predict [NET] [--target host|NAME|FILE] [--profile PROFILE.json]
 *                       [--batch N[,N...]] [--threads N[,N...]] [--samples N] [--epochs N]
 *                       [--ranks N] [--nodes N] [--storage CLASS] [--job JOB.json]
 *                       [--explain[=all]] [-o DECISION.json] [--generic] [--format text|json]
 *   modak model ingest METRICS.jsonl... [--profile PROFILE.json] [-o FILE] [--target T]
 *                      [--network NET] [--batch N] [--threads N] [--generic]
 *                      [--format text|json]
 *
 * predict with one batch size and one thread count prints the per-layer prediction of that
 * configuration; otherwise (lists, or none given, or --explain, --job, -o) it decides
 * (model/decide.h): every candidate configuration is predicted and checked, the fastest
 * feasible one wins, and the text says what was decided and why (--explain: the table of
 * candidates; --format json or -o: the decision record, decision.json).
 *
 * OpenBLAS picks its kernels once, when the process starts, from OPENBLAS_CORETYPE or its
 * own CPU detection. Calibration must measure the kernels the training binary will run
 * with — the target's OpenBLAS core type, which modak's job scripts export — so when the
 * variable is not set, `calibrate` sets it and re-executes itself (/proc/self/exe, same
 * arguments). A value the caller set explicitly is kept. The profile records which, and
 * the core OpenBLAS then reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calib_kernels.h"
#include "calibrate.h"
#include "kern.h"
#include "commands.h"
#include "decide.h"
#include "gfile.h"
#include "ingest.h"
#include "mk_fs.h"
#include "predict.h"
#include "target_detect.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: modak model calibrate [--target host|NAME|FILE] [-o PROFILE.json]\n"
            "                             [--threads N[,N...]] [--quick] [--no-reexec]\n"
            "                             [--no-kernels]\n"
            "       modak model predict [NET] [--target host|NAME|FILE] [--profile PROFILE.json]\n"
            "                           [--batch N[,N...]] [--threads N[,N...]] [--samples N]\n"
            "                           [--epochs N] [--ranks N] [--nodes N] [--storage CLASS]\n"
            "                           [--job JOB.json] [--explain[=all]] [-o DECISION.json]\n"
            "                           [--generic] [--format text|json]\n"
            "       modak model ingest METRICS.jsonl... [--profile PROFILE.json] [-o FILE]\n"
            "                          [--target T] [--network NET] [--batch N] [--threads N]\n"
            "                          [--generic] [--format text|json]\n\n"
            "NET is a zoo name (mnist_cnn, resnet20, resnet50) or a graph file.\n"
            "calibrate runs short microbenchmarks here (OpenBLAS sgemm at network shapes, a\n"
            "STREAM triad, and the kernels themselves compiled for the target: every zoo\n"
            "convolution with the algorithms the compiler picks and with im2col, every batch\n"
            "normalisation) and fits the efficiencies of the performance model by least\n"
            "squares; writes a target profile (JSON). --quick uses small shapes and mnist_cnn\n"
            "only (for tests), --no-kernels skips the kernels (no C compiler needed),\n"
            "--no-reexec keeps OpenBLAS's own kernel choice instead of the target's\n"
            "OPENBLAS_CORETYPE.\n"
            "predict with one --batch and one --threads prints that configuration's per-layer\n"
            "prediction; otherwise it decides among every candidate (builds, images of the\n"
            "--job's framework, graph compilers, threads, batch, ranks, nodes, staging) and\n"
            "says which is fastest and why; --explain prints the candidate table, -o writes\n"
            "the decision record. ingest reads the metrics of training runs (--metrics of the\n"
            "binary) and refits the profile's efficiencies (in place, or into -o).\n"
            "--generic predicts the generic build (`modak compile --generic`) of a fixed\n"
            "configuration.\n");
}

static int report(const mk_err *e)
{
    char buf[2048];
    fprintf(stderr, "modak model: %s\n", mk_err_str(e, buf, sizeof buf));
    return e->code == MK_EIO || e->code == MK_EUSAGE ? EXIT_USAGE : EXIT_INVALID;
}

static int parse_threads(const char *s, int *v, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s || x < 1 || x > 4096 || *n == 8) return -1;
        v[(*n)++] = (int)x;
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        s = end;
    }
    return *n ? 0 : -1;
}

static void summary(const calib_profile *p, FILE *out)
{
    fprintf(out, "calibrated %s (%s) in %.1f s; OpenBLAS core %s (%s)\n", p->target, p->microarch,
            p->seconds, p->openblas_core, p->openblas_how);
    fprintf(out, "  nominal fp32 peak %.1f GFLOP/s per node (%d cores)\n", p->peak_fp32_node / 1e9,
            p->cores);
    for (size_t i = 0; i < p->ntriad; i++)
        fprintf(out, "  triad  %2d thread%s %8.2f GB/s\n", p->triad_threads[i],
                p->triad_threads[i] == 1 ? " " : "s", p->triad_gbs[i]);
    fprintf(out, "  %-6s %-6s %-6s %3s %10s %8s  %s\n", "m", "n", "k", "thr", "GFLOP/s", "eff",
            "shape");
    for (size_t i = 0; i < p->npoints; i++) {
        const calib_point *pt = &p->points[i];
        fprintf(out, "  %-6d %-6d %-6d %3d %10.1f %8.2f  %s\n", pt->m, pt->n, pt->k, pt->threads,
                pt->gflops, pt->efficiency, pt->what ? pt->what : "");
    }
    for (size_t i = 0; i < p->nfits; i++) {
        const calib_fit *f = &p->fits[i];
        fprintf(out,
                "  fit %d thread%s: %.1f GFLOP/s, %s%.1f GB/s operand traffic, %.1f us per call "
                "(rms error %.0f%%); efficiency small %.2f medium %.2f large %.2f\n",
                f->threads, f->threads == 1 ? "" : "s", f->gflops,
                f->bytes_gbs > 0 ? "" : "no term for ", f->bytes_gbs, f->overhead_us,
                100 * f->rms_rel, f->eff_small, f->eff_medium, f->eff_large);
        if (f->eff_large > 1.0)
            fprintf(out, "  note: efficiency above 1 means the nominal peak (from the target's "
                         "frequency) underestimates this CPU, e.g. a turbo clock\n");
    }
    if (!p->kernels_measured) {
        fprintf(out, "  kernels: %s\n", p->kernels_note);
        return;
    }
    fprintf(out, "  %-34s %-30s %-9s %3s %5s %9s %9s %8s\n",
            "convolution (c,h,w -> k, r, /s, +p)", "algorithms (fwd/bwd-d/bwd-w)", "build", "thr",
            "imgs", "fwd ms", "bwd ms", "GFLOP/s");
    for (size_t i = 0; i < p->nconv; i++) {
        const calib_conv_point *c = &p->conv[i];
        char sh[64], al[64];
        snprintf(sh, sizeof sh, "%d,%dx%d -> %d, %dx%d, /%d, +%d", c->c, c->h, c->w, c->k, c->r,
                 c->s, c->stride, c->pad);
        snprintf(al, sizeof al, "%s/%s/%s", kern_conv_algo_name(c->algo[0]),
                 kern_conv_algo_name(c->algo[1]), kern_conv_algo_name(c->algo[2]));
        fprintf(out, "  %-34s %-30s %-9s %3d %5d %9.3f %9.3f %8.1f\n", sh, al,
                c->generic ? "generic" : "optimised", c->threads, c->images, 1e3 * c->fwd_s,
                1e3 * c->bwd_s, c->gflops);
    }
    for (size_t i = 0; i < p->nbn; i++) {
        const calib_bn_point *b = &p->bn[i];
        fprintf(out,
                "  batchnorm%-5s %4d ch x %5d px %-9s %3d thr %4d imgs: fwd %.3f ms, bwd %.3f ms\n",
                b->relu ? "+relu" : "", b->c, b->hw, b->generic ? "generic" : "optimised",
                b->threads, b->images, 1e3 * b->fwd_s, 1e3 * b->bwd_s);
    }
}

static int do_calibrate(int argc, char **argv)
{
    const char *tname = "host", *out = NULL;
    int quick = 0, no_reexec = 0, no_kernels = 0, threads[8];
    size_t nthreads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick"))
            quick = 1;
        else if (!strcmp(a, "--no-reexec"))
            no_reexec = 1;
        else if (!strcmp(a, "--no-kernels"))
            no_kernels = 1;
        else if (v && !strcmp(a, "--target"))
            tname = argv[++i];
        else if (v && (!strcmp(a, "-o") || !strcmp(a, "--output")))
            out = argv[++i];
        else if (v && !strcmp(a, "--threads")) {
            if (parse_threads(argv[++i], threads, &nthreads)) {
                fprintf(stderr, "modak model: --threads wants N[,N...] (at most 8)\n");
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    mk_err e;
    mk_err_clear(&e);
    target *t;
    if (!strcmp(tname, "host")) {
        target_detect_opts o = {0};
        t = target_detect(&o, &e);
    } else {
        t = target_open(tname, NULL, &e);
    }
    if (!t) return report(&e);

    /* Measure the kernels the training binary will run with (see the top of this file). */
    const char *want = t->cpu.openblas_coretype, *have = getenv("OPENBLAS_CORETYPE");
    const char *how;
    char howbuf[160];
    if (getenv("MODAK_CALIBRATE_REEXEC")) {
        snprintf(howbuf, sizeof howbuf, "re-executed with OPENBLAS_CORETYPE=%s", have ? have : "");
        how = howbuf;
    } else if (!want || no_reexec) {
        how = no_reexec ? "OpenBLAS's own detection (--no-reexec)"
                        : "OpenBLAS's own detection (no core type known for this target)";
    } else if (have && *have) {
        /* an explicit choice wins; the profile says when it is not the target's */
        snprintf(howbuf, sizeof howbuf, "OPENBLAS_CORETYPE=%s set by the caller%s%s%s", have,
                 strcmp(have, want) ? " (the target's core type is " : "",
                 strcmp(have, want) ? want : "", strcmp(have, want) ? ")" : "");
        how = howbuf;
    } else {
        setenv("OPENBLAS_CORETYPE", want, 1);
        setenv("MODAK_CALIBRATE_REEXEC", "1", 1);
        fflush(stdout);
        fflush(stderr);
        target_free(t);
        /* argv - 2: the process's own argv ("modak", "model", "calibrate", ...) */
        execv("/proc/self/exe", argv - 2);
        fprintf(stderr,
                "modak model: could not re-execute with OPENBLAS_CORETYPE=%s; measuring "
                "with OpenBLAS's own choice\n",
                want);
        unsetenv("MODAK_CALIBRATE_REEXEC");
        return EXIT_USAGE;
    }

    calib_opts o = {.openblas_how = how};
    static const calib_shape quick_shapes[] = {{32, 256, 9, "tiny conv"},
                                               {64, 64, 64, "square 64"},
                                               {96, 96, 96, "square 96"},
                                               {128, 128, 128, "square 128"}};
    if (quick) {
        o.shapes = quick_shapes;
        o.nshapes = sizeof quick_shapes / sizeof *quick_shapes;
        o.min_seconds = 0.01;
        o.triad_bytes = 1 << 20;
    }
    if (nthreads) {
        o.threads = threads;
        o.nthreads = nthreads;
    }
    /* the kernels as the training binary runs them: compiled for the target */
    static const char *const quick_nets[] = {"mnist_cnn"};
    calib_kernels kb = {.march = !strcmp(tname, "host") ? "native" : t->cpu.microarch,
                        .networks = quick ? quick_nets : NULL,
                        .nnetworks = quick ? 1 : 0,
                        .seconds = quick ? 0.002 : 0 /* the default */};
    if (!no_kernels) {
        o.kernels = calib_kernels_run;
        o.kernels_ud = &kb;
    }
    calib_profile p;
    int rc = EXIT_OK;
    if (calib_run(t, &o, &p, &e) != 0) {
        rc = report(&e);
    } else {
        mk_buf b;
        mk_buf_init(&b);
        calib_profile_to_json(&p, &b);
        if (out) {
            if (mk_file_write_atomic(out, b.s, b.len, 0, &e) != 0)
                rc = report(&e);
            else
                summary(&p, stdout);
        } else {
            fputs(b.s, stdout);
            summary(&p, stderr);
        }
        mk_buf_fini(&b);
    }
    calib_profile_fini(&p);
    calib_kernels_fini(&kb);
    target_free(t);
    return rc;
}

static int parse_pos(const char *s, double *out)
{
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end || !(x > 0) || x > 1e15) return -1;
    *out = x;
    return 0;
}

/* "N" or "N,N,...": whole numbers in [1, max]; at most 16. */
static int parse_list(const char *s, int *v, size_t *n, long max)
{
    *n = 0;
    while (*s) {
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s || x < 1 || x > max || *n == 16) return -1;
        v[(*n)++] = (int)x;
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        s = end;
    }
    return *n ? 0 : -1;
}

static target *open_target(const char *tname, mk_err *e)
{
    if (!strcmp(tname, "host")) {
        target_detect_opts o = {.no_tools = 1};
        return target_detect(&o, e);
    }
    return target_open(tname, NULL, e);
}

/* The benchmark store and the registry that decisions draw framework images from. */
static int load_catalogues(bench_store **store, reg_registry **reg, mk_err *e)
{
    *store = NULL;
    *reg = NULL;
    char *dir = target_data_dir();
    char *bdir = mk_path_join(dir, "benchmarks");
    if (mk_is_dir(bdir)) *store = bench_store_load_dir(bdir, e);
    int bad = mk_is_dir(bdir) && !*store;
    free(bdir);
    free(dir);
    if (bad) return -1;
    if (reg_default_dir()) {
        *reg = reg_load_default(NULL, 0, e);
        if (!*reg) {
            bench_store_free(*store);
            *store = NULL;
            return -1;
        }
    }
    return 0;
}

static int do_predict(int argc, char **argv)
{
    const char *net = NULL, *tname = "host", *profile = NULL, *format = "text", *jobfile = NULL,
               *out = NULL;
    double samples = 0, epochs = 0, ranks = 0, nodes = 0;
    int batches[16], threads[16], explain = 0;
    size_t nbatches = 0, nthreads = 0;
    predict_opts po = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (v && !strcmp(a, "--target"))
            tname = argv[++i];
        else if (v && !strcmp(a, "--profile"))
            profile = argv[++i];
        else if (v && !strcmp(a, "--format"))
            format = argv[++i];
        else if (v && !strcmp(a, "--storage"))
            po.storage = argv[++i];
        else if (v && !strcmp(a, "--job"))
            jobfile = argv[++i];
        else if (v && (!strcmp(a, "-o") || !strcmp(a, "--output")))
            out = argv[++i];
        else if (v && !strcmp(a, "--batch"))
            bad = parse_list(argv[++i], batches, &nbatches, 65536);
        else if (v && !strcmp(a, "--threads"))
            bad = parse_list(argv[++i], threads, &nthreads, 4096);
        else if (v && !strcmp(a, "--samples"))
            bad = parse_pos(argv[++i], &samples);
        else if (v && !strcmp(a, "--epochs"))
            bad = parse_pos(argv[++i], &epochs);
        else if (v && !strcmp(a, "--ranks"))
            bad = parse_pos(argv[++i], &ranks);
        else if (v && !strcmp(a, "--nodes"))
            bad = parse_pos(argv[++i], &nodes);
        else if (!strcmp(a, "--explain"))
            explain = 1;
        else if (!strcmp(a, "--generic"))
            po.generic = 1;
        else if (!strncmp(a, "--explain=", 10) &&
                 (!strcmp(a + 10, "all") || !strcmp(a + 10, "top")))
            explain = !strcmp(a + 10, "all") ? 2 : 1;
        else if (a[0] != '-' && !net)
            net = a;
        else
            bad = 1;
        if (bad) {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if ((!net && !jobfile) || (strcmp(format, "text") && strcmp(format, "json"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    mk_err e;
    mk_err_clear(&e);
    target *t = open_target(tname, &e);
    if (!t) return report(&e);
    calib_profile prof;
    int have_prof = 0, rc = EXIT_OK;
    json_t *prof_json = NULL;
    if (profile) {
        if (calib_profile_load(profile, &prof, &e) != 0) {
            target_free(t);
            return report(&e);
        }
        have_prof = 1;
        prof_json = json_load_file(profile, 0, NULL); /* just read: the factors of ingest */
    }
    int decide = nbatches != 1 || nthreads != 1 || explain || jobfile || out;
    if (!decide) {
        /* the configuration is given: the per-layer prediction */
        graph *g = graph_load_spec(net, batches[0], &e);
        if (!g) {
            rc = report(&e);
        } else {
            po.threads = threads[0];
            po.samples = samples;
            po.epochs = (int)epochs;
            po.ranks = (int)ranks;
            po.nodes = (int)nodes;
            ingest_apply(prof_json, &po);
            predict_result r;
            if (predict_graph(g, t, have_prof ? &prof : NULL, &po, &r, &e) != 0) {
                rc = report(&e);
            } else {
                mk_buf b;
                mk_buf_init(&b);
                if (!strcmp(format, "json"))
                    predict_result_to_json(&r, &b);
                else
                    predict_result_to_text(&r, &b);
                fputs(b.s, stdout);
                mk_buf_fini(&b);
                predict_result_fini(&r);
            }
            graph_free(g);
        }
        if (have_prof) calib_profile_fini(&prof);
        json_decref(prof_json);
        target_free(t);
        return rc;
    }

    /* decide: every candidate, the fastest feasible one wins */
    decide_job job;
    decide_job_init(&job);
    bench_store *store = NULL;
    reg_registry *reg = NULL;
    decide_record *rec = NULL;
    if (jobfile) {
        json_error_t je;
        json_t *doc = json_load_file(jobfile, JSON_REJECT_DUPLICATES, &je);
        if (!doc) {
            mk_err_set(&e, strncmp(je.text, "unable to open", 14) ? MK_EINVAL : MK_EIO, jobfile,
                       je.line, je.column, "%s", je.text);
            rc = report(&e);
            goto done;
        }
        int r = decide_job_from_json(doc, jobfile, &job, &e);
        json_decref(doc);
        if (r) {
            rc = report(&e);
            goto done;
        }
    } else {
        job.enable_opt_build = 1; /* no job document: every build modak can make */
    }
    job.network = decide_job_strdup(&job, net);
    if (samples > 0) job.data_count = samples;
    if (epochs > 0) job.epochs = (int)epochs;
    if (ranks > 0) {
        job.mpi_ranks = (int)ranks;
        job.ptr_ranks = "--ranks";
    }
    if (nodes > 0) {
        job.node_count = (int)nodes;
        job.ptr_node_count = "--nodes";
    }
    if (load_catalogues(&store, &reg, &e) != 0) {
        rc = report(&e);
        goto done;
    }
    decide_inputs in = {.job = &job,
                        .target = t,
                        .profile = have_prof ? &prof : NULL,
                        .profile_path = profile,
                        .profile_json = prof_json,
                        .store = store,
                        .registry = reg,
                        .batches = nbatches ? batches : NULL,
                        .nbatches = nbatches,
                        .threads = nthreads ? threads : NULL,
                        .nthreads = nthreads};
    if (decide_run(&in, &rec, &e) != 0) {
        rc = report(&e);
        goto done;
    }
    mk_buf b;
    mk_buf_init(&b);
    decide_record_to_json(rec, &b);
    if (out && mk_file_write_atomic(out, b.s, b.len, 0, &e) != 0) {
        mk_buf_fini(&b);
        rc = report(&e);
        goto done;
    }
    if (!strcmp(format, "json")) {
        fputs(b.s, stdout);
    } else {
        mk_buf_reset(&b);
        if (explain)
            decide_record_to_text(rec, explain == 2 ? 0 : 20, &b);
        else
            decide_record_summary(rec, &b);
        const decide_cand *w = decide_winner(rec);
        /* the winner's layers, when it is modak's binary */
        if (w && !explain && (w->build == DECIDE_NATIVE || w->build == DECIDE_NATIVE_GENERIC)) {
            graph *g = graph_load_spec(net, w->batch, &e);
            predict_opts wo = {.threads = w->threads,
                               .samples = rec->samples,
                               .epochs = rec->epochs,
                               .ranks = w->ranks,
                               .nodes = w->nodes,
                               .storage = w->storage,
                               .generic = w->build == DECIDE_NATIVE_GENERIC};
            ingest_apply(prof_json, &wo);
            predict_result r;
            if (g && predict_graph(g, t, have_prof ? &prof : NULL, &wo, &r, &e) == 0) {
                mk_buf_puts(&b, "\n");
                predict_result_to_text(&r, &b);
                predict_result_fini(&r);
            }
            graph_free(g);
        }
        fputs(b.s, stdout);
    }
    mk_buf_fini(&b);
    if (!decide_winner(rec)) rc = EXIT_INVALID;
done:
    decide_record_free(rec);
    reg_free(reg);
    bench_store_free(store);
    decide_job_fini(&job);
    if (have_prof) calib_profile_fini(&prof);
    json_decref(prof_json);
    target_free(t);
    return rc;
}

static int do_ingest(int argc, char **argv)
{
    const char *profile = NULL, *out = NULL, *tname = "host", *format = "text";
    ingest_defaults d = {0};
    const char **files = mk_xcalloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x;
        int bad = 0;
        if (v && !strcmp(a, "--profile"))
            profile = argv[++i];
        else if (v && (!strcmp(a, "-o") || !strcmp(a, "--output")))
            out = argv[++i];
        else if (v && !strcmp(a, "--target"))
            tname = argv[++i];
        else if (v && !strcmp(a, "--format"))
            format = argv[++i];
        else if (v && !strcmp(a, "--network"))
            d.network = argv[++i];
        else if (v && !strcmp(a, "--batch"))
            bad = parse_pos(argv[++i], &x) || x != (int)x || !(d.batch = (int)x);
        else if (v && !strcmp(a, "--threads"))
            bad = parse_pos(argv[++i], &x) || x != (int)x || !(d.threads = (int)x);
        else if (!strcmp(a, "--generic"))
            d.generic = 1;
        else if (a[0] != '-' || !strcmp(a, "-"))
            files[nfiles++] = a;
        else
            bad = 1;
        if (bad) {
            free(files);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!nfiles || (!profile && !out) || (strcmp(format, "text") && strcmp(format, "json"))) {
        free(files);
        if (nfiles && !profile && !out)
            fprintf(stderr, "modak model ingest: give --profile FILE (refitted in place unless -o) "
                            "or -o FILE (a new profile seeded from the target)\n");
        else
            usage(stderr);
        return EXIT_USAGE;
    }
    mk_err e;
    mk_err_clear(&e);
    int rc = EXIT_OK;
    ingest_obs *obs = NULL;
    size_t nobs = 0;
    json_t *root = NULL;
    target *t = open_target(tname, &e);
    if (!t) {
        rc = report(&e);
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++)
        if (ingest_read_metrics(files[i], &d, &obs, &nobs, &e) != 0) {
            rc = report(&e);
            goto done;
        }
    if (profile) {
        json_error_t je;
        root = json_load_file(profile, JSON_REJECT_DUPLICATES, &je);
        if (!root) {
            mk_err_set(&e, strncmp(je.text, "unable to open", 14) ? MK_EINVAL : MK_EIO, profile,
                       je.line, je.column, "%s", je.text);
            rc = report(&e);
            goto done;
        }
    } else {
        int th[16];
        size_t nth = 0;
        for (size_t i = 0; i < nobs && nth < 16; i++)
            th[nth++] = obs[i].threads;
        char *seed = ingest_seed_profile(t, th, nth);
        root = json_loads(seed, 0, NULL);
        free(seed);
    }
    ingest_report rep;
    const char *name = profile ? profile : out;
    if (ingest_update(root, name, t, obs, nobs, &rep, &e) != 0) {
        rc = report(&e);
        goto done;
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_puts(&b, text);
    mk_buf_putc(&b, '\n');
    free(text);
    if (mk_file_write_atomic(out ? out : profile, b.s, b.len, 0, &e) != 0) {
        mk_buf_fini(&b);
        rc = report(&e);
        goto done;
    }
    mk_buf_fini(&b);
    if (!strcmp(format, "json")) {
        json_t *j = json_object(), *fits = json_array();
        json_object_set_new(j, "profile", json_string(out ? out : profile));
        json_object_set_new(j, "added", json_integer((json_int_t)rep.added));
        json_object_set_new(j, "duplicates", json_integer((json_int_t)rep.duplicates));
        json_object_set_new(j, "observations", json_integer((json_int_t)rep.total));
        for (size_t i = 0; i < rep.nfits; i++) {
            const ingest_fit *f = &rep.fits[i];
            json_t *o = json_object(), *fac = json_array(), *eb = json_array(), *ea = json_array();
            json_object_set_new(o, "threads", json_integer(f->threads));
            json_object_set_new(o, "build", json_string(f->generic ? "generic" : "optimised"));
            json_object_set_new(o, "observations", json_integer((json_int_t)f->nobs));
            for (int k = 0; k < 4; k++)
                json_array_append_new(fac, json_real(f->factor[k]));
            for (int k = 0; k < 3; k++) {
                json_array_append_new(eb, json_real(f->eff_before[k]));
                json_array_append_new(ea, json_real(f->eff_after[k]));
            }
            json_object_set_new(o, "factors_small_medium_large_other", fac);
            json_object_set_new(o, "efficiency_before", eb);
            json_object_set_new(o, "efficiency_after", ea);
            json_object_set_new(o, "rms_relative_error_before", json_real(f->rms_before));
            json_object_set_new(o, "rms_relative_error_after", json_real(f->rms_after));
            json_array_append_new(fits, o);
        }
        json_object_set_new(j, "fits", fits);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(s);
        free(s);
        json_decref(j);
    } else {
        printf("ingested %zu run%s (%zu already in the profile); %zu observations in %s\n",
               rep.added, rep.added == 1 ? "" : "s", rep.duplicates, rep.total,
               out ? out : profile);
        for (size_t i = 0; i < rep.nfits; i++) {
            const ingest_fit *f = &rep.fits[i];
            if (!f->nobs) continue;
            printf("  %s build, %d thread%s, %zu run%s: factors small %.3f medium %.3f large %.3f "
                   "other "
                   "%.3f; efficiency small %.3f->%.3f medium %.3f->%.3f large %.3f->%.3f; rms "
                   "error %.1f%% -> %.1f%%\n",
                   f->generic ? "generic" : "optimised", f->threads, f->threads == 1 ? "" : "s",
                   f->nobs, f->nobs == 1 ? "" : "s", f->factor[0], f->factor[1], f->factor[2],
                   f->factor[3], f->eff_before[0], f->eff_after[0], f->eff_before[1],
                   f->eff_after[1], f->eff_before[2], f->eff_after[2], 100 * f->rms_before,
                   100 * f->rms_after);
        }
    }
done:
    json_decref(root);
    ingest_obs_free(obs, nobs);
    target_free(t);
    free(files);
    return rc;
}

int cmd_model(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "calibrate")) return do_calibrate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "predict")) return do_predict(argc - 1, argv + 1);
    if (!strcmp(argv[1], "ingest")) return do_ingest(argc - 1, argv + 1);
    fprintf(stderr,
            "modak model: unknown subcommand '%s' (this build has: calibrate, predict, ingest)\n",
            argv[1]);
    return EXIT_USAGE;
}
