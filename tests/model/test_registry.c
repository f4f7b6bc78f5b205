/* Unit tests for model/registry: loading and layering, strict entry parsing, the checks,
 * and the mapper, scaler and enforcer against the bundled registry and small test layers
 * written into a temporary directory. */
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
#include "registry.h"

/* ---- helpers ---- */

static char *tmp_layer(void)
{
    char tmpl[] = "/tmp/modak-reg-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return mk_xstrdup(d);
}

static void put(const char *dir, const char *rel, const char *text)
{
    char *path = mk_path_join(dir, rel);
    char *parent = mk_path_dirname(path);
    assert_int_equal(mk_mkdir_p(parent, NULL), 0);
    assert_int_equal(mk_file_write_atomic(path, text, strlen(text), 0, NULL), 0);
    free(parent);
    free(path);
}

static reg_registry *bundled_plus(const char *layer)
{
    mk_err e;
    mk_err_clear(&e);
    const char *dirs[1] = {layer};
    reg_registry *r = reg_load_default(dirs, layer ? 1 : 0, &e);
    if (!r) fail_msg("registry: %s", e.msg);
    return r;
}

static json_t *js(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j) fail_msg("bad test JSON: %s: %s", je.text, text);
    return j;
}

/* decodes and maps a job given as JSON text */
static void map_job(const reg_registry *r, const char *job, reg_request *req, reg_mapping *m)
{
    json_t *j = js(job);
    mk_err e;
    mk_err_clear(&e);
    const char *user =
        json_string_value(json_object_get(json_object_get(j, "application"), "container_runtime"));
    if (reg_request_decode(j, req, &e)) fail_msg("decode: %s", e.msg);
    char *u = user ? mk_xstrdup(user) : NULL;
    assert_int_equal(reg_map(r, req, u, m, &e), 0);
    free(u);
    json_decref(j);
}

static const char *TF_JOB =
    "{\"application\": {\"app_tag\": \"resnet\"},"
    " \"optimisation\": {\"enable_opt_build\": %s, \"app_type\": \"ai_training\","
    "  \"opt_build\": {\"cpu_type\": \"x86\", \"acc_type\": \"nvidia\"},"
    "  \"app_type-ai_training\": {\"config\": {\"ai_framework\": \"tensorflow\"},"
    "   \"ai_framework-tensorflow\": {\"version\": \"2.1\", \"xla\": true}}}}";

/* ---- the bundled registry ---- */

static void test_bundled_loads_and_checks(void **state)
{
    reg_registry *r = bundled_plus(NULL);
    assert_true(reg_count(r, REG_IMAGE) >= 34);
    assert_int_equal(reg_count(r, REG_SCRIPT), 5);
    assert_int_equal(reg_count(r, REG_INFRA), 4);
    assert_int_equal(reg_count(r, REG_SCALING), 3);
    mk_buf rep;
    mk_buf_init(&rep);
    assert_int_equal(reg_check(r, &rep), 0);
    assert_non_null(strstr(rep.s, "warning: "));
    assert_non_null(strstr(rep.s, "TF_PIP_XLA"));
    assert_null(strstr(rep.s, "error: "));
    mk_buf_fini(&rep);
    /* keys come sorted whatever the file order */
    for (size_t i = 1; i < reg_count(r, REG_IMAGE); i++)
        assert_true(strcmp(reg_key_at(r, REG_IMAGE, i - 1), reg_key_at(r, REG_IMAGE, i)) < 0);
    reg_free(r);
}

static void test_image_fields(void **state)
{
    reg_registry *r = bundled_plus(NULL);
    const reg_image *im = reg_find_image(r, "modak-tensorflow-2.1-gpu-src");
    assert_non_null(im);
    assert_string_equal(im->app_name, "tensorflow");
    assert_int_equal(im->opt_build, 1);
    assert_string_equal(im->cpu_type, "x86");
    assert_string_equal(im->acc_type, "nvidia");
    assert_true(json_is_true(json_object_get(im->optimisation, "xla")));
    assert_string_equal(json_string_value(json_object_get(im->optimisation, "version")), "2.1");
    assert_string_equal(im->container_file, "modakopt/modak:tensorflow-2.1-gpu-src");
    assert_string_equal(im->image_hub, "docker");
    assert_int_equal(im->map_id, 11);
    /* MODAK's DB registers this GPU image as acc_type none; modak corrects it */
    assert_string_equal(reg_find_image(r, "tensorflow-2.1.0-gpu-py3")->acc_type, "nvidia");
    assert_int_equal(reg_find_image(r, "TF_PIP_XLA")->opt_build, -1);
    const reg_infra *daint = reg_find_infra(r, "daint");
    assert_non_null(daint);
    assert_string_equal(daint->scheduler, "slurm");
    assert_int_equal(daint->nparts, 2);
    const reg_script *s =
        reg_script_at(r, (size_t)reg_find(r, REG_SCRIPT, "80593ce7-fc40-4e1d-988d-84c38930f8e5"));
    assert_string_equal(s->app_name, "openmpi");
    assert_string_equal(s->infra_name, "egi");
    assert_string_equal(s->raw, "module load mpi/openmpi-x86_64");
    assert_null(reg_find_image(r, "no-such-image"));
    reg_free(r);
}

static void test_layer_override_and_duplicates(void **state)
{
    char *dir = tmp_layer();
    put(dir, "images/a.json",
        "{\"name\": \"pytorch-latest\", \"app_name\": \"pytorch\", \"build\": "
        "{\"enable_opt_build\":"
        " false, \"cpu_type\": \"x86\", \"acc_type\": \"nvidia\"}, \"optimisation\": {\"version\":"
        " \"latest\"}, \"container_file\": \"site/pytorch:latest\"}");
    put(dir, "images/more.json",
        "[{\"name\": \"site-only\", \"app_name\": \"x\", \"build\": {\"enable_opt_build\": true,"
        " \"cpu_type\": \"x86\", \"acc_type\": \"none\"}, \"container_file\": \"site/x:1\"}]");
    reg_registry *r = bundled_plus(dir);
    assert_string_equal(reg_find_image(r, "pytorch-latest")->container_file, "site/pytorch:latest");
    long i = reg_find(r, REG_IMAGE, "pytorch-latest");
    assert_int_equal(reg_origin_at(r, REG_IMAGE, (size_t)i).layer, 1);
    assert_non_null(reg_find_image(r, "site-only"));
    assert_int_equal(reg_layer_count(r), 2);
    reg_free(r);

    /* the same key twice in one layer is an error, naming the other file */
    put(dir, "images/b.json",
        "{\"name\": \"site-only\", \"app_name\": \"x\", \"build\": {\"enable_opt_build\": true,"
        " \"cpu_type\": \"x86\", \"acc_type\": \"none\"}, \"container_file\": \"site/x:2\"}");
    mk_err e;
    mk_err_clear(&e);
    r = reg_new();
    assert_true(reg_load_dir(r, dir, NULL, &e) < 0);
    assert_non_null(strstr(e.msg, "already defined"));
    reg_free(r);
    /* with a report, every problem is listed and the rest still loads */
    put(dir, "scripts/bad.json",
        "{\"id\": \"s1\", \"conditions\": {}, \"data\": {\"stage\": \"mid\","
        " \"raw\": \"x\"}}");
    put(dir, "infrastructures/broken.json", "{ not json");
    mk_buf rep;
    mk_buf_init(&rep);
    r = reg_new();
    assert_int_equal(reg_load_dir(r, dir, &rep, &e), 3);
    assert_non_null(strstr(rep.s, "already defined"));
    assert_non_null(strstr(rep.s, "neither 'pre' nor 'post'"));
    assert_non_null(strstr(rep.s, "broken.json:1:"));
    assert_non_null(reg_find_image(r, "pytorch-latest"));
    mk_buf_fini(&rep);
    reg_free(r);
    mk_rm_rf(dir);
    free(dir);
}

static void test_bad_entries(void **state)
{
    static const struct {
        reg_kind kind;
        const char *json, *want;
    } rows[] = {
        {REG_IMAGE,
         "{\"name\": \"a\", \"app_name\": \"x\", \"build\": {}, \"container_file\": \"x\", "
         "\"colour\": 1}",
         "unknown key 'colour'"},
        {REG_IMAGE,
         "{\"name\": \"a\", \"app_name\": \"x\", \"build\": {}, \"container_file\": \"x y\"}",
         "cannot hold"},
        {REG_IMAGE,
         "{\"name\": \"a/b\", \"app_name\": \"x\", \"build\": {}, \"container_file\": \"x\"}",
         "has the character '/'"},
        {REG_IMAGE,
         "{\"name\": \"a\", \"app_name\": \"x\", \"build\": {}, \"container_file\": \"x\","
         " \"optimisation\": {\"k\": [1]}}",
         "feature 'k'"},
        {REG_IMAGE,
         "{\"name\": \"a\", \"app_name\": \"x\", \"build\": {\"enable_opt_build\": \"yes\"},"
         " \"container_file\": \"x\"}",
         "must be a boolean"},
        {REG_SCRIPT,
         "{\"id\": \"s\", \"conditions\": {}, \"data\": {\"stage\": \"pre\", \"raw\": \"\"}}",
         "the script is empty"},
        {REG_SCRIPT,
         "{\"id\": \"s\", \"conditions\": {\"application\": {}}, \"data\": {\"stage\": \"pre\", "
         "\"raw\": \"x\"}}",
         "'name' is required"},
        {REG_INFRA,
         "{\"name\": \"i\", \"configuration\": {\"storage\": {\"file:///x\": {\"storage_class\": "
         "\"fast\"}}}}",
         "storage_class 'fast'"},
        {REG_INFRA,
         "{\"name\": \"i\", \"configuration\": {\"storage\": {\"/scratch\": {\"storage_class\": "
         "\"default-high\"}}}}",
         "is not a URL"},
        {REG_INFRA, "{\"name\": \"i\", \"configuration\": {\"scheduler\": \"lsf\"}}",
         "neither slurm nor torque"},
        {REG_INFRA,
         "{\"name\": \"i\", \"configuration\": {\"partitions\": {\"p\": {\"nnodes\": 1, \"node\":"
         " {\"ncpus\": 1, \"naccel\": 2, \"cpu\": {\"arch\": \"x86_64\", \"ncores\": 4}}}}}}",
         "naccel and accel"},
        {REG_INFRA,
         "{\"name\": \"i\", \"configuration\": {\"partitions\": {\"p\": {\"nnodes\": 0, \"node\": "
         "{}}}}}",
         "'nnodes' must be at least 1"},
        {REG_INFRA,
         "{\"name\": \"i\", \"configuration\": {\"partitions\": {\"p\": {\"nnodes\": 1, \"node\":"
         " {\"ncpus\": 1, \"memory\": \"lots\", \"cpu\": {\"arch\": \"x86_64\", \"ncores\": "
         "4}}}}}}",
         "memory 'lots'"},
        {REG_SCALING, "{\"opt_dsl_code\": \"a\", \"model\": {\"name\": \"amdahl\", \"F\": 1.5}}",
         "not in [0, 1)"},
        {REG_SCALING, "{\"opt_dsl_code\": \"a\", \"model\": {\"name\": \"amdahl\", \"G\": 0.5}}",
         "unknown key 'G'"},
        {REG_SCALING, "{\"opt_dsl_code\": \"a\", \"model\": {\"name\": \"noop\", \"F\": 0.5}}",
         "unknown key 'F'"},
        {REG_SCALING, "{\"opt_dsl_code\": \"a\", \"model\": {\"name\": \"gustafson\"}}",
         "unknown scaling model"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        reg_registry *r = reg_new();
        json_t *j = js(rows[i].json);
        mk_err e;
        mk_err_clear(&e);
        int rc = reg_add_entry(r, rows[i].kind, j, "entry.json", &e);
        if (rc != -1 || !strstr(e.msg, rows[i].want))
            fail_msg("row %zu: rc %d, message '%s', wanted '%s'", i, rc, e.msg, rows[i].want);
        assert_string_equal(e.file, "entry.json");
        json_decref(j);
        reg_free(r);
    }
}

static void test_check_across_entries(void **state)
{
    char *dir = tmp_layer();
    put(dir, "scaling/orphan.json",
        "{\"opt_dsl_code\": \"nowhere\", \"model\": {\"name\": \"noop\"}}");
    put(dir, "infrastructures/armsite.json",
        "{\"name\": \"armsite\", \"configuration\": {\"partitions\": {\"*\": {\"nnodes\": 4, "
        "\"node\":"
        " {\"ncpus\": 1, \"cpu\": {\"arch\": \"x86_64\", \"microarch\": \"neoverse_n1\", "
        "\"ncores\": 64}}}}}}");
    put(dir, "infrastructures/odd.json",
        "{\"name\": \"odd\", \"configuration\": {\"partitions\": {\"p\": {\"nnodes\": 4, \"node\":"
        " {\"ncpus\": 1, \"cpu\": {\"arch\": \"vax\", \"ncores\": 1}}}}}}");
    reg_registry *r = bundled_plus(dir);
    mk_buf rep;
    mk_buf_init(&rep);
    assert_int_equal(reg_check(r, &rep), 3);
    assert_non_null(strstr(rep.s, "error: "));
    assert_non_null(strstr(rep.s, "'nowhere', which is not a registered image"));
    assert_non_null(
        strstr(rep.s, "microarch 'neoverse_n1' is not an archspec micro-architecture of 'x86_64'"));
    assert_non_null(strstr(rep.s, "cpu arch 'vax' is not an archspec family"));
    mk_buf_fini(&rep);
    reg_free(r);
    mk_rm_rf(dir);
    free(dir);
}

static void test_parse_size_and_features(void **state)
{
    unsigned long long b;
    assert_int_equal(reg_parse_size("512GiB", &b), 0);
    assert_true(b == 512ULL << 30);
    assert_int_equal(reg_parse_size("10 MB", &b), 0);
    assert_true(b == 10000000ULL);
    assert_int_equal(reg_parse_size("4G", &b), 0);
    assert_true(b == 4ULL << 30);
    assert_int_equal(reg_parse_size("1.5 KiB", &b), 0);
    assert_true(b == 1536);
    assert_int_equal(reg_parse_size("2048", &b), 0);
    assert_true(b == 2048);
    assert_int_equal(reg_parse_size("abc", &b), -1);
    assert_int_equal(reg_parse_size("10 XB", &b), -1);
    assert_int_equal(reg_parse_size("", &b), -1);
    assert_int_equal(reg_parse_size("-5MB", &b), -1);
    assert_int_equal(reg_parse_size("5 MB extra", &b), -1);

    json_t *v[] = {json_true(),           json_real(2.1), json_integer(3),
                   json_string("Latest"), json_object(),  json_real(0.75)};
    const char *want[] = {"true", "2.1", "3", "latest", NULL, "0.75"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char *s = reg_feature_str(v[i]);
        if (want[i])
            assert_string_equal(s, want[i]);
        else
            assert_null(s);
        free(s);
        json_decref(v[i]);
    }
}

/* ---- the mapper ---- */

static void test_map_tensorflow(void **state)
{
    reg_registry *r = bundled_plus(NULL);
    reg_request req;
    reg_mapping m;
    char job[2048];
    snprintf(job, sizeof job, TF_JOB, "true");
    map_job(r, job, &req, &m);
    assert_int_equal(m.source, REG_MAP_OPTIMISED);
    assert_string_equal(m.image->name, "modak-tensorflow-2.1-gpu-src");
    assert_string_equal(m.container_runtime, "docker://modakopt/modak:tensorflow-2.1-gpu-src");
    assert_string_equal(m.app_name, "tensorflow");
    assert_non_null(strstr(m.explain.s, "-> taken"));
    assert_non_null(strstr(m.explain.s, "refused: built for acc_type none"));
    /* the generic cpu_type none build matches too, ranked after the x86 build */
    int seen_pip = 0;
    for (size_t i = 0; i < m.ncands; i++)
        if (!strcmp(m.cands[i].image->name, "modak-tensorflow-2.1-gpu-pip")) {
            seen_pip = 1;
            assert_true(m.cands[i].accepted);
            assert_true(i > 0);
        }
    assert_true(seen_pip);
    reg_mapping_fini(&m);
    reg_request_fini(&req);

    /* enable_opt_build false: stock images only (MODAK), still matched key by key */
    snprintf(job, sizeof job, TF_JOB, "false");
    map_job(r, job, &req, &m);
    assert_int_equal(m.source, REG_MAP_STOCK);
    assert_string_equal(m.image->name, "tensorflow-2.1.0-gpu-py3");
    reg_mapping_fini(&m);
    reg_request_fini(&req);
    reg_free(r);
}

static const char *FAKE_JOB =
    "{\"application\": {\"container_runtime\": \"docker://user/own:1\"},"
    " \"optimisation\": {\"enable_opt_build\": true, \"app_type\": \"ai_training\","
    "  \"opt_build\": {\"cpu_type\": \"x86\", \"acc_type\": \"none\"},"
    "  \"app_type-ai_training\": {\"config\": {\"ai_framework\": \"fakeapp\"},"
    "   \"ai_framework-fakeapp\": {\"version\": \"2.1\"}}}}";

static const char *fake_image(const char *name, const char *cpu, int opt, const char *version,
                              const char *extra, int map_id, char *buf, size_t n)
{
    snprintf(
        buf, n,
        "{\"name\": \"%s\", \"app_name\": \"fakeapp\", \"build\": {\"enable_opt_build\": %s,"
        " \"cpu_type\": \"%s\", \"acc_type\": \"none\"}, \"optimisation\": {\"version\": \"%s\"%s},"
        " \"container_file\": \"fake/%s:1\", \"map_id\": %d}",
        name, opt ? "true" : "false", cpu, version, extra, name, map_id);
    return buf;
}

static void test_map_exact_versions_and_fallbacks(void **state)
{
    char *dir = tmp_layer();
    char buf[1024];
    put(dir, "images/v211.json",
        fake_image("fake-2.1.1", "x86", 1, "2.1.1", "", 1, buf, sizeof buf));
    reg_registry *r = bundled_plus(dir);
    reg_request req;
    reg_mapping m;
    /* MODAK's LIKE '%version:2.1%' takes 2.1.1; exact matching does not */
    map_job(r, FAKE_JOB, &req, &m);
    assert_int_equal(m.source, REG_MAP_USER);
    assert_string_equal(m.container_runtime, "docker://user/own:1");
    assert_non_null(strstr(m.explain.s, "refused: version is 2.1.1, the job asks for 2.1"));
    reg_mapping_fini(&m);
    reg_request_fini(&req);
    reg_free(r);

    /* no optimised image, a stock one: the stock one */
    put(dir, "images/stock.json",
        fake_image("fake-stock", "x86", 0, "2.1", "", 1, buf, sizeof buf));
    r = bundled_plus(dir);
    map_job(r, FAKE_JOB, &req, &m);
    assert_int_equal(m.source, REG_MAP_STOCK);
    assert_string_equal(m.container_runtime, "docker://fake/fake-stock:1");
    reg_mapping_fini(&m);
    reg_request_fini(&req);
    reg_free(r);

    /* no container at all: the host */
    reg_registry *b = bundled_plus(NULL);
    json_t *j = js(FAKE_JOB);
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(reg_request_decode(j, &req, &e), 0);
    assert_int_equal(reg_map(b, &req, NULL, &m, &e), 0);
    assert_int_equal(m.source, REG_MAP_NONE);
    assert_null(m.container_runtime);
    reg_mapping_fini(&m);
    reg_request_fini(&req);
    json_decref(j);
    reg_free(b);
    mk_rm_rf(dir);
    free(dir);
}

static void test_map_ranking_is_deterministic(void **state)
{
    char *dir = tmp_layer();
    char buf[1024];
    put(dir, "images/a.json",
        fake_image("a-extra", "x86", 1, "2.1", ", \"x\": true, \"y\": 1", 50, buf, sizeof buf));
    put(dir, "images/b.json", fake_image("b-low-id", "x86", 1, "2.1", "", 1, buf, sizeof buf));
    put(dir, "images/c.json", fake_image("c-high-id", "x86", 1, "2.1", "", 5, buf, sizeof buf));
    put(dir, "images/d.json", fake_image("d-generic", "none", 1, "2.1", "", 9, buf, sizeof buf));
    put(dir, "images/e.json", fake_image("e-same-id", "x86", 1, "2.1", "", 5, buf, sizeof buf));
    put(dir, "images/f.json", fake_image("f-arm", "arm", 1, "2.1", "", 99, buf, sizeof buf));
    reg_registry *r = bundled_plus(dir);
    reg_request req;
    reg_mapping m;
    map_job(r, FAKE_JOB, &req, &m);
    static const char *const order[] = {"c-high-id", "e-same-id", "b-low-id", "a-extra",
                                        "d-generic"};
    for (size_t i = 0; i < 5; i++) {
        assert_true(m.cands[i].accepted);
        assert_string_equal(m.cands[i].image->name, order[i]);
    }
    assert_false(m.cands[5].accepted);
    assert_string_equal(m.cands[5].image->name, "f-arm");
    assert_non_null(strstr(m.cands[5].why, "built for cpu_type arm"));
    assert_string_equal(m.image->name, "c-high-id");
    reg_mapping_fini(&m);
    reg_request_fini(&req);
    reg_free(r);
    mk_rm_rf(dir);
    free(dir);
}

static void test_map_hpc(void **state)
{
    reg_registry *r = bundled_plus(NULL);
    reg_request req;
    reg_mapping m;
    /* an app tag that names no image: the MPI library's image */
    map_job(
        r,
        "{\"application\": {\"app_tag\": \"mpi_test\"}, \"optimisation\": {\"enable_opt_build\": "
        "true,"
        " \"app_type\": \"hpc\", \"opt_build\": {\"cpu_type\": \"x86\", \"acc_type\": \"nvidia\"},"
        " \"app_type-hpc\": {\"config\": {\"parallelisation\": \"mpi\"}, \"parallelisation-mpi\":"
        " {\"library\": \"mpich\", \"version\": \"3.1.4\", \"scaling_efficiency\": 0.75}}}}",
        &req, &m);
    assert_int_equal(m.source, REG_MAP_OPTIMISED);
    assert_string_equal(m.image->name, "mpich_ub1804_cuda101_mpi314_gnugprof");
    assert_string_equal(m.app_name, "mpich");
    assert_non_null(json_object_get(req.opts, "library"));
    reg_mapping_fini(&m);
    reg_request_fini(&req);

    /* no optimisation section: no lookup, the user's container */
    map_job(r, "{\"application\": {\"container_runtime\": \"docker://a/b:1\"}}", &req, &m);
    assert_int_equal(m.source, REG_MAP_USER);
    assert_null(m.app_name);
    assert_non_null(strstr(m.explain.s, "no optimisation section"));
    reg_mapping_fini(&m);
    reg_request_fini(&req);

    /* a section the mapper cannot read is an error with its pointer */
    json_t *j = js("{\"optimisation\": {\"app_type\": \"hpc\", \"app_type-hpc\": {\"config\":"
                   " {\"parallelisation\": \"mpi\"}}}}");
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(reg_request_decode(j, &req, &e), -1);
    assert_non_null(strstr(e.msg, "/job/optimisation/app_type-hpc/parallelisation-mpi"));
    reg_request_fini(&req);
    json_decref(j);
    reg_free(r);
}

/* ---- the scaler ---- */

static void test_amdahl(void **state)
{
    /* MODAK's test_scaling.py values */
    assert_int_equal(reg_amdahl_ranks(0.5, 0.2), 9);
    assert_int_equal(reg_amdahl_ranks(0.999, 0.8), 251);
    long long n = reg_amdahl_ranks(0.8, 0.5);
    assert_int_equal(n, 6);
    assert_true(fabs(reg_amdahl_efficiency(0.8, n) - 0.5) < 1e-9);
    /* MODAK rounds (1-EF)/(E(1-F)) = 19.57 to 20, whose efficiency 0.345 is below 0.35 */
    assert_int_equal(reg_amdahl_ranks(0.9, 0.35), 19);
    assert_true(reg_amdahl_efficiency(0.9, 19) >= 0.35);
    assert_true(reg_amdahl_efficiency(0.9, 20) < 0.35);
    assert_int_equal(reg_amdahl_ranks(0.5, 1.0), 1);
    assert_int_equal(reg_amdahl_ranks(0.0, 0.5), 2);
}

static void test_scale_models(void **state)
{
    char *dir = tmp_layer();
    put(dir, "scaling/amdahl.json",
        "{\"opt_dsl_code\": \"mpich_ub1804_cuda101_mpi314_gnugprof\","
        " \"model\": {\"name\": \"amdahl\", \"F\": 0.999}}");
    reg_registry *r = bundled_plus(dir);
    mk_err e;
    mk_err_clear(&e);
    mk_buf ex;
    mk_buf_init(&ex);
    /* max (bundled, MODAK's test limits 16 ranks, 4 threads) */
    reg_scale_io io = {256, 8, 0, 0, 0, 0, NULL, 0, 0, 0};
    assert_int_equal(reg_scale(r, reg_find_image(r, "modak-test-ubuntu"), NULL, &io, &ex, &e), 0);
    assert_int_equal(io.mpi_ranks, 16);
    assert_int_equal(io.threads, 4);
    assert_true(io.changed_ranks && io.changed_threads);
    /* amdahl: capped by the job's ranks; without minimal_efficiency nothing happens */
    const reg_image *mpich = reg_find_image(r, "mpich_ub1804_cuda101_mpi314_gnugprof");
    reg_scale_io a = {256, 1, 0.1, 0, 0, 0, NULL, 0, 0, 0};
    assert_int_equal(reg_scale(r, mpich, NULL, &a, &ex, &e), 0);
    assert_int_equal(a.mpi_ranks, 256);
    reg_scale_io b = {256, 1, 0.8, 0, 0, 0, NULL, 0, 0, 0};
    assert_int_equal(reg_scale(r, mpich, NULL, &b, &ex, &e), 0);
    assert_int_equal(b.mpi_ranks, 251);
    reg_scale_io c = {256, 1, 0, 0, 0, 0, NULL, 0, 0, 0};
    assert_int_equal(reg_scale(r, mpich, NULL, &c, &ex, &e), 0);
    assert_int_equal(c.mpi_ranks, 256);
    assert_false(c.changed_ranks);
    assert_non_null(strstr(ex.s, "needs application.minimal_efficiency"));
    /* no rank count given: Amdahl chooses it */
    reg_scale_io d = {0, 1, 0.8, 0, 0, 0, NULL, 0, 0, 0};
    assert_int_equal(reg_scale(r, mpich, NULL, &d, &ex, &e), 0);
    assert_int_equal(d.mpi_ranks, 251);
    mk_buf_fini(&ex);
    reg_free(r);
    mk_rm_rf(dir);
    free(dir);
}

static void test_scale_partitions(void **state)
{
    reg_registry *r = bundled_plus(NULL);
    const reg_infra *daint = reg_find_infra(r, "daint");
    mk_err e;
    /* mc: 2 x 18 cores; 2 threads per rank -> 18 ranks per node -> 4 nodes for 72 ranks */
    reg_scale_io io = {72, 2, 0, 0, 0, 0, "mc", 0, 0, 0};
    mk_err_clear(&e);
    assert_int_equal(reg_scale(r, NULL, daint, &io, NULL, &e), 0);
    assert_int_equal(io.node_count, 4);
    assert_true(io.completed_nodes);
    /* the only partition with GPUs is found without a name */
    reg_scale_io g = {12, 1, 0, 0, 0, 1, NULL, 0, 0, 0};
    mk_err_clear(&e);
    assert_int_equal(reg_scale(r, NULL, daint, &g, NULL, &e), 0);
    assert_int_equal(g.node_count, 1);
    static const struct {
        reg_scale_io io;
        const char *want;
    } bad[] = {
        {{72, 1, 0, 0, 0, 1, "mc", 0, 0, 0}, "request_gpus 1 does not fit partition 'mc'"},
        {{1000000, 1, 0, 0, 0, 0, "mc", 0, 0, 0},
         "needs 27778 nodes but partition 'mc' of 'daint' has 1813"},
        {{72, 4, 0, 0, 20, 0, "mc", 0, 0, 0}, "process_count_per_node 20 x 4 threads does not fit"},
        {{72, 1, 0, 2, 12, 0, "mc", 0, 0, 0}, "mpi_ranks 72 do not fit 2 nodes"},
        {{72, 1, 0, 0, 0, 0, NULL, 0, 0, 0}, "has 2 partitions: name one"},
        {{72, 1, 0, 0, 0, 0, "knl", 0, 0, 0}, "has no partition 'knl'"},
        {{1, 100, 0, 0, 0, 0, "mc", 0, 0, 0}, "100 threads per rank do not fit"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        reg_scale_io x = bad[i].io;
        mk_err_clear(&e);
        int rc = reg_scale(r, NULL, daint, &x, NULL, &e);
        if (rc != -1 || !strstr(e.msg, bad[i].want))
            fail_msg("case %zu: rc %d '%s', wanted '%s'", i, rc, e.msg, bad[i].want);
    }
    /* an infrastructure without partitions leaves the counts alone */
    reg_scale_io n = {80, 2, 0, 2, 1, 0, NULL, 0, 0, 0};
    mk_err_clear(&e);
    assert_int_equal(reg_scale(r, NULL, reg_find_infra(r, "egi"), &n, NULL, &e), 0);
    assert_int_equal(n.node_count, 2);
    reg_free(r);
}

/* ---- the enforcer ---- */

static size_t enforce(const reg_registry *r, const char *app, const char *infra_name,
                      const char *features, const char **ids, size_t max)
{
    reg_script_list l;
    json_t *f = features ? js(features) : NULL;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(reg_enforce(r, app, infra_name,
                                 infra_name ? reg_find_infra(r, infra_name) : NULL, f, &l, NULL,
                                 &e),
                     0);
    size_t n = l.n;
    for (size_t i = 0; i < n && i < max; i++)
        ids[i] = l.v[i]->id;
    reg_script_list_fini(&l);
    json_decref(f);
    return n;
}

static void test_enforcer(void **state)
{
    reg_registry *r = bundled_plus(NULL);
    const char *ids[8];
    assert_int_equal(enforce(r, "openmpi", "egi", "{\"version\": \"3.1.3\"}", ids, 8), 1);
    assert_string_equal(ids[0], "80593ce7-fc40-4e1d-988d-84c38930f8e5");
    /* MODAK's application query had no infrastructure filter: egi's module load went
     * everywhere; here daint gets only its own site script */
    assert_int_equal(enforce(r, "openmpi", "daint", "{\"version\": \"3.1.3\"}", ids, 8), 1);
    assert_string_equal(ids[0], "2fd6b1db-9920-52cc-bc2f-1d8c11a7f3b4");
    assert_int_equal(enforce(r, "openmpi", NULL, NULL, ids, 8), 0);
    assert_int_equal(
        enforce(r, "tensorflow", NULL, "{\"version\": \"2.1\", \"xla\": true}", ids, 8), 1);
    assert_string_equal(ids[0], "16c9b730-9a2d-4d80-b4c9-a045ab885984");
    assert_int_equal(
        enforce(r, "tensorflow", NULL, "{\"version\": \"2.1\", \"xla\": false}", ids, 8), 0);
    assert_int_equal(enforce(r, NULL, "cirrus", NULL, ids, 8), 1);
    reg_free(r);
}

static void test_enforcer_order_and_conditions(void **state)
{
    char *dir = tmp_layer();
    put(dir, "infrastructures/site1.json",
        "{\"name\": \"site1\", \"configuration\": {\"scheduler\": \"slurm\", \"storage\":"
        " {\"file:///fast\": {\"storage_class\": \"default-ssd\"}}}}");
    put(dir, "scripts/s.json",
        "[{\"id\": \"a-both-features\", \"conditions\": {\"application\": {\"name\": "
        "\"tensorflow\","
        "   \"feature\": {\"xla\": true, \"version\": \"2.1\"}}, \"infrastructure\": null},"
        "  \"data\": {\"stage\": \"pre\", \"raw\": \"both\"}},"
        " {\"id\": \"b-ssd-anywhere\", \"conditions\": {\"application\": null, \"infrastructure\":"
        "   {\"storage_class\": \"default-ssd\"}}, \"data\": {\"stage\": \"pre\", \"raw\": "
        "\"ssd\"}},"
        " {\"id\": \"c-app-site1\", \"conditions\": {\"application\": {\"name\": \"tensorflow\"},"
        "   \"infrastructure\": {\"name\": \"site1\"}}, \"data\": {\"stage\": \"post\", \"raw\": "
        "\"post\"}},"
        " {\"id\": \"d-site1\", \"conditions\": {\"infrastructure\": {\"name\": \"site1\"}},"
        "   \"data\": {\"stage\": \"pre\", \"raw\": \"site\"}},"
        " {\"id\": \"e-app\", \"conditions\": {\"application\": {\"name\": \"tensorflow\"}},"
        "   \"data\": {\"stage\": \"pre\", \"raw\": \"app\"}}]");
    reg_registry *r = bundled_plus(dir);
    const char *ids[8];
    /* MODAK's order: infrastructure (name, then storage class), application, features, then
     * the application on the infrastructure; every feature of a script must hold */
    size_t n = enforce(r, "tensorflow", "site1", "{\"version\": \"2.1\", \"xla\": true}", ids, 8);
    assert_int_equal(n, 6);
    assert_string_equal(ids[0], "d-site1");
    assert_string_equal(ids[1], "b-ssd-anywhere");
    assert_string_equal(ids[2], "e-app");
    assert_string_equal(ids[3], "a-both-features");
    assert_string_equal(ids[4], "16c9b730-9a2d-4d80-b4c9-a045ab885984");
    assert_string_equal(ids[5], "c-app-site1");
    /* version 2.2: the script needing xla and 2.1 no longer applies (MODAK took it on xla) */
    n = enforce(r, "tensorflow", "site1", "{\"version\": \"2.2\", \"xla\": true}", ids, 8);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(ids[i], "a-both-features");
    /* a storage class condition needs an infrastructure that has the class */
    n = enforce(r, NULL, "daint", NULL, ids, 8);
    assert_int_equal(n, 1);
    reg_free(r);
    mk_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundled_loads_and_checks),
        cmocka_unit_test(test_image_fields),
        cmocka_unit_test(test_layer_override_and_duplicates),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_check_across_entries),
        cmocka_unit_test(test_parse_size_and_features),
        cmocka_unit_test(test_map_tensorflow),
        cmocka_unit_test(test_map_exact_versions_and_fallbacks),
        cmocka_unit_test(test_map_ranking_is_deterministic),
        cmocka_unit_test(test_map_hpc),
        cmocka_unit_test(test_amdahl),
        cmocka_unit_test(test_scale_models),
        cmocka_unit_test(test_scale_partitions),
        cmocka_unit_test(test_enforcer),
        cmocka_unit_test(test_enforcer_order_and_conditions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
