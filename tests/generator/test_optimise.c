/* Unit tests for optimise.c: finding AI-training nodes and their relations, building the
 * MODAK job document with get_input resolved, and text edits that keep the blueprint's
 * comments and order while hostile values stay inert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mk_buf.h"
#include "mk_fs.h"
#include "optimise.h"

static char *example_path(void)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    return mk_path_join(src ? src : ".", "examples/fashion-mnist-slurm.yaml");
}

static void test_find_and_job_document(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    char *path = example_path();
    doc *d = doc_read_file(path, NULL, &e);
    assert_non_null(d);
    tosca_ctx *c = tosca_ctx_new(NULL, &e);
    diag_list dl;
    diag_list_init(&dl);
    tosca_scope *s = tosca_open(c, d, &dl);
    assert_non_null(s);
    assert_int_equal(dl.errors, 0);
    const doc_node *root = tosca_scope_root(s);
    opt_found *f;
    assert_int_equal(opt_find(s, root, &f), 1);
    assert_string_equal(f[0].name, "fashion-cnn");
    assert_string_equal(f[0].job_name, "fashion-cnn-job");
    assert_string_equal(f[0].host_name, "cluster");
    assert_string_equal(f[0].runtime_name, "container-runtime");
    assert_false(f[0].sodalite_job);

    json_t *job = opt_job_document(root, &f[0], NULL, &e);
    assert_non_null(job);
    json_t *jo = json_object_get(json_object_get(job, "job"), "job_options");
    assert_string_equal(json_string_value(json_object_get(jo, "job_name")), "fashion-cnn");
    assert_string_equal(json_string_value(json_object_get(jo, "wall_time_limit")), "01:00:00");
    assert_int_equal(json_integer_value(json_object_get(jo, "core_count")), 2);
    assert_true(json_is_false(json_object_get(jo, "combine_stdout_stderr")));
    assert_null(json_object_get(jo, "content")); /* not a job option */
    json_t *t = json_object_get(json_object_get(job, "job"), "target");
    assert_string_equal(json_string_value(json_object_get(t, "name")), "host");
    assert_string_equal(json_string_value(json_object_get(t, "job_scheduler_type")), "slurm");
    json_t *app = json_object_get(json_object_get(job, "job"), "application");
    assert_string_equal(json_string_value(json_object_get(app, "executable")), "train");
    json_t *o = json_object_get(json_object_get(job, "job"), "optimisation");
    assert_string_equal(json_string_value(json_object_get(o, "app_type")), "ai_training");
    json_decref(job);

    /* get_input: the default, then a value given on the command line */
    json_t *ep = opt_property(root, f[0].node, "epochs", NULL, &e);
    assert_int_equal(json_integer_value(ep), 1);
    json_decref(ep);
    doc *iv = doc_read_yaml("input", "7", 1, NULL, &e);
    const char *names[] = {"epochs"};
    const doc_node *vals[] = {iv->root};
    opt_inputs in = {names, vals, 1};
    ep = opt_property(root, f[0].node, "epochs", &in, &e);
    assert_int_equal(json_integer_value(ep), 7);
    json_decref(ep);
    doc_free(iv);
    free(f);
    tosca_scope_free(s);
    tosca_ctx_free(c);
    diag_list_fini(&dl);
    free(path);
}

static void test_missing_input(void **state)
{
    const char *text = "tosca_definitions_version: tosca_simple_yaml_1_3\n"
                       "topology_template:\n"
                       "  inputs:\n    who: {type: string}\n"
                       "  node_templates:\n"
                       "    n:\n      type: tosca.nodes.Root\n"
                       "      properties: {x: {get_input: who}}\n";
    mk_err e;
    mk_err_clear(&e);
    doc *d = doc_read_yaml("t.yaml", text, strlen(text), NULL, &e);
    const doc_node *n = doc_map_get(doc_map_get(doc_map_get(d->root, "topology_template"),
                                                "node_templates"),
                                    "n");
    assert_null(opt_property(d->root, n, "x", NULL, &e));
    assert_non_null(strstr(e.msg, "--input who=VALUE"));
    assert_int_equal(e.line, 8);
    doc_free(d);
}

/* Edits one blueprint, re-reads it, and checks the values and what was kept. */
static void check_edit(const char *text, const char *hostile)
{
    mk_err e;
    mk_err_clear(&e);
    doc *d = doc_read_yaml("t.yaml", text, strlen(text), NULL, &e);
    assert_non_null(d);
    const doc_node *nodes = doc_map_get(doc_map_get(d->root, "topology_template"), "node_templates");
    const doc_node *app = doc_map_get(nodes, "app"), *job = doc_map_get(nodes, "job");
    opt_edits ed = {0};
    mk_buf v;
    mk_buf_init(&v);
    mk_buf_put_yaml_str(&v, hostile);
    opt_set_property(&ed, d, app, "container_runtime", v.s);
    mk_buf_reset(&v);
    mk_buf_puts(&v, "{image: ");
    mk_buf_put_yaml_str(&v, hostile);
    mk_buf_puts(&v, ", threads: 2}");
    opt_set_property(&ed, d, app, "decision", v.s);
    mk_buf_reset(&v);
    mk_buf_put_yaml_str(&v, hostile);
    opt_set_property(&ed, d, job, "content", v.s);
    opt_ensure_import(&ed, d, "modak-types.yaml");
    char *out = opt_apply(d, &ed);
    opt_edits_fini(&ed);
    mk_buf_fini(&v);
    doc *o = doc_read_yaml("out.yaml", out, strlen(out), NULL, &e);
    if (!o) fail_msg("edited text does not parse: %s\n%s", e.msg, out);
    nodes = doc_map_get(doc_map_get(o->root, "topology_template"), "node_templates");
    const doc_node *props = doc_map_get(doc_map_get(nodes, "app"), "properties");
    assert_string_equal(doc_str(doc_map_get(props, "container_runtime")), hostile);
    assert_string_equal(doc_str(doc_map_get(doc_map_get(props, "decision"), "image")), hostile);
    assert_int_equal(doc_map_get(doc_map_get(props, "decision"), "threads")->v.i, 2);
    assert_string_equal(doc_str(doc_map_get(props, "app_tag")), "a");
    const doc_node *jp = doc_map_get(doc_map_get(nodes, "job"), "properties");
    assert_string_equal(doc_str(doc_map_get(jp, "content")), hostile);
    const doc_node *imps = doc_map_get(o->root, "imports");
    assert_string_equal(doc_str(imps->items[imps->n - 1]), "modak-types.yaml");
    if (strstr(text, "# keep me")) assert_non_null(strstr(out, "# keep me"));
    /* the node keys keep their order */
    assert_string_equal(nodes->pairs[0].key->text, "app");
    doc_free(o);
    free(out);
    doc_free(d);
}

static void test_edits(void **state)
{
    const char *hostile = "x\" $(touch /tmp/pwned) `id` {{ lookup('pipe','id') }} {% if %}\n"
                          "#: &a *b !!python/object ' \\ \t\x01 end";
    /* block maps, values present and absent, comments */
    check_edit("tosca_definitions_version: tosca_simple_yaml_1_3 # keep me\n"
               "imports:\n  - other.yaml\n"
               "topology_template:\n  node_templates:\n"
               "    app:\n      type: x # keep me too\n      properties:\n"
               "        app_tag: a\n        container_runtime: \"docker://old\" # keep me\n"
               "    job:\n      type: y\n      properties:\n        content: |\n"
               "          #!/bin/sh\n          echo old\n        job_name: j\n",
               hostile);
    /* flow maps, no imports, a node with no properties, `properties:` left empty */
    check_edit("tosca_definitions_version: tosca_simple_yaml_1_3\n"
               "topology_template:\n  node_templates:\n"
               "    app: {type: x, properties: {app_tag: a}}\n"
               "    job:\n      type: y\n", hostile);
    check_edit("tosca_definitions_version: tosca_simple_yaml_1_3\nimports: [a.yaml]\n"
               "topology_template:\n  node_templates:\n"
               "    app:\n      type: x\n      properties:\n        app_tag: a\n"
               "    job:\n      type: y\n      properties:\n", hostile);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_and_job_document),
        cmocka_unit_test(test_missing_input),
        cmocka_unit_test(test_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
