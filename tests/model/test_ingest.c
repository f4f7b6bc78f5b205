/* Tests of model/ingest: metrics files (running averages, per-step times, resumed runs,
 * evaluation lines), the refit moving efficiencies in the direction the runs say and
 * bringing predictions to the measurements, every observation kept (a file ingested twice
 * counts once; ingesting in two calls or one gives the same profile), seeding a profile
 * from a target, and bad files with errors naming the file, line and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "mk_fs.h"
#include "predict.h"
#include "zoo.h"

static char *src_path(const char *rel)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    return mk_path_join(src ? src : ".", rel);
}

static char *fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/model/fixtures/ingest/%s", name);
    return src_path(rel);
}

static target *egi(void)
{
    char *p = src_path("model/data/targets/egi.json");
    mk_err e;
    mk_err_clear(&e);
    target *t = target_load_file(p, NULL, &e);
    if (!t) fail_msg("%s", e.msg);
    free(p);
    return t;
}

/* The synthetic profile of test_predict: 1 thread 50 GFLOP/s, 40 threads 1000. */
static json_t *synthetic_profile(const target *t)
{
    calib_profile p;
    memset(&p, 0, sizeof p);
    strcpy(p.target, "synthetic");
    strcpy(p.openblas_core, "Haswell");
    p.peak_fp32_node = t->cpu.peak[TARGET_FP32];
    p.cores = t->cpu.cores;
    p.nfits = 2;
    p.fits[0] = (calib_fit){.threads = 1,
                            .params = 1,
                            .gflops = 50,
                            .eff_small = 0.3,
                            .eff_medium = 0.6,
                            .eff_large = 0.8};
    p.fits[1] = (calib_fit){.threads = 40,
                            .params = 1,
                            .gflops = 1000,
                            .eff_small = 0.2,
                            .eff_medium = 0.5,
                            .eff_large = 0.7};
    p.ntriad = 2;
    p.triad_threads[0] = 1;
    p.triad_gbs[0] = 10;
    p.triad_threads[1] = 40;
    p.triad_gbs[1] = 80;
    mk_buf b;
    mk_buf_init(&b);
    calib_profile_to_json(&p, &b);
    json_t *j = json_loads(b.s, 0, NULL);
    assert_non_null(j);
    mk_buf_fini(&b);
    return j;
}

static void read_file(const char *name, const ingest_defaults *d, ingest_obs **v, size_t *n)
{
    char *p = fixture(name);
    mk_err e;
    mk_err_clear(&e);
    if (ingest_read_metrics(p, d, v, n, &e) != 0) fail_msg("%s: %s", p, e.msg);
    free(p);
}

/* Predicted step of mnist_cnn (batch, threads, build) with a profile JSON, as the CLI does. */
static double predicted_build(const json_t *prof, const target *t, int batch, int threads,
                              int generic)
{
    char path[] = "/tmp/modak-ingest-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(json_dump_file(prof, path, 0), 0);
    calib_profile p;
    mk_err e;
    mk_err_clear(&e);
    if (calib_profile_load(path, &p, &e) != 0) fail_msg("%s", e.msg);
    unlink(path);
    graph *g = graph_zoo_build("mnist_cnn", batch, &e);
    assert_non_null(g);
    predict_opts o = {.threads = threads, .generic = generic};
    ingest_apply(prof, &o);
    predict_result r;
    if (predict_graph(g, t, &p, &o, &r, &e) != 0) fail_msg("%s", e.msg);
    double s = r.step_s;
    predict_result_fini(&r);
    graph_free(g);
    calib_profile_fini(&p);
    return s;
}

static double predicted(const json_t *prof, const target *t, int batch, int threads)
{
    return predicted_build(prof, t, batch, threads, 0);
}

static double eff(const json_t *prof, int fit, const char *cls)
{
    const json_t *f = json_array_get(json_object_get(json_object_get(prof, "sgemm"), "fit"), fit);
    return json_real_value(json_object_get(json_object_get(f, "efficiency"), cls));
}

static void test_read_metrics(void **state)
{
    (void)state;
    ingest_obs *v = NULL;
    size_t n = 0;
    read_file("slow.jsonl", NULL, &v, &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].network, "mnist_cnn");
    assert_int_equal(v[0].batch, 32);
    assert_int_equal(v[0].threads, 1);
    assert_string_equal(v[0].openblas, "Haswell");
    /* running averages: T_1 = 32/106.7, T_5 = 160/145.5; the warm-up step left out */
    double expect = (160 / 145.5 - 32 / 106.7) / 4;
    assert_true(fabs(v[0].step_s - expect) < 1e-9);
    assert_int_equal(v[0].steps, 4);
    assert_non_null(strstr(v[0].source, "slow.jsonl:1-6"));
    assert_int_equal(strlen(v[0].hash), 16);
    /* per-step times: the median without the first */
    read_file("fast.jsonl", NULL, &v, &n);
    assert_int_equal(n, 2);
    assert_true(fabs(v[1].step_s - 0.0805) < 1e-12);
    assert_int_equal(v[1].batch, 64);
    /* no header: the defaults; a resumed run is two segments */
    ingest_defaults d = {.network = "mnist_cnn", .batch = 16, .threads = 2};
    read_file("resumed.jsonl", &d, &v, &n);
    assert_int_equal(n, 3);
    double seg1 = (3 * 16 / 180.0 - 16 / 100.0) / 2, seg2 = 32 / 160.0 - 16 / 120.0;
    assert_true(fabs(v[2].step_s - (2 * seg1 + seg2) / 3) < 1e-9);
    assert_int_equal(v[2].steps, 3);
    assert_int_equal(v[2].threads, 2);
    /* the same lines give the same hash; different files differ */
    assert_string_not_equal(v[0].hash, v[1].hash);
    ingest_obs *w = NULL;
    size_t m = 0;
    read_file("slow.jsonl", NULL, &w, &m);
    assert_string_equal(w[0].hash, v[0].hash);
    ingest_obs_free(w, m);
    ingest_obs_free(v, n);
}

static void test_refit_direction(void **state)
{
    (void)state;
    target *t = egi();
    json_t *prof = synthetic_profile(t);
    double before = predicted(prof, t, 32, 1);
    ingest_obs *v = NULL;
    size_t n = 0;
    read_file("slow.jsonl", NULL, &v, &n);
    double measured = v[0].step_s;
    assert_true(measured > 1.5 * before); /* the fixture ran slower than the model says */
    ingest_report rep;
    mk_err e;
    mk_err_clear(&e);
    if (ingest_update(prof, "p.json", t, v, n, &rep, &e) != 0) fail_msg("%s", e.msg);
    assert_int_equal(rep.added, 1);
    assert_int_equal(rep.total, 1);
    assert_int_equal(rep.nfits, 2);
    /* mnist_cnn's GEMMs are small (conv1, dense layers) and medium (conv2): both efficiencies
     * of the 1-thread fit drop; the large class, which no run exercised, follows the common
     * factor (one slow run says the machine is slower); the 40-thread fit has no
     * observation and keeps its values */
    assert_true(eff(prof, 0, "small") < 0.3);
    assert_true(eff(prof, 0, "medium") < 0.6);
    assert_true(eff(prof, 0, "large") < 0.8);
    assert_true(fabs((eff(prof, 0, "large") / 0.8) / (eff(prof, 0, "medium") / 0.6) - 1) < 0.2);
    assert_true(fabs(eff(prof, 1, "medium") - 0.5) < 1e-9);
    assert_true(rep.fits[0].factor[1] > 1);
    assert_int_equal(rep.fits[1].nobs, 0);
    if (!(rep.fits[0].rms_after < 0.05 && rep.fits[0].rms_before > 0.3))
        fail_msg("rms %g -> %g (predicted %g, measured %g)", rep.fits[0].rms_before,
                 rep.fits[0].rms_after, before, measured);
    double after = predicted(prof, t, 32, 1);
    assert_true(fabs(after / measured - 1) < 0.05);
    /* the base is kept, the observation with its predicted split */
    const json_t *ing = json_object_get(prof, "ingest");
    assert_true(json_real_value(json_object_get(
                    json_object_get(json_array_get(json_object_get(ing, "base"), 0), "efficiency"),
                    "medium")) == 0.6);
    const json_t *o = json_array_get(json_object_get(ing, "observations"), 0);
    assert_non_null(json_object_get(o, "predicted_split"));
    assert_string_equal(json_string_value(json_object_get(o, "hash")), v[0].hash);

    /* a fast run pulls the other way: efficiencies rise above the slow fit's */
    double slow_medium = eff(prof, 0, "medium");
    ingest_obs *f = NULL;
    size_t nf = 0;
    read_file("fast.jsonl", NULL, &f, &nf);
    json_t *fresh = synthetic_profile(t);
    assert_true(f[0].step_s < predicted(fresh, t, 64, 1));
    if (ingest_update(fresh, "q.json", t, f, nf, &rep, &e) != 0) fail_msg("%s", e.msg);
    assert_true(eff(fresh, 0, "medium") > 0.6);
    assert_true(rep.fits[0].factor[1] < 1);
    /* both runs: in between */
    if (ingest_update(prof, "p.json", t, f, nf, &rep, &e) != 0) fail_msg("%s", e.msg);
    assert_int_equal(rep.total, 2);
    assert_true(eff(prof, 0, "medium") > slow_medium &&
                eff(prof, 0, "medium") < eff(fresh, 0, "medium"));
    assert_true(rep.fits[0].rms_after < rep.fits[0].rms_before);
    json_decref(fresh);
    ingest_obs_free(f, nf);
    ingest_obs_free(v, n);
    json_decref(prof);
    target_free(t);
}

static void test_generic_build(void **state)
{
    (void)state;
    target *t = egi();
    ingest_obs *v = NULL, *g = NULL;
    size_t n = 0, ng = 0;
    read_file("slow.jsonl", NULL, &v, &n);
    read_file("slow.jsonl", NULL, &g, &ng);
    read_file("generic.jsonl", NULL, &g, &ng);
    assert_int_equal(g[1].generic, 1);
    assert_true(fabs(g[1].step_s - 0.51) < 1e-12);
    json_t *a = synthetic_profile(t), *b = synthetic_profile(t);
    ingest_report rep;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(ingest_update(a, "a", t, v, n, &rep, &e), 0);
    double gen_before = predicted_build(b, t, 32, 1, 1);
    assert_int_equal(ingest_update(b, "b", t, g, ng, &rep, &e), 0);
    /* the generic run leaves the efficiencies to the optimised runs */
    const char *cls[] = {"small", "medium", "large"};
    for (int k = 0; k < 3; k++)
        for (int f = 0; f < 2; f++)
            assert_true(fabs(eff(a, f, cls[k]) - eff(b, f, cls[k])) < 1e-9);
    /* and gets its own factors: the generic prediction moves to its measurement, the
     * optimised one stays where the optimised run put it */
    int found = 0;
    for (size_t i = 0; i < rep.nfits; i++)
        if (rep.fits[i].generic) {
            found = 1;
            assert_int_equal(rep.fits[i].nobs, 1);
            assert_true(rep.fits[i].factor[1] > 1);
        }
    assert_true(found);
    double gen_after = predicted_build(b, t, 32, 1, 1);
    assert_true(fabs(gen_after / 0.51 - 1) < 0.05);
    assert_true(fabs(gen_before / 0.51 - 1) > 0.3);
    assert_true(fabs(predicted(a, t, 32, 1) - predicted(b, t, 32, 1)) < 1e-9);
    json_decref(a);
    json_decref(b);
    ingest_obs_free(v, n);
    ingest_obs_free(g, ng);
    target_free(t);
}

static void test_reproducible(void **state)
{
    (void)state;
    target *t = egi();
    ingest_obs *a = NULL, *b = NULL, *ab = NULL;
    size_t na = 0, nb = 0, nab = 0;
    read_file("slow.jsonl", NULL, &a, &na);
    read_file("fast.jsonl", NULL, &b, &nb);
    read_file("slow.jsonl", NULL, &ab, &nab);
    read_file("fast.jsonl", NULL, &ab, &nab);
    ingest_report rep;
    mk_err e;
    mk_err_clear(&e);
    json_t *p1 = synthetic_profile(t), *p2 = synthetic_profile(t);
    assert_int_equal(ingest_update(p1, "p", t, a, na, &rep, &e), 0);
    assert_int_equal(ingest_update(p1, "p", t, b, nb, &rep, &e), 0);
    assert_int_equal(ingest_update(p2, "p", t, ab, nab, &rep, &e), 0);
    char *s1 = json_dumps(p1, JSON_SORT_KEYS), *s2 = json_dumps(p2, JSON_SORT_KEYS);
    assert_string_equal(s1, s2);
    /* the same file again: counted once, the profile unchanged */
    assert_int_equal(ingest_update(p1, "p", t, a, na, &rep, &e), 0);
    assert_int_equal(rep.added, 0);
    assert_int_equal(rep.duplicates, 1);
    assert_int_equal(rep.total, 2);
    char *s3 = json_dumps(p1, JSON_SORT_KEYS);
    assert_string_equal(s1, s3);
    free(s1);
    free(s2);
    free(s3);
    json_decref(p1);
    json_decref(p2);
    ingest_obs_free(a, na);
    ingest_obs_free(b, nb);
    ingest_obs_free(ab, nab);
    target_free(t);
}

static void test_seeded_profile(void **state)
{
    (void)state;
    target *t = egi();
    int th[] = {2, 2};
    char *s = ingest_seed_profile(t, th, 2);
    json_t *p = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(p);
    const json_t *fits = json_object_get(json_object_get(p, "sgemm"), "fit");
    assert_int_equal(json_array_size(fits), 3); /* 1, 2 and the 40 cores */
    assert_true(eff(p, 1, "large") == 0.5);
    ingest_obs *v = NULL;
    size_t n = 0;
    read_file("slow.jsonl", NULL, &v, &n);
    ingest_report rep;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(ingest_update(p, "seed.json", t, v, n, &rep, &e), 0);
    assert_true(eff(p, 0, "medium") < 0.5);
    ingest_obs_free(v, n);
    json_decref(p);
    target_free(t);
}

static void test_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *file, *expect;
    } cases[] = {
        {"bad_json.jsonl", "bad_json.jsonl:3:"},
        {"bad_step.jsonl", "bad_step.jsonl:2: /step: must be an integer >= 1"},
        {"bad_ips.jsonl", "bad_ips.jsonl:2: /images_per_s: must be a number > 0"},
        {"bad_header.jsonl", "bad_header.jsonl:1: /batch: must be an integer >= 1"},
        {"bad_accuracy.jsonl", "bad_accuracy.jsonl:1: /accuracy: must be a number in [0, 1]"},
        {"no_steps.jsonl", "no_steps.jsonl: no step lines"},
        {"not_object.jsonl", "not_object.jsonl:1: a metrics line must be an object"},
        {"resumed.jsonl", "resumed.jsonl:1: the run starting here names no network"},
        {"missing.jsonl", "missing.jsonl"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *p = fixture(cases[i].file);
        ingest_obs *v = NULL;
        size_t n = 0;
        mk_err e;
        mk_err_clear(&e);
        assert_int_equal(ingest_read_metrics(p, NULL, &v, &n, &e), -1);
        assert_int_equal(n, 0);
        char msg[2048];
        mk_err_str(&e, msg, sizeof msg);
        if (!strstr(msg, cases[i].expect)) fail_msg("%s: got '%s'", cases[i].file, msg);
        free(v);
        free(p);
    }
    /* images_per_s without a batch size */
    ingest_defaults d = {.network = "mnist_cnn", .threads = 1};
    char *p = fixture("resumed.jsonl");
    ingest_obs *v = NULL;
    size_t n = 0;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(ingest_read_metrics(p, &d, &v, &n, &e), -1);
    assert_non_null(strstr(e.msg, "needs the batch size"));
    free(v);
    free(p);
    /* a profile without fits, and observations that are not an array */
    target *t = egi();
    json_t *prof =
        json_loads("{\"format\": \"modak-profile/1\", \"sgemm\": {\"fit\": []}}", 0, NULL);
    ingest_report rep;
    mk_err_clear(&e);
    assert_int_equal(ingest_update(prof, "bad.json", t, NULL, 0, &rep, &e), -1);
    assert_string_equal(e.file, "bad.json");
    assert_non_null(strstr(e.msg, "/sgemm/fit"));
    json_decref(prof);
    prof = synthetic_profile(t);
    json_object_set_new(prof, "ingest", json_pack("{s:s}", "observations", "x"));
    mk_err_clear(&e);
    assert_int_equal(ingest_update(prof, "bad.json", t, NULL, 0, &rep, &e), -1);
    assert_non_null(strstr(e.msg, "/ingest/observations: must be an array"));
    json_decref(prof);
    prof = synthetic_profile(t);
    json_object_set_new(prof, "format", json_string("modak-profile/0"));
    mk_err_clear(&e);
    assert_int_equal(ingest_update(prof, "bad.json", t, NULL, 0, &rep, &e), -1);
    assert_non_null(strstr(e.msg, "/format"));
    json_decref(prof);
    target_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_metrics),   cmocka_unit_test(test_refit_direction),
        cmocka_unit_test(test_generic_build),  cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_seeded_profile), cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
