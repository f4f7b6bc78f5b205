/* Unit tests for generator/dsl: MODAK's own inputs, value formats from tables, sniffing,
 * the section API, reading fragments, the reference tables in docs/dsl.md, and mutated
 * documents (no crash, no leak under the sanitizers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "doc.h"
#include "dsl.h"
#include "mk_buf.h"
#include "mk_fs.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

static size_t count_rule(const diag_list *l, const char *rule)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += !strcmp(l->v[i].rule, rule);
    return n;
}

static void dump(const char *what, const diag_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        print_message("  %s: %d:%d %s %s %s: %s\n", what, l->v[i].line, l->v[i].col,
                      diag_sev_name(l->v[i].sev), l->v[i].rule,
                      l->v[i].pointer ? l->v[i].pointer : "-", l->v[i].msg);
}

/* ---- MODAK's own inputs: every one accepted, with the warnings each deserves ---- */

static const struct {
    const char *file;
    int kind;
    size_t warnings;
} reference[] = {
    {"aitraining_tf_optimisation_dsl.json", DSL_DOC_OPTIMISATION, 2},
    {"aitraining_tf_resnet.json", DSL_DOC_JOB, 1},
    {"aitraining_tf_snow.json", DSL_DOC_JOB, 1},
    {"get_optimisation_non_existent.json", DSL_DOC_JOB, 0},
    {"job_data.json", DSL_DOC_JOB, 17},
    {"map_container.json", DSL_DOC_CONTAINER_MAP, 0},
    {"mpi_mpi_solver.json", DSL_DOC_JOB, 2},
    {"mpi_mpi_test.json", DSL_DOC_JOB, 2},
    {"mpi_mpi_test_cirrus.json", DSL_DOC_JOB, 4},
    {"mpi_mpi_test_daint.json", DSL_DOC_JOB, 4},
    {"mpi_mpi_test_egi.json", DSL_DOC_JOB, 2},
    {"mpi_solver.json", DSL_DOC_JOB, 0},
    {"mpi_solver_optimisation_dsl.json", DSL_DOC_OPTIMISATION, 7},
    {"mpi_test.json", DSL_DOC_JOB, 0},
    {"mpi_test_egi.json", DSL_DOC_JOB, 1},
    {"optimisation_dsl.json", DSL_DOC_OPTIMISATION, 14},
    {"solver_optimisation_dsl.json", DSL_DOC_OPTIMISATION, 7},
    {"tf_optimisation_dsl.json", DSL_DOC_OPTIMISATION, 2},
    {"tf_resnet.json", DSL_DOC_JOB, 0},
    {"tf_snow.json", DSL_DOC_JOB, 0},
};

static char *reference_input_dir(void)
{
    const char *ref = getenv("MODAK_REFERENCE_DIR");
    if (!ref) return NULL;
    char *dir = mk_path_join(ref, "modak/input");
    if (!mk_is_dir(dir)) {
        free(dir);
        return NULL;
    }
    return dir;
}

static void test_reference_inputs_accepted(void **state)
{
    (void)state;
    char *dir = reference_input_dir();
    if (!dir) {
        print_message("skipped: MODAK_REFERENCE_DIR/modak/input is absent\n");
        skip();
    }
    /* every file there is in the table, so a new input cannot go unchecked */
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.') continue;
        int known = 0;
        for (size_t i = 0; i < COUNT(reference); i++)
            known |= !strcmp(reference[i].file, e->d_name);
        if (!known) fail_msg("%s/%s is not in the test's table", dir, e->d_name);
        files++;
    }
    closedir(dp);
    assert_int_equal(files, COUNT(reference));
    for (size_t i = 0; i < COUNT(reference); i++) {
        char *path = mk_path_join(dir, reference[i].file);
        diag_list l;
        diag_list_init(&l);
        mk_err err;
        mk_err_clear(&err);
        doc *d = dsl_read_file(path, NULL, &l, &err);
        if (!d) fail_msg("%s: %s", path, err.msg);
        assert_int_equal(dsl_is_job_document(d->root), reference[i].kind);
        dsl_check_job(d->root, &l);
        if (l.errors || l.warnings != reference[i].warnings) {
            dump(reference[i].file, &l);
            fail_msg("%s: %zu errors, %zu warnings (want 0 and %zu)", reference[i].file, l.errors,
                     l.warnings, reference[i].warnings);
        }
        doc_free(d);
        diag_list_fini(&l);
        free(path);
    }
    free(dir);
}

/* ---- one field's value, in a minimal job around it ---- */

typedef struct {
    const char *section; /* job_options, application, target, opt_build, tensorflow */
    const char *field;
    const char *json; /* the value as JSON text */
    const char *rule; /* the one diagnostic expected, or NULL for none */
    diag_sev sev;
} value_case;

static const value_case values[] = {
    /* durations */
    {"job_options", "wall_time_limit", "\"12:00:00\"", NULL, 0},
    {"job_options", "wall_time_limit", "\"1:00:00\"", NULL, 0},
    {"job_options", "wall_time_limit", "\"30:00\"", NULL, 0},
    {"job_options", "wall_time_limit", "\"0:01\"", NULL, 0},
    {"job_options", "wall_time_limit", "\"100:00:00\"", NULL, 0},
    {"job_options", "wall_time_limit", "\"2:23:59:59\"", NULL, 0},
    {"job_options", "wall_time_limit", "\"12:00:00 \"", "dsl.whitespace", DIAG_WARNING},
    {"job_options", "wall_time_limit", "\"12:00:60\"", "dsl.format", DIAG_ERROR},
    {"job_options", "wall_time_limit", "\"1:2:3:4:5\"", "dsl.format", DIAG_ERROR},
    {"job_options", "wall_time_limit", "\"1-00:00:00\"", NULL, 0}, /* Slurm's D-HH:MM:SS */
    {"job_options", "wall_time_limit", "\"2 days, 1:00:00\"", NULL, 0}, /* MODAK's timedelta */
    {"job_options", "wall_time_limit", "\"1-xx:00:00\"", "dsl.format", DIAG_ERROR},
    {"job_options", "wall_time_limit", "\"12::00\"", "dsl.format", DIAG_ERROR},
    {"job_options", "wall_time_limit", "\"1234567890:00\"", "dsl.format", DIAG_ERROR},
    {"job_options", "wall_time_limit", "\"\"", "dsl.format", DIAG_ERROR},
    {"job_options", "wall_time_limit", "\"0:00\"", "dsl.range", DIAG_ERROR},
    {"job_options", "wall_time_limit", "0", "dsl.range", DIAG_ERROR},
    {"job_options", "wall_time_limit", "86400", "dsl.coercion", DIAG_WARNING},
    {"job_options", "wall_time_limit", "null", NULL, 0},
    /* sizes */
    {"job_options", "memory_limit", "\"10 MB\"", NULL, 0},
    {"job_options", "memory_limit", "\"1.5GiB\"", NULL, 0},
    {"job_options", "memory_limit", "\"500M\"", NULL, 0},
    {"job_options", "memory_limit", "\"2 tb\"", NULL, 0},
    {"job_options", "memory_limit", "\"MB\"", "dsl.format", DIAG_ERROR},
    {"job_options", "memory_limit", "\"10 MBs\"", "dsl.format", DIAG_ERROR},
    {"job_options", "memory_limit", "\"-1 MB\"", "dsl.format", DIAG_ERROR},
    {"job_options", "memory_limit", "512", "dsl.format", DIAG_ERROR},
    /* mail events */
    {"job_options", "request_event_notification", "\"abe\"", "dsl.cross-field", DIAG_ERROR},
    {"job_options", "request_event_notification", "\"\"", NULL, 0},
    /* e-mail */
    {"job_options", "email_address", "\"first.last@sub.example.org\"", NULL, 0},
    {"job_options", "email_address", "\"a@b\"", "dsl.format", DIAG_WARNING},
    {"job_options", "email_address", "\"a@b.org, c@d.org\"", "dsl.format", DIAG_WARNING},
    {"job_options", "email_address", "\"@example.org\"", "dsl.format", DIAG_WARNING},
    /* job arrays */
    {"job_options", "job_array", "\"1,2,3,4\"", NULL, 0},
    {"job_options", "job_array", "\"0-15:4\"", NULL, 0},
    {"job_options", "job_array", "\"1-100%10\"", NULL, 0},
    {"job_options", "job_array", "7", NULL, 0},
    {"job_options", "job_array", "\"5-1\"", "dsl.format", DIAG_ERROR},
    {"job_options", "job_array", "\"1,,2\"", "dsl.format", DIAG_ERROR},
    {"job_options", "job_array", "\"0-15:0\"", "dsl.format", DIAG_ERROR},
    {"job_options", "job_array", "\"1-5%\"", "dsl.format", DIAG_ERROR},
    /* counts */
    {"job_options", "node_count", "1", NULL, 0},
    {"job_options", "node_count", "0", "dsl.range", DIAG_ERROR},
    {"job_options", "node_count", "\" 2 \"", "dsl.coercion", DIAG_WARNING},
    {"job_options", "node_count", "\"2x\"", "dsl.type", DIAG_ERROR},
    {"job_options", "node_count", "\"99999999999999999999\"", "dsl.type", DIAG_ERROR},
    {"job_options", "node_count", "true", "dsl.type", DIAG_ERROR},
    {"job_options", "node_count", "3.0", "dsl.coercion", DIAG_WARNING},
    /* booleans: pydantic's strings */
    {"job_options", "node_exclusive", "\"on\"", "dsl.coercion", DIAG_WARNING},
    {"job_options", "node_exclusive", "\"N\"", "dsl.coercion", DIAG_WARNING},
    {"job_options", "node_exclusive", "2", "dsl.type", DIAG_ERROR},
    {"job_options", "node_exclusive", "false", NULL, 0},
    /* strings */
    {"job_options", "job_name", "7", NULL, 0},
    {"job_options", "job_name", "7.5", "dsl.coercion", DIAG_WARNING},
    {"job_options", "job_name", "[\"a\"]", "dsl.type", DIAG_ERROR},
    /* application */
    {"application", "minimal_efficiency", "1", NULL, 0},
    {"application", "minimal_efficiency", "0.01", NULL, 0},
    {"application", "minimal_efficiency", "1.0000001", "dsl.range", DIAG_ERROR},
    {"application", "minimal_efficiency", "-0.5", "dsl.range", DIAG_ERROR},
    {"application", "minimal_efficiency", "\"0.5\"", "dsl.coercion", DIAG_WARNING},
    {"application", "build", "{\"src\": \"git://host/r.git\", \"build_command\": \"make\"}", NULL,
     0},
    {"application", "build", "{\"src\": \"https:///x\", \"build_command\": \"make\"}", "dsl.format",
     DIAG_ERROR},
    {"application", "build", "{\"src\": \"ht tp://x\", \"build_command\": \"make\"}", "dsl.format",
     DIAG_ERROR},
    {"application", "app_type", "\"python\"", NULL, 0},
    {"application", "app_type", "\"pyhton\"", "dsl.enum", DIAG_ERROR},
    /* target */
    {"target", "name", "\"daint\"", NULL, 0},
    {"target", "job_scheduler_type", "\"torque\"", NULL, 0},
    {"target", "job_scheduler_type", "null", "dsl.cross-field", DIAG_ERROR},
    /* opt_build, inside an optimisation that needs it */
    {"opt_build", "acc_type", "\"fpga\"", NULL, 0},
    {"opt_build", "acc_type", "\"none\"", "dsl.modak-compat", DIAG_WARNING},
    {"opt_build", "acc_type", "\"Nvidia\"", "dsl.case", DIAG_WARNING},
    {"opt_build", "acc_type", "\"nvidia/tpu\"", "dsl.enum", DIAG_ERROR},
    {"opt_build", "acc_type", "\"nvidia/amd\"", "dsl.placeholder", DIAG_WARNING},
    /* the framework section */
    {"tensorflow", "version", "\"2.4.1\"", NULL, 0},
    {"tensorflow", "version", "2", NULL, 0},
    {"tensorflow", "version", "2.4", "dsl.coercion", DIAG_WARNING},
    {"tensorflow", "version", "null", "dsl.required", DIAG_ERROR},
};

static char *job_with(const value_case *v)
{
    const char *jo = "", *app = "", *tgt = "", *build = "", *tf = "\"version\": \"2.1\"";
    char *field = mk_xasprintf("\"%s\": %s", v->field, v->json);
    if (!strcmp(v->section, "job_options")) jo = field;
    if (!strcmp(v->section, "application")) app = field;
    if (!strcmp(v->section, "target")) tgt = field;
    if (!strcmp(v->section, "opt_build")) build = field;
    char *tfs =
        !strcmp(v->section, "tensorflow") ? mk_xasprintf("%s", field) : mk_xasprintf("%s", tf);
    char *s = mk_xasprintf(
        "{\"job\": {\"job_options\": {%s}, \"application\": {\"executable\": \"x\"%s%s}, %s%s%s"
        "\"optimisation\": {\"enable_opt_build\": true, \"app_type\": \"ai_training\", "
        "\"opt_build\": {\"cpu_type\": \"x86\"%s%s}, \"app_type-ai_training\": {\"config\": "
        "{\"ai_framework\": \"tensorflow\"}, \"ai_framework-tensorflow\": {%s, \"xla\": true}}}}}",
        jo, *app ? ", " : "", app, *tgt ? "\"target\": {" : "", tgt, *tgt ? "}, " : "",
        *build ? ", " : "", build, tfs);
    free(field);
    free(tfs);
    return s;
}

static void test_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(values); i++) {
        const value_case *v = &values[i];
        char *text = job_with(v);
        diag_list l;
        diag_list_init(&l);
        mk_err err;
        mk_err_clear(&err);
        doc *d = dsl_read("case.json", text, strlen(text), NULL, &l, &err);
        if (!d) fail_msg("case %zu: %s: %s", i, text, err.msg);
        dsl_check_job(d->root, &l);
        int ok =
            v->rule ? l.n == 1 && !strcmp(l.v[0].rule, v->rule) && l.v[0].sev == v->sev : l.n == 0;
        if (!ok) {
            dump("got", &l);
            fail_msg("case %zu: %s %s = %s: want %s", i, v->section, v->field, v->json,
                     v->rule ? v->rule : "no diagnostic");
        }
        doc_free(d);
        diag_list_fini(&l);
        free(text);
    }
}

/* ---- sniffing ---- */

static void test_sniffing(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int kind;
    } cases[] = {
        {"{\"job\": {}}", DSL_DOC_JOB},
        {"{\"job\": 1, \"extra\": 2}", DSL_DOC_JOB},
        {"{\"optimisation\": {}}", DSL_DOC_OPTIMISATION},
        {"{\"optimization\": {}}", DSL_DOC_OPTIMISATION},
        {"{\"name\": \"x\", \"container_file\": \"a/b:1\"}", DSL_DOC_CONTAINER_MAP},
        {"{\"name\": \"x\", \"image_hub\": \"docker\", \"optimisation\": {}}",
         DSL_DOC_CONTAINER_MAP},
        {"{\"tosca_definitions_version\": \"tosca_simple_yaml_1_3\", \"job\": 1}", DSL_DOC_NONE},
        {"{\"jobs\": {}}", DSL_DOC_NONE},
        {"[]", DSL_DOC_NONE},
        {"\"job\"", DSL_DOC_NONE},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        mk_err err;
        mk_err_clear(&err);
        doc *d = doc_read_json("s.json", cases[i].json, strlen(cases[i].json), NULL, &err);
        assert_non_null(d);
        assert_int_equal(dsl_is_job_document(d->root), cases[i].kind);
        doc_free(d);
    }
    assert_int_equal(dsl_is_job_document(NULL), DSL_DOC_NONE);
    assert_string_equal(dsl_doc_kind_name(DSL_DOC_JOB), "job document");
    assert_string_equal(dsl_doc_kind_name(DSL_DOC_CONTAINER_MAP), "container mapping");
    assert_string_equal(dsl_doc_kind_name((dsl_doc_kind)99), "?");
    /* an empty document is reported, not a crash */
    diag_list l;
    diag_list_init(&l);
    dsl_check_job(NULL, &l);
    assert_int_equal(l.errors, 1);
    assert_int_equal(count_rule(&l, "dsl.document"), 1);
    diag_list_fini(&l);
}

/* ---- the section API, as the TOSCA validator uses it ---- */

static void test_sections(void **state)
{
    (void)state;
    const char *yaml = "props:\n"
                       "  optimisation:\n"
                       "    enable_opt_build: true\n"
                       "    app_type: ai_training\n"
                       "    app_type-ai_training:\n"
                       "      config: {ai_framework: tensorflow}\n"
                       "      ai_framework-tensorflow: {version: '2.1', xla: true}\n"
                       "    opt_build: {cpu_type: x86, acc_tpye: nvidia}\n";
    mk_err err;
    mk_err_clear(&err);
    doc *d = doc_read_yaml("bp.yaml", yaml, strlen(yaml), NULL, &err);
    assert_non_null(d);
    const doc_node *opt = doc_map_get(doc_map_get(d->root, "props"), "optimisation");
    diag_list l;
    diag_list_init(&l);
    dsl_check_section("optimisation", opt, "/props/optimisation", &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].rule, "dsl.unknown-key");
    assert_string_equal(l.v[0].pointer, "/props/optimisation/opt_build/acc_tpye");
    assert_string_equal(l.v[0].file, "bp.yaml");
    assert_int_equal(l.v[0].line, 8);
    assert_int_equal(l.v[0].col, 32);
    assert_string_equal(l.v[0].hint, "did you mean \"acc_type\"?");
    diag_list_fini(&l);

    /* null and absent sections are nothing to check; a NULL pointer prefix is "" */
    diag_list_init(&l);
    dsl_check_section("target", NULL, "/x", &l);
    dsl_check_section("optimization", opt, NULL, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].pointer, "/opt_build/acc_tpye");
    diag_list_fini(&l);

    /* an unknown section name, and a section that is not a map */
    diag_list_init(&l);
    dsl_check_section("jobOptions", opt, "/p", &l);
    dsl_check_section(NULL, opt, "/p", &l);
    dsl_check_section("application", doc_map_get(opt, "app_type"), "/p/app", &l);
    assert_int_equal(count_rule(&l, "dsl.section"), 2);
    assert_int_equal(count_rule(&l, "dsl.type"), 1);
    diag_list_fini(&l);

    /* the cross rules are NULL-safe */
    diag_list_init(&l);
    dsl_check_cross(NULL, NULL, opt, "/o", &l);
    dsl_check_cross(opt, "/o", NULL, NULL, &l);
    dsl_check_cross(opt, NULL, opt, NULL, &l);
    assert_int_equal(l.n, 0);
    diag_list_fini(&l);
    doc_free(d);
}

/* ---- reading ---- */

static void test_read(void **state)
{
    (void)state;
    diag_list l;
    diag_list_init(&l);
    mk_err err;
    mk_err_clear(&err);
    /* a fragment: marks are those of the file, not of the wrapped text */
    const char *frag = "\"optimisation\": {\"enable_opt_build\": false, \"app_type\": \"hpc\"}";
    doc *d = dsl_read("f.json", frag, strlen(frag), NULL, &l, &err);
    assert_non_null(d);
    assert_int_equal(count_rule(&l, "dsl.fragment"), 1);
    assert_int_equal(d->root->pairs[0].key->mark.col, 1);
    assert_int_equal(d->root->pairs[0].val->pairs[1].key->mark.col, 45);
    assert_int_equal(d->text_len, strlen(frag));
    assert_memory_equal(d->text, frag, strlen(frag));
    doc_free(d);
    diag_list_fini(&l);

    /* broken JSON: the first error, with line and column */
    static const struct {
        const char *text;
        int line, col;
    } bad[] = {
        {"{\"job\": {\n  \"a\": 1,\n}}", 3, 1},
        {"\"optimisation\": {\"a\": }", 1, 23},
        {"\"just a string\" trailing", 1, 24},
        {"", 0, 0},
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        diag_list_init(&l);
        mk_err_clear(&err);
        d = dsl_read("b.json", bad[i].text, strlen(bad[i].text), NULL, &l, &err);
        assert_null(d);
        assert_int_not_equal(err.code, MK_OK);
        if (bad[i].line) {
            assert_int_equal(err.line, bad[i].line);
            assert_int_equal(err.col, bad[i].col);
        }
        assert_int_equal(l.n, 0);
        diag_list_fini(&l);
    }
    /* limits are the reader's */
    doc_limits lim = {.max_bytes = 8};
    diag_list_init(&l);
    mk_err_clear(&err);
    assert_null(dsl_read("big.json", "{\"job\": {}}", 11, &lim, &l, &err));
    assert_int_equal(err.code, MK_ELIMIT);
    mk_err_clear(&err);
    assert_null(dsl_read_file("/nonexistent/x.json", NULL, &l, &err));
    assert_int_equal(err.code, MK_EIO);
    diag_list_fini(&l);
}

/* ---- docs/dsl.md holds the tables the code has ---- */

static void test_reference_doc(void **state)
{
    (void)state;
    const char *src = getenv("MODAK_SOURCE_DIR");
    char *path = mk_path_join(src ? src : ".", "docs/dsl.md");
    char *text;
    size_t len;
    mk_err err;
    mk_err_clear(&err);
    if (mk_file_read(path, 0, &text, &len, &err)) fail_msg("%s: %s", path, err.msg);
    static const char begin[] = "<!-- BEGIN GENERATED: dsl_write_reference() -->\n";
    static const char end[] = "<!-- END GENERATED -->\n";
    char *b = strstr(text, begin), *e = b ? strstr(b, end) : NULL;
    if (!b || !e) fail_msg("%s lacks the GENERATED markers", path);
    b += strlen(begin);
    mk_buf want;
    mk_buf_init(&want);
    dsl_write_reference(&want);
    const char *update = getenv("MODAK_GOLDEN_UPDATE");
    if (update && !strcmp(update, "1")) {
        mk_buf out;
        mk_buf_init(&out);
        mk_buf_put(&out, text, (size_t)(b - text));
        mk_buf_put(&out, want.s, want.len);
        mk_buf_puts(&out, e);
        assert_int_equal(mk_file_write_atomic(path, out.s, out.len, 0, &err), 0);
        mk_buf_fini(&out);
    } else if ((size_t)(e - b) != want.len || memcmp(b, want.s, want.len)) {
        fail_msg("%s: the generated tables are stale; rerun with MODAK_GOLDEN_UPDATE=1", path);
    }
    /* every rule id the checks emit is documented */
    static const char *const rules[] = {
        "dsl.fragment",   "dsl.document",    "dsl.section",       "dsl.unknown-key",
        "dsl.type",       "dsl.required",    "dsl.range",         "dsl.enum",
        "dsl.case",       "dsl.placeholder", "dsl.value",         "dsl.format",
        "dsl.whitespace", "dsl.coercion",    "dsl.empty",         "dsl.modak-compat",
        "dsl.legacy",     "dsl.cross-field", "dsl.unused-section"};
    for (size_t i = 0; i < COUNT(rules); i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "`%s`", rules[i]);
        if (!strstr(text, pat)) fail_msg("docs/dsl.md does not describe %s", rules[i]);
    }
    mk_buf_fini(&want);
    free(text);
    free(path);
}

/* ---- mutated documents: every byte of a real one replaced, deleted, duplicated ---- */

static void test_mutations(void **state)
{
    (void)state;
    static const char base[] =
        "{\"job\": {\"job_options\": {\"wall_time_limit\": \"1:00:00\", \"node_count\": 2, "
        "\"combine_stdout_stderr\": false, \"request_event_notification\": \"abe\"}, "
        "\"application\": {\"executable\": \"./x\", \"mpi_ranks\": 4, \"build\": {\"src\": "
        "\"https://h/s\", \"build_command\": \"make\"}}, \"target\": {\"name\": \"t\"}, "
        "\"optimisation\": {\"enable_opt_build\": true, \"app_type\": \"hpc\", \"opt_build\": "
        "{\"cpu_type\": \"x86/arm\"}, \"app_type-hpc\": {\"config\": {\"parallelisation\": "
        "[\"MPI\"]}, \"mpi\": {\"library\": \"m\", \"version\": 3.1}}}}}";
    static const char subst[] = "\"{}[]:,0a/ -";
    size_t n = strlen(base), parsed = 0;
    char *buf = mk_xmalloc(n + 2);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof subst; k++) {
            size_t len = n;
            if (k + 1 < sizeof subst) { /* replace */
                memcpy(buf, base, n);
                buf[i] = subst[k];
            } else { /* delete */
                memcpy(buf, base, i);
                memcpy(buf + i, base + i + 1, n - i - 1);
                len = n - 1;
            }
            diag_list l;
            diag_list_init(&l);
            mk_err err;
            mk_err_clear(&err);
            doc *d = dsl_read("m.json", buf, len, NULL, &l, &err);
            if (d) {
                dsl_check_job(d->root, &l);
                parsed++;
                for (size_t j = 0; j < l.n; j++)
                    assert_non_null(l.v[j].hint);
            }
            doc_free(d);
            diag_list_fini(&l);
        }
    }
    free(buf);
    assert_true(parsed > n); /* most mutations still parse, and were all checked */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_inputs_accepted),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_sniffing),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_reference_doc),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
