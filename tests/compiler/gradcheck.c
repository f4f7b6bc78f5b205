/* gradcheck — checks a generated program's gradients against finite differences.
 *
 * Built by test_gradcheck.sh together with a program from `modak compile --emit-c` (its
 * main renamed away with -Dmain=...) and the kernels: it takes the network from modak_net(),
 * fills parameters and a batch with fixed pseudo-random values, runs forward_backward once
 * for the analytic gradients, then for a spread of elements of every trainable parameter
 * compares them with the central difference of the training loss (same dropout seed, so the
 * same masks), retried with a smaller step when a kink lies inside the first. Once with the full
 * batch, once with a smaller last batch (n = batch - 1), so the step's n is exercised too. Prints
 * the worst error; exit 0 when every element agrees. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"

const kern_net *modak_net(kern_err *err);

/* The generated main() (renamed away) calls the driver; this harness never does. A weak
 * stand-in lets it link before the kernels have their driver; the real one wins when present. */
__attribute__((weak)) int kern_main(int argc, char **argv, const kern_net *net)
{
    (void)argc;
    (void)argv;
    (void)net;
    return 2;
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static float unif(void) /* [0, 1) */
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)(rng >> 40) / 16777216.0f;
}

static float *falloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, (n ? n : 1) * sizeof(float))) abort();
    memset(p, 0, (n ? n : 1) * sizeof(float));
    return p;
}

static float loss_at(kern_ctx *ctx, const kern_net *net, kern_step *s)
{
    if (net->forward_backward(ctx, net, s)) {
        fprintf(stderr, "gradcheck: forward_backward failed\n");
        exit(2);
    }
    return s->loss;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "net";
    kern_err err = {0};
    const kern_net *net = modak_net(&err);
    if (!net) {
        fprintf(stderr, "gradcheck %s: %s\n", name, err.msg);
        return 2;
    }
    kern_ctx *ctx = kern_ctx_new(1);
    const int B = net->batch, np = net->nparams;
    const size_t img = (size_t)net->in_c * net->in_h * net->in_w;
    float **P = calloc((size_t)np, sizeof *P), **G = calloc((size_t)np, sizeof *G);
    for (int i = 0; i < np; i++) {
        const kern_param *p = &net->params[i];
        P[i] = falloc(p->count);
        float scale = 1.0f / sqrtf((float)(p->fan_in > 0 ? p->fan_in : 1));
        for (size_t j = 0; j < p->count; j++) {
            if (p->init == KERN_INIT_ONES)
                P[i][j] = p->trainable ? 0.8f + 0.4f * unif() : 1.0f;
            else if (p->init == KERN_INIT_ZEROS)
                P[i][j] = p->trainable ? 0.2f * (unif() - 0.5f) : 0.0f;
            else
                P[i][j] = 2.0f * scale * (unif() - 0.5f) * 1.7f;
        }
        if (p->trainable) G[i] = falloc(p->count);
    }
    float *x = falloc((size_t)B * img);
    int32_t *labels = calloc((size_t)B, sizeof *labels);
    for (size_t j = 0; j < (size_t)B * img; j++)
        x[j] = unif();
    for (int j = 0; j < B; j++)
        labels[j] = (int32_t)(unif() * (float)net->classes);
    void *arena = falloc(net->arena_bytes / sizeof(float) + 16);

    int bad = 0, checks = 0;
    double worst = 0;
    const char *worst_param = "";
    for (int pass = 0; pass < 2; pass++) {
        int n = pass == 0 ? B : B - 1;
        if (n < 1) break;
        kern_step s = {.n = n,
                       .x = x,
                       .labels = labels,
                       .training = 1,
                       .seed = 1234,
                       .params = P,
                       .grads = G,
                       .arena = arena};
        float loss0 = loss_at(ctx, net, &s);
        if (!isfinite(loss0)) {
            fprintf(stderr, "gradcheck %s: loss is %g\n", name, (double)loss0);
            return 1;
        }
        float **G0 = calloc((size_t)np, sizeof *G0);
        for (int i = 0; i < np; i++)
            if (G[i]) {
                G0[i] = falloc(net->params[i].count);
                memcpy(G0[i], G[i], net->params[i].count * sizeof(float));
            }
        for (int i = 0; i < np; i++) {
            if (!G0[i]) continue;
            size_t count = net->params[i].count, want = pass == 0 ? 10 : 4;
            for (size_t k = 0; k < want && k < count; k++) {
                size_t j = count <= want ? k : (k * count) / want + (k * 7919) % (count / want);
                /* a small step, and a smaller one when they disagree: a relu or max-pool
                 * kink inside the step skews a difference, a real error does not go away */
                double fd = 0, g = G0[i][j], e = 0, tol = 0;
                for (float eps = 2.5e-4f; eps > 3e-5f; eps /= 4) {
                    float w = P[i][j];
                    P[i][j] = w + eps;
                    float lp = loss_at(ctx, net, &s);
                    P[i][j] = w - eps;
                    float lm = loss_at(ctx, net, &s);
                    P[i][j] = w;
                    fd = ((double)lp - (double)lm) / (2.0 * (double)eps);
                    e = fabs(fd - g);
                    tol = 1e-3 + 2e-2 * fmax(fabs(fd), fabs(g));
                    if (e <= tol) break;
                }
                checks++;
                if (e / tol > worst) worst = e / tol, worst_param = net->params[i].name;
                if (e > tol) {
                    bad++;
                    fprintf(stderr,
                            "gradcheck %s: n=%d %s[%zu]: autodiff %.6g, finite difference %.6g\n",
                            name, n, net->params[i].name, j, g, fd);
                }
            }
        }
        for (int i = 0; i < np; i++)
            free(G0[i]);
        free(G0);
        /* inference must run on the same parameters and give a finite loss */
        kern_step t = {
            .n = n, .x = x, .labels = labels, .training = 0, .params = P, .arena = arena};
        if (net->infer(ctx, net, &t) || !isfinite(t.loss)) {
            fprintf(stderr, "gradcheck %s: inference failed (loss %g)\n", name, (double)t.loss);
            bad++;
        }
    }
    printf("gradcheck %s: %d elements checked, %d wrong; worst error %.2f of tolerance (%s)\n",
           name, checks, bad, worst, worst_param);
    for (int i = 0; i < np; i++) {
        free(P[i]);
        free(G[i]);
    }
    free(P);
    free(G);
    free(x);
    free(labels);
    free(arena);
    kern_ctx_free(ctx);
    return bad ? 1 : 0;
}
