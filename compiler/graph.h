/* graph — modak's network IR, in the ggml manner: the tensor is the node.
 *
 * A node has an op, up to GRAPH_MAX_SRC sources, a static NCHW shape, a few integer/float
 * op parameters, a name and flags (trainable parameter, persistent state, input). Op
 * constructors only infer and check shapes (bad shapes fill the graph's mk_err and return
 * NULL; a NULL source propagates NULL, so a chain of constructors needs one check at the
 * end). Nothing is computed here: the passes (autodiff, fusion, memory planning, algorithm
 * choice) annotate nodes, and codegen turns an ordered node list into C. All nodes, names
 * and orders live in the graph's one arena, freed by graph_free().
 *
 * Shapes: activations are (N, C, H, W); a dense layer's output is (N, C, 1, 1); a conv
 * weight is (O, I, KH, KW), a dense weight (O, I, 1, 1), a bias or BN vector (C, 1, 1, 1). */
#ifndef MODAK_GRAPH_H
#define MODAK_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "mk_arena.h"
#include "mk_err.h"

#define GRAPH_MAX_SRC    5
#define GRAPH_MAX_PARAMS 10

/* The ops. Forward ops first, then those autodiff creates, then views and slots. Keep
 * op_names (graph.c) in step: a _Static_assert checks the count. Fusion folds bias_add and
 * relu into the op before them (src[2] = bias, op_params[GRAPH_P_ACT] = relu), and autodiff
 * then differentiates the fused op; the backward ops mirror the kernels' calls, so an op may
 * write secondary outputs ("slots": SLOT nodes whose src[0] is the producer). */
typedef enum graph_op {
    GRAPH_OP_INPUT,          /* data fed by the driver: images (F32) or labels (I32) */
    GRAPH_OP_PARAM,          /* a trainable weight (flags GRAPH_F_PARAM) */
    GRAPH_OP_STATE,          /* persistent, not trained: BN running mean/var */
    GRAPH_OP_CONV2D,         /* src: x, w [, bias]; stride, padding; act */
    GRAPH_OP_DENSE,          /* src: x, w [, bias]; act */
    GRAPH_OP_BIAS_ADD,       /* src: x, b (per channel) */
    GRAPH_OP_RELU,           /* src: x */
    GRAPH_OP_MAXPOOL,        /* src: x; kernel, stride, padding. slot 1: argmax (I32) */
    GRAPH_OP_AVGPOOL,        /* src: x; kernel, stride, padding (pads not counted) */
    GRAPH_OP_GLOBAL_AVGPOOL, /* src: x -> (N, C, 1, 1) */
    GRAPH_OP_BATCHNORM,      /* src: x, gamma, beta, running mean, running var; eps, momentum;
                                act. slot 1: saved (mean, 1/std), (2, C) */
    GRAPH_OP_ADD,            /* src: a, b of one shape; act (residual add, gradient sums) */
    GRAPH_OP_PAD,            /* src: x; zero padding of channels and borders */
    GRAPH_OP_FLATTEN,        /* src: x -> (N, C*H*W, 1, 1); a view */
    GRAPH_OP_DROPOUT,        /* src: x; rate, stream (the mask is regenerated, never stored) */
    GRAPH_OP_SOFTMAX_XENT,   /* src: logits (N, K), labels (N) -> mean loss (1). slot 1: probs */
    /* backward ops (flags GRAPH_F_BACKWARD, fwd = the forward node) */
    GRAPH_OP_CONV2D_BWD_DATA,    /* src: dy, w -> dx */
    GRAPH_OP_CONV2D_BWD_WEIGHTS, /* src: x, dy -> dw. slot 1: db when the conv has a bias */
    GRAPH_OP_CONV2D_BWD,         /* fused, one pass over the images: src: x, dy, w [, y]
                                    -> dw; slot 1: db (bias), slot 2: dx (when x needs it).
                                    With y (the forward's relu output) dy is masked in place:
                                    autodiff gives it only a dy nothing else reads */
    GRAPH_OP_DENSE_BWD,          /* src: x, w, dy -> dw. slot 1: db (bias), slot 2: dx */
    GRAPH_OP_BIAS_BWD,           /* src: dy -> db (sum over N, H, W) */
    GRAPH_OP_RELU_BWD,           /* src: y, dy -> dy * (y > 0) */
    GRAPH_OP_MAXPOOL_BWD,        /* src: dy, argmax -> dx */
    GRAPH_OP_AVGPOOL_BWD,        /* src: dy -> dx */
    GRAPH_OP_GLOBAL_AVGPOOL_BWD, /* src: dy -> dx */
    GRAPH_OP_BATCHNORM_BWD,      /* src: x, dy, gamma, stats [, y when relu was fused] -> dx.
                                    slot 1: dgamma, slot 2: dbeta */
    GRAPH_OP_PAD_BWD,            /* src: dy -> dx (the crop) */
    GRAPH_OP_DROPOUT_BWD,        /* src: dy -> dx (same mask as the forward) */
    GRAPH_OP_SOFTMAX_XENT_BWD,   /* src: probs, labels -> dlogits */
    /* structure */
    GRAPH_OP_VIEW, /* src: base; a window of base's data at view_offs (a reshape) */
    GRAPH_OP_SLOT, /* src: producer; its secondary output number op_params[0] */
    GRAPH_OP_COUNT
} graph_op;

#define GRAPH_MAX_SLOTS 3 /* slot numbers 1..2 (0 is the node itself) */
enum {
    GRAPH_SLOT_AUX = 1,    /* maxpool argmax, batchnorm stats, softmax_xent probs */
    GRAPH_SLOT_DB = 1,     /* conv2d_bwd_weights, conv2d_bwd, dense_bwd */
    GRAPH_SLOT_DX = 2,     /* conv2d_bwd, dense_bwd */
    GRAPH_SLOT_DGAMMA = 1, /* batchnorm_bwd */
    GRAPH_SLOT_DBETA = 2,  /* batchnorm_bwd */
};

typedef enum graph_dtype { GRAPH_F32, GRAPH_I32 } graph_dtype;

enum graph_flags {
    GRAPH_F_PARAM = 1 << 0,    /* trainable: the optimiser updates it */
    GRAPH_F_STATE = 1 << 1,    /* persistent, saved in checkpoints, not trained */
    GRAPH_F_INPUT = 1 << 2,    /* filled by the driver each step */
    GRAPH_F_LOSS = 1 << 3,     /* the scalar loss */
    GRAPH_F_LOGITS = 1 << 4,   /* the network's output (for accuracy) */
    GRAPH_F_GRAD = 1 << 5,     /* the gradient of a parameter */
    GRAPH_F_BACKWARD = 1 << 6, /* created by autodiff */
};

/* Fused activations (op_params[GRAPH_P_ACT]). */
enum graph_act { GRAPH_ACT_NONE = 0, GRAPH_ACT_RELU = 1 };

/* Initialisers of parameters and state (op_params[GRAPH_P_INIT]). */
typedef enum graph_init {
    GRAPH_INIT_ZEROS,
    GRAPH_INIT_ONES,
    GRAPH_INIT_HE_NORMAL, /* ResNets */
    GRAPH_INIT_HE_UNIFORM,
    GRAPH_INIT_GLOROT_UNIFORM, /* Keras's default for kernels */
    GRAPH_INIT_GLOROT_NORMAL,
    GRAPH_INIT_LECUN_UNIFORM, /* PyTorch's default for weights */
    GRAPH_INIT_COUNT
} graph_init;

/* Which slot of op_params holds what. Slots not named for an op are 0. */
enum {
    /* conv2d, pools */
    GRAPH_P_STRIDE_H = 0,
    GRAPH_P_STRIDE_W = 1,
    GRAPH_P_PAD_H = 2,
    GRAPH_P_PAD_W = 3,
    GRAPH_P_KERNEL_H = 4, /* pools only (conv takes it from w) */
    GRAPH_P_KERNEL_W = 5,
    GRAPH_P_ALGO = 6,             /* conv2d: a kern_conv_algo (kernels/kern.h) for the forward */
    GRAPH_P_ACT = 7,              /* conv2d, dense, batchnorm, add */
    GRAPH_P_ALGO_BWD_DATA = 8,    /* conv2d: the algorithm of the backward-data pass */
    GRAPH_P_ALGO_BWD_WEIGHTS = 9, /* conv2d: the algorithm of the backward-weights pass */
    /* pad */
    GRAPH_P_PAD_C0 = 0,
    GRAPH_P_PAD_C1 = 1,
    GRAPH_P_PAD_TOP = 2,
    GRAPH_P_PAD_BOTTOM = 3,
    GRAPH_P_PAD_LEFT = 4,
    GRAPH_P_PAD_RIGHT = 5,
    /* batchnorm: floats (the act is GRAPH_P_ACT) */
    GRAPH_P_BN_EPS = 0,
    GRAPH_P_BN_MOMENTUM = 1,
    /* dropout: float rate, int stream */
    GRAPH_P_DROP_RATE = 0,
    GRAPH_P_DROP_STREAM = 1,
    /* slot */
    GRAPH_P_SLOT = 0,
    /* param / state */
    GRAPH_P_INIT = 0,
    GRAPH_P_FAN_IN = 1,
    GRAPH_P_FAN_OUT = 2,
};

typedef struct graph_node graph_node;
struct graph_node {
    graph_op op;
    graph_dtype type;
    int flags;
    int id;        /* creation index, stable: names generated C symbols */
    int64_t ne[4]; /* N, C, H, W (or O, I, KH, KW for weights) */
    graph_node *src[GRAPH_MAX_SRC];
    int32_t op_params[GRAPH_MAX_PARAMS];
    const char *name; /* in the arena; unique within a graph */
    /* views (flatten, view): data is view_src's data from element view_offs */
    graph_node *view_src;
    int64_t view_offs;
    /* set by passes */
    graph_node *slots[GRAPH_MAX_SLOTS]; /* secondary outputs, by slot number (0 unused) */
    graph_node *grad;                   /* autodiff: the gradient of this node */
    graph_node *param;      /* autodiff: for a parameter's gradient (GRAPH_F_GRAD), the parameter */
    graph_node *fwd;        /* autodiff: the forward node whose backward created this one */
    graph_node *fused_into; /* fusion: absorbed into this node; no longer in the graph */
    int requires_grad;      /* autodiff: depends on a trainable parameter */
};

typedef struct graph {
    mk_arena arena;
    mk_err err; /* first shape error wins */
    const char *name;
    int64_t batch;
    graph_node **nodes; /* every node, in creation order */
    int n_nodes, cap_nodes;
    /* set by the builders of a trainable network */
    graph_node *input, *labels, *logits, *loss;
    int n_dropout; /* streams handed out so far */
    int n_forward; /* nodes created before autodiff ran (0 = it has not) */
    int fused;     /* fusion ran: autodiff then uses the fused backward ops */
} graph;

/* An ordered list of nodes (topological: every source before its users). */
typedef struct graph_seq {
    graph_node **v;
    int n;
} graph_seq;

graph *graph_new(const char *name, int64_t batch);
void graph_free(graph *g);
/* 0 when no constructor failed; else -1 with the first error copied into err. */
int graph_check(const graph *g, mk_err *err);

const char *graph_op_name(graph_op op);
/* -1 when unknown. */
int graph_op_from_name(const char *name);
const char *graph_init_name(graph_init i);
int graph_init_from_name(const char *name);

int64_t graph_nelem(const graph_node *n);
size_t graph_nbytes(const graph_node *n);
/* "N×C×H×W" style text for messages: "(128, 32, 26, 26)". */
const char *graph_shape_str(const graph_node *n, char *buf, size_t size);
float graph_get_f(const graph_node *n, int slot);
void graph_set_f(graph_node *n, int slot, float v);
/* The node a view finally refers to (itself when not a view). */
graph_node *graph_storage(graph_node *n);

/* Leaves. name may be NULL (then "<op><id>"); a name is copied into the arena. */
graph_node *graph_input(graph *g, const char *name, int64_t c, int64_t h, int64_t w);
graph_node *graph_labels(graph *g, const char *name);
graph_node *graph_param(graph *g, const char *name, int64_t ne0, int64_t ne1, int64_t ne2,
                        int64_t ne3, graph_init init, int fan_in, int fan_out);
graph_node *graph_state(graph *g, const char *name, int64_t c, graph_init init);

/* Ops. Each returns the new node, or NULL (with g->err set) on a bad shape. */
graph_node *graph_conv2d(graph *g, graph_node *x, graph_node *w, int stride_h, int stride_w,
                         int pad_h, int pad_w, const char *name);
graph_node *graph_dense(graph *g, graph_node *x, graph_node *w, const char *name);
graph_node *graph_bias_add(graph *g, graph_node *x, graph_node *b, const char *name);
graph_node *graph_relu(graph *g, graph_node *x, const char *name);
graph_node *graph_maxpool(graph *g, graph_node *x, int kh, int kw, int sh, int sw, int ph, int pw,
                          const char *name);
graph_node *graph_avgpool(graph *g, graph_node *x, int kh, int kw, int sh, int sw, int ph, int pw,
                          const char *name);
graph_node *graph_global_avgpool(graph *g, graph_node *x, const char *name);
/* Batch normalisation over (N, H, W) per channel: batch statistics when training (which
 * also update the running ones), the running statistics in inference. momentum is the
 * weight of the new batch (PyTorch's convention). */
graph_node *graph_batchnorm(graph *g, graph_node *x, graph_node *gamma, graph_node *beta,
                            graph_node *mean, graph_node *var, float eps, float momentum,
                            const char *name);
graph_node *graph_add(graph *g, graph_node *a, graph_node *b, const char *name);
graph_node *graph_pad(graph *g, graph_node *x, int c0, int c1, int top, int bottom, int left,
                      int right, const char *name);
graph_node *graph_flatten(graph *g, graph_node *x, const char *name);
graph_node *graph_dropout(graph *g, graph_node *x, float rate, const char *name);
/* Mean softmax cross-entropy of logits (N, K, 1, 1) against labels (N); marks logits and
 * the loss and records them in g. */
graph_node *graph_softmax_xent(graph *g, graph_node *logits, graph_node *labels, const char *name);

/* A node of any op with given shape and sources, for autodiff and tests: no checks beyond
 * the arity. */
graph_node *graph_node_new(graph *g, graph_op op, const int64_t ne[4], graph_node *const *src,
                           int nsrc, const char *name);
/* Slot k of producer, made on first request with shape ne and type t. */
graph_node *graph_slot(graph *g, graph_node *producer, int k, const int64_t ne[4], graph_dtype t);
/* A view of base: ne elements starting at element offs. */
graph_node *graph_view(graph *g, graph_node *base, const int64_t ne[4], int64_t offs,
                       const char *name);

/* Depth-first post-order from roots: every node reachable from a root, each once, sources
 * before users (ggml_build_forward_expand); a reachable slot comes right after its
 * producer (the producer's kernel writes it). Arena-owned. */
graph_seq graph_order(graph *g, graph_node *const *roots, int nroots);
/* Every PARAM node (creation order), and every STATE node. Arena-owned. */
graph_seq graph_params(graph *g);
graph_seq graph_states(graph *g);
int64_t graph_param_count(const graph *g); /* trainable elements */

/* Cost of one node for the whole batch: floating-point operations (a multiply-add is 2) and
 * bytes read plus written (every source once, the output once). Views cost nothing. */
typedef struct graph_cost {
    double flops, bytes;
} graph_cost;
graph_cost graph_node_cost(const graph_node *n);

#endif
