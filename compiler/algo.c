/* algo — picks the kernels' convolution algorithm for every conv2d, from its shape.
 *
 * The kernels split a batch over threads by image, and each thread runs a single-threaded
 * GEMM, so what matters is the shape of one image's GEMM (k x p*q, inner c*r*s):
 *   - 1x1, stride 1, unpadded: the input already is the GEMM's operand (1x1), unless the
 *     map is so small (p*q < 256) that one image's GEMM is too narrow: then the batched
 *     im2col, which puts several images side by side;
 *   - a tiny inner dimension (c*r*s <= 32: a first layer on 1 or 3 channels) or a narrow
 *     map (p*q < 256: ResNets' late stages): the batched im2col, for a wider GEMM;
 *   - otherwise im2col + GEMM per image.
 * The direct kernel is not chosen: measured here (AMD EPYC 9004, one thread, OpenBLAS
 * SkylakeX) it ran at 3-10 GFLOP/s where im2col reached 40-95 on every shape of the zoo,
 * first layers included (mnist_cnn's conv1: 5.8 against 53.9 GFLOP/s forward). The rule
 * is here to revisit when the kernels change; tests/compiler/fixtures/grad still compiles
 * each algorithm through gradcheck.
 * The generic build takes the per-image im2col everywhere, as a framework without a
 * per-shape choice would (darknet, Caffe). The choice is stored in op_params[GRAPH_P_ALGO];
 * codegen writes it into the layer's kern_conv, and the backward calls use the same. */
#include "kern.h"
#include "passes.h"

enum { NARROW_PQ = 256, TINY_CRS = 32 };

static kern_conv_algo choose(const graph_node *n)
{
    const graph_node *x = n->src[0], *w = n->src[1];
    int64_t pq = n->ne[2] * n->ne[3], crs = w->ne[1] * w->ne[2] * w->ne[3];
    int pointwise = w->ne[2] == 1 && w->ne[3] == 1 && n->op_params[GRAPH_P_STRIDE_H] == 1 &&
                    n->op_params[GRAPH_P_STRIDE_W] == 1 && n->op_params[GRAPH_P_PAD_H] == 0 &&
                    n->op_params[GRAPH_P_PAD_W] == 0;
    (void)x;
    if (pointwise) return pq >= NARROW_PQ ? KERN_CONV_1X1 : KERN_CONV_IM2COL_BATCHED;
    if (crs <= TINY_CRS || pq < NARROW_PQ) return KERN_CONV_IM2COL_BATCHED;
    return KERN_CONV_IM2COL;
}

int graph_choose_algos(graph *g, int generic)
{
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        graph_node *n = g->nodes[i];
        if (n->op != GRAPH_OP_CONV2D || n->fused_into) continue;
        if (generic)
            n->op_params[GRAPH_P_ALGO] = KERN_CONV_IM2COL;
        else if (n->op_params[GRAPH_P_ALGO] == KERN_CONV_AUTO) /* a graph file may name one */
            n->op_params[GRAPH_P_ALGO] = choose(n);
        count++;
    }
    return count;
}
