/* commands — the subcommand table of `modak` and the dispatcher main() calls. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static int cmd_version(int argc, char **argv)
{
    printf("modak %s\n", MODAK_VERSION);
    return EXIT_OK;
}

/* One row per subcommand; keep them in the order `modak --help` should list them. */
static const command commands[] = {
    {"optimise", cmd_optimise, "decide, compile and write the deployment of a blueprint"},
    {"batch", cmd_batch, "optimise every blueprint under the given paths, N at a time"},
    {"validate", cmd_validate, "check TOSCA blueprints, type files and MODAK job documents"},
    {"compile", cmd_compile, "build a network's training binary for a target"},
    {"target", cmd_target, "list, show, check or detect targets (the machines jobs run on)"},
    {"model", cmd_model, "the performance model: calibrate it, predict time to train"},
    {"job", cmd_job, "generate MODAK-compatible batch and build scripts for a job document"},
    {"registry", cmd_registry, "list, show, add and check registered images, scripts, sites"},
    {"version", cmd_version, "print modak's version"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: modak [--version] [--help] COMMAND [ARGS]\n\n"
                 "modak optimises AI-training deployments described by SODALITE TOSCA\n"
                 "blueprints: it validates them, predicts the fastest deployment, compiles the\n"
                 "training binary and writes the artefacts to deploy it.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun `modak COMMAND --help` for the options of a command.\n"
                 "Exit status: 0 success, 1 invalid input or failed run, 2 usage or I/O error.\n");
}

int modak_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "modak: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
