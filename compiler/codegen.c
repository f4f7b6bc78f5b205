/* codegen — writes the C program of one network, specialised to its static shapes.
 *
 * The program fills the kernels' net ABI (kernels/kern.h, kernels/README.md): a parameter
 * table (trainable weights, then nothing else is owned: gradients and optimiser state are
 * the driver's), one kern_conv/kern_pool per layer (initialised once in main(), copied with
 * the step's n), and two step functions. A step function is straight-line code: one kernels/
 * call per node of the planned order, every tensor a constant offset into the step's arena
 * (A(off)), a parameter P[i], its gradient G[i], or the batch (s->x, s->labels). The training
 * step runs the forward and the backward of autodiff's order; inference the forward with
 * batch norm on running statistics and dropout as the identity, planned separately. Nothing
 * is allocated, looked up or dispatched at run time: the per-node work the compiler did
 * (shapes, algorithms, offsets) is in the constants. */
#include "codegen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mk_buf.h"
#include "passes.h"
#include "zoo.h"

static const char *const kern_init_names[] = {
    "KERN_INIT_ZEROS",         "KERN_INIT_ONES",           "KERN_INIT_HE_NORMAL",
    "KERN_INIT_HE_UNIFORM",    "KERN_INIT_GLOROT_UNIFORM", "KERN_INIT_GLOROT_NORMAL",
    "KERN_INIT_LECUN_UNIFORM",
};
_Static_assert(sizeof kern_init_names / sizeof *kern_init_names == GRAPH_INIT_COUNT,
               "one kernels initialiser per graph_init");
_Static_assert((int)GRAPH_INIT_GLOROT_UNIFORM == (int)KERN_INIT_GLOROT_UNIFORM &&
                   (int)GRAPH_INIT_LECUN_UNIFORM == (int)KERN_INIT_LECUN_UNIFORM,
               "graph_init follows kern_init");

static const char *const algo_enum[] = {"KERN_CONV_AUTO", "KERN_CONV_IM2COL",
                                        "KERN_CONV_IM2COL_BATCHED", "KERN_CONV_1X1",
                                        "KERN_CONV_DIRECT", "KERN_CONV_WINOGRAD"};
_Static_assert(sizeof algo_enum / sizeof *algo_enum == KERN_CONV_ALGO_COUNT,
               "one name per kern_conv_algo");

typedef struct cg {
    graph *g;
    mk_buf *b;
    const graph_plan *plan;
    int train;
    int *param_ix; /* by node id: row in the parameter table, -1 */
    int *conv_ix;  /* by node id (conv2d): index in CV[] */
    int *pool_ix;  /* by node id (pools): index in PL[] */
    int nconv, npool;
    int uses_pad;
    int profile; /* time every node of the training step */
    mk_buf prof; /* profile rows: {"name", flops}, */
    int nprof;
    mk_err *err;
} cg;

static void out(cg *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(cg *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mk_buf_vprintf(c->b, fmt, ap);
    va_end(ap);
}

static void put_cstr(mk_buf *b, const char *s);

/* Does n's first dimension follow the step's n (the batch)? */
static int batched(const graph_node *n)
{
    switch (n->op) {
    case GRAPH_OP_PARAM:
    case GRAPH_OP_STATE:
    case GRAPH_OP_SOFTMAX_XENT:
    case GRAPH_OP_BIAS_BWD:
    case GRAPH_OP_CONV2D_BWD_WEIGHTS:
    case GRAPH_OP_CONV2D_BWD:
    case GRAPH_OP_DENSE_BWD:
        return 0;
    case GRAPH_OP_SLOT: {
        const graph_node *p = n->src[0];
        int k = n->op_params[GRAPH_P_SLOT];
        if (p->op == GRAPH_OP_SOFTMAX_XENT || p->op == GRAPH_OP_MAXPOOL) return 1;
        if (p->op == GRAPH_OP_DENSE_BWD || p->op == GRAPH_OP_CONV2D_BWD) return k == GRAPH_SLOT_DX;
        return 0;
    }
    case GRAPH_OP_VIEW:
    case GRAPH_OP_FLATTEN:
    case GRAPH_OP_ADD:
        return batched(n->src[0]);
    default:
        return 1;
    }
}

/* The element count of n at run time, as C. */
static const char *cnt(cg *c, const graph_node *n)
{
    if (batched(n))
        return mk_arena_printf(&c->g->arena, "(size_t)n * %lld",
                               (long long)(graph_nelem(n) / n->ne[0]));
    return mk_arena_printf(&c->g->arena, "(size_t)%lld", (long long)graph_nelem(n));
}

static long long per_image(const graph_node *n, int dim)
{
    return (long long)n->ne[dim];
}

/* A C expression for n's data. */
static const char *ptr(cg *c, const graph_node *n)
{
    const graph_plan *p = c->plan;
    switch ((graph_loc)p->loc[n->id]) {
    case GRAPH_LOC_INPUT:
        return n == c->g->labels || n->type == GRAPH_I32 ? "s->labels" : "s->x";
    case GRAPH_LOC_PARAM:
        return mk_arena_printf(&c->g->arena, "P[%d]", c->param_ix[n->id]);
    case GRAPH_LOC_GRAD:
        return mk_arena_printf(&c->g->arena, "G[%d]", c->param_ix[n->param->id]);
    case GRAPH_LOC_VIEW: {
        const graph_node *base = c->g->nodes[p->alias[n->id]];
        if (!p->alias_offs[n->id]) return ptr(c, base);
        return mk_arena_printf(&c->g->arena, "(%s + %lld)", ptr(c, base),
                               (long long)p->alias_offs[n->id]);
    }
    case GRAPH_LOC_ARENA:
        return mk_arena_printf(&c->g->arena, "%s(%lld)", n->type == GRAPH_I32 ? "AI" : "A",
                               (long long)p->offset[n->id]);
    default:
        mk_err_set(c->err, MK_EINTERNAL, NULL, 0, 0, "codegen: '%s' has no place in the plan",
                   n->name);
        return "NULL";
    }
}

static const char *slot_ptr(cg *c, const graph_node *n, int k)
{
    const graph_node *s = n->slots[k];
    if (!s || c->plan->loc[s->id] == GRAPH_LOC_NONE) return "NULL";
    return ptr(c, s);
}

static void shape_comment(cg *c, const graph_node *n)
{
    out(c, "    /* %s: %s (%lld, %lld, %lld, %lld) */\n", n->name, graph_op_name(n->op),
        (long long)n->ne[0], (long long)n->ne[1], (long long)n->ne[2], (long long)n->ne[3]);
}

/* Emits n's call; returns 1 when it emitted one (views, slots and leaves emit nothing). */
static int emit_node(cg *c, const graph_node *n)
{
    const graph_node *x = n->src[0];
    const int act = n->op_params[GRAPH_P_ACT];
    switch (n->op) {
    case GRAPH_OP_INPUT:
    case GRAPH_OP_PARAM:
    case GRAPH_OP_STATE:
    case GRAPH_OP_FLATTEN:
    case GRAPH_OP_VIEW:
    case GRAPH_OP_SLOT:
        return 0;
    default:
        break;
    }
    if (n->op == GRAPH_OP_DROPOUT && !c->train) return 0; /* the identity: a view */
    shape_comment(c, n);
    switch (n->op) {
    case GRAPH_OP_CONV2D:
        out(c, "    if (kern_conv2d_fwd(ctx, &cv%d, %s, %s, %s, %d, %s)) return -1;\n",
            c->conv_ix[n->id], ptr(c, x), ptr(c, n->src[1]), n->src[2] ? ptr(c, n->src[2]) : "NULL",
            act, ptr(c, n));
        break;
    case GRAPH_OP_CONV2D_BWD_DATA:
        out(c, "    if (kern_conv2d_bwd_data(ctx, &cv%d, %s, %s, %s)) return -1;\n",
            c->conv_ix[n->fwd->id], ptr(c, x), ptr(c, n->src[1]), ptr(c, n));
        break;
    case GRAPH_OP_CONV2D_BWD_WEIGHTS:
        out(c, "    if (kern_conv2d_bwd_weights(ctx, &cv%d, %s, %s, %s, %s)) return -1;\n",
            c->conv_ix[n->fwd->id], ptr(c, x), ptr(c, n->src[1]), ptr(c, n),
            slot_ptr(c, n, GRAPH_SLOT_DB));
        break;
    case GRAPH_OP_CONV2D_BWD: /* src: x, dy, w [, y: dy is masked in place by y > 0] */
        out(c, "    if (kern_conv2d_bwd(ctx, &cv%d, %s, %s, %s, %s, %s, %s, %s)) return -1;\n",
            c->conv_ix[n->fwd->id], ptr(c, x), n->src[3] ? ptr(c, n->src[3]) : "NULL",
            ptr(c, n->src[1]), ptr(c, n->src[2]), slot_ptr(c, n, GRAPH_SLOT_DX), ptr(c, n),
            slot_ptr(c, n, GRAPH_SLOT_DB));
        break;
    case GRAPH_OP_DENSE:
        out(c, "    kern_dense_fwd(ctx, n, %lld, %lld, %s, %s, %s, %d, %s);\n", per_image(x, 1),
            per_image(n, 1), ptr(c, x), ptr(c, n->src[1]), n->src[2] ? ptr(c, n->src[2]) : "NULL",
            act, ptr(c, n));
        break;
    case GRAPH_OP_DENSE_BWD:
        out(c, "    kern_dense_bwd(ctx, n, %lld, %lld, %s, %s, %s, %s, %s, %s);\n", per_image(x, 1),
            (long long)n->ne[0], ptr(c, x), ptr(c, n->src[1]), ptr(c, n->src[2]),
            slot_ptr(c, n, GRAPH_SLOT_DX), ptr(c, n), slot_ptr(c, n, GRAPH_SLOT_DB));
        break;
    case GRAPH_OP_BIAS_ADD:
        if (c->plan->inplace[n->id] != x->id)
            out(c, "    kern_copy(ctx, %s, %s, %s);\n", cnt(c, n), ptr(c, x), ptr(c, n));
        out(c, "    kern_bias_fwd(ctx, n, %lld, %lld, %s, 0, %s);\n", per_image(n, 1),
            (long long)(n->ne[2] * n->ne[3]), ptr(c, n->src[1]), ptr(c, n));
        break;
    case GRAPH_OP_BIAS_BWD:
        out(c, "    kern_bias_bwd(ctx, n, %lld, %lld, %s, %s);\n", per_image(x, 1),
            (long long)(x->ne[2] * x->ne[3]), ptr(c, x), ptr(c, n));
        break;
    case GRAPH_OP_RELU:
        out(c, "    kern_relu_fwd(ctx, %s, %s, %s);\n", cnt(c, n), ptr(c, x), ptr(c, n));
        break;
    case GRAPH_OP_RELU_BWD:
        out(c, "    kern_relu_bwd(ctx, %s, %s, %s, %s);\n", cnt(c, n), ptr(c, x), ptr(c, n->src[1]),
            ptr(c, n));
        break;
    case GRAPH_OP_MAXPOOL:
        out(c, "    kern_maxpool_fwd(ctx, &pl%d, %s, %s, %s);\n", c->pool_ix[n->id], ptr(c, x),
            ptr(c, n), c->train ? slot_ptr(c, n, GRAPH_SLOT_AUX) : "NULL");
        break;
    case GRAPH_OP_MAXPOOL_BWD:
        out(c, "    kern_maxpool_bwd(ctx, &pl%d, %s, %s, %s);\n", c->pool_ix[n->fwd->id], ptr(c, x),
            ptr(c, n->src[1]), ptr(c, n));
        break;
    case GRAPH_OP_AVGPOOL:
        out(c, "    kern_avgpool_fwd(ctx, &pl%d, %s, %s);\n", c->pool_ix[n->id], ptr(c, x),
            ptr(c, n));
        break;
    case GRAPH_OP_AVGPOOL_BWD:
        out(c, "    kern_avgpool_bwd(ctx, &pl%d, %s, %s);\n", c->pool_ix[n->fwd->id], ptr(c, x),
            ptr(c, n));
        break;
    case GRAPH_OP_GLOBAL_AVGPOOL:
        out(c, "    kern_gap_fwd(ctx, n, %lld, %lld, %s, %s);\n", per_image(x, 1),
            (long long)(x->ne[2] * x->ne[3]), ptr(c, x), ptr(c, n));
        break;
    case GRAPH_OP_GLOBAL_AVGPOOL_BWD:
        out(c, "    kern_gap_bwd(ctx, n, %lld, %lld, %s, %s);\n", per_image(n, 1),
            (long long)(n->ne[2] * n->ne[3]), ptr(c, x), ptr(c, n));
        break;
    case GRAPH_OP_BATCHNORM: {
        long long ch = per_image(n, 1), hw = (long long)(n->ne[2] * n->ne[3]);
        float eps = graph_get_f(n, GRAPH_P_BN_EPS), mom = graph_get_f(n, GRAPH_P_BN_MOMENTUM);
        if (c->train) {
            const char *st = slot_ptr(c, n, GRAPH_SLOT_AUX);
            if (!strcmp(st, "NULL")) {
                mk_err_set(c->err, MK_EINTERNAL, NULL, 0, 0,
                           "codegen: batchnorm '%s' saves no statistics", n->name);
                return 0;
            }
            out(c,
                "    kern_bn_fwd_train(ctx, n, %lld, %lld, %.9gf, %.9gf, %s, %s, %s, %s, %s, %s, "
                "%s + %lld, %d, %s);\n",
                ch, hw, (double)eps, (double)mom, ptr(c, x), ptr(c, n->src[1]), ptr(c, n->src[2]),
                ptr(c, n->src[3]), ptr(c, n->src[4]), st, st, ch, act, ptr(c, n));
        } else {
            out(c,
                "    kern_bn_fwd_infer(ctx, n, %lld, %lld, %.9gf, %s, %s, %s, %s, %s, %d, %s);\n",
                ch, hw, (double)eps, ptr(c, x), ptr(c, n->src[1]), ptr(c, n->src[2]),
                ptr(c, n->src[3]), ptr(c, n->src[4]), act, ptr(c, n));
        }
        break;
    }
    case GRAPH_OP_BATCHNORM_BWD: { /* src: x, dy, gamma, stats [, y] */
        long long ch = per_image(n, 1), hw = (long long)(n->ne[2] * n->ne[3]);
        const char *st = ptr(c, n->src[3]);
        out(c, "    kern_bn_bwd(ctx, n, %lld, %lld, %s, %s, %s, %s, %s, %s + %lld, %s, %s, %s);\n",
            ch, hw, ptr(c, x), n->src[4] ? ptr(c, n->src[4]) : "NULL", ptr(c, n->src[1]),
            ptr(c, n->src[2]), st, st, ch, ptr(c, n), slot_ptr(c, n, GRAPH_SLOT_DGAMMA),
            slot_ptr(c, n, GRAPH_SLOT_DBETA));
        break;
    }
    case GRAPH_OP_ADD:
        out(c, "    kern_add(ctx, %s, %s, %s, %d, %s);\n", cnt(c, n), ptr(c, x), ptr(c, n->src[1]),
            act, ptr(c, n));
        break;
    case GRAPH_OP_PAD:
    case GRAPH_OP_PAD_BWD: {
        const graph_node *big = n->op == GRAPH_OP_PAD ? n : x;
        const graph_node *small = n->op == GRAPH_OP_PAD ? x : n;
        const int32_t *P = (n->op == GRAPH_OP_PAD ? n : n->fwd)->op_params;
        c->uses_pad = 1;
        out(c, "    %s(ctx, n, %lld, %lld, %lld, %d, %d, %d, %d, %d, %d, %s, %s);\n",
            n->op == GRAPH_OP_PAD ? "pad_fwd" : "pad_bwd", per_image(small, 1), per_image(small, 2),
            per_image(small, 3), P[GRAPH_P_PAD_C0], P[GRAPH_P_PAD_C1], P[GRAPH_P_PAD_TOP],
            P[GRAPH_P_PAD_BOTTOM], P[GRAPH_P_PAD_LEFT], P[GRAPH_P_PAD_RIGHT], ptr(c, x), ptr(c, n));
        (void)big;
        break;
    }
    case GRAPH_OP_DROPOUT:
        out(c, "    kern_dropout_fwd(ctx, %s, %.9gf, kern_seed_mix(s->seed, %d), %s, %s);\n",
            cnt(c, n), (double)graph_get_f(n, GRAPH_P_DROP_RATE), n->op_params[GRAPH_P_DROP_STREAM],
            ptr(c, x), ptr(c, n));
        break;
    case GRAPH_OP_DROPOUT_BWD:
        out(c, "    kern_dropout_bwd(ctx, %s, %.9gf, kern_seed_mix(s->seed, %d), %s, %s);\n",
            cnt(c, n), (double)graph_get_f(n->fwd, GRAPH_P_DROP_RATE),
            n->fwd->op_params[GRAPH_P_DROP_STREAM], ptr(c, x), ptr(c, n));
        break;
    case GRAPH_OP_SOFTMAX_XENT: {
        long long k = per_image(x, 1);
        if (c->train) {
            const char *probs = slot_ptr(c, n, GRAPH_SLOT_AUX);
            if (!strcmp(probs, "NULL")) probs = ptr(c, x);
            out(c,
                "    s->loss = kern_softmax_xent_fwd(ctx, n, %lld, %s, s->labels, %s, "
                "&s->correct);\n",
                k, ptr(c, x), probs);
            out(c, "    if (s->probs) kern_copy(ctx, (size_t)n * %lld, %s, s->probs);\n", k, probs);
        } else {
            out(c,
                "    s->loss = kern_softmax_xent_fwd(ctx, n, %lld, %s, s->labels, s->probs ? "
                "s->probs : %s, &s->correct);\n",
                k, ptr(c, x), ptr(c, x));
        }
        break;
    }
    case GRAPH_OP_SOFTMAX_XENT_BWD:
        out(c, "    kern_softmax_xent_bwd(ctx, n, %lld, %s, s->labels, %s);\n", per_image(n, 1),
            ptr(c, x), ptr(c, n));
        break;
    default:
        mk_err_set(c->err, MK_EINTERNAL, NULL, 0, 0, "codegen: no code for op '%s' (node '%s')",
                   graph_op_name(n->op), n->name);
        return 0;
    }
    return 1;
}

static void emit_step(cg *c, const char *fname, const graph_plan *plan, int train)
{
    c->plan = plan;
    c->train = train;
    out(c, "static int %s(kern_ctx *ctx, const kern_net *net, kern_step *s)\n{\n", fname);
    out(c, "    char *const arena = s->arena;\n    const int n = s->n;\n");
    out(c, "    float *const *P = s->params;\n");
    if (train) out(c, "    float *const *G = s->grads;\n    (void)G;\n");
    out(c, "    (void)net;\n    (void)arena;\n    (void)P;\n");
    /* the layers' descriptors, with this batch's n */
    for (int i = 0; i < plan->order.n; i++) {
        const graph_node *nd = plan->order.v[i];
        if (nd->op == GRAPH_OP_CONV2D)
            out(c, "    kern_conv cv%d = CV[%d];\n    cv%d.n = n;\n", c->conv_ix[nd->id],
                c->conv_ix[nd->id], c->conv_ix[nd->id]);
        if (nd->op == GRAPH_OP_MAXPOOL || nd->op == GRAPH_OP_AVGPOOL)
            out(c, "    kern_pool pl%d = PL[%d];\n    pl%d.n = n;\n", c->pool_ix[nd->id],
                c->pool_ix[nd->id], c->pool_ix[nd->id]);
    }
    if (!train) out(c, "    s->correct = 0;\n");
    const int prof = c->profile && train;
    if (prof) out(c, "    double prof_t = prof_now();\n");
    for (int i = 0; i < plan->order.n && c->err->code == MK_OK; i++)
        if (emit_node(c, plan->order.v[i]) && prof) {
            const graph_node *nd = plan->order.v[i];
            out(c, "    prof_t = prof_tick(%d, prof_t);\n", c->nprof++);
            mk_buf_puts(&c->prof, "    {");
            put_cstr(&c->prof, nd->name);
            mk_buf_printf(&c->prof, ", \"%s\", %.17g},\n", graph_op_name(nd->op),
                          graph_node_cost(nd).flops);
        }
    if (prof) out(c, "    prof_steps++;\n");
    if (train) { /* parameters the loss does not depend on still get a (zero) gradient */
        graph_seq params = graph_params(c->g);
        for (int i = 0; i < params.n; i++)
            if (!params.v[i]->grad && c->param_ix[params.v[i]->id] >= 0)
                out(c, "    kern_fill(ctx, %lld, 0.0f, G[%d]);\n",
                    (long long)graph_nelem(params.v[i]), c->param_ix[params.v[i]->id]);
    }
    out(c, "    return 0;\n}\n\n");
}

static const char pad_helpers[] =
    "/* Zero padding of channels and borders, and its backward (the crop): the kernels have no\n"
    " * pad op, and the only users (ResNet-20's shortcuts, Keras's ZeroPadding2D) are small. */\n"
    "struct pad_job {\n"
    "    int c, h, w, c0, c1, t, b, l, r, fwd;\n"
    "    const float *src;\n"
    "    float *dst;\n"
    "    int n;\n"
    "};\n\n"
    "static void pad_task(void *arg, int ith, int nth)\n"
    "{\n"
    "    const struct pad_job *j = arg;\n"
    "    const int C = j->c + j->c0 + j->c1, H = j->h + j->t + j->b, W = j->w + j->l + j->r;\n"
    "    size_t lo, hi;\n"
    "    kern_split((size_t)j->n, ith, nth, &lo, &hi);\n"
    "    for (size_t i = lo; i < hi; i++) {\n"
    "        const size_t small = (size_t)j->c * j->h * j->w, big = (size_t)C * H * W;\n"
    "        if (j->fwd) {\n"
    "            float *y = j->dst + i * big;\n"
    "            const float *x = j->src + i * small;\n"
    "            memset(y, 0, big * sizeof *y);\n"
    "            for (int ch = 0; ch < j->c; ch++)\n"
    "                for (int row = 0; row < j->h; row++)\n"
    "                    memcpy(y + ((size_t)(ch + j->c0) * H + row + j->t) * W + j->l,\n"
    "                           x + ((size_t)ch * j->h + row) * j->w, (size_t)j->w * sizeof *y);\n"
    "        } else {\n"
    "            float *dx = j->dst + i * small;\n"
    "            const float *dy = j->src + i * big;\n"
    "            for (int ch = 0; ch < j->c; ch++)\n"
    "                for (int row = 0; row < j->h; row++)\n"
    "                    memcpy(dx + ((size_t)ch * j->h + row) * j->w,\n"
    "                           dy + ((size_t)(ch + j->c0) * H + row + j->t) * W + j->l,\n"
    "                           (size_t)j->w * sizeof *dx);\n"
    "        }\n"
    "    }\n"
    "}\n\n"
    "static void pad_fwd(kern_ctx *ctx, int n, int c, int h, int w, int c0, int c1, int t, int b,\n"
    "                    int l, int r, const float *x, float *y)\n"
    "{\n"
    "    struct pad_job j = {c, h, w, c0, c1, t, b, l, r, 1, x, y, n};\n"
    "    kern_parallel(ctx, pad_task, &j, n);\n"
    "}\n\n"
    "static void pad_bwd(kern_ctx *ctx, int n, int c, int h, int w, int c0, int c1, int t, int b,\n"
    "                    int l, int r, const float *dy, float *dx)\n"
    "{\n"
    "    struct pad_job j = {c, h, w, c0, c1, t, b, l, r, 0, dy, dx, n};\n"
    "    kern_parallel(ctx, pad_task, &j, n);\n"
    "}\n\n";

static void put_cstr(mk_buf *b, const char *s)
{
    mk_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            mk_buf_printf(b, "\\%c", *s);
        else if (*s == '\n')
            mk_buf_puts(b, "\\n\"\n    \"");
        else if ((unsigned char)*s < 32)
            mk_buf_printf(b, "\\%03o", (unsigned char)*s);
        else
            mk_buf_putc(b, *s);
    }
    mk_buf_putc(b, '"');
}

static char *make_summary(graph *g, const graph_layer_cost *rows, int nrows)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_printf(&b, "%-28s %-15s %-22s %10s %12s  %s\n", "layer", "op", "output (per image)",
                  "params", "MFLOP/image", "algorithm (fwd / bwd-data / bwd-weights)");
    for (int i = 0; i < nrows; i++) {
        const graph_node *n = rows[i].node;
        char shape[64], ops[32];
        snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)n->ne[1], (long long)n->ne[2],
                 (long long)n->ne[3]);
        snprintf(ops, sizeof ops, "%s%s%s", rows[i].op,
                 (n->op == GRAPH_OP_CONV2D || n->op == GRAPH_OP_DENSE) && n->src[2] ? "+b" : "",
                 n->op_params[GRAPH_P_ACT] && n->op != GRAPH_OP_SOFTMAX_XENT ? "+relu" : "");
        /* one name when the three passes agree, else all three */
        char algos[64] = "";
        const int32_t *P = n->op_params;
        if (n->op == GRAPH_OP_CONV2D && P[GRAPH_P_ALGO] == P[GRAPH_P_ALGO_BWD_DATA] &&
            P[GRAPH_P_ALGO] == P[GRAPH_P_ALGO_BWD_WEIGHTS])
            snprintf(algos, sizeof algos, "%s", kern_conv_algo_name(P[GRAPH_P_ALGO]));
        else if (n->op == GRAPH_OP_CONV2D)
            snprintf(algos, sizeof algos, "%s / %s / %s", kern_conv_algo_name(P[GRAPH_P_ALGO]),
                     kern_conv_algo_name(P[GRAPH_P_ALGO_BWD_DATA]),
                     kern_conv_algo_name(P[GRAPH_P_ALGO_BWD_WEIGHTS]));
        mk_buf_printf(&b, "%-28.28s %-15s %-22s %10lld %12.3f  %s\n", rows[i].name, ops, shape,
                      (long long)rows[i].params, rows[i].fwd_flops / (double)g->batch / 1e6, algos);
    }
    return mk_buf_detach(&b);
}

static int codegen(graph *g, const graph_options *o, graph_compiled *res, mk_err *err);

int graph_codegen(graph *g, const graph_options *o, graph_compiled *res, mk_err *err)
{
    mk_err
        local; /* codegen checks err->code as it goes: it needs one even if the caller has none */
    mk_err_clear(&local);
    int rc = codegen(g, o, res, &local);
    if (rc && err && err->code == MK_OK) *err = local;
    return rc;
}

static int codegen(graph *g, const graph_options *o, graph_compiled *res, mk_err *err)
{
    memset(res, 0, sizeof *res);
    if (g->n_forward)
        return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0,
                          "codegen needs a graph not yet differentiated");
    if (graph_check(g, err)) return -1;
    if (!o->generic) {
        res->folded = graph_fuse(g, err);
        if (res->folded < 0) return -1;
    }
    if (graph_autodiff(g, err)) return -1;
    res->nconv = graph_choose_algos(g, o->generic, o->vec_floats, err);
    if (res->nconv < 0) return -1;
    graph_threads_plan tp;
    graph_threads(g, o->threads > 0 ? o->threads : 1024, &tp); /* unknown cores: no cap */
    res->threads = tp.threads;
    graph_plan train, infer;
    if (graph_plan_memory(g, graph_train_order(g), GRAPH_PLAN_TRAIN, !o->generic, &train, err) ||
        graph_plan_memory(g, graph_infer_order(g), GRAPH_PLAN_INFER, !o->generic, &infer, err))
        return -1;
    /* the plans are checked every time: a wrong plan is silent corruption */
    if (graph_plan_check(g, &train, err) || graph_plan_check(g, &infer, err)) return -1;
    res->arena_train = train.arena_bytes;
    res->arena_infer = infer.arena_bytes;
    res->arena_unplanned = train.unplanned_bytes;
    res->nodes_train = train.order.n;
    graph_layer_cost *rows;
    int nrows;
    if (graph_layer_costs(g, &rows, &nrows, err)) return -1;
    for (int i = 0; i < nrows; i++) {
        res->flops_fwd += rows[i].fwd_flops;
        res->flops_train += rows[i].fwd_flops + rows[i].bwd_flops;
    }
    res->flops_fwd /= (double)g->batch;
    res->flops_train /= (double)g->batch;
    res->param_elems = graph_param_count(g);

    cg c = {.g = g, .err = err, .profile = o->profile};
    mk_buf_init(&c.prof);
    c.param_ix = mk_arena_alloc(&g->arena, (size_t)g->n_nodes * sizeof *c.param_ix);
    c.conv_ix = mk_arena_alloc(&g->arena, (size_t)g->n_nodes * sizeof *c.conv_ix);
    c.pool_ix = mk_arena_alloc(&g->arena, (size_t)g->n_nodes * sizeof *c.pool_ix);
    for (int i = 0; i < g->n_nodes; i++)
        c.param_ix[i] = c.conv_ix[i] = c.pool_ix[i] = -1;
    mk_buf b;
    mk_buf_init(&b);
    c.b = &b;
    const graph_node *in = g->input;
    out(&c,
        "/* %s — generated by modak %s: a training program specialised to its shapes.\n"
        " * batch %lld, input %lldx%lldx%lld, %lld classes; target %s; %s.\n"
        " * Do not edit: regenerate with `modak compile`. */\n",
        g->name, MODAK_VERSION, (long long)g->batch, (long long)in->ne[1], (long long)in->ne[2],
        (long long)in->ne[3], (long long)g->logits->ne[1], o->target ? o->target : "host",
        o->generic ? "generic build (no fusion, no memory plan)" : "fused, memory planned");
    out(&c,
        "#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n\n#include \"kern.h\"\n\n");
    out(&c, "#define A(off) ((float *)(arena + (off)))\n#define AI(off) ((int32_t *)(arena + "
            "(off)))\n\n");

    /* the parameter table: every parameter and state the inference order reaches */
    graph_seq fwd = graph_infer_order(g);
    out(&c, "static const kern_param params[] = {\n");
    for (int i = 0; i < g->n_nodes; i++) {
        graph_node *p = g->nodes[i];
        if ((p->op != GRAPH_OP_PARAM && p->op != GRAPH_OP_STATE) ||
            infer.loc[p->id] == GRAPH_LOC_NONE)
            continue;
        c.param_ix[p->id] = res->nparams++;
        out(&c, "    {");
        put_cstr(&b, p->name);
        out(&c, ", %lld, %s, %d, %d, %d},\n", (long long)graph_nelem(p),
            kern_init_names[p->op_params[GRAPH_P_INIT]], p->op_params[GRAPH_P_FAN_IN],
            p->op_params[GRAPH_P_FAN_OUT], p->op == GRAPH_OP_PARAM);
    }
    out(&c, "};\n\n");
    (void)fwd;

    /* one descriptor per convolution and pooling layer, initialised in main() */
    mk_buf conv, pool;
    mk_buf_init(&conv);
    mk_buf_init(&pool);
    for (int i = 0; i < train.order.n; i++) {
        const graph_node *n = train.order.v[i];
        const int32_t *P = n->op_params;
        if (n->op == GRAPH_OP_CONV2D) {
            const graph_node *x = n->src[0], *w = n->src[1];
            c.conv_ix[n->id] = c.nconv++;
            mk_buf_printf(&conv,
                          "    {.n = %lld, .c = %lld, .h = %lld, .w = %lld, .k = %lld, .r = %lld, "
                          ".s = %lld, .stride_h = %d, .stride_w = %d, .pad_h = %d, .pad_w = %d, "
                          ".p = %lld, .q = %lld, .algo = %s, .algo_bwd_data = %s, "
                          ".algo_bwd_weights = %s}, /* %s */\n",
                          (long long)g->batch, (long long)x->ne[1], (long long)x->ne[2],
                          (long long)x->ne[3], (long long)n->ne[1], (long long)w->ne[2],
                          (long long)w->ne[3], P[GRAPH_P_STRIDE_H], P[GRAPH_P_STRIDE_W],
                          P[GRAPH_P_PAD_H], P[GRAPH_P_PAD_W], (long long)n->ne[2],
                          (long long)n->ne[3], algo_enum[P[GRAPH_P_ALGO]],
                          algo_enum[P[GRAPH_P_ALGO_BWD_DATA]],
                          algo_enum[P[GRAPH_P_ALGO_BWD_WEIGHTS]], n->name);
        } else if (n->op == GRAPH_OP_MAXPOOL || n->op == GRAPH_OP_AVGPOOL) {
            const graph_node *x = n->src[0];
            c.pool_ix[n->id] = c.npool++;
            mk_buf_printf(&pool,
                          "    {.n = %lld, .c = %lld, .h = %lld, .w = %lld, .r = %d, .s = %d, "
                          ".stride_h = %d, .stride_w = %d, .pad_h = %d, .pad_w = %d, .p = %lld, "
                          ".q = %lld}, /* %s */\n",
                          (long long)g->batch, (long long)x->ne[1], (long long)x->ne[2],
                          (long long)x->ne[3], P[GRAPH_P_KERNEL_H], P[GRAPH_P_KERNEL_W],
                          P[GRAPH_P_STRIDE_H], P[GRAPH_P_STRIDE_W], P[GRAPH_P_PAD_H],
                          P[GRAPH_P_PAD_W], (long long)n->ne[2], (long long)n->ne[3], n->name);
        }
    }
    out(&c, "static kern_conv CV[%d] = {\n%s};\n\n", c.nconv ? c.nconv : 1,
        c.nconv ? conv.s : "    {0},\n");
    out(&c, "static kern_pool PL[%d] = {\n%s};\n\n", c.npool ? c.npool : 1,
        c.npool ? pool.s : "    {0},\n");
    mk_buf_fini(&conv);
    mk_buf_fini(&pool);

    /* the step functions go to a second buffer: the pad helpers go before them if used */
    mk_buf steps;
    mk_buf_init(&steps);
    c.b = &steps;
    emit_step(&c, "forward_backward", &train, 1);
    emit_step(&c, "infer", &infer, 0);
    c.b = &b;
    if (c.uses_pad) mk_buf_puts(&b, pad_helpers);
    if (c.profile) {
        out(&c,
            "/* --profile: the time of every node of the training step, printed at exit. */\n"
            "#include <stdlib.h>\n#include <time.h>\n"
            "static const struct { const char *name, *op; double flops; } prof_node[] = {\n%s};\n"
            "static double prof_sum[%d];\nstatic long prof_steps;\n\n"
            "static double prof_now(void)\n{\n    struct timespec t;\n"
            "    clock_gettime(CLOCK_MONOTONIC, &t);\n    return (double)t.tv_sec + 1e-9 * "
            "(double)t.tv_nsec;\n}\n\n"
            "static double prof_tick(int k, double t0)\n{\n    double t = prof_now();\n"
            "    prof_sum[k] += t - t0;\n    return t;\n}\n\n"
            "static void prof_dump(void)\n{\n    double total = 0;\n"
            "    if (!prof_steps) return;\n"
            "    for (int k = 0; k < %d; k++) total += prof_sum[k];\n"
            "    fprintf(stderr, \"profile: %%ld training steps at batch %%d, %%.2f ms per "
            "step\\n\", prof_steps, %lld, 1e3 * total / (double)prof_steps);\n"
            "    fprintf(stderr, \"%%-36s %%-20s %%10s %%6s %%9s %%11s\\n\", \"node\", \"op\", "
            "\"ms/step\", \"%%\", \"GFLOP/s\", \"MFLOP/step\");\n"
            "    for (int k = 0; k < %d; k++) {\n"
            "        double t = prof_sum[k] / (double)prof_steps;\n"
            "        fprintf(stderr, \"%%-36.36s %%-20s %%10.3f %%6.1f %%9.1f %%11.1f\\n\", "
            "prof_node[k].name, prof_node[k].op, 1e3 * t, 100.0 * prof_sum[k] / total, t > 0 ? "
            "prof_node[k].flops / t / 1e9 : 0.0, prof_node[k].flops / 1e6);\n"
            "    }\n}\n\n",
            c.prof.s ? c.prof.s : "", c.nprof ? c.nprof : 1, c.nprof, (long long)g->batch, c.nprof);
    }
    mk_buf_put(&b, steps.s, steps.len);
    mk_buf_fini(&steps);

    res->summary = make_summary(g, rows, nrows);
    char build[2048];
    snprintf(build, sizeof build,
             "modak %s; target %s; %s; %s; arena %.2f MiB (train; without reuse %.2f MiB), "
             "infer %.2f MiB; %d nodes fused away; up to %d threads useful",
             MODAK_VERSION, o->target ? o->target : "host", o->build ? o->build : "",
             o->generic ? "generic (no fusion, no planning, im2col)" : "optimised",
             (double)res->arena_train / 1048576.0, (double)res->arena_unplanned / 1048576.0,
             (double)res->arena_infer / 1048576.0, res->folded, res->threads);
    out(&c, "static kern_net net = {\n    .abi_version = KERN_ABI_VERSION,\n    .name = ");
    put_cstr(&b, g->name);
    out(&c, ",\n    .summary = ");
    put_cstr(&b, res->summary);
    out(&c, ",\n    .build = ");
    put_cstr(&b, build);
    size_t arena = res->arena_train > res->arena_infer ? res->arena_train : res->arena_infer;
    /* the threading pass: when fewer threads than the target has are worth using, that count
     * becomes the binary's default (an explicit --threads still wins) */
    char threads_default[640] = "";
    if (o->threads > 0 && res->threads < o->threads)
        snprintf(threads_default, sizeof threads_default,
                 "    /* threading pass: %d of the target's %d cores are worth using */\n"
                 "    int has = 0;\n"
                 "    for (int i = 1; i < argc; i++)\n"
                 "        if (!strcmp(argv[i], \"--threads\") || !strncmp(argv[i], \"--threads=\", "
                 "10)) has = 1;\n"
                 "    if (!has && argc > 1 && (!strcmp(argv[1], \"train\") || !strcmp(argv[1], "
                 "\"eval\"))) {\n"
                 "        static char *args[256];\n"
                 "        if (argc < 250) {\n"
                 "            for (int i = 0; i < argc; i++) args[i] = argv[i];\n"
                 "            args[argc++] = \"--threads\";\n"
                 "            args[argc++] = \"%d\";\n"
                 "            args[argc] = NULL;\n"
                 "            argv = args;\n"
                 "        }\n"
                 "    }\n",
                 res->threads, o->threads, res->threads);
    out(&c,
        ",\n    .batch = %lld,\n    .in_c = %lld,\n    .in_h = %lld,\n    .in_w = %lld,\n"
        "    .classes = %lld,\n    .nparams = %d,\n    .params = params,\n"
        "    .arena_bytes = %zu,\n    .workspace_bytes = 0, /* set in main() */\n"
        "    .flops_fwd = %.17g,\n    .flops_train = %.17g,\n"
        "    .forward_backward = forward_backward,\n    .infer = infer,\n"
        "    .stock_blas = %d,\n};\n\n",
        (long long)g->batch, (long long)in->ne[1], (long long)in->ne[2], (long long)in->ne[3],
        (long long)g->logits->ne[1], res->nparams,
        arena < GRAPH_ALIGN ? (size_t)GRAPH_ALIGN : arena, res->flops_fwd, res->flops_train,
        o->generic);
    out(&c,
        "/* The network, its layer descriptors checked and the conv workspace sized (NULL and a\n"
        " * message in err when a descriptor is refused). Public for test harnesses, which build\n"
        " * this file with -Dmain=... and drive the step functions themselves. */\n"
        "const kern_net *modak_net(kern_err *err);\n"
        "const kern_net *modak_net(kern_err *err)\n{\n"
        "    size_t ws = 0;\n"
        "    for (int i = 0; i < %d; i++) {\n"
        "        if (kern_conv_init(&CV[i], err)) return NULL;\n"
        "        size_t w = kern_conv_workspace(&CV[i]);\n"
        "        if (w > ws) ws = w;\n"
        "    }\n"
        "    for (int i = 0; i < %d; i++)\n"
        "        if (kern_pool_init(&PL[i], err)) return NULL;\n"
        "    net.workspace_bytes = ws;\n"
        "%s"
        "    return &net;\n}\n\n"
        "int main(int argc, char **argv)\n{\n"
        "    kern_err err = {0};\n"
        "    const kern_net *nn = modak_net(&err);\n"
        "    if (!nn) {\n"
        "        fprintf(stderr, \"%%s: layer descriptor: %%s\\n\", argv[0], err.msg);\n"
        "        return 1;\n"
        "    }\n"
        "%s"
        "    return kern_main(argc, argv, nn);\n}\n",
        c.nconv, c.npool, c.profile ? "    atexit(prof_dump);\n" : "", threads_default);
    mk_buf_fini(&c.prof);
    if (err->code != MK_OK) {
        mk_buf_fini(&b);
        free(res->summary);
        res->summary = NULL;
        return -1;
    }
    res->c_source = mk_buf_detach(&b);
    return 0;
}

void graph_compiled_fini(graph_compiled *c)
{
    if (!c) return;
    free(c->c_source);
    free(c->summary);
    c->c_source = c->summary = NULL;
}
