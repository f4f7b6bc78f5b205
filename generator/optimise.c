/* optimise — the blueprint side of `modak optimise`: finding AI-training nodes and what
 * they relate to, building their MODAK job documents, and patching the blueprint's text.
 *
 * The job document is built the way SODALITE's IaC builder builds it for MODAK: job_options
 * from the JobExecution node's properties, application from the application node's,
 * target from its host (optimisations.target and the scheduler), optimisation from the
 * DSL. Function values are resolved here: get_input from the values given on the command
 * line or the inputs' defaults, get_property by following node names and requirements;
 * get_attribute names run-time state and resolves to nothing.
 *
 * Annotation edits the source text at the byte offsets the YAML reader recorded, so the
 * user's comments, key order and formatting survive; every value written is a YAML
 * double-quoted scalar (or a flow map of them), so no value can change the document's
 * structure. */
#include "optimise.h"

#include <stdlib.h>
#include <string.h>

#include "mk_fs.h"

/* ---- finding nodes ---- */

static const doc_node *nodes_of(const doc_node *root)
{
    return doc_map_get(doc_map_get(root, "topology_template"), "node_templates");
}

/* The node name a requirement `name` of tpl points to, or NULL. */
static const char *requirement(const doc_node *tpl, const char *name)
{
    const doc_node *reqs = doc_map_get(tpl, "requirements");
    if (!reqs || reqs->kind != DOC_SEQ) return NULL;
    for (size_t i = 0; i < reqs->n; i++) {
        const doc_node *it = reqs->items[i];
        if (it->kind != DOC_MAP || it->n != 1 || strcmp(it->pairs[0].key->text, name) != 0)
            continue;
        const doc_node *v = it->pairs[0].val;
        return doc_str(v) ? doc_str(v) : doc_str(doc_map_get(v, "node"));
    }
    return NULL;
}

size_t opt_find(const tosca_scope *s, const doc_node *root, opt_found **out)
{
    *out = NULL;
    const doc_node *nodes = nodes_of(root);
    if (!nodes || nodes->kind != DOC_MAP) return 0;
    size_t n = 0;
    for (size_t i = 0; i < nodes->n; i++) {
        const doc_node *tpl = nodes->pairs[i].val;
        const char *type = doc_str(doc_map_get(tpl, "type"));
        if (!type) continue;
        int ai = tosca_type_is_a(s, type, "modak.nodes.AITraining");
        int sj = tosca_type_is_a(s, type, "sodalite.nodes.modak.job") ||
                 tosca_type_is_a(s, type, "modak.nodes.ModakJob");
        if (!ai && !sj) continue;
        *out = mk_xrealloc(*out, (n + 1) * sizeof **out);
        opt_found *f = &(*out)[n++];
        memset(f, 0, sizeof *f);
        f->name = nodes->pairs[i].key->text;
        f->node = tpl;
        f->sodalite_job = sj;
        for (size_t j = 0; j < nodes->n && ai; j++) {
            const char *app = requirement(nodes->pairs[j].val, "application");
            if (app && !strcmp(app, f->name)) {
                f->job_name = nodes->pairs[j].key->text;
                f->job = nodes->pairs[j].val;
                break;
            }
        }
        f->host_name = requirement(tpl, "host");
        if (!f->host_name && f->job) f->host_name = requirement(f->job, "host");
        f->host = f->host_name ? doc_map_get(nodes, f->host_name) : NULL;
        f->runtime_name = requirement(tpl, "runtime");
        if (!f->runtime_name && f->job) f->runtime_name = requirement(f->job, "runtime");
        f->runtime = f->runtime_name ? doc_map_get(nodes, f->runtime_name) : NULL;
    }
    return n;
}

/* ---- values ---- */

static json_t *to_json(const doc_node *root, const doc_node *self, const doc_node *v,
                       const opt_inputs *in, int depth, mk_err *err);

static const doc_node *input_value(const doc_node *root, const char *name, const opt_inputs *in)
{
    for (size_t i = in ? in->n : 0; i-- > 0;) /* the last --input of a name wins */
        if (!strcmp(in->names[i], name)) return in->values[i];
    const doc_node *def = doc_map_get(doc_map_get(doc_map_get(root, "topology_template"), "inputs"),
                                      name);
    return doc_map_get(def, "default");
}

static json_t *function_value(const doc_node *root, const doc_node *self, const doc_node *v,
                              const opt_inputs *in, int depth, mk_err *err)
{
    const char *fn = v->pairs[0].key->text;
    const doc_node *arg = v->pairs[0].val;
    if (!strcmp(fn, "get_input")) {
        const doc_node *name = arg && arg->kind == DOC_SEQ && arg->n ? arg->items[0] : arg;
        const doc_node *val = doc_is_str(name) ? input_value(root, name->text, in) : NULL;
        if (!val) {
            mk_err_set(err, MK_EINVAL, v->mark.file, v->mark.line, v->mark.col,
                       "input '%s' has no value: pass --input %s=VALUE (or --inputs FILE), or give "
                       "it a default",
                       doc_str(name) ? doc_str(name) : "?", doc_str(name) ? doc_str(name) : "NAME");
            return NULL;
        }
        return to_json(root, self, val, in, depth + 1, err);
    }
    if (!strcmp(fn, "get_property") && arg && arg->kind == DOC_SEQ && arg->n >= 2) {
        const doc_node *nodes = nodes_of(root);
        const char *ent = doc_str(arg->items[0]);
        const doc_node *tpl = ent && !strcmp(ent, "SELF") ? self : doc_map_get(nodes, ent ? ent : "");
        size_t at = 1;
        if (tpl && arg->n >= 3) {
            const char *via = requirement(tpl, doc_str(arg->items[1]) ? doc_str(arg->items[1]) : "");
            if (via) {
                tpl = doc_map_get(nodes, via);
                at = 2;
            }
        }
        const doc_node *val = tpl && doc_str(arg->items[at])
                                  ? doc_map_get(doc_map_get(tpl, "properties"), doc_str(arg->items[at]))
                                  : NULL;
        for (size_t i = at + 1; val && i < arg->n; i++)
            val = doc_str(arg->items[i]) ? doc_map_get(val, doc_str(arg->items[i])) : NULL;
        return val ? to_json(root, tpl, val, in, depth + 1, err) : json_null();
    }
    if (!strcmp(fn, "concat") && arg && arg->kind == DOC_SEQ) {
        mk_buf b;
        mk_buf_init(&b);
        for (size_t i = 0; i < arg->n; i++) {
            json_t *part = to_json(root, self, arg->items[i], in, depth + 1, err);
            if (!part) {
                mk_buf_fini(&b);
                return NULL;
            }
            if (json_is_string(part))
                mk_buf_puts(&b, json_string_value(part));
            else if (json_is_integer(part))
                mk_buf_printf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(part));
            else if (json_is_real(part))
                mk_buf_printf(&b, "%g", json_real_value(part));
            json_decref(part);
        }
        json_t *s = json_string(b.s ? b.s : "");
        mk_buf_fini(&b);
        return s;
    }
    return json_null(); /* get_attribute and friends: known only at deployment */
}

static json_t *to_json(const doc_node *root, const doc_node *self, const doc_node *v,
                       const opt_inputs *in, int depth, mk_err *err)
{
    if (depth > 64) {
        mk_err_set(err, MK_ELIMIT, v->mark.file, v->mark.line, v->mark.col,
                   "values refer to each other too deeply (a get_property cycle?)");
        return NULL;
    }
    if (v->kind == DOC_MAP && v->n == 1 &&
        (!strcmp(v->pairs[0].key->text, "get_input") ||
         !strcmp(v->pairs[0].key->text, "get_property") ||
         !strcmp(v->pairs[0].key->text, "get_attribute") ||
         !strcmp(v->pairs[0].key->text, "concat")))
        return function_value(root, self, v, in, depth, err);
    if (v->kind == DOC_MAP) {
        json_t *o = json_object();
        for (size_t i = 0; i < v->n; i++) {
            json_t *c = to_json(root, self, v->pairs[i].val, in, depth + 1, err);
            if (!c) {
                json_decref(o);
                return NULL;
            }
            if (json_is_null(c))
                json_decref(c); /* nulls are omitted, as MODAK omits them */
            else
                json_object_set_new(o, v->pairs[i].key->text, c);
        }
        return o;
    }
    if (v->kind == DOC_SEQ) {
        json_t *a = json_array();
        for (size_t i = 0; i < v->n; i++) {
            json_t *c = to_json(root, self, v->items[i], in, depth + 1, err);
            if (!c) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, c);
        }
        return a;
    }
    switch (v->type) {
    case DOC_T_NULL: return json_null();
    case DOC_T_BOOL: return json_boolean(v->v.b);
    case DOC_T_INT: return json_integer(v->v.i);
    case DOC_T_FLOAT: return json_real(v->v.f);
    default: return json_stringn(v->text, v->len);
    }
}

json_t *opt_property(const doc_node *root, const doc_node *tpl, const char *name,
                     const opt_inputs *in, mk_err *err)
{
    const doc_node *v = doc_map_get(doc_map_get(tpl, "properties"), name);
    if (!v) return NULL;
    return to_json(root, tpl, v, in, 0, err);
}

/* Copies the listed properties of tpl into obj (nulls and absent ones left out). */
static int copy_props(json_t *obj, const doc_node *root, const doc_node *tpl,
                      const char *const *names, size_t n, const opt_inputs *in, mk_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!doc_map_get(doc_map_get(tpl, "properties"), names[i])) continue;
        json_t *v = opt_property(root, tpl, names[i], in, err);
        if (!v) return -1;
        if (json_is_null(v))
            json_decref(v);
        else
            json_object_set_new(obj, names[i], v);
    }
    return 0;
}

/* The MODAK job_options a SODALITE JobExecution carries (partition becomes the queue when
 * no queue is given: MODAK has one field for both). */
static const char *const job_option_names[] = {
    "job_name",           "account",          "queue",                  "wall_time_limit",
    "node_count",         "core_count",       "process_count_per_node", "core_count_per_process",
    "memory_limit",       "minimum_memory_per_processor", "request_gpus", "request_specific_nodes",
    "job_array",          "standard_output_file", "standard_error_file", "combine_stdout_stderr",
    "architecture_constraint", "copy_environment", "copy_environment_variable", "job_dependency",
    "request_event_notification", "email_address", "defer_job", "node_exclusive"};
static const char *const application_names[] = {"app_tag",   "app_type",   "executable",
                                                "arguments", "container_runtime", "mpi_ranks",
                                                "threads",   "build"};

json_t *opt_job_document(const doc_node *root, const opt_found *f, const opt_inputs *in,
                         mk_err *err)
{
    json_t *job = json_object();
    json_t *out = json_pack("{s:o}", "job", job);
    if (f->sodalite_job) {
        static const char *const sections[] = {"job_options", "application", "target",
                                               "optimisation"};
        for (size_t i = 0; i < 4; i++) {
            if (!doc_map_get(doc_map_get(f->node, "properties"), sections[i])) continue;
            json_t *v = opt_property(root, f->node, sections[i], in, err);
            if (!v) goto fail;
            json_object_set_new(job, sections[i], v);
        }
        return out;
    }
    json_t *jo = json_object();
    json_object_set_new(job, "job_options", jo);
    if (f->job) {
        if (copy_props(jo, root, f->job, job_option_names,
                       sizeof job_option_names / sizeof *job_option_names, in, err))
            goto fail;
        if (!json_object_get(jo, "queue") &&
            doc_map_get(doc_map_get(f->job, "properties"), "partition")) {
            json_t *p = opt_property(root, f->job, "partition", in, err);
            if (!p) goto fail;
            if (json_is_string(p))
                json_object_set_new(jo, "queue", p);
            else
                json_decref(p);
        }
    }
    if (!json_object_get(jo, "job_name")) json_object_set_new(jo, "job_name", json_string(f->name));
    json_t *app = json_object();
    json_object_set_new(job, "application", app);
    if (copy_props(app, root, f->node, application_names,
                   sizeof application_names / sizeof *application_names, in, err))
        goto fail;
    if (f->host) {
        json_t *target = json_object();
        const doc_node *t = doc_map_get(
            doc_map_get(doc_map_get(doc_map_get(f->host, "capabilities"), "optimisations"),
                        "properties"),
            "target");
        if (t) {
            json_t *tv = to_json(root, f->host, t, in, 0, err);
            if (!tv) goto fail;
            if (json_is_string(tv))
                json_object_set_new(target, "name", tv);
            else
                json_decref(tv);
        }
        json_t *sched = opt_property(root, f->host, "scheduler", in, err);
        if (!sched && err && err->code) {
            json_decref(target);
            goto fail;
        }
        json_object_set_new(target, "job_scheduler_type",
                            sched && json_is_string(sched) ? sched : json_string("batch"));
        if (sched && !json_is_string(sched)) json_decref(sched);
        json_object_set_new(job, "target", target);
    }
    const doc_node *o = doc_map_get(doc_map_get(f->node, "properties"), "optimisation");
    if (o && doc_is_str(o)) {
        /* the SODALITE IDE hands the DSL over as a JSON string */
        json_error_t je;
        json_t *v = json_loadb(o->text, o->len, JSON_REJECT_DUPLICATES, &je);
        if (!v) {
            mk_err_set(err, MK_EINVAL, o->mark.file, o->mark.line, o->mark.col,
                       "optimisation is not valid JSON: %s", je.text);
            goto fail;
        }
        json_object_set_new(job, "optimisation", v);
    } else if (o) {
        json_t *v = opt_property(root, f->node, "optimisation", in, err);
        if (!v) goto fail;
        json_object_set_new(job, "optimisation", v);
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

/* ---- text edits ---- */

void opt_edits_fini(opt_edits *e)
{
    for (size_t i = 0; i < e->n; i++) free(e->v[i].text);
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

static void edit(opt_edits *e, size_t start, size_t end, char *text)
{
    e->v = mk_xrealloc(e->v, (e->n + 1) * sizeof *e->v);
    e->v[e->n].start = start;
    e->v[e->n].end = end;
    e->v[e->n].text = text;
    e->v[e->n].seq = e->n;
    e->n++;
}

/* Where a node's text ends: flow collections and scalars know it; a block collection ends
 * with its last value. */
static size_t text_end(const doc *d, const doc_node *n)
{
    if (n->kind == DOC_SCALAR) {
        /* a block scalar (| or >) ends where the next line's key starts: back off to its
         * last character, so an edit does not swallow the line break after it */
        size_t end = n->end;
        while (end > n->start && (d->text[end - 1] == ' ' || d->text[end - 1] == '\n' ||
                                  d->text[end - 1] == '\r' || d->text[end - 1] == '\t'))
            end--;
        return end;
    }
    if (n->flow || n->n == 0) return n->end;
    return n->kind == DOC_MAP ? text_end(d, n->pairs[n->n - 1].val)
                              : text_end(d, n->items[n->n - 1]);
}

static size_t line_end(const doc *d, size_t off)
{
    while (off < d->text_len && d->text[off] != '\n') off++;
    return off;
}

static size_t line_indent(const doc *d, size_t off)
{
    size_t start = off;
    while (start > 0 && d->text[start - 1] != '\n') start--;
    size_t n = 0;
    while (start + n < d->text_len && d->text[start + n] == ' ') n++;
    return n;
}

void opt_replace_scalar(opt_edits *e, const doc_node *n, const char *yaml)
{
    edit(e, n->start, n->end, mk_xstrdup(yaml));
}

/* Inserts `key: yaml` into map m (block or flow), or, when m is NULL, a `parent_key:` map
 * holding it into the block or flow map parent. */
static void insert_pair(opt_edits *e, const doc *d, const doc_node *m, const char *key,
                        const char *yaml)
{
    if (m->flow) {
        /* end is just past the closing brace */
        edit(e, m->end - 1, m->end - 1, mk_xasprintf("%s%s: %s", m->n ? ", " : "", key, yaml));
        return;
    }
    size_t at = line_end(d, text_end(d, m));
    size_t indent = m->n ? (size_t)m->pairs[0].key->mark.col - 1 : 2;
    edit(e, at, at, mk_xasprintf("\n%*s%s: %s", (int)indent, "", key, yaml));
}

void opt_set_property(opt_edits *e, const doc *d, const doc_node *tpl, const char *key,
                      const char *yaml)
{
    doc_pair *pp = doc_map_pair(tpl, "properties");
    const doc_node *props = pp ? pp->val : NULL;
    const doc_node *cur = doc_map_get(props, key);
    if (cur) {
        edit(e, cur->start, text_end(d, cur), mk_xstrdup(yaml));
        return;
    }
    if (props && props->kind == DOC_MAP && (props->n || props->flow)) {
        insert_pair(e, d, props, key, yaml);
        return;
    }
    char *inner = mk_xasprintf("{%s: %s}", key, yaml);
    if (pp && doc_is_null(props)) { /* `properties:` with nothing after it */
        edit(e, props->start, props->end, mk_xasprintf(" %s", inner));
        free(inner);
        return;
    }
    insert_pair(e, d, tpl, "properties", inner);
    free(inner);
}

void opt_ensure_import(opt_edits *e, const doc *d, const char *file)
{
    const doc_node *imps = doc_map_get(d->root, "imports");
    if (imps && imps->kind == DOC_SEQ) {
        for (size_t i = 0; i < imps->n; i++) {
            const doc_node *it = imps->items[i];
            const char *name = doc_str(it) ? doc_str(it) : doc_str(doc_map_get(it, "file"));
            if (!name) continue;
            const char *base = strrchr(name, '/');
            if (!strcmp(base ? base + 1 : name, file)) return;
        }
        if (imps->flow || !imps->n) {
            size_t at = imps->n ? imps->end - 1 : imps->end - 1;
            edit(e, at, at, mk_xasprintf("%s%s", imps->n ? ", " : "", file));
        } else {
            size_t at = line_end(d, text_end(d, imps));
            size_t indent = line_indent(d, imps->items[0]->start);
            edit(e, at, at, mk_xasprintf("\n%*s- %s", (int)indent, "", file));
        }
        return;
    }
    const doc_pair *v = doc_map_pair(d->root, "tosca_definitions_version");
    size_t at = v ? line_end(d, text_end(d, v->val)) : 0;
    edit(e, at, at, mk_xasprintf("%simports:\n  - %s%s", v ? "\n\n" : "", file, v ? "" : "\n\n"));
}

static int cmp_edit(const void *a, const void *b)
{
    const opt_edit *x = a, *y = b;
    if (x->start != y->start) return x->start > y->start ? -1 : 1;
    /* the same place: the later edit goes in first, so the earlier one ends up before it */
    return x->seq > y->seq ? -1 : 1;
}

char *opt_apply(const doc *d, opt_edits *e)
{
    qsort(e->v, e->n, sizeof *e->v, cmp_edit);
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_put(&b, d->text, d->text_len);
    for (size_t i = 0; i < e->n; i++) {
        const opt_edit *x = &e->v[i];
        size_t tl = strlen(x->text);
        mk_buf n;
        mk_buf_init(&n);
        mk_buf_put(&n, b.s, x->start);
        mk_buf_put(&n, x->text, tl);
        mk_buf_put(&n, b.s + x->end, b.len - x->end);
        mk_buf_fini(&b);
        b = n;
    }
    return mk_buf_detach(&b);
}
