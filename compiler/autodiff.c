/* autodiff — reverse-mode differentiation of the loss, as new nodes in the same graph.
 *
 * Walks the forward order backwards; each node with a gradient adds the backward ops of its
 * op and accumulates into its sources' gradients (a second contribution becomes an add).
 * Only nodes that depend on a trainable parameter get gradients, so the first convolution
 * has no data gradient. The backward ops mirror the kernels' calls: a fused conv's relu
 * mask is a relu_bwd on its output; after fusion a convolution's backward is one
 * conv2d_bwd node (dw, with db and dx as slots), before it two (weights with db, data);
 * batchnorm's backward writes dx and, as slots, dgamma and dbeta; maxpool's backward reads
 * the argmax its forward saved (a slot of the forward node); the loss's backward reads the
 * probabilities the forward saved. */
#include "passes.h"

#include <stdlib.h>

#include "mk_buf.h"

typedef struct ad {
    graph *g;
} ad;

static graph_node *bwd(ad *a, graph_op op, const graph_node *like, const graph_node *fwd,
                       graph_node *s0, graph_node *s1, graph_node *s2, graph_node *s3,
                       graph_node *s4, const char *suffix)
{
    graph_node *src[GRAPH_MAX_SRC] = {s0, s1, s2, s3, s4};
    int nsrc = 0;
    while (nsrc < GRAPH_MAX_SRC && src[nsrc])
        nsrc++;
    char *name = mk_arena_printf(&a->g->arena, "%s.%s", fwd->name, suffix);
    graph_node *n = graph_node_new(a->g, op, like->ne, src, nsrc, name);
    n->flags |= GRAPH_F_BACKWARD;
    n->fwd = (graph_node *)fwd;
    for (int i = 0; i < GRAPH_MAX_PARAMS; i++)
        n->op_params[i] = fwd->op_params[i];
    return n;
}

static graph_node *slot(ad *a, graph_node *producer, int k, const graph_node *like, graph_dtype t)
{
    return graph_slot(a->g, producer, k, like->ne, t);
}

/* t's gradient += d. */
static void acc(ad *a, graph_node *t, graph_node *d)
{
    if (!t->requires_grad || !d) return;
    if (!t->grad) {
        t->grad = d;
        return;
    }
    graph_node *src[2] = {t->grad, d};
    char *name = mk_arena_printf(&a->g->arena, "%s.grad_sum", t->name);
    graph_node *s = graph_node_new(a->g, GRAPH_OP_ADD, t->ne, src, 2, name);
    s->flags |= GRAPH_F_BACKWARD;
    s->fwd = t->grad->fwd ? t->grad->fwd : t;
    t->grad = s;
}

/* The gradient flowing into a fused op after its activation. */
static graph_node *unact(ad *a, graph_node *n, graph_node *dy)
{
    if (!n->op_params[GRAPH_P_ACT]) return dy;
    graph_node *r = bwd(a, GRAPH_OP_RELU_BWD, n, n, n, dy, NULL, NULL, NULL, "relu_bwd");
    r->op_params[GRAPH_P_ACT] = 0;
    return r;
}

/* Is n's gradient dy read by n's backward alone? It is shared when another node's gradient
 * lives in the same storage (an add or bias_add hands one gradient to two inputs, a
 * flatten's is a view of its user's): every such sharing exists once n's users are done,
 * which reverse order guarantees. Conservative: a flatten's view counts as sharing. */
static int exclusive(ad *a, const graph_node *n, graph_node *dy)
{
    graph_node *st = graph_storage(dy);
    for (int i = 0; i < a->g->n_forward; i++) {
        const graph_node *m = a->g->nodes[i];
        if (m != n && m->grad && graph_storage(m->grad) == st) return 0;
    }
    return 1;
}

static int backward_of(ad *a, graph_node *n)
{
    graph_node *dy = n->grad;
    graph_node *x = n->src[0];
    /* ops whose only differentiable input is x have nothing to do when x needs no gradient */
    switch (n->op) {
    case GRAPH_OP_RELU:
    case GRAPH_OP_MAXPOOL:
    case GRAPH_OP_AVGPOOL:
    case GRAPH_OP_GLOBAL_AVGPOOL:
    case GRAPH_OP_PAD:
    case GRAPH_OP_FLATTEN:
    case GRAPH_OP_DROPOUT:
        if (!x->requires_grad) return 0;
        break;
    default:
        break;
    }
    switch (n->op) {
    case GRAPH_OP_CONV2D: {
        graph_node *w = n->src[1], *b = n->src[2];
        if (a->g->fused) { /* one call: dw, db and dx in a single pass over the images */
            /* the relu mask too, in place on dy, when nothing else reads dy */
            graph_node *y = n->op_params[GRAPH_P_ACT] && exclusive(a, n, dy) ? n : NULL;
            if (!y) dy = unact(a, n, dy);
            graph_node *d = bwd(a, GRAPH_OP_CONV2D_BWD, w, n, x, dy, w, y, NULL, "dw");
            acc(a, w, d);
            if (b) acc(a, b, slot(a, d, GRAPH_SLOT_DB, b, GRAPH_F32));
            if (x->requires_grad) acc(a, x, slot(a, d, GRAPH_SLOT_DX, x, GRAPH_F32));
            return 0;
        }
        dy = unact(a, n, dy);
        if (w->requires_grad || (b && b->requires_grad)) {
            graph_node *dw =
                bwd(a, GRAPH_OP_CONV2D_BWD_WEIGHTS, w, n, x, dy, NULL, NULL, NULL, "dw");
            acc(a, w, dw);
            if (b) acc(a, b, slot(a, dw, GRAPH_SLOT_DB, b, GRAPH_F32));
        }
        if (x->requires_grad)
            acc(a, x, bwd(a, GRAPH_OP_CONV2D_BWD_DATA, x, n, dy, w, NULL, NULL, NULL, "dx"));
        return 0;
    }
    case GRAPH_OP_DENSE: {
        dy = unact(a, n, dy);
        graph_node *w = n->src[1], *b = n->src[2];
        graph_node *d = bwd(a, GRAPH_OP_DENSE_BWD, w, n, x, w, dy, NULL, NULL, "dw");
        acc(a, w, d);
        if (b) acc(a, b, slot(a, d, GRAPH_SLOT_DB, b, GRAPH_F32));
        if (x->requires_grad) acc(a, x, slot(a, d, GRAPH_SLOT_DX, x, GRAPH_F32));
        return 0;
    }
    case GRAPH_OP_BIAS_ADD:
        if (n->src[1]->requires_grad)
            acc(a, n->src[1],
                bwd(a, GRAPH_OP_BIAS_BWD, n->src[1], n, dy, NULL, NULL, NULL, NULL, "db"));
        acc(a, x, dy);
        return 0;
    case GRAPH_OP_RELU:
        acc(a, x, bwd(a, GRAPH_OP_RELU_BWD, x, n, n, dy, NULL, NULL, NULL, "dx"));
        return 0;
    case GRAPH_OP_MAXPOOL: {
        graph_node *am = slot(a, n, GRAPH_SLOT_AUX, n, GRAPH_I32);
        acc(a, x, bwd(a, GRAPH_OP_MAXPOOL_BWD, x, n, dy, am, NULL, NULL, NULL, "dx"));
        return 0;
    }
    case GRAPH_OP_AVGPOOL:
        acc(a, x, bwd(a, GRAPH_OP_AVGPOOL_BWD, x, n, dy, NULL, NULL, NULL, NULL, "dx"));
        return 0;
    case GRAPH_OP_GLOBAL_AVGPOOL:
        acc(a, x, bwd(a, GRAPH_OP_GLOBAL_AVGPOOL_BWD, x, n, dy, NULL, NULL, NULL, NULL, "dx"));
        return 0;
    case GRAPH_OP_BATCHNORM: {
        const int64_t ne[4] = {2, x->ne[1], 1, 1};
        graph_node *stats = graph_slot(a->g, n, GRAPH_SLOT_AUX, ne, GRAPH_F32);
        graph_node *gamma = n->src[1], *beta = n->src[2];
        /* with a fused relu the kernel masks dy by the output itself */
        graph_node *d = bwd(a, GRAPH_OP_BATCHNORM_BWD, x, n, x, dy, gamma, stats,
                            n->op_params[GRAPH_P_ACT] ? n : NULL, "dx");
        acc(a, gamma, slot(a, d, GRAPH_SLOT_DGAMMA, gamma, GRAPH_F32));
        acc(a, beta, slot(a, d, GRAPH_SLOT_DBETA, beta, GRAPH_F32));
        acc(a, x, d);
        return 0;
    }
    case GRAPH_OP_ADD:
        dy = unact(a, n, dy);
        acc(a, x, dy);
        acc(a, n->src[1], dy);
        return 0;
    case GRAPH_OP_PAD:
        acc(a, x, bwd(a, GRAPH_OP_PAD_BWD, x, n, dy, NULL, NULL, NULL, NULL, "dx"));
        return 0;
    case GRAPH_OP_FLATTEN:
        acc(a, x, graph_view(a->g, dy, x->ne, 0, mk_arena_printf(&a->g->arena, "%s.dx", n->name)));
        if (x->grad) x->grad->flags |= GRAPH_F_BACKWARD;
        if (x->grad && !x->grad->fwd) x->grad->fwd = n;
        return 0;
    case GRAPH_OP_DROPOUT:
        acc(a, x, bwd(a, GRAPH_OP_DROPOUT_BWD, x, n, dy, NULL, NULL, NULL, NULL, "dx"));
        return 0;
    default:
        return mk_err_set(&a->g->err, MK_EINTERNAL, NULL, 0, 0,
                          "autodiff: no backward for op '%s' (node '%s')", graph_op_name(n->op),
                          n->name);
    }
}

int graph_autodiff(graph *g, mk_err *err)
{
    if (g->n_forward) return 0;
    if (!g->loss || !g->logits || !g->labels)
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "the graph has no softmax cross-entropy loss");
    if (graph_check(g, err)) return -1;
    g->n_forward = g->n_nodes;
    ad a = {g};
    graph_seq fwd = graph_order(g, &g->loss, 1);
    for (int i = 0; i < fwd.n; i++) {
        graph_node *n = fwd.v[i];
        n->requires_grad = n->op == GRAPH_OP_PARAM;
        for (int s = 0; s < GRAPH_MAX_SRC && n->src[s]; s++)
            if (n->src[s]->requires_grad && n->op != GRAPH_OP_SLOT) n->requires_grad = 1;
    }
    /* the loss: d(mean xent)/dlogits = (probs - onehot) / n, from the probs the forward saved */
    graph_node *loss = g->loss;
    graph_node *probs = slot(&a, loss, GRAPH_SLOT_AUX, g->logits, GRAPH_F32);
    acc(&a, g->logits,
        bwd(&a, GRAPH_OP_SOFTMAX_XENT_BWD, g->logits, loss, probs, g->labels, NULL, NULL, NULL,
            "dlogits"));
    for (int i = fwd.n - 1; i >= 0; i--) {
        graph_node *n = fwd.v[i];
        if (!n->grad || n->op == GRAPH_OP_PARAM || n->op == GRAPH_OP_SOFTMAX_XENT) continue;
        if (backward_of(&a, n)) break;
    }
    for (int i = 0; i < g->n_forward; i++) {
        graph_node *p = g->nodes[i];
        if (p->op == GRAPH_OP_PARAM && p->grad) {
            p->grad->flags |= GRAPH_F_GRAD;
            p->grad->param = p;
        }
    }
    return graph_check(g, err);
}

static graph_seq order_from(graph *g, int with_grads)
{
    graph_node **roots = mk_xmalloc(((size_t)g->n_nodes + 1) * sizeof *roots);
    int n = 0;
    roots[n++] = g->loss;
    if (with_grads)
        for (int i = g->n_nodes - 1; i >= 0; i--)
            if (g->nodes[i]->op == GRAPH_OP_PARAM && g->nodes[i]->grad)
                roots[n++] = g->nodes[i]->grad;
    graph_seq s = graph_order(g, roots, n);
    free(roots);
    return s;
}

graph_seq graph_train_order(graph *g)
{
    return order_from(g, 1);
}

graph_seq graph_infer_order(graph *g)
{
    return order_from(g, 0);
}
