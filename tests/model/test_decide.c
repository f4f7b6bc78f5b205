/* Tests of model/decide: candidate enumeration on every shipped target, constraints from
 * the job document making candidates infeasible with the right field and reason,
 * enable_opt_build false keeping stock builds only, framework-only jobs, MODAK's mapper
 * order on ties, deterministic ranking (independent of the order choices are given in),
 * and the decision record's JSON round trip and table. */
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

/* ---- fixtures ---- */

static char *src_path(const char *rel)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    return mk_path_join(src ? src : ".", rel);
}

static target *load_target(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "model/data/targets/%s.json", name);
    char *p = src_path(rel);
    mk_err e;
    mk_err_clear(&e);
    target *t = target_load_file(p, NULL, &e);
    if (!t) fail_msg("%s: %s", p, e.msg);
    free(p);
    return t;
}

static reg_registry *load_registry(void)
{
    char *p = src_path("model/data/registry");
    mk_err e;
    mk_err_clear(&e);
    reg_registry *r = reg_new();
    if (reg_load_dir(r, p, NULL, &e) != 0) fail_msg("%s", e.msg);
    free(p);
    return r;
}

static bench_store *load_store(void)
{
    char *p = src_path("model/data/benchmarks");
    mk_err e;
    mk_err_clear(&e);
    bench_store *s = bench_store_load_dir(p, &e);
    if (!s) fail_msg("%s", e.msg);
    free(p);
    return s;
}

/* The shipped example job (resnet50, TensorFlow 2.1 with XLA on a V100 node), with edits. */
static json_t *example_job(void)
{
    char *p = src_path("examples/jobs/resnet50-tensorflow.json");
    json_error_t je;
    json_t *doc = json_load_file(p, 0, &je);
    if (!doc) fail_msg("%s: %s", p, je.text);
    free(p);
    return doc;
}

static json_t *jget(json_t *doc, const char *a, const char *b)
{
    json_t *x = json_object_get(json_object_get(doc, "job"), a);
    return b ? json_object_get(x, b) : x;
}

static void job_from(json_t *doc, decide_job *j)
{
    decide_job_init(j);
    mk_err e;
    mk_err_clear(&e);
    if (decide_job_from_json(doc, "job.json", j, &e) != 0) fail_msg("%s", e.msg);
}

static decide_record *run(decide_inputs *in)
{
    decide_record *r = NULL;
    mk_err e;
    mk_err_clear(&e);
    if (decide_run(in, &r, &e) != 0) fail_msg("%s", e.msg);
    assert_non_null(r);
    return r;
}

static const decide_cand *find(const decide_record *r, decide_build b, const char *image, int nodes,
                               int rpn, int threads, int batch)
{
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *d = &r->cands[i];
        if (d->build == b && (!image || (d->image && !strcmp(d->image, image))) &&
            d->nodes == nodes && d->ranks_per_node == rpn &&
            (threads < 0 || d->threads == threads) && (batch < 0 || d->batch == batch))
            return d;
    }
    return NULL;
}

static char *record_json(const decide_record *r)
{
    mk_buf b;
    mk_buf_init(&b);
    decide_record_to_json(r, &b);
    return mk_buf_detach(&b);
}

/* ---- enumeration ---- */

static void test_enumeration_every_target(void **state)
{
    (void)state;
    char *dir = src_path("model/data");
    char **names;
    size_t n;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(target_catalogue(dir, &names, &n, &e), 0);
    assert_true(n >= 4);
    reg_registry *reg = load_registry();
    bench_store *store = load_store();
    for (size_t i = 0; i < n; i++) {
        target *t = load_target(names[i]);
        decide_job j;
        decide_job_init(&j);
        j.network = "mnist_cnn";
        j.enable_opt_build = 1;
        decide_inputs in = {.job = &j, .target = t, .store = store, .registry = reg};
        decide_record *r = run(&in);
        /* threads 1, 2, 4, ... below the cores, and the cores */
        int expect_threads = 1;
        for (int x = 1; x < t->cpu.cores; x *= 2)
            expect_threads++;
        if (t->cpu.cores == 1) expect_threads = 1;
        int nodes = t->nodes > 0 ? (t->nodes < 64 ? t->nodes : 64) : 1, nn = 0;
        for (int x = 1; x <= nodes; x *= 2)
            nn++;
        if ((nodes & (nodes - 1)) != 0) nn++; /* the partition's size when not a power of 2 */
        int rpns = t->cpu.sockets > 1 ? 2 : 1;
        int layouts = expect_threads + nn * rpns - 1;
        int staging = t->nstorage ? 1 : 1; /* no data size: no staging alternatives */
        size_t expect = (size_t)2 * 5 * layouts * staging;
        if (r->n != expect)
            fail_msg("%s: %zu candidates, expected %zu (%d layouts)", names[i], r->n, expect,
                     layouts);
        /* a winner, unique keys, both builds, every threads choice */
        assert_non_null(decide_winner(r));
        assert_int_equal(decide_winner(r)->status, DECIDE_WON);
        assert_int_equal(decide_winner(r)->rank, 1);
        for (size_t a = 0; a < r->n; a++)
            for (size_t b = a + 1; b < r->n; b++)
                if (!strcmp(r->cands[a].key, r->cands[b].key))
                    fail_msg("%s: key %s twice", names[i], r->cands[a].key);
        for (int x = 1; x <= t->cpu.cores;
             x = x * 2 < t->cpu.cores || x == t->cpu.cores ? x * 2 : t->cpu.cores) {
            assert_non_null(find(r, DECIDE_NATIVE, "modak-native", 1, 1, x, 32));
            assert_non_null(find(r, DECIDE_NATIVE_GENERIC, "modak-native", 1, 1, x, 32));
            if (x == t->cpu.cores) break;
        }
        /* the generic build is predicted slower than the optimised one, layout for layout */
        const decide_cand *o = find(r, DECIDE_NATIVE, NULL, 1, 1, 1, 64);
        const decide_cand *g = find(r, DECIDE_NATIVE_GENERIC, NULL, 1, 1, 1, 64);
        assert_non_null(o);
        assert_non_null(g);
        assert_true(g->step_s > o->step_s);
        assert_true(g->memory_bytes > o->memory_bytes); /* no memory planning */
        /* ranks: feasible candidates ranked 1..k by objective, infeasible ones 0 */
        int last = 0;
        double prev = 0;
        for (size_t a = 0; a < r->n; a++) {
            const decide_cand *d = &r->cands[a];
            if (d->status == DECIDE_INFEASIBLE) {
                assert_int_equal(d->rank, 0);
                assert_non_null(d->field);
                continue;
            }
            assert_int_equal(d->rank, ++last);
            assert_true(d->objective_s >= prev);
            assert_true(d->low_s < d->objective_s && d->objective_s < d->high_s);
            prev = d->objective_s;
            assert_non_null(d->reason);
        }
        /* no framework: a note, no image candidates */
        for (size_t a = 0; a < r->n; a++)
            assert_true(r->cands[a].build <= DECIDE_NATIVE_GENERIC);
        decide_record_free(r);
        target_free(t);
        free(names[i]);
    }
    free(names);
    free(dir);
    reg_free(reg);
    bench_store_free(store);
}

static void test_example_job_on_gpu_node(void **state)
{
    (void)state;
    target *t = load_target("hlrs_testbed");
    reg_registry *reg = load_registry();
    bench_store *store = load_store();
    json_t *doc = example_job();
    decide_job j;
    job_from(doc, &j);
    j.network = "resnet50";
    j.data_count = 1281167;
    j.epochs = 3;
    decide_inputs in = {.job = &j, .target = t, .store = store, .registry = reg};
    decide_record *r = run(&in);
    const decide_cand *w = decide_winner(r);
    assert_non_null(w);
    /* an optimised TensorFlow 2.1 image with XLA on the V100 wins, as MODAK's mapper would
     * take it on a tie */
    assert_int_equal(w->build, DECIDE_IMAGE_OPTIMISED);
    assert_int_equal(w->gc, DECIDE_GC_XLA);
    assert_string_equal(w->image, "modak-tensorflow-2.1-gpu-src");
    assert_string_equal(w->image, r->mapper_choice);
    assert_int_equal(w->gpus_per_node, 1);
    assert_non_null(strstr(w->basis, "benchmark store"));
    assert_non_null(strstr(w->reason, "MODAK's mapper order"));
    assert_true(w->train_s > 3600 && w->train_s < 12 * 3600);
    /* every image of the framework was considered; the refused ones say why */
    int cpu_refused = 0, version_refused = 0, gc_placeholders = 0;
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *d = &r->cands[i];
        if (d->status != DECIDE_INFEASIBLE || !d->field) continue;
        if (!strcmp(d->field, "/job/optimisation/opt_build/acc_type")) {
            assert_non_null(strstr(d->reason, "built for acc_type none; the job asks for nvidia"));
            cpu_refused++;
        }
        if (!strcmp(d->field,
                    "/job/optimisation/app_type-ai_training/ai_framework-tensorflow/version"))
            version_refused++;
        if (!strcmp(d->field, "registry") && d->image) {
            /* MODAK's TF_PIP_XLA row says nothing of enable_opt_build */
            assert_string_equal(d->image, "TF_PIP_XLA");
            assert_non_null(strstr(d->reason, "MODAK's mapper never selects it"));
        } else if (!strcmp(d->field, "registry")) {
            /* every TensorFlow image has XLA or nGraph: none and TVM have no image */
            assert_true(d->gc == DECIDE_GC_NONE || d->gc == DECIDE_GC_TVM);
            gc_placeholders++;
        }
    }
    assert_true(cpu_refused >= 5);
    assert_true(version_refused >= 1);
    assert_int_equal(gc_placeholders, 2);
    /* the CPU-only native binary cannot train ResNet-50 in the job's 12 hours */
    const decide_cand *n = find(r, DECIDE_NATIVE, "modak-native", 1, 1, 40, 64);
    assert_non_null(n);
    assert_int_equal(n->status, DECIDE_INFEASIBLE);
    assert_string_equal(n->field, "/job/job_options/wall_time_limit");
    assert_non_null(strstr(n->reason, "exceeds wall_time_limit (12.0 h)"));
    decide_record_free(r);
    decide_job_fini(&j);
    json_decref(doc);
    reg_free(reg);
    bench_store_free(store);
    target_free(t);
}

/* ---- constraints ---- */

static void test_constraints(void **state)
{
    (void)state;
    target *t = load_target("hlrs_testbed");
    reg_registry *reg = load_registry();
    bench_store *store = load_store();
    json_t *doc = example_job();
    json_object_set_new(jget(doc, "job_options", NULL), "wall_time_limit",
                        json_string("30:00:00:00"));
    json_object_set_new(jget(doc, "application", NULL), "mpi_ranks", json_integer(2));
    json_object_set_new(jget(doc, "job_options", NULL), "request_gpus", json_integer(2));
    json_object_set_new(jget(doc, "job_options", NULL), "core_count", json_integer(20));
    decide_job j;
    job_from(doc, &j);
    j.network = "mnist_cnn";
    decide_inputs in = {.job = &j, .target = t, .store = store, .registry = reg};
    decide_record *r = run(&in);
    /* one rank on one node: mpi_ranks is 2 */
    const decide_cand *d = find(r, DECIDE_NATIVE, "modak-native", 1, 1, 8, 32);
    assert_non_null(d);
    assert_int_equal(d->status, DECIDE_INFEASIBLE);
    assert_string_equal(d->field, "/job/application/mpi_ranks");
    assert_non_null(strstr(d->reason, "1 ranks; the job fixes mpi_ranks 2"));
    /* two nodes: node_count 1 (and mpi_ranks holds) */
    d = find(r, DECIDE_NATIVE, "modak-native", 2, 1, -1, 32);
    assert_non_null(d);
    assert_int_equal(d->status, DECIDE_INFEASIBLE);
    assert_string_equal(d->field, "/job/job_options/node_count");
    /* two ranks on one node: process_count_per_node 1, and 2 x 20 threads > core_count 20 */
    d = find(r, DECIDE_NATIVE, "modak-native", 1, 2, 20, 32);
    assert_non_null(d);
    assert_string_equal(d->field, "/job/job_options/process_count_per_node");
    assert_non_null(strstr(d->reason, "2 ranks x 20 threads = 40 cores; core_count is 20"));
    /* GPU images: 2 GPUs per node asked, the node has 1 */
    int gpu_seen = 0;
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *c = &r->cands[i];
        if (c->gpus_per_node != 2) continue;
        gpu_seen++;
        assert_int_equal(c->status, DECIDE_INFEASIBLE);
        assert_string_equal(c->field, "/job/job_options/request_gpus");
        assert_non_null(strstr(c->reason, "2 GPUs per node; a node has 1"));
    }
    assert_true(gpu_seen > 0);
    /* nothing satisfies everything */
    assert_null(decide_winner(r));
    mk_buf b;
    mk_buf_init(&b);
    decide_record_summary(r, &b);
    assert_non_null(strstr(b.s, "no feasible configuration"));
    mk_buf_fini(&b);
    decide_record_free(r);
    decide_job_fini(&j);

    /* memory: a node too small for the arena of large batches; memory_limit likewise */
    target *small = load_target("egi");
    small->memory = 200.0 * 1048576;
    decide_job k;
    decide_job_init(&k);
    k.network = "mnist_cnn";
    k.enable_opt_build = 1;
    k.memory_limit = 150.0 * 1048576;
    k.ptr_memory = "/job/job_options/memory_limit";
    decide_inputs in2 = {.job = &k, .target = small};
    r = run(&in2);
    d = find(r, DECIDE_NATIVE_GENERIC, NULL, 1, 1, 40, 256);
    assert_non_null(d);
    assert_int_equal(d->status, DECIDE_INFEASIBLE);
    assert_string_equal(d->field, "target memory");
    assert_non_null(strstr(d->reason, "a node has 0.2 GiB"));
    assert_non_null(strstr(d->reason, "memory_limit is 0.1 GiB"));
    d = find(r, DECIDE_NATIVE, NULL, 1, 1, 1, 16);
    assert_non_null(d);
    assert_int_not_equal(d->status, DECIDE_INFEASIBLE);
    assert_non_null(decide_winner(r));
    assert_true(decide_winner(r)->memory_bytes <= 150.0 * 1048576);
    decide_record_free(r);
    decide_job_fini(&k);
    target_free(small);

    /* the wall time: nothing trains ResNet-50 on ImageNet in a minute */
    json_object_set_new(jget(doc, "job_options", NULL), "wall_time_limit", json_string("1:00"));
    json_object_del(jget(doc, "application", NULL), "mpi_ranks");
    json_object_del(jget(doc, "job_options", NULL), "request_gpus");
    json_object_del(jget(doc, "job_options", NULL), "core_count");
    job_from(doc, &j);
    j.network = "resnet50";
    j.data_count = 1281167;
    r = run(&in);
    assert_null(decide_winner(r));
    size_t wall = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->cands[i].field && !strcmp(r->cands[i].field, "/job/job_options/wall_time_limit"))
            wall++;
    assert_true(wall > r->n / 3);
    decide_record_free(r);
    decide_job_fini(&j);
    json_decref(doc);
    reg_free(reg);
    bench_store_free(store);
    target_free(t);
}

static void test_enable_opt_build_false(void **state)
{
    (void)state;
    target *t = load_target("hlrs_testbed");
    reg_registry *reg = load_registry();
    bench_store *store = load_store();
    json_t *doc = example_job();
    json_object_set_new(jget(doc, "optimisation", NULL), "enable_opt_build", json_false());
    decide_job j;
    job_from(doc, &j);
    assert_int_equal(j.enable_opt_build, 0);
    j.network = "resnet50";
    j.data_count = 100000;
    decide_inputs in = {.job = &j, .target = t, .store = store, .registry = reg};
    decide_record *r = run(&in);
    size_t optimised_refused = 0, stock_feasible = 0;
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *d = &r->cands[i];
        if (d->status != DECIDE_INFEASIBLE) {
            /* only stock images and the generic native build remain */
            assert_true(d->build == DECIDE_IMAGE_STOCK || d->build == DECIDE_NATIVE_GENERIC);
            if (d->build == DECIDE_IMAGE_STOCK) stock_feasible++;
            continue;
        }
        if ((d->build == DECIDE_IMAGE_OPTIMISED || d->build == DECIDE_NATIVE) && d->image &&
            d->field && !strcmp(d->field, "/job/optimisation/enable_opt_build")) {
            assert_non_null(strstr(d->reason, "enable_opt_build is false"));
            optimised_refused++;
        }
    }
    assert_true(optimised_refused > 10);
    assert_true(stock_feasible >= 1);
    const decide_cand *w = decide_winner(r);
    assert_non_null(w);
    assert_int_equal(w->build, DECIDE_IMAGE_STOCK);
    assert_string_equal(w->image, "tensorflow-2.1.0-gpu-py3");
    assert_string_equal(r->mapper_choice, "tensorflow-2.1.0-gpu-py3");
    decide_record_free(r);
    decide_job_fini(&j);
    json_decref(doc);
    reg_free(reg);
    bench_store_free(store);
    target_free(t);
}

static void test_framework_only(void **state)
{
    (void)state;
    /* PyTorch with a size from the DSL, on the V100 node: no network for the compiler */
    target *t = load_target("hlrs_testbed");
    reg_registry *reg = load_registry();
    bench_store *store = load_store();
    const char *text =
        "{\"job\": {\"job_options\": {\"node_count\": 1},"
        " \"optimisation\": {\"enable_opt_build\": true, \"app_type\": \"ai_training\","
        "  \"opt_build\": {\"cpu_type\": \"x86\", \"acc_type\": \"nvidia\"},"
        "  \"app_type-ai_training\": {\"config\": {\"ai_framework\": \"pytorch\", \"layers\": 20,"
        "   \"parameters\": 270000}, \"data\": {\"count\": 50000, \"size\": 153600000},"
        "   \"ai_framework-pytorch\": {\"version\": \"1.5\"}}}}}";
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    decide_job j;
    job_from(doc, &j);
    assert_string_equal(j.framework, "pytorch");
    assert_string_equal(j.framework_version, "1.5");
    assert_true(j.data_size == 153600000);
    decide_inputs in = {.job = &j, .target = t, .store = store, .registry = reg};
    decide_record *r = run(&in);
    /* the native builds stand as refused placeholders */
    const decide_cand *n = find(r, DECIDE_NATIVE, "modak-native", 0, 0, 0, 0);
    assert_non_null(n);
    assert_string_equal(n->field, "network");
    const decide_cand *w = decide_winner(r);
    assert_non_null(w);
    assert_string_equal(w->framework, "pytorch");
    assert_string_equal(w->image, "modak-pytorch-1.5-gpu-src");
    assert_non_null(strstr(w->basis, "size-only estimate"));
    assert_true(w->high_s > 2 * w->low_s); /* a size-only estimate is uncertain */
    /* glow and tvm: no PyTorch image is built with them */
    int glow = 0, tvm = 0;
    for (size_t i = 0; i < r->n; i++) {
        const decide_cand *d = &r->cands[i];
        if (d->gc == DECIDE_GC_GLOW && !strcmp(d->field ? d->field : "", "registry")) glow++;
        if (d->gc == DECIDE_GC_TVM && !strcmp(d->field ? d->field : "", "registry")) tvm++;
    }
    assert_int_equal(glow, 1);
    assert_int_equal(tvm, 1);
    /* staging alternatives exist: the data size is known and the node has an SSD */
    int staged = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->cands[i].staged_from) {
            staged++;
            assert_string_equal(r->cands[i].staged_from, "default-common");
            assert_string_equal(r->cands[i].storage, "ssd");
            if (r->cands[i].status != DECIDE_INFEASIBLE) assert_true(r->cands[i].staging_s > 0);
        }
    assert_true(staged > 0);
    decide_record_free(r);
    decide_job_fini(&j);
    json_decref(doc);
    reg_free(reg);
    bench_store_free(store);
    target_free(t);
}

/* ---- determinism and the record ---- */

static void test_deterministic_ranking(void **state)
{
    (void)state;
    target *t = load_target("supermuc_ng_thin");
    decide_job j;
    decide_job_init(&j);
    j.network = "resnet20";
    j.enable_opt_build = 1;
    j.data_count = 50000;
    j.epochs = 2;
    int b1[] = {32, 64, 128}, b2[] = {128, 32, 64, 32};
    int t1[] = {1, 12, 48}, t2[] = {48, 1, 12};
    decide_inputs in = {
        .job = &j, .target = t, .batches = b1, .nbatches = 3, .threads = t1, .nthreads = 3};
    decide_record *r1 = run(&in);
    in.batches = b2;
    in.nbatches = 4;
    in.threads = t2;
    decide_record *r2 = run(&in);
    char *s1 = record_json(r1), *s2 = record_json(r2);
    assert_string_equal(s1, s2);
    /* ties in the objective are broken by the key: make some and check the order */
    for (size_t i = 0; i < r1->n; i++)
        r1->cands[i].objective_s = 1;
    for (size_t i = 0; i + 1 < r1->n; i++) {
        const decide_cand *a = &r1->cands[i], *b = &r1->cands[i + 1];
        if (a->status != DECIDE_INFEASIBLE && b->status != DECIDE_INFEASIBLE &&
            a->preference == b->preference &&
            r2->cands[i].objective_s == r2->cands[i + 1].objective_s)
            assert_true(strcmp(a->key, b->key) < 0);
    }
    free(s1);
    free(s2);
    decide_record_free(r1);
    decide_record_free(r2);
    decide_job_fini(&j);
    target_free(t);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    target *t = load_target("hlrs_testbed");
    reg_registry *reg = load_registry();
    bench_store *store = load_store();
    json_t *doc = example_job();
    decide_job j;
    job_from(doc, &j);
    j.network = "resnet20";
    j.data_count = 50000;
    decide_inputs in = {.job = &j, .target = t, .store = store, .registry = reg};
    decide_record *r = run(&in);
    char *s = record_json(r);
    mk_err e;
    mk_err_clear(&e);
    decide_record *back = decide_record_from_json(s, strlen(s), "decision.json", &e);
    if (!back) fail_msg("%s", e.msg);
    char *s2 = record_json(back);
    assert_string_equal(s, s2);
    assert_int_equal(back->n, r->n);
    assert_int_equal(back->winner, r->winner);
    mk_buf a, b;
    mk_buf_init(&a);
    mk_buf_init(&b);
    decide_record_to_text(r, 0, &a);
    decide_record_to_text(back, 0, &b);
    assert_string_equal(a.s, b.s);
    /* the table shows every candidate with its reason */
    for (size_t i = 0; i < r->n; i++)
        assert_non_null(strstr(a.s, r->cands[i].reason));
    mk_buf_reset(&a);
    decide_record_to_text(r, 5, &a);
    assert_non_null(strstr(a.s, "more feasible candidates"));
    assert_non_null(strstr(a.s, "infeasible candidates, by the first reason's field"));
    mk_buf_fini(&a);
    mk_buf_fini(&b);
    free(s);
    free(s2);
    decide_record_free(back);
    decide_record_free(r);
    decide_job_fini(&j);
    json_decref(doc);
    reg_free(reg);
    bench_store_free(store);
    target_free(t);
}

static void test_bad_records(void **state)
{
    (void)state;
    target *t = load_target("egi");
    decide_job j;
    decide_job_init(&j);
    j.network = "mnist_cnn";
    j.enable_opt_build = 1;
    int bs[] = {32}, ts[] = {1, 2};
    decide_inputs in = {
        .job = &j, .target = t, .batches = bs, .nbatches = 1, .threads = ts, .nthreads = 2};
    decide_record *r = run(&in);
    json_t *good = decide_record_json(r);
    struct {
        const char *ptr, *key;
        json_t *value;
        const char *expect;
    } cases[] = {
        {"", "format", json_string("modak-decision/2"), "decision.json: /format: must be"},
        {"/candidates/1", "status", json_string("maybe"),
         "decision.json: /candidates/1/status: is not a known name"},
        {"/candidates/0", "batch", json_real(1.5),
         "decision.json: /candidates/0/batch: must be a whole number"},
        {"/candidates/2", "step_seconds", json_integer(-1),
         "decision.json: /candidates/2/step_seconds: must be a number >= 0"},
        {"/candidates/0", "key", json_null(), "decision.json: /candidates/0/key: must be a string"},
        {"/inputs/target", "cores", json_string("40"),
         "decision.json: /inputs/target/cores: must be a number >= 0"},
        {"", "winner", json_integer(99), "decision.json: /winner: must be the index"},
        {"", "winner", json_integer(1), "decision.json: /winner: names a candidate whose status"},
        {"", "notes", json_string("x"), "decision.json: /notes: must be an array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *doc = json_deep_copy(good);
        json_t *at = doc;
        if (*cases[i].ptr) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s", cases[i].ptr + 1);
            for (char *tok = strtok(buf, "/"); tok; tok = strtok(NULL, "/"))
                at = json_is_array(at) ? json_array_get(at, (size_t)atoi(tok))
                                       : json_object_get(at, tok);
        }
        json_object_set_new(at, cases[i].key, cases[i].value);
        char *s = json_dumps(doc, 0);
        mk_err e;
        mk_err_clear(&e);
        decide_record *back = decide_record_from_json(s, strlen(s), "decision.json", &e);
        assert_null(back);
        char msg[2048];
        mk_err_str(&e, msg, sizeof msg);
        if (!strstr(msg, cases[i].expect)) fail_msg("case %zu: got '%s'", i, msg);
        free(s);
        json_decref(doc);
    }
    mk_err e;
    mk_err_clear(&e);
    assert_null(decide_record_from_json("{\"format\": ", 11, "d.json", &e));
    assert_string_equal(e.file, "d.json");
    assert_true(e.line == 1);
    json_decref(good);
    decide_record_free(r);
    decide_job_fini(&j);
    target_free(t);
}

static void test_bad_network(void **state)
{
    (void)state;
    target *t = load_target("egi");
    decide_job j;
    decide_job_init(&j);
    j.network = "/nonexistent/graph.json";
    decide_inputs in = {.job = &j, .target = t};
    decide_record *r = NULL;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(decide_run(&in, &r, &e), -1);
    assert_null(r);
    assert_non_null(strstr(e.msg, "'/nonexistent/graph.json' is neither a network of the zoo"));
    decide_job_fini(&j);
    target_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumeration_every_target),
        cmocka_unit_test(test_example_job_on_gpu_node),
        cmocka_unit_test(test_constraints),
        cmocka_unit_test(test_enable_opt_build_false),
        cmocka_unit_test(test_framework_only),
        cmocka_unit_test(test_deterministic_ranking),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_bad_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
