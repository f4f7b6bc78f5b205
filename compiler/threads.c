/* threads — how many threads each node's work can feed, and the count the binary should
 * default to on its target.
 *
 * The kernels parallelise convolutions, pooling and batch norm over the images of the batch
 * (one thread per block of images, single-threaded GEMMs inside), dense layers inside
 * OpenBLAS's GEMM, and element-wise passes by chunks of about 32k floats (fewer threads for
 * less work: waking one costs about as much as touching that many floats). So a node can use
 * min(cores, images) threads when it splits the batch, min(cores, work / 32k) when it is
 * element-wise, and one per 2 MFLOP of a dense layer's GEMM. The binary's default is the
 * largest count any node can use, capped by the target's cores: on a big machine with a
 * small batch, more threads would only wait. */
#include "passes.h"

enum { ELEM_GRAIN = 32768 };
#define GEMM_GRAIN 2e6 /* FLOPs: about 20 us of a core, well above the cost of a wake-up */

static int clamp(int64_t v, int hi)
{
    return v < 1 ? 1 : v > hi ? hi : (int)v;
}

static int batch_split(const graph_node *n)
{
    switch (n->op) {
    case GRAPH_OP_CONV2D:
    case GRAPH_OP_CONV2D_BWD_DATA:
    case GRAPH_OP_CONV2D_BWD_WEIGHTS:
    case GRAPH_OP_CONV2D_BWD:
    case GRAPH_OP_MAXPOOL:
    case GRAPH_OP_MAXPOOL_BWD:
    case GRAPH_OP_AVGPOOL:
    case GRAPH_OP_AVGPOOL_BWD:
    case GRAPH_OP_PAD:
    case GRAPH_OP_PAD_BWD:
        return 1;
    default:
        return 0;
    }
}

void graph_threads(graph *g, int threads, graph_threads_plan *out)
{
    if (threads < 1) threads = 1;
    out->threads = 1;
    out->parallel_batches = 0;
    out->per_node = mk_arena_alloc(&g->arena, (size_t)g->n_nodes * sizeof *out->per_node);
    for (int i = 0; i < g->n_nodes; i++) {
        graph_node *n = g->nodes[i];
        int t;
        if (n->fused_into || n->op == GRAPH_OP_INPUT || n->op == GRAPH_OP_PARAM ||
            n->op == GRAPH_OP_STATE || n->op == GRAPH_OP_SLOT || n->view_src)
            continue;
        if (batch_split(n)) {
            t = clamp(g->batch, threads);
            out->parallel_batches++;
        } else if (n->op == GRAPH_OP_DENSE || n->op == GRAPH_OP_DENSE_BWD) {
            t = clamp((int64_t)(graph_node_cost(n).flops / GEMM_GRAIN), threads);
        } else {
            int64_t work = graph_nelem(n);
            for (int s = 0; s < GRAPH_MAX_SRC && n->src[s]; s++)
                if (graph_nelem(n->src[s]) > work) work = graph_nelem(n->src[s]);
            t = clamp(work / ELEM_GRAIN, threads);
        }
        out->per_node[n->id] = t;
        if (t > out->threads) out->threads = t;
    }
}
