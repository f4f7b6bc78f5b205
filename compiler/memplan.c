/* memplan — places every tensor of one step in one arena, reusing memory by liveness.
 *
 * A tensor lives from the step that writes it (a slot: its producer's step) to the last
 * step that reads it or a view of it. Walking the order, each step first places its outputs
 * (the node and its slots) and then releases the sources it read for the last time, so an
 * output never shares bytes with an input of its own step — except where the kernel allows
 * in-place work (graph_inplace_mask) and the source dies at that step: then the output takes
 * the source's block over. Blocks come from a best-fit free list that merges neighbours
 * (ggml-alloc's dynamic allocator, simplified); the arena's size is the highest end ever
 * used. Inputs, parameters and gradients live outside the arena (the driver owns them);
 * flatten and other views live inside their base. With reuse off (the generic build) every
 * tensor gets its own block. graph_plan_check verifies a plan independently. */
#include "passes.h"

#include <stdlib.h>

#include "mk_buf.h"
#include <string.h>

unsigned graph_inplace_mask(const graph_node *n, graph_plan_mode mode)
{
    switch (n->op) {
    case GRAPH_OP_RELU:
    case GRAPH_OP_BIAS_ADD:
    case GRAPH_OP_SOFTMAX_XENT_BWD:
        return 1u << 0;
    case GRAPH_OP_ADD:
        return 1u << 0 | 1u << 1;
    case GRAPH_OP_RELU_BWD:
    case GRAPH_OP_BATCHNORM_BWD:
        return 1u << 1;
    case GRAPH_OP_BATCHNORM: /* training keeps x for the backward */
        return mode == GRAPH_PLAN_INFER ? 1u << 0 : 0;
    default:
        return 0;
    }
}

static size_t align_up(size_t n)
{
    return (n + GRAPH_ALIGN - 1) / GRAPH_ALIGN * GRAPH_ALIGN;
}

/* ---- free list ---- */

typedef struct block {
    size_t off, size;
} block;

typedef struct freelist {
    block *v;
    int n, cap;
    size_t top; /* end of the highest block ever handed out */
} freelist;

static size_t fl_alloc(freelist *f, size_t size)
{
    int best = -1;
    for (int i = 0; i < f->n; i++)
        if (f->v[i].size >= size && (best < 0 || f->v[i].size < f->v[best].size)) best = i;
    if (best < 0 && f->n && f->v[f->n - 1].off + f->v[f->n - 1].size == f->top) {
        /* grow the free block at the end rather than leave it stranded */
        block *last = &f->v[f->n - 1];
        f->top = last->off + size;
        size_t off = last->off;
        f->n--;
        return off;
    }
    if (best < 0) {
        size_t off = f->top;
        f->top += size;
        return off;
    }
    size_t off = f->v[best].off;
    f->v[best].off += size;
    f->v[best].size -= size;
    if (!f->v[best].size) {
        memmove(&f->v[best], &f->v[best + 1], (size_t)(f->n - best - 1) * sizeof *f->v);
        f->n--;
    }
    return off;
}

static void fl_free(freelist *f, size_t off, size_t size)
{
    int i = 0;
    while (i < f->n && f->v[i].off < off)
        i++;
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 32;
        f->v = mk_xrealloc(f->v, (size_t)f->cap * sizeof *f->v);
    }
    memmove(&f->v[i + 1], &f->v[i], (size_t)(f->n - i) * sizeof *f->v);
    f->v[i] = (block){off, size};
    f->n++;
    if (i + 1 < f->n && f->v[i].off + f->v[i].size == f->v[i + 1].off) { /* merge right */
        f->v[i].size += f->v[i + 1].size;
        memmove(&f->v[i + 1], &f->v[i + 2], (size_t)(f->n - i - 2) * sizeof *f->v);
        f->n--;
    }
    if (i > 0 && f->v[i - 1].off + f->v[i - 1].size == f->v[i].off) { /* merge left */
        f->v[i - 1].size += f->v[i].size;
        memmove(&f->v[i], &f->v[i + 1], (size_t)(f->n - i - 1) * sizeof *f->v);
        f->n--;
    }
}

/* ---- planning ---- */

static graph_loc loc_of(const graph_node *n, graph_plan_mode mode)
{
    if (n->op == GRAPH_OP_INPUT) return GRAPH_LOC_INPUT;
    if (n->op == GRAPH_OP_PARAM || n->op == GRAPH_OP_STATE) return GRAPH_LOC_PARAM;
    if (n->flags & GRAPH_F_GRAD) return GRAPH_LOC_GRAD;
    if (n->view_src) return GRAPH_LOC_VIEW;
    if (mode == GRAPH_PLAN_INFER && n->op == GRAPH_OP_DROPOUT) return GRAPH_LOC_VIEW;
    return GRAPH_LOC_ARENA;
}

/* The node whose storage n's data is in (follows views). */
static int storage_id(const graph_plan *p, const graph_node *n, graph *g)
{
    int id = n->id;
    while (p->loc[id] == GRAPH_LOC_VIEW)
        id = p->alias[id];
    (void)g;
    return id;
}

int graph_plan_memory(graph *g, graph_seq order, graph_plan_mode mode, int reuse, graph_plan *p,
                      mk_err *err)
{
    const int nn = g->n_nodes;
    memset(p, 0, sizeof *p);
    p->order = order;
    p->mode = mode;
    p->reuse = reuse;
    p->loc = mk_arena_alloc(&g->arena, (size_t)nn);
    p->offset = mk_arena_alloc(&g->arena, (size_t)nn * sizeof *p->offset);
    p->inplace = mk_arena_alloc(&g->arena, (size_t)nn * sizeof *p->inplace);
    p->alias = mk_arena_alloc(&g->arena, (size_t)nn * sizeof *p->alias);
    p->alias_offs = mk_arena_alloc(&g->arena, (size_t)nn * sizeof *p->alias_offs);
    p->first = mk_arena_alloc(&g->arena, (size_t)nn * sizeof *p->first);
    p->last = mk_arena_alloc(&g->arena, (size_t)nn * sizeof *p->last);
    for (int i = 0; i < nn; i++) {
        p->offset[i] = -1;
        p->inplace[i] = p->alias[i] = p->first[i] = p->last[i] = -1;
    }
    /* where each node lives, and when it is written */
    for (int i = 0; i < order.n; i++) {
        graph_node *n = order.v[i];
        p->loc[n->id] = (unsigned char)loc_of(n, mode);
        if (p->loc[n->id] == GRAPH_LOC_VIEW) {
            p->alias[n->id] = n->view_src ? n->view_src->id : n->src[0]->id;
            p->alias_offs[n->id] = n->view_src ? n->view_offs : 0;
        }
        p->first[n->id] = n->op == GRAPH_OP_SLOT ? p->first[n->src[0]->id] : i;
        if (p->first[n->id] < 0)
            return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0,
                              "memplan: slot '%s' before its producer", n->name);
    }
    /* when each storage is read for the last time */
    for (int i = 0; i < order.n; i++) {
        graph_node *n = order.v[i];
        int st = storage_id(p, n, g);
        if (p->last[st] < p->first[n->id]) p->last[st] = p->first[n->id];
        if (n->op == GRAPH_OP_SLOT) continue;          /* a slot does not read its producer */
        if (p->loc[n->id] == GRAPH_LOC_VIEW) continue; /* a view reads nothing by itself */
        for (int s = 0; s < GRAPH_MAX_SRC && n->src[s]; s++) {
            if (p->loc[n->src[s]->id] == GRAPH_LOC_NONE)
                return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0,
                                  "memplan: '%s' reads '%s', which is not in the order", n->name,
                                  n->src[s]->name);
            int ss = storage_id(p, n->src[s], g);
            if (p->last[ss] < i) p->last[ss] = i;
        }
    }
    freelist fl = {0};
    unsigned char *released = mk_xcalloc((size_t)nn, 1);
    for (int i = 0; i < order.n; i++) {
        graph_node *n = order.v[i];
        if (n->op == GRAPH_OP_SLOT) continue; /* placed with its producer */
        graph_node *outs[GRAPH_MAX_SLOTS] = {n};
        int nouts = 1;
        for (int k = 1; k < GRAPH_MAX_SLOTS; k++)
            if (n->slots[k] && p->loc[n->slots[k]->id] != GRAPH_LOC_NONE)
                outs[nouts++] = n->slots[k];
        for (int o = 0; o < nouts; o++) {
            graph_node *t = outs[o];
            if (p->loc[t->id] != GRAPH_LOC_ARENA) continue;
            size_t size = align_up(graph_nbytes(t));
            p->ntensors++;
            p->unplanned_bytes += size;
            if (!reuse) {
                p->offset[t->id] = (int64_t)fl.top;
                fl.top += size;
                continue;
            }
            unsigned mask = o == 0 ? graph_inplace_mask(t, mode) : 0;
            for (int s = 0; mask && s < GRAPH_MAX_SRC && t->src[s]; s++) {
                if (!(mask & 1u << s)) continue;
                graph_node *src = t->src[s];
                int st = storage_id(p, src, g);
                if (p->loc[st] != GRAPH_LOC_ARENA || p->last[st] != i || released[st]) continue;
                if (p->loc[src->id] == GRAPH_LOC_VIEW && p->alias_offs[src->id] != 0) continue;
                if (align_up(graph_nbytes(g->nodes[st])) != size) continue;
                p->offset[t->id] = p->offset[st];
                p->inplace[t->id] = src->id;
                released[st] = 1; /* the block now belongs to t */
                break;
            }
            if (p->offset[t->id] < 0) p->offset[t->id] = (int64_t)fl_alloc(&fl, size);
        }
        /* release what this step read for the last time, and outputs nobody reads */
        for (int s = 0; s < GRAPH_MAX_SRC && n->src[s]; s++) {
            if (p->loc[n->id] == GRAPH_LOC_VIEW) break;
            int st = storage_id(p, n->src[s], g);
            if (reuse && p->loc[st] == GRAPH_LOC_ARENA && p->last[st] == i && !released[st]) {
                fl_free(&fl, (size_t)p->offset[st], align_up(graph_nbytes(g->nodes[st])));
                released[st] = 1;
            }
        }
        for (int o = 0; o < nouts; o++) {
            int id = outs[o]->id;
            if (reuse && p->loc[id] == GRAPH_LOC_ARENA && p->last[id] <= i && !released[id]) {
                fl_free(&fl, (size_t)p->offset[id], align_up(graph_nbytes(outs[o])));
                released[id] = 1;
            }
        }
    }
    p->arena_bytes = fl.top;
    free(fl.v);
    free(released);
    return 0;
}

int graph_plan_check(const graph *g, const graph_plan *p, mk_err *err)
{
    const graph_seq o = p->order;
    /* a node that overwrites a source (conv2d_bwd masking dy) must be its last reader */
    for (int i = 0; i < o.n; i++) {
        const graph_node *n = o.v[i];
        if (n->op != GRAPH_OP_CONV2D_BWD || !n->src[3]) continue;
        int st = storage_id(p, n->src[1], (graph *)g);
        if (p->loc[st] != GRAPH_LOC_ARENA || p->last[st] != i)
            return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0,
                              "plan: '%s' masks '%s' in place, which is read later", n->name,
                              n->src[1]->name);
    }
    for (int i = 0; i < o.n; i++) {
        const graph_node *a = o.v[i];
        if (p->loc[a->id] != GRAPH_LOC_ARENA) continue;
        if (p->offset[a->id] < 0 || p->offset[a->id] % GRAPH_ALIGN)
            return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "plan: '%s' has offset %lld", a->name,
                              (long long)p->offset[a->id]);
        if ((size_t)p->offset[a->id] + graph_nbytes(a) > p->arena_bytes)
            return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "plan: '%s' runs past the arena",
                              a->name);
        for (int j = i + 1; j < o.n; j++) {
            const graph_node *b = o.v[j];
            if (p->loc[b->id] != GRAPH_LOC_ARENA) continue;
            int fa = p->first[a->id], la = p->last[a->id], fb = p->first[b->id],
                lb = p->last[b->id];
            if (la < fb || lb < fa) continue; /* never alive together */
            int64_t oa = p->offset[a->id], ob = p->offset[b->id];
            int64_t ea = oa + (int64_t)graph_nbytes(a), eb = ob + (int64_t)graph_nbytes(b);
            if (ea <= ob || eb <= oa) continue; /* disjoint bytes */
            /* b works in place on a (or a on b): they meet only at the hand-over step */
            int handover =
                (p->inplace[b->id] >= 0 &&
                 (p->inplace[b->id] == a->id || (p->loc[p->inplace[b->id]] == GRAPH_LOC_VIEW &&
                                                 p->alias[p->inplace[b->id]] == a->id)) &&
                 la == fb) ||
                (p->inplace[a->id] >= 0 &&
                 (p->inplace[a->id] == b->id || (p->loc[p->inplace[a->id]] == GRAPH_LOC_VIEW &&
                                                 p->alias[p->inplace[a->id]] == b->id)) &&
                 lb == fa);
            if (handover && (graph_inplace_mask(la == fb ? b : a, p->mode))) continue;
            return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0,
                              "plan: '%s' [%lld, %lld) live in steps %d..%d overlaps '%s' "
                              "[%lld, %lld) live in steps %d..%d",
                              a->name, (long long)oa, (long long)ea, fa, la, b->name, (long long)ob,
                              (long long)eb, fb, lb);
        }
    }
    (void)g;
    return 0;
}
