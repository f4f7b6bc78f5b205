/* mnist_cnn — the Keras MNIST-CNN example written by hand against kern.h, the way modak's
 * compiler generates it (fused conv + bias + ReLU, one arena). bench/kernels.sh uses it to
 * measure training speed and the one-epoch Fashion-MNIST accuracy of the default optimiser;
 * it is not run by ctest (an epoch takes tens of seconds).
 *
 *   1x28x28 -> conv 3x3 32 + relu (26x26) -> conv 3x3 64 + relu (24x24) -> max pool 2
 *   (12x12) -> dropout 0.25 -> flatten 9216 -> dense 128 + relu -> dropout 0.5 -> dense 10 */
#include <stddef.h>
#include <stdint.h>

#include "kern.h"

#ifndef MNIST_BATCH
#define MNIST_BATCH 128
#endif
enum {
    B = MNIST_BATCH,
    K1 = 32,
    P1 = 26 * 26,
    K2 = 64,
    P2 = 24 * 24,
    PP = 12 * 12,
    FEAT = K2 * PP,
    H = 128,
    CLASSES = 10,
};

enum { W1, B1, W2, B2, W3, B3, W4, B4, NPARAMS };

static const kern_param params[NPARAMS] = {
    {"conv1.weight", K1 * 9, KERN_INIT_GLOROT_UNIFORM, 9, K1 * 9, 1},
    {"conv1.bias", K1, KERN_INIT_ZEROS, 0, 0, 1},
    {"conv2.weight", K2 *K1 * 9, KERN_INIT_GLOROT_UNIFORM, K1 * 9, K2 * 9, 1},
    {"conv2.bias", K2, KERN_INIT_ZEROS, 0, 0, 1},
    {"dense1.weight", H *FEAT, KERN_INIT_GLOROT_UNIFORM, FEAT, H, 1},
    {"dense1.bias", H, KERN_INIT_ZEROS, 0, 0, 1},
    {"dense2.weight", CLASSES *H, KERN_INIT_GLOROT_UNIFORM, H, CLASSES, 1},
    {"dense2.bias", CLASSES, KERN_INIT_ZEROS, 0, 0, 1},
};

/* Arena, in floats; the backward reuses the forward's dead blocks. */
#define R16(x) (((size_t)(x) + 15) / 16 * 16)
enum {
    A_C1 = 0,                       /* conv1 + relu output */
    A_C2 = A_C1 + R16(B * K1 * P1), /* conv2 + relu output; later d(conv1 output) */
    A_D2 = A_C2 + R16(B * K2 * P2), /* d(conv2 output) */
    A_POOL = A_D2 + R16(B * K2 * P2),
    A_AM = A_POOL + R16(B * FEAT), /* int32 argmax */
    A_DROP1 = A_AM + R16(B * FEAT),
    A_FC1 = A_DROP1 + R16(B * FEAT),
    A_DROP2 = A_FC1 + R16(B * H),
    A_PROBS = A_DROP2 + R16(B * H),
    A_DFEAT = A_PROBS + R16(B * CLASSES), /* d(flatten), then d(pool) */
    A_DH = A_DFEAT + R16(B * FEAT),       /* d(dropout2 out), then d(fc1) */
    A_DX1 = A_DH + R16(B * H),            /* d(conv1 output) */
    A_END = A_DX1 + R16(B * K1 * P1),
};

static int shapes(kern_conv *c1, kern_conv *c2, kern_pool *pl, int n)
{
    *c1 = (kern_conv){.n = n, .c = 1, .h = 28, .w = 28, .k = K1, .r = 3, .s = 3};
    *c2 = (kern_conv){.n = n, .c = K1, .h = 26, .w = 26, .k = K2, .r = 3, .s = 3};
    *pl = (kern_pool){.n = n, .c = K2, .h = 24, .w = 24, .r = 2, .s = 2};
    return kern_conv_init(c1, NULL) || kern_conv_init(c2, NULL) || kern_pool_init(pl, NULL) ? -1
                                                                                            : 0;
}

static int forward(kern_ctx *ctx, kern_step *s, int training, const kern_conv *c1,
                   const kern_conv *c2, const kern_pool *pl)
{
    float *a = s->arena, *const *p = s->params;
    const int n = s->n;
    if (kern_conv2d_fwd(ctx, c1, s->x, p[W1], p[B1], 1, a + A_C1)) return -1;
    if (kern_conv2d_fwd(ctx, c2, a + A_C1, p[W2], p[B2], 1, a + A_C2)) return -1;
    kern_maxpool_fwd(ctx, pl, a + A_C2, a + A_POOL, (int32_t *)(a + A_AM));
    const float *f = a + A_POOL, *h = a + A_FC1;
    if (training) {
        kern_dropout_fwd(ctx, (size_t)n * FEAT, 0.25f, kern_seed_mix(s->seed, 1), f, a + A_DROP1);
        f = a + A_DROP1;
    }
    kern_dense_fwd(ctx, n, FEAT, H, f, p[W3], p[B3], 1, a + A_FC1);
    if (training) {
        kern_dropout_fwd(ctx, (size_t)n * H, 0.5f, kern_seed_mix(s->seed, 2), a + A_FC1,
                         a + A_DROP2);
        h = a + A_DROP2;
    }
    kern_dense_fwd(ctx, n, H, CLASSES, h, p[W4], p[B4], 0, a + A_PROBS);
    s->loss =
        kern_softmax_xent_fwd(ctx, n, CLASSES, a + A_PROBS, s->labels, a + A_PROBS, &s->correct);
    return 0;
}

static int fwd_bwd(kern_ctx *ctx, const kern_net *net, kern_step *s)
{
    (void)net;
    kern_conv c1, c2;
    kern_pool pl;
    if (shapes(&c1, &c2, &pl, s->n) || forward(ctx, s, s->training, &c1, &c2, &pl)) return -1;
    float *a = s->arena, *const *p = s->params, *const *g = s->grads;
    const int n = s->n, tr = s->training;
    kern_softmax_xent_bwd(ctx, n, CLASSES, a + A_PROBS, s->labels, a + A_PROBS);
    kern_dense_bwd(ctx, n, H, CLASSES, tr ? a + A_DROP2 : a + A_FC1, p[W4], a + A_PROBS, a + A_DH,
                   g[W4], g[B4]);
    if (tr)
        kern_dropout_bwd(ctx, (size_t)n * H, 0.5f, kern_seed_mix(s->seed, 2), a + A_DH, a + A_DH);
    kern_bias_relu_bwd(ctx, n, H, 1, a + A_FC1, a + A_DH, a + A_DH, g[B3]);
    kern_dense_bwd(ctx, n, FEAT, H, tr ? a + A_DROP1 : a + A_POOL, p[W3], a + A_DH, a + A_DFEAT,
                   g[W3], NULL);
    if (tr)
        kern_dropout_bwd(ctx, (size_t)n * FEAT, 0.25f, kern_seed_mix(s->seed, 1), a + A_DFEAT,
                         a + A_DFEAT);
    kern_maxpool_bwd(ctx, &pl, a + A_DFEAT, (const int32_t *)(a + A_AM), a + A_D2);
    /* each conv's backward (relu mask, bias, weights, data) in one pass per image */
    if (kern_conv2d_bwd(ctx, &c2, a + A_C1, a + A_C2, a + A_D2, p[W2], a + A_DX1, g[W2], g[B2]))
        return -1;
    return kern_conv2d_bwd(ctx, &c1, s->x, a + A_C1, a + A_DX1, p[W1], NULL, g[W1], g[B1]);
}

static int infer(kern_ctx *ctx, const kern_net *net, kern_step *s)
{
    (void)net;
    kern_conv c1, c2;
    kern_pool pl;
    if (shapes(&c1, &c2, &pl, s->n)) return -1;
    return forward(ctx, s, 0, &c1, &c2, &pl);
}

static const kern_net mnist_cnn = {
    .abi_version = KERN_ABI_VERSION,
    .name = "mnist_cnn",
    .summary = "  conv 3x3 1->32 + relu, conv 3x3 32->64 + relu, maxpool 2, dropout 0.25,\n"
               "  dense 9216->128 + relu, dropout 0.5, dense 128->10, softmax\n",
    .build = "hand-written (tests/kernels/mnist_cnn.c)",
    .batch = B,
    .in_c = 1,
    .in_h = 28,
    .in_w = 28,
    .classes = CLASSES,
    .nparams = NPARAMS,
    .params = params,
    .arena_bytes = A_END * sizeof(float),
    .workspace_bytes = 0,
    .flops_fwd = 2.0 * K1 * P1 * 9 + 2.0 * K2 * P2 * K1 * 9 + 2.0 * FEAT * H + 2.0 * H * CLASSES,
    .flops_train =
        3 * (2.0 * K2 * P2 * K1 * 9 + 2.0 * FEAT * H + 2.0 * H * CLASSES) + 2 * 2.0 * K1 * P1 * 9,
    .forward_backward = fwd_bwd,
    .infer = infer,
};

int main(int argc, char **argv)
{
    return kern_main(argc, argv, &mnist_cnn);
}
