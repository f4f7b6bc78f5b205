/* Unit tests for generator/jobscript: the value conversions (shell words, wall times, mail
 * options, sizes) and job_generate() on small documents: headers per scheduler, refusals
 * naming their JSON pointer, the build script, the completed document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobscript.h"

static reg_registry *reg;

static int setup(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    char golden[1024];
    snprintf(golden, sizeof golden, "%s/tests/golden/job/registry", MODAK_SOURCE_DIR);
    const char *dirs[1] = {golden};
    reg = reg_load_default(dirs, 1, &e);
    if (!reg) fprintf(stderr, "registry: %s\n", e.msg);
    return reg ? 0 : -1;
}

static int teardown(void **state)
{
    reg_free(reg);
    return 0;
}

static json_t *js(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j) fail_msg("bad test JSON: %s: %s", je.text, text);
    return j;
}

/* Generates from JSON text; returns 0 with *res filled, or -1 with *err. */
static int gen(const char *text, const char *scheduler, job_result *res, mk_err *err)
{
    json_t *doc = js(text);
    job_opts o = {"20240101120000", NULL, NULL, scheduler};
    mk_err_clear(err);
    int rc = job_generate(doc, reg, &o, res, err);
    json_decref(doc);
    return rc;
}

static void expect_error(const char *text, const char *scheduler, const char *want)
{
    job_result res;
    mk_err e;
    int rc = gen(text, scheduler, &res, &e);
    if (rc != -1 || !strstr(e.msg, want))
        fail_msg("wanted an error with '%s', got rc %d '%s' for %s", want, rc, e.msg, text);
    assert_null(res.job_content);
    assert_null(res.doc);
}

static void expect_lines(const char *script, const char *const *lines)
{
    for (size_t i = 0; lines[i]; i++) {
        char want[512];
        snprintf(want, sizeof want, "\n%s\n", lines[i]);
        if (!strstr(script, want)) fail_msg("line '%s' missing from:\n%s", lines[i], script);
    }
}

/* ---- conversions ---- */

static void test_sh_word(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"https://example.org/a-b_c.tar.gz", "https://example.org/a-b_c.tar.gz"},
        {"a b", "'a b'"},
        {"it's", "'it'\\''s'"},
        {"$(touch x)", "\"\\$(touch x)\""},
        {"`id`;\"q\"", "\"\\`id\\`;\\\"q\\\"\""},
        {"back\\slash", "'back\\slash'"},
        {"", "''"},
        {"x;y", "'x;y'"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        mk_buf b;
        mk_buf_init(&b);
        job_sh_word(&b, rows[i].in);
        assert_string_equal(b.s, rows[i].out);
        mk_buf_fini(&b);
    }
}

static void test_walltime(void **state)
{
    static const struct {
        const char *in;
        long long secs;
        const char *torque, *slurm;
    } rows[] = {
        {"12:00:00", 43200, "12:00:00", "12:00:00"},
        {"1:00:00", 3600, "1:00:00", "1:00:00"},
        {"1-06:30:00", 109800, "30:30:00", "1-06:30:00"},
        {"2 days, 1:00:00", 176400, "49:00:00", "2-01:00:00"},
        {"1 day, 0:00:05", 86405, "24:00:05", "1-00:00:05"},
        {"90:00", 5400, "1:30:00", "1:30:00"},
        {"45", 45, "0:00:45", "0:00:45"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        long long s = job_walltime_seconds(rows[i].in);
        assert_int_equal(s, rows[i].secs);
        mk_buf b;
        mk_buf_init(&b);
        job_walltime_format(&b, s, 0);
        assert_string_equal(b.s, rows[i].torque);
        mk_buf_reset(&b);
        job_walltime_format(&b, s, 1);
        assert_string_equal(b.s, rows[i].slurm);
        mk_buf_fini(&b);
    }
    static const char *const bad[] = {"1:60:00",         "abc",      "",         "12:00:00:00",
                                      "1 week, 1:00:00", "-1:00:00", "1:00:00 ", "1.5:00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (job_walltime_seconds(bad[i]) != -1) fail_msg("'%s' was accepted", bad[i]);
}

static void test_notify(void **state)
{
    static const struct {
        const char *in;
        int slurm;
        const char *out;
    } rows[] = {
        {"abe", 1, "BEGIN,END,FAIL"},
        {"abe", 0, "abe"},
        {"ALL", 0, "abe"},
        {"ALL", 1, "ALL"},
        {"BEGIN,END", 0, "be"},
        {"end,fail", 1, "END,FAIL"},
        {"n", 1, "NONE"},
        {"NONE", 0, "n"},
        {"ef", 1, "END,FAIL"},
        {"TIME_LIMIT", 0, "a"},
        {"b", 1, "BEGIN"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const char *why = NULL;
        char *s = job_notify_convert(rows[i].in, rows[i].slurm, &why);
        if (!s || strcmp(s, rows[i].out))
            fail_msg("%s for %s: got '%s' (%s)", rows[i].in, rows[i].slurm ? "slurm" : "torque",
                     s ? s : "NULL", why ? why : "");
        free(s);
    }
    static const struct {
        const char *in;
        int slurm;
    } bad[] = {{"events", 1}, {"NONE,END", 1}, {"ARRAY_TASKS", 0},
               {"na", 1},     {"", 1},         {"BEGIN,,END", 0}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        char *s = job_notify_convert(bad[i].in, bad[i].slurm, &why);
        if (s) fail_msg("'%s' gave '%s'", bad[i].in, s);
        assert_non_null(why);
    }
}

static void test_mem(void **state)
{
    static const struct {
        const char *in;
        int slurm;
        const char *out;
    } rows[] = {
        {"4 GiB", 1, "4G"},     {"4 GiB", 0, "4gb"},   {"10 MB", 1, "10M"}, {"10 MB", 0, "9766kb"},
        {"512MiB", 0, "512mb"}, {"512MiB", 1, "512M"}, {"2048", 1, "2048"}, {"2048", 0, "2048"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *s = job_mem_convert(rows[i].in, rows[i].slurm);
        assert_non_null(s);
        assert_string_equal(s, rows[i].out);
        free(s);
    }
    assert_null(job_mem_convert("lots", 1));
    assert_null(job_mem_convert("0GB", 0));
}

/* ---- generation ---- */

static void test_bash_minimal(void **state)
{
    job_result res;
    mk_err e;
    assert_int_equal(
        gen("{\"job\": {\"application\": {\"executable\": \"./run\"}}}", NULL, &res, &e), 0);
    assert_string_equal(res.scheduler, "bash");
    assert_string_equal(res.job_content, "#!/bin/bash\n\n./run\n");
    assert_string_equal(res.job_path, "job_20240101120000.sh");
    assert_null(res.build_path);
    assert_null(res.build_content);
    json_t *j = json_object_get(res.doc, "job");
    assert_string_equal(json_string_value(json_object_get(j, "job_content")), res.job_content);
    assert_null(json_object_get(j, "build_script"));
    job_result_fini(&res);
}

static void test_slurm_header_and_run(void **state)
{
    job_result res;
    mk_err e;
    assert_int_equal(
        gen("{\"job\": {\"job_options\": {\"job_name\": \"t\", \"request_gpus\": 2, \"queue\": "
            "\"gpu\","
            "  \"copy_environment_variable\": \"A,B\", \"node_exclusive\": false, "
            "\"memory_limit\": null,"
            "  \"job_dependency\": \" \"},"
            " \"target\": {\"job_scheduler_type\": \"slurm\"},"
            " \"application\": {\"app_type\": \"hpc\", \"container_runtime\": \"shub://lib/img:2\","
            "  \"executable\": \"./a\", \"mpi_ranks\": 4, \"threads\": 3}}}",
            NULL, &res, &e),
        0);
    static const char *const lines[] = {
        "#SBATCH -J t",
        "#SBATCH --partition=gpu",
        "#SBATCH --gres=gpu:2",
        "#SBATCH --export=A,B",
        "export OMP_NUM_THREADS=3",
        "srun -n 4 singularity exec \"--nv\" \"$SINGULARITY_DIR/img_2.sif\" ./a",
        NULL};
    expect_lines(res.job_content, lines);
    assert_null(strstr(res.job_content, "--exclusive"));
    assert_null(strstr(res.job_content, "--dependency")); /* blank counts as absent */
    assert_null(strstr(res.job_content, "--mem"));
    /* nulls are omitted from the completed document */
    assert_null(json_object_get(json_object_get(json_object_get(res.doc, "job"), "job_options"),
                                "memory_limit"));
    job_result_fini(&res);
}

static void test_torque_header(void **state)
{
    job_result res;
    mk_err e;
    assert_int_equal(
        gen("{\"job\": {\"job_options\": {\"request_gpus\": 1, \"process_count_per_node\": 4,"
            "  \"job_dependency\": \"depend=afterany:7\", \"defer_job\": \"1830\","
            "  \"minimum_memory_per_processor\": \"1GB\"},"
            " \"target\": {\"job_scheduler_type\": \"torque\"},"
            " \"application\": {\"executable\": \"./a\"}}}",
            NULL, &res, &e),
        0);
    static const char *const lines[] = {"#PBS -l nodes=1:ppn=4:gpus=1", "#PBS -W depend=afterany:7",
                                        "#PBS -a 1830", "#PBS -l pmem=976563kb", NULL};
    expect_lines(res.job_content, lines);
    /* MODAK gated --nv on node_count under Torque; the GPUs are what matter */
    assert_null(strstr(res.job_content, "--nv")); /* no container: no singularity at all */
    assert_true(!strncmp(res.job_content, "#!/bin/bash\n#PBS -S /bin/bash\n", 30));
    job_result_fini(&res);
    assert_int_equal(gen("{\"job\": {\"job_options\": {\"request_gpus\": 1},"
                         " \"target\": {\"job_scheduler_type\": \"torque\"},"
                         " \"application\": {\"container_runtime\": \"docker://a/b:1\", "
                         "\"executable\": \"x\"}}}",
                         NULL, &res, &e),
                     0);
    assert_non_null(
        strstr(res.job_content, "singularity exec \"--nv\" \"$SINGULARITY_DIR/b_1.sif\" x\n"));
    job_result_fini(&res);
}

static void test_refusals(void **state)
{
    static const struct {
        const char *doc, *sched, *want;
    } rows[] = {
        {"{\"job\": {}}", NULL, "/job: 'application' is required"},
        {"{\"job\": {\"application\": {}}}", NULL, "nothing to run"},
        {"{\"job\": {\"application\": {\"executable\": \"x\", \"app_type\": \"java\"}}}", NULL,
         "/job/application/app_type: 'java' is none of mpi, hpc, python"},
        {"{\"job\": {\"job_options\": {\"job_name\": \"a\\nb\"}, \"application\": {\"executable\": "
         "\"x\"}}}",
         "slurm",
         "/job/job_options/job_name: has a newline, which an #SBATCH directive cannot carry"},
        {"{\"job\": {\"job_options\": {\"queue\": \"a b\"}, \"application\": {\"executable\": "
         "\"x\"}}}",
         "torque", "/job/job_options/queue: 'a b' has a blank"},
        {"{\"job\": {\"job_options\": {\"email_address\": \"a\\\"b\"}, \"application\": "
         "{\"executable\": \"x\"}}}",
         "torque", "/job/job_options/email_address: 'a\"b' has a quote"},
        {"{\"job\": {\"job_options\": {\"node_count\": 0}, \"application\": {\"executable\": "
         "\"x\"}}}",
         NULL, "/job/job_options/node_count: must be a positive integer"},
        {"{\"job\": {\"job_options\": {\"node_count\": \"2\"}, \"application\": {\"executable\": "
         "\"x\"}}}",
         NULL, "must be a positive integer, not a string"},
        {"{\"job\": {\"job_options\": {\"wall_time_limit\": \"soon\"}, \"application\": "
         "{\"executable\": \"x\"}}}",
         "slurm", "/job/job_options/wall_time_limit: 'soon' is not a duration"},
        {"{\"job\": {\"job_options\": {\"request_event_notification\": \"events\"}, "
         "\"application\":"
         " {\"executable\": \"x\"}}}",
         "torque", "/job/job_options/request_event_notification: 'events'"},
        {"{\"job\": {\"job_options\": {\"defer_job\": \"tomorrow\"}, \"application\": "
         "{\"executable\": \"x\"}}}",
         "torque", "/job/job_options/defer_job: 'tomorrow' is neither ISO 8601"},
        {"{\"job\": {\"job_options\": {\"node_count\": 1, \"request_specific_nodes\": \"n1,n2\"},"
         " \"application\": {\"executable\": \"x\"}}}",
         "torque", "names 2 nodes but node_count is 1"},
        {"{\"job\": {\"job_options\": {\"queue\": \"a\", \"partition\": \"b\"}, \"application\": "
         "{\"executable\": \"x\"}}}",
         "slurm", "both name the Slurm partition"},
        {"{\"job\": {\"application\": {\"executable\": \"echo a\\necho b\"}}}", NULL,
         "/job/application/executable: has a newline that is not a backslash line continuation"},
        {"{\"job\": {\"application\": {\"executable\": \"echo\", \"arguments\": \"a "
         "\\\\\\\\\\nb\"}}}",
         NULL, "/job/application/arguments: has a newline"},
        {"{\"job\": {\"application\": {\"executable\": \"x\", \"build\": {\"src\": "
         "\"-O/etc/passwd\","
         " \"build_command\": \"make\"}}}}",
         NULL, "/job/application/build/src: '-O/etc/passwd' is not a URL"},
        {"{\"job\": {\"application\": {\"executable\": \"x\", \"build\": {\"src\": "
         "\"https://a/b\"}}}}",
         NULL, "/job/application/build/build_command: is required"},
        {"{\"job\": {\"application\": {\"container_runtime\": \"docker://a b\"}}}", NULL,
         "/job/application/container_runtime: has whitespace"},
        {"{\"job\": {\"target\": {\"job_scheduler_type\": \"lsf\"}, \"application\": "
         "{\"executable\": \"x\"}}}",
         NULL, "/job/target/job_scheduler_type: 'lsf' is none of"},
        {"{\"job\": {\"application\": {\"executable\": \"x\", \"minimal_efficiency\": 1.5}}}", NULL,
         "/job/application/minimal_efficiency: must be a number in (0, 1]"},
        {"{\"job\": {\"target\": {\"name\": \"daint\", \"job_scheduler_type\": \"slurm\"},"
         " \"job_options\": {\"queue\": \"knl\"}, \"application\": {\"executable\": \"x\", "
         "\"mpi_ranks\": 4}}}",
         NULL, "infrastructure 'daint' has no partition 'knl'"},
        {"{\"job\": {\"application\": {\"container_runtime\": \"docker://a/\"}}}", NULL,
         "/job/application/container_runtime: 'docker://a/' names no image"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        expect_error(rows[i].doc, rows[i].sched, rows[i].want);
    /* an odd number of backslashes before the newline continues the line: accepted */
    job_result res;
    mk_err e;
    assert_int_equal(gen("{\"job\": {\"application\": {\"executable\": \"echo\", \"arguments\": "
                         "\"a \\\\\\nb\"}}}",
                         NULL, &res, &e),
                     0);
    assert_non_null(strstr(res.job_content, "echo a \\\nb\n"));
    job_result_fini(&res);
    /* a NUL inside a string (a reader that allows it) */
    json_t *doc = js("{\"job\": {\"application\": {}}}");
    json_object_set_new(json_object_get(json_object_get(doc, "job"), "application"), "executable",
                        json_stringn("a\0b", 3));
    job_opts o = {"20240101120000", NULL, NULL, NULL};
    mk_err_clear(&e);
    assert_int_equal(job_generate(doc, reg, &o, &res, &e), -1);
    assert_non_null(strstr(e.msg, "/job/application/executable: contains a NUL"));
    json_decref(doc);
    /* an unknown --scheduler is a usage error */
    mk_err_clear(&e);
    assert_int_equal(
        gen("{\"job\": {\"application\": {\"executable\": \"x\"}}}", "pbspro", &res, &e), -1);
    assert_int_equal(e.code, MK_EUSAGE);
}

static void test_build_script(void **state)
{
    job_result res;
    mk_err e;
    json_t *doc =
        js("{\"job\": {\"job_options\": {\"job_name\": \"b\", \"node_count\": 4,"
           "  \"process_count_per_node\": 8, \"core_count\": 32, \"request_gpus\": 1,"
           "  \"standard_output_file\": \"o\", \"job_array\": \"1-3\"},"
           " \"target\": {\"job_scheduler_type\": \"slurm\"},"
           " \"application\": {\"app_type\": \"mpi\", \"container_runtime\": \"docker://x/y:1\","
           "  \"executable\": \"./y\", \"mpi_ranks\": 32,"
           "  \"build\": {\"src\": \"https://g/r.git\", \"build_command\": \"make "
           "-j{{BUILD_PARALLELISM}} all\","
           "   \"build_parallelism\": 6}}}}");
    job_opts o = {"20240101120000", "named", "out/dir/", NULL};
    mk_err_clear(&e);
    assert_int_equal(job_generate(doc, reg, &o, &res, &e), 0);
    assert_string_equal(res.job_path, "out/dir/named.sh");
    assert_string_equal(res.build_path, "out/dir/named_build.sh");
    /* the main script has the build step too, rendered (MODAK left {{...}} there) */
    assert_non_null(strstr(res.job_content,
                           "\ngit clone https://g/r.git\n\nsingularity exec "
                           "\"--nv\" \"$SINGULARITY_DIR/y_1.sif\" make -j6 all\n"));
    static const char *const lines[] = {"#SBATCH -J b_build", "#SBATCH -N 1",
                                        "#SBATCH --ntasks-per-node=6", "#SBATCH --output=build-o",
                                        NULL};
    expect_lines(res.build_content, lines);
    assert_null(strstr(res.build_content, "--gres"));
    assert_null(strstr(res.build_content, "-a 1-3"));
    assert_null(strstr(res.build_content, "srun"));
    assert_null(strstr(res.build_content, "\"--nv\""));
    json_t *j = json_object_get(res.doc, "job");
    assert_string_equal(json_string_value(json_object_get(j, "build_script")),
                        "out/dir/named_build.sh");
    assert_string_equal(json_string_value(json_object_get(j, "build_content")), res.build_content);
    /* the input document is not modified */
    assert_null(json_object_get(json_object_get(doc, "job"), "job_content"));
    json_decref(doc);
    job_result_fini(&res);
}

static void test_completed_document(void **state)
{
    job_result res;
    mk_err e;
    /* the inner object alone is accepted too; the result is wrapped in {"job": ...} */
    assert_int_equal(
        gen("{\"job_options\": {\"job_name\": \"c\", \"architecture_constraint\": \"mc\","
            "  \"account\": null}, \"target\": {\"name\": \"daint\"},"
            " \"application\": {\"app_type\": \"hpc\", \"executable\": \"./s\", \"mpi_ranks\": 40,"
            "  \"container_runtime\": \"docker://user/own:1\"},"
            " \"optimisation\": {\"enable_opt_build\": true, \"app_type\": \"hpc\","
            "  \"opt_build\": {\"cpu_type\": \"x86\", \"acc_type\": \"nvidia\"},"
            "  \"app_type-hpc\": {\"config\": {\"parallelisation\": \"mpi\"},"
            "   \"parallelisation-mpi\": {\"library\": \"openmpi\", \"version\": \"3.1.3\"}}}}",
            NULL, &res, &e),
        0);
    /* the scheduler comes from the infrastructure when the target does not name one */
    assert_string_equal(res.scheduler, "slurm");
    json_t *j = json_object_get(res.doc, "job");
    assert_non_null(j);
    json_t *app = json_object_get(j, "application"), *jo = json_object_get(j, "job_options");
    assert_string_equal(json_string_value(json_object_get(app, "container_runtime")),
                        "docker://ethcscs/openmpi:3.1.3");
    /* 40 ranks at 36 per mc node: node_count completed to 2, in the script and the document */
    assert_int_equal(json_integer_value(json_object_get(jo, "node_count")), 2);
    assert_non_null(strstr(res.job_content, "\n#SBATCH -N 2\n"));
    assert_int_equal(json_integer_value(json_object_get(app, "mpi_ranks")), 40);
    assert_null(json_object_get(jo, "account"));
    assert_string_equal(json_string_value(json_object_get(j, "job_script")), "c_20240101120000.sh");
    assert_non_null(strstr(res.explain, "mapper: optimised image 'ethcscs_openmpi_3.1.3'"));
    assert_non_null(strstr(res.explain, "node_count 2"));
    job_result_fini(&res);
    /* without a partition the node count cannot be completed on a two-partition site */
    expect_error(
        "{\"job\": {\"target\": {\"name\": \"daint\"}, \"application\": {\"app_type\": \"mpi\","
        " \"executable\": \"./s\", \"mpi_ranks\": 40}}}",
        NULL, "infrastructure 'daint' has 2 partitions");
    /* a warning, not an error, for an unregistered target and for oversubscription */
    assert_int_equal(
        gen("{\"job\": {\"target\": {\"name\": \"nowhere\", \"job_scheduler_type\": \"slurm\"},"
            " \"job_options\": {\"node_count\": 1, \"process_count_per_node\": 2},"
            " \"application\": {\"app_type\": \"mpi\", \"executable\": \"./s\", \"mpi_ranks\": "
            "8}}}",
            NULL, &res, &e),
        0);
    assert_non_null(strstr(res.warnings, "'nowhere' is not a registered infrastructure"));
    assert_non_null(
        strstr(res.warnings, "mpi_ranks 8 exceed node_count 1 x process_count_per_node 2"));
    job_result_fini(&res);
}

static void test_file_names_are_safe(void **state)
{
    job_result res;
    mk_err e;
    assert_int_equal(gen("{\"job\": {\"job_options\": {\"job_name\": \"../../etc/x y\"},"
                         " \"target\": {\"job_scheduler_type\": \"slurm\"},"
                         " \"application\": {\"executable\": \"x\"}}}",
                         NULL, &res, &e),
                     0);
    assert_string_equal(res.job_path, "_._.._etc_x_y_20240101120000.sh");
    assert_non_null(strstr(res.job_content, "#SBATCH -J \"../../etc/x y\"\n"));
    job_result_fini(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sh_word),
        cmocka_unit_test(test_walltime),
        cmocka_unit_test(test_notify),
        cmocka_unit_test(test_mem),
        cmocka_unit_test(test_bash_minimal),
        cmocka_unit_test(test_slurm_header_and_run),
        cmocka_unit_test(test_torque_header),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_build_script),
        cmocka_unit_test(test_completed_document),
        cmocka_unit_test(test_file_names_are_safe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
