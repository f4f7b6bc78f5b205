/* Tests of model/target: the shipped catalogue loads with the derived values expected from
 * its facts, a target survives JSON round trips, MODAK-format infrastructures load, and
 * every file under tests/golden/targets/bad/ fails with the message in its .err file
 * (which names the field) and the file's name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mk_fs.h"
#include "target.h"

static char *src_path(const char *rel)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    return mk_path_join(src ? src : ".", rel);
}

static target *load(const char *rel, const char *partition)
{
    char *p = src_path(rel);
    mk_err e;
    mk_err_clear(&e);
    target *t = target_load_file(p, partition, &e);
    if (!t) {
        char buf[2048];
        fail_msg("%s", mk_err_str(&e, buf, sizeof buf));
    }
    free(p);
    return t;
}

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-6 * fabs(b);
}

static void test_catalogue_values(void **state)
{
    target *t = load("model/data/targets/hlrs_testbed.json", NULL);
    assert_string_equal(t->format, "modak-infrastructure");
    assert_string_equal(t->scheduler, "torque");
    assert_string_equal(t->partition, "ssd");
    assert_int_equal(t->nodes, 5);
    assert_string_equal(t->runtimes[0], "singularity");
    assert_int_equal(t->cpu.simd_bits, 512);
    assert_int_equal(t->cpu.fma_units, 2);
    assert_true(near(t->cpu.peak[TARGET_FP32], 40 * 2.0e9 * 64));
    assert_true(near(t->cpu.peak[TARGET_FP64], 40 * 2.0e9 * 32));
    assert_string_equal(t->cpu.openblas_coretype, "SkylakeX");
    assert_int_equal(t->naccels, 1);
    assert_true(near(t->accels[0].peak[TARGET_FP32], 14e12));
    assert_true(near(t->accels[0].bandwidth, 900e9));
    assert_true(near(target_node_peak(t, TARGET_FP16, 1), 112e12));
    assert_true(near(target_node_peak(t, TARGET_FP32, 0), 5.12e12));
    assert_int_equal(t->nstorage, 2);
    assert_string_equal(t->storage[0].path, "file:///mnt/nfs/home/");
    assert_string_equal(t->storage[0].name, "default-common");
    assert_true(t->storage[0].shared);
    assert_true(t->nsources >= 2 && t->nassumptions >= 2);
    target_free(t);

    t = load("model/data/targets/supermuc_ng_thin.json", NULL);
    assert_int_equal(t->naccels, 0);
    assert_true(fabs(t->cpu.peak[TARGET_FP64] - 4.15e12) < 0.01e12);
    assert_true(near(t->net_bandwidth, 12.5e9));
    assert_true(near(t->net_latency, 1e-6));
    assert_int_equal(t->nnuma, 2);
    target_free(t);

    t = load("model/data/targets/aws_c5_4xlarge.json", NULL);
    assert_string_equal(t->scheduler, "none");
    assert_true(t->cpu.peak[TARGET_INT8] > t->cpu.peak[TARGET_FP32]); /* cascadelake has VNNI */
    target_free(t);

    t = load("model/data/targets/egi.json", NULL);
    assert_string_equal(t->cpu.openblas_coretype, "Haswell");
    assert_true(near(t->cpu.peak[TARGET_FP32], 40 * 2.2e9 * 32));
    target_free(t);
}

static void test_catalogue_listing(void **state)
{
    char *dir = src_path("model/data");
    char **names = NULL;
    size_t n = 0;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(target_catalogue(dir, &names, &n, &e), 0);
    assert_true(n >= 4);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        char *rel = mk_xasprintf("model/data/targets/%s.json", names[i]);
        target *t = load(rel, NULL); /* every shipped target loads */
        assert_string_equal(t->name, names[i]);
        assert_true(t->nsources > 0); /* and names its sources */
        found += !strcmp(names[i], "hlrs_testbed");
        target_free(t);
        free(rel);
        free(names[i]);
    }
    free(names);
    free(dir);
    assert_int_equal(found, 1);
}

static void test_round_trip(void **state)
{
    static const char *const files[] = {
        "model/data/targets/hlrs_testbed.json", "model/data/targets/supermuc_ng_thin.json",
        "model/data/targets/aws_c5_4xlarge.json", "model/data/targets/egi.json"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        target *t = load(files[i], NULL);
        mk_buf a, b;
        mk_buf_init(&a);
        mk_buf_init(&b);
        target_to_json(t, &a);
        mk_err e;
        mk_err_clear(&e);
        target *u = target_load_json("roundtrip.json", a.s, a.len, NULL, &e);
        if (!u) fail_msg("%s: reloading its JSON: %s\n%s", files[i], e.msg, a.s);
        target_to_json(u, &b);
        assert_string_equal(a.s, b.s);
        assert_true(near(t->cpu.peak[TARGET_FP32], u->cpu.peak[TARGET_FP32]));
        mk_buf_fini(&a);
        mk_buf_fini(&b);
        target_free(t);
        target_free(u);
    }
}

static void test_infrastructure_partitions(void **state)
{
    const char *json =
        "{\"name\":\"two\",\"configuration\":{\"scheduler\":\"slurm\",\"partitions\":["
        "{\"name\":\"cpu\",\"nodes\":10,\"node\":{\"cpu\":{\"microarch\":\"zen3\",\"cores\":64,"
        "\"freq_ghz\":2.45},\"memory\":{\"size_gib\":256,\"bandwidth_gbs\":300}}},"
        "{\"name\":\"gpu\",\"default\":true,\"nodes\":2,\"node\":{\"cpu\":{\"microarch\":"
        "\"zen3\",\"cores\":64,\"freq_ghz\":2.45},\"memory\":{\"size_gib\":512},"
        "\"accelerators\":[{\"model\":\"NVIDIA A100-SXM4-40GB\",\"count\":4}]}}]}}";
    mk_err e;
    mk_err_clear(&e);
    target *t = target_load_json("two.json", json, strlen(json), NULL, &e);
    assert_non_null(t);
    assert_string_equal(t->partition, "gpu"); /* the default one */
    assert_int_equal(t->accels[0].count, 4);
    assert_true(near(target_node_peak(t, TARGET_BF16, 1), 4 * 312e12));
    assert_true(near(target_node_peak(t, TARGET_TF32, 1), 4 * 156e12));
    assert_true(t->memory_bandwidth == 0); /* left out: unknown */
    target_free(t);
    t = target_load_json("two.json", json, strlen(json), "cpu", &e);
    assert_non_null(t);
    assert_int_equal(t->nodes, 10);
    assert_int_equal(t->naccels, 0);
    target_free(t);
    assert_null(target_load_json("two.json", json, strlen(json), "fpga", &e));
    assert_non_null(strstr(e.msg, "no partition named 'fpga'"));
}

static void test_accel_catalogue(void **state)
{
    target_accel a = {0};
    assert_int_equal(target_accel_lookup("Tesla V100-SXM2-16GB", &a), 0);
    assert_true(near(a.peak[TARGET_FP16], 125e12));
    memset(&a, 0, sizeof a);
    assert_int_equal(target_accel_lookup("NVIDIA H200", &a), 0);
    assert_true(near(a.bandwidth, 4.8e12));
    memset(&a, 0, sizeof a);
    assert_int_equal(target_accel_lookup("NVIDIA H100 80GB HBM3", &a), 0);
    assert_true(near(a.peak[TARGET_BF16], 989.4e12));
    assert_int_equal(target_accel_lookup("Voodoo 2", &a), -1);
    for (const char *const *id = target_accel_known(); *id; id++) {
        memset(&a, 0, sizeof a);
        assert_int_equal(target_accel_lookup(*id, &a), 0);
        assert_true(a.peak[TARGET_FP32] > 0 && a.memory > 0 && a.bandwidth > 0);
    }
}

typedef struct bad_ctx {
    size_t n;
} bad_ctx;

static int check_bad(const char *path, void *ud)
{
    bad_ctx *c = ud;
    size_t len = strlen(path);
    char *errf = mk_xstrdup(path);
    strcpy(errf + len - 5, ".err");
    char *want = NULL;
    size_t wl;
    mk_err e;
    mk_err_clear(&e);
    if (mk_file_read(errf, 0, &want, &wl, &e) != 0) fail_msg("%s has no .err file", path);
    while (wl && (want[wl - 1] == '\n'))
        want[--wl] = 0;
    target *t = target_load_file(path, NULL, &e);
    if (t) fail_msg("%s loaded; expected: %s", path, want);
    if (!strstr(e.msg, want)) fail_msg("%s:\n  got:  %s\n  want: %s", path, e.msg, want);
    if (strcmp(e.file, path)) fail_msg("%s: the error names '%s', not the file", path, e.file);
    assert_int_equal(e.code, MK_EINVAL);
    free(want);
    free(errf);
    c->n++;
    return 0;
}

static void test_bad_targets(void **state)
{
    char *dir = src_path("tests/golden/targets/bad");
    bad_ctx c = {0};
    mk_err e;
    mk_err_clear(&e);
    static const char *const exts[] = {".json", NULL};
    assert_int_equal(mk_walk_files(dir, exts, check_bad, &c, &e), 0);
    assert_true(c.n >= 20);
    free(dir);
}

static void test_open_by_name(void **state)
{
    char *dir = src_path("model/data");
    setenv("MODAK_DATA", dir, 1);
    mk_err e;
    mk_err_clear(&e);
    target *t = target_open("egi", NULL, &e);
    assert_non_null(t);
    target_free(t);
    assert_null(target_open("nowhere", NULL, &e));
    assert_non_null(strstr(e.msg, "unknown target 'nowhere' (known: "));
    assert_non_null(strstr(e.msg, "hlrs_testbed"));
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_values), cmocka_unit_test(test_catalogue_listing),
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_infrastructure_partitions),
        cmocka_unit_test(test_accel_catalogue),  cmocka_unit_test(test_bad_targets),
        cmocka_unit_test(test_open_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
