/* calibrate — sgemm and triad microbenchmarks, the least-squares fit, the profile JSON.
 *
 * Each measurement warms up once, then repeats until min_seconds have passed (at least
 * twice) and keeps the fastest repetition: the model wants what the machine can do, and
 * the minimum is the least disturbed by the other work on a shared machine. The sgemm
 * model per thread count is seconds = flops/F + bytes/B + c, fitted by LAPACK's dgels on
 * rows divided by the measured time (relative error); a coefficient that comes out
 * negative (noise on a few points) is dropped and the fit redone with fewer terms. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <dlfcn.h>

#include "calibrate.h"
#include "kern.h"

/* OpenBLAS is opened when calibration runs, not linked into modak: a linked OpenBLAS
 * starts its thread pool in every modak process, and its idle threads spin for a while,
 * costing each `modak validate` about 0.1 s of CPU for nothing. */
typedef struct blas_fns {
    void *lib;
    void (*sgemm)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE, const enum CBLAS_TRANSPOSE,
                  const int, const int, const int, const float, const float *, const int,
                  const float *, const int, const float, float *, const int);
    /* LAPACK (Fortran calling convention; the hidden length of `trans` last) */
    void (*dgels)(const char *trans, const int *m, const int *n, const int *nrhs, double *a,
                  const int *lda, double *b, const int *ldb, double *work, const int *lwork,
                  int *info, size_t trans_len);
    char *(*get_corename)(void);
    char *(*get_config)(void);
    void (*set_num_threads)(int);
} blas_fns;

static int blas_open(blas_fns *b, mk_err *err)
{
    memset(b, 0, sizeof *b);
    static const char *const names[] = {"libopenblas.so.0", "libopenblas.so"};
    for (size_t i = 0; i < sizeof names / sizeof *names && !b->lib; i++)
        b->lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!b->lib)
        return mk_err_set(err, MK_EIO, NULL, 0, 0,
                          "cannot load OpenBLAS (%s): install libopenblas0-pthread", dlerror());
    *(void **)&b->sgemm = dlsym(b->lib, "cblas_sgemm");
    *(void **)&b->dgels = dlsym(b->lib, "dgels_");
    *(void **)&b->get_corename = dlsym(b->lib, "openblas_get_corename");
    *(void **)&b->get_config = dlsym(b->lib, "openblas_get_config");
    *(void **)&b->set_num_threads = dlsym(b->lib, "openblas_set_num_threads");
    if (!b->sgemm || !b->dgels || !b->get_corename || !b->get_config || !b->set_num_threads) {
        dlclose(b->lib);
        b->lib = NULL;
        return mk_err_set(err, MK_EIO, NULL, 0, 0,
                          "the OpenBLAS found lacks cblas_sgemm, dgels_ or openblas_* functions");
    }
    return 0;
}

static void blas_close(blas_fns *b)
{
    if (b->lib) dlclose(b->lib);
    b->lib = NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Shapes as im2col GEMMs (M = output channels, N = output pixels x batch 32, K = input
 * channels x kernel area) of the zoo's networks, their dense layers, and two squares. */
static const calib_shape default_shapes[] = {
    {32, 21632, 9, "mnist_cnn conv1 3x3 1->32 ch, 26x26, batch 32"},
    {64, 18432, 288, "mnist_cnn conv2 3x3 32->64 ch, 24x24, batch 32"},
    {32, 128, 9216, "mnist_cnn dense 9216->128, batch 32"},
    {16, 32768, 144, "resnet20 conv3x3 16 ch 32x32, batch 32"},
    {64, 2048, 576, "resnet20 conv3x3 64 ch 8x8, batch 32"},
    {64, 3136, 576, "resnet50 conv3x3 64 ch 56x56, batch 1"},
    {256, 784, 128, "resnet50 conv1x1 128->256 ch 28x28 (expand), batch 1"},
    {512, 196, 4608, "resnet50 conv3x3 512 ch 14x14 (as 7x7 stride 2 in), batch 1"},
    {128, 128, 128, "square 128"},
    {512, 512, 512, "square 512"},
};

const calib_shape *calib_default_shapes(size_t *n)
{
    *n = sizeof default_shapes / sizeof *default_shapes;
    return default_shapes;
}

const char *calib_shape_class(int m, int n, int k)
{
    int lo = m < n ? m : n;
    if (k < lo) lo = k;
    return lo < 64 ? "small" : lo < 256 ? "medium" : "large";
}

/* ---- least squares ---------------------------------------------------------------------- */

int calib_lstsq(const double *A, const double *b, int m, int n, double *x, mk_err *err)
{
    if (m < n || n < 1)
        return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "least squares needs m >= n >= 1");
    double *a = mk_xmalloc(sizeof(double) * (size_t)m * n); /* column-major for LAPACK */
    double *rhs = mk_xmalloc(sizeof(double) * (size_t)m);
    for (int i = 0; i < m; i++) {
        rhs[i] = b[i];
        for (int j = 0; j < n; j++)
            a[(size_t)j * m + i] = A[(size_t)i * n + j];
    }
    blas_fns blas;
    if (blas_open(&blas, err)) {
        free(a);
        free(rhs);
        return -1;
    }
    int nrhs = 1, lda = m, ldb = m, info = 0, lwork = -1;
    double wq;
    blas.dgels("N", &m, &n, &nrhs, a, &lda, rhs, &ldb, &wq, &lwork, &info, 1);
    lwork = info == 0 ? (int)wq : m * n + 64;
    double *work = mk_xmalloc(sizeof(double) * (size_t)lwork);
    blas.dgels("N", &m, &n, &nrhs, a, &lda, rhs, &ldb, work, &lwork, &info, 1);
    blas_close(&blas);
    if (info == 0)
        for (int j = 0; j < n; j++)
            x[j] = rhs[j];
    free(work);
    free(a);
    free(rhs);
    if (info != 0)
        return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0,
                          "dgels failed (info %d): the measurements are rank-deficient", info);
    return 0;
}

int calib_fit_points(const calib_point *pts, size_t n, int threads, double peak, calib_fit *f,
                     mk_err *err)
{
    memset(f, 0, sizeof *f);
    f->threads = threads;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += pts[i].threads == threads;
    if (m < 3) return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "fewer than 3 sgemm points");
    double *A = mk_xmalloc(sizeof(double) * m * 3), *b = mk_xmalloc(sizeof(double) * m);
    double sum[3] = {0}, cnt[3] = {0};
    /* columns scaled to O(1) so the problem is well conditioned: GFLOP, GB, microseconds */
    int keep[3] = {1, 1, 1};
    double x[3] = {0};
    int rc = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        int cols = keep[0] + keep[1] + keep[2];
        size_t r = 0;
        for (size_t i = 0; i < n; i++) {
            const calib_point *p = &pts[i];
            if (p->threads != threads) continue;
            double fl = 2.0 * p->m * p->n * p->k / 1e9;
            double by =
                4.0 * ((double)p->m * p->k + (double)p->k * p->n + (double)p->m * p->n) / 1e9;
            double terms[3] = {fl, by, 1e-6};
            int c = 0;
            for (int j = 0; j < 3; j++)
                if (keep[j]) A[r * cols + c++] = terms[j] / p->seconds;
            b[r] = 1.0;
            r++;
        }
        double sol[3] = {0};
        if ((rc = calib_lstsq(A, b, (int)m, cols, sol, err)) != 0) break;
        int c = 0, negative = -1;
        for (int j = 0; j < 3; j++) {
            x[j] = keep[j] ? sol[c++] : 0;
            if (keep[j] && x[j] < 0 && negative < 0) negative = j;
        }
        /* F must stay: drop the bandwidth term first, then the overhead */
        if (negative < 0 || (negative == 0 && cols == 1)) break;
        keep[negative == 0 ? (keep[1] ? 1 : 2) : negative] = 0;
    }
    if (rc == 0) {
        f->params = keep[0] + keep[1] + keep[2];
        f->gflops = x[0] > 0 ? 1.0 / x[0] : 0; /* x0 is seconds per GFLOP */
        f->bytes_gbs = x[1] > 0 ? 1.0 / x[1] : 0;
        f->overhead_us = x[2] > 0 ? x[2] : 0;
        double ss = 0;
        for (size_t i = 0; i < n; i++) {
            const calib_point *p = &pts[i];
            if (p->threads != threads) continue;
            double fl = 2.0 * p->m * p->n * p->k / 1e9;
            double by =
                4.0 * ((double)p->m * p->k + (double)p->k * p->n + (double)p->m * p->n) / 1e9;
            double pred = x[0] * fl + x[1] * by + x[2] * 1e-6;
            ss += (pred / p->seconds - 1) * (pred / p->seconds - 1);
            const char *cls = calib_shape_class(p->m, p->n, p->k);
            int ci = !strcmp(cls, "small") ? 0 : !strcmp(cls, "medium") ? 1 : 2;
            sum[ci] += p->gflops * 1e9 / peak;
            cnt[ci]++;
        }
        f->rms_rel = sqrt(ss / m);
        f->eff_small = cnt[0] ? sum[0] / cnt[0] : 0;
        f->eff_medium = cnt[1] ? sum[1] / cnt[1] : 0;
        f->eff_large = cnt[2] ? sum[2] / cnt[2] : 0;
    }
    free(A);
    free(b);
    return rc;
}

/* ---- measurements ------------------------------------------------------------------------- */

static double time_sgemm(const blas_fns *blas, const calib_shape *s, double min_seconds)
{
    size_t m = s->m, n = s->n, k = s->k;
    float *a = mk_xmalloc(sizeof(float) * m * k), *b = mk_xmalloc(sizeof(float) * k * n);
    float *c = mk_xmalloc(sizeof(float) * m * n);
    for (size_t i = 0; i < m * k; i++)
        a[i] = (float)((i % 7) - 3) * 0.01f;
    for (size_t i = 0; i < k * n; i++)
        b[i] = (float)((i % 5) - 2) * 0.01f;
    blas->sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, s->n, s->k, 1.0f, a, s->k, b, s->n,
                0.0f, c, s->n); /* warm-up: threads started, pages touched */
    double best = 1e30, start = now();
    int reps = 0;
    while (reps < 2 || now() - start < min_seconds) {
        double t0 = now();
        blas->sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, s->n, s->k, 1.0f, a, s->k, b,
                    s->n, 0.0f, c, s->n);
        double dt = now() - t0;
        if (dt < best) best = dt;
        if (++reps > 100000) break;
    }
    free(a);
    free(b);
    free(c);
    return best;
}

typedef struct triad_job {
    double *a, *b, *c;
    size_t lo, hi;
    pthread_barrier_t *bar;
    int reps;
    double *times; /* shared: written by thread 0 */
    int first;
} triad_job;

static void *triad_worker(void *arg)
{
    triad_job *j = arg;
    for (size_t i = j->lo; i < j->hi; i++) { /* first touch: pages land on this thread's node */
        j->a[i] = 0;
        j->b[i] = 1.0;
        j->c[i] = 2.0;
    }
    for (int r = 0; r < j->reps; r++) {
        pthread_barrier_wait(j->bar);
        double t0 = now();
        const double s = 3.0;
        double *restrict a = j->a, *restrict b = j->b, *restrict c = j->c;
        for (size_t i = j->lo; i < j->hi; i++)
            a[i] = b[i] + s * c[i];
        pthread_barrier_wait(j->bar);
        if (j->first) j->times[r] = now() - t0;
    }
    return NULL;
}

double calib_triad(size_t bytes, int threads, double min_seconds)
{
    size_t n = bytes / sizeof(double);
    if (n < 1024) n = 1024;
    if (threads < 1) threads = 1;
    double *a = mk_xmalloc(n * sizeof *a), *b = mk_xmalloc(n * sizeof *b),
           *c = mk_xmalloc(n * sizeof *c);
    /* estimate repetitions: about min_seconds at 10 GB/s, between 3 and 50 */
    int reps = (int)(min_seconds * 10e9 / (24.0 * n));
    if (reps < 3) reps = 3;
    if (reps > 50) reps = 50;
    double *times = mk_xcalloc(reps, sizeof *times);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, threads);
    triad_job *jobs = mk_xcalloc(threads, sizeof *jobs);
    pthread_t *tid = mk_xcalloc(threads, sizeof *tid);
    for (int t = 0; t < threads; t++) {
        jobs[t] =
            (triad_job){a, b, c, n * t / threads, n * (t + 1) / threads, &bar, reps, times, t == 0};
        if (t) pthread_create(&tid[t], NULL, triad_worker, &jobs[t]);
    }
    triad_worker(&jobs[0]);
    for (int t = 1; t < threads; t++)
        pthread_join(tid[t], NULL);
    pthread_barrier_destroy(&bar);
    double best = 1e30;
    for (int r = 1; r < reps; r++) /* repetition 0 is a warm-up */
        if (times[r] > 0 && times[r] < best) best = times[r];
    volatile double sink = a[n / 2];
    (void)sink;
    free(a);
    free(b);
    free(c);
    free(times);
    free(jobs);
    free(tid);
    return 24.0 * n / best / 1e9;
}

static int calib_run_with(const blas_fns *blas, const target *t, const calib_opts *o,
                          calib_profile *p, mk_err *err);

int calib_run(const target *t, const calib_opts *o, calib_profile *p, mk_err *err)
{
    memset(p, 0, sizeof *p);
    blas_fns blas;
    if (blas_open(&blas, err)) return -1;
    int rc = calib_run_with(&blas, t, o, p, err);
    blas_close(&blas);
    return rc;
}

static int calib_run_with(const blas_fns *blas, const target *t, const calib_opts *o,
                          calib_profile *p, mk_err *err)
{
    calib_opts def = {0};
    if (!o) o = &def;
    double t_start = now();
    snprintf(p->target, sizeof p->target, "%s", t->name ? t->name : "host");
    snprintf(p->microarch, sizeof p->microarch, "%s", t->cpu.microarch);
    time_t wall = time(NULL);
    struct tm tm;
    gmtime_r(&wall, &tm);
    strftime(p->created, sizeof p->created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *core = blas->get_corename();
    snprintf(p->openblas_core, sizeof p->openblas_core, "%s", core ? core : "?");
    const char *env = getenv("OPENBLAS_CORETYPE");
    snprintf(p->openblas_env, sizeof p->openblas_env, "%s", env ? env : "");
    snprintf(p->openblas_how, sizeof p->openblas_how, "%s", o->openblas_how ? o->openblas_how : "");
    const char *cfg = blas->get_config();
    snprintf(p->openblas_config, sizeof p->openblas_config, "%s", cfg ? cfg : "");
    p->peak_fp32_node = t->cpu.peak[TARGET_FP32];
    p->cores = t->cpu.cores;

    size_t nshapes = o->nshapes;
    const calib_shape *shapes = o->shapes ? o->shapes : calib_default_shapes(&nshapes);
    int def_threads[2] = {1, t->cpu.cores};
    const int *threads = o->threads ? o->threads : def_threads;
    size_t nthreads = o->threads ? o->nthreads : (t->cpu.cores > 1 ? 2 : 1);
    if (nthreads > 8) return mk_err_set(err, MK_EUSAGE, NULL, 0, 0, "at most 8 thread counts");
    double min_s = o->min_seconds > 0 ? o->min_seconds : 0.15;

    p->points = mk_xcalloc(nshapes * nthreads, sizeof *p->points);
    for (size_t ti = 0; ti < nthreads; ti++) {
        if (threads[ti] < 1) return mk_err_set(err, MK_EUSAGE, NULL, 0, 0, "threads must be >= 1");
        blas->set_num_threads(threads[ti]);
        double peak = p->peak_fp32_node * threads[ti] / (t->cpu.cores ? t->cpu.cores : 1);
        for (size_t s = 0; s < nshapes; s++) {
            if (shapes[s].m < 1 || shapes[s].n < 1 || shapes[s].k < 1)
                return mk_err_set(err, MK_EUSAGE, NULL, 0, 0, "sgemm shapes must be positive");
            calib_point *pt = &p->points[p->npoints++];
            pt->m = shapes[s].m;
            pt->n = shapes[s].n;
            pt->k = shapes[s].k;
            pt->what = shapes[s].what;
            pt->threads = threads[ti];
            pt->seconds = time_sgemm(blas, &shapes[s], min_s);
            pt->gflops = 2.0 * pt->m * pt->n * pt->k / pt->seconds / 1e9;
            pt->efficiency = peak > 0 ? pt->gflops * 1e9 / peak : 0;
        }
        if (nshapes >= 3) {
            if (calib_fit_points(p->points, p->npoints, threads[ti], peak, &p->fits[p->nfits], err))
                return -1;
            p->nfits++;
        }
    }
    /* memory bandwidth */
    size_t tb = o->triad_bytes ? o->triad_bytes : (size_t)64 << 20;
    p->triad_array_bytes = (double)tb;
    for (size_t ti = 0; ti < nthreads; ti++) {
        p->triad_threads[p->ntriad] = threads[ti];
        p->triad_gbs[p->ntriad] = calib_triad(tb, threads[ti], min_s);
        p->ntriad++;
    }
    /* the kernels' own microbenchmarks, through the hook */
    if (o->kernels) {
        for (size_t ti = 0; ti < nthreads; ti++)
            if (o->kernels(o->kernels_ud, threads[ti], p, err)) return -1;
        p->kernels_measured = 1;
    } else {
        snprintf(p->kernels_note, sizeof p->kernels_note,
                 "not measured: the caller linked no kernel benchmarks (calib_opts.kernels)");
    }
    p->seconds = now() - t_start;
    return 0;
}

/* arr, with room for an element more than its n of `size` bytes: grown by doubling, when n
 * is 0, 1, 3, 7, ... */
static void *room_for_one_more(void *arr, size_t n, size_t size)
{
    return n & (n + 1) ? arr : mk_xrealloc(arr, (2 * n + 1) * size);
}

void calib_add_conv(calib_profile *p, const calib_conv_point *c)
{
    p->conv = room_for_one_more(p->conv, p->nconv, sizeof *p->conv);
    p->conv[p->nconv++] = *c;
}

void calib_add_bn(calib_profile *p, const calib_bn_point *b)
{
    p->bn = room_for_one_more(p->bn, p->nbn, sizeof *p->bn);
    p->bn[p->nbn++] = *b;
}

static int same_conv(const calib_conv_point *a, const calib_conv_point *b)
{
    return a->c == b->c && a->h == b->h && a->w == b->w && a->k == b->k && a->r == b->r &&
           a->s == b->s && a->stride == b->stride && a->pad == b->pad && a->bias == b->bias &&
           a->relu == b->relu && a->generic == b->generic && a->algo[0] == b->algo[0] &&
           a->algo[1] == b->algo[1] && a->algo[2] == b->algo[2];
}

const calib_conv_point *calib_conv_find(const calib_profile *p, const calib_conv_point *key,
                                        int threads)
{
    const calib_conv_point *best = NULL;
    for (size_t i = 0; i < p->nconv; i++)
        if (same_conv(&p->conv[i], key) &&
            (!best || abs(p->conv[i].threads - threads) < abs(best->threads - threads)))
            best = &p->conv[i];
    return best;
}

const calib_bn_point *calib_bn_find(const calib_profile *p, const calib_bn_point *key,
                                    int threads)
{
    const calib_bn_point *best = NULL;
    for (size_t i = 0; i < p->nbn; i++) {
        const calib_bn_point *b = &p->bn[i];
        if (b->c == key->c && b->hw == key->hw && b->relu == key->relu &&
            b->generic == key->generic &&
            (!best || abs(b->threads - threads) < abs(best->threads - threads)))
            best = b;
    }
    return best;
}

void calib_profile_fini(calib_profile *p)
{
    free(p->points);
    free(p->conv);
    free(p->bn);
    memset(p, 0, sizeof *p);
}

static json_t *r4(double x)
{
    return json_real(round(x * 1e4) / 1e4);
}

void calib_profile_to_json(const calib_profile *p, mk_buf *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("modak-profile/1"));
    json_object_set_new(root, "target", json_string(p->target));
    json_object_set_new(root, "microarch", json_string(p->microarch));
    json_object_set_new(root, "created", json_string(p->created));
    json_object_set_new(root, "calibration_seconds", r4(p->seconds));
    json_t *ob = json_object();
    json_object_set_new(ob, "corename", json_string(p->openblas_core));
    json_object_set_new(ob, "coretype_env", json_string(p->openblas_env));
    json_object_set_new(ob, "how", json_string(p->openblas_how));
    json_object_set_new(ob, "config", json_string(p->openblas_config));
    json_object_set_new(root, "openblas", ob);
    json_object_set_new(root, "cores", json_integer(p->cores));
    json_object_set_new(root, "peak_gflops_fp32_nominal", r4(p->peak_fp32_node / 1e9));
    json_t *mem = json_object(), *tri = json_array();
    for (size_t i = 0; i < p->ntriad; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "threads", json_integer(p->triad_threads[i]));
        json_object_set_new(o, "gbs", r4(p->triad_gbs[i]));
        json_array_append_new(tri, o);
    }
    json_object_set_new(mem, "triad", tri);
    json_object_set_new(mem, "array_mib", r4(p->triad_array_bytes / 1048576.0));
    json_object_set_new(root, "memory", mem);
    json_t *sg = json_object(), *pts = json_array(), *fits = json_array();
    for (size_t i = 0; i < p->npoints; i++) {
        const calib_point *pt = &p->points[i];
        json_t *o = json_object();
        json_object_set_new(o, "m", json_integer(pt->m));
        json_object_set_new(o, "n", json_integer(pt->n));
        json_object_set_new(o, "k", json_integer(pt->k));
        json_object_set_new(o, "threads", json_integer(pt->threads));
        json_object_set_new(o, "class", json_string(calib_shape_class(pt->m, pt->n, pt->k)));
        json_object_set_new(o, "seconds", json_real(pt->seconds));
        json_object_set_new(o, "gflops", r4(pt->gflops));
        json_object_set_new(o, "efficiency", r4(pt->efficiency));
        if (pt->what) json_object_set_new(o, "what", json_string(pt->what));
        json_array_append_new(pts, o);
    }
    for (size_t i = 0; i < p->nfits; i++) {
        const calib_fit *f = &p->fits[i];
        json_t *o = json_object(), *eff = json_object();
        json_object_set_new(o, "threads", json_integer(f->threads));
        json_object_set_new(o, "terms", json_integer(f->params));
        json_object_set_new(o, "gflops", r4(f->gflops));
        json_object_set_new(o, "bytes_gbs", r4(f->bytes_gbs));
        json_object_set_new(o, "overhead_us", r4(f->overhead_us));
        json_object_set_new(o, "rms_relative_error", r4(f->rms_rel));
        if (f->eff_small > 0) json_object_set_new(eff, "small", r4(f->eff_small));
        if (f->eff_medium > 0) json_object_set_new(eff, "medium", r4(f->eff_medium));
        if (f->eff_large > 0) json_object_set_new(eff, "large", r4(f->eff_large));
        json_object_set_new(o, "efficiency", eff);
        json_array_append_new(fits, o);
    }
    json_object_set_new(
        sg, "model",
        json_string("seconds = flops/(gflops*1e9) + bytes/(bytes_gbs*1e9) + overhead_us*1e-6"));
    json_object_set_new(sg, "points", pts);
    json_object_set_new(sg, "fit", fits);
    json_object_set_new(root, "sgemm", sg);
    json_t *kn = json_object();
    json_object_set_new(kn, "measured", json_boolean(p->kernels_measured));
    if (p->kernels_note[0]) json_object_set_new(kn, "note", json_string(p->kernels_note));
    json_t *cpts = json_array();
    for (size_t i = 0; i < p->nconv; i++) {
        const calib_conv_point *c = &p->conv[i];
        json_t *o = json_object();
        json_object_set_new(o, "shape", json_pack("[iiiiiiii]", c->c, c->h, c->w, c->k, c->r, c->s,
                                                  c->stride, c->pad));
        json_object_set_new(o, "algo", json_pack("[sss]", kern_conv_algo_name(c->algo[0]),
                                                 kern_conv_algo_name(c->algo[1]),
                                                 kern_conv_algo_name(c->algo[2])));
        json_object_set_new(o, "bias", json_boolean(c->bias));
        json_object_set_new(o, "relu", json_boolean(c->relu));
        json_object_set_new(o, "build", json_string(c->generic ? "generic" : "optimised"));
        json_object_set_new(o, "threads", json_integer(c->threads));
        json_object_set_new(o, "images", json_integer(c->images));
        json_object_set_new(o, "fwd_seconds", json_real(c->fwd_s));
        json_object_set_new(o, "bwd_seconds", json_real(c->bwd_s));
        json_object_set_new(o, "bwd_weights_only_seconds", json_real(c->bwdw_s));
        json_object_set_new(o, "gflops", r4(c->gflops));
        json_array_append_new(cpts, o);
    }
    json_object_set_new(kn, "conv", cpts);
    json_t *bpts = json_array();
    for (size_t i = 0; i < p->nbn; i++) {
        const calib_bn_point *b = &p->bn[i];
        json_array_append_new(
            bpts, json_pack("{s:i,s:i,s:b,s:s,s:i,s:i,s:f,s:f}", "channels", b->c, "pixels", b->hw,
                            "relu", b->relu, "build", b->generic ? "generic" : "optimised",
                            "threads", b->threads, "images", b->images, "fwd_seconds", b->fwd_s,
                            "bwd_seconds", b->bwd_s));
    }
    json_object_set_new(kn, "batchnorm", bpts);
    json_object_set_new(root, "kernels", kn);

    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
    mk_buf_puts(out, s);
    mk_buf_putc(out, '\n');
    free(s);
    json_decref(root);
}

/* ---- reading a profile back ------------------------------------------------------------ */

static int pnum(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v) || json_number_value(v) < 0) return -1;
    *out = json_number_value(v);
    return 0;
}

static int algo_number(const char *name)
{
    for (int a = 0; a < KERN_CONV_ALGO_COUNT; a++)
        if (!strcmp(kern_conv_algo_name((kern_conv_algo)a), name)) return a;
    return -1;
}

/* A point's "build": "generic", else (also when absent) the optimised build. */
static int build_is_generic(json_t *v)
{
    return json_is_string(v) && !strcmp(json_string_value(v), "generic");
}

/* /kernels: the convolution and batch-normalisation points. */
static int load_kernels(json_t *kn, const char *path, calib_profile *p, mk_err *err)
{
    if (!kn) return 0;
    p->kernels_measured = json_is_true(json_object_get(kn, "measured"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(kn, "conv"), i, v)
    {
        calib_conv_point c = {0};
        json_t *sh = json_object_get(v, "shape"), *al = json_object_get(v, "algo");
        int *dims[] = {&c.c, &c.h, &c.w, &c.k, &c.r, &c.s, &c.stride, &c.pad};
        int ok = json_array_size(sh) == 8 && json_array_size(al) == 3;
        for (size_t d = 0; ok && d < 8; d++) {
            json_t *x = json_array_get(sh, d);
            ok = json_is_integer(x) && json_integer_value(x) >= 0 && json_integer_value(x) < 1 << 20;
            if (ok) *dims[d] = (int)json_integer_value(x);
        }
        for (size_t d = 0; ok && d < 3; d++) {
            c.algo[d] = algo_number(json_string_value(json_array_get(al, d)) ? json_string_value(json_array_get(al, d)) : "");
            ok = c.algo[d] > 0;
        }
        double th = 0, im = 0;
        if (!ok || pnum(v, "threads", &th) || th < 1 || pnum(v, "images", &im) || im < 1 ||
            pnum(v, "fwd_seconds", &c.fwd_s) || pnum(v, "bwd_seconds", &c.bwd_s) ||
            pnum(v, "bwd_weights_only_seconds", &c.bwdw_s))
            return mk_err_set(err, MK_EINVAL, path, 0, 0,
                              "/kernels/conv/%zu: needs shape [c,h,w,k,r,s,stride,pad], algo "
                              "[3 algorithm names], threads and images >= 1, fwd_seconds, "
                              "bwd_seconds and bwd_weights_only_seconds >= 0",
                              i);
        c.threads = (int)th;
        c.images = (int)im;
        c.bias = json_is_true(json_object_get(v, "bias")); /* absent: false */
        c.relu = json_is_true(json_object_get(v, "relu"));
        c.generic = build_is_generic(json_object_get(v, "build"));
        pnum(v, "gflops", &c.gflops);
        calib_add_conv(p, &c);
    }
    json_array_foreach(json_object_get(kn, "batchnorm"), i, v)
    {
        calib_bn_point b = {0};
        double ch, px, th, im;
        if (pnum(v, "channels", &ch) || ch < 1 || pnum(v, "pixels", &px) || px < 1 ||
            pnum(v, "threads", &th) || th < 1 || pnum(v, "images", &im) || im < 1 ||
            !json_is_boolean(json_object_get(v, "relu")) || pnum(v, "fwd_seconds", &b.fwd_s) ||
            pnum(v, "bwd_seconds", &b.bwd_s))
            return mk_err_set(err, MK_EINVAL, path, 0, 0,
                              "/kernels/batchnorm/%zu: needs channels, pixels, threads and images "
                              ">= 1, relu (a boolean), fwd_seconds and bwd_seconds >= 0",
                              i);
        b.c = (int)ch;
        b.hw = (int)px;
        b.threads = (int)th;
        b.images = (int)im;
        b.relu = json_is_true(json_object_get(v, "relu"));
        b.generic = build_is_generic(json_object_get(v, "build"));
        calib_add_bn(p, &b);
    }
    return 0;
}

int calib_profile_load(const char *path, calib_profile *p, mk_err *err)
{
    memset(p, 0, sizeof *p);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (!strncmp(je.text, "unable to open", 14))
            return mk_err_set(err, MK_EIO, path, 0, 0, "%s", je.text);
        return mk_err_set(err, MK_EINVAL, path, je.line, je.column, "not valid JSON: %s", je.text);
    }
    int rc = 0;
    json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "modak-profile/1")) {
        rc = mk_err_set(err, MK_EINVAL, path, 0, 0, "/format: must be \"modak-profile/1\"");
        goto done;
    }
    json_t *v;
    if ((v = json_object_get(root, "target")) && json_is_string(v))
        snprintf(p->target, sizeof p->target, "%s", json_string_value(v));
    if ((v = json_object_get(root, "microarch")) && json_is_string(v))
        snprintf(p->microarch, sizeof p->microarch, "%s", json_string_value(v));
    json_t *ob = json_object_get(root, "openblas");
    if ((v = json_object_get(ob, "corename")) && json_is_string(v))
        snprintf(p->openblas_core, sizeof p->openblas_core, "%s", json_string_value(v));
    if ((v = json_object_get(ob, "how")) && json_is_string(v))
        snprintf(p->openblas_how, sizeof p->openblas_how, "%s", json_string_value(v));
    double x = 0;
    if (pnum(root, "peak_gflops_fp32_nominal", &x) == 0) p->peak_fp32_node = x * 1e9;
    if (pnum(root, "cores", &x) == 0) p->cores = (int)x;
    json_t *tri = json_object_get(json_object_get(root, "memory"), "triad");
    size_t i;
    json_array_foreach(tri, i, v)
    {
        double th, gbs;
        if (p->ntriad == 8) break;
        if (pnum(v, "threads", &th) || pnum(v, "gbs", &gbs) || th < 1) {
            rc = mk_err_set(err, MK_EINVAL, path, 0, 0,
                            "/memory/triad/%zu: needs threads >= 1 and gbs >= 0", i);
            goto done;
        }
        p->triad_threads[p->ntriad] = (int)th;
        p->triad_gbs[p->ntriad++] = gbs;
    }
    json_t *fits = json_object_get(json_object_get(root, "sgemm"), "fit");
    json_array_foreach(fits, i, v)
    {
        if (p->nfits == 8) break;
        calib_fit *f = &p->fits[p->nfits];
        double th;
        if (pnum(v, "threads", &th) || th < 1 || pnum(v, "gflops", &f->gflops) || f->gflops <= 0) {
            rc = mk_err_set(err, MK_EINVAL, path, 0, 0,
                            "/sgemm/fit/%zu: needs threads >= 1 and gflops > 0", i);
            goto done;
        }
        f->threads = (int)th;
        pnum(v, "bytes_gbs", &f->bytes_gbs);
        pnum(v, "overhead_us", &f->overhead_us);
        pnum(v, "rms_relative_error", &f->rms_rel);
        json_t *eff = json_object_get(v, "efficiency");
        pnum(eff, "small", &f->eff_small);
        pnum(eff, "medium", &f->eff_medium);
        pnum(eff, "large", &f->eff_large);
        p->nfits++;
    }
    if (load_kernels(json_object_get(root, "kernels"), path, p, err)) rc = -1;
done:
    json_decref(root);
    return rc;
}

const calib_fit *calib_fit_for(const calib_profile *p, int threads)
{
    const calib_fit *best = NULL;
    for (size_t i = 0; i < p->nfits; i++)
        if (!best || abs(p->fits[i].threads - threads) < abs(best->threads - threads))
            best = &p->fits[i];
    return best;
}

double calib_triad_for(const calib_profile *p, int threads)
{
    if (!p->ntriad) return 0;
    /* piecewise linear in threads between measured counts, flat outside */
    int lo = -1, hi = -1;
    for (size_t i = 0; i < p->ntriad; i++) {
        if (p->triad_threads[i] <= threads &&
            (lo < 0 || p->triad_threads[i] > p->triad_threads[lo]))
            lo = (int)i;
        if (p->triad_threads[i] >= threads &&
            (hi < 0 || p->triad_threads[i] < p->triad_threads[hi]))
            hi = (int)i;
    }
    if (lo < 0) return p->triad_gbs[hi] * 1e9;
    if (hi < 0 || lo == hi) return p->triad_gbs[lo] * 1e9;
    double a =
        (double)(threads - p->triad_threads[lo]) / (p->triad_threads[hi] - p->triad_threads[lo]);
    return ((1 - a) * p->triad_gbs[lo] + a * p->triad_gbs[hi]) * 1e9;
}
