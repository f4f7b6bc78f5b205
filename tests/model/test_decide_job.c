/* Tests of the job facts a decision reads (model/decide_job.c): the shipped example job,
 * early names MODAK still reads, string integers, durations and sizes, and bad values with
 * errors naming the file and the field's JSON pointer. */
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

#include "decide.h"
#include "mk_fs.h"

static int parse(const char *text, decide_job *j, mk_err *e)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    if (!doc) fail_msg("test JSON: %s", je.text);
    decide_job_init(j);
    mk_err_clear(e);
    int rc = decide_job_from_json(doc, "job.json", j, e);
    json_decref(doc);
    return rc;
}

static void test_example(void **state)
{
    (void)state;
    const char *src = getenv("MODAK_SOURCE_DIR");
    char *p = mk_path_join(src ? src : ".", "examples/jobs/resnet50-tensorflow.json");
    json_t *doc = json_load_file(p, 0, NULL);
    assert_non_null(doc);
    decide_job j;
    decide_job_init(&j);
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(decide_job_from_json(doc, p, &j, &e), 0);
    assert_string_equal(j.name, "resnet50");
    assert_true(j.wall_time_limit == 12 * 3600);
    assert_string_equal(j.ptr_wall, "/job/job_options/wall_time_limit");
    assert_int_equal(j.node_count, 1);
    assert_int_equal(j.process_count_per_node, 1);
    assert_int_equal(j.request_gpus, 1);
    assert_int_equal(j.enable_opt_build, 1);
    assert_string_equal(j.cpu_type, "x86");
    assert_string_equal(j.acc_type, "nvidia");
    assert_string_equal(j.framework, "tensorflow");
    assert_string_equal(j.framework_version, "2.1");
    assert_true(json_is_true(json_object_get(j.features, "xla")));
    assert_null(j.network);
    assert_int_equal(j.prefetch, -1);
    decide_job_fini(&j);
    json_decref(doc);
    free(p);
}

static void test_early_names_and_coercions(void **state)
{
    (void)state;
    decide_job j;
    mk_err e;
    /* the inner object alone; "optimization", "arch_build", "ai_training", a bare block */
    assert_int_equal(
        parse(
            "{\"job_options\": {\"node_count\": \"2\", \"memory_limit\": \"8 GiB\","
            " \"wall_time_limit\": \"1-02:00:00\"},"
            " \"application\": {\"mpi_ranks\": 4, \"threads\": \"10\"},"
            " \"optimization\": {\"enable_opt_build\": false,"
            "  \"arch_build\": {\"cpu_type\": \"ARM\"},"
            "  \"ai_training\": {\"config\": {\"ai_framework\": \"PyTorch\", \"parameters\": 1e6},"
            "   \"data\": {\"count\": 60000, \"size\": 47040000, \"location\": \"/scratch/x\","
            "    \"etl\": {\"prefetch\": 0}},"
            "   \"pytorch\": {\"version\": 1.5, \"glow\": true}}}}",
            &j, &e),
        0);
    assert_int_equal(j.node_count, 2);
    assert_true(j.memory_limit == 8.0 * 1073741824);
    assert_true(j.wall_time_limit == 26 * 3600);
    assert_int_equal(j.mpi_ranks, 4);
    assert_int_equal(j.threads, 10);
    assert_string_equal(j.ptr_threads, "/application/threads");
    assert_int_equal(j.enable_opt_build, 0);
    assert_string_equal(j.cpu_type, "arm");
    assert_string_equal(j.acc_type, "none"); /* as MODAK: no acc_type means none */
    assert_string_equal(j.framework, "pytorch");
    assert_string_equal(j.framework_version, "1.5");
    assert_true(j.parameters == 1e6);
    assert_true(j.data_count == 60000 && j.data_size == 47040000);
    assert_string_equal(j.data_location, "/scratch/x");
    assert_int_equal(j.prefetch, 0);
    decide_job_fini(&j);
    /* a bare number as memory_limit is MiB (Slurm's --mem) */
    assert_int_equal(parse("{\"job\": {\"job_options\": {\"memory_limit\": 512}}}", &j, &e), 0);
    assert_true(j.memory_limit == 512.0 * 1048576);
    decide_job_fini(&j);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double sec;
    } ok[] = {{"30:00", 1800},        {"12:00:00", 43200}, {"1:00:00:00", 86400},
              {"2-00:30:00", 174600}, {"90", 90},          {"90:00", 5400}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (decide_parse_duration(ok[i].s) != ok[i].sec)
            fail_msg("%s: %g", ok[i].s, decide_parse_duration(ok[i].s));
    static const char *const bad[] = {"", "12:", "1:60:00", "ab", "1:2:3:4:5", "-1", "1-2:3:4:5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (decide_parse_duration(bad[i]) >= 0) fail_msg("'%s' accepted", bad[i]);
}

static void test_bad_values(void **state)
{
    (void)state;
    static const struct {
        const char *doc, *expect;
    } cases[] = {
        {"[]", "job.json: /: a job document must be an object"},
        {"{\"job\": 3}", "job.json: /job: must be an object"},
        {"{\"job\": {\"job_options\": []}}", "job.json: /job/job_options: must be an object"},
        {"{\"job\": {\"job_options\": {\"node_count\": 0}}}",
         "job.json: /job/job_options/node_count: must be an integer > 0"},
        {"{\"job\": {\"job_options\": {\"core_count\": \"4x\"}}}",
         "job.json: /job/job_options/core_count: must be an integer > 0"},
        {"{\"job\": {\"job_options\": {\"request_gpus\": 1.5}}}",
         "job.json: /job/job_options/request_gpus: must be an integer > 0"},
        {"{\"job\": {\"job_options\": {\"wall_time_limit\": \"soon\"}}}",
         "job.json: /job/job_options/wall_time_limit: must be a duration > 0"},
        {"{\"job\": {\"job_options\": {\"memory_limit\": \"lots\"}}}",
         "job.json: /job/job_options/memory_limit: must be a size > 0"},
        {"{\"job\": {\"application\": {\"mpi_ranks\": -2}}}",
         "job.json: /job/application/mpi_ranks: must be an integer > 0"},
        {"{\"job\": {\"optimisation\": {\"enable_opt_build\": \"yes\"}}}",
         "job.json: /job/optimisation/enable_opt_build: must be true or false"},
        {"{\"job\": {\"optimisation\": {\"opt_build\": {\"cpu_type\": 86}}}}",
         "job.json: /job/optimisation/opt_build/cpu_type: must be a string"},
        {"{\"job\": {\"optimisation\": {\"app_type-ai_training\": {\"config\": "
         "{\"ai_framework\": \"tensorflow\", \"layers\": -1}}}}}",
         "job.json: /job/optimisation/app_type-ai_training/config/layers: must be a number >= 0"},
        {"{\"job\": {\"optimisation\": {\"app_type-ai_training\": {\"data\": {\"count\": "
         "\"many\"}}}}}",
         "job.json: /job/optimisation/app_type-ai_training/data/count: must be a number >= 0"},
        {"{\"job\": {\"optimisation\": {\"app_type-ai_training\": {\"config\": "
         "{\"ai_framework\": \"tensorflow\"}, \"ai_framework-tensorflow\": {\"version\": []}}}}}",
         "job.json: /job/optimisation/app_type-ai_training/ai_framework-tensorflow/version: must "
         "be a string"},
        {"{\"job\": {\"optimisation\": {\"app_type-ai_training\": {\"config\": "
         "{\"ai_framework\": \"tensorflow\"}, \"ai_framework-tensorflow\": 1}}}}",
         "job.json: /job/optimisation/app_type-ai_training/ai_framework-tensorflow: must be an "
         "object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        decide_job j;
        mk_err e;
        assert_int_equal(parse(cases[i].doc, &j, &e), -1);
        char msg[2048];
        mk_err_str(&e, msg, sizeof msg);
        if (strcmp(msg, cases[i].expect) && !strstr(msg, cases[i].expect))
            fail_msg("case %zu: got '%s'", i, msg);
        decide_job_fini(&j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_early_names_and_coercions),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
