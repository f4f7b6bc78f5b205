/* Unit tests for compiler/gfile.c and keras.c: modak's graph JSON (round trip of the zoo,
 * errors with JSON pointers) and Keras architecture JSON (hand-written fixtures in the
 * shape model.to_json() gives: Keras 2 Sequential and functional, Keras 3 functional). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfile.h"
#include "mk_buf.h"
#include "passes.h"
#include "zoo.h"

static char *fixture(const char *name)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    return mk_xasprintf("%s/tests/compiler/fixtures/%s", src ? src : ".", name);
}

static graph *load_fixture(const char *name, mk_err *e)
{
    char *p = fixture(name);
    graph *g = graph_load_file(p, 4, e);
    free(p);
    return g;
}

static void test_roundtrip_zoo(void **state)
{
    const char *nets[] = {"mnist_cnn", "resnet20", "resnet50"};
    for (int i = 0; i < 3; i++) {
        mk_err e;
        mk_err_clear(&e);
        graph *g = graph_zoo_build(nets[i], 2, &e);
        char *text = graph_to_json(g, &e);
        if (!text) fail_msg("%s: %s", nets[i], e.msg);
        graph *h = graph_load_text(text, strlen(text), "mem.json", 2, &e);
        if (!h) fail_msg("%s: %s", nets[i], e.msg);
        assert_int_equal(graph_param_count(h), graph_param_count(g));
        assert_int_equal(h->n_nodes, g->n_nodes);
        for (int k = 0; k < g->n_nodes; k++) {
            assert_string_equal(h->nodes[k]->name, g->nodes[k]->name);
            assert_int_equal(h->nodes[k]->op, g->nodes[k]->op);
            assert_memory_equal(h->nodes[k]->ne, g->nodes[k]->ne, sizeof g->nodes[k]->ne);
            assert_memory_equal(h->nodes[k]->op_params, g->nodes[k]->op_params,
                                sizeof g->nodes[k]->op_params);
        }
        char *again = graph_to_json(h, &e);
        assert_string_equal(text, again);
        free(text);
        free(again);
        graph_free(g);
        graph_free(h);
    }
}

static void test_spec(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_load_spec("resnet20", 3, &e);
    assert_non_null(g);
    assert_int_equal(g->batch, 3);
    graph_free(g);
    assert_null(graph_load_spec("no-such-net", 1, &e));
    assert_non_null(strstr(e.msg, "neither a network of the zoo"));
    mk_err_clear(&e);
    char *p = fixture("keras2_mnist_cnn.json");
    g = graph_load_spec(p, 1, &e);
    free(p);
    assert_non_null(g);
    graph_free(g);
}

static void test_keras_sequential(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = load_fixture("keras2_mnist_cnn.json", &e);
    if (!g) fail_msg("%s", e.msg);
    assert_int_equal(graph_param_count(g), 1199882);
    assert_int_equal(g->input->ne[1], 1);
    assert_int_equal(g->input->ne[2], 28);
    assert_int_equal(g->logits->ne[1], 10);
    assert_string_equal(g->logits->name, "dense_1.bias_add"); /* the softmax was dropped */
    assert_int_equal(g->n_dropout, 2);
    /* the same ops as the zoo's mnist_cnn */
    graph *z = graph_zoo_build("mnist_cnn", 4, &e);
    graph_seq a = graph_infer_order(g), b = graph_infer_order(z);
    assert_int_equal(a.n, b.n);
    for (int i = 0; i < a.n; i++) {
        assert_int_equal(a.v[i]->op, b.v[i]->op);
        assert_memory_equal(a.v[i]->ne, b.v[i]->ne, sizeof a.v[i]->ne);
    }
    graph_free(z);
    graph_free(g);
}

static void test_keras_functional(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = load_fixture("keras2_functional_resnet.json", &e);
    if (!g) fail_msg("%s", e.msg);
    /* 432 + 32 + 2304 + 32 + (4608 + 32) + (320 + 10) trainable */
    assert_int_equal(graph_param_count(g), 7770);
    assert_int_equal(g->logits->ne[1], 10);
    /* Keras's momentum 0.99 is modak's 0.01; the asymmetric "same" of the stride-2 conv is an
     * explicit pad (0 top, 1 bottom) */
    int bns = 0, pads = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        graph_node *n = g->nodes[i];
        if (n->op == GRAPH_OP_BATCHNORM) {
            bns++;
            assert_true(graph_get_f(n, GRAPH_P_BN_MOMENTUM) > 0.0099f &&
                        graph_get_f(n, GRAPH_P_BN_MOMENTUM) < 0.0101f);
            assert_true(graph_get_f(n, GRAPH_P_BN_EPS) == 0.001f);
        }
        if (n->op == GRAPH_OP_PAD && !strcmp(n->name, "conv2d_2.pad")) {
            pads++;
            assert_int_equal(n->op_params[GRAPH_P_PAD_TOP], 0);
            assert_int_equal(n->op_params[GRAPH_P_PAD_BOTTOM], 1);
        }
    }
    assert_int_equal(bns, 2);
    assert_int_equal(pads, 1);
    assert_int_equal(graph_autodiff(g, &e), 0);
    graph_free(g);

    g = load_fixture("keras3_functional.json", &e);
    if (!g) fail_msg("%s", e.msg);
    assert_int_equal(graph_param_count(g), 224 + 584 + 2565);
    assert_int_equal(g->input->ne[1], 3);
    assert_int_equal(g->input->ne[2], 16);
    assert_int_equal(g->logits->ne[1], 5);
    graph_free(g);
}

typedef struct bad_case {
    const char *json;
    const char *want; /* expected in "file: msg" */
} bad_case;

static const bad_case bad[] = {
    /* modak format */
    {"[1]", "a graph file is a JSON object"},
    {"{\"x\": 1}", "neither a modak graph"},
    {"{\"format\": \"modak-graph\", \"version\": 2}", "/version: must be 1"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 0, 28]}}",
     "/input/shape: must be [channels, height, width]"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"conv2d\", \"filters\": 8}]}",
     "/layers/0: 'kernel' is required"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"conv2d\", \"filters\": 8, \"kernel\": 3, \"stride\": 0}]}",
     "/layers/0/stride: must be an integer >= 1"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"lstm\"}]}",
     "/layers/0/op: unknown op 'lstm'"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"flatten\", \"colour\": 1}]}",
     "/layers/0/colour: unknown field 'colour'"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"dense\", \"units\": 10}]}",
     "/layers/0: layer0: dense needs a flat input (N, K, 1, 1) but got (1, 1, 28, 28)"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"flatten\", \"inputs\": [\"nope\"]}]}",
     "/layers/0/inputs/0: no layer named 'nope' before this one"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"name\": \"a\", \"op\": \"flatten\"}, {\"name\": \"a\", \"op\": \"relu\"}]}",
     "/layers/1: a layer named 'a' already exists"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"conv2d\", \"filters\": 4, \"kernel\": 3, \"activation\": \"tanh\"}]}",
     "/layers/0/activation: unsupported activation 'tanh'"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 28, 28]}, "
     "\"layers\": [{\"op\": \"flatten\"}], \"output\": \"zz\"}",
     "/output: no layer named 'zz'"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 1, 1]}, "
     "\"layers\": [{\"op\": \"flatten\"}]}",
     "/layers: loss: softmax cross-entropy needs logits (N, K>=2, 1, 1)"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 8, 8]}, "
     "\"layers\": [{\"op\": \"conv2d\", \"filters\": 4, \"kernel\": 3, \"algo\": \"1x1\"}]}",
     "/layers/0/algo: \"1x1\" needs a 1x1 kernel"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 8, 8]}, "
     "\"layers\": [{\"op\": \"conv2d\", \"filters\": 4, \"kernel\": 3, \"algo\": \"fft\"}]}",
     "/layers/0/algo: must be one of"},
    {"{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 8, 8]}, "
     "\"layers\": [{\"op\": \"conv2d\", \"filters\": 4, \"kernel\": 5, \"algo\": \"winograd\"}]}",
     "/layers/0/algo: \"winograd\" needs a 3x3 kernel"},
    /* Keras */
    {"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
     "\"config\": {\"batch_input_shape\": [null, 10]}}, {\"class_name\": \"LSTM\", \"config\": "
     "{\"name\": \"lstm\", \"units\": 4}}]}}",
     "/config/layers/1: unsupported Keras layer 'LSTM'"},
    {"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
     "\"config\": {\"batch_input_shape\": [null, 8, 8, 1]}}, {\"class_name\": \"Conv2D\", "
     "\"config\": {\"name\": \"c\", \"filters\": 4, \"kernel_size\": [3, 3], \"dilation_rate\": "
     "[2, 2]}}]}}",
     "/config/layers/1/config/dilation_rate: only dilation_rate 1 is supported"},
    {"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
     "\"config\": {\"batch_input_shape\": [null, 8]}}, {\"class_name\": \"Dense\", \"config\": "
     "{\"name\": \"d\", \"units\": 4, \"activation\": \"softmax\"}}, {\"class_name\": \"Dense\", "
     "\"config\": {\"name\": \"e\", \"units\": 4}}]}}",
     "/config/layers/2: softmax is only supported on the model's output"},
    {"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
     "\"config\": {\"batch_input_shape\": [null, 8]}}, {\"class_name\": \"Dense\", \"config\": "
     "{\"name\": \"d\", \"units\": 4, \"activation\": \"sigmoid\"}}]}}",
     "/config/layers/1/config/activation: unsupported activation 'sigmoid'"},
    {"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
     "\"config\": {\"name\": \"d\", \"units\": 4}}]}}",
     "/config/layers/0: the model's input shape is unknown"},
    {"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
     "\"config\": {\"batch_input_shape\": [null, 8, 8, 2]}}, {\"class_name\": \"Dense\", "
     "\"config\": {\"name\": \"d\", \"units\": 4}}]}}",
     "/config/layers/1: d: dense needs a flat input"},
    {"{\"class_name\": \"Functional\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
     "\"name\": \"in\", \"config\": {\"name\": \"in\", \"batch_input_shape\": [null, 8]}, "
     "\"inbound_nodes\": []}, {\"class_name\": \"Dense\", \"name\": \"d\", \"config\": {\"name\": "
     "\"d\", \"units\": 4}, \"inbound_nodes\": [[[\"in\", 0, 0, {}]], [[\"in\", 0, 0, {}]]]}], "
     "\"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"d\", 0, 0]]}}",
     "/config/layers/1: layer 'd' is called 2 times: shared layers are not supported"},
    {"{\"class_name\": \"Functional\", \"config\": {\"layers\": [{\"class_name\": \"Dense\", "
     "\"name\": \"d\", \"config\": {\"name\": \"d\", \"units\": 4}, \"inbound_nodes\": "
     "[[[\"x\", 0, 0, {}]]]}], \"output_layers\": [[\"d\", 0, 0]]}}",
     "/config/layers/0: layer 'd' takes 'x', which is not defined before it"},
    {"{\"class_name\": \"Functional\", \"config\": {\"layers\": [{\"class_name\": \"InputLayer\", "
     "\"name\": \"in\", \"config\": {\"name\": \"in\", \"batch_input_shape\": [null, 8]}, "
     "\"inbound_nodes\": []}, {\"class_name\": \"BatchNormalization\", \"name\": \"b\", "
     "\"config\": {\"name\": \"b\", \"axis\": 3, \"center\": false}, \"inbound_nodes\": "
     "[[[\"in\", 0, 0, {}]]]}], \"output_layers\": [[\"b\", 0, 0]]}}",
     "/config/layers/1/config/center: only center=true and scale=true are supported"},
    {"{\"class_name\": \"Bogus\"}", "/class_name: 'Bogus' is not a Keras model"},
    {"{\"class_name\": \"Sequential\", \"config\": {\"layers\": [}}", "mem.json:1:"},
};

static void test_errors(void **state)
{
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mk_err e;
        mk_err_clear(&e);
        graph *g = graph_load_text(bad[i].json, strlen(bad[i].json), "mem.json", 1, &e);
        char buf[2048];
        mk_err_str(&e, buf, sizeof buf);
        if (g) fail_msg("case %zu loaded", i);
        if (!strstr(buf, bad[i].want))
            fail_msg("case %zu: '%s' does not contain '%s'", i, buf, bad[i].want);
        assert_int_equal(e.code, MK_EINVAL);
        assert_non_null(strstr(buf, "mem.json"));
    }
    mk_err e;
    mk_err_clear(&e);
    assert_null(graph_load_file("/nonexistent/graph.json", 1, &e));
    assert_int_equal(e.code, MK_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_zoo),    cmocka_unit_test(test_spec),
        cmocka_unit_test(test_keras_sequential), cmocka_unit_test(test_keras_functional),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
