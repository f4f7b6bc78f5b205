/* kern_main — the training driver every generated program hands its kern_net to:
 * `train`, `eval`, `info`, `--help`.
 *
 * The flow of `train`: select OpenBLAS's kernels (re-executing once if needed), parse the
 * options from a table, load the data set (or make a synthetic one), create or resume the
 * training state, then loop epochs x batches: draw the batch in the epoch's shuffled order,
 * run the network's forward_backward, apply the optimiser, report progress and metrics, and
 * checkpoint every N steps. Every random choice derives from (seed, epoch, step) and never
 * from process state, so a run resumed from a checkpoint ends with the same bits as one that
 * was never interrupted (with the same thread count). This file is the only one in kernels/
 * that prints and chooses exit codes: 0 ok, 1 invalid input or a failed run, 2 usage or I/O. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "kern.h"
#include "kern_impl.h"

enum { EXIT_OK_ = 0, EXIT_INVALID_ = 1, EXIT_USAGE_ = 2 };

/* ---- options: one row each ---- */

enum opt_type { T_FLAG, T_INT, T_LONG, T_U64, T_FLOAT, T_STR, T_OPTIMIZER };
enum { CMD_TRAIN = 1, CMD_EVAL = 2, CMD_INFO = 4 };

typedef struct options {
    const char *data, *checkpoint, *metrics, *weights;
    int epochs, batch, threads, resume, synthetic, optimizer;
    long checkpoint_every, max_steps;
    uint64_t seed;
    float lr;
    int set_lr, set_optimizer, set_batch, set_seed; /* which were given */
} options;

typedef struct option_row {
    const char *name;
    enum opt_type type;
    size_t offset;
    size_t set_offset; /* offset of the "given" flag, or 0 */
    int commands;      /* where it is accepted */
    const char *arg, *help;
} option_row;

#define OFF(f) offsetof(options, f)
static const option_row option_table[] = {
    {"--data", T_STR, OFF(data), 0, CMD_TRAIN | CMD_EVAL, "DIR",
     "folder with the data set: MNIST/Fashion-MNIST IDX files (plain or .gz) or CIFAR-10 "
     "binary batches"},
    {"--synthetic", T_FLAG, OFF(synthetic), 0, CMD_TRAIN | CMD_EVAL, NULL,
     "use generated data of the network's input shape instead of --data"},
    {"--epochs", T_INT, OFF(epochs), 0, CMD_TRAIN, "N", "passes over the training set (1)"},
    {"--batch", T_INT, OFF(batch), OFF(set_batch), CMD_TRAIN | CMD_EVAL, "N",
     "images per step, at most the compiled batch (the compiled batch)"},
    {"--lr", T_FLOAT, OFF(lr), OFF(set_lr), CMD_TRAIN, "X",
     "learning rate (adam 0.001, momentum 0.05, sgd 0.1)"},
    {"--optimizer", T_OPTIMIZER, OFF(optimizer), OFF(set_optimizer), CMD_TRAIN, "sgd|momentum|adam",
     "optimiser (adam)"},
    {"--threads", T_INT, OFF(threads), 0, CMD_TRAIN | CMD_EVAL, "N", "threads (all CPUs)"},
    {"--seed", T_U64, OFF(seed), OFF(set_seed), CMD_TRAIN, "S",
     "seed of initialisation, shuffling and dropout (1)"},
    {"--checkpoint", T_STR, OFF(checkpoint), 0, CMD_TRAIN, "FILE",
     "write checkpoints here (atomically) every --checkpoint-every steps and at the end"},
    {"--checkpoint-every", T_LONG, OFF(checkpoint_every), 0, CMD_TRAIN, "STEPS",
     "steps between checkpoints (0: only at the end)"},
    {"--resume", T_FLAG, OFF(resume), 0, CMD_TRAIN, NULL,
     "continue from --checkpoint FILE when it exists"},
    {"--metrics", T_STR, OFF(metrics), 0, CMD_TRAIN, "FILE.jsonl",
     "append one JSON line per step (step, epoch, loss, accuracy, images/s) and per evaluation"},
    {"--max-steps", T_LONG, OFF(max_steps), 0, CMD_TRAIN, "N",
     "stop after this many optimiser steps in all (0: no limit)"},
    {"--weights", T_STR, OFF(weights), 0, CMD_EVAL, "FILE", "checkpoint to evaluate"},
};

static const char *const optimizer_names[] = {"sgd", "momentum", "adam"};

static void usage(FILE *out, const char *prog, const kern_net *net)
{
    fprintf(out,
            "usage: %s train --data DIR [options]   train %s\n"
            "       %s eval --data DIR --weights FILE   accuracy of a checkpoint on the test set\n"
            "       %s info                          network, parameters, FLOPs, memory, BLAS "
            "kernel\n\noptions:\n",
            prog, net->name, prog, prog);
    for (size_t i = 0; i < sizeof option_table / sizeof *option_table; i++) {
        const option_row *o = &option_table[i];
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-30s %s%s\n", left, o->help,
                o->commands == CMD_EVAL    ? " [eval]"
                : o->commands == CMD_TRAIN ? " [train]"
                                           : "");
    }
    fprintf(out, "\nOpenBLAS: the program selects its kernels from CPUID and re-executes itself "
                 "once with\nOPENBLAS_CORETYPE set, unless that variable is already set "
                 "(KERN_CORETYPE=NAME forces a choice).\n"
                 "Exit status: 0 success, 1 invalid input or failed run, 2 usage or I/O error.\n");
}

static int parse_number(const char *s, enum opt_type t, void *out)
{
    char *end;
    errno = 0;
    if (!*s) return -1;
    switch (t) {
    case T_INT: {
        long v = strtol(s, &end, 10);
        if (*end || errno || v < 0 || v > 1000000000L) return -1;
        *(int *)out = (int)v;
        return 0;
    }
    case T_LONG: {
        long v = strtol(s, &end, 10);
        if (*end || errno || v < 0) return -1;
        *(long *)out = v;
        return 0;
    }
    case T_U64: {
        if (*s == '-') return -1;
        unsigned long long v = strtoull(s, &end, 0);
        if (*end || errno) return -1;
        *(uint64_t *)out = v;
        return 0;
    }
    case T_FLOAT: {
        float v = strtof(s, &end);
        if (*end || errno || !(v > 0) || !isfinite(v)) return -1;
        *(float *)out = v;
        return 0;
    }
    default:
        return -1;
    }
}

/* Fills o from argv[2..]; prints the problem and returns -1 on a usage error. */
static int parse_options(int argc, char **argv, int command, options *o, const char *prog)
{
    for (int i = 2; i < argc; i++) {
        const option_row *row = NULL;
        for (size_t r = 0; r < sizeof option_table / sizeof *option_table; r++)
            if (!strcmp(argv[i], option_table[r].name)) row = &option_table[r];
        if (!row) {
            fprintf(stderr, "%s %s: unknown option '%s' (see %s --help)\n", prog, argv[1], argv[i],
                    prog);
            return -1;
        }
        if (!(row->commands & command)) {
            fprintf(stderr, "%s %s: option %s does not apply to this command\n", prog, argv[1],
                    row->name);
            return -1;
        }
        char *field = (char *)o + row->offset;
        if (row->set_offset) *(int *)((char *)o + row->set_offset) = 1;
        if (row->type == T_FLAG) {
            *(int *)field = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s %s: option %s needs a value (%s)\n", prog, argv[1], row->name,
                    row->arg);
            return -1;
        }
        const char *val = argv[++i];
        if (row->type == T_STR) {
            *(const char **)field = val;
        } else if (row->type == T_OPTIMIZER) {
            int found = -1;
            for (int k = 0; k < KERN_OPT_COUNT; k++)
                if (!strcmp(val, optimizer_names[k])) found = k;
            if (found < 0) {
                fprintf(stderr, "%s %s: --optimizer '%s': expected sgd, momentum or adam\n", prog,
                        argv[1], val);
                return -1;
            }
            *(int *)field = found;
        } else if (parse_number(val, row->type, field)) {
            fprintf(stderr, "%s %s: %s '%s': expected %s\n", prog, argv[1], row->name, val,
                    row->type == T_FLOAT ? "a positive number" : "a non-negative integer");
            return -1;
        }
    }
    return 0;
}

/* ---- OpenBLAS core selection ---- */

/* OpenBLAS reads its settings once, when it is loaded, so they are applied by setting the
 * environment and re-executing the program (once: KERN_REEXECUTED guards against a loop):
 *  - its kernels: OPENBLAS_CORETYPE from CPUID, when OpenBLAS chose others (and the user
 *    did not set the variable);
 *  - its threads: OPENBLAS_NUM_THREADS=1. The context's pool parallelises around
 *    single-threaded BLAS calls, and OpenBLAS's own idle threads would otherwise spin on the
 *    cores the pool needs.
 * Returns only when no re-exec was needed or possible: REEXEC_NONE, or why not. */
enum reexec_status { REEXEC_NONE, REEXEC_FAILED, REEXEC_EMULATED };

/* Under valgrind, /proc/self/exe is valgrind's own tool while readlink() reports the
 * program: executing it would not run the program, so the settings stay as they are. */
static int emulated(void)
{
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    struct stat self, prog;
    if (n <= 0) return 0;
    path[n] = 0;
    return !stat("/proc/self/exe", &self) && !stat(path, &prog) &&
           (self.st_ino != prog.st_ino || self.st_dev != prog.st_dev);
}

static enum reexec_status configure_openblas(char **argv, int stock)
{
    if (getenv("KERN_REEXECUTED")) return REEXEC_NONE;
    int reexec = 0;
    const char *active = kern_coretype_active();
    const char *want = kern_coretype_wanted();
    int change_core = !stock && !getenv("OPENBLAS_CORETYPE") && want && strcasecmp(want, active);
    int change_threads = openblas_get_num_threads() > 1;
    if (!change_core && !change_threads) return REEXEC_NONE;
    if (emulated()) return REEXEC_EMULATED;
    if (change_core && !setenv("OPENBLAS_CORETYPE", want, 1) &&
        !setenv("KERN_CORETYPE_FROM", active, 1))
        reexec = 1;
    if (change_threads && !setenv("OPENBLAS_NUM_THREADS", "1", 1)) reexec = 1;
    if (!reexec || setenv("KERN_REEXECUTED", "1", 1)) return REEXEC_FAILED;
    execv("/proc/self/exe", argv);
    if (getenv("KERN_CORETYPE_FROM")) unsetenv("OPENBLAS_CORETYPE");
    unsetenv("KERN_CORETYPE_FROM");
    unsetenv("KERN_REEXECUTED");
    return REEXEC_FAILED;
}

static void describe_coretype(char *buf, size_t size, enum reexec_status rs, int stock)
{
    const char *active = kern_coretype_active(), *want = kern_coretype_wanted();
    const char *from = getenv("KERN_CORETYPE_FROM"), *env = getenv("OPENBLAS_CORETYPE");
    if (stock && !env)
        snprintf(buf, size,
                 "%s (OpenBLAS's own choice, kept: a generic build selects nothing; CPUID "
                 "wants %s)",
                 active, want ? want : "nothing in particular");
    else if (from && env && strcasecmp(env, active))
        snprintf(buf, size,
                 "%s (wanted %s, but OpenBLAS did not accept OPENBLAS_CORETYPE=%s "
                 "after the re-exec)",
                 active, want ? want : "?", env);
    else if (from && env)
        snprintf(buf, size,
                 "%s (CPUID wants %s; OpenBLAS had chosen %s, so the program set "
                 "OPENBLAS_CORETYPE=%s and re-executed itself)",
                 active, want ? want : "?", from, env);
    else if (env)
        snprintf(buf, size, "%s (OPENBLAS_CORETYPE=%s set in the environment)", active, env);
    else if (want && !strcasecmp(want, active))
        snprintf(buf, size, "%s (CPUID wants %s: OpenBLAS chose it itself)", active, want);
    else if (rs == REEXEC_EMULATED)
        snprintf(buf, size,
                 "%s (CPUID wants %s; not re-executed under valgrind or another "
                 "emulator: set OPENBLAS_CORETYPE yourself)",
                 active, want ? want : "nothing in particular");
    else
        snprintf(buf, size, "%s (CPUID wants %s, but re-executing failed)", active,
                 want ? want : "nothing in particular");
}

/* ---- helpers ---- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static int exit_code_of(const kern_err *e)
{
    return e->code == KERN_EIO || e->code == KERN_EUSAGE ? EXIT_USAGE_ : EXIT_INVALID_;
}

static int report(const char *prog, const kern_err *e)
{
    fprintf(stderr, "%s: error: %s\n", prog, e->msg);
    return exit_code_of(e);
}

static void fmt_bytes(double b, char *buf, size_t size)
{
    if (b >= 1 << 30)
        snprintf(buf, size, "%.2f GiB", b / (1 << 30));
    else if (b >= 1 << 20)
        snprintf(buf, size, "%.1f MiB", b / (1 << 20));
    else
        snprintf(buf, size, "%.1f KiB", b / 1024);
}

static size_t count_params(const kern_net *net, int trainable_only)
{
    size_t n = 0;
    for (int i = 0; i < net->nparams; i++)
        if (!trainable_only || net->params[i].trainable) n += net->params[i].count;
    return n;
}

static int check_net(const kern_net *net, const char *prog)
{
    if (net->abi_version != KERN_ABI_VERSION) {
        fprintf(stderr, "%s: network compiled for kernel ABI %d, this driver speaks %d\n", prog,
                net->abi_version, KERN_ABI_VERSION);
        return -1;
    }
    if (!net->forward_backward || !net->infer || net->batch < 1 || net->classes < 1 ||
        net->in_c < 1 || net->in_h < 1 || net->in_w < 1 || net->nparams < 0 ||
        (net->nparams && !net->params)) {
        fprintf(stderr, "%s: the network description is incomplete\n", prog);
        return -1;
    }
    return 0;
}

/* Everything a run allocates besides the state. */
typedef struct run_buffers {
    void *arena;
    float *x, *probs;
    int32_t *labels, *idx, *perm;
} run_buffers;

static int buffers_new(run_buffers *b, const kern_net *net, int batch, int count, kern_err *err)
{
    memset(b, 0, sizeof *b);
    size_t chw = (size_t)net->in_c * net->in_h * net->in_w;
    if (posix_memalign(&b->arena, 64, net->arena_bytes ? net->arena_bytes : 64)) b->arena = NULL;
    void *x = NULL;
    if (posix_memalign(&x, 64, (size_t)batch * chw * sizeof(float))) x = NULL;
    b->x = x;
    b->labels = calloc((size_t)batch, sizeof *b->labels);
    b->idx = calloc((size_t)batch, sizeof *b->idx);
    b->perm = calloc(count > 0 ? (size_t)count : 1, sizeof *b->perm);
    b->probs = NULL;
    if (!b->arena || !b->x || !b->labels || !b->idx || !b->perm)
        return kern_err_set(err, KERN_ENOMEM,
                            "out of memory for the batch buffers and the %zu-byte arena",
                            net->arena_bytes);
    return 0;
}

static void buffers_free(run_buffers *b)
{
    free(b->arena);
    free(b->x);
    free(b->probs);
    free(b->labels);
    free(b->idx);
    free(b->perm);
}

static int load_data(const options *o, const kern_net *net, int train, kern_dataset *ds,
                     kern_err *err)
{
    if (o->synthetic) {
        int n = train ? 50000 : 2 * net->batch; /* generated on demand: no memory */
        kern_data_synthetic(ds, n, net->in_c, net->in_h, net->in_w, net->classes,
                            kern_seed_mix(0x53594e ^ (uint64_t)train, 7));
        return 0;
    }
    if (kern_data_open_dir(o->data, train, net->classes, ds, err)) return -1;
    if (ds->c != net->in_c || ds->h != net->in_h || ds->w != net->in_w) {
        kern_err_set(err, KERN_EINVAL,
                     "%s: images are %dx%dx%d (CxHxW), network '%s' expects %dx%dx%d", o->data,
                     ds->c, ds->h, ds->w, net->name, net->in_c, net->in_h, net->in_w);
        kern_dataset_free(ds);
        return -1;
    }
    if (ds->classes > net->classes) {
        kern_err_set(err, KERN_EINVAL, "%s: %d classes, network '%s' has %d outputs", o->data,
                     ds->classes, net->name, net->classes);
        kern_dataset_free(ds);
        return -1;
    }
    return 0;
}

/* Runs inference over a whole set in order; mean loss and accuracy. */
static int evaluate(kern_ctx *ctx, const kern_net *net, kern_state *st, const kern_dataset *ds,
                    int batch, run_buffers *b, double *loss, double *acc)
{
    double total = 0;
    long correct = 0;
    for (int i0 = 0; i0 < ds->n; i0 += batch) {
        int n = ds->n - i0 < batch ? ds->n - i0 : batch;
        for (int k = 0; k < n; k++)
            b->idx[k] = i0 + k;
        kern_dataset_batch(ds, b->idx, n, b->x, b->labels);
        kern_step s = {.n = n,
                       .x = b->x,
                       .labels = b->labels,
                       .training = 0,
                       .params = st->param_ptr,
                       .grads = st->grad_ptr,
                       .arena = b->arena};
        if (net->infer(ctx, net, &s)) return -1;
        total += (double)s.loss * n;
        correct += s.correct;
    }
    *loss = ds->n ? total / ds->n : 0;
    *acc = ds->n ? (double)correct / ds->n : 0;
    return 0;
}

/* ---- progress ---- */

typedef struct progress {
    int tty;
    double last_draw;
    long every; /* plain mode: a line every this many steps */
} progress;

static void progress_draw(progress *p, int epoch, int epochs, long s, long steps, double loss,
                          double acc, double ips, int last)
{
    double t = now_s();
    if (p->tty) {
        if (!last && t - p->last_draw < 0.1) return;
        p->last_draw = t;
        int width = 30, fill = steps ? (int)(width * s / steps) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        fprintf(stderr, "\repoch %d/%d [%s] %ld/%ld loss %.4f acc %5.1f%% %7.0f img/s%s", epoch + 1,
                epochs, bar, s, steps, loss, 100 * acc, ips, last ? "\n" : "");
        fflush(stderr);
    } else if (last || s % p->every == 0) {
        fprintf(stderr, "epoch %d/%d step %ld/%ld loss %.4f acc %.2f%% %.0f img/s\n", epoch + 1,
                epochs, s, steps, loss, 100 * acc, ips);
    }
}

/* ---- train ---- */

static int cmd_train(int argc, char **argv, const kern_net *net, const char *prog)
{
    options o = {.epochs = 1, .optimizer = KERN_OPT_ADAM, .seed = 1};
    if (parse_options(argc, argv, CMD_TRAIN, &o, prog)) return EXIT_USAGE_;
    if (!o.data && !o.synthetic) {
        fprintf(stderr, "%s train: --data DIR (or --synthetic) is required\n", prog);
        return EXIT_USAGE_;
    }
    if (o.resume && !o.checkpoint) {
        fprintf(stderr, "%s train: --resume needs --checkpoint FILE\n", prog);
        return EXIT_USAGE_;
    }
    if (o.checkpoint_every && !o.checkpoint) {
        fprintf(stderr, "%s train: --checkpoint-every needs --checkpoint FILE\n", prog);
        return EXIT_USAGE_;
    }
    int batch = o.set_batch ? o.batch : net->batch;
    if (batch < 1 || batch > net->batch) {
        fprintf(stderr,
                "%s train: --batch %d: must be between 1 and %d, the batch the network "
                "was compiled for (recompile with a larger --batch)\n",
                prog, batch, net->batch);
        return EXIT_USAGE_;
    }
    kern_opt opt = kern_opt_default((kern_opt_kind)o.optimizer);
    if (o.set_lr) opt.lr = o.lr;

    kern_err err = {0};
    int rc = EXIT_INVALID_;
    kern_ctx *ctx = NULL;
    kern_dataset train = {0}, test = {0};
    kern_state st = {0};
    run_buffers b = {0};
    FILE *metrics = NULL;
    int have_test = 0, have_state = 0;

    if (load_data(&o, net, 1, &train, &err)) {
        rc = report(prog, &err);
        goto done;
    }
    {
        kern_err terr = {0};
        have_test = load_data(&o, net, 0, &test, &terr) == 0;
        if (!have_test && terr.code != KERN_EIO) { /* a test set that exists must be valid */
            rc = report(prog, &terr);
            goto done;
        }
    }
    if (kern_state_new(&st, net, &opt, o.seed, batch, &err)) {
        rc = report(prog, &err);
        goto done;
    }
    have_state = 1;
    int resumed = 0;
    if (o.resume && access(o.checkpoint, F_OK) == 0) {
        if (kern_ckpt_load(o.checkpoint, &st, 0, &err)) {
            rc = report(prog, &err);
            goto done;
        }
        if (o.set_optimizer && st.opt.kind != (kern_opt_kind)o.optimizer) {
            fprintf(stderr, "%s train: %s was trained with %s, --optimizer says %s\n", prog,
                    o.checkpoint, kern_opt_name(st.opt.kind), optimizer_names[o.optimizer]);
            rc = EXIT_USAGE_;
            goto done;
        }
        if ((o.set_batch && st.batch != batch) || st.batch > net->batch) {
            fprintf(stderr, "%s train: %s was trained with batch %d, not %d\n", prog, o.checkpoint,
                    st.batch, batch);
            rc = EXIT_USAGE_;
            goto done;
        }
        if (o.set_seed && st.seed != o.seed) {
            fprintf(stderr, "%s train: %s was trained with seed %llu, not %llu\n", prog,
                    o.checkpoint, (unsigned long long)st.seed, (unsigned long long)o.seed);
            rc = EXIT_USAGE_;
            goto done;
        }
        if (o.set_lr && st.opt.lr != o.lr) {
            fprintf(stderr, "%s train: %s was trained with --lr %g, not %g\n", prog, o.checkpoint,
                    st.opt.lr, o.lr);
            rc = EXIT_USAGE_;
            goto done;
        }
        batch = st.batch;
        resumed = 1;
        fprintf(stderr, "%s: resuming from %s at step %llu (epoch %llu, batch %llu of it)\n", prog,
                o.checkpoint, (unsigned long long)st.step, (unsigned long long)st.epoch + 1,
                (unsigned long long)st.epoch_step);
    }
    ctx = kern_ctx_new(o.threads);
    if (!ctx || kern_ctx_reserve(ctx, net->workspace_bytes * (size_t)kern_ctx_threads(ctx))) {
        kern_err_set(&err, KERN_ENOMEM, "out of memory for the thread pool and workspace");
        rc = report(prog, &err);
        goto done;
    }
    if (buffers_new(&b, net, batch, train.n, &err)) {
        rc = report(prog, &err);
        goto done;
    }
    if (o.metrics && !(metrics = fopen(o.metrics, resumed ? "a" : "w"))) {
        fprintf(stderr, "%s: error: %s: cannot open: %s\n", prog, o.metrics, strerror(errno));
        rc = EXIT_USAGE_;
        goto done;
    }

    long steps_per_epoch = (train.n + batch - 1) / batch;
    progress pr = {.tty = isatty(STDERR_FILENO),
                   .every = steps_per_epoch / 10 > 0 ? steps_per_epoch / 10 : 1};
    double train_time = 0, epoch_loss = 0, epoch_correct = 0, epoch_images = 0;
    long images_done = 0, steps_done = 0;
    int stopped = 0;
    fprintf(stderr,
            "%s: training %s on %s%s: %d images, batch %d, %s lr %g, %d threads, seed "
            "%llu, OpenBLAS %s\n",
            prog, net->name, o.synthetic ? "synthetic data" : o.data, "", train.n, batch,
            kern_opt_name(st.opt.kind), st.opt.lr, kern_ctx_threads(ctx),
            (unsigned long long)st.seed, kern_coretype_active());
    while ((int)st.epoch < o.epochs && !stopped) {
        kern_shuffle(b.perm, train.n, st.seed, st.epoch);
        epoch_loss = epoch_correct = epoch_images = 0;
        for (long s = (long)st.epoch_step; s < steps_per_epoch; s++) {
            if (o.max_steps && (long)st.step >= o.max_steps) {
                stopped = 1;
                break;
            }
            double t0 = now_s();
            long first = s * batch;
            int n = (int)(train.n - first < batch ? train.n - first : batch);
            kern_dataset_batch(&train, b.perm + first, n, b.x, b.labels);
            kern_step step = {.n = n,
                              .x = b.x,
                              .labels = b.labels,
                              .training = 1,
                              .seed = kern_seed_mix(kern_seed_mix(st.seed, st.epoch), (uint64_t)s),
                              .params = st.param_ptr,
                              .grads = st.grad_ptr,
                              .arena = b.arena};
            if (net->forward_backward(ctx, net, &step)) {
                kern_err_set(&err, KERN_ENOMEM, "step %llu: out of memory",
                             (unsigned long long)st.step + 1);
                rc = report(prog, &err);
                goto done;
            }
            if (!isfinite(step.loss)) {
                fprintf(stderr,
                        "\n%s: error: the loss is %g at step %llu (epoch %llu): training "
                        "diverged; try a smaller --lr\n",
                        prog, step.loss, (unsigned long long)st.step + 1,
                        (unsigned long long)st.epoch + 1);
                rc = EXIT_INVALID_;
                goto done;
            }
            kern_state_update(ctx, &st);
            st.epoch_step = (uint64_t)s + 1;
            double dt = now_s() - t0;
            train_time += dt;
            images_done += n;
            steps_done++;
            epoch_loss += (double)step.loss * n;
            epoch_correct += step.correct;
            epoch_images += n;
            double ips = train_time > 0 ? images_done / train_time : 0;
            if (metrics)
                fprintf(metrics,
                        "{\"step\": %llu, \"epoch\": %llu, \"loss\": %.6g, \"accuracy\": %.6g, "
                        "\"images_per_s\": %.1f}\n",
                        (unsigned long long)st.step, (unsigned long long)st.epoch + 1, step.loss,
                        (double)step.correct / n, ips);
            progress_draw(&pr, (int)st.epoch, o.epochs, s + 1, steps_per_epoch,
                          epoch_loss / epoch_images, epoch_correct / epoch_images, ips,
                          s + 1 == steps_per_epoch);
            if (o.checkpoint_every && st.step % (uint64_t)o.checkpoint_every == 0) {
                if (metrics) fflush(metrics);
                if (kern_ckpt_save(o.checkpoint, &st, &err)) {
                    rc = report(prog, &err);
                    goto done;
                }
            }
        }
        if (stopped) break;
        st.epoch++;
        st.epoch_step = 0;
        if (have_test && (int)st.epoch < o.epochs) {
            double tl, ta;
            if (evaluate(ctx, net, &st, &test, batch, &b, &tl, &ta)) goto oom;
            fprintf(stderr, "epoch %llu: test loss %.4f accuracy %.2f%%\n",
                    (unsigned long long)st.epoch, tl, 100 * ta);
            if (metrics)
                fprintf(metrics,
                        "{\"step\": %llu, \"epoch\": %llu, \"test_loss\": %.6g, "
                        "\"test_accuracy\": %.6g}\n",
                        (unsigned long long)st.step, (unsigned long long)st.epoch, tl, ta);
        }
    }
    if (o.checkpoint && kern_ckpt_save(o.checkpoint, &st, &err)) {
        rc = report(prog, &err);
        goto done;
    }
    /* the summary */
    printf("%s: %ld steps, %ld images in %.2f s: %.1f images/s (%s lr %g, batch %d, %d threads, "
           "OpenBLAS %s)\n",
           net->name, steps_done, images_done, train_time,
           train_time > 0 ? images_done / train_time : 0.0, kern_opt_name(st.opt.kind), st.opt.lr,
           batch, kern_ctx_threads(ctx), kern_coretype_active());
    if (epoch_images > 0)
        printf("train: loss %.4f accuracy %.2f%% (epoch %llu%s)\n", epoch_loss / epoch_images,
               100 * epoch_correct / epoch_images,
               (unsigned long long)(stopped ? st.epoch + 1 : st.epoch), stopped ? ", partial" : "");
    if (have_test) {
        double tl, ta;
        if (evaluate(ctx, net, &st, &test, batch, &b, &tl, &ta)) goto oom;
        printf("test: loss %.4f accuracy %.2f%% (%d images)\n", tl, 100 * ta, test.n);
        if (metrics)
            fprintf(metrics,
                    "{\"step\": %llu, \"epoch\": %llu, \"test_loss\": %.6g, "
                    "\"test_accuracy\": %.6g}\n",
                    (unsigned long long)st.step, (unsigned long long)st.epoch, tl, ta);
    }
    if (o.checkpoint)
        printf("checkpoint: %s (step %llu)\n", o.checkpoint, (unsigned long long)st.step);
    rc = EXIT_OK_;
    goto done;
oom:
    kern_err_set(&err, KERN_ENOMEM, "evaluation: out of memory");
    rc = report(prog, &err);
done:
    if (metrics && fclose(metrics) && rc == EXIT_OK_) {
        fprintf(stderr, "%s: error: %s: write failed\n", prog, o.metrics);
        rc = EXIT_USAGE_;
    }
    buffers_free(&b);
    if (have_state) kern_state_free(&st);
    kern_dataset_free(&train);
    kern_dataset_free(&test);
    kern_ctx_free(ctx);
    return rc;
}

/* ---- eval ---- */

static int cmd_eval(int argc, char **argv, const kern_net *net, const char *prog)
{
    options o = {0};
    if (parse_options(argc, argv, CMD_EVAL, &o, prog)) return EXIT_USAGE_;
    if ((!o.data && !o.synthetic) || !o.weights) {
        fprintf(stderr, "%s eval: --data DIR (or --synthetic) and --weights FILE are required\n",
                prog);
        return EXIT_USAGE_;
    }
    int batch = o.set_batch ? o.batch : net->batch;
    if (batch < 1 || batch > net->batch) {
        fprintf(stderr, "%s eval: --batch %d: must be between 1 and %d\n", prog, batch, net->batch);
        return EXIT_USAGE_;
    }
    kern_err err = {0};
    kern_dataset test = {0};
    kern_state st = {0};
    run_buffers b = {0};
    kern_ctx *ctx = NULL;
    int rc = EXIT_INVALID_, have_state = 0;
    kern_opt opt = kern_opt_default(KERN_OPT_SGD);
    if (load_data(&o, net, 0, &test, &err)) {
        rc = report(prog, &err);
        goto done;
    }
    if (kern_state_new(&st, net, &opt, 0, batch, &err)) {
        rc = report(prog, &err);
        goto done;
    }
    have_state = 1;
    if (kern_ckpt_load(o.weights, &st, 1, &err)) {
        rc = report(prog, &err);
        goto done;
    }
    ctx = kern_ctx_new(o.threads);
    if (!ctx || buffers_new(&b, net, batch, 1, &err)) {
        kern_err_set(&err, KERN_ENOMEM, "out of memory");
        rc = report(prog, &err);
        goto done;
    }
    double t0 = now_s(), loss, acc;
    if (evaluate(ctx, net, &st, &test, batch, &b, &loss, &acc)) {
        kern_err_set(&err, KERN_ENOMEM, "evaluation: out of memory");
        rc = report(prog, &err);
        goto done;
    }
    double dt = now_s() - t0;
    printf("%s: test loss %.4f accuracy %.2f%% (%d images, %.1f images/s, weights %s)\n", net->name,
           loss, 100 * acc, test.n, dt > 0 ? test.n / dt : 0.0, o.weights);
    rc = EXIT_OK_;
done:
    buffers_free(&b);
    if (have_state) kern_state_free(&st);
    kern_dataset_free(&test);
    kern_ctx_free(ctx);
    return rc;
}

/* ---- info ---- */

static int cmd_info(int argc, char **argv, const kern_net *net, const char *prog,
                    enum reexec_status rs)
{
    options o = {0};
    if (parse_options(argc, argv, CMD_INFO, &o, prog)) return EXIT_USAGE_;
    size_t all = count_params(net, 0), trainable = count_params(net, 1);
    double pbytes = 0;
    for (int i = 0; i < net->nparams; i++)
        pbytes += (double)((net->params[i].count + 15) & ~(size_t)15) * 4;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    double flops_train = net->flops_train > 0 ? net->flops_train : 3 * net->flops_fwd;
    char a[32], p[32], w[32], t[32], core[512];
    double total = (double)net->arena_bytes + pbytes * 4 /* params, grads, adam m and v */ +
                   (double)net->workspace_bytes * ncpu;
    fmt_bytes((double)net->arena_bytes, a, sizeof a);
    fmt_bytes(pbytes, p, sizeof p);
    fmt_bytes((double)net->workspace_bytes, w, sizeof w);
    fmt_bytes(total, t, sizeof t);
    describe_coretype(core, sizeof core, rs, net->stock_blas);
    printf("network:     %s\n", net->name);
    printf("input:       %d x %d x %d (C x H x W), %d classes, compiled batch %d\n", net->in_c,
           net->in_h, net->in_w, net->classes, net->batch);
    printf("parameters:  %zu (%zu trainable) in %d tensors\n", all, trainable, net->nparams);
    printf("flops:       %.4g MFLOP per image forward, %.4g MFLOP per image training\n",
           net->flops_fwd / 1e6, flops_train / 1e6);
    printf("memory:      arena %s (planned, batch %d), parameters %s (x4 with gradients and "
           "Adam state), workspace %s per thread; about %s in all with %ld threads\n",
           a, net->batch, p, w, t, ncpu);
    printf("openblas:    %s\n", core);
    printf("openblas-config: %s (its own threads: %d; the program's pool parallelises)\n",
           openblas_get_config(), openblas_get_num_threads());
    if (net->build) printf("build:       %s\n", net->build);
    if (net->summary)
        printf("layers:\n%s%s", net->summary,
               net->summary[0] && net->summary[strlen(net->summary) - 1] == '\n' ? "" : "\n");
    return EXIT_OK_;
}

int kern_main(int argc, char **argv, const kern_net *net)
{
    enum reexec_status rs = configure_openblas(argv, net->stock_blas);
    const char *prog = argc > 0 && argv[0] ? argv[0] : "train";
    const char *slash = strrchr(prog, '/');
    if (slash) prog = slash + 1;
    if (check_net(net, prog)) return EXIT_INVALID_;
    if (argc < 2) {
        usage(stderr, prog, net);
        return EXIT_USAGE_;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout, prog, net);
        return EXIT_OK_;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout, prog, net);
            return EXIT_OK_;
        }
    if (!strcmp(cmd, "train")) return cmd_train(argc, argv, net, prog);
    if (!strcmp(cmd, "eval")) return cmd_eval(argc, argv, net, prog);
    if (!strcmp(cmd, "info")) return cmd_info(argc, argv, net, prog, rs);
    fprintf(stderr, "%s: unknown command '%s' (train, eval, info, --help)\n", prog, cmd);
    return EXIT_USAGE_;
}
