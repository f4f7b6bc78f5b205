/* Unit tests for compiler/: shape inference and its errors, the zoo's parameter counts,
 * FLOPs of known layers, fusion, autodiff's structure, and the memory plan's validity on
 * every zoo network (fused and not, trained and inferred). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfile.h"
#include "graph.h"
#include "passes.h"
#include "zoo.h"

static void expect_err(graph *g, const char *needle)
{
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(graph_check(g, &e), -1);
    if (!strstr(e.msg, needle)) fail_msg("error '%s' does not mention '%s'", e.msg, needle);
}

static void test_op_names(void **state)
{
    for (int i = 0; i < GRAPH_OP_COUNT; i++) {
        assert_string_not_equal(graph_op_name(i), "?");
        assert_int_equal(graph_op_from_name(graph_op_name(i)), i);
    }
    assert_int_equal(graph_op_from_name("nope"), -1);
    assert_string_equal(graph_op_name(GRAPH_OP_COUNT), "?");
    assert_int_equal(graph_init_from_name("glorot_uniform"), GRAPH_INIT_GLOROT_UNIFORM);
}

static void test_shapes(void **state)
{
    graph *g = graph_new("t", 4);
    graph_node *x = graph_input(g, "x", 3, 32, 32);
    graph_node *w = graph_param(g, "w", 16, 3, 3, 3, GRAPH_INIT_HE_NORMAL, 27, 144);
    graph_node *c = graph_conv2d(g, x, w, 2, 2, 1, 1, "c");
    assert_non_null(c);
    assert_int_equal(c->ne[0], 4);
    assert_int_equal(c->ne[1], 16);
    assert_int_equal(c->ne[2], 16);
    assert_int_equal(c->ne[3], 16);
    graph_node *p = graph_maxpool(g, c, 3, 3, 2, 2, 1, 1, "p");
    assert_int_equal(p->ne[2], 8);
    graph_node *a = graph_avgpool(g, c, 2, 2, 2, 2, 0, 0, "a");
    assert_int_equal(a->ne[3], 8);
    graph_node *pad = graph_pad(g, a, 8, 8, 1, 1, 2, 2, "pad");
    assert_int_equal(pad->ne[1], 32);
    assert_int_equal(pad->ne[2], 10);
    assert_int_equal(pad->ne[3], 12);
    graph_node *f = graph_flatten(g, p, "f");
    assert_int_equal(f->ne[1], 16 * 8 * 8);
    assert_ptr_equal(graph_storage(f), p);
    graph_node *gap = graph_global_avgpool(g, c, "gap");
    assert_int_equal(gap->ne[1], 16);
    assert_int_equal(gap->ne[2], 1);
    assert_int_equal(graph_check(g, NULL), 0);
    graph_free(g);
}

static void test_shape_errors(void **state)
{
    graph *g = graph_new("t", 2);
    graph_node *x = graph_input(g, "x", 3, 8, 8);
    graph_node *w = graph_param(g, "w", 4, 2, 3, 3, GRAPH_INIT_HE_NORMAL, 18, 36);
    assert_null(graph_conv2d(g, x, w, 1, 1, 0, 0, "conv"));
    expect_err(g, "conv: conv2d weight (4, 2, 3, 3) expects 2 input channels but the input");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_input(g, "x", 3, 2, 2);
    w = graph_param(g, "w", 4, 3, 3, 3, GRAPH_INIT_HE_NORMAL, 27, 36);
    assert_null(graph_conv2d(g, x, w, 1, 1, 0, 0, "c"));
    expect_err(g, "kernel 3x3 does not fit the input");
    /* NULL propagates: the first error stays */
    assert_null(graph_relu(g, graph_flatten(g, NULL, "f"), "r"));
    expect_err(g, "does not fit");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_input(g, "x", 3, 8, 8);
    w = graph_param(g, "w", 10, 192, 1, 1, GRAPH_INIT_HE_NORMAL, 192, 10);
    assert_null(graph_dense(g, x, w, "d"));
    expect_err(g, "dense needs a flat input (N, K, 1, 1) but got (2, 3, 8, 8)");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_flatten(g, graph_input(g, "x", 3, 8, 8), "f");
    w = graph_param(g, "w", 10, 100, 1, 1, GRAPH_INIT_HE_NORMAL, 100, 10);
    assert_null(graph_dense(g, x, w, "d"));
    expect_err(g, "dense weight (10, 100, 1, 1) does not match the input (2, 192, 1, 1)");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_input(g, "x", 3, 8, 8);
    graph_node *y = graph_input(g, "y", 3, 4, 4);
    assert_null(graph_add(g, x, y, "add"));
    expect_err(g, "add needs equal shapes, got (2, 3, 8, 8) and (2, 3, 4, 4)");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_input(g, "x", 3, 8, 8);
    assert_null(graph_maxpool(g, x, 9, 9, 1, 1, 0, 0, "mp"));
    expect_err(g, "pool size (9, 9) is larger than the input");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_input(g, "x", 3, 8, 8);
    assert_null(graph_dropout(g, x, 1.0f, "drop"));
    expect_err(g, "dropout rate 1 must be within [0, 1)");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_input(g, "x", 3, 8, 8);
    assert_null(graph_softmax_xent(g, x, graph_labels(g, NULL), "loss"));
    expect_err(g, "needs logits (N, K>=2, 1, 1), got (2, 3, 8, 8)");
    graph_free(g);

    g = graph_new("t", 2);
    x = graph_input(g, "x", 3, 8, 8);
    assert_null(graph_layer_bn(g, graph_relu(g, x, "r"), -1.0f, 0.1f, "bn"));
    expect_err(g, "batchnorm epsilon -1 must be > 0");
    graph_free(g);

    g = graph_new("t", 2);
    w = graph_param(g, "w", 4, 3, 3, 3, GRAPH_INIT_HE_NORMAL, 27, 36);
    assert_null(graph_relu(g, w, "r"));
    expect_err(g, "relu input must be an activation tensor, not 'w' (param)");
    graph_free(g);
}

static void test_zoo_params(void **state)
{
    static const struct {
        const char *name;
        int64_t params;
    } want[] = {{"mnist_cnn", 1199882}, {"resnet20", 269722}, {"resnet50", 25557032}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        mk_err e;
        mk_err_clear(&e);
        graph *g = graph_zoo_build(want[i].name, 2, &e);
        if (!g) fail_msg("%s: %s", want[i].name, e.msg);
        assert_int_equal(graph_param_count(g), want[i].params);
        assert_non_null(g->loss);
        assert_non_null(g->logits);
        graph_free(g);
    }
    mk_err e;
    mk_err_clear(&e);
    assert_null(graph_zoo_build("vgg16", 1, &e));
    assert_non_null(strstr(e.msg, "unknown network 'vgg16'"));
}

static const graph_layer_cost *row(const graph_layer_cost *r, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(r[i].name, name)) return &r[i];
    fail_msg("no layer '%s'", name);
    return NULL;
}

static void test_flops(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_zoo_build("mnist_cnn", 1, &e);
    assert_non_null(g);
    assert_true(graph_fuse(g, &e) > 0);
    graph_layer_cost *r;
    int n;
    assert_int_equal(graph_layer_costs(g, &r, &n, &e), 0);
    /* conv2: 24*24*64 outputs x 32*3*3 multiply-adds, + bias + relu */
    const graph_layer_cost *c2 = row(r, n, "conv2");
    assert_true(c2->fwd_flops == 2.0 * 24 * 24 * 64 * 288 + 2.0 * 24 * 24 * 64);
    assert_int_equal(c2->params, 64 * 32 * 9 + 64);
    /* backward: weights + data gradient (2 x the multiply-adds) + db + relu mask */
    assert_true(c2->bwd_flops >= 2 * 2.0 * 24 * 24 * 64 * 288);
    /* conv1 gets no data gradient: the input needs none */
    const graph_layer_cost *c1 = row(r, n, "conv1");
    assert_true(c1->bwd_flops < 1.5 * c1->fwd_flops);
    const graph_layer_cost *d1 = row(r, n, "dense1");
    assert_true(d1->fwd_flops == 2.0 * 9216 * 128 + 2.0 * 128);
    assert_int_equal(d1->params, 9216 * 128 + 128);
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += r[i].params;
    assert_int_equal(total, 1199882);
    graph_free(g);

    g = graph_zoo_build("resnet50", 1, &e);
    assert_non_null(g);
    assert_int_equal(graph_layer_costs(g, &r, &n, &e), 0);
    double f = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(r[i].op, "conv2d") || !strcmp(r[i].op, "dense")) f += r[i].fwd_flops;
    /* ResNet-50: about 4.1 G multiply-adds per image */
    assert_true(f > 8.0e9 && f < 8.4e9);
    graph_free(g);
}

static void test_fusion(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_zoo_build("mnist_cnn", 8, &e);
    /* conv1: bias+relu, conv2: bias+relu, dense1: bias+relu, dense2: bias */
    assert_int_equal(graph_fuse(g, &e), 7);
    graph_seq o = graph_infer_order(g);
    int convs = 0;
    for (int i = 0; i < o.n; i++) {
        assert_int_not_equal(o.v[i]->op, GRAPH_OP_RELU);
        assert_int_not_equal(o.v[i]->op, GRAPH_OP_BIAS_ADD);
        if (o.v[i]->op == GRAPH_OP_CONV2D) {
            convs++;
            assert_non_null(o.v[i]->src[2]);
            assert_int_equal(o.v[i]->op_params[GRAPH_P_ACT], GRAPH_ACT_RELU);
        }
    }
    assert_int_equal(convs, 2);
    assert_string_equal(g->logits->name, "dense2");
    assert_int_equal(graph_autodiff(g, &e), 0);
    assert_int_equal(graph_fuse(g, &e), -1);
    graph_free(g);

    g = graph_zoo_build("resnet20", 8, &e);
    /* 19 conv+bn+relu... : relu after each bn or add */
    int folded = graph_fuse(g, &e);
    assert_int_equal(folded, 19 + 1); /* 19 relus into bn/add, the fc's bias into the dense */
    graph_free(g);
}

/* A fused conv's backward masks dy in place only when no other node reads that gradient:
 * c2's gradient is also the add's (and so c1's partial one), c1's is a sum of its own. */
static void test_conv_bwd_mask(void **state)
{
    const char *text =
        "{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [2, 6, 6]}, "
        "\"layers\": [{\"name\": \"c1\", \"op\": \"conv2d\", \"filters\": 3, \"kernel\": 3, "
        "\"padding\": 1, \"activation\": \"relu\"}, {\"name\": \"c2\", \"op\": \"conv2d\", "
        "\"filters\": 3, \"kernel\": 3, \"padding\": 1, \"activation\": \"relu\"}, {\"name\": "
        "\"add\", \"op\": \"add\", \"inputs\": [\"c2\", \"c1\"]}, {\"op\": \"global_avgpool\"}, "
        "{\"op\": \"dense\", \"units\": 3}]}";
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_load_text(text, strlen(text), "t.json", 4, &e);
    assert_non_null(g);
    assert_true(graph_fuse(g, &e) > 0);
    assert_int_equal(graph_autodiff(g, &e), 0);
    int masked = 0, unmasked = 0, relu_bwd = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const graph_node *n = g->nodes[i];
        if (n->op == GRAPH_OP_CONV2D_BWD && n->src[3]) {
            masked++;
            assert_string_equal(n->fwd->name, "c1");
        } else if (n->op == GRAPH_OP_CONV2D_BWD) {
            unmasked++;
            assert_string_equal(n->fwd->name, "c2");
            assert_int_equal(n->src[1]->op, GRAPH_OP_RELU_BWD);
        }
        relu_bwd += n->op == GRAPH_OP_RELU_BWD;
    }
    assert_int_equal(masked, 1);
    assert_int_equal(unmasked, 1);
    assert_int_equal(relu_bwd, 1);
    graph_plan p;
    assert_int_equal(graph_plan_memory(g, graph_train_order(g), GRAPH_PLAN_TRAIN, 1, &p, &e), 0);
    assert_int_equal(graph_plan_check(g, &p, &e), 0);
    graph_free(g);
}

static void test_autodiff(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    const char *nets[] = {"mnist_cnn", "resnet20"};
    for (int k = 0; k < 2; k++)
        for (int fuse = 0; fuse < 2; fuse++) {
            graph *g = graph_zoo_build(nets[k], 4, &e);
            if (fuse) graph_fuse(g, &e);
            assert_int_equal(graph_autodiff(g, &e), 0);
            assert_int_equal(graph_autodiff(g, &e), 0); /* idempotent */
            graph_seq params = graph_params(g);
            for (int i = 0; i < params.n; i++) {
                graph_node *p = params.v[i];
                if (!p->grad) fail_msg("%s: '%s' has no gradient", nets[k], p->name);
                assert_memory_equal(p->grad->ne, p->ne, sizeof p->ne);
                assert_ptr_equal(p->grad->param, p);
                assert_true(p->grad->flags & GRAPH_F_GRAD);
            }
            /* no data gradient for the input */
            assert_null(g->input->grad);
            graph_seq o = graph_train_order(g);
            /* topological: every source before its user */
            int *pos = calloc((size_t)g->n_nodes, sizeof *pos);
            for (int i = 0; i < o.n; i++)
                pos[o.v[i]->id] = i + 1;
            for (int i = 0; i < o.n; i++)
                for (int s = 0; s < GRAPH_MAX_SRC && o.v[i]->src[s]; s++) {
                    assert_true(pos[o.v[i]->src[s]->id] > 0);
                    assert_true(pos[o.v[i]->src[s]->id] < i + 1);
                }
            free(pos);
            graph_free(g);
        }
}

static void test_memplan(void **state)
{
    const char *nets[] = {"mnist_cnn", "resnet20", "resnet50"};
    for (int k = 0; k < 3; k++)
        for (int fuse = 0; fuse < 2; fuse++) {
            mk_err e;
            mk_err_clear(&e);
            graph *g = graph_zoo_build(nets[k], k == 2 ? 2 : 16, &e);
            if (fuse) graph_fuse(g, &e);
            assert_int_equal(graph_autodiff(g, &e), 0);
            graph_plan tp, ip, np;
            assert_int_equal(
                graph_plan_memory(g, graph_train_order(g), GRAPH_PLAN_TRAIN, 1, &tp, &e), 0);
            if (graph_plan_check(g, &tp, &e)) fail_msg("%s: %s", nets[k], e.msg);
            assert_int_equal(
                graph_plan_memory(g, graph_infer_order(g), GRAPH_PLAN_INFER, 1, &ip, &e), 0);
            if (graph_plan_check(g, &ip, &e)) fail_msg("%s infer: %s", nets[k], e.msg);
            assert_int_equal(
                graph_plan_memory(g, graph_train_order(g), GRAPH_PLAN_TRAIN, 0, &np, &e), 0);
            if (graph_plan_check(g, &np, &e)) fail_msg("%s unplanned: %s", nets[k], e.msg);
            assert_true(tp.arena_bytes < tp.unplanned_bytes);
            assert_true(np.arena_bytes == np.unplanned_bytes);
            assert_true(ip.arena_bytes < tp.arena_bytes);
            printf("# %s fuse=%d: train arena %.1f MiB (unplanned %.1f MiB, %d tensors), infer "
                   "%.1f MiB\n",
                   nets[k], fuse, tp.arena_bytes / 1048576.0, tp.unplanned_bytes / 1048576.0,
                   tp.ntensors, ip.arena_bytes / 1048576.0);
            graph_free(g);
        }
}

/* A plan whose two live tensors overlap must be refused. */
static void test_memplan_check_catches(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_zoo_build("mnist_cnn", 4, &e);
    assert_int_equal(graph_autodiff(g, &e), 0);
    graph_plan p;
    assert_int_equal(graph_plan_memory(g, graph_train_order(g), GRAPH_PLAN_TRAIN, 1, &p, &e), 0);
    /* move conv2's output onto conv1's output: both are alive while conv2 runs */
    graph_node *c1 = NULL, *c2 = NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        if (!strcmp(g->nodes[i]->name, "conv1")) c1 = g->nodes[i];
        if (!strcmp(g->nodes[i]->name, "conv2")) c2 = g->nodes[i];
    }
    assert_non_null(c1);
    assert_non_null(c2);
    p.offset[c2->id] = p.offset[c1->id];
    assert_int_equal(graph_plan_check(g, &p, &e), -1);
    assert_non_null(strstr(e.msg, "overlaps"));
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_op_names),     cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_shape_errors), cmocka_unit_test(test_zoo_params),
        cmocka_unit_test(test_flops),        cmocka_unit_test(test_fusion),
        cmocka_unit_test(test_autodiff),     cmocka_unit_test(test_conv_bwd_mask),
        cmocka_unit_test(test_memplan),      cmocka_unit_test(test_memplan_check_catches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
