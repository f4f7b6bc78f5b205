/* algo — picks the kernels' convolution algorithm for each pass of every conv2d.
 *
 * Three passes, three choices: the forward, the backward-data and the backward-weights of a
 * layer each run im2col + GEMM per image, the batched im2col (several images side by side, for
 * narrow maps), the plain GEMM of a 1x1 convolution, the direct kernel, or Winograd's
 * F(2x2, 3x3). Which is fastest depends on the kernels' micro-kernels (vector lane use along
 * the output row, how narrow a GEMM is) more than on the graph, so the choice is the kernels'
 * own rule for the shape (kern_conv_init with AUTO, evaluated here at compile time, for the
 * batch compiled), made explicit in the generated program and its `info`: the binary never
 * decides at run time, so every run of it computes with the same algorithms (a --resume stays
 * bit-identical to an uninterrupted run). Two things override it: a graph file's per-layer
 * "algo" (all three passes; refused when the shape does not allow it), and --generic, which
 * takes the per-image im2col everywhere, as a framework without a per-shape choice would
 * (darknet, Caffe). The rules depend on the target's vector registers (DIRECT's column block is
 * one register), so the choice is made for the target's width, not for modak's own build's: an
 * x86-64-baseline modak choosing for an AVX-512 binary once never picked DIRECT, which cost
 * ResNet-20 a third of its step. Measured before the kernels had a register-blocked direct
 * kernel, a fixed "im2col unless 1x1 or narrow" rule lost up to 2x on ResNet-20's 16-channel
 * layers to the shape-aware choice; that is why the pass asks the kernels rather than keeping
 * its own. */
#include "kern.h"
#include "passes.h"

int graph_choose_algos(graph *g, int generic, int vec_floats, mk_err *err)
{
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        graph_node *n = g->nodes[i];
        if (n->op != GRAPH_OP_CONV2D || n->fused_into) continue;
        const graph_node *x = n->src[0], *w = n->src[1];
        int32_t *P = n->op_params;
        kern_conv_algo want = generic ? KERN_CONV_IM2COL : (kern_conv_algo)P[GRAPH_P_ALGO];
        kern_conv cv = {
            .n = (int)x->ne[0],
            .c = (int)x->ne[1],
            .h = (int)x->ne[2],
            .w = (int)x->ne[3],
            .k = (int)n->ne[1],
            .r = (int)w->ne[2],
            .s = (int)w->ne[3],
            .stride_h = P[GRAPH_P_STRIDE_H],
            .stride_w = P[GRAPH_P_STRIDE_W],
            .pad_h = P[GRAPH_P_PAD_H],
            .pad_w = P[GRAPH_P_PAD_W],
            .algo = want,
            .algo_bwd_data = want,
            .algo_bwd_weights = want,
            .vec = vec_floats,
        };
        kern_err ke = {0};
        if (kern_conv_init(&cv, &ke))
            return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "%s: %s", n->name, ke.msg);
        P[GRAPH_P_ALGO] = cv.algo;
        P[GRAPH_P_ALGO_BWD_DATA] = cv.algo_bwd_data;
        P[GRAPH_P_ALGO_BWD_WEIGHTS] = cv.algo_bwd_weights;
        count++;
    }
    return count;
}
