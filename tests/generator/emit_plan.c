/* emit_plan — writes the artefacts of a plan given as JSON, for the emitters' script tests
 * (test_emit_*.sh), which then check them with the real tools.
 *
 *   emit_plan PLAN.json OUTDIR
 *
 * PLAN.json mirrors opt_plan (generator/plan.h): {"blueprint": ..., "nodes": [{"name": ...,
 * "scheduler": ..., ..., "decision": {...}}]}; a missing string is NULL, a missing number 0.
 * Besides what emit_playbooks and emit_containers write, it does what the optimiser does
 * around them: jobs/<node>.sh from job_script, bin/<node>-train copied from binary. Exit
 * status: 0 written, 1 the emitters refused the plan (the message on stderr), 2 usage/I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mk_buf.h"
#include "mk_fs.h"
#include "plan.h"

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : 0;
}

static int write_extras(const opt_node *nd, const char *dir, mk_err *err)
{
    char *rel = mk_xasprintf("%s/jobs/%s.sh", dir, nd->name);
    char *jobs = mk_path_dirname(rel);
    int rc = mk_mkdir_p(jobs, err) ||
             mk_file_write_atomic(rel, nd->job_script ? nd->job_script : "",
                                  nd->job_script ? strlen(nd->job_script) : 0, 1, err);
    free(jobs);
    free(rel);
    if (rc || !nd->binary) return rc;
    char *data = NULL;
    size_t len = 0;
    char *bin = mk_xasprintf("%s/bin", dir);
    char *dst = mk_xasprintf("%s/bin/%s-train", dir, nd->name);
    rc = mk_file_read(nd->binary, 0, &data, &len, err) || mk_mkdir_p(bin, err) ||
         mk_file_write_atomic(dst, data, len, 1, err);
    free(data);
    free(bin);
    free(dst);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: emit_plan PLAN.json OUTDIR\n");
        return 2;
    }
    json_error_t jerr;
    json_t *root = json_load_file(argv[1], 0, &jerr);
    if (!root) {
        fprintf(stderr, "emit_plan: %s:%d: %s\n", argv[1], jerr.line, jerr.text);
        return 2;
    }
    json_t *nodes = json_object_get(root, "nodes");
    opt_plan plan = {.blueprint = str(root, "blueprint"), .n = json_array_size(nodes)};
    plan.nodes = calloc(plan.n ? plan.n : 1, sizeof *plan.nodes);
    for (size_t i = 0; i < plan.n; i++) {
        json_t *o = json_array_get(nodes, i), *d = json_object_get(o, "decision");
        json_t *ps = json_object_get(d, "predicted_seconds");
        plan.nodes[i] = (opt_node){
            .name = str(o, "name"),
            .job_node = str(o, "job_node"),
            .scheduler = str(o, "scheduler"),
            .runtime = str(o, "runtime"),
            .workspace = str(o, "workspace"),
            .dataset = str(o, "dataset"),
            .network = str(o, "network"),
            .epochs = num(o, "epochs"),
            .train_args = str(o, "train_args"),
            .job_script = str(o, "job_script"),
            .binary = str(o, "binary"),
            .base_image = str(o, "base_image"),
            .decision =
                {
                    .image = str(d, "image"),
                    .graph_compiler = str(d, "graph_compiler"),
                    .threads = num(d, "threads"),
                    .batch = num(d, "batch"),
                    .ranks = num(d, "ranks"),
                    .nodes = num(d, "nodes"),
                    .predicted_seconds = json_is_number(ps) ? json_number_value(ps) : 0,
                    .target = str(d, "target"),
                    .openblas_coretype = str(d, "openblas_coretype"),
                    .reason = str(d, "reason"),
                },
        };
    }
    mk_err err;
    mk_err_clear(&err);
    int rc = mk_mkdir_p(argv[2], &err) ? 2 : 0;
    if (!rc && emit_playbooks(&plan, argv[2], &err)) rc = 1;
    for (size_t i = 0; !rc && i < plan.n; i++)
        if (emit_containers(&plan, i, argv[2], &err)) rc = 1;
    for (size_t i = 0; !rc && i < plan.n; i++)
        if (write_extras(&plan.nodes[i], argv[2], &err)) rc = 2;
    if (rc) {
        char buf[2048];
        fprintf(stderr, "emit_plan: %s\n", mk_err_str(&err, buf, sizeof buf));
    }
    free(plan.nodes);
    json_decref(root);
    return rc;
}
