/* graph — node constructors with shape inference, the op name table, depth-first ordering
 * and per-node costs. Constructors follow one pattern: propagate a NULL source, check the
 * shapes (first error wins in g->err), create the node with its inferred shape, store the
 * op parameters. See graph.h for the conventions. */
#include "graph.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "mk_buf.h"

static const char *const op_names[] = {
    "input",
    "param",
    "state",
    "conv2d",
    "dense",
    "bias_add",
    "relu",
    "maxpool",
    "avgpool",
    "global_avgpool",
    "batchnorm",
    "add",
    "pad",
    "flatten",
    "dropout",
    "softmax_xent",
    "conv2d_bwd_data",
    "conv2d_bwd_weights",
    "conv2d_bwd",
    "dense_bwd",
    "bias_bwd",
    "relu_bwd",
    "maxpool_bwd",
    "avgpool_bwd",
    "global_avgpool_bwd",
    "batchnorm_bwd",
    "pad_bwd",
    "dropout_bwd",
    "softmax_xent_bwd",
    "view",
    "slot",
};
_Static_assert(sizeof op_names / sizeof *op_names == GRAPH_OP_COUNT,
               "op_names must have one entry per graph_op");

static const char *const init_names[] = {
    "zeros", "ones", "he_normal", "he_uniform", "glorot_uniform", "glorot_normal", "lecun_uniform"};
_Static_assert(sizeof init_names / sizeof *init_names == GRAPH_INIT_COUNT,
               "init_names must have one entry per graph_init");

const char *graph_op_name(graph_op op)
{
    return (unsigned)op < GRAPH_OP_COUNT ? op_names[op] : "?";
}

int graph_op_from_name(const char *name)
{
    for (int i = 0; i < GRAPH_OP_COUNT; i++)
        if (!strcmp(op_names[i], name)) return i;
    return -1;
}

const char *graph_init_name(graph_init i)
{
    return (unsigned)i < GRAPH_INIT_COUNT ? init_names[i] : "?";
}

int graph_init_from_name(const char *name)
{
    for (int i = 0; i < GRAPH_INIT_COUNT; i++)
        if (!strcmp(init_names[i], name)) return i;
    return -1;
}

graph *graph_new(const char *name, int64_t batch)
{
    graph *g = mk_xcalloc(1, sizeof *g);
    mk_arena_init(&g->arena);
    mk_err_clear(&g->err);
    g->name = mk_arena_strdup(&g->arena, name ? name : "net");
    g->batch = batch > 0 ? batch : 1;
    return g;
}

void graph_free(graph *g)
{
    if (!g) return;
    free(g->nodes);
    mk_arena_fini(&g->arena);
    free(g);
}

int graph_check(const graph *g, mk_err *err)
{
    if (g->err.code == MK_OK) return 0;
    if (err && err->code == MK_OK) *err = g->err;
    return -1;
}

int64_t graph_nelem(const graph_node *n)
{
    return n->ne[0] * n->ne[1] * n->ne[2] * n->ne[3];
}

size_t graph_nbytes(const graph_node *n)
{
    return (size_t)graph_nelem(n) * 4; /* F32 and I32 alike */
}

const char *graph_shape_str(const graph_node *n, char *buf, size_t size)
{
    snprintf(buf, size, "(%lld, %lld, %lld, %lld)", (long long)n->ne[0], (long long)n->ne[1],
             (long long)n->ne[2], (long long)n->ne[3]);
    return buf;
}

float graph_get_f(const graph_node *n, int slot)
{
    float f;
    memcpy(&f, &n->op_params[slot], sizeof f);
    return f;
}

void graph_set_f(graph_node *n, int slot, float v)
{
    memcpy(&n->op_params[slot], &v, sizeof v);
}

graph_node *graph_storage(graph_node *n)
{
    while (n->view_src)
        n = n->view_src;
    return n;
}

static int shape_err(graph *g, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int shape_err(graph *g, const char *name, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_err_set(&g->err, MK_EINVAL, NULL, 0, 0, "%s%s%s", name ? name : "", name ? ": " : "",
                      msg);
}

graph_node *graph_node_new(graph *g, graph_op op, const int64_t ne[4], graph_node *const *src,
                           int nsrc, const char *name)
{
    if (nsrc > GRAPH_MAX_SRC) {
        shape_err(g, name, "%d sources (at most %d)", nsrc, GRAPH_MAX_SRC);
        return NULL;
    }
    graph_node *n = mk_arena_alloc(&g->arena, sizeof *n);
    n->op = op;
    n->type = GRAPH_F32;
    n->id = g->n_nodes;
    memcpy(n->ne, ne, sizeof n->ne);
    for (int i = 0; i < nsrc; i++)
        n->src[i] = src[i];
    n->name = name ? mk_arena_strdup(&g->arena, name)
                   : mk_arena_printf(&g->arena, "%s_%d", op_names[op], n->id);
    if (g->n_nodes == g->cap_nodes) {
        g->cap_nodes = g->cap_nodes ? 2 * g->cap_nodes : 64;
        g->nodes = mk_xrealloc(g->nodes, (size_t)g->cap_nodes * sizeof *g->nodes);
    }
    g->nodes[g->n_nodes++] = n;
    return n;
}

static graph_node *mk(graph *g, graph_op op, int64_t n0, int64_t n1, int64_t n2, int64_t n3,
                      const char *name, graph_node *s0, graph_node *s1, graph_node *s2,
                      graph_node *s3, graph_node *s4)
{
    graph_node *src[GRAPH_MAX_SRC] = {s0, s1, s2, s3, s4};
    int nsrc = 0;
    while (nsrc < GRAPH_MAX_SRC && src[nsrc])
        nsrc++;
    const int64_t ne[4] = {n0, n1, n2, n3};
    return graph_node_new(g, op, ne, src, nsrc, name);
}

/* ---- leaves ---- */

graph_node *graph_input(graph *g, const char *name, int64_t c, int64_t h, int64_t w)
{
    if (c < 1 || h < 1 || w < 1) {
        shape_err(g, name, "input shape (%lld, %lld, %lld) must be positive", (long long)c,
                  (long long)h, (long long)w);
        return NULL;
    }
    graph_node *n = mk(g, GRAPH_OP_INPUT, g->batch, c, h, w, name ? name : "input", NULL, NULL,
                       NULL, NULL, NULL);
    n->flags |= GRAPH_F_INPUT;
    if (!g->input) g->input = n;
    return n;
}

graph_node *graph_labels(graph *g, const char *name)
{
    graph_node *n = mk(g, GRAPH_OP_INPUT, g->batch, 1, 1, 1, name ? name : "labels", NULL, NULL,
                       NULL, NULL, NULL);
    n->type = GRAPH_I32;
    n->flags |= GRAPH_F_INPUT;
    if (!g->labels) g->labels = n;
    return n;
}

graph_node *graph_param(graph *g, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                        int64_t ne3, graph_init init, int fan_in, int fan_out)
{
    if (ne0 < 1 || ne1 < 1 || ne2 < 1 || ne3 < 1) {
        shape_err(g, name, "parameter shape (%lld, %lld, %lld, %lld) must be positive",
                  (long long)ne0, (long long)ne1, (long long)ne2, (long long)ne3);
        return NULL;
    }
    graph_node *n = mk(g, GRAPH_OP_PARAM, ne0, ne1, ne2, ne3, name, NULL, NULL, NULL, NULL, NULL);
    n->flags |= GRAPH_F_PARAM;
    n->op_params[GRAPH_P_INIT] = init;
    n->op_params[GRAPH_P_FAN_IN] = fan_in;
    n->op_params[GRAPH_P_FAN_OUT] = fan_out;
    return n;
}

graph_node *graph_state(graph *g, const char *name, int64_t c, graph_init init)
{
    if (c < 1) {
        shape_err(g, name, "state size %lld must be positive", (long long)c);
        return NULL;
    }
    graph_node *n = mk(g, GRAPH_OP_STATE, c, 1, 1, 1, name, NULL, NULL, NULL, NULL, NULL);
    n->flags |= GRAPH_F_STATE;
    n->op_params[GRAPH_P_INIT] = init;
    return n;
}

/* ---- ops ---- */

static int is_act(const graph_node *x)
{
    return x->type == GRAPH_F32 && !(x->flags & (GRAPH_F_PARAM | GRAPH_F_STATE)) &&
           x->op != GRAPH_OP_SOFTMAX_XENT;
}

static int need_act(graph *g, const char *name, const char *what, const graph_node *x)
{
    if (is_act(x)) return 0;
    return shape_err(g, name, "%s must be an activation tensor, not '%s' (%s)", what, x->name,
                     graph_op_name(x->op));
}

graph_node *graph_conv2d(graph *g, graph_node *x, graph_node *w, int stride_h, int stride_w,
                         int pad_h, int pad_w, const char *name)
{
    char b1[96], b2[96];
    if (!x || !w) return NULL;
    if (need_act(g, name, "conv2d input", x)) return NULL;
    if (stride_h < 1 || stride_w < 1 || pad_h < 0 || pad_w < 0) {
        shape_err(g, name, "conv2d stride (%d, %d) must be >= 1 and padding (%d, %d) >= 0",
                  stride_h, stride_w, pad_h, pad_w);
        return NULL;
    }
    if (w->ne[1] != x->ne[1]) {
        shape_err(g, name, "conv2d weight %s expects %lld input channels but the input %s has %lld",
                  graph_shape_str(w, b1, sizeof b1), (long long)w->ne[1],
                  graph_shape_str(x, b2, sizeof b2), (long long)x->ne[1]);
        return NULL;
    }
    int64_t oh = (x->ne[2] + 2 * pad_h - w->ne[2]) / stride_h + 1;
    int64_t ow = (x->ne[3] + 2 * pad_w - w->ne[3]) / stride_w + 1;
    if (x->ne[2] + 2 * pad_h < w->ne[2] || x->ne[3] + 2 * pad_w < w->ne[3] || oh < 1 || ow < 1) {
        shape_err(g, name,
                  "conv2d kernel %lldx%lld does not fit the input %s with padding (%d, %d)",
                  (long long)w->ne[2], (long long)w->ne[3], graph_shape_str(x, b1, sizeof b1),
                  pad_h, pad_w);
        return NULL;
    }
    graph_node *n =
        mk(g, GRAPH_OP_CONV2D, x->ne[0], w->ne[0], oh, ow, name, x, w, NULL, NULL, NULL);
    n->op_params[GRAPH_P_STRIDE_H] = stride_h;
    n->op_params[GRAPH_P_STRIDE_W] = stride_w;
    n->op_params[GRAPH_P_PAD_H] = pad_h;
    n->op_params[GRAPH_P_PAD_W] = pad_w;
    n->op_params[GRAPH_P_KERNEL_H] = (int32_t)w->ne[2];
    n->op_params[GRAPH_P_KERNEL_W] = (int32_t)w->ne[3];
    return n;
}

graph_node *graph_dense(graph *g, graph_node *x, graph_node *w, const char *name)
{
    char b1[96], b2[96];
    if (!x || !w) return NULL;
    if (need_act(g, name, "dense input", x)) return NULL;
    if (x->ne[2] != 1 || x->ne[3] != 1) {
        shape_err(g, name, "dense needs a flat input (N, K, 1, 1) but got %s: flatten it first",
                  graph_shape_str(x, b1, sizeof b1));
        return NULL;
    }
    if (w->ne[1] != x->ne[1] || w->ne[2] != 1 || w->ne[3] != 1) {
        shape_err(g, name, "dense weight %s does not match the input %s (%lld features)",
                  graph_shape_str(w, b1, sizeof b1), graph_shape_str(x, b2, sizeof b2),
                  (long long)x->ne[1]);
        return NULL;
    }
    return mk(g, GRAPH_OP_DENSE, x->ne[0], w->ne[0], 1, 1, name, x, w, NULL, NULL, NULL);
}

graph_node *graph_bias_add(graph *g, graph_node *x, graph_node *b, const char *name)
{
    char b1[96], b2[96];
    if (!x || !b) return NULL;
    if (need_act(g, name, "bias_add input", x)) return NULL;
    if (graph_nelem(b) != x->ne[1]) {
        shape_err(g, name, "bias %s has %lld values but the input %s has %lld channels",
                  graph_shape_str(b, b1, sizeof b1), (long long)graph_nelem(b),
                  graph_shape_str(x, b2, sizeof b2), (long long)x->ne[1]);
        return NULL;
    }
    return mk(g, GRAPH_OP_BIAS_ADD, x->ne[0], x->ne[1], x->ne[2], x->ne[3], name, x, b, NULL, NULL,
              NULL);
}

graph_node *graph_relu(graph *g, graph_node *x, const char *name)
{
    if (!x) return NULL;
    if (need_act(g, name, "relu input", x)) return NULL;
    return mk(g, GRAPH_OP_RELU, x->ne[0], x->ne[1], x->ne[2], x->ne[3], name, x, NULL, NULL, NULL,
              NULL);
}

static graph_node *pool(graph *g, graph_op op, graph_node *x, int kh, int kw, int sh, int sw,
                        int ph, int pw, const char *name)
{
    char b1[96];
    if (!x) return NULL;
    if (need_act(g, name, "pooling input", x)) return NULL;
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || ph >= kh || pw >= kw) {
        shape_err(g, name,
                  "%s: pool size (%d, %d) and strides (%d, %d) must be >= 1, padding (%d, %d) "
                  ">= 0 and smaller than the pool size",
                  op_names[op], kh, kw, sh, sw, ph, pw);
        return NULL;
    }
    if (x->ne[2] + 2 * ph < kh || x->ne[3] + 2 * pw < kw) {
        shape_err(g, name, "%s: pool size (%d, %d) is larger than the input %s", op_names[op], kh,
                  kw, graph_shape_str(x, b1, sizeof b1));
        return NULL;
    }
    int64_t oh = (x->ne[2] + 2 * ph - kh) / sh + 1, ow = (x->ne[3] + 2 * pw - kw) / sw + 1;
    graph_node *n = mk(g, op, x->ne[0], x->ne[1], oh, ow, name, x, NULL, NULL, NULL, NULL);
    n->op_params[GRAPH_P_KERNEL_H] = kh;
    n->op_params[GRAPH_P_KERNEL_W] = kw;
    n->op_params[GRAPH_P_STRIDE_H] = sh;
    n->op_params[GRAPH_P_STRIDE_W] = sw;
    n->op_params[GRAPH_P_PAD_H] = ph;
    n->op_params[GRAPH_P_PAD_W] = pw;
    return n;
}

graph_node *graph_maxpool(graph *g, graph_node *x, int kh, int kw, int sh, int sw, int ph, int pw,
                          const char *name)
{
    return pool(g, GRAPH_OP_MAXPOOL, x, kh, kw, sh, sw, ph, pw, name);
}

graph_node *graph_avgpool(graph *g, graph_node *x, int kh, int kw, int sh, int sw, int ph, int pw,
                          const char *name)
{
    return pool(g, GRAPH_OP_AVGPOOL, x, kh, kw, sh, sw, ph, pw, name);
}

graph_node *graph_global_avgpool(graph *g, graph_node *x, const char *name)
{
    if (!x) return NULL;
    if (need_act(g, name, "global_avgpool input", x)) return NULL;
    return mk(g, GRAPH_OP_GLOBAL_AVGPOOL, x->ne[0], x->ne[1], 1, 1, name, x, NULL, NULL, NULL,
              NULL);
}

graph_node *graph_batchnorm(graph *g, graph_node *x, graph_node *gamma, graph_node *beta,
                            graph_node *mean, graph_node *var, float eps, float momentum,
                            const char *name)
{
    if (!x || !gamma || !beta || !mean || !var) return NULL;
    if (need_act(g, name, "batchnorm input", x)) return NULL;
    const int64_t c = x->ne[1];
    graph_node *v[4] = {gamma, beta, mean, var};
    for (int i = 0; i < 4; i++)
        if (graph_nelem(v[i]) != c) {
            shape_err(g, name, "batchnorm vector '%s' has %lld values, the input has %lld channels",
                      v[i]->name, (long long)graph_nelem(v[i]), (long long)c);
            return NULL;
        }
    if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
        shape_err(g, name, "batchnorm epsilon %g must be > 0 and momentum %g within [0, 1]",
                  (double)eps, (double)momentum);
        return NULL;
    }
    graph_node *n =
        mk(g, GRAPH_OP_BATCHNORM, x->ne[0], c, x->ne[2], x->ne[3], name, x, gamma, beta, mean, var);
    graph_set_f(n, GRAPH_P_BN_EPS, eps);
    graph_set_f(n, GRAPH_P_BN_MOMENTUM, momentum);
    return n;
}

graph_node *graph_add(graph *g, graph_node *a, graph_node *b, const char *name)
{
    char b1[96], b2[96];
    if (!a || !b) return NULL;
    if (need_act(g, name, "add operand", a) || need_act(g, name, "add operand", b)) return NULL;
    if (memcmp(a->ne, b->ne, sizeof a->ne)) {
        shape_err(g, name, "add needs equal shapes, got %s and %s",
                  graph_shape_str(a, b1, sizeof b1), graph_shape_str(b, b2, sizeof b2));
        return NULL;
    }
    return mk(g, GRAPH_OP_ADD, a->ne[0], a->ne[1], a->ne[2], a->ne[3], name, a, b, NULL, NULL,
              NULL);
}

graph_node *graph_pad(graph *g, graph_node *x, int c0, int c1, int top, int bottom, int left,
                      int right, const char *name)
{
    if (!x) return NULL;
    if (need_act(g, name, "pad input", x)) return NULL;
    if (c0 < 0 || c1 < 0 || top < 0 || bottom < 0 || left < 0 || right < 0) {
        shape_err(g, name, "padding must be >= 0");
        return NULL;
    }
    graph_node *n = mk(g, GRAPH_OP_PAD, x->ne[0], x->ne[1] + c0 + c1, x->ne[2] + top + bottom,
                       x->ne[3] + left + right, name, x, NULL, NULL, NULL, NULL);
    n->op_params[GRAPH_P_PAD_C0] = c0;
    n->op_params[GRAPH_P_PAD_C1] = c1;
    n->op_params[GRAPH_P_PAD_TOP] = top;
    n->op_params[GRAPH_P_PAD_BOTTOM] = bottom;
    n->op_params[GRAPH_P_PAD_LEFT] = left;
    n->op_params[GRAPH_P_PAD_RIGHT] = right;
    return n;
}

graph_node *graph_flatten(graph *g, graph_node *x, const char *name)
{
    if (!x) return NULL;
    if (need_act(g, name, "flatten input", x)) return NULL;
    graph_node *n = mk(g, GRAPH_OP_FLATTEN, x->ne[0], x->ne[1] * x->ne[2] * x->ne[3], 1, 1, name, x,
                       NULL, NULL, NULL, NULL);
    n->view_src = x;
    return n;
}

graph_node *graph_dropout(graph *g, graph_node *x, float rate, const char *name)
{
    if (!x) return NULL;
    if (need_act(g, name, "dropout input", x)) return NULL;
    if (!(rate >= 0 && rate < 1)) {
        shape_err(g, name, "dropout rate %g must be within [0, 1)", (double)rate);
        return NULL;
    }
    graph_node *n = mk(g, GRAPH_OP_DROPOUT, x->ne[0], x->ne[1], x->ne[2], x->ne[3], name, x, NULL,
                       NULL, NULL, NULL);
    graph_set_f(n, GRAPH_P_DROP_RATE, rate);
    n->op_params[GRAPH_P_DROP_STREAM] = ++g->n_dropout;
    return n;
}

graph_node *graph_softmax_xent(graph *g, graph_node *logits, graph_node *labels, const char *name)
{
    char b1[96];
    if (!logits || !labels) return NULL;
    if (need_act(g, name, "softmax_xent logits", logits)) return NULL;
    if (logits->ne[2] != 1 || logits->ne[3] != 1 || logits->ne[1] < 2) {
        shape_err(g, name, "softmax cross-entropy needs logits (N, K>=2, 1, 1), got %s",
                  graph_shape_str(logits, b1, sizeof b1));
        return NULL;
    }
    if (labels->type != GRAPH_I32 || labels->ne[0] != logits->ne[0]) {
        shape_err(g, name, "softmax cross-entropy needs integer labels, one per image");
        return NULL;
    }
    graph_node *n = mk(g, GRAPH_OP_SOFTMAX_XENT, 1, 1, 1, 1, name ? name : "loss", logits, labels,
                       NULL, NULL, NULL);
    n->flags |= GRAPH_F_LOSS;
    logits->flags |= GRAPH_F_LOGITS;
    g->logits = logits;
    g->loss = n;
    return n;
}

graph_node *graph_slot(graph *g, graph_node *producer, int k, const int64_t ne[4], graph_dtype t)
{
    if (!producer) return NULL;
    if (k < 1 || k >= GRAPH_MAX_SLOTS) {
        shape_err(g, producer->name, "slot %d out of range", k);
        return NULL;
    }
    if (producer->slots[k]) return producer->slots[k];
    char *nm = mk_arena_printf(&g->arena, "%s.slot%d", producer->name, k);
    graph_node *n = graph_node_new(g, GRAPH_OP_SLOT, ne, &producer, 1, nm);
    n->type = t;
    n->op_params[GRAPH_P_SLOT] = k;
    n->flags |= producer->flags & GRAPH_F_BACKWARD;
    n->fwd = producer->fwd;
    producer->slots[k] = n;
    return n;
}

graph_node *graph_view(graph *g, graph_node *base, const int64_t ne[4], int64_t offs,
                       const char *name)
{
    if (!base) return NULL;
    int64_t n = ne[0] * ne[1] * ne[2] * ne[3];
    if (offs < 0 || offs + n > graph_nelem(base)) {
        shape_err(g, name, "view of %lld elements at %lld runs past '%s' (%lld elements)",
                  (long long)n, (long long)offs, base->name, (long long)graph_nelem(base));
        return NULL;
    }
    graph_node *v = graph_node_new(g, GRAPH_OP_VIEW, ne, &base, 1, name);
    v->view_src = base;
    v->view_offs = offs;
    v->type = base->type;
    return v;
}

/* ---- orders ---- */

/* Depth-first with an explicit stack: ResNet-50's backward graph is a few thousand nodes
 * deep along its longest path, more than recursion should be trusted with. A first walk
 * marks what is reachable, so that the second can put each reachable slot right after its
 * producer (a slot is reached through its users, possibly much later). */
static void walk(graph_node *const *roots, int nroots, unsigned char *mark, graph_seq *out,
                 const unsigned char *want)
{
    typedef struct {
        graph_node *n;
        int next;
    } frame;
    size_t cap = 64, sp = 0;
    frame *st = mk_xmalloc(cap * sizeof *st);
    for (int r = 0; r < nroots; r++) {
        if (!roots[r] || mark[roots[r]->id]) continue;
        sp = 0;
        st[sp++] = (frame){roots[r], 0};
        mark[roots[r]->id] = 1;
        while (sp) {
            frame *f = &st[sp - 1];
            if (f->next < GRAPH_MAX_SRC && f->n->src[f->next]) {
                graph_node *c = f->n->src[f->next++];
                if (!mark[c->id]) {
                    mark[c->id] = 1;
                    if (sp == cap) {
                        cap *= 2;
                        st = mk_xrealloc(st, cap * sizeof *st);
                    }
                    st[sp++] = (frame){c, 0};
                }
                continue;
            }
            graph_node *done = f->n;
            sp--;
            if (!out) continue;
            if (done->op == GRAPH_OP_SLOT) continue; /* placed with its producer */
            out->v[out->n++] = done;
            for (int k = 1; k < GRAPH_MAX_SLOTS; k++)
                if (done->slots[k] && want[done->slots[k]->id]) out->v[out->n++] = done->slots[k];
        }
    }
    free(st);
}

graph_seq graph_order(graph *g, graph_node *const *roots, int nroots)
{
    graph_seq s = {mk_arena_alloc(&g->arena, (size_t)(g->n_nodes + 1) * sizeof(graph_node *)), 0};
    unsigned char *want = mk_xcalloc((size_t)g->n_nodes + 1, 1);
    unsigned char *mark = mk_xcalloc((size_t)g->n_nodes + 1, 1);
    walk(roots, nroots, want, NULL, NULL);
    walk(roots, nroots, mark, &s, want);
    free(mark);
    free(want);
    return s;
}

static graph_seq by_flag(graph *g, int flag)
{
    graph_seq s = {mk_arena_alloc(&g->arena, (size_t)(g->n_nodes + 1) * sizeof(graph_node *)), 0};
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i]->flags & flag &&
            (g->nodes[i]->op == GRAPH_OP_PARAM || g->nodes[i]->op == GRAPH_OP_STATE))
            s.v[s.n++] = g->nodes[i];
    return s;
}

graph_seq graph_params(graph *g)
{
    return by_flag(g, GRAPH_F_PARAM);
}

graph_seq graph_states(graph *g)
{
    return by_flag(g, GRAPH_F_STATE);
}

int64_t graph_param_count(const graph *g)
{
    int64_t total = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i]->op == GRAPH_OP_PARAM) total += graph_nelem(g->nodes[i]);
    return total;
}

/* ---- costs ---- */

/* Bytes: every source read once, the output and its slots written once. FLOPs: multiply-adds
 * count 2; element-wise work counts what the kernel does per element. */
graph_cost graph_node_cost(const graph_node *n)
{
    graph_cost c = {0, 0};
    if (n->view_src || n->op == GRAPH_OP_INPUT || n->op == GRAPH_OP_PARAM ||
        n->op == GRAPH_OP_STATE || n->op == GRAPH_OP_SLOT || n->op == GRAPH_OP_VIEW)
        return c;
    const double out = (double)graph_nelem(n);
    double io = out;
    for (int i = 0; i < GRAPH_MAX_SRC && n->src[i]; i++)
        io += (double)graph_nelem(n->src[i]);
    for (int k = 1; k < GRAPH_MAX_SLOTS; k++)
        if (n->slots[k]) io += (double)graph_nelem(n->slots[k]);
    c.bytes = 4.0 * io;
    const graph_node *x = n->src[0];
    const double act = n->op_params[GRAPH_P_ACT] ? out : 0;
    switch (n->op) {
    case GRAPH_OP_CONV2D: { /* out * (I*KH*KW) multiply-adds */
        const graph_node *w = n->src[1];
        c.flops =
            2.0 * out * (double)(w->ne[1] * w->ne[2] * w->ne[3]) + (n->src[2] ? out : 0) + act;
        break;
    }
    case GRAPH_OP_CONV2D_BWD_DATA: { /* dy, w: as many multiply-adds as the forward */
        const graph_node *w = n->src[1];
        c.flops = 2.0 * (double)graph_nelem(x) * (double)(w->ne[1] * w->ne[2] * w->ne[3]);
        break;
    }
    case GRAPH_OP_CONV2D_BWD_WEIGHTS: { /* x, dy -> dw (O, I, KH, KW) */
        const graph_node *dy = n->src[1];
        c.flops = 2.0 * (double)graph_nelem(dy) * (double)(n->ne[1] * n->ne[2] * n->ne[3]);
        if (n->slots[GRAPH_SLOT_DB]) c.flops += (double)graph_nelem(dy);
        break;
    }
    case GRAPH_OP_CONV2D_BWD: { /* x, dy -> dw (O, I, KH, KW), db, dx */
        const graph_node *dy = n->src[1];
        const double mac = (double)graph_nelem(dy) * (double)(n->ne[1] * n->ne[2] * n->ne[3]);
        c.flops = 2.0 * mac * (n->slots[GRAPH_SLOT_DX] ? 2 : 1);
        if (n->slots[GRAPH_SLOT_DB]) c.flops += (double)graph_nelem(dy);
        break;
    }
    case GRAPH_OP_DENSE:
        c.flops = 2.0 * out * (double)x->ne[1] + (n->src[2] ? out : 0) + act;
        break;
    case GRAPH_OP_DENSE_BWD: { /* x (N, I), w (O, I), dy (N, O) */
        const double mac = (double)graph_nelem(n->src[2]) * (double)x->ne[1];
        c.flops = 2.0 * mac * (n->slots[GRAPH_SLOT_DX] ? 2 : 1);
        if (n->slots[GRAPH_SLOT_DB]) c.flops += (double)graph_nelem(n->src[2]);
        break;
    }
    case GRAPH_OP_MAXPOOL:
    case GRAPH_OP_AVGPOOL:
        c.flops = out * n->op_params[GRAPH_P_KERNEL_H] * n->op_params[GRAPH_P_KERNEL_W];
        break;
    case GRAPH_OP_AVGPOOL_BWD: {
        const graph_node *f = n->fwd;
        int k = f ? f->op_params[GRAPH_P_KERNEL_H] * f->op_params[GRAPH_P_KERNEL_W] : 1;
        c.flops = (double)graph_nelem(x) * k;
        break;
    }
    case GRAPH_OP_BATCHNORM: /* statistics (sum, sum of squares), then one fma per element */
        c.flops = 5.0 * out + act;
        break;
    case GRAPH_OP_BATCHNORM_BWD: /* two reductions, then the dx formula */
        c.flops = 9.0 * out;
        break;
    case GRAPH_OP_SOFTMAX_XENT:
    case GRAPH_OP_SOFTMAX_XENT_BWD:
        c.flops = 5.0 * (double)graph_nelem(x);
        break;
    case GRAPH_OP_ADD:
        c.flops = out + act;
        break;
    case GRAPH_OP_PAD:
    case GRAPH_OP_PAD_BWD:
    case GRAPH_OP_MAXPOOL_BWD:
        c.flops = 0;
        break;
    case GRAPH_OP_DROPOUT:
    case GRAPH_OP_DROPOUT_BWD:
        c.flops = 2.0 * out; /* a hash and a multiply per element */
        break;
    case GRAPH_OP_BIAS_BWD:
    case GRAPH_OP_GLOBAL_AVGPOOL:
        c.flops = (double)graph_nelem(x);
        break;
    default: /* element-wise: relu, bias_add, relu_bwd, gap_bwd */
        c.flops = out;
        break;
    }
    return c;
}
