/* kern_ctx — errors, the context (a small pthread pool and one grow-only workspace), and
 * work splitting.
 *
 * The pool runs one task at a time: kern_parallel publishes (fn, arg, nth), bumps a
 * generation counter and wakes the workers; the caller runs part 0 itself and then waits
 * until every worker has acknowledged the generation. Workers spin briefly on the counter
 * before sleeping on a condition variable, because kernels come in quick succession during
 * a training step and a futex wake-up costs tens of microseconds. GEMMs run as
 * single-threaded OpenBLAS calls inside the pool's tasks (each thread takes a block of
 * images or rows), so OpenBLAS's own threads never compete with the pool for the cores. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "kern.h"
#include "kern_impl.h"

int kern_err_set(kern_err *e, int code, const char *fmt, ...)
{
    if (!e || e->code != KERN_OK) return -1;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

struct kern_ctx {
    int nthreads;
    pthread_t *threads;
    struct worker *workers;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    atomic_uint gen;    /* bumped once per task */
    atomic_int pending; /* workers that have not finished the current task */
    atomic_int stop;
    kern_task fn;
    void *arg;
    int nth;
    void *ws; /* workspace, 64-byte aligned */
    size_t ws_bytes;
};

struct worker {
    kern_ctx *ctx;
    int ith;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

enum { SPIN_ITERS = 20000 }; /* about 50-100 us of pause instructions */

static void *worker_main(void *p)
{
    struct worker *wk = p;
    kern_ctx *ctx = wk->ctx;
    unsigned seen = 0; /* the generation at creation: tasks may be posted before we run */
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&ctx->gen, memory_order_acquire) == seen &&
               !atomic_load(&ctx->stop) && spins < SPIN_ITERS) {
            cpu_relax();
            spins++;
        }
        if (atomic_load_explicit(&ctx->gen, memory_order_acquire) == seen &&
            !atomic_load(&ctx->stop)) {
            pthread_mutex_lock(&ctx->mu);
            while (atomic_load(&ctx->gen) == seen && !atomic_load(&ctx->stop))
                pthread_cond_wait(&ctx->wake, &ctx->mu);
            pthread_mutex_unlock(&ctx->mu);
        }
        if (atomic_load(&ctx->stop)) return NULL;
        seen = atomic_load_explicit(&ctx->gen, memory_order_acquire);
        if (wk->ith < ctx->nth) ctx->fn(ctx->arg, wk->ith, ctx->nth);
        atomic_fetch_sub_explicit(&ctx->pending, 1, memory_order_release);
    }
}

kern_ctx *kern_ctx_new(int nthreads)
{
    if (nthreads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = n > 0 ? (int)n : 1;
    }
    if (nthreads > 256) nthreads = 256;
    kern_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->nthreads = nthreads;
    pthread_mutex_init(&ctx->mu, NULL);
    pthread_cond_init(&ctx->wake, NULL);
    atomic_init(&ctx->gen, 0);
    atomic_init(&ctx->pending, 0);
    atomic_init(&ctx->stop, 0);
    /* The pool's threads call OpenBLAS concurrently, each single-threaded. */
    openblas_set_num_threads(1);
    if (nthreads > 1) {
        ctx->threads = calloc((size_t)nthreads, sizeof *ctx->threads);
        ctx->workers = calloc((size_t)nthreads, sizeof *ctx->workers);
        if (!ctx->threads || !ctx->workers) goto fail;
        for (int i = 1; i < nthreads; i++) {
            ctx->workers[i].ctx = ctx;
            ctx->workers[i].ith = i;
            if (pthread_create(&ctx->threads[i], NULL, worker_main, &ctx->workers[i])) {
                ctx->nthreads = i; /* join the ones that started */
                goto fail;
            }
        }
    }
    return ctx;
fail:
    kern_ctx_free(ctx);
    return NULL;
}

void kern_ctx_free(kern_ctx *ctx)
{
    if (!ctx) return;
    if (ctx->threads) {
        pthread_mutex_lock(&ctx->mu);
        atomic_store(&ctx->stop, 1);
        pthread_cond_broadcast(&ctx->wake);
        pthread_mutex_unlock(&ctx->mu);
        for (int i = 1; i < ctx->nthreads; i++)
            if (ctx->threads[i]) pthread_join(ctx->threads[i], NULL);
    }
    pthread_mutex_destroy(&ctx->mu);
    pthread_cond_destroy(&ctx->wake);
    free(ctx->threads);
    free(ctx->workers);
    free(ctx->ws);
    free(ctx);
}

int kern_ctx_threads(const kern_ctx *ctx)
{
    return ctx ? ctx->nthreads : 1;
}

int kern_ctx_reserve(kern_ctx *ctx, size_t bytes)
{
    return bytes == 0 || kernp_ws(ctx, bytes) ? 0 : -1;
}

void *kernp_ws(kern_ctx *ctx, size_t bytes)
{
    if (bytes <= ctx->ws_bytes) return ctx->ws;
    bytes = (bytes + 4095) & ~(size_t)4095;
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes)) return NULL;
    free(ctx->ws);
    ctx->ws = p;
    ctx->ws_bytes = bytes;
    return p;
}

void kern_parallel(kern_ctx *ctx, kern_task fn, void *arg, int max_threads)
{
    int nth = ctx ? ctx->nthreads : 1;
    if (max_threads > 0 && max_threads < nth) nth = max_threads;
    if (nth <= 1) {
        fn(arg, 0, 1);
        return;
    }
    ctx->fn = fn;
    ctx->arg = arg;
    ctx->nth = nth;
    atomic_store(&ctx->pending, ctx->nthreads - 1);
    pthread_mutex_lock(&ctx->mu);
    atomic_fetch_add_explicit(&ctx->gen, 1, memory_order_release);
    pthread_cond_broadcast(&ctx->wake);
    pthread_mutex_unlock(&ctx->mu);
    fn(arg, 0, nth);
    int spins = 0;
    while (atomic_load_explicit(&ctx->pending, memory_order_acquire) > 0) {
        if (++spins < SPIN_ITERS)
            cpu_relax();
        else
            sched_yield();
    }
}

void kern_split(size_t n, int ith, int nth, size_t *begin, size_t *end)
{
    size_t base = n / (size_t)nth, extra = n % (size_t)nth, i = (size_t)ith;
    *begin = i * base + (i < extra ? i : extra);
    *end = *begin + base + (i < extra ? 1 : 0);
}
