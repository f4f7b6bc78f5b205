/* predict — the per-layer roofline with calibrated efficiencies (see predict.h). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "passes.h"
#include "predict.h"
#include "zoo.h"

#define UNCALIBRATED_EFFICIENCY 0.5
#define ELEMENTWISE_FLOP_SHARE  0.25 /* non-GEMM arithmetic runs at this share of GEMM's rate */

/* How the training binary runs a convolution: the compiler's algo pass (compiler/algo.c)
 * chooses per pass, for the target's vector width, and the model runs the same pass on its
 * graph. Without a measurement of the layer's shape and algorithms in the profile, the
 * forward algorithm decides the roofline's GEMM shape: a 1x1 convolution needs no
 * unfolding, the batched im2col unfolds several images side by side into one GEMM about 256
 * columns wide and scatters the result back, im2col unfolds one image at a time, and DIRECT
 * unfolds nothing. WINOGRAD (forward or backward-data) multiplies 2.25x less and moves its
 * transformed input and output (4x the tensors) through memory. The context's threads take
 * whole images (or groups of them). */
typedef enum conv_algo { CONV_IM2COL, CONV_BATCHED, CONV_1X1, CONV_DIRECT, CONV_WINOGRAD } conv_algo;
enum { BATCH_COLS = 256 };

typedef struct conv_plan {
    conv_algo algo;
    int64_t per_call;              /* images per GEMM */
    double calls;                  /* GEMMs per pass over the batch */
    double unfold_fwd, unfold_bwd; /* extra bytes moved by unfolding and scattering */
    double imbalance; /* >= 1: the busiest thread's share of the images over the mean */
    double fwd_scale, bwd_scale; /* products computed over the definition's (WINOGRAD < 1) */
} conv_plan;

static conv_plan plan_conv(const graph_node *n, int64_t batch, int threads)
{
    const graph_node *w = n->src[1];
    int64_t pq = n->ne[2] * n->ne[3], crs = w->ne[1] * w->ne[2] * w->ne[3], k = w->ne[0];
    int32_t a = n->op_params[GRAPH_P_ALGO];
    conv_plan p = {.algo = a == KERN_CONV_1X1              ? CONV_1X1
                           : a == KERN_CONV_IM2COL_BATCHED ? CONV_BATCHED
                           : a == KERN_CONV_DIRECT         ? CONV_DIRECT
                           : a == KERN_CONV_WINOGRAD       ? CONV_WINOGRAD
                                                           : CONV_IM2COL,
                   .per_call = 1,
                   .fwd_scale = 1,
                   .bwd_scale = 1};
    if (p.algo == CONV_BATCHED) {
        p.per_call = (BATCH_COLS + pq - 1) / pq;
        if (p.per_call > batch) p.per_call = batch;
        if (p.per_call < 1) p.per_call = 1;
    }
    double units = ceil((double)batch / (double)p.per_call);
    p.calls = units;
    double cols = 4.0 * (double)crs * (double)pq * (double)batch; /* the unfolded input */
    double outs = 4.0 * (double)k * (double)pq * (double)batch;
    if (p.algo == CONV_IM2COL || p.algo == CONV_BATCHED) {
        /* forward: write and read the columns; backward: the column gradient is written,
         * read back and folded into dx, and the weights' gradient unfolds again */
        p.unfold_fwd = 2 * cols;
        p.unfold_bwd = 5 * cols;
    }
    if (p.algo == CONV_BATCHED) { /* the GEMM's output scattered back to NCHW, and dy gathered */
        p.unfold_fwd += 2 * outs;
        p.unfold_bwd += 2 * outs;
    }
    /* F(2x2, 3x3): 16 products per 2x2 outputs instead of 36; V and M, written and read */
    double ins = 4.0 * (double)w->ne[1] * (double)pq * (double)batch;
    if (p.algo == CONV_WINOGRAD) {
        p.fwd_scale = 16.0 / 36.0;
        p.unfold_fwd = 2 * 4 * (ins + outs);
    }
    /* the backward's two passes, half the products each */
    for (int b = GRAPH_P_ALGO_BWD_DATA; b <= GRAPH_P_ALGO_BWD_WEIGHTS; b++)
        if (n->op_params[b] == KERN_CONV_WINOGRAD) {
            p.bwd_scale -= 0.5 * (1 - 16.0 / 36.0);
            p.unfold_bwd += 2 * 4 * (ins + outs);
        }
    int t = threads > 0 ? threads : 1;
    p.imbalance = units >= t ? ceil(units / t) * t / units : t / units;
    return p;
}

/* The measured forward and backward seconds of a convolution layer over `batch` images on
 * `threads` threads, from the profile's point of the same shape and algorithms (the nearest
 * thread count); 0 when the profile has none. Images are split among threads, so time goes
 * with the images of the busiest thread. */
static int conv_measured(const calib_profile *prof, const graph *g, const graph_node *n,
                         int threads, int generic, double *fwd_s, double *bwd_s)
{
    if (!prof || !prof->nconv) return 0;
    const graph_node *x = n->src[0], *w = n->src[1];
    const int32_t *P = n->op_params;
    calib_conv_point key = {.c = (int)x->ne[1], .h = (int)x->ne[2], .w = (int)x->ne[3],
                            .k = (int)n->ne[1], .r = (int)w->ne[2], .s = (int)w->ne[3],
                            .stride = P[GRAPH_P_STRIDE_H], .pad = P[GRAPH_P_PAD_H],
                            .bias = n->src[2] != NULL, .relu = P[GRAPH_P_ACT] != 0,
                            .generic = generic,
                            .algo = {P[GRAPH_P_ALGO], P[GRAPH_P_ALGO_BWD_DATA],
                                     P[GRAPH_P_ALGO_BWD_WEIGHTS]}};
    const calib_conv_point *pt = calib_conv_find(prof, &key, threads);
    if (!pt) return 0;
    double per_thread_images = ceil((double)pt->images / pt->threads);
    double scale = ceil((double)g->batch / threads) / per_thread_images;
    if (pt->threads != threads) scale *= (double)pt->threads / threads; /* not measured: ideal */
    /* the first layer computes no dx: its input is the data */
    int needs_dx = x != g->input;
    *fwd_s = scale * pt->fwd_s;
    *bwd_s = scale * (needs_dx ? pt->bwd_s : pt->bwdw_s);
    return 1;
}

/* The same for batch normalisation, split over channels: time goes with the images. */
static int bn_measured(const calib_profile *prof, const graph *g, const graph_node *n,
                       int threads, int generic, double *fwd_s, double *bwd_s)
{
    if (!prof || !prof->nbn) return 0;
    calib_bn_point key = {.c = (int)n->ne[1],
                          .hw = (int)(n->ne[2] * n->ne[3]),
                          .relu = n->op_params[GRAPH_P_ACT] != 0,
                          .generic = generic};
    const calib_bn_point *pt = calib_bn_find(prof, &key, threads);
    if (!pt) return 0;
    double scale = (double)g->batch / pt->images;
    if (pt->threads != threads) scale *= (double)pt->threads / threads;
    *fwd_s = scale * pt->fwd_s;
    *bwd_s = scale * pt->bwd_s;
    return 1;
}

/* GEMM dimensions of one call of a layer's forward, for its shape class; 0 when not
 * GEMM-like. */
static int gemm_dims(const graph_node *n, const conv_plan *cp, int64_t *m, int64_t *nn, int64_t *k)
{
    if (n->op == GRAPH_OP_CONV2D && n->src[1]) {
        const graph_node *w = n->src[1];
        *m = w->ne[0];
        *nn = n->ne[2] * n->ne[3] * (cp ? cp->per_call : 1);
        *k = w->ne[1] * w->ne[2] * w->ne[3];
        return 1;
    }
    if (n->op == GRAPH_OP_DENSE && n->src[1]) {
        *m = n->ne[0];
        *nn = n->ne[1];
        *k = n->src[1]->ne[1];
        return 1;
    }
    return 0;
}

static double class_eff(const calib_fit *f, const char *cls)
{
    double e = !strcmp(cls, "small")    ? f->eff_small
               : !strcmp(cls, "medium") ? f->eff_medium
                                        : f->eff_large;
    if (e <= 0)
        e = f->eff_large > 0 ? f->eff_large : f->eff_medium > 0 ? f->eff_medium : f->eff_small;
    return e;
}

/* Bytes of the per-image im2col workspace of the largest convolution (K x Ho*Wo floats). */
static double conv_workspace(const graph *g)
{
    double ws = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const graph_node *n = g->nodes[i];
        if (n->op != GRAPH_OP_CONV2D || n->fused_into || !n->src[1] || n->fwd) continue;
        const graph_node *w = n->src[1];
        double b = 4.0 * (double)(w->ne[1] * w->ne[2] * w->ne[3]) * (double)(n->ne[2] * n->ne[3]);
        if (b > ws) ws = b;
    }
    return ws;
}

/* Memory of one rank (see predict_result). */
static int rank_memory(graph *g, int threads, int generic, predict_result *r, mk_err *err)
{
    graph_plan plan;
    if (graph_plan_memory(g, graph_train_order(g), GRAPH_PLAN_TRAIN, !generic, &plan, err) != 0)
        return -1;
    r->arena_bytes = (double)plan.arena_bytes;
    double state = 0;
    graph_seq st = graph_states(g);
    for (int i = 0; i < st.n; i++)
        state += 4.0 * (double)graph_nelem(st.v[i]);
    /* weights, gradients and Adam's two moments (the training binary's default optimiser) */
    r->param_bytes = 4 * 4.0 * r->params + state;
    r->workspace_bytes = conv_workspace(g) * threads;
    r->input_bytes = g->input
                         ? 4.0 * (double)g->batch *
                                   (double)(g->input->ne[1] * g->input->ne[2] * g->input->ne[3]) +
                               4.0 * (double)g->batch
                         : 0;
    r->memory_bytes = r->param_bytes + r->arena_bytes + r->workspace_bytes + r->input_bytes;
    return 0;
}

/* Adds a layer's times to the step and to its share (shape class ci, or -1: other). */
static void account(predict_result *r, const predict_layer *L, int ci)
{
    r->compute_s += L->fwd_s + L->bwd_s;
    if (ci >= 0)
        r->class_s[ci] += L->fwd_s + L->bwd_s;
    else
        r->other_s += L->fwd_s + L->bwd_s;
    r->flops_per_step += L->fwd_flops + L->bwd_flops;
}

int predict_graph(graph *g, const target *t, const calib_profile *prof, const predict_opts *o,
                  predict_result *r, mk_err *err)
{
    predict_opts def = {0};
    if (!o) o = &def;
    memset(r, 0, sizeof *r);
    graph_layer_cost *rows = NULL;
    int nrows = 0;
    /* the training binary's pipeline: fusion (bias and ReLU into their producer), then
     * autodiff; a graph that went through autodiff already is taken as it is. The generic
     * build does not fuse. */
    if (!g->n_forward && !o->generic && graph_fuse(g, err) < 0) return -1;
    if (graph_layer_costs(g, &rows, &nrows, err) != 0) return -1;
    /* the compiler's algorithm choice, for the target's vector registers */
    int vec = t->cpu.simd_bits >= 512 ? 16 : t->cpu.simd_bits >= 256 ? 8 : 4;
    if (graph_choose_algos(g, o->generic, vec, err) < 0) return -1;
    int threads = o->threads > 0 ? o->threads : t->cpu.cores;
    int ranks = o->ranks > 0 ? o->ranks : 1;
    int nodes = o->nodes > 0 ? o->nodes : ranks;
    if (nodes > ranks || ranks % nodes)
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "%d ranks cannot be spread evenly over %d nodes", ranks, nodes);
    double other_factor = o->other_factor > 0 ? o->other_factor : 1;
    snprintf(r->network, sizeof r->network, "%s", g->name ? g->name : "network");
    snprintf(r->target, sizeof r->target, "%s", t->name);
    r->batch = (int)g->batch;
    r->threads = threads;
    r->ranks = ranks;
    r->generic = o->generic;

    /* the machine's rates for this thread count */
    double share = (double)threads / (t->cpu.cores > 0 ? t->cpu.cores : 1);
    if (share > 1) share = 1; /* more threads than cores: hyper-threads add no FLOP/s */
    const calib_fit *fit = prof ? calib_fit_for(prof, threads) : NULL;
    double nominal =
        (prof && prof->peak_fp32_node > 0 ? prof->peak_fp32_node : t->cpu.peak[TARGET_FP32]) *
        share;
    double bw = prof ? calib_triad_for(prof, threads) : 0;
    if (bw <= 0)
        bw = t->memory_bandwidth > 0 ? t->memory_bandwidth * (share < 1 ? fmax(share, 0.25) : 1)
                                     : 10e9;
    if (fit)
        snprintf(r->basis, sizeof r->basis,
                 "profile of %s (OpenBLAS %s): sgemm fit at %d thread%s, triad %.1f GB/s%s",
                 prof->target, prof->openblas_core, fit->threads, fit->threads == 1 ? "" : "s",
                 bw / 1e9, other_factor != 1 ? ", refitted from measured runs" : "");
    else
        snprintf(r->basis, sizeof r->basis,
                 "uncalibrated: %.0f%% of the nominal %.1f GFLOP/s, %.1f GB/s (run `modak model "
                 "calibrate`)",
                 100 * UNCALIBRATED_EFFICIENCY, nominal / 1e9, bw / 1e9);
    double gemm_rate_default = fit ? fit->gflops * 1e9 : UNCALIBRATED_EFFICIENCY * nominal;
    double overhead = fit ? fit->overhead_us * 1e-6 : 0;
    /* the generic build's non-GEMM code: baseline x86-64 (SSE2) vectors */
    double simd = t->cpu.simd_bits > 128 ? t->cpu.simd_bits : 128;
    double elem_rate = ELEMENTWISE_FLOP_SHARE * gemm_rate_default * (o->generic ? 128 / simd : 1);

    r->layers = mk_xcalloc(nrows > 0 ? nrows : 1, sizeof *r->layers);
    int64_t params = 0;
    for (int i = 0; i < nrows; i++) {
        const graph_layer_cost *c = &rows[i];
        predict_layer *L = &r->layers[r->nlayers++];
        L->name = c->name;
        L->op = c->op;
        L->fwd_flops = c->fwd_flops;
        L->bwd_flops = c->bwd_flops;
        L->fwd_bytes = c->fwd_bytes;
        L->bwd_bytes = c->bwd_bytes;
        params += c->params;
        int64_t m, n, k;
        double rate, calls_f = 0, calls_b = 0, factor = 1, unfold_f = 0, unfold_b = 0;
        double imbalance = 1;
        int ci = -1;
        int is_conv = c->node->op == GRAPH_OP_CONV2D && c->node->src[1];
        conv_plan cp = {0};
        if (is_conv) cp = plan_conv(c->node, g->batch, threads);
        double mf, mb;
        if ((is_conv && conv_measured(prof, g, c->node, threads, o->generic, &mf, &mb)) ||
            (c->node->op == GRAPH_OP_BATCHNORM &&
             bn_measured(prof, g, c->node, threads, o->generic, &mf, &mb))) {
            if (is_conv) {
                gemm_dims(c->node, &cp, &m, &n, &k);
                L->cls = calib_shape_class((int)m, (int)n, (int)k);
                ci = !strcmp(L->cls, "small") ? 0 : !strcmp(L->cls, "medium") ? 1 : 2;
            }
            factor = ci >= 0 && o->class_factor[ci] > 0 ? o->class_factor[ci]
                     : ci < 0                           ? other_factor
                                                        : 1;
            L->fwd_s = factor * mf;
            L->bwd_s = factor * mb;
            L->bound = "measured";
            r->measured_layers++;
            account(r, L, ci);
            continue;
        }
        if (gemm_dims(c->node, is_conv ? &cp : NULL, &m, &n, &k)) {
            L->cls = calib_shape_class((int)m, (int)n, (int)k);
            ci = !strcmp(L->cls, "small") ? 0 : !strcmp(L->cls, "medium") ? 1 : 2;
            rate = fit ? class_eff(fit, L->cls) * nominal : gemm_rate_default;
            if (rate <= 0) rate = gemm_rate_default;
            /* a GEMM per image (or group of images) for convolutions, one for dense layers;
             * backward: two */
            calls_f = is_conv ? cp.calls : 1;
            calls_b = 2 * calls_f;
            if (is_conv) {
                unfold_f = cp.unfold_fwd / bw;
                unfold_b = cp.unfold_bwd / bw;
                imbalance = cp.imbalance;
            }
        } else {
            rate = elem_rate;
            factor = other_factor;
        }
        double fs = is_conv ? cp.fwd_scale : 1, bs = is_conv ? cp.bwd_scale : 1;
        double tf_c = imbalance * fs * c->fwd_flops / rate, tf_m = c->fwd_bytes / bw;
        double tb_c = imbalance * bs * c->bwd_flops / rate, tb_m = c->bwd_bytes / bw;
        if (ci >= 0 && o->class_factor[ci] > 0) factor = o->class_factor[ci];
        L->fwd_s = factor * (fmax(tf_c, tf_m) + unfold_f + calls_f * overhead);
        L->bwd_s = factor * (fmax(tb_c, tb_m) + unfold_b + calls_b * overhead);
        L->bound = tf_c + tb_c >= tf_m + tb_m ? "compute" : "memory";
        account(r, L, ci);
    }
    if (r->measured_layers) {
        size_t l = strlen(r->basis);
        snprintf(r->basis + l, sizeof r->basis - l, "; %d layers timed by the kernels' benchmarks",
                 r->measured_layers);
    }
    /* Adam (the training binary's default): read weight, gradient and both moments; write
     * the weight and the moments */
    r->update_s = other_factor * 7.0 * 4 * (double)params / bw;
    r->other_s += r->update_s;
    r->params = (double)params;
    if (rank_memory(g, threads, o->generic, r, err) != 0) {
        predict_result_fini(r);
        return -1;
    }
    /* data */
    double sb = o->sample_bytes;
    if (sb <= 0 && g->input) sb = (double)(g->input->ne[1] * g->input->ne[2] * g->input->ne[3]) + 1;
    const target_storage *st = NULL;
    for (size_t i = 0; i < t->nstorage; i++)
        if (!o->storage || !strcmp(t->storage[i].name, o->storage)) {
            st = &t->storage[i];
            break;
        }
    if (o->storage && !st) {
        predict_result_fini(r);
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "target %s has no storage class '%s'",
                          t->name, o->storage);
    }
    /* the ranks of a node share its read bandwidth */
    if (st && st->read_bandwidth > 0)
        r->data_s = sb * g->batch * (ranks / nodes) / st->read_bandwidth;
    /* data-parallel: fp32 gradients reduced through memory among the ranks of a node, then
     * a ring all-reduce among the nodes over the interconnect */
    int per_node = ranks / nodes;
    double grad_bytes = 4 * (double)params;
    if (per_node > 1) r->allreduce_s += 2.0 * (per_node - 1) / per_node * grad_bytes * 2 / bw;
    if (nodes > 1) {
        if (t->net_bandwidth <= 0) {
            predict_result_fini(r);
            return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                              "target %s has no interconnect: cannot predict %d nodes", t->name,
                              nodes);
        }
        r->allreduce_s += 2.0 * (nodes - 1) / nodes * grad_bytes / t->net_bandwidth +
                          2.0 * (nodes - 1) * t->net_latency;
    }
    double busy = r->compute_s + r->update_s;
    r->data_visible_s = o->no_prefetch ? r->data_s : fmax(0, r->data_s - busy);
    r->step_s = busy + r->data_visible_s + r->allreduce_s;
    if (o->samples > 0) {
        r->steps_per_epoch = ceil(o->samples / ((double)g->batch * ranks));
        r->epoch_s = r->steps_per_epoch * r->step_s;
        r->train_s = r->epoch_s * (o->epochs > 0 ? o->epochs : 1);
    }
    return 0;
}

void predict_result_fini(predict_result *r)
{
    free(r->layers);
    r->layers = NULL;
    r->nlayers = 0;
}

void predict_result_to_json(const predict_result *r, mk_buf *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "network", json_string(r->network));
    json_object_set_new(root, "target", json_string(r->target));
    json_object_set_new(root, "batch", json_integer(r->batch));
    json_object_set_new(root, "threads", json_integer(r->threads));
    json_object_set_new(root, "ranks", json_integer(r->ranks));
    json_object_set_new(root, "basis", json_string(r->basis));
    json_object_set_new(root, "step_seconds", json_real(r->step_s));
    json_object_set_new(root, "compute_seconds", json_real(r->compute_s));
    json_object_set_new(root, "update_seconds", json_real(r->update_s));
    json_object_set_new(root, "data_seconds", json_real(r->data_s));
    json_object_set_new(root, "data_visible_seconds", json_real(r->data_visible_s));
    json_object_set_new(root, "allreduce_seconds", json_real(r->allreduce_s));
    json_object_set_new(root, "gflop_per_step", json_real(r->flops_per_step / 1e9));
    json_object_set_new(root, "build", json_string(r->generic ? "generic" : "optimised"));
    json_t *mem = json_object();
    json_object_set_new(mem, "parameters", json_real(r->params));
    json_object_set_new(mem, "parameter_bytes", json_real(r->param_bytes));
    json_object_set_new(mem, "arena_bytes", json_real(r->arena_bytes));
    json_object_set_new(mem, "workspace_bytes", json_real(r->workspace_bytes));
    json_object_set_new(mem, "input_bytes", json_real(r->input_bytes));
    json_object_set_new(mem, "total_bytes", json_real(r->memory_bytes));
    json_object_set_new(root, "memory", mem);
    if (r->steps_per_epoch > 0) {
        json_object_set_new(root, "steps_per_epoch", json_real(r->steps_per_epoch));
        json_object_set_new(root, "epoch_seconds", json_real(r->epoch_s));
        json_object_set_new(root, "train_seconds", json_real(r->train_s));
    }
    json_t *layers = json_array();
    for (int i = 0; i < r->nlayers; i++) {
        const predict_layer *L = &r->layers[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(L->name));
        json_object_set_new(o, "op", json_string(L->op));
        if (L->cls) json_object_set_new(o, "class", json_string(L->cls));
        json_object_set_new(o, "bound", json_string(L->bound));
        json_object_set_new(o, "fwd_gflop", json_real(L->fwd_flops / 1e9));
        json_object_set_new(o, "bwd_gflop", json_real(L->bwd_flops / 1e9));
        json_object_set_new(o, "fwd_seconds", json_real(L->fwd_s));
        json_object_set_new(o, "bwd_seconds", json_real(L->bwd_s));
        json_array_append_new(layers, o);
    }
    json_object_set_new(root, "layers", layers);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    mk_buf_puts(out, s);
    mk_buf_putc(out, '\n');
    free(s);
    json_decref(root);
}

void predict_result_to_text(const predict_result *r, mk_buf *out)
{
    mk_buf_printf(out, "%s on %s, batch %d, %d thread%s%s%s\n  basis: %s\n", r->network, r->target,
                  r->batch, r->threads, r->threads == 1 ? "" : "s",
                  r->ranks > 1 ? ", data-parallel" : "", r->generic ? ", generic build" : "",
                  r->basis);
    mk_buf_printf(out, "  %-28s %-16s %-7s %-8s %10s %10s\n", "layer", "op", "class", "bound",
                  "fwd ms", "bwd ms");
    for (int i = 0; i < r->nlayers; i++) {
        const predict_layer *L = &r->layers[i];
        mk_buf_printf(out, "  %-28.28s %-16.16s %-7s %-8s %10.3f %10.3f\n", L->name, L->op,
                      L->cls ? L->cls : "-", L->bound, 1e3 * L->fwd_s, 1e3 * L->bwd_s);
    }
    mk_buf_printf(out,
                  "  step %.2f ms = compute %.2f + update %.2f + data %.2f (%.2f before overlap) + "
                  "all-reduce %.2f; %.3f GFLOP per step\n",
                  1e3 * r->step_s, 1e3 * r->compute_s, 1e3 * r->update_s, 1e3 * r->data_visible_s,
                  1e3 * r->data_s, 1e3 * r->allreduce_s, r->flops_per_step / 1e9);
    mk_buf_printf(out,
                  "  memory per rank %.1f MiB = parameters, gradients and Adam state %.1f + arena "
                  "%.1f + workspace %.1f + input %.1f\n",
                  r->memory_bytes / 1048576, r->param_bytes / 1048576, r->arena_bytes / 1048576,
                  r->workspace_bytes / 1048576, r->input_bytes / 1048576);
    if (r->steps_per_epoch > 0)
        mk_buf_printf(out, "  epoch %.0f steps, %.1f s; to train %.1f s\n", r->steps_per_epoch,
                      r->epoch_s, r->train_s);
}
