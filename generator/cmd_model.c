/* cmd_model — `modak model calibrate`: microbenchmarks on this machine, fitted into a
 * target profile (model/calibrate.h).
 *
 *   modak model calibrate [--target host|NAME|FILE] [-o PROFILE.json] [--threads 1,2,...]
 *                         [--quick] [--no-reexec]
 *   modak model predict NET [--target host|NAME|FILE] [--profile PROFILE.json] [--batch N]
 *                       [--threads N] [--samples N] [--epochs N] [--ranks N]
 *                       [--storage CLASS] [--format text|json]
 *
 * OpenBLAS picks its kernels once, when the process starts, from OPENBLAS_CORETYPE or its
 * own CPU detection. Calibration must measure the kernels the training binary will run
 * with — the target's OpenBLAS core type, which modak's job scripts export — so when the
 * variable is not set, this command sets it and re-executes itself (/proc/self/exe, same
 * arguments). A value the caller set explicitly is kept. The profile records which, and
 * the core OpenBLAS then reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "commands.h"
#include "gfile.h"
#include "predict.h"
#include "mk_fs.h"
#include "target_detect.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: modak model calibrate [--target host|NAME|FILE] [-o PROFILE.json]\n"
            "                             [--threads N[,N...]] [--quick] [--no-reexec]\n"
            "       modak model predict NET [--target host|NAME|FILE] [--profile PROFILE.json]\n"
            "                           [--batch N] [--threads N] [--samples N] [--epochs N]\n"
            "                           [--ranks N] [--storage CLASS] [--format text|json]\n\n"
            "NET is a zoo name (mnist_cnn, resnet20, resnet50) or a graph file.\n"
            "Runs short microbenchmarks here (OpenBLAS sgemm at network shapes, a STREAM triad)\n"
            "and fits the efficiencies of the performance model by least squares; writes a\n"
            "target profile (JSON). --quick uses small shapes (for tests), --no-reexec keeps\n"
            "OpenBLAS's own kernel choice instead of the target's OPENBLAS_CORETYPE.\n");
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
    if (!p->conv_measured)
        fprintf(out, "  convolution algorithms: not measured (kernels hook unset)\n");
}

static int do_calibrate(int argc, char **argv)
{
    const char *tname = "host", *out = NULL;
    int quick = 0, no_reexec = 0, threads[8];
    size_t nthreads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick"))
            quick = 1;
        else if (!strcmp(a, "--no-reexec"))
            no_reexec = 1;
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

static int do_predict(int argc, char **argv)
{
    const char *net = NULL, *tname = "host", *profile = NULL, *format = "text";
    double batch = 32, threads = 0, samples = 0, epochs = 0, ranks = 0;
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
        else if (v && !strcmp(a, "--batch"))
            bad = parse_pos(argv[++i], &batch);
        else if (v && !strcmp(a, "--threads"))
            bad = parse_pos(argv[++i], &threads);
        else if (v && !strcmp(a, "--samples"))
            bad = parse_pos(argv[++i], &samples);
        else if (v && !strcmp(a, "--epochs"))
            bad = parse_pos(argv[++i], &epochs);
        else if (v && !strcmp(a, "--ranks"))
            bad = parse_pos(argv[++i], &ranks);
        else if (a[0] != '-' && !net)
            net = a;
        else
            bad = 1;
        if (bad) {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!net || (strcmp(format, "text") && strcmp(format, "json"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    mk_err e;
    mk_err_clear(&e);
    target *t;
    if (!strcmp(tname, "host")) {
        target_detect_opts o = {.no_tools = 1};
        t = target_detect(&o, &e);
    } else {
        t = target_open(tname, NULL, &e);
    }
    if (!t) return report(&e);
    calib_profile prof;
    int have_prof = 0, rc = EXIT_OK;
    if (profile) {
        if (calib_profile_load(profile, &prof, &e) != 0) {
            target_free(t);
            return report(&e);
        }
        have_prof = 1;
    }
    graph *g = graph_load_spec(net, (int64_t)batch, &e);
    if (!g) {
        rc = report(&e);
    } else {
        po.threads = (int)threads;
        po.samples = samples;
        po.epochs = (int)epochs;
        po.ranks = (int)ranks;
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
    target_free(t);
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
    fprintf(stderr, "modak model: unknown subcommand '%s' (this build has: calibrate, predict)\n",
            argv[1]);
    return EXIT_USAGE;
}
