/* zoo — the networks modak knows by name, built from a few layer helpers.
 *
 *  mnist_cnn  Keras's mnist_convnet example: conv 3x3 32 relu, conv 3x3 64 relu, max pool 2,
 *             dropout .25, flatten, dense 128 relu, dropout .5, dense 10; 1x28x28 input;
 *             1,199,882 parameters; Glorot-uniform kernels and zero biases as in Keras.
 *  resnet20   He et al. 2015, CIFAR-10 (3x32x32, 10 classes): 3x3 conv 16, three stages of
 *             three basic blocks (16, 32, 64 channels), global average pool, dense 10. The
 *             shortcuts that change shape are the paper's option A (subsample by 2 and pad
 *             the channels with zeros), so they have no parameters: 269,722 in all.
 *  resnet50   torchvision's ResNet-50 (v1.5, the stride in the 3x3 conv), ImageNet 3x224x224,
 *             1000 classes, bottleneck blocks [3, 4, 6, 3], projection shortcuts:
 *             25,557,032 parameters counting BN's gamma and beta.
 * The cost report at the end attributes every backward node to its forward layer. */
#include "zoo.h"

#include <stdlib.h>
#include <string.h>

#include "mk_buf.h"
#include "passes.h"

static const char *pname(graph *g, const char *layer, const char *what)
{
    return mk_arena_printf(&g->arena, "%s.%s", layer ? layer : "layer", what);
}

graph_node *graph_layer_conv(graph *g, graph_node *x, int out_ch, int kh, int kw, int stride_h,
                             int stride_w, int pad_h, int pad_w, int bias, graph_init init,
                             const char *name)
{
    if (!x) return NULL;
    if (out_ch < 1 || kh < 1 || kw < 1) {
        mk_err_set(&g->err, MK_EINVAL, NULL, 0, 0,
                   "%s: conv2d needs filters >= 1 and a kernel "
                   "size >= 1 (got %d filters, %dx%d)",
                   name ? name : "conv", out_ch, kh, kw);
        return NULL;
    }
    int64_t in_ch = x->ne[1];
    int fan_in = (int)(in_ch * kh * kw), fan_out = out_ch * kh * kw;
    graph_node *w =
        graph_param(g, pname(g, name, "weight"), out_ch, in_ch, kh, kw, init, fan_in, fan_out);
    graph_node *y = graph_conv2d(g, x, w, stride_h, stride_w, pad_h, pad_w, name);
    if (bias && y) {
        graph_node *b = graph_param(g, pname(g, name, "bias"), out_ch, 1, 1, 1, GRAPH_INIT_ZEROS,
                                    fan_in, fan_out);
        y = graph_bias_add(g, y, b, pname(g, name, "bias_add"));
    }
    return y;
}

graph_node *graph_layer_dense(graph *g, graph_node *x, int units, int bias, graph_init init,
                              const char *name)
{
    if (!x) return NULL;
    if (units < 1) {
        mk_err_set(&g->err, MK_EINVAL, NULL, 0, 0, "%s: dense needs units >= 1 (got %d)",
                   name ? name : "dense", units);
        return NULL;
    }
    int64_t in = x->ne[1];
    graph_node *w = graph_param(g, pname(g, name, "weight"), units, in, 1, 1, init, (int)in, units);
    graph_node *y = graph_dense(g, x, w, name);
    if (bias && y) {
        graph_node *b = graph_param(g, pname(g, name, "bias"), units, 1, 1, 1, GRAPH_INIT_ZEROS,
                                    (int)in, units);
        y = graph_bias_add(g, y, b, pname(g, name, "bias_add"));
    }
    return y;
}

graph_node *graph_layer_bn(graph *g, graph_node *x, float eps, float momentum, const char *name)
{
    if (!x) return NULL;
    int64_t c = x->ne[1];
    graph_node *gamma = graph_param(g, pname(g, name, "gamma"), c, 1, 1, 1, GRAPH_INIT_ONES, 0, 0);
    graph_node *beta = graph_param(g, pname(g, name, "beta"), c, 1, 1, 1, GRAPH_INIT_ZEROS, 0, 0);
    graph_node *mean = graph_state(g, pname(g, name, "running_mean"), c, GRAPH_INIT_ZEROS);
    graph_node *var = graph_state(g, pname(g, name, "running_var"), c, GRAPH_INIT_ONES);
    return graph_batchnorm(g, x, gamma, beta, mean, var, eps, momentum, name);
}

static graph *finish(graph *g, graph_node *logits, mk_err *err)
{
    graph_node *labels = graph_labels(g, "labels");
    graph_softmax_xent(g, logits, labels, "loss");
    if (graph_check(g, err)) {
        graph_free(g);
        return NULL;
    }
    return g;
}

static graph *build_mnist_cnn(int64_t batch, mk_err *err)
{
    graph *g = graph_new("mnist_cnn", batch);
    const graph_init gl = GRAPH_INIT_GLOROT_UNIFORM;
    graph_node *x = graph_input(g, "input", 1, 28, 28);
    x = graph_layer_conv(g, x, 32, 3, 3, 1, 1, 0, 0, 1, gl, "conv1");
    x = graph_relu(g, x, "conv1.relu");
    x = graph_layer_conv(g, x, 64, 3, 3, 1, 1, 0, 0, 1, gl, "conv2");
    x = graph_relu(g, x, "conv2.relu");
    x = graph_maxpool(g, x, 2, 2, 2, 2, 0, 0, "pool");
    x = graph_dropout(g, x, 0.25f, "dropout1");
    x = graph_flatten(g, x, "flatten");
    x = graph_layer_dense(g, x, 128, 1, gl, "dense1");
    x = graph_relu(g, x, "dense1.relu");
    x = graph_dropout(g, x, 0.5f, "dropout2");
    x = graph_layer_dense(g, x, 10, 1, gl, "dense2");
    return finish(g, x, err);
}

/* conv (no bias) + BN (+ relu). */
static graph_node *conv_bn(graph *g, graph_node *x, int out, int k, int stride, int relu,
                           const char *name)
{
    x = graph_layer_conv(g, x, out, k, k, stride, stride, k / 2, k / 2, 0, GRAPH_INIT_HE_NORMAL,
                         name);
    x = graph_layer_bn(g, x, 1e-5f, 0.1f, pname(g, name, "bn"));
    if (relu) x = graph_relu(g, x, pname(g, name, "relu"));
    return x;
}

static graph *build_resnet20(int64_t batch, mk_err *err)
{
    graph *g = graph_new("resnet20", batch);
    graph_node *x = graph_input(g, "input", 3, 32, 32);
    x = conv_bn(g, x, 16, 3, 1, 1, "conv1");
    int in = 16;
    for (int stage = 0; stage < 3; stage++) {
        int planes = 16 << stage;
        for (int b = 0; b < 3; b++) {
            int stride = stage > 0 && b == 0 ? 2 : 1;
            char *nm = mk_arena_printf(&g->arena, "layer%d.%d", stage + 1, b);
            graph_node *y = conv_bn(g, x, planes, 3, stride, 1, pname(g, nm, "conv1"));
            y = conv_bn(g, y, planes, 3, 1, 0, pname(g, nm, "conv2"));
            graph_node *sc = x;
            if (stride != 1 || in != planes) { /* option A: x[:, :, ::2, ::2] padded with zeros */
                sc = graph_maxpool(g, sc, 1, 1, stride, stride, 0, 0, pname(g, nm, "subsample"));
                sc = graph_pad(g, sc, (planes - in) / 2, planes - in - (planes - in) / 2, 0, 0, 0,
                               0, pname(g, nm, "shortcut"));
            }
            x = graph_add(g, y, sc, pname(g, nm, "add"));
            x = graph_relu(g, x, pname(g, nm, "relu"));
            in = planes;
        }
    }
    x = graph_global_avgpool(g, x, "avgpool");
    x = graph_layer_dense(g, x, 10, 1, GRAPH_INIT_HE_NORMAL, "fc");
    return finish(g, x, err);
}

static graph *build_resnet50(int64_t batch, mk_err *err)
{
    static const int blocks[4] = {3, 4, 6, 3};
    graph *g = graph_new("resnet50", batch);
    graph_node *x = graph_input(g, "input", 3, 224, 224);
    x = conv_bn(g, x, 64, 7, 2, 1, "conv1");
    x = graph_maxpool(g, x, 3, 3, 2, 2, 1, 1, "maxpool");
    int in = 64;
    for (int stage = 0; stage < 4; stage++) {
        int width = 64 << stage, out = width * 4;
        for (int b = 0; b < blocks[stage]; b++) {
            int stride = stage > 0 && b == 0 ? 2 : 1;
            char *nm = mk_arena_printf(&g->arena, "layer%d.%d", stage + 1, b);
            graph_node *y = conv_bn(g, x, width, 1, 1, 1, pname(g, nm, "conv1"));
            y = conv_bn(g, y, width, 3, stride, 1, pname(g, nm, "conv2"));
            y = conv_bn(g, y, out, 1, 1, 0, pname(g, nm, "conv3"));
            graph_node *sc = x;
            if (stride != 1 || in != out)
                sc = conv_bn(g, x, out, 1, stride, 0, pname(g, nm, "downsample"));
            x = graph_add(g, y, sc, pname(g, nm, "add"));
            x = graph_relu(g, x, pname(g, nm, "relu"));
            in = out;
        }
    }
    x = graph_global_avgpool(g, x, "avgpool");
    x = graph_layer_dense(g, x, 1000, 1, GRAPH_INIT_HE_NORMAL, "fc");
    return finish(g, x, err);
}

static const graph_zoo_entry zoo[] = {
    {"mnist_cnn", "Keras MNIST CNN: 2 convs, max pool, 2 dense; 1x28x28, 10 classes",
     build_mnist_cnn},
    {"resnet20", "ResNet-20 for CIFAR-10: 3x32x32, 10 classes", build_resnet20},
    {"resnet50", "ResNet-50 (v1.5) for ImageNet: 3x224x224, 1000 classes", build_resnet50},
    {NULL, NULL, NULL},
};

const graph_zoo_entry *graph_zoo(void)
{
    return zoo;
}

graph *graph_zoo_build(const char *name, int64_t batch, mk_err *err)
{
    for (const graph_zoo_entry *e = zoo; e->name; e++)
        if (!strcmp(e->name, name)) return e->build(batch, err);
    mk_err_set(err, MK_EINVAL, NULL, 0, 0,
               "unknown network '%s' (the zoo has mnist_cnn, resnet20, resnet50)", name);
    return NULL;
}

/* ---- cost report ---- */

static const graph_node *layer_of(const graph_node *n)
{
    if (n->fwd) n = n->fwd;
    while (n->fused_into)
        n = n->fused_into;
    return n;
}

static int is_layer(const graph_node *n)
{
    return !(n->flags & GRAPH_F_BACKWARD) && !n->fused_into && !n->view_src &&
           n->op != GRAPH_OP_INPUT && n->op != GRAPH_OP_PARAM && n->op != GRAPH_OP_STATE;
}

int graph_layer_costs(graph *g, graph_layer_cost **rows, int *nrows, mk_err *err)
{
    if (!g->n_forward && graph_autodiff(g, err)) return -1;
    int *row_of = mk_xmalloc((size_t)g->n_nodes * sizeof *row_of);
    graph_layer_cost *r = mk_arena_alloc(&g->arena, (size_t)g->n_nodes * sizeof *r);
    int n = 0;
    graph_seq fwd = graph_order(g, &g->loss, 1);
    for (int i = 0; i < g->n_nodes; i++)
        row_of[i] = -1;
    for (int i = 0; i < fwd.n; i++) {
        const graph_node *node = fwd.v[i];
        if (!is_layer(node)) continue;
        graph_cost c = graph_node_cost(node);
        graph_layer_cost *row = &r[n];
        row->node = node;
        row->name = node->name;
        row->op = graph_op_name(node->op);
        row->fwd_flops = c.flops;
        row->fwd_bytes = c.bytes;
        row_of[node->id] = n++;
    }
    /* parameters go to the layer of their forward user (fused or not) */
    for (int i = 0; i < g->n_nodes; i++) {
        const graph_node *node = g->nodes[i];
        if (node->flags & GRAPH_F_BACKWARD) continue;
        int at = row_of[layer_of(node)->id];
        if (at < 0) continue;
        for (int s = 0; s < GRAPH_MAX_SRC && node->src[s]; s++)
            if (node->src[s]->op == GRAPH_OP_PARAM && row_of[node->src[s]->id] != -2) {
                r[at].params += graph_nelem(node->src[s]);
                row_of[node->src[s]->id] = -2; /* counted once, even when fusion shares it */
            }
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const graph_node *node = g->nodes[i];
        if (!(node->flags & GRAPH_F_BACKWARD) || node->fused_into || !node->fwd) continue;
        int at = row_of[layer_of(node)->id];
        if (at < 0) continue;
        graph_cost c = graph_node_cost(node);
        r[at].bwd_flops += c.flops;
        r[at].bwd_bytes += c.bytes;
    }
    free(row_of);
    *rows = r;
    *nrows = n;
    return 0;
}
