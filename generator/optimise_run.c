/* optimise_run — one blueprint through modak's main job (see optimise_run.h).
 *
 * Order of work: read and check the blueprint (errors stop it); find the AI-training nodes
 * (none: skipped, not an error); per node build the job document, decide, compile, and
 * generate the job script with the MODAK-compatible generator; then write everything into
 * a temporary sibling of OUTDIR/<name>: the annotated blueprint, modak's types, the type
 * files the blueprint imports (at the paths its imports name, so xOpera and tosca-parser
 * find them), playbooks, job scripts, containers, binaries, decision.json and a README.
 * The annotated blueprint is checked again, in place, before the directory is renamed
 * into place: a failure at any step leaves any previous output untouched. */
#include "optimise_run.h"

#include <stdlib.h>
#include <string.h>

#include "emit_tpl.h"
#include "jobscript.h"
#include "mk_arena.h"
#include "mk_buf.h"
#include "mk_fs.h"

void opt_outcome_fini(opt_outcome *o)
{
    free(o->name);
    free(o->outdir);
    free(o->message);
    free(o->explain);
    json_decref(o->nodes_json);
    memset(o, 0, sizeof *o);
}

static int fail_msg(opt_outcome *res, diag_list *out, const mk_err *e, const char *rule)
{
    if (out && e->code) diag_add_err(out, e, rule);
    char buf[1600];
    free(res->message);
    res->message = mk_xstrdup(mk_err_str(e, buf, sizeof buf));
    res->status = OPT_FAILED;
    return -1;
}

/* The first error among the diagnostics added since `from`, as a one-line message. */
static char *first_error(const diag_list *l, size_t from)
{
    for (size_t i = from; i < l->n; i++)
        if (l->v[i].sev == DIAG_ERROR)
            return mk_xasprintf("%s:%d:%d: %s [%s]", l->v[i].file ? l->v[i].file : "-",
                                l->v[i].line, l->v[i].col, l->v[i].msg, l->v[i].rule);
    return mk_xstrdup("the blueprint has errors");
}

/* ---- the files the blueprint imports, laid out beside it ---- */

/* Joins dir and an import path when the result stays inside the output (relative, no "..");
 * NULL otherwise. */
static char *safe_rel(const char *dir, const char *name)
{
    if (!name[0] || name[0] == '/' || strstr(name, "://")) return NULL;
    char *rel = dir && dir[0] ? mk_xasprintf("%s/%s", dir, name) : mk_xstrdup(name);
    for (char *seg = rel; seg;) {
        char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        if ((n == 2 && seg[0] == '.' && seg[1] == '.') || n == 0) {
            free(rel);
            return NULL;
        }
        seg = slash ? slash + 1 : NULL;
    }
    for (const char *p = rel; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._-/", *p))) {
            free(rel);
            return NULL;
        }
    return rel;
}

typedef struct laid {
    const tosca_file **done;
    size_t n;
} laid;

static int lay_out_imports(const tosca_file *f, const char *rel_dir, const char *tmp, laid *l,
                           mk_err *err)
{
    for (size_t i = 0; i < tosca_file_nimports(f); i++) {
        const char *name;
        const tosca_file *g = tosca_file_import(f, i, &name);
        int seen = 0;
        for (size_t j = 0; j < l->n && !seen; j++) seen = l->done[j] == g;
        if (seen) continue;
        l->done = mk_xrealloc(l->done, (l->n + 1) * sizeof *l->done);
        l->done[l->n++] = g;
        char *rel = safe_rel(rel_dir, name);
        if (!rel)
            return mk_err_set(err, MK_EINVAL, tosca_file_path(f), 0, 0,
                              "import '%s' leaves the blueprint's folder; modak cannot lay it out "
                              "beside the output (import it by a relative path inside the "
                              "folder, or pass its folder with --types)",
                              name);
        size_t len;
        const char *text = tosca_file_text(g, &len);
        char *path = mk_path_join(tmp, rel);
        int rc = mk_file_write(path, text, len, 0, err);
        free(path);
        char *sub = mk_path_dirname(rel);
        if (!rc) rc = lay_out_imports(g, strcmp(sub, ".") ? sub : "", tmp, l, err);
        free(sub);
        free(rel);
        if (rc) return -1;
    }
    return 0;
}

/* ---- errors at blueprint positions ---- */

/* Points an error without a position at the key of pair p. */
static void locate(mk_err *e, const doc_pair *p)
{
    if (!p || e->file[0]) return;
    snprintf(e->file, sizeof e->file, "%s", p->key->mark.file ? p->key->mark.file : "");
    e->line = p->key->mark.line;
    e->col = p->key->mark.col;
}

/* The job generator names values by their pointer in the job document it was given
 * (/job/job_options/KEY, /job/application/KEY); those came from properties of the
 * JobExecution or the application node: point at them. */
static void locate_pointer(mk_err *e, const opt_found *f)
{
    static const struct {
        const char *prefix;
        int job;
    } from[] = {{"/job/job_options/", 1}, {"/job/application/", 0}};
    for (size_t i = 0; i < sizeof from / sizeof *from; i++) {
        size_t n = strlen(from[i].prefix);
        if (strncmp(e->msg, from[i].prefix, n) != 0) continue;
        char key[128];
        size_t k = strcspn(e->msg + n, "/: ");
        if (k >= sizeof key) return;
        memcpy(key, e->msg + n, k);
        key[k] = 0;
        const doc_node *tpl = from[i].job ? f->job : f->node;
        locate(e, doc_map_pair(doc_map_get(tpl, "properties"), key));
        return;
    }
}

/* ---- per node ---- */

typedef struct node_work {
    opt_found f;
    json_t *job;      /* the job document */
    json_t *record;   /* the decision record */
    job_result jr;    /* the job script */
    char *binary;     /* compiled binary (malloc'd), or NULL */
    const char *script_args; /* the binary's arguments in the job script (shell text) */
} node_work;

static const char *str_prop(const doc_node *tpl, const char *key)
{
    return doc_str(doc_map_get(doc_map_get(tpl, "properties"), key));
}

static int decide_node(const opt_config *cfg, const doc_node *root, node_work *w, opt_node *pn,
                       mk_arena *a, mk_err *err)
{
    const opt_found *f = &w->f;
    w->job = opt_job_document(root, f, cfg->inputs, err);
    if (!w->job) return -1;
    json_t *job = json_object_get(w->job, "job");
    pn->name = f->name;
    pn->job_node = f->job_name;
    const char *sched = json_string_value(
        json_object_get(json_object_get(job, "target"), "job_scheduler_type"));
    pn->scheduler = mk_arena_strdup(a, sched ? sched : "batch");
    const char *rt = f->runtime ? str_prop(f->runtime, "runtime") : NULL;
    pn->runtime = mk_arena_strdup(a, rt ? rt : "singularity");
    const char *ws = f->job ? str_prop(f->job, "workspace") : NULL;
    pn->workspace = mk_arena_strdup(a, ws ? ws : "~/");
    json_t *v;
    const char *net = NULL, *data = NULL;
    int epochs = 1;
    if (!f->sodalite_job) {
        if ((v = opt_property(root, f->node, "network", cfg->inputs, err)) && json_is_string(v))
            net = mk_arena_strdup(a, json_string_value(v));
        json_decref(v);
        if ((v = opt_property(root, f->node, "dataset", cfg->inputs, err)) && json_is_string(v))
            data = mk_arena_strdup(a, json_string_value(v));
        json_decref(v);
        if ((v = opt_property(root, f->node, "epochs", cfg->inputs, err)) && json_is_integer(v))
            epochs = (int)json_integer_value(v);
        json_decref(v);
        if (err->code) return -1;
    }
    if (!data) {
        const char *loc = json_string_value(json_object_get(
            json_object_get(json_object_get(json_object_get(job, "optimisation"),
                                            "app_type-ai_training"),
                            "data"),
            "location"));
        if (loc) data = mk_arena_strdup(a, loc);
    }
    pn->network = net;
    pn->dataset = data;
    pn->epochs = epochs;
    opt_decide_in in = {f->name, w->job, net, cfg->target, data, epochs};
    if (cfg->decide(cfg->decide_ud, &in, a, &pn->decision, &w->record, err)) return -1;
    return 0;
}

/* The job document the MODAK generator gets: the decision's image and threads; for modak's
 * own binary its command line, and no optimisation section (the mapper must not swap the
 * image modak built for a framework image). */
static json_t *job_for_script(const node_work *w, const opt_node *pn, mk_arena *a)
{
    json_t *out = json_deep_copy(w->job);
    json_t *job = json_object_get(out, "job");
    json_t *app = json_object_get(job, "application");
    json_object_set_new(app, "container_runtime", json_string(pn->decision.image));
    if (pn->decision.threads > 0) json_object_set_new(app, "threads", json_integer(pn->decision.threads));
    if (pn->decision.ranks > 1) json_object_set_new(app, "mpi_ranks", json_integer(pn->decision.ranks));
    if (w->script_args) {
        json_object_set_new(app, "executable", json_string(mk_arena_printf(a, "./%s-train", pn->name)));
        json_object_set_new(app, "arguments", json_string(w->script_args));
        json_object_del(job, "optimisation");
    }
    return out;
}

/* ---- the output ---- */

static void put_decision_yaml(mk_buf *b, const opt_decision *d)
{
    mk_buf_puts(b, "{image: ");
    mk_buf_put_yaml_str(b, d->image ? d->image : "");
    mk_buf_puts(b, ", graph_compiler: ");
    mk_buf_put_yaml_str(b, d->graph_compiler ? d->graph_compiler : "none");
    /* %.3f: always a YAML 1.1 float (tosca-parser takes 0 or 1e+06 for something else) */
    mk_buf_printf(b, ", threads: %d, batch: %d, ranks: %d, nodes: %d, predicted_seconds: %.3f",
                  d->threads > 0 ? d->threads : 1, d->batch > 0 ? d->batch : 1,
                  d->ranks > 0 ? d->ranks : 1, d->nodes > 0 ? d->nodes : 1,
                  d->predicted_seconds > 0 ? d->predicted_seconds : 0);
    if (d->target) {
        mk_buf_puts(b, ", target: ");
        mk_buf_put_yaml_str(b, d->target);
    }
    mk_buf_puts(b, "}");
}

static char *annotate(const doc *d, const opt_plan *plan, const node_work *w)
{
    opt_edits ed = {0};
    mk_buf v;
    mk_buf_init(&v);
    for (size_t i = 0; i < plan->n; i++) {
        const opt_node *pn = &plan->nodes[i];
        const opt_found *f = &w[i].f;
        if (f->sodalite_job) {
            /* SODALITE's type, which strict TOSCA rejects, becomes modak's corrected one */
            opt_replace_scalar(&ed, doc_map_get(f->node, "type"), "modak.nodes.ModakJob");
            /* its job_script names the script modak wrote beside the blueprint */
            char *script = mk_xasprintf("jobs/%s.sh", pn->name);
            mk_buf_reset(&v);
            mk_buf_put_yaml_str(&v, script);
            free(script);
            opt_set_property(&ed, d, f->node, "job_script", v.s);
        } else {
            mk_buf_reset(&v);
            mk_buf_put_yaml_str(&v, pn->decision.image ? pn->decision.image : "");
            opt_set_property(&ed, d, f->node, "container_runtime", v.s);
        }
        mk_buf_reset(&v);
        put_decision_yaml(&v, &pn->decision);
        opt_set_property(&ed, d, f->node, "decision", v.s);
        if (f->job && pn->job_script) {
            mk_buf_reset(&v);
            mk_buf_put_yaml_str(&v, pn->job_script);
            opt_set_property(&ed, d, f->job, "content", v.s);
        }
    }
    opt_ensure_import(&ed, d, "modak-types.yaml");
    char *text = opt_apply(d, &ed);
    opt_edits_fini(&ed);
    mk_buf_fini(&v);
    return text;
}

static void readme(mk_buf *b, const char *name, const opt_plan *plan)
{
    mk_buf_printf(b, "# %s, optimised by modak %s\n\n", name, MODAK_VERSION);
    mk_buf_puts(b, "| node | image | graph compiler | threads | batch | ranks | predicted time to "
                   "train |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < plan->n; i++) {
        const opt_decision *d = &plan->nodes[i].decision;
        mk_buf_printf(b, "| `%s` | `%s` | %s | %d | %d | %d | %.1f s |\n", plan->nodes[i].name,
                      d->image ? d->image : "", d->graph_compiler ? d->graph_compiler : "none",
                      d->threads, d->batch, d->ranks, d->predicted_seconds);
    }
    mk_buf_puts(b, "\nWhy: see `decision.json` (every candidate with its predicted time and the "
                   "reason it won or lost).\n\n## Files\n\n"
                   "- `blueprint.yaml` — the blueprint, annotated with the decisions; it imports "
                   "`modak-types.yaml`\n"
                   "- `jobs/<node>.sh` — the batch job scripts\n"
                   "- `bin/<node>-train` — the compiled training binaries\n"
                   "- `containers/<node>/` — `Dockerfile` and `Singularity.def` of the optimised "
                   "images\n"
                   "- `playbooks/` — Ansible playbooks (xOpera convention)\n\n"
                   "## Deploy\n\n"
                   "```sh\nansible-playbook -i HOST, playbooks/deploy.yml     # stage, build, "
                   "submit, wait, fetch metrics\n"
                   "ansible-playbook -i localhost, -c local playbooks/deploy.yml   # on this "
                   "machine\n```\n\nor hand `blueprint.yaml` to xOpera (`opera deploy "
                   "blueprint.yaml`).\n");
}

static int write_output(const opt_config *cfg, const char *name, const doc *d, const opt_plan *plan,
                        const node_work *w, const tosca_scope *scope, char **final_out,
                        mk_err *err)
{
    if (mk_mkdir_p(cfg->outdir, err)) return -1;
    char *final = mk_path_join(cfg->outdir, name);
    char *tmp = mk_dir_tmp_sibling(final, err);
    if (!tmp) {
        free(final);
        return -1;
    }
    int rc = -1;
    mk_buf b;
    mk_buf_init(&b);
    char *path = NULL, *text = NULL;
    laid l = {0};
    /* the annotated blueprint and the files it imports */
    text = annotate(d, plan, w);
    path = mk_path_join(tmp, "blueprint.yaml");
    if (mk_file_write(path, text, strlen(text), 0, err)) goto done;
    free(path);
    path = NULL;
    if (lay_out_imports(tosca_scope_file(scope), "", tmp, &l, err)) goto done;
    static const struct {
        const char *name;
        const char *text;
        const unsigned long *len;
    } own[] = {{"modak-types.yaml", modak_types_yaml, &modak_types_yaml_len},
               {"sodalite-hpc.yaml", sodalite_hpc_yaml, &sodalite_hpc_yaml_len}};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++) {
        path = mk_path_join(tmp, own[i].name);
        if (!mk_is_file(path) && mk_file_write(path, own[i].text, *own[i].len, 0, err)) goto done;
        free(path);
        path = NULL;
    }
    /* per node */
    for (size_t i = 0; i < plan->n; i++) {
        const opt_node *pn = &plan->nodes[i];
        char rel[512];
        snprintf(rel, sizeof rel, "jobs/%s.sh", pn->name);
        if (pn->job_script && emit_write(tmp, rel, pn->job_script, strlen(pn->job_script), 1, err))
            goto done;
        if (pn->binary) {
            snprintf(rel, sizeof rel, "bin/%s-train", pn->name);
            path = mk_path_join(tmp, rel);
            if (mk_file_copy(pn->binary, path, 1, err)) goto done;
            free(path);
            path = NULL;
        }
        if (emit_containers(plan, i, tmp, err)) goto done;
    }
    if (emit_playbooks(plan, tmp, err)) goto done;
    /* decision.json: every node's full record */
    json_t *all = json_object();
    json_object_set_new(all, "blueprint", json_string(name));
    json_object_set_new(all, "modak_version", json_string(MODAK_VERSION));
    json_t *nodes = json_object();
    for (size_t i = 0; i < plan->n; i++)
        json_object_set(nodes, plan->nodes[i].name, w[i].record ? w[i].record : json_null());
    json_object_set_new(all, "nodes", nodes);
    char *dj = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(all);
    path = mk_path_join(tmp, "decision.json");
    int wrc = mk_file_write(path, dj, strlen(dj), 0, err);
    free(dj);
    if (wrc) goto done;
    free(path);
    path = NULL;
    readme(&b, name, plan);
    path = mk_path_join(tmp, "README.md");
    if (mk_file_write(path, b.s, b.len, 0, err)) goto done;
    free(path);
    path = NULL;
    /* the annotated blueprint must pass modak's own check where it now lies */
    {
        mk_err e2;
        mk_err_clear(&e2);
        tosca_opts to = cfg->tosca ? *cfg->tosca : (tosca_opts){0};
        to.search_paths = NULL;
        to.nsearch = 0;
        to.modak_types_dir = tmp;
        tosca_ctx *check = tosca_ctx_new(&to, &e2);
        diag_list dl;
        diag_list_init(&dl);
        char *bp = mk_path_join(tmp, "blueprint.yaml");
        doc *ad = check ? doc_read_file(bp, &to.limits, &e2) : NULL;
        if (ad) tosca_check(check, ad, &dl);
        free(bp);
        if (!check || !ad || dl.errors) {
            char *why = ad ? first_error(&dl, 0) : mk_xstrdup(e2.msg);
            mk_err_set(err, MK_EINTERNAL, name, 0, 0,
                       "the annotated blueprint does not pass modak's own check (a bug in modak, "
                       "please report it): %s",
                       why);
            free(why);
        }
        diag_list_fini(&dl);
        tosca_ctx_free(check);
        if (err->code) goto done;
    }
    if (mk_dir_commit(tmp, final, err)) goto done;
    *final_out = final;
    final = NULL;
    rc = 0;
done:
    if (rc) mk_rm_rf(tmp);
    free(l.done);
    free(path);
    free(text);
    free(tmp);
    free(final);
    mk_buf_fini(&b);
    return rc;
}

int opt_blueprint(tosca_ctx *tc, const opt_config *cfg, const char *path, opt_outcome *res,
                  diag_list *out)
{
    memset(res, 0, sizeof *res);
    res->name = mk_path_stem(path, 1);
    mk_err err;
    mk_err_clear(&err);
    size_t from = out->n;
    if (emit_check_name(res->name, &err)) {
        mk_err_set(&err, MK_EINVAL, path, 0, 0,
                   "the blueprint's file name makes an unsafe output folder name: rename it to "
                   "[A-Za-z0-9_.-]");
        return fail_msg(res, out, &err, "optimise.name");
    }
    doc *d = doc_read_file(path, cfg->tosca ? &cfg->tosca->limits : NULL, &err);
    if (!d) return fail_msg(res, out, &err, "yaml.syntax");
    tosca_scope *scope = tosca_open(tc, d, out); /* takes d */
    if (!scope) {
        res->status = OPT_FAILED;
        res->message = first_error(out, from);
        return -1;
    }
    const doc_node *root = tosca_scope_root(scope);
    opt_found *found = NULL;
    size_t n = opt_find(scope, root, &found);
    res->nodes = n;
    if (!n) {
        res->status = OPT_SKIPPED;
        res->message = mk_xstrdup("no AI-training node (modak.nodes.AITraining or "
                                  "sodalite.nodes.modak.job): nothing to optimise");
        tosca_scope_free(scope);
        return 0;
    }
    mk_arena a;
    mk_arena_init(&a);
    node_work *w = mk_xcalloc(n, sizeof *w);
    opt_plan plan = {res->name, mk_arena_alloc(&a, n * sizeof *plan.nodes), n};
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        w[i].f = found[i];
        opt_node *pn = &plan.nodes[i];
        if (emit_check_name(found[i].name, &err)) {
            locate(&err, doc_map_pair(doc_map_get(doc_map_get(root, "topology_template"),
                                                  "node_templates"),
                                      found[i].name));
            goto fail;
        }
        if (decide_node(cfg, root, &w[i], pn, &a, &err)) goto fail;
        pn->base_image = cfg->base_image ? cfg->base_image : "debian:bookworm-slim";
        int native = pn->decision.graph_compiler && !strcmp(pn->decision.graph_compiler, "modak");
        if (native) {
            /* the binary's arguments: as words for the containers' CMD (emit_container), and
             * as shell text for the job script, which reads where the deploy playbook put the
             * data and wants the metrics (MODAK_DATASET, MODAK_METRICS) */
            const char *data = pn->dataset ? pn->dataset : "data";
            mk_buf args;
            mk_buf_init(&args);
            mk_buf_puts(&args, "--data ");
            job_sh_word(&args, data);
            mk_buf_printf(&args, " --epochs %d --batch %d --threads %d", pn->epochs,
                          pn->decision.batch, pn->decision.threads);
            pn->train_args = mk_arena_printf(&a, "%s --metrics metrics.jsonl", args.s);
            mk_buf_reset(&args);
            job_sh_word(&args, data);
            int plain = !strcmp(args.s, data); /* needs no quoting: a safe default inside "${}" */
            mk_buf_reset(&args);
            if (plain)
                mk_buf_printf(&args, "train --data \"${MODAK_DATASET:-%s}\"", data);
            else
                mk_buf_puts(&args, "train --data \"${MODAK_DATASET:?set by the deploy playbook}\"");
            mk_buf_printf(&args, " --epochs %d --batch %d --threads %d "
                                 "--metrics \"${MODAK_METRICS:-metrics.jsonl}\"",
                          pn->epochs, pn->decision.batch, pn->decision.threads);
            w[i].script_args = mk_arena_strdup(&a, args.s);
            mk_buf_fini(&args);
            if (!cfg->no_compile && pn->network) {
                if (cfg->compile(cfg->compile_ud, pn->network, &pn->decision, &w[i].binary, &err))
                    goto fail;
                pn->binary = w[i].binary;
            }
        }
        json_t *sj = job_for_script(&w[i], pn, &a);
        job_opts jo = {.timestamp = cfg->timestamp, .name = found[i].name, .script_dir = "jobs"};
        int jrc = job_generate(sj, cfg->reg, &jo, &w[i].jr, &err);
        json_decref(sj);
        if (jrc) {
            locate_pointer(&err, &found[i]);
            goto fail;
        }
        pn->job_script = w[i].jr.job_content;
    }
    if (write_output(cfg, res->name, tosca_scope_doc(scope), &plan, w, scope, &res->outdir, &err))
        goto fail;
    res->status = OPT_CONVERTED;
    res->nodes_json = json_array();
    for (size_t i = 0; i < n; i++) {
        const opt_decision *dd = &plan.nodes[i].decision;
        json_array_append_new(
            res->nodes_json,
            json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:f}", "node", plan.nodes[i].name, "image",
                      dd->image ? dd->image : "", "graph_compiler",
                      dd->graph_compiler ? dd->graph_compiler : "none", "threads", dd->threads,
                      "batch", dd->batch, "ranks", dd->ranks, "predicted_seconds",
                      dd->predicted_seconds));
    }
    res->message = mk_xasprintf("%zu node%s optimised into %s", n, n == 1 ? "" : "s", res->outdir);
    {
        mk_buf ex;
        mk_buf_init(&ex);
        for (size_t i = 0; i < n; i++)
            if (plan.nodes[i].decision.explain)
                mk_buf_printf(&ex, "%s:\n%s\n", plan.nodes[i].name, plan.nodes[i].decision.explain);
        res->explain = ex.len ? mk_buf_detach(&ex) : NULL;
        mk_buf_fini(&ex);
    }
    rc = 0;
    goto done;
fail:
    fail_msg(res, out, &err, "optimise");
done:
    for (size_t i = 0; i < n; i++) {
        json_decref(w[i].job);
        json_decref(w[i].record);
        job_result_fini(&w[i].jr);
        free(w[i].binary);
    }
    free(w);
    free(found);
    mk_arena_fini(&a);
    tosca_scope_free(scope);
    return rc;
}
