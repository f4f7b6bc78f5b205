/* zoo — layer builders (a conv with its weight and bias, a dense layer, batch normalisation
 * with its parameters and running statistics), the model zoo (mnist_cnn, resnet20,
 * resnet50), and the per-layer cost report the performance model reads. */
#ifndef MODAK_ZOO_H
#define MODAK_ZOO_H

#include "graph.h"

/* Layers: each creates its parameters, named "<name>.weight", "<name>.bias", "<name>.gamma",
 * "<name>.beta", "<name>.running_mean", "<name>.running_var". */
graph_node *graph_layer_conv(graph *g, graph_node *x, int out_ch, int kh, int kw, int stride_h,
                             int stride_w, int pad_h, int pad_w, int bias, graph_init init,
                             const char *name);
graph_node *graph_layer_dense(graph *g, graph_node *x, int units, int bias, graph_init init,
                              const char *name);
/* momentum is the weight of the new batch's statistics (PyTorch's convention; Keras's
 * momentum m is 1 - m here). */
graph_node *graph_layer_bn(graph *g, graph_node *x, float eps, float momentum, const char *name);

/* The zoo. */
typedef struct graph_zoo_entry {
    const char *name;
    const char *summary;
    graph *(*build)(int64_t batch, mk_err *err);
} graph_zoo_entry;
/* The table (terminated by a row with name NULL). */
const graph_zoo_entry *graph_zoo(void);
/* NULL (and err set, MK_EINVAL) for an unknown name. */
graph *graph_zoo_build(const char *name, int64_t batch, mk_err *err);

/* One row per computed forward node (fused nodes are folded into the node they joined;
 * inputs, parameters and views are not layers): its forward and backward cost for the whole
 * batch, the backward being every node autodiff created on its behalf. Runs autodiff on g
 * if it has not run. Arena-owned rows; returns -1 with err set on failure. */
typedef struct graph_layer_cost {
    const graph_node *node;
    const char *name;
    const char *op;
    double fwd_flops, fwd_bytes, bwd_flops, bwd_bytes;
    int64_t params; /* trainable elements of its parameter sources */
} graph_layer_cost;
int graph_layer_costs(graph *g, graph_layer_cost **rows, int *nrows, mk_err *err);

#endif
