/* fuse — the fusion pass, on the forward graph before autodiff.
 *
 *   conv2d|dense  → bias_add → relu   becomes one conv2d|dense with src[2] = bias, act = relu
 *   batchnorm → relu, add → relu      become batchnorm|add with act = relu
 *
 * A node is folded into its producer only when the producer has no other user (else the
 * unfused value would still be needed). Users of the folded node are redirected to the
 * producer, which now computes what the folded node did. Autodiff then differentiates the
 * fused ops directly: their backward calls are the kernels' fused ones (the bias gradient
 * comes out of the weight-gradient call, the relu mask from the fused output), and a
 * convolution's whole backward (weights, bias, data) becomes one node: one pass over the
 * images while each one's data is in cache. */
#include "passes.h"

#include <stdlib.h>

#include "mk_buf.h"

static void count_users(graph *g, int *users)
{
    for (int i = 0; i < g->n_nodes; i++)
        users[i] = 0;
    graph_seq order = graph_order(g, &g->loss, 1);
    for (int i = 0; i < order.n; i++)
        for (int s = 0; s < GRAPH_MAX_SRC && order.v[i]->src[s]; s++)
            users[order.v[i]->src[s]->id]++;
}

/* Every user of `from` now reads `to`. */
static void redirect(graph *g, graph_node *from, graph_node *to)
{
    for (int i = 0; i < g->n_nodes; i++) {
        for (int s = 0; s < GRAPH_MAX_SRC; s++)
            if (g->nodes[i]->src[s] == from) g->nodes[i]->src[s] = to;
        if (g->nodes[i]->view_src == from) g->nodes[i]->view_src = to;
    }
    if (g->logits == from) g->logits = to;
    to->flags |= from->flags & GRAPH_F_LOGITS;
    from->fused_into = to;
}

int graph_fuse(graph *g, mk_err *err)
{
    if (g->n_forward)
        return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "fusion must run before autodiff");
    if (!g->loss) return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "the graph has no loss");
    int *users = mk_xmalloc((size_t)g->n_nodes * sizeof *users);
    int folded = 0;
    count_users(g, users);
    graph_seq order = graph_order(g, &g->loss, 1);
    for (int i = 0; i < order.n; i++) {
        graph_node *n = order.v[i];
        if (n->fused_into) continue;
        graph_node *p = n->src[0];
        if (!p || users[p->id] != 1 || p->fused_into) continue;
        int ok = 0;
        if (n->op == GRAPH_OP_BIAS_ADD)
            ok = (p->op == GRAPH_OP_CONV2D || p->op == GRAPH_OP_DENSE) && !p->src[2] &&
                 !p->op_params[GRAPH_P_ACT];
        else if (n->op == GRAPH_OP_RELU)
            ok = (p->op == GRAPH_OP_CONV2D || p->op == GRAPH_OP_DENSE ||
                  p->op == GRAPH_OP_BATCHNORM || p->op == GRAPH_OP_ADD) &&
                 !p->op_params[GRAPH_P_ACT];
        if (!ok) continue;
        if (n->op == GRAPH_OP_BIAS_ADD)
            p->src[2] = n->src[1];
        else
            p->op_params[GRAPH_P_ACT] = GRAPH_ACT_RELU;
        redirect(g, n, p);
        users[p->id] = users[n->id];
        folded++;
    }
    free(users);
    g->fused = 1;
    return folded;
}
