#define _POSIX_C_SOURCE 200809L
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
#include <fcntl.h>
#include <unistd.h>

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
    json_t *kn = json_object_get(root, "kernels");
    assert_true(json_is_false(json_object_get(kn, "measured")));
    assert_non_null(strstr(json_string_value(json_object_get(kn, "note")), "not measured"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(root, "openblas"), "how")), "test");
    json_decref(root);
    mk_buf_fini(&b);
    calib_profile_fini(&p);
    target_free(t);
}

/* the kernels hook: a fake benchmark that adds one convolution and one batch norm per
 * thread count */
static int fake_kernels(void *ud, int threads, calib_profile *p, mk_err *err)
{
    (void)err;
    int *calls = ud;
    (*calls)++;
    calib_conv_point c = {.c = 16, .h = 32, .w = 32, .k = 16, .r = 3, .s = 3, .stride = 1,
                          .pad = 1, .algo = {4, 4, 4}, .threads = threads, .images = 8 * threads,
                          .fwd_s = 0.01 / threads, .bwd_s = 0.02 / threads,
                          .bwdw_s = 0.01 / threads, .gflops = 12.5};
    calib_bn_point b = {.c = 16, .hw = 1024, .relu = 1, .threads = threads, .images = 32,
                        .fwd_s = 0.001, .bwd_s = 0.002};
    calib_add_conv(p, &c);
    calib_add_bn(p, &b);
    return 0;
}

static void test_kernels_hook(void **state)
{
    (void)state;
    target_detect_opts d = {.no_tools = 1};
    mk_err e;
    mk_err_clear(&e);
    target *t = target_detect(&d, &e);
    static const calib_shape shapes[] = {{16, 16, 16, "a"}, {24, 24, 24, "b"}, {32, 32, 32, "c"}};
    int threads[] = {1, 2}, calls = 0;
    calib_opts o = {.shapes = shapes,
                    .nshapes = 3,
                    .threads = threads,
                    .nthreads = 2,
                    .min_seconds = 0.001,
                    .triad_bytes = 1 << 16,
                    .kernels = fake_kernels,
                    .kernels_ud = &calls};
    calib_profile p;
    assert_int_equal(calib_run(t, &o, &p, &e), 0);
    assert_int_equal(calls, 2);
    assert_int_equal(p.nconv, 2);
    assert_int_equal(p.nbn, 2);
    assert_true(p.kernels_measured);
    /* the lookups take the nearest thread count, and only the same shape and algorithms */
    calib_conv_point key = p.conv[0];
    assert_ptr_equal(calib_conv_find(&p, &key, 2), &p.conv[1]);
    assert_ptr_equal(calib_conv_find(&p, &key, 1), &p.conv[0]);
    assert_ptr_equal(calib_conv_find(&p, &key, 64), &p.conv[1]);
    key.algo[2] = 1;
    assert_null(calib_conv_find(&p, &key, 1));
    calib_bn_point bk = {.c = 16, .hw = 1024, .relu = 1};
    assert_ptr_equal(calib_bn_find(&p, &bk, 2), &p.bn[1]);
    bk.relu = 0;
    assert_null(calib_bn_find(&p, &bk, 2));
    /* written and read back */
    mk_buf b;
    mk_buf_init(&b);
    calib_profile_to_json(&p, &b);
    char path[] = "/tmp/modak-test-profile-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.s, b.len), (ssize_t)b.len);
    close(fd);
    calib_profile q;
    assert_int_equal(calib_profile_load(path, &q, &e), 0);
    assert_int_equal(q.nconv, 2);
    assert_int_equal(q.nbn, 2);
    assert_true(q.kernels_measured);
    assert_int_equal(q.conv[1].algo[0], 4);
    assert_int_equal(q.conv[1].images, 16);
    assert_true(fabs(q.conv[1].bwd_s - 0.01) < 1e-12);
    assert_int_equal(q.bn[0].relu, 1);
    calib_profile_fini(&q);
    /* a broken point is refused, naming the field */
    char *bad = strstr(b.s, "\"bwd_seconds\"");
    assert_non_null(bad);
    memcpy(bad, "\"bwd_secondz\"", 13);
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, b.s, b.len), (ssize_t)b.len);
    close(fd);
    assert_int_equal(calib_profile_load(path, &q, &e), -1);
    assert_non_null(strstr(e.msg, "/kernels/conv/0"));
    calib_profile_fini(&q);
    unlink(path);
    mk_buf_fini(&b);
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
        cmocka_unit_test(test_kernels_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
