/* passes — what happens to a graph between building and code generation, one file each
 * (chibicc's shape): fuse.c → autodiff.c → algo.c → threads.c → memplan.c.
 *
 *   graph_fuse        folds bias_add and relu into conv2d/dense, relu into batchnorm and add
 *   graph_autodiff    appends the backward graph of the loss; every trainable parameter gets
 *                     a gradient node
 *   graph_choose_algos  picks a kernels/ convolution algorithm per conv2d
 *   graph_threads     per-node parallelism (how many threads a node's work can feed)
 *   graph_plan_memory liveness-based placement of every activation, gradient and saved
 *                     tensor in one arena; graph_plan_check proves no two live tensors overlap
 */
#ifndef MODAK_PASSES_H
#define MODAK_PASSES_H

#include <stddef.h>

#include "graph.h"

/* Fusion, on the forward graph (before autodiff). Returns the number of nodes folded
 * away, or -1 (err) when called after autodiff. */
int graph_fuse(graph *g, mk_err *err);

/* Autodiff: needs g->loss. Idempotent (a second call does nothing). 0 or -1. */
int graph_autodiff(graph *g, mk_err *err);
/* The order of one training step: the forward, then the backward layer by layer from the
 * loss (the roots are the loss and the parameters' gradients, last layer first). */
graph_seq graph_train_order(graph *g);
/* The order of inference: the forward only. */
graph_seq graph_infer_order(graph *g);

/* Algorithm choice: sets the forward, backward-data and backward-weights algorithms
 * (op_params[GRAPH_P_ALGO...], kern_conv_algo values) of every conv2d. generic: the
 * per-image im2col everywhere (what a framework without a per-shape choice does). Returns
 * the number of convolutions, or -1 (err) when a graph file asked for an algorithm the
 * layer's shape does not allow. vec_floats: floats per vector register of the target
 * (graph_march_vector_floats; 0: modak's own build's). */
int graph_choose_algos(graph *g, int generic, int vec_floats, mk_err *err);

/* Threading: for a machine with `threads` cores, how many threads each node is worth
 * (a node with little work runs on fewer: waking a thread costs a few microseconds).
 * Stored per node id in an arena array; *default_threads gets the count to run with. */
typedef struct graph_threads_plan {
    int threads;          /* cores the binary should use by default */
    int *per_node;        /* by node id: threads worth using (1..threads), 0 = not computed */
    int parallel_batches; /* nodes that split the batch over threads rather than inside GEMMs */
} graph_threads_plan;
void graph_threads(graph *g, int threads, graph_threads_plan *out);

/* Memory planning. Where each node's data lives during a step: */
typedef enum graph_loc {
    GRAPH_LOC_NONE = 0, /* not in this order */
    GRAPH_LOC_ARENA,    /* the step's arena at offset[id] */
    GRAPH_LOC_INPUT,    /* the batch's images or labels (kern_step x, labels) */
    GRAPH_LOC_PARAM,    /* a parameter or state (kern_step params[]) */
    GRAPH_LOC_GRAD,     /* a parameter's gradient (kern_step grads[]) */
    GRAPH_LOC_VIEW,     /* inside another node's data (view_src, view_offs) */
} graph_loc;

typedef enum graph_plan_mode { GRAPH_PLAN_TRAIN, GRAPH_PLAN_INFER } graph_plan_mode;

typedef struct graph_plan {
    graph_seq order;
    graph_plan_mode mode;
    int reuse;              /* 0: every tensor its own block (the generic build) */
    unsigned char *loc;     /* by node id: graph_loc */
    int64_t *offset;        /* by node id: byte offset in the arena, or -1 */
    int *inplace;           /* by node id: the source whose block it took over, or -1 */
    int *alias;             /* by node id, for GRAPH_LOC_VIEW: the node whose data it is */
    int64_t *alias_offs;    /* by node id, for GRAPH_LOC_VIEW: element offset in it */
    int *first, *last;      /* by node id: the step that writes it, the last that reads it */
    size_t arena_bytes;     /* the peak: the arena the step needs */
    size_t unplanned_bytes; /* the sum of every arena tensor: the arena without reuse */
    int ntensors;           /* tensors placed in the arena */
} graph_plan;

#define GRAPH_ALIGN 64

/* Places every node of order. In GRAPH_PLAN_INFER dropout is the identity (a view of its
 * input) and batchnorm may work in place. Arena-owned arrays; 0 or -1. */
int graph_plan_memory(graph *g, graph_seq order, graph_plan_mode mode, int reuse, graph_plan *plan,
                      mk_err *err);
/* Checks that no two arena tensors whose lifetimes intersect share a byte, except a
 * node and the source it works in place on (where the kernel allows it). 0 or -1. */
int graph_plan_check(const graph *g, const graph_plan *plan, mk_err *err);
/* The sources whose storage node n may overwrite in place (its kernel allows that alias):
 * bit i for src[i]; 0 when none. */
unsigned graph_inplace_mask(const graph_node *n, graph_plan_mode mode);

#endif
