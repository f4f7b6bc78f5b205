/* decide_record — the decision record as decision.json ("modak-decision/1"), read back, and
 * as the --explain table. Both outputs only read the record (decide.h): whatever the table
 * shows, the JSON holds, and a record read back from JSON prints the same table.
 *
 * decision.json:
 *   {"format": "modak-decision/1",
 *    "inputs": {network, framework, framework_version, job, source, parameters, layers,
 *               samples, sample_bytes, data_bytes, epochs, objective, profile, basis,
 *               target: {name, file, microarch, openblas_coretype, cores, nodes,
 *                        memory_bytes, accelerator, accelerators},
 *               constraints: {...}},
 *    "notes": [...], "mapper_choice": name | null,
 *    "winner": index | null,
 *    "candidates": [{key, rank, status, build, image, container, framework,
 *                    framework_version, graph_compiler, device, nodes, ranks_per_node,
 *                    ranks, gpus_per_node, threads, batch, storage, staged_from,
 *                    step_seconds, samples_per_second, epoch_seconds, train_seconds,
 *                    staging_seconds, objective_seconds, preference, low_seconds, high_seconds,
 *                    memory_bytes, memory_available_bytes, basis, field, reason}, ...]}
 * Absent strings are null; unknown numbers are 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *jnum(double x)
{
    if (x == floor(x) && fabs(x) < 9e15) return json_integer((json_int_t)x);
    return json_real(x);
}

json_t *decide_record_json(const decide_record *r)
{
    json_t *root = json_object(), *in = json_object(), *t = json_object();
    json_object_set_new(root, "format", json_string("modak-decision/1"));
    json_object_set_new(in, "network", jstr(r->network));
    json_object_set_new(in, "framework", jstr(r->framework));
    json_object_set_new(in, "framework_version", jstr(r->framework_version));
    json_object_set_new(in, "job", jstr(r->job_name));
    json_object_set_new(in, "source", jstr(r->source));
    json_object_set_new(in, "parameters", jnum(r->parameters));
    json_object_set_new(in, "layers", jnum(r->layers));
    json_object_set_new(in, "samples", jnum(r->samples));
    json_object_set_new(in, "sample_bytes", jnum(r->sample_bytes));
    json_object_set_new(in, "data_bytes", jnum(r->data_size));
    json_object_set_new(in, "epochs", json_integer(r->epochs));
    json_object_set_new(in, "objective", jstr(r->objective));
    json_object_set_new(in, "profile", jstr(r->profile));
    json_object_set_new(in, "basis", jstr(r->basis));
    json_object_set_new(t, "name", jstr(r->target));
    json_object_set_new(t, "file", jstr(r->target_file));
    json_object_set_new(t, "microarch", jstr(r->microarch));
    json_object_set_new(t, "openblas_coretype", jstr(r->openblas_coretype));
    json_object_set_new(t, "cores", json_integer(r->cores));
    json_object_set_new(t, "nodes", json_integer(r->target_nodes));
    json_object_set_new(t, "memory_bytes", jnum(r->node_memory));
    json_object_set_new(t, "accelerator", jstr(r->accelerator));
    json_object_set_new(t, "accelerators", json_integer(r->accelerators));
    json_object_set_new(in, "target", t);
    json_object_set(in, "constraints", r->constraints ? r->constraints : json_object());
    json_object_set_new(root, "inputs", in);
    json_t *notes = json_array();
    for (size_t i = 0; i < r->nnotes; i++)
        json_array_append_new(notes, json_string(r->notes[i]));
    json_object_set_new(root, "notes", notes);
    json_object_set_new(root, "mapper_choice", jstr(r->mapper_choice));
    json_object_set_new(root, "winner", r->winner >= 0 ? json_integer(r->winner) : json_null());
    json_t *cands = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *d = &r->cands[i];
        json_t *o = json_object();
        json_object_set_new(o, "key", jstr(d->key));
        json_object_set_new(o, "rank", json_integer(d->rank));
        json_object_set_new(o, "status", json_string(decide_status_name(d->status)));
        json_object_set_new(o, "build", json_string(decide_build_name(d->build)));
        json_object_set_new(o, "image", jstr(d->image));
        json_object_set_new(o, "container", jstr(d->container));
        json_object_set_new(o, "framework", jstr(d->framework));
        json_object_set_new(o, "framework_version", jstr(d->framework_version));
        json_object_set_new(o, "graph_compiler", json_string(decide_gc_name(d->gc)));
        json_object_set_new(o, "device", jstr(d->device));
        json_object_set_new(o, "nodes", json_integer(d->nodes));
        json_object_set_new(o, "ranks_per_node", json_integer(d->ranks_per_node));
        json_object_set_new(o, "ranks", json_integer(d->ranks));
        json_object_set_new(o, "gpus_per_node", json_integer(d->gpus_per_node));
        json_object_set_new(o, "threads", json_integer(d->threads));
        json_object_set_new(o, "batch", json_integer(d->batch));
        json_object_set_new(o, "storage", jstr(d->storage));
        json_object_set_new(o, "staged_from", jstr(d->staged_from));
        json_object_set_new(o, "step_seconds", jnum(d->step_s));
        json_object_set_new(o, "samples_per_second", jnum(d->samples_per_s));
        json_object_set_new(o, "epoch_seconds", jnum(d->epoch_s));
        json_object_set_new(o, "train_seconds", jnum(d->train_s));
        json_object_set_new(o, "staging_seconds", jnum(d->staging_s));
        json_object_set_new(o, "objective_seconds", jnum(d->objective_s));
        json_object_set_new(o, "preference", json_integer(d->preference));
        json_object_set_new(o, "low_seconds", jnum(d->low_s));
        json_object_set_new(o, "high_seconds", jnum(d->high_s));
        json_object_set_new(o, "memory_bytes", jnum(d->memory_bytes));
        json_object_set_new(o, "memory_available_bytes", jnum(d->memory_avail_bytes));
        json_object_set_new(o, "basis", jstr(d->basis));
        json_object_set_new(o, "field", jstr(d->field));
        json_object_set_new(o, "reason", jstr(d->reason));
        json_array_append_new(cands, o);
    }
    json_object_set_new(root, "candidates", cands);
    return root;
}

void decide_record_to_json(const decide_record *r, mk_buf *out)
{
    json_t *root = decide_record_json(r);
    /* 17 significant digits: a record read back prints the same numbers */
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    mk_buf_puts(out, s);
    mk_buf_putc(out, '\n');
    free(s);
    json_decref(root);
}

/* ---- reading back ------------------------------------------------------------------------ */

typedef struct rb {
    decide_record *r;
    const char *name;
    mk_err *err;
} rb;

static int rfail(rb *b, const char *ptr, const char *what)
{
    return mk_err_set(b->err, MK_EINVAL, b->name, 0, 0, "%s: %s", ptr, what);
}

static int rstr(rb *b, const json_t *o, const char *at, const char *key, const char **out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v)) {
        char p[256];
        snprintf(p, sizeof p, "%s/%s", at, key);
        return rfail(b, p, "must be a string or null");
    }
    *out = mk_arena_strdup(&b->r->arena, json_string_value(v));
    return 0;
}

static int rnum(rb *b, const json_t *o, const char *at, const char *key, double *out)
{
    const json_t *v = json_object_get(o, key);
    char p[256];
    snprintf(p, sizeof p, "%s/%s", at, key);
    if (!v) return rfail(b, p, "is missing");
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
        return rfail(b, p, "must be a number >= 0");
    *out = json_number_value(v);
    return 0;
}

static int rint_(rb *b, const json_t *o, const char *at, const char *key, int *out)
{
    double x;
    if (rnum(b, o, at, key, &x)) return -1;
    if (x != floor(x) || x > 1e9) {
        char p[256];
        snprintf(p, sizeof p, "%s/%s", at, key);
        return rfail(b, p, "must be a whole number");
    }
    *out = (int)x;
    return 0;
}

static int rname(rb *b, const json_t *o, const char *at, const char *key, int (*from)(const char *),
                 int *out)
{
    const json_t *v = json_object_get(o, key);
    char p[256];
    snprintf(p, sizeof p, "%s/%s", at, key);
    if (!json_is_string(v)) return rfail(b, p, "must be a string");
    int x = from(json_string_value(v));
    if (x < 0) return rfail(b, p, "is not a known name");
    *out = x;
    return 0;
}

decide_record *decide_record_from_json(const char *text, size_t len, const char *name, mk_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        mk_err_set(err, MK_EINVAL, name, je.line, je.column, "not valid JSON: %s", je.text);
        return NULL;
    }
    decide_record *r = mk_xcalloc(1, sizeof *r);
    mk_arena_init(&r->arena);
    r->winner = -1;
    rb b = {r, name ? name : "decision", err};
    int rc = -1;
    const json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "modak-decision/1")) {
        rfail(&b, "/format", "must be \"modak-decision/1\"");
        goto done;
    }
    const json_t *in = json_object_get(root, "inputs");
    const json_t *t = json_object_get(in, "target");
    if (!json_is_object(in)) {
        rfail(&b, "/inputs", "must be an object");
        goto done;
    }
    if (!json_is_object(t)) {
        rfail(&b, "/inputs/target", "must be an object");
        goto done;
    }
    if (rstr(&b, in, "/inputs", "network", &r->network) ||
        rstr(&b, in, "/inputs", "framework", &r->framework) ||
        rstr(&b, in, "/inputs", "framework_version", &r->framework_version) ||
        rstr(&b, in, "/inputs", "job", &r->job_name) ||
        rstr(&b, in, "/inputs", "source", &r->source) ||
        rnum(&b, in, "/inputs", "parameters", &r->parameters) ||
        rnum(&b, in, "/inputs", "layers", &r->layers) ||
        rnum(&b, in, "/inputs", "samples", &r->samples) ||
        rnum(&b, in, "/inputs", "sample_bytes", &r->sample_bytes) ||
        rnum(&b, in, "/inputs", "data_bytes", &r->data_size) ||
        rint_(&b, in, "/inputs", "epochs", &r->epochs) ||
        rstr(&b, in, "/inputs", "objective", &r->objective) ||
        rstr(&b, in, "/inputs", "profile", &r->profile) ||
        rstr(&b, in, "/inputs", "basis", &r->basis) ||
        rstr(&b, t, "/inputs/target", "name", &r->target) ||
        rstr(&b, t, "/inputs/target", "file", &r->target_file) ||
        rstr(&b, t, "/inputs/target", "microarch", &r->microarch) ||
        rstr(&b, t, "/inputs/target", "openblas_coretype", &r->openblas_coretype) ||
        rint_(&b, t, "/inputs/target", "cores", &r->cores) ||
        rint_(&b, t, "/inputs/target", "nodes", &r->target_nodes) ||
        rnum(&b, t, "/inputs/target", "memory_bytes", &r->node_memory) ||
        rstr(&b, t, "/inputs/target", "accelerator", &r->accelerator) ||
        rint_(&b, t, "/inputs/target", "accelerators", &r->accelerators) ||
        rstr(&b, root, "", "mapper_choice", &r->mapper_choice))
        goto done;
    const json_t *cons = json_object_get(in, "constraints");
    if (!json_is_object(cons)) {
        rfail(&b, "/inputs/constraints", "must be an object");
        goto done;
    }
    r->constraints = json_deep_copy(cons);
    const json_t *notes = json_object_get(root, "notes");
    if (!json_is_array(notes)) {
        rfail(&b, "/notes", "must be an array");
        goto done;
    }
    r->notes = mk_arena_alloc(&r->arena, (json_array_size(notes) + 1) * sizeof *r->notes);
    size_t i;
    const json_t *v;
    json_array_foreach(notes, i, v)
    {
        if (!json_is_string(v)) {
            char p[64];
            snprintf(p, sizeof p, "/notes/%zu", i);
            rfail(&b, p, "must be a string");
            goto done;
        }
        r->notes[r->nnotes++] = mk_arena_strdup(&r->arena, json_string_value(v));
    }
    const json_t *cands = json_object_get(root, "candidates");
    if (!json_is_array(cands)) {
        rfail(&b, "/candidates", "must be an array");
        goto done;
    }
    r->n = json_array_size(cands);
    r->cands = mk_xcalloc(r->n ? r->n : 1, sizeof *r->cands);
    json_array_foreach(cands, i, v)
    {
        char at[64];
        snprintf(at, sizeof at, "/candidates/%zu", i);
        decide_cand *d = &r->cands[i];
        int st, bu, gc;
        if (!json_is_object(v)) {
            rfail(&b, at, "must be an object");
            goto done;
        }
        if (rstr(&b, v, at, "key", &d->key) || rint_(&b, v, at, "rank", &d->rank) ||
            rname(&b, v, at, "status", decide_status_from_name, &st) ||
            rname(&b, v, at, "build", decide_build_from_name, &bu) ||
            rstr(&b, v, at, "image", &d->image) || rstr(&b, v, at, "container", &d->container) ||
            rstr(&b, v, at, "framework", &d->framework) ||
            rstr(&b, v, at, "framework_version", &d->framework_version) ||
            rname(&b, v, at, "graph_compiler", decide_gc_from_name, &gc) ||
            rstr(&b, v, at, "device", &d->device) || rint_(&b, v, at, "nodes", &d->nodes) ||
            rint_(&b, v, at, "ranks_per_node", &d->ranks_per_node) ||
            rint_(&b, v, at, "ranks", &d->ranks) ||
            rint_(&b, v, at, "gpus_per_node", &d->gpus_per_node) ||
            rint_(&b, v, at, "threads", &d->threads) || rint_(&b, v, at, "batch", &d->batch) ||
            rstr(&b, v, at, "storage", &d->storage) ||
            rstr(&b, v, at, "staged_from", &d->staged_from) ||
            rnum(&b, v, at, "step_seconds", &d->step_s) ||
            rnum(&b, v, at, "samples_per_second", &d->samples_per_s) ||
            rnum(&b, v, at, "epoch_seconds", &d->epoch_s) ||
            rnum(&b, v, at, "train_seconds", &d->train_s) ||
            rnum(&b, v, at, "staging_seconds", &d->staging_s) ||
            rnum(&b, v, at, "objective_seconds", &d->objective_s) ||
            rint_(&b, v, at, "preference", &d->preference) ||
            rnum(&b, v, at, "low_seconds", &d->low_s) ||
            rnum(&b, v, at, "high_seconds", &d->high_s) ||
            rnum(&b, v, at, "memory_bytes", &d->memory_bytes) ||
            rnum(&b, v, at, "memory_available_bytes", &d->memory_avail_bytes) ||
            rstr(&b, v, at, "basis", &d->basis) || rstr(&b, v, at, "field", &d->field) ||
            rstr(&b, v, at, "reason", &d->reason))
            goto done;
        if (!d->key) {
            char p[80];
            snprintf(p, sizeof p, "%s/key", at);
            rfail(&b, p, "must be a string");
            goto done;
        }
        d->status = (decide_status)st;
        d->build = (decide_build)bu;
        d->gc = (decide_gc)gc;
    }
    const json_t *w = json_object_get(root, "winner");
    if (w && !json_is_null(w)) {
        if (!json_is_integer(w) || json_integer_value(w) < 0 ||
            (size_t)json_integer_value(w) >= r->n) {
            rfail(&b, "/winner", "must be the index of a candidate or null");
            goto done;
        }
        r->winner = (long)json_integer_value(w);
        if (r->cands[r->winner].status != DECIDE_WON) {
            rfail(&b, "/winner", "names a candidate whose status is not \"won\"");
            goto done;
        }
    }
    rc = 0;
done:
    json_decref(root);
    if (rc) {
        decide_record_free(r);
        return NULL;
    }
    return r;
}

/* ---- the table --------------------------------------------------------------------------- */

static const char *t_time(char *buf, size_t n, double s)
{
    return decide_fmt_seconds(buf, n, s, "-");
}

static void cand_row(const decide_cand *d, mk_buf *out)
{
    char rank[16], lay[32], step[32], obj[32], band[48], lo[32], hi[32], mem[24], stor[64];
    if (d->rank)
        snprintf(rank, sizeof rank, "%d", d->rank);
    else
        snprintf(rank, sizeof rank, "-");
    if (d->nodes)
        snprintf(lay, sizeof lay, "%dx%d%s%.0d", d->nodes, d->ranks_per_node,
                 d->gpus_per_node ? "g" : "", d->gpus_per_node ? d->gpus_per_node : 0);
    else
        snprintf(lay, sizeof lay, "-");
    if (d->objective_s > 0)
        snprintf(band, sizeof band, "%s..%s", t_time(lo, sizeof lo, d->low_s),
                 t_time(hi, sizeof hi, d->high_s));
    else
        snprintf(band, sizeof band, "-");
    if (d->memory_bytes > 0)
        snprintf(mem, sizeof mem, "%.2f", d->memory_bytes / 1073741824);
    else
        snprintf(mem, sizeof mem, "-");
    snprintf(stor, sizeof stor, "%s%s%s", d->staged_from ? d->staged_from : "",
             d->staged_from ? ">" : "", d->storage ? d->storage : "-");
    mk_buf_printf(out,
                  "%4s %-10s %-14s %-30.30s %-6s %-7s %3d %5d %-18.18s %9s %10s %-19s %6s  %s\n",
                  rank, decide_status_name(d->status), decide_build_name(d->build),
                  d->image ? d->image : "-", decide_gc_name(d->gc), lay, d->threads, d->batch, stor,
                  t_time(step, sizeof step, d->step_s), t_time(obj, sizeof obj, d->objective_s),
                  band, mem, d->reason ? d->reason : "");
}

void decide_record_summary(const decide_record *r, mk_buf *out)
{
    const decide_cand *w = decide_winner(r);
    char a[32], b[32];
    if (!w) {
        mk_buf_printf(out, "no feasible configuration among %zu candidates for %s on %s", r->n,
                      r->network     ? r->network
                      : r->framework ? r->framework
                                     : "the job",
                      r->target ? r->target : "the target");
        const decide_cand *first = r->n ? &r->cands[0] : NULL;
        if (first && first->reason) mk_buf_printf(out, " (e.g. %s: %s)", first->key, first->reason);
        mk_buf_puts(out, "\n");
        return;
    }
    mk_buf_printf(
        out,
        "decided: %s (%s build%s%s), graph compiler %s, %d thread%s, batch %d, %d "
        "rank%s on %d node%s%s%s%s; step %s, %s %s (band %s..%s)\n  why: %s\n",
        w->image ? w->image : "-", decide_build_name(w->build), w->framework_version ? ", " : "",
        w->framework_version ? w->framework_version : "", decide_gc_name(w->gc), w->threads,
        w->threads == 1 ? "" : "s", w->batch, w->ranks, w->ranks == 1 ? "" : "s", w->nodes,
        w->nodes == 1 ? "" : "s", w->gpus_per_node ? " with GPUs" : "",
        w->storage ? ", data from " : "", w->storage ? w->storage : "",
        t_time(a, sizeof a, w->step_s), r->objective ? r->objective : "",
        t_time(b, sizeof b, w->objective_s), t_time((char[32]){0}, 32, w->low_s),
        t_time((char[32]){0}, 32, w->high_s), w->reason ? w->reason : "");
    if (r->mapper_choice)
        mk_buf_printf(out, "  MODAK's mapper alone would have taken: %s\n", r->mapper_choice);
}

void decide_record_to_text(const decide_record *r, size_t limit, mk_buf *out)
{
    mk_buf_printf(out, "decision for %s%s%s on %s (%s, %d cores%s%s)\n",
                  r->network     ? r->network
                  : r->framework ? r->framework
                                 : "a job",
                  r->framework && r->network ? " / " : "",
                  r->framework && r->network ? r->framework : "", r->target ? r->target : "?",
                  r->microarch ? r->microarch : "?", r->cores, r->accelerator ? ", GPU " : "",
                  r->accelerator ? r->accelerator : "");
    mk_buf_printf(out, "  basis: %s\n  objective: %s", r->basis ? r->basis : "-",
                  r->objective ? r->objective : "-");
    if (r->samples > 0) mk_buf_printf(out, " (%.0f samples x %d epochs)", r->samples, r->epochs);
    mk_buf_puts(out, "\n");
    if (r->constraints && json_object_size(r->constraints)) {
        char *s = json_dumps(r->constraints, JSON_COMPACT | JSON_PRESERVE_ORDER);
        mk_buf_printf(out, "  constraints: %s\n", s);
        free(s);
    }
    for (size_t i = 0; i < r->nnotes; i++)
        mk_buf_printf(out, "  note: %s\n", r->notes[i]);
    mk_buf_puts(out, "\n");
    decide_record_summary(r, out);
    mk_buf_puts(out, "\n");
    mk_buf_printf(out, "%4s %-10s %-14s %-30s %-6s %-7s %3s %5s %-18s %9s %10s %-19s %6s  %s\n",
                  "rank", "status", "build", "image", "gc", "layout", "thr", "batch", "storage",
                  "step", r->samples > 0 ? "to train" : "per sample", "band", "GiB", "reason");
    size_t shown = 0, feasible = 0, infeasible = 0;
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *d = &r->cands[i];
        if (d->status == DECIDE_INFEASIBLE) {
            infeasible++;
            continue;
        }
        feasible++;
        if (limit && shown >= limit) continue;
        cand_row(d, out);
        shown++;
    }
    if (limit && feasible > shown)
        mk_buf_printf(out, "     ... %zu more feasible candidates (--explain all shows them)\n",
                      feasible - shown);
    if (!infeasible) return;
    if (!limit) {
        for (size_t i = 0; i < r->n; i++)
            if (r->cands[i].status == DECIDE_INFEASIBLE) cand_row(&r->cands[i], out);
        return;
    }
    /* infeasible candidates grouped by the field that refused them */
    mk_buf_printf(out, "\n%zu infeasible candidates, by the first reason's field:\n", infeasible);
    const char **seen = mk_xcalloc(infeasible, sizeof *seen);
    size_t nseen = 0;
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *d = &r->cands[i];
        if (d->status != DECIDE_INFEASIBLE) continue;
        const char *f = d->field ? d->field : "-";
        int dup = 0;
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = !strcmp(seen[k], f);
        if (dup) continue;
        seen[nseen++] = f;
        size_t count = 0;
        for (size_t k = i; k < r->n; k++)
            if (r->cands[k].status == DECIDE_INFEASIBLE &&
                !strcmp(r->cands[k].field ? r->cands[k].field : "-", f))
                count++;
        mk_buf_printf(out, "  %5zu  %s: e.g. %s: %s\n", count, f, d->key,
                      d->reason ? d->reason : "");
    }
    free(seen);
}
