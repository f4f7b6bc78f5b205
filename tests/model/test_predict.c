/* Tests of model/predict against the compiler's IR: per-layer rows of the fused mnist_cnn,
 * the roofline arithmetic with a synthetic profile (checked by hand for conv2), scaling
 * with batch and threads, data loading overlap, the all-reduce, and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mk_fs.h"
#include "kern.h"
#include "predict.h"
#include "zoo.h"

static target *fixture_target(void)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    char *p = mk_path_join(src ? src : ".", "model/data/targets/egi.json");
    mk_err e;
    mk_err_clear(&e);
    target *t = target_load_file(p, NULL, &e);
    if (!t) fail_msg("%s", e.msg);
    free(p);
    return t;
}

/* 40 cores; profile: 1 thread 50 GFLOP/s, 40 threads 1000 GFLOP/s; efficiency per class */
static void synthetic_profile(calib_profile *p, const target *t)
{
    memset(p, 0, sizeof *p);
    strcpy(p->target, "synthetic");
    strcpy(p->openblas_core, "Haswell");
    p->peak_fp32_node = t->cpu.peak[TARGET_FP32];
    p->cores = t->cpu.cores;
    p->nfits = 2;
    p->fits[0] = (calib_fit){.threads = 1,
                             .params = 1,
                             .gflops = 50,
                             .eff_small = 0.3,
                             .eff_medium = 0.6,
                             .eff_large = 0.8};
    p->fits[1] = (calib_fit){.threads = 40,
                             .params = 1,
                             .gflops = 1000,
                             .eff_small = 0.2,
                             .eff_medium = 0.5,
                             .eff_large = 0.7};
    p->ntriad = 2;
    p->triad_threads[0] = 1;
    p->triad_gbs[0] = 10;
    p->triad_threads[1] = 40;
    p->triad_gbs[1] = 80;
}

static graph *mnist(int batch)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_zoo_build("mnist_cnn", batch, &e);
    if (!g) fail_msg("%s", e.msg);
    return g;
}

static const predict_layer *layer(const predict_result *r, const char *name)
{
    for (int i = 0; i < r->nlayers; i++)
        if (!strcmp(r->layers[i].name, name)) return &r->layers[i];
    fail_msg("no layer %s", name);
    return NULL;
}

static void test_mnist_layers(void **state)
{
    target *t = fixture_target();
    calib_profile p;
    synthetic_profile(&p, t);
    graph *g = mnist(32);
    predict_opts o = {.threads = 1, .samples = 60000, .epochs = 3};
    predict_result r;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(predict_graph(g, t, &p, &o, &r, &e), 0);
    /* fused: no separate bias_add / relu rows */
    for (int i = 0; i < r.nlayers; i++) {
        assert_null(strstr(r.layers[i].op, "bias_add"));
        assert_string_not_equal(r.layers[i].op, "relu");
    }
    /* conv2: 3x3, 32 -> 64 channels on 24x24 outputs, batch 32: GEMM 64 x 576 x 288 */
    const predict_layer *c2 = layer(&r, "conv2");
    assert_string_equal(c2->cls, "medium");
    double flops = 2.0 * 64 * 576 * 288 * 32;
    assert_true(fabs(c2->fwd_flops - flops) / flops < 0.02); /* bias adds a little */
    double rate = 0.6 * t->cpu.peak[TARGET_FP32] / 40;
    /* the compiler's choice for this AVX2 target (32 -> 64 channels, 3x3, stride 1) is
     * WINOGRAD: 16 products for 36, and its transformed input and output (4x the tensors)
     * written and read */
    double transforms = 2 * 4 * (4.0 * 32 * 576 * 32 + 4.0 * 64 * 576 * 32) / 10e9;
    assert_true(fabs(c2->fwd_s - (fmax(16.0 / 36 * c2->fwd_flops / rate, c2->fwd_bytes / 10e9) +
                                  transforms)) < 1e-12);
    assert_string_equal(c2->bound, "compute");
    /* conv1 (one input channel) unfolds one image at a time (c*r*s = 9, 676 pixels): the
     * columns are written and read */
    const predict_layer *c1 = layer(&r, "conv1");
    double unfold = 2 * 4.0 * 9 * 676 * 32 / 10e9;
    double rate1 = (!strcmp(c1->cls, "small") ? 0.3 : 0.6) * t->cpu.peak[TARGET_FP32] / 40;
    assert_true(c1->fwd_s >= unfold + fmax(c1->fwd_flops / rate1, c1->fwd_bytes / 10e9) - 1e-12);
    assert_int_equal(r.measured_layers, 0);
    /* the step adds up; epochs multiply */
    double sum = 0;
    for (int i = 0; i < r.nlayers; i++)
        sum += r.layers[i].fwd_s + r.layers[i].bwd_s;
    assert_true(fabs(sum - r.compute_s) < 1e-12);
    assert_true(fabs(r.step_s - (r.compute_s + r.update_s + r.data_visible_s)) < 1e-12);
    assert_true(r.steps_per_epoch == 1875);
    assert_true(fabs(r.train_s - 3 * 1875 * r.step_s) < 1e-9 * r.train_s);
    assert_non_null(strstr(r.basis, "profile of synthetic"));
    /* the NFS read of 785-byte samples hides behind compute */
    assert_true(r.data_s > 0 && r.data_visible_s == 0);
    mk_buf b;
    mk_buf_init(&b);
    predict_result_to_json(&r, &b);
    json_t *root = json_loads(b.s, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_array_size(json_object_get(root, "layers")), r.nlayers);
    json_decref(root);
    mk_buf_reset(&b);
    predict_result_to_text(&r, &b);
    assert_non_null(strstr(b.s, "conv2"));
    mk_buf_fini(&b);
    predict_result_fini(&r);
    graph_free(g);
    target_free(t);
}

static void test_scaling_and_options(void **state)
{
    target *t = fixture_target();
    calib_profile p;
    synthetic_profile(&p, t);
    mk_err e;
    mk_err_clear(&e);
    predict_result r1, r2, r40, rn;
    predict_opts o = {.threads = 1};
    graph *g = mnist(32);
    assert_int_equal(predict_graph(g, t, &p, &o, &r1, &e), 0);
    graph_free(g);
    g = mnist(64);
    assert_int_equal(predict_graph(g, t, &p, &o, &r2, &e), 0);
    double ratio = r2.compute_s / r1.compute_s;
    /* about twice: the optimiser's pass over the 1.2M parameters does not grow with the
     * batch (with WINOGRAD's cheaper convolutions it is a larger share: 1.797) */
    assert_true(ratio > 1.7 && ratio < 2.2);
    o.threads = 40;
    assert_int_equal(predict_graph(g, t, &p, &o, &r40, &e), 0);
    assert_true(r40.step_s < r2.step_s / 5);
    /* no prefetch: data time is added */
    predict_opts np = {.threads = 1, .no_prefetch = 1};
    assert_int_equal(predict_graph(g, t, &p, &np, &rn, &e), 0);
    assert_true(fabs(rn.step_s - (r2.step_s + rn.data_s)) < 1e-12);
    predict_result_fini(&rn);
    /* two ranks: a ring all-reduce of 1.2 M fp32 gradients over 10 GbE */
    predict_opts ro = {.threads = 40, .ranks = 2};
    assert_int_equal(predict_graph(g, t, &p, &ro, &rn, &e), 0);
    assert_true(rn.allreduce_s > 0.003 && rn.allreduce_s < 0.01);
    predict_result_fini(&rn);
    /* uncalibrated */
    assert_int_equal(predict_graph(g, t, NULL, &o, &rn, &e), 0);
    assert_non_null(strstr(rn.basis, "uncalibrated"));
    predict_result_fini(&rn);
    /* errors */
    predict_opts bad = {.storage = "tape"};
    assert_int_equal(predict_graph(g, t, &p, &bad, &rn, &e), -1);
    assert_non_null(strstr(e.msg, "no storage class 'tape'"));
    graph_free(g);
    predict_result_fini(&r1);
    predict_result_fini(&r2);
    predict_result_fini(&r40);
    target_free(t);
}

static void test_profile_round_trip(void **state)
{
    target *t = fixture_target();
    calib_profile p, q;
    synthetic_profile(&p, t);
    mk_buf b;
    mk_buf_init(&b);
    calib_profile_to_json(&p, &b);
    char path[] = "/tmp/modak-profile-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.s, b.len), (ssize_t)b.len);
    close(fd);
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(calib_profile_load(path, &q, &e), 0);
    assert_int_equal(q.nfits, 2);
    assert_true(fabs(q.fits[1].eff_medium - 0.5) < 1e-9);
    assert_true(fabs(calib_triad_for(&q, 20) - (10 + (80 - 10) * 19.0 / 39) * 1e9) < 1);
    assert_int_equal(calib_fit_for(&q, 30)->threads, 40);
    unlink(path);
    assert_int_equal(calib_profile_load(path, &q, &e), -1);
    assert_int_equal(e.code, MK_EIO);
    mk_buf_fini(&b);
    target_free(t);
}

/* layers the profile's kernel benchmarks timed take those times, scaled to the batch */
static void test_measured_layers(void **state)
{
    (void)state;
    target *t = fixture_target();
    calib_profile p;
    synthetic_profile(&p, t);
    /* conv2 of mnist_cnn as the compiler runs it on this AVX2 target, 4 images on 1 thread;
     * a point of another algorithm triple must not be taken */
    calib_conv_point c = {.c = 32, .h = 26, .w = 26, .k = 64, .r = 3, .s = 3, .stride = 1,
                          .pad = 0, .bias = 1, .relu = 1, .algo = {KERN_CONV_IM2COL, KERN_CONV_IM2COL, KERN_CONV_IM2COL},
                          .threads = 1, .images = 4, .fwd_s = 1, .bwd_s = 1, .bwdw_s = 1};
    calib_add_conv(&p, &c);
    graph *g = mnist(32);
    predict_opts o = {.threads = 1};
    predict_result r;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(predict_graph(g, t, &p, &o, &r, &e), 0);
    assert_int_equal(r.measured_layers, 0);
    predict_result_fini(&r);
    graph_free(g);
    int algo[3] = {-1, -1, -1};
    g = mnist(32);
    assert_int_equal(predict_graph(g, t, &p, &o, &r, &e), 0); /* to learn the choice */
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i]->name && !strcmp(g->nodes[i]->name, "conv2") && !g->nodes[i]->fwd) {
            algo[0] = g->nodes[i]->op_params[GRAPH_P_ALGO];
            algo[1] = g->nodes[i]->op_params[GRAPH_P_ALGO_BWD_DATA];
            algo[2] = g->nodes[i]->op_params[GRAPH_P_ALGO_BWD_WEIGHTS];
        }
    predict_result_fini(&r);
    graph_free(g);
    assert_int_equal(algo[0], KERN_CONV_WINOGRAD);
    c.algo[0] = algo[0], c.algo[1] = algo[1], c.algo[2] = algo[2];
    c.fwd_s = 0.004, c.bwd_s = 0.010, c.bwdw_s = 0.006;
    c.relu = 0; /* the layer fuses a ReLU: a point without one is another measurement */
    c.fwd_s = 1;
    calib_add_conv(&p, &c);
    c.relu = 1;
    c.fwd_s = 0.004;
    calib_add_conv(&p, &c);
    calib_bn_point b = {.c = 1, .hw = 1, .relu = 0, .threads = 1, .images = 1};
    calib_add_bn(&p, &b); /* no batch norm in mnist_cnn: never taken */
    g = mnist(32);
    assert_int_equal(predict_graph(g, t, &p, &o, &r, &e), 0);
    assert_int_equal(r.measured_layers, 1);
    const predict_layer *c2 = layer(&r, "conv2");
    assert_string_equal(c2->bound, "measured");
    assert_true(fabs(c2->fwd_s - 0.004 * 32 / 4) < 1e-12); /* 32 images, measured on 4 */
    assert_true(fabs(c2->bwd_s - 0.010 * 32 / 4) < 1e-12); /* it computes dx */
    /* two threads: measured on one, scaled ideally */
    predict_result_fini(&r);
    graph_free(g);
    g = mnist(32);
    o.threads = 2;
    assert_int_equal(predict_graph(g, t, &p, &o, &r, &e), 0);
    c2 = layer(&r, "conv2");
    assert_true(fabs(c2->fwd_s - 0.004 * 16 / 4 / 2) < 1e-12);
    assert_non_null(strstr(r.basis, "1 layers timed"));
    predict_result_fini(&r);
    graph_free(g);
    calib_profile_fini(&p);
    target_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mnist_layers),
        cmocka_unit_test(test_measured_layers),
        cmocka_unit_test(test_scaling_and_options),
        cmocka_unit_test(test_profile_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
