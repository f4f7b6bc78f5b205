/* calib_kernels — see calib_kernels.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "calib_kernels.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen.h"
#include "gfile.h"
#include "kern.h"
#include "mk_buf.h"
#include "mk_fs.h"
#include "passes.h"
#include "zoo.h"

extern char **environ;

/* One request: a convolution (shape and algorithm triple) or a batch normalisation. */
typedef struct calib_item {
    int is_bn;
    calib_conv_point conv;
    calib_bn_point bn;
    double image_flops; /* conv: forward FLOPs of one image */
    int min_images;     /* conv: one group of the batched im2col */
} calib_item;

enum { PER_CALL_FLOPS = 200000000, PER_CALL_ELEMS = 4000000, MAX_PER_THREAD = 16, PASSES = 3 };

static void add_item(calib_kernels *k, const calib_item *it)
{
    for (size_t i = 0; i < k->nitems; i++) {
        const calib_item *o = &k->items[i];
        if (o->is_bn != it->is_bn) continue;
        if (it->is_bn ? o->bn.c == it->bn.c && o->bn.hw == it->bn.hw &&
                            o->bn.relu == it->bn.relu && o->bn.generic == it->bn.generic
                      : !memcmp(&o->conv, &it->conv, sizeof it->conv))
            return;
    }
    k->items = mk_xrealloc(k->items, (k->nitems + 1) * sizeof *k->items);
    k->items[k->nitems++] = *it;
}

/* The requests of one network for one build: every convolution with the algorithms the
 * compiler picks (for the optimised build: fused, for the target's vector width; for the
 * generic one: unfused, im2col everywhere), and every batch normalisation. */
static int collect(calib_kernels *k, const char *net, int vec, int generic, mk_err *err)
{
    graph *g = graph_load_spec(net, 8, err);
    if (!g) return -1;
    int rc = (!generic && graph_fuse(g, err) < 0) || graph_choose_algos(g, generic, vec, err) < 0
                 ? -1
                 : 0;
    for (int i = 0; !rc && i < g->n_nodes; i++) {
        const graph_node *n = g->nodes[i];
        if (n->fused_into || n->fwd) continue;
        calib_item it = {0};
        if (n->op == GRAPH_OP_BATCHNORM) {
            it.is_bn = 1;
            it.bn.c = (int)n->ne[1];
            it.bn.hw = (int)(n->ne[2] * n->ne[3]);
            it.bn.relu = n->op_params[GRAPH_P_ACT] != 0;
            it.bn.generic = generic;
            add_item(k, &it);
            continue;
        }
        if (n->op != GRAPH_OP_CONV2D || !n->src[1]) continue;
        const graph_node *x = n->src[0], *w = n->src[1];
        const int32_t *P = n->op_params;
        calib_conv_point *c = &it.conv;
        c->c = (int)x->ne[1];
        c->h = (int)x->ne[2];
        c->w = (int)x->ne[3];
        c->k = (int)n->ne[1];
        c->r = (int)w->ne[2];
        c->s = (int)w->ne[3];
        c->stride = P[GRAPH_P_STRIDE_H];
        c->pad = P[GRAPH_P_PAD_H];
        c->bias = n->src[2] != NULL;
        c->relu = P[GRAPH_P_ACT] != 0;
        c->generic = generic;
        if (P[GRAPH_P_STRIDE_W] != c->stride || P[GRAPH_P_PAD_W] != c->pad)
            continue; /* the benchmark takes square strides and padding */
        int64_t pq = n->ne[2] * n->ne[3];
        it.image_flops = 2.0 * (double)c->k * (double)pq * c->c * c->r * c->s;
        it.min_images = pq < 64 ? (int)((256 + pq - 1) / pq) : 1;
        c->algo[0] = P[GRAPH_P_ALGO];
        c->algo[1] = P[GRAPH_P_ALGO_BWD_DATA];
        c->algo[2] = P[GRAPH_P_ALGO_BWD_WEIGHTS];
        add_item(k, &it);
    }
    graph_free(g);
    return rc;
}

/* Builds the benchmark program for the target, optimised and generic (through the
 * compiler's cache). */
static int build(calib_kernels *k, mk_err *err)
{
    graph_toolchain tc;
    if (graph_toolchain_detect(NULL, &tc, err)) return -1;
    const char *tmp = getenv("TMPDIR");
    char *templ = mk_xasprintf("%s/modak-calib-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ)) {
        mk_err_set(err, MK_EIO, templ, 0, 0, "cannot create a temporary directory: %s",
                   strerror(errno));
        free(templ);
        return -1;
    }
    k->dir = templ;
    for (int generic = 0; generic < 2; generic++) {
        char cflags[1024];
        char **bin = generic ? &k->bin_generic : &k->bin;
        *bin = mk_path_join(k->dir, generic ? "kern_calib_generic" : "kern_calib");
        if (graph_target_cflags(&tc, k->march, generic, cflags, sizeof cflags, err)) return -1;
        graph_build_result br;
        int rc = graph_build(graph_calib_source, &tc, cflags, "kern_calib", *bin, &br, err);
        if (rc && br.log) fprintf(stderr, "%s", br.log);
        graph_build_result_fini(&br);
        if (rc) return -1;
    }
    return 0;
}

/* The environment of the generic build's benchmarks: a stock image's OpenBLAS picks its own
 * kernels, so the core type `modak model calibrate` set for the target is taken out again
 * (one the caller set stays). */
static char **stock_env(void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = mk_xcalloc(n + 1, sizeof *env);
    int ours = getenv("MODAK_CALIBRATE_REEXEC") != NULL;
    for (size_t i = 0, j = 0; i < n; i++)
        if (!ours || strncmp(environ[i], "OPENBLAS_CORETYPE=", 18)) env[j++] = environ[i];
    return env;
}

/* Seconds per measurement (the default when the caller gave none). */
static double seconds_of(const calib_kernels *k)
{
    return k->seconds > 0 ? k->seconds : 0.04;
}

/* Runs a benchmark program with the requests on stdin; its answers in *out (malloc'd). */
static int run(calib_kernels *k, int generic, int threads, const char *requests, char **out,
               mk_err *err)
{
    char *bin = generic ? k->bin_generic : k->bin;
    char *in_path = mk_path_join(k->dir, "requests"), *out_path = mk_path_join(k->dir, "answers");
    char th[16], secs[32];
    snprintf(th, sizeof th, "%d", threads);
    snprintf(secs, sizeof secs, "%g", seconds_of(k));
    char *argv[] = {bin, th, secs, NULL};
    char **env = generic ? stock_env() : environ;
    int rc = -1, status = 0;
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (mk_file_write(in_path, requests, strlen(requests), 0, err)) goto done;
    int e = posix_spawn(&pid, bin, &fa, NULL, argv, env);
    if (e) {
        mk_err_set(err, MK_EIO, bin, 0, 0, "cannot start the kernel benchmarks: %s",
                   strerror(e));
        goto done;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        mk_err_set(err, MK_EIO, bin, 0, 0, "the kernel benchmarks failed (%s %d)",
                   WIFEXITED(status) ? "exit status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        goto done;
    }
    size_t len;
    rc = mk_file_read(out_path, 1 << 24, out, &len, err);
done:
    if (env != environ) free(env);
    posix_spawn_file_actions_destroy(&fa);
    free(in_path);
    free(out_path);
    return rc;
}

static int clampi(double v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : (int)v;
}

int calib_kernels_run(void *ud, int threads, calib_profile *p, mk_err *err)
{
    calib_kernels *k = ud;
    if (!k->bin) {
        int vec = graph_march_vector_floats(k->march);
        size_t nnet = k->networks ? k->nnetworks : 0;
        const graph_zoo_entry *zoo = graph_zoo();
        if (!k->networks)
            while (zoo[nnet].name)
                nnet++;
        for (int generic = 0; generic < 2; generic++)
            for (size_t i = 0; i < nnet; i++)
                if (collect(k, k->networks ? k->networks[i] : zoo[i].name, vec, generic, err))
                    return -1;
        if (!k->quiet)
            fprintf(stderr, "calibrate: building the kernel benchmarks for %s (%zu shapes)\n",
                    k->march, k->nitems);
        if (build(k, err)) return -1;
    }
    mk_buf req[2];
    mk_buf_init(&req[0]);
    mk_buf_init(&req[1]);
    for (size_t i = 0; i < k->nitems; i++) {
        calib_item *it = &k->items[i];
        if (it->is_bn) {
            calib_bn_point *b = &it->bn;
            b->threads = threads;
            b->images = clampi(ceil(PER_CALL_ELEMS / ((double)b->c * b->hw)), 2, 64);
            mk_buf_printf(&req[b->generic], "bn %d %d %d %d\n", b->images, b->c, b->hw, b->relu);
        } else {
            calib_conv_point *c = &it->conv;
            int per = clampi(ceil(PER_CALL_FLOPS / it->image_flops), 2, MAX_PER_THREAD);
            if (per < it->min_images) per = it->min_images;
            c->threads = threads;
            c->images = per * threads;
            mk_buf_printf(&req[c->generic], "conv %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n",
                          c->images, c->c, c->h, c->w, c->k, c->r, c->s, c->stride, c->pad,
                          c->algo[0], c->algo[1], c->algo[2], c->bias, c->relu);
        }
    }
    if (!k->quiet)
        fprintf(stderr, "calibrate: timing %zu kernel shapes (optimised and generic builds) on %d thread%s\n",
                k->nitems, threads, threads == 1 ? "" : "s");
    /* PASSES runs of the whole list, the fastest answer per request kept: a disturbance
     * from other work on a shared machine that lasts a whole measurement then spoils one
     * pass, not the result (one pass once made mnist_cnn's 2-thread step look 40% slower) */
    double *best = mk_xcalloc(3 * (k->nitems ? k->nitems : 1), sizeof *best);
    int rc = 0;
    for (int pass = 0; pass < PASSES && !rc; pass++)
        for (int generic = 0; generic < 2 && !rc; generic++) {
            char *ans = NULL;
            rc = run(k, generic, threads, req[generic].s ? req[generic].s : "", &ans, err);
            char *line = ans;
            for (size_t i = 0; !rc && i < k->nitems; i++) {
                const calib_item *it = &k->items[i];
                if ((it->is_bn ? it->bn.generic : it->conv.generic) != generic) continue;
                char *nl = line ? strchr(line, '\n') : NULL;
                if (!nl) {
                    rc = mk_err_set(err, MK_EIO, generic ? k->bin_generic : k->bin, 0, 0,
                                    "the kernel benchmarks stopped answering");
                    break;
                }
                *nl = 0;
                double v[3] = {0, 0, 0};
                /* "error ..." answers (a shape the kernels refuse) stay 0 and are left out:
                 * the model falls back to the sgemm fit for them */
                int got = it->is_bn
                              ? sscanf(line, "bn %lf %lf", &v[0], &v[1]) == 2
                              : sscanf(line, "conv %lf %lf %lf", &v[0], &v[1], &v[2]) == 3;
                for (int f = 0; got && f < 3; f++)
                    if (pass == 0 || v[f] < best[3 * i + f]) best[3 * i + f] = v[f];
                line = nl + 1;
            }
            free(ans);
        }
    mk_buf_fini(&req[0]);
    mk_buf_fini(&req[1]);
    for (size_t i = 0; !rc && i < k->nitems; i++) {
        calib_item *it = &k->items[i];
        const double *v = best + 3 * i;
        if (it->is_bn && v[0] > 0) {
            it->bn.fwd_s = v[0], it->bn.bwd_s = v[1];
            calib_add_bn(p, &it->bn);
        } else if (!it->is_bn && v[0] > 0) {
            calib_conv_point *c = &it->conv;
            c->fwd_s = v[0], c->bwd_s = v[1], c->bwdw_s = v[2];
            double t = c->fwd_s + c->bwd_s;
            c->gflops = t > 0 ? 3 * it->image_flops * c->images / t / 1e9 : 0;
            calib_add_conv(p, c);
        }
    }
    free(best);
    if (!rc)
        snprintf(p->kernels_note, sizeof p->kernels_note,
                 "kernels/calib compiled for %s; per request the fastest of %d passes, each the "
                 "fastest of >= 5 calls in %g s, operands cycled through 96 MiB",
                 k->march, PASSES, seconds_of(k));
    return rc;
}

void calib_kernels_fini(calib_kernels *k)
{
    if (k->dir) mk_rm_rf(k->dir);
    free(k->dir);
    free(k->bin);
    free(k->bin_generic);
    free(k->items);
    k->dir = k->bin = k->bin_generic = NULL;
    k->items = NULL;
    k->nitems = 0;
}
