/* Tests of model/calibrate: the LAPACK least squares, the sgemm model fit on synthetic
 * points with known coefficients (and the dropping of a term that comes out negative),
 * the triad, and a quick calibration run whose profile JSON has every part. No timing is
 * asserted: the machine is shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "target_detect.h"

static void test_lstsq(void **state)
{
    /* y = 2 + 3 x0 - x1 on 6 points, exactly */
    double A[6 * 3], b[6], x[3];
    for (int i = 0; i < 6; i++) {
        double x0 = i, x1 = (i * i) % 5;
        A[i * 3 + 0] = 1;
        A[i * 3 + 1] = x0;
        A[i * 3 + 2] = x1;
        b[i] = 2 + 3 * x0 - x1;
    }
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(calib_lstsq(A, b, 6, 3, x, &e), 0);
    assert_true(fabs(x[0] - 2) < 1e-9 && fabs(x[1] - 3) < 1e-9 && fabs(x[2] + 1) < 1e-9);
    /* rank-deficient: a column of zeros */
    for (int i = 0; i < 6; i++)
        A[i * 3 + 2] = 0;
    assert_int_equal(calib_lstsq(A, b, 6, 3, x, &e), -1);
    assert_non_null(strstr(e.msg, "dgels"));
}

static calib_point synth(int m, int n, int k, double F, double B, double c_us)
{
    calib_point p = {.m = m, .n = n, .k = k, .threads = 1};
    double fl = 2.0 * m * n * k, by = 4.0 * ((double)m * k + (double)k * n + (double)m * n);
    p.seconds = fl / (F * 1e9) + (B > 0 ? by / (B * 1e9) : 0) + c_us * 1e-6;
    p.gflops = fl / p.seconds / 1e9;
    return p;
}

static void test_fit_recovers_model(void **state)
{
    calib_point pts[8];
    int shapes[8][3] = {{32, 21632, 9},  {64, 18432, 288}, {32, 128, 9216}, {16, 32768, 144},
                        {64, 2048, 576}, {256, 784, 128},  {128, 128, 128}, {512, 512, 512}};
    for (int i = 0; i < 8; i++)
        pts[i] = synth(shapes[i][0], shapes[i][1], shapes[i][2], 50, 20, 5);
    calib_fit f;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(calib_fit_points(pts, 8, 1, 100e9, &f, &e), 0);
    assert_int_equal(f.params, 3);
    assert_true(fabs(f.gflops - 50) < 0.5);
    assert_true(fabs(f.bytes_gbs - 20) < 0.2);
    assert_true(fabs(f.overhead_us - 5) < 0.05);
    assert_true(f.rms_rel < 1e-6);
    assert_true(f.eff_large > 0 && f.eff_small > 0);
    /* points of another thread count are ignored */
    assert_int_equal(calib_fit_points(pts, 8, 2, 100e9, &f, &e), -1);
}

static void test_fit_drops_negative_terms(void **state)
{
    /* a pure compute model with a small negative bandwidth-like deviation: the fit must not
     * report a negative bandwidth, it drops the term */
    calib_point pts[6];
    int shapes[6][3] = {{32, 21632, 9},   {64, 18432, 288}, {32, 128, 9216},
                        {16, 32768, 144}, {64, 2048, 576},  {512, 512, 512}};
    for (int i = 0; i < 6; i++) {
        pts[i] = synth(shapes[i][0], shapes[i][1], shapes[i][2], 80, 0, 0);
        double by = 4.0 * ((double)pts[i].m * pts[i].k + (double)pts[i].k * pts[i].n +
                           (double)pts[i].m * pts[i].n);
        pts[i].seconds -= 0.2 * by / 400e9; /* faster than the pure model on traffic-heavy ones */
    }
    calib_fit f;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(calib_fit_points(pts, 6, 1, 100e9, &f, &e), 0);
    assert_true(f.params < 3);
    assert_true(f.bytes_gbs == 0);
    assert_true(f.gflops > 0 && f.overhead_us >= 0);
}

static void test_triad(void **state)
{
    double gbs = calib_triad(1 << 20, 1, 0.01);
    assert_true(gbs > 0 && isfinite(gbs));
    gbs = calib_triad(1 << 20, 2, 0.01);
    assert_true(gbs > 0 && isfinite(gbs));
}

static void test_quick_run_profile(void **state)
{
    target_detect_opts d = {.no_tools = 1};
    mk_err e;
    mk_err_clear(&e);
    target *t = target_detect(&d, &e);
    assert_non_null(t);
    static const calib_shape shapes[] = {
        {16, 64, 9, "a"}, {32, 32, 32, "b"}, {64, 64, 64, "c"}, {96, 80, 72, "d"}};
    int threads[] = {1, 2};
    calib_opts o = {.shapes = shapes,
                    .nshapes = 4,
                    .threads = threads,
                    .nthreads = 2,
                    .min_seconds = 0.005,
                    .triad_bytes = 1 << 18,
                    .openblas_how = "test"};
    calib_profile p;
    assert_int_equal(calib_run(t, &o, &p, &e), 0);
    assert_int_equal(p.npoints, 8);
    assert_int_equal(p.nfits, 2);
    assert_int_equal(p.ntriad, 2);
    for (size_t i = 0; i < p.npoints; i++)
        assert_true(p.points[i].gflops > 0);
    mk_buf b;
    mk_buf_init(&b);
    calib_profile_to_json(&p, &b);
    json_error_t je;
    json_t *root = json_loads(b.s, 0, &je);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "format")), "modak-profile/1");
    assert_int_equal(json_array_size(json_object_get(json_object_get(root, "sgemm"), "points")), 8);
    assert_int_equal(json_array_size(json_object_get(json_object_get(root, "sgemm"), "fit")), 2);
    json_t *conv = json_object_get(root, "conv");
    assert_true(json_is_false(json_object_get(conv, "measured")));
    assert_non_null(json_object_get(conv, "reason"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(root, "openblas"), "how")), "test");
    json_decref(root);
    mk_buf_fini(&b);
    calib_profile_fini(&p);
    target_free(t);
}

/* the convolution hook: a fake kernels library */
static int fake_conv(void *ud, const char *algo, const calib_conv_shape *s, int threads,
                     double *seconds, double *flops)
{
    int *calls = ud;
    (*calls)++;
    if (!strcmp(algo, "winograd") && s->kh != 3) return -1; /* not applicable */
    *flops = 2.0 * s->batch * s->out_c * s->in_c * s->kh * s->kw * s->in_h * s->in_w;
    *seconds = *flops / (threads * 10e9);
    return 0;
}

static void test_conv_hook(void **state)
{
    target_detect_opts d = {.no_tools = 1};
    mk_err e;
    mk_err_clear(&e);
    target *t = target_detect(&d, &e);
    static const calib_shape shapes[] = {{16, 16, 16, "a"}, {24, 24, 24, "b"}, {32, 32, 32, "c"}};
    static const calib_conv_shape cs[] = {{1, 3, 32, 32, 16, 3, 3, 1, 1, "3x3"},
                                          {1, 16, 8, 8, 32, 1, 1, 1, 0, "1x1"}};
    static const char *const algos[] = {"im2col", "winograd", NULL};
    int threads[] = {1}, calls = 0;
    calib_opts o = {.shapes = shapes,
                    .nshapes = 3,
                    .threads = threads,
                    .nthreads = 1,
                    .min_seconds = 0.001,
                    .triad_bytes = 1 << 16,
                    .conv = fake_conv,
                    .conv_ud = &calls,
                    .conv_shapes = cs,
                    .nconv_shapes = 2,
                    .conv_algos = algos};
    calib_profile p;
    assert_int_equal(calib_run(t, &o, &p, &e), 0);
    assert_int_equal(calls, 4);
    assert_int_equal(p.nconv, 3); /* winograd does not apply to 1x1 */
    assert_true(p.conv_measured);
    assert_true(fabs(p.conv[0].gflops - 10) < 1e-9);
    calib_profile_fini(&p);
    target_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lstsq),
        cmocka_unit_test(test_fit_recovers_model),
        cmocka_unit_test(test_fit_drops_negative_terms),
        cmocka_unit_test(test_triad),
        cmocka_unit_test(test_quick_run_profile),
        cmocka_unit_test(test_conv_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
