/* tinynet — a small hand-written network in the shape modak's compiler generates, used to
 * test the training driver end to end (train, eval, info, checkpoints, --resume):
 *
 *   1x28x28 -> conv 3x3/2, 4 channels, no bias (13x13) -> batch norm + ReLU -> max pool 2
 *   (6x6) -> dropout 0.25 -> dense 144 -> 10 -> softmax cross-entropy
 *
 * It exercises the direct convolution, batch norm's running statistics (non-trainable
 * parameters), max pooling's argmax, dropout's seeded masks, dense and the loss. The arena
 * layout is planned by hand below, as the compiler's memory planner would. */
#include <stddef.h>
#include <stdint.h>

#include "kern.h"

enum { BATCH = 32, C1 = 4, HW1 = 13 * 13, HWP = 6 * 6, FEAT = C1 * HWP, CLASSES = 10 };

enum { P_CONV_W, P_BN_G, P_BN_B, P_BN_RM, P_BN_RV, P_FC_W, P_FC_B, NPARAMS };

static const kern_param params[NPARAMS] = {
    {"conv1.weight", C1 * 9, KERN_INIT_HE_NORMAL, 9, C1 * 9, 1},
    {"bn1.gamma", C1, KERN_INIT_ONES, 0, 0, 1},
    {"bn1.beta", C1, KERN_INIT_ZEROS, 0, 0, 1},
    {"bn1.running_mean", C1, KERN_INIT_ZEROS, 0, 0, 0},
    {"bn1.running_var", C1, KERN_INIT_ONES, 0, 0, 0},
    {"fc.weight", CLASSES *FEAT, KERN_INIT_GLOROT_UNIFORM, FEAT, CLASSES, 1},
    {"fc.bias", CLASSES, KERN_INIT_ZEROS, 0, 0, 1},
};

/* Arena offsets in floats (every block rounded up to 16 floats). */
#define R16(x) (((x) + 15) / 16 * 16)
enum {
    A_CONV = 0,                               /* conv output, BATCH x C1 x HW1 */
    A_BN = A_CONV + R16(BATCH * C1 * HW1),    /* bn+relu output */
    A_MEAN = A_BN + R16(BATCH * C1 * HW1),    /* saved batch mean */
    A_INVSTD = A_MEAN + 16,                   /* saved batch 1/std */
    A_POOL = A_INVSTD + 16,                   /* pool output, BATCH x FEAT */
    A_ARGMAX = A_POOL + R16(BATCH * FEAT),    /* int32 argmax, BATCH x FEAT */
    A_DROP = A_ARGMAX + R16(BATCH * FEAT),    /* dropout output */
    A_PROBS = A_DROP + R16(BATCH * FEAT),     /* logits, then probabilities, then dlogits */
    A_DFEAT = A_PROBS + R16(BATCH * CLASSES), /* d(dropout output), then d(pool output) */
    A_DBN = A_DFEAT + R16(BATCH * FEAT),      /* d(bn output), then d(conv output) */
    A_END = A_DBN + R16(BATCH * C1 * HW1),
};

static int forward(kern_ctx *ctx, kern_step *s, int training, kern_conv *cv, kern_pool *pl)
{
    float *a = s->arena, *const *p = s->params;
    const int n = s->n;
    cv->n = pl->n = n;
    if (kern_conv2d_fwd(ctx, cv, s->x, p[P_CONV_W], NULL, 0, a + A_CONV)) return -1;
    if (training)
        kern_bn_fwd_train(ctx, n, C1, HW1, 1e-5f, 0.1f, a + A_CONV, p[P_BN_G], p[P_BN_B],
                          p[P_BN_RM], p[P_BN_RV], a + A_MEAN, a + A_INVSTD, 1, a + A_BN);
    else
        kern_bn_fwd_infer(ctx, n, C1, HW1, 1e-5f, a + A_CONV, p[P_BN_G], p[P_BN_B], p[P_BN_RM],
                          p[P_BN_RV], 1, a + A_BN);
    kern_maxpool_fwd(ctx, pl, a + A_BN, a + A_POOL, (int32_t *)(a + A_ARGMAX));
    const float *feat = a + A_POOL;
    if (training) {
        kern_dropout_fwd(ctx, (size_t)n * FEAT, 0.25f, kern_seed_mix(s->seed, 1), a + A_POOL,
                         a + A_DROP);
        feat = a + A_DROP;
    }
    kern_dense_fwd(ctx, n, FEAT, CLASSES, feat, p[P_FC_W], p[P_FC_B], 0, a + A_PROBS);
    s->loss =
        kern_softmax_xent_fwd(ctx, n, CLASSES, a + A_PROBS, s->labels, a + A_PROBS, &s->correct);
    if (s->probs)
        for (int i = 0; i < n * CLASSES; i++)
            s->probs[i] = a[A_PROBS + i];
    return 0;
}

static int shapes(kern_conv *cv, kern_pool *pl)
{
    *cv = (kern_conv){.n = BATCH,
                      .c = 1,
                      .h = 28,
                      .w = 28,
                      .k = C1,
                      .r = 3,
                      .s = 3,
                      .stride_h = 2,
                      .stride_w = 2};
    *pl = (kern_pool){.n = BATCH, .c = C1, .h = 13, .w = 13, .r = 2, .s = 2};
    return kern_conv_init(cv, NULL) || kern_pool_init(pl, NULL) ? -1 : 0;
}

static int fwd_bwd(kern_ctx *ctx, const kern_net *net, kern_step *s)
{
    (void)net;
    kern_conv cv;
    kern_pool pl;
    if (shapes(&cv, &pl) || forward(ctx, s, s->training, &cv, &pl)) return -1;
    float *a = s->arena, *const *p = s->params, *const *g = s->grads;
    const int n = s->n;
    kern_softmax_xent_bwd(ctx, n, CLASSES, a + A_PROBS, s->labels, a + A_PROBS);
    kern_dense_bwd(ctx, n, FEAT, CLASSES, s->training ? a + A_DROP : a + A_POOL, p[P_FC_W],
                   a + A_PROBS, a + A_DFEAT, g[P_FC_W], g[P_FC_B]);
    if (s->training)
        kern_dropout_bwd(ctx, (size_t)n * FEAT, 0.25f, kern_seed_mix(s->seed, 1), a + A_DFEAT,
                         a + A_DFEAT);
    kern_maxpool_bwd(ctx, &pl, a + A_DFEAT, (const int32_t *)(a + A_ARGMAX), a + A_DBN);
    kern_bn_bwd(ctx, n, C1, HW1, a + A_CONV, a + A_BN, a + A_DBN, p[P_BN_G], a + A_MEAN,
                a + A_INVSTD, a + A_DBN, g[P_BN_G], g[P_BN_B]);
    return kern_conv2d_bwd_weights(ctx, &cv, s->x, a + A_DBN, g[P_CONV_W], NULL);
}

static int infer(kern_ctx *ctx, const kern_net *net, kern_step *s)
{
    (void)net;
    kern_conv cv;
    kern_pool pl;
    if (shapes(&cv, &pl)) return -1;
    return forward(ctx, s, 0, &cv, &pl);
}

static const kern_net tinynet = {
    .abi_version = KERN_ABI_VERSION,
    .name = "tinynet",
    .summary = "  conv 3x3/2 1->4 (13x13), bn+relu, maxpool 2 (6x6), dropout 0.25, dense "
               "144->10, softmax\n",
    .build = "hand-written test network (tests/kernels/tinynet.c)",
    .batch = BATCH,
    .in_c = 1,
    .in_h = 28,
    .in_w = 28,
    .classes = CLASSES,
    .nparams = NPARAMS,
    .params = params,
    .arena_bytes = A_END * sizeof(float),
    .workspace_bytes = 9 * 16 * sizeof(float),
    .flops_fwd = 2.0 * C1 * HW1 * 9 + 2.0 * FEAT * CLASSES,
    .forward_backward = fwd_bwd,
    .infer = infer,
};

int main(int argc, char **argv)
{
    return kern_main(argc, argv, &tinynet);
}
