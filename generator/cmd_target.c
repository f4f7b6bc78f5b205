/* cmd_target — `modak target list|show|check|detect`: the target catalogue and this host.
 *
 *   modak target list                         the catalogue, one line each
 *   modak target show NAME|FILE [--partition P] [--format json|text]
 *   modak target check FILE...                read and check target files
 *   modak target detect [--hwloc FILE.xml] [--nvidia-smi FILE.xml] [--cpuinfo FILE]
 *                       [--microarch NAME] [--name NAME] [--no-tools] [-o FILE]
 *
 * JSON goes to stdout (or -o, written atomically); errors to stderr as file: field: message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "mk_fs.h"
#include "target_detect.h"

static int status_of(const mk_err *e)
{
    return e->code == MK_EIO || e->code == MK_EUSAGE ? EXIT_USAGE : EXIT_INVALID;
}

static int report(const mk_err *e)
{
    char buf[2048];
    fprintf(stderr, "modak target: %s\n", mk_err_str(e, buf, sizeof buf));
    return status_of(e);
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: modak target list\n"
        "       modak target show NAME|FILE [--partition P] [--format json|text]\n"
        "       modak target check FILE...\n"
        "       modak target detect [--hwloc FILE.xml] [--nvidia-smi FILE.xml] [--cpuinfo FILE]\n"
        "                           [--microarch NAME] [--name NAME] [--no-tools] [-o FILE]\n\n"
        "Targets describe a partition's nodes (CPU, memory, accelerators, interconnect,\n"
        "storage, scheduler, container runtimes); docs/targets.md has the file formats.\n"
        "`detect` describes this machine: hwloc's XML (lstopo when installed, else /proc\n"
        "and /sys), /proc/cpuinfo's ISA flags and nvidia-smi's XML.\n");
}

static void text_summary(const target *t)
{
    const target_cpu *c = &t->cpu;
    printf("%s%s%s%s\n", t->name, t->description ? ": " : "", t->description ? t->description : "",
           "");
    printf("  scheduler      %s", t->scheduler);
    if (t->partition) printf(" (partition %s)", t->partition);
    if (t->nodes) printf(", %d node%s", t->nodes, t->nodes == 1 ? "" : "s");
    printf("\n  runtimes      ");
    for (size_t i = 0; i < t->nruntimes; i++)
        printf(" %s", t->runtimes[i]);
    printf("%s\n", t->nruntimes ? "" : " (none)");
    printf("  cpu            %s%s%s, %d socket%s, %d cores, %d threads, %.2f GHz\n", c->microarch,
           c->model ? " " : "", c->model ? c->model : "", c->sockets, c->sockets == 1 ? "" : "s",
           c->cores, c->threads, c->freq / 1e9);
    printf("  vector         %d-bit, %d FMA unit%s; OpenBLAS core %s\n", c->simd_bits, c->fma_units,
           c->fma_units == 1 ? "" : "s", c->openblas_coretype ? c->openblas_coretype : "(default)");
    printf("  cpu peak       ");
    for (int p = 0; p < TARGET_NPREC; p++)
        if (c->peak[p] > 0) printf(" %s %.0f GFLOP/s", target_prec_name(p), c->peak[p] / 1e9);
    printf("\n  memory         %.1f GiB, ", t->memory / 1073741824.0);
    if (t->memory_bandwidth > 0)
        printf("%.1f GB/s", t->memory_bandwidth / 1e9);
    else
        printf("bandwidth unknown");
    printf(", %zu NUMA node%s\n", t->nnuma, t->nnuma == 1 ? "" : "s");
    for (size_t i = 0; i < t->naccels; i++) {
        const target_accel *a = &t->accels[i];
        printf("  accelerator    %d x %s %s: fp32 %.1f TFLOP/s", a->count, a->vendor, a->model,
               a->peak[TARGET_FP32] / 1e12);
        if (a->peak[TARGET_FP16] > 0) printf(", fp16 %.1f TFLOP/s", a->peak[TARGET_FP16] / 1e12);
        printf(", %.0f GiB at %.0f GB/s\n", a->memory / 1073741824.0, a->bandwidth / 1e9);
    }
    if (t->net_bandwidth > 0)
        printf("  interconnect   %s %.2f GB/s, %.1f us\n", t->net_kind ? t->net_kind : "",
               t->net_bandwidth / 1e9, t->net_latency * 1e6);
    for (size_t i = 0; i < t->nstorage; i++)
        printf("  storage        %s%s%s: read %.2f GB/s%s\n", t->storage[i].name,
               t->storage[i].path ? " at " : "", t->storage[i].path ? t->storage[i].path : "",
               t->storage[i].read_bandwidth / 1e9, t->storage[i].shared ? ", shared" : "");
    for (size_t i = 0; i < t->nsources; i++)
        printf("  source         %s\n", t->sources[i]);
    for (size_t i = 0; i < t->nassumptions; i++)
        printf("  assumption     %s\n", t->assumptions[i]);
}

static int emit_json(const target *t, const char *out)
{
    mk_buf b;
    mk_buf_init(&b);
    target_to_json(t, &b);
    int rc = EXIT_OK;
    if (out) {
        mk_err e;
        mk_err_clear(&e);
        if (mk_file_write_atomic(out, b.s, b.len, 0, &e) != 0) rc = report(&e);
    } else {
        fputs(b.s, stdout);
    }
    mk_buf_fini(&b);
    return rc;
}

static int do_list(int argc, char **argv)
{
    if (argc > 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    char *dir = target_data_dir();
    char **names = NULL;
    size_t n = 0;
    mk_err e;
    mk_err_clear(&e);
    int rc = EXIT_OK;
    if (target_catalogue(dir, &names, &n, &e) != 0) rc = report(&e);
    for (size_t i = 0; i < n; i++) {
        mk_err_clear(&e);
        target *t = target_open(names[i], NULL, &e);
        if (!t) {
            rc = report(&e);
        } else {
            printf("%-20s %-7s %-15s %3d cores", t->name, t->scheduler, t->cpu.microarch,
                   t->cpu.cores);
            if (t->naccels) printf(" + %d x %s", t->accels[0].count, t->accels[0].model);
            printf("  (%.0f GFLOP/s fp32 per node)\n", target_node_peak(t, TARGET_FP32, 1) / 1e9);
            target_free(t);
        }
        free(names[i]);
    }
    free(names);
    free(dir);
    return rc;
}

static int do_show(int argc, char **argv)
{
    const char *name = NULL, *partition = NULL, *format = "json";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--partition") && i + 1 < argc)
            partition = argv[++i];
        else if (!strcmp(argv[i], "--format") && i + 1 < argc)
            format = argv[++i];
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!name || (strcmp(format, "json") && strcmp(format, "text"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    mk_err e;
    mk_err_clear(&e);
    target *t = target_open(name, partition, &e);
    if (!t) return report(&e);
    int rc = EXIT_OK;
    if (!strcmp(format, "text"))
        text_summary(t);
    else
        rc = emit_json(t, NULL);
    target_free(t);
    return rc;
}

static int do_check(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        mk_err e;
        mk_err_clear(&e);
        target *t = target_load_file(argv[i], NULL, &e);
        if (!t) {
            int r = report(&e);
            if (r > rc) rc = r;
            continue;
        }
        printf("%s: ok (%s, %s)\n", argv[i], t->name, t->format);
        target_free(t);
    }
    return rc;
}

static int do_detect(int argc, char **argv)
{
    target_detect_opts o = {0};
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-tools"))
            o.no_tools = 1;
        else if (v && !strcmp(a, "--hwloc"))
            o.hwloc_xml = argv[++i];
        else if (v && !strcmp(a, "--nvidia-smi"))
            o.nvidia_smi_xml = argv[++i];
        else if (v && !strcmp(a, "--cpuinfo"))
            o.cpuinfo = argv[++i];
        else if (v && !strcmp(a, "--microarch"))
            o.microarch = argv[++i];
        else if (v && !strcmp(a, "--name"))
            o.name = argv[++i];
        else if (v && (!strcmp(a, "-o") || !strcmp(a, "--output")))
            out = argv[++i];
        else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    mk_err e;
    mk_err_clear(&e);
    target *t = target_detect(&o, &e);
    if (!t) return report(&e);
    int rc = emit_json(t, out);
    target_free(t);
    return rc;
}

int cmd_target(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(sub, "list")) return do_list(argc - 1, argv + 1);
    if (!strcmp(sub, "show")) return do_show(argc - 1, argv + 1);
    if (!strcmp(sub, "check")) return do_check(argc - 1, argv + 1);
    if (!strcmp(sub, "detect")) return do_detect(argc - 1, argv + 1);
    fprintf(stderr, "modak target: unknown subcommand '%s'\n", sub);
    usage(stderr);
    return EXIT_USAGE;
}
