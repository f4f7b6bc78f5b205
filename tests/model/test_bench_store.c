/* Tests of model/bench_store: the shipped store loads (every entry cited and on a known
 * device), figures scale to targets as the roofline blend says, the size-only estimate
 * brackets the measurement it was derived from, and bad store files fail naming file and
 * field (tests/golden/benchmarks/bad). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_store.h"
#include "mk_fs.h"

static char *src_path(const char *rel)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    return mk_path_join(src ? src : ".", rel);
}

static bench_store *shipped(void)
{
    char *d = src_path("model/data");
    setenv("MODAK_DATA", d, 1);
    free(d);
    char *dir = src_path("model/data/benchmarks");
    mk_err e;
    mk_err_clear(&e);
    bench_store *s = bench_store_load_dir(dir, &e);
    if (!s) fail_msg("%s: %s", e.file, e.msg);
    free(dir);
    return s;
}

static target *cat_target(const char *name)
{
    mk_err e;
    mk_err_clear(&e);
    target *t = target_open(name, NULL, &e);
    if (!t) fail_msg("%s", e.msg);
    return t;
}

static void test_shipped_store(void **state)
{
    bench_store *s = shipped();
    assert_true(s->n >= 14);
    int xla = 0, none = 0, pt = 0;
    for (size_t i = 0; i < s->n; i++) {
        assert_non_null(s->v[i].source);
        assert_true(strlen(s->v[i].source) > 20); /* a real citation, not a key */
        assert_true(s->v[i].ref_peak[TARGET_FP32] > 0);
        xla += !strcmp(s->v[i].graph_compiler, "xla");
        none += !strcmp(s->v[i].graph_compiler, "none");
        pt += !strcmp(s->v[i].framework, "pytorch");
    }
    assert_true(xla >= 4 && none >= 4 && pt >= 4);
    assert_int_equal(s->nnets, 1);
    bench_store_free(s);
}

static void test_scaling(void **state)
{
    bench_store *s = shipped();
    target *t = cat_target("hlrs_testbed"); /* V100 PCIe 16 GB */
    bench_estimate est;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(bench_predict(s, "tensorflow", "xla", "resnet50", "fp32", t, &est, &e), 0);
    /* reference: 412 img/s on V100 SXM2 (15.7 TFLOP/s, 900 GB/s); target 14 TFLOP/s, 900 GB/s */
    double want = 412 / (0.8 * 15.7 / 14.0 + 0.2);
    assert_true(fabs(est.throughput - want) < 0.01);
    assert_true(est.low < est.throughput && est.throughput < est.high);
    assert_non_null(strstr(est.how, "DeepLearningExamples"));
    /* amp runs at the fp16 tensor rate: 125 -> 112 TFLOP/s */
    assert_int_equal(bench_predict(s, "pytorch", "none", "resnet50", "amp", t, &est, &e), 0);
    assert_true(fabs(est.throughput - 1200 / (0.8 * 125 / 112.0 + 0.2)) < 0.01);
    /* nothing measured for this combination */
    assert_int_equal(bench_predict(s, "tensorflow", "ngraph", "resnet50", "fp32", t, &est, &e), -1);
    assert_non_null(
        strstr(e.msg, "no GPU measurement of resnet50 with tensorflow (graph compiler ngraph)"));
    target_free(t);
    /* a CPU target cannot borrow GPU figures */
    t = cat_target("supermuc_ng_thin");
    mk_err_clear(&e);
    assert_int_equal(bench_predict(s, "tensorflow", "xla", "resnet50", "fp32", t, &est, &e), -1);
    assert_non_null(strstr(e.msg, "no CPU measurement"));
    /* but the size-only estimate still answers, with a prior and a wide band */
    assert_int_equal(bench_estimate_size(s, "tensorflow", "xla", 1.2e6, 8, "fp32", t, &est, &e), 0);
    assert_true(est.throughput > 0 && est.high / est.low > 10);
    assert_non_null(strstr(est.how, "prior"));
    target_free(t);
    bench_store_free(s);
}

static void test_size_estimate_brackets(void **state)
{
    bench_store *s = shipped();
    char *path = src_path("tests/golden/targets/v100_sxm2_node.json");
    mk_err e;
    mk_err_clear(&e);
    target *t = target_load_file(path, NULL, &e);
    if (!t) fail_msg("%s", e.msg);
    bench_estimate est;
    assert_int_equal(bench_estimate_size(s, "tensorflow", "xla", 25557032, 50, "fp32", t, &est, &e),
                     0);
    /* derived from the V100 figures of the same network: the band holds the measurement */
    assert_true(est.low < 412 && 412 < est.high);
    assert_true(fabs(est.throughput / 412 - 1) < 0.1);
    assert_null(est.ref);
    assert_int_equal(bench_estimate_size(s, "tensorflow", "xla", 0, 1, "fp32", t, &est, &e), -1);
    target_free(t);
    free(path);
    bench_store_free(s);
}

static int check_bad(const char *path, void *ud)
{
    size_t *n = ud;
    char *errf = mk_xstrdup(path);
    strcpy(errf + strlen(path) - 5, ".err");
    char *want;
    size_t wl;
    mk_err e;
    mk_err_clear(&e);
    if (mk_file_read(errf, 0, &want, &wl, &e) != 0) fail_msg("%s has no .err", path);
    while (wl && want[wl - 1] == '\n')
        want[--wl] = 0;
    bench_store *s = bench_store_new();
    if (bench_store_load_file(s, path, &e) == 0) fail_msg("%s loaded", path);
    if (!strstr(e.msg, want)) fail_msg("%s:\n  got:  %s\n  want: %s", path, e.msg, want);
    assert_string_equal(e.file, path);
    bench_store_free(s);
    free(want);
    free(errf);
    (*n)++;
    return 0;
}

static void test_bad_store_files(void **state)
{
    char *d = src_path("model/data");
    setenv("MODAK_DATA", d, 1);
    free(d);
    char *dir = src_path("tests/golden/benchmarks/bad");
    size_t n = 0;
    mk_err e;
    mk_err_clear(&e);
    static const char *const exts[] = {".json", NULL};
    assert_int_equal(mk_walk_files(dir, exts, check_bad, &n, &e), 0);
    assert_true(n >= 12);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_store),
        cmocka_unit_test(test_scaling),
        cmocka_unit_test(test_size_estimate_brackets),
        cmocka_unit_test(test_bad_store_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
