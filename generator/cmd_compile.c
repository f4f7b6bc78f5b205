/* cmd_compile — `modak compile NET [options]`: builds a network's training binary.
 *
 * NET is a zoo name (mnist_cnn, resnet20, resnet50) or a graph file (modak's graph JSON or a
 * Keras model's to_json(); see docs/graph-format.md). The graph goes through the compiler's
 * passes and code generation, and the program is compiled with the system C compiler for the
 * target (host: -march=native; an archspec micro-architecture: archspec's flags for this
 * compiler and version) together with the kernels embedded in modak, through the binary
 * cache. --generic builds what a stock image would ship, for comparison. Exit status: 0 built,
 * 1 the network is invalid or the C compiler failed, 2 usage or I/O problems. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen.h"
#include "commands.h"
#include "gfile.h"
#include "mk_buf.h"
#include "mk_fs.h"
#include "zoo.h"

static void usage(FILE *out)
{
    fputs("usage: modak compile NET [options]\n"
          "\n"
          "Builds the training binary of NET, a network of the zoo (mnist_cnn, resnet20,\n"
          "resnet50) or a graph file (modak graph JSON or a Keras model's to_json()).\n"
          "\n"
          "options:\n"
          "  -t, --target NAME   host (default: this machine, -march=native) or a CPU\n"
          "                      micro-architecture by archspec's name (zen4, skylake_avx512,\n"
          "                      x86_64_v3, ...; --list-targets shows them)\n"
          "  -b, --batch N       the batch size the binary is planned for (default: 128 for\n"
          "                      mnist_cnn and resnet20, 32 otherwise)\n"
          "  -o, --output BIN    where to write the binary (default: ./NAME-train)\n"
          "      --emit-c FILE   write the generated C program to FILE; without -o, only that\n"
          "      --emit-graph FILE  write NET in modak's graph JSON (docs/graph-format.md);\n"
          "                      without -o, only that\n"
          "      --generic       build what a stock image ships: -O2, baseline x86-64, no\n"
          "                      fusion, no memory planning, im2col everywhere\n"
          "      --cc CC         the C compiler (default: $CC, else cc)\n"
          "      --profile       the binary times every node of a training step and prints\n"
          "                      the table (ms, share, GFLOP/s) to stderr at exit\n"
          "      --list-targets  list the micro-architectures and exit\n"
          "  -q, --quiet         print nothing but errors\n"
          "  -h, --help          show this help\n"
          "\n"
          "Binaries are cached by a hash of the program, target, flags and modak's version in\n"
          "$MODAK_CACHE_DIR, else $XDG_CACHE_HOME/modak, else ~/.cache/modak.\n"
          "\n"
          "exit status: 0 built, 1 invalid network or the C compiler failed, 2 usage or I/O\n",
          out);
}

static int fail(const mk_err *e)
{
    char buf[2048];
    fprintf(stderr, "modak compile: %s\n", mk_err_str(e, buf, sizeof buf));
    return e->code == MK_EIO ? EXIT_USAGE : EXIT_INVALID;
}

static void list_targets(void)
{
    int n;
    const graph_march *t = graph_march_table(&n);
    printf("host (this machine: %s)\n", graph_march_host());
    for (int i = 0; i < n; i++)
        printf("%-16s %-8s %s\n", t[i].name, t[i].family, t[i].vendor);
}

static int parse_batch(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 1 || v > 65536) return -1;
    *out = v;
    return 0;
}

int cmd_compile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"target", required_argument, NULL, 't'}, {"batch", required_argument, NULL, 'b'},
        {"output", required_argument, NULL, 'o'}, {"emit-c", required_argument, NULL, 'E'},
        {"generic", no_argument, NULL, 'G'},      {"cc", required_argument, NULL, 'C'},
        {"list-targets", no_argument, NULL, 'L'}, {"quiet", no_argument, NULL, 'q'},
        {"profile", no_argument, NULL, 'P'},      {"emit-graph", required_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *target = "host", *output = NULL, *emit_c = NULL, *cc = NULL, *emit_graph = NULL;
    int64_t batch = 0;
    int generic = 0, quiet = 0, profile = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:b:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            target = optarg;
            break;
        case 'b':
            if (parse_batch(optarg, &batch)) {
                fprintf(stderr,
                        "modak compile: --batch must be an integer from 1 to 65536, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o':
            output = optarg;
            break;
        case 'E':
            emit_c = optarg;
            break;
        case 'G':
            generic = 1;
            break;
        case 'C':
            cc = optarg;
            break;
        case 'P':
            profile = 1;
            break;
        case 'J':
            emit_graph = optarg;
            break;
        case 'L':
            list_targets();
            return EXIT_OK;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case ':':
            fprintf(stderr, "modak compile: option '%s' needs a value\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "modak compile: unknown option '%s'\n\n", argv[optind - 1]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "modak compile: %s\n\n",
                optind >= argc ? "which network? (a zoo name or a graph file)"
                               : "one network at a time");
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *spec = argv[optind];

    /* the target: host, or an archspec micro-architecture */
    const char *march;
    char target_desc[128];
    int threads = 0;
    if (!strcmp(target, "host")) {
        march = "native";
        snprintf(target_desc, sizeof target_desc, "host (%s)", graph_march_host());
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    } else if (graph_march_find(target)) {
        march = target;
        snprintf(target_desc, sizeof target_desc, "%s", target);
    } else {
        fprintf(stderr,
                "modak compile: unknown target '%s' (host, or a micro-architecture: see "
                "--list-targets)\n",
                target);
        return EXIT_USAGE;
    }
    if (generic)
        snprintf(target_desc + strlen(target_desc), sizeof target_desc - strlen(target_desc),
                 ", generic build");

    if (!batch) batch = !strcmp(spec, "mnist_cnn") || !strcmp(spec, "resnet20") ? 128 : 32;
    mk_err err;
    mk_err_clear(&err);
    graph *g = graph_load_spec(spec, batch, &err);
    if (!g) return fail(&err);

    int rc = EXIT_OK;
    graph_toolchain tc;
    char cflags[1024] = "", build_note[2200];
    graph_compiled out = {0};
    graph_build_result br = {0};
    char *bin = NULL;
    int build = output || (!emit_c && !emit_graph);
    if (emit_graph) { /* before the passes: the graph as written, unfused */
        char *text = graph_to_json(g, &err);
        int bad = !text || mk_file_write_atomic(emit_graph, text, strlen(text), 0, &err);
        free(text);
        if (bad) {
            rc = fail(&err);
            goto done;
        }
    }
    if (build) {
        if (graph_toolchain_detect(cc, &tc, &err) ||
            graph_target_cflags(&tc, march, generic, cflags, sizeof cflags, &err)) {
            rc = fail(&err);
            goto done;
        }
        snprintf(build_note, sizeof build_note, "%s %s %s", tc.cc, tc.version, cflags);
    } else {
        snprintf(build_note, sizeof build_note, "(C only)");
    }
    graph_options o = {.generic = generic,
                       .threads = threads,
                       .target = target_desc,
                       .build = build_note,
                       .profile = profile,
                       .vec_floats = graph_march_vector_floats(march)};
    if (graph_codegen(g, &o, &out, &err)) {
        rc = fail(&err);
        goto done;
    }
    if (emit_c && mk_file_write_atomic(emit_c, out.c_source, strlen(out.c_source), 0, &err)) {
        rc = fail(&err);
        goto done;
    }
    if (build) {
        bin = output ? mk_xstrdup(output) : mk_xasprintf("%s-train", g->name);
        char *key = mk_xasprintf("%s|%s|%s|batch=%lld|generic=%d|profile=%d", g->name, target_desc,
                                 march, (long long)batch, generic, profile);
        int brc = graph_build(out.c_source, &tc, cflags, key, bin, &br, &err);
        free(key);
        if (brc) {
            rc = fail(&err);
            if (br.log) {
                size_t len = strlen(br.log);
                const char *tail = len > 4000 ? br.log + len - 4000 : br.log;
                fprintf(stderr, "--- compiler output%s ---\n%s", len > 4000 ? " (tail)" : "", tail);
            }
            goto done;
        }
    }
    if (!quiet) {
        printf("network    %s: batch %lld, input %lldx%lldx%lld, %lld classes\n", g->name,
               (long long)batch, (long long)g->input->ne[1], (long long)g->input->ne[2],
               (long long)g->input->ne[3], (long long)g->logits->ne[1]);
        printf("parameters %lld trainable (%d tensors incl. batch-norm statistics)\n",
               (long long)out.param_elems, out.nparams);
        printf("flops      %.4g GFLOP/image forward, %.4g training\n", out.flops_fwd / 1e9,
               out.flops_train / 1e9);
        printf(
            "passes     %s; %d convolutions; %d nodes per training step; up to %d threads useful\n",
            generic ? "no fusion, no memory planning" : "fusion", out.nconv, out.nodes_train,
            out.threads);
        if (!generic) printf("fused      %d nodes folded away\n", out.folded);
        printf("memory     arena %.2f MiB per training step (%.2f MiB without reuse), %.2f MiB "
               "inference\n",
               (double)out.arena_train / 1048576.0, (double)out.arena_unplanned / 1048576.0,
               (double)out.arena_infer / 1048576.0);
        printf("target     %s\n", target_desc);
        if (build) {
            printf("compiler   %s %s (%s) %s\n", tc.cc, tc.version, tc.kind, cflags);
            printf("cache      %s %s\n", br.cache_hit ? "hit" : "miss, stored", br.cache_path);
            printf("binary     %s\n", bin);
        }
        if (emit_c) printf("program    %s\n", emit_c);
        if (emit_graph) printf("graph      %s\n", emit_graph);
    }
done:
    free(bin);
    graph_build_result_fini(&br);
    graph_compiled_fini(&out);
    graph_free(g);
    return rc;
}
