/* test_kern_ops — the element-wise, pooling, batch-norm, dropout, loss and optimiser kernels
 * against their naive references (NMSE) at 1 and 3 threads, and every op's backward against
 * finite differences of its forward. */
#include "kt.h"

static const int thread_counts[] = {1, 3};

/* ---- bias, relu, add ---- */

static void test_bias_relu_add(void **state)
{
    (void)state;
    for (int ti = 0; ti < 2; ti++) {
        kern_ctx *ctx = kern_ctx_new(thread_counts[ti]);
        const int shapes[][3] = {{3, 5, 49}, {64, 33, 1}, {2, 40, 1000}};
        for (int si = 0; si < 3; si++) {
            int n = shapes[si][0], c = shapes[si][1], hw = shapes[si][2];
            size_t sz = (size_t)n * c * hw;
            float *x = kt_rand(sz, 1, -1, 1), *b = kt_rand(c, 2, -1, 1);
            float *y0 = kt_alloc(sz), *y1 = kt_alloc(sz);
            for (int relu = 0; relu < 2; relu++) {
                memcpy(y0, x, sz * 4);
                memcpy(y1, x, sz * 4);
                kern_bias_fwd_ref(n, c, hw, b, relu, y0);
                kern_bias_fwd(ctx, n, c, hw, b, relu, y1);
                KT_ASSERT_NMSE(y1, y0, sz, 1e-14);
            }
            float *db0 = kt_alloc(c), *db1 = kt_alloc(c);
            kern_bias_bwd_ref(n, c, hw, x, db0);
            kern_bias_bwd(ctx, n, c, hw, x, db1);
            KT_ASSERT_NMSE(db1, db0, c, 1e-12);
            /* fused bias+relu backward = relu_bwd then bias_bwd */
            float *dy = kt_rand(sz, 3, -1, 1), *dx0 = kt_alloc(sz), *dx1 = kt_alloc(sz);
            kern_relu_bwd_ref(sz, y1, dy, dx0);
            kern_bias_bwd_ref(n, c, hw, dx0, db0);
            kern_bias_relu_bwd(ctx, n, c, hw, y1, dy, dx1, db1);
            KT_ASSERT_NMSE(dx1, dx0, sz, 0);
            KT_ASSERT_NMSE(db1, db0, c, 1e-12);
            /* in place: dx aliases dy */
            kern_bias_relu_bwd(ctx, n, c, hw, y1, dy, dy, db1);
            KT_ASSERT_NMSE(dy, dx0, sz, 0);
            /* relu */
            kern_relu_fwd_ref(sz, x, y0);
            kern_relu_fwd(ctx, sz, x, y1);
            KT_ASSERT_NMSE(y1, y0, sz, 0);
            /* add (+relu), axpy, copy, fill */
            for (int relu = 0; relu < 2; relu++) {
                kern_add(ctx, sz, x, dx0, relu, y1);
                for (size_t i = 0; i < sz; i++) {
                    float v = x[i] + dx0[i];
                    y0[i] = relu && v < 0 ? 0 : v;
                }
                KT_ASSERT_NMSE(y1, y0, sz, 0);
            }
            memcpy(y0, x, sz * 4);
            kern_axpy(ctx, sz, -0.5f, dx0, y0);
            for (size_t i = 0; i < sz; i++)
                assert_float_equal(y0[i], x[i] - 0.5f * dx0[i], 1e-6);
            kern_copy(ctx, sz, x, y1);
            assert_memory_equal(y1, x, sz * 4);
            kern_fill(ctx, sz, 2.5f, y1);
            for (size_t i = 0; i < sz; i++)
                assert_true(y1[i] == 2.5f);
            free(x), free(b), free(y0), free(y1), free(db0), free(db1), free(dy), free(dx0),
                free(dx1);
        }
        kern_ctx_free(ctx);
    }
}

struct bias_arg {
    kern_ctx *ctx;
    int n, c, hw;
    float *x, *b, *y, *r;
};

static double bias_relu_loss(void *p)
{
    struct bias_arg *a = p;
    size_t sz = (size_t)a->n * a->c * a->hw;
    memcpy(a->y, a->x, sz * 4);
    kern_bias_fwd(a->ctx, a->n, a->c, a->hw, a->b, 1, a->y);
    double l = 0;
    for (size_t i = 0; i < sz; i++)
        l += (double)a->y[i] * a->r[i];
    return l;
}

static void test_bias_relu_gradient(void **state)
{
    (void)state;
    kern_ctx *ctx = kern_ctx_new(2);
    int n = 3, c = 4, hw = 10;
    size_t sz = (size_t)n * c * hw;
    float *x = kt_rand(sz, 5, -1, 1), *b = kt_rand(c, 6, -0.5f, 0.5f), *r = kt_rand(sz, 7, -1, 1);
    float *y = kt_alloc(sz), *dx = kt_alloc(sz), *db = kt_alloc(c);
    struct bias_arg a = {ctx, n, c, hw, x, b, y, r};
    bias_relu_loss(&a);
    kern_bias_relu_bwd(ctx, n, c, hw, y, r, dx, db);
    /* keep the inputs away from the kink, where finite differences are meaningless */
    for (size_t i = 0; i < sz; i++)
        if (fabsf(x[i] + b[(i / hw) % c]) < 0.02f) x[i] += 0.05f;
    bias_relu_loss(&a);
    kern_bias_relu_bwd(ctx, n, c, hw, y, r, dx, db);
    kt_grad_check("bias+relu dx", bias_relu_loss, &a, x, dx, sz, 200, 1e-3f, 1e-3, 1e-3);
    kt_grad_check("bias+relu db", bias_relu_loss, &a, b, db, c, 4, 1e-3f, 1e-3, 1e-3);
    free(x), free(b), free(r), free(y), free(dx), free(db);
    kern_ctx_free(ctx);
}

/* ---- pooling ---- */

struct pool_arg {
    kern_ctx *ctx;
    kern_pool *pl;
    int max;
    float *x, *y, *r;
    int32_t *am;
};

static double pool_loss(void *p)
{
    struct pool_arg *a = p;
    if (a->max)
        kern_maxpool_fwd(a->ctx, a->pl, a->x, a->y, a->am);
    else
        kern_avgpool_fwd(a->ctx, a->pl, a->x, a->y);
    size_t ys = (size_t)a->pl->n * a->pl->c * a->pl->p * a->pl->q;
    double l = 0;
    for (size_t i = 0; i < ys; i++)
        l += (double)a->y[i] * a->r[i];
    return l;
}

static void test_pooling(void **state)
{
    (void)state;
    const int cases[][8] = {
        /* n c h w r s stride pad */
        {3, 4, 24, 24, 2, 2, 2, 0},
        {2, 3, 7, 9, 3, 3, 2, 1},
        {2, 5, 8, 8, 3, 3, 1, 1},
        {4, 2, 5, 6, 2, 3, 0, 0},
        {2, 3, 9, 8, 1, 1, 2, 0}, /* 1x1 window, stride 2: resnet20's subsampling shortcut */
    };
    for (int ti = 0; ti < 2; ti++) {
        kern_ctx *ctx = kern_ctx_new(thread_counts[ti]);
        for (int ci = 0; ci < (int)(sizeof cases / sizeof *cases); ci++) {
            const int *k = cases[ci];
            kern_pool pl = {k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[6], k[7], k[7], 0, 0};
            assert_int_equal(kern_pool_init(&pl, NULL), 0);
            size_t xs = (size_t)pl.n * pl.c * pl.h * pl.w, ys = (size_t)pl.n * pl.c * pl.p * pl.q;
            /* distinct inputs 0.01 apart, so that no window holds a near tie that finite
             * differences would step across */
            float *x = kt_alloc(xs), *dy = kt_rand(ys, 50 + ci, -1, 1);
            for (size_t i = 0; i < xs; i++)
                x[i] = (float)((i * 7919) % xs) * 0.01f - 0.005f * xs;
            float *y0 = kt_alloc(ys), *y1 = kt_alloc(ys), *dx0 = kt_alloc(xs),
                  *dx1 = kt_rand(xs, 9, -1, 1);
            int32_t *am0 = calloc(ys, 4), *am1 = calloc(ys, 4);
            kern_maxpool_fwd_ref(&pl, x, y0, am0);
            kern_maxpool_fwd(ctx, &pl, x, y1, am1);
            KT_ASSERT_NMSE(y1, y0, ys, 0);
            assert_memory_equal(am1, am0, ys * 4);
            kern_maxpool_bwd_ref(&pl, dy, am0, dx0);
            kern_maxpool_bwd(ctx, &pl, dy, am1, dx1);
            KT_ASSERT_NMSE(dx1, dx0, xs, 0);
            struct pool_arg a = {ctx, &pl, 1, x, y1, dy, am1};
            kt_grad_check("maxpool dx", pool_loss, &a, x, dx1, xs, 300, 2e-3f, 1e-3, 1e-2);
            kern_avgpool_fwd_ref(&pl, x, y0);
            kern_avgpool_fwd(ctx, &pl, x, y1);
            KT_ASSERT_NMSE(y1, y0, ys, 1e-12);
            kern_avgpool_bwd_ref(&pl, dy, dx0);
            kern_avgpool_bwd(ctx, &pl, dy, dx1);
            KT_ASSERT_NMSE(dx1, dx0, xs, 1e-12);
            a.max = 0;
            kt_grad_check("avgpool dx", pool_loss, &a, x, dx1, xs, 300, 1e-2f, 1e-3, 1e-2);
            free(x), free(dy), free(y0), free(y1), free(dx0), free(dx1), free(am0), free(am1);
        }
        /* global average pooling */
        int n = 3, c = 7, hw = 50;
        float *x = kt_rand((size_t)n * c * hw, 60, -1, 1), *y0 = kt_alloc(n * c),
              *y1 = kt_alloc(n * c);
        float *dy = kt_rand(n * c, 61, -1, 1), *dx0 = kt_alloc((size_t)n * c * hw),
              *dx1 = kt_alloc((size_t)n * c * hw);
        kern_gap_fwd_ref(n, c, hw, x, y0);
        kern_gap_fwd(ctx, n, c, hw, x, y1);
        KT_ASSERT_NMSE(y1, y0, n * c, 1e-12);
        kern_gap_bwd_ref(n, c, hw, dy, dx0);
        kern_gap_bwd(ctx, n, c, hw, dy, dx1);
        KT_ASSERT_NMSE(dx1, dx0, (size_t)n * c * hw, 1e-12);
        /* gap's gradient: d/dx of sum(y * dy) is dy / hw everywhere in the plane */
        for (int i = 0; i < n * c; i++)
            assert_float_equal(dx1[(size_t)i * hw + 7], dy[i] / hw, 1e-7);
        free(x), free(y0), free(y1), free(dy), free(dx0), free(dx1);
        kern_ctx_free(ctx);
    }
    kern_err err = {0};
    kern_pool bad = {.n = 1, .c = 1, .h = 4, .w = 4, .r = 2, .s = 2, .pad_h = 2};
    assert_int_equal(kern_pool_init(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "padding"));
}

/* ---- batch norm ---- */

struct bn_arg {
    kern_ctx *ctx;
    int n, c, hw, relu;
    float *x, *gamma, *beta, *y, *r, *mean, *invstd;
};

static double bn_loss(void *p)
{
    struct bn_arg *a = p;
    kern_bn_fwd_train(a->ctx, a->n, a->c, a->hw, 1e-5f, 0.1f, a->x, a->gamma, a->beta, NULL, NULL,
                      a->mean, a->invstd, a->relu, a->y);
    double l = 0;
    for (size_t i = 0; i < (size_t)a->n * a->c * a->hw; i++)
        l += (double)a->y[i] * a->r[i];
    return l;
}

static void test_batchnorm(void **state)
{
    (void)state;
    for (int ti = 0; ti < 2; ti++) {
        kern_ctx *ctx = kern_ctx_new(thread_counts[ti]);
        int n = 5, c = 6, hw = 37;
        size_t sz = (size_t)n * c * hw;
        float *x = kt_rand(sz, 70, -2, 3), *g = kt_rand(c, 71, 0.5f, 1.5f),
              *b = kt_rand(c, 72, -0.5f, 0.5f);
        float *dy = kt_rand(sz, 73, -1, 1);
        for (int relu = 0; relu < 2; relu++) {
            float rm0[6], rv0[6], rm1[6], rv1[6], m0[6], m1[6], s0[6], s1[6];
            for (int k = 0; k < c; k++)
                rm0[k] = rm1[k] = 0.1f * k, rv0[k] = rv1[k] = 1.0f + k;
            float *y0 = kt_alloc(sz), *y1 = kt_alloc(sz);
            kern_bn_fwd_train_ref(n, c, hw, 1e-5f, 0.1f, x, g, b, rm0, rv0, m0, s0, relu, y0);
            kern_bn_fwd_train(ctx, n, c, hw, 1e-5f, 0.1f, x, g, b, rm1, rv1, m1, s1, relu, y1);
            KT_ASSERT_NMSE(y1, y0, sz, 1e-11);
            KT_ASSERT_NMSE(rm1, rm0, c, 1e-11);
            KT_ASSERT_NMSE(rv1, rv0, c, 1e-11);
            KT_ASSERT_NMSE(s1, s0, c, 1e-11);
            /* the normalised output has mean beta (without relu) */
            if (!relu)
                for (int k = 0; k < c; k++) {
                    double s = 0;
                    for (int i = 0; i < n; i++)
                        for (int l = 0; l < hw; l++)
                            s += y1[((size_t)i * c + k) * hw + l];
                    assert_float_equal(s / (n * hw), b[k], 1e-4);
                }
            kern_bn_fwd_infer_ref(n, c, hw, 1e-5f, x, g, b, rm0, rv0, relu, y0);
            kern_bn_fwd_infer(ctx, n, c, hw, 1e-5f, x, g, b, rm1, rv1, relu, y1);
            KT_ASSERT_NMSE(y1, y0, sz, 1e-11);
            /* backward */
            kern_bn_fwd_train(ctx, n, c, hw, 1e-5f, 0.1f, x, g, b, NULL, NULL, m1, s1, relu, y1);
            float *dx0 = kt_alloc(sz), *dx1 = kt_alloc(sz), dg0[6], dg1[6], db0[6], db1[6];
            kern_bn_bwd_ref(n, c, hw, x, relu ? y1 : NULL, dy, g, m1, s1, dx0, dg0, db0);
            kern_bn_bwd(ctx, n, c, hw, x, relu ? y1 : NULL, dy, g, m1, s1, dx1, dg1, db1);
            KT_ASSERT_NMSE(dx1, dx0, sz, 1e-9);
            KT_ASSERT_NMSE(dg1, dg0, c, 1e-10);
            KT_ASSERT_NMSE(db1, db0, c, 1e-10);
            struct bn_arg a = {ctx, n, c, hw, relu, x, g, b, y1, dy, m1, s1};
            if (relu) { /* move pre-activations off the kink */
                bn_loss(&a);
                for (size_t i = 0; i < sz; i++) {
                    int k = (int)((i / hw) % c);
                    float pre = g[k] * (x[i] - m1[k]) * s1[k] + b[k];
                    if (fabsf(pre) < 0.05f) x[i] += 0.2f / s1[k];
                }
                bn_loss(&a);
                kern_bn_bwd(ctx, n, c, hw, x, y1, dy, g, m1, s1, dx1, dg1, db1);
            }
            kt_grad_check("bn dx", bn_loss, &a, x, dx1, sz, 200, 1e-3f, 2e-3, 2e-3);
            kt_grad_check("bn dgamma", bn_loss, &a, g, dg1, c, 6, 1e-3f, 2e-3, 2e-3);
            kt_grad_check("bn dbeta", bn_loss, &a, b, db1, c, 6, 1e-3f, 2e-3, 2e-3);
            /* dx may alias dy */
            float *dyc = kt_alloc(sz);
            memcpy(dyc, dy, sz * 4);
            kern_bn_bwd(ctx, n, c, hw, x, relu ? y1 : NULL, dyc, g, m1, s1, dyc, dg1, db1);
            KT_ASSERT_NMSE(dyc, dx1, sz, 0);
            free(dyc), free(y0), free(y1), free(dx0), free(dx1);
        }
        free(x), free(g), free(b), free(dy);
        kern_ctx_free(ctx);
    }
}

/* ---- dropout ---- */

static void test_dropout(void **state)
{
    (void)state;
    size_t sz = 100003;
    float *x = kt_rand(sz, 80, 0.5f, 1.5f), *y0 = kt_alloc(sz), *y1 = kt_alloc(sz),
          *y3 = kt_alloc(sz);
    kern_ctx *c1 = kern_ctx_new(1), *c3 = kern_ctx_new(3);
    kern_dropout_fwd_ref(sz, 0.25f, 42, x, y0);
    kern_dropout_fwd(c1, sz, 0.25f, 42, x, y1);
    kern_dropout_fwd(c3, sz, 0.25f, 42, x, y3);
    assert_memory_equal(y1, y0, sz * 4); /* bit-identical for any thread count */
    assert_memory_equal(y3, y0, sz * 4);
    size_t dropped = 0;
    for (size_t i = 0; i < sz; i++) {
        if (y1[i] == 0.0f)
            dropped++;
        else
            assert_float_equal(y1[i], x[i] / 0.75f, 1e-6);
    }
    double frac = (double)dropped / sz;
    assert_true(frac > 0.24 && frac < 0.26);
    /* another seed, another mask */
    kern_dropout_fwd(c1, sz, 0.25f, 43, x, y3);
    assert_true(memcmp(y3, y1, sz * 4) != 0);
    /* backward = the same mask and scale applied to dy: the exact gradient of this linear map */
    float *dy = kt_rand(sz, 81, -1, 1), *dx = kt_alloc(sz);
    kern_dropout_bwd(c3, sz, 0.25f, 42, dy, dx);
    for (size_t i = 0; i < sz; i++)
        assert_float_equal(dx[i], y1[i] == 0 ? 0 : dy[i] / 0.75f, 1e-6);
    /* rate 0 keeps everything unscaled */
    kern_dropout_fwd(c1, sz, 0.0f, 42, x, y1);
    assert_memory_equal(y1, x, sz * 4);
    assert_true(kern_seed_mix(1, 2) != kern_seed_mix(2, 1));
    free(x), free(y0), free(y1), free(y3), free(dy), free(dx);
    kern_ctx_free(c1);
    kern_ctx_free(c3);
}

/* ---- softmax cross-entropy ---- */

struct xent_arg {
    kern_ctx *ctx;
    int n, classes;
    float *z, *p;
    int32_t *lab;
};

static double xent_loss(void *p)
{
    struct xent_arg *a = p;
    return kern_softmax_xent_fwd(a->ctx, a->n, a->classes, a->z, a->lab, a->p, NULL);
}

static void test_softmax_xent(void **state)
{
    (void)state;
    for (int ti = 0; ti < 2; ti++) {
        kern_ctx *ctx = kern_ctx_new(thread_counts[ti]);
        int n = 300, classes = 10;
        float *z = kt_rand((size_t)n * classes, 90, -4, 4), *p0 = kt_alloc((size_t)n * classes);
        float *p1 = kt_alloc((size_t)n * classes);
        int32_t *lab = calloc(n, 4);
        for (int i = 0; i < n; i++)
            lab[i] = (i * 7) % classes;
        int c0, c1;
        float l0 = kern_softmax_xent_fwd_ref(n, classes, z, lab, p0, &c0);
        float l1 = kern_softmax_xent_fwd(ctx, n, classes, z, lab, p1, &c1);
        assert_float_equal(l1, l0, 1e-5);
        assert_int_equal(c1, c0);
        KT_ASSERT_NMSE(p1, p0, (size_t)n * classes, 1e-12);
        float *dz = kt_alloc((size_t)n * classes);
        kern_softmax_xent_bwd(ctx, n, classes, p1, lab, dz);
        struct xent_arg a = {ctx, n, classes, z, p1, lab};
        kt_grad_check("xent dlogits", xent_loss, &a, z, dz, (size_t)n * classes, 300, 1e-2f, 2e-5,
                      1e-2);
        /* probs may alias logits; a huge logit does not overflow */
        float zz[4] = {1000.0f, 0.0f, -1000.0f, 3.0f};
        int32_t l2[2] = {1, 0}; /* confidently wrong: losses 1000 and 1003 */
        int corr;
        float loss = kern_softmax_xent_fwd(ctx, 2, 2, zz, l2, zz, &corr);
        assert_true(isfinite(loss));
        assert_float_equal(loss, 1001.5, 1e-3);
        assert_int_equal(corr, 0);
        assert_float_equal(zz[0], 1.0f, 1e-7);
        free(z), free(p0), free(p1), free(lab), free(dz);
        kern_ctx_free(ctx);
    }
}

/* ---- optimisers ---- */

static void test_optimisers(void **state)
{
    (void)state;
    kern_ctx *ctx = kern_ctx_new(3);
    size_t n = 70001;
    float *g = kt_rand(n, 100, -1, 1);
    for (int kind = 0; kind < KERN_OPT_COUNT; kind++) {
        float *w0 = kt_rand(n, 101, -1, 1), *w1 = kt_rand(n, 101, -1, 1);
        float *m0 = kt_rand(n, 102, -0.1f, 0.1f), *m1 = kt_rand(n, 102, -0.1f, 0.1f);
        float *v0 = kt_rand(n, 103, 0, 0.1f), *v1 = kt_rand(n, 103, 0, 0.1f);
        for (uint64_t t = 1; t <= 3; t++) {
            if (kind == KERN_OPT_SGD) {
                kern_sgd_step_ref(n, 0.1f, 1e-4f, w0, g);
                kern_sgd_step(ctx, n, 0.1f, 1e-4f, w1, g);
            } else if (kind == KERN_OPT_MOMENTUM) {
                kern_momentum_step_ref(n, 0.05f, 0.9f, 1e-4f, w0, g, m0);
                kern_momentum_step(ctx, n, 0.05f, 0.9f, 1e-4f, w1, g, m1);
            } else {
                kern_adam_step_ref(n, 1e-3f, 0.9f, 0.999f, 1e-7f, t, 0, w0, g, m0, v0);
                kern_adam_step(ctx, n, 1e-3f, 0.9f, 0.999f, 1e-7f, t, 0, w1, g, m1, v1);
            }
        }
        KT_ASSERT_NMSE(w1, w0, n, 1e-12);
        KT_ASSERT_NMSE(m1, m0, n, 1e-10);
        KT_ASSERT_NMSE(v1, v0, n, 1e-10);
        free(w0), free(w1), free(m0), free(m1), free(v0), free(v1);
    }
    /* Adam's first step moves every weight by about lr against the gradient's sign. */
    float w[3] = {0, 0, 0}, gg[3] = {0.5f, -2.0f, 1e-3f}, m[3] = {0}, v[3] = {0};
    kern_adam_step(ctx, 3, 1e-3f, 0.9f, 0.999f, 1e-8f, 1, 0, w, gg, m, v);
    assert_float_equal(w[0], -1e-3, 1e-6);
    assert_float_equal(w[1], 1e-3, 1e-6);
    assert_float_equal(w[2], -1e-3, 2e-5);
    assert_string_equal(kern_opt_name(KERN_OPT_MOMENTUM), "momentum");
    kern_opt d = kern_opt_default(KERN_OPT_ADAM);
    assert_float_equal(d.lr, 1e-3, 1e-9);
    free(g);
    kern_ctx_free(ctx);
}

/* ---- the pool itself ---- */

struct count_arg {
    int hits[8];
    int nth_seen[8];
};

static void count_task(void *p, int ith, int nth)
{
    struct count_arg *a = p;
    a->hits[ith]++;
    a->nth_seen[ith] = nth;
}

static void test_pool_threads(void **state)
{
    (void)state;
    kern_ctx *ctx = kern_ctx_new(4);
    assert_int_equal(kern_ctx_threads(ctx), 4);
    struct count_arg a = {{0}, {0}};
    for (int i = 0; i < 1000; i++)
        kern_parallel(ctx, count_task, &a, 0);
    for (int t = 0; t < 4; t++)
        assert_int_equal(a.hits[t], 1000);
    kern_parallel(ctx, count_task, &a, 2);
    assert_int_equal(a.hits[2], 1000);
    assert_int_equal(a.nth_seen[1], 2);
    size_t b, e, total = 0;
    for (int t = 0; t < 7; t++) {
        kern_split(100, t, 7, &b, &e);
        assert_int_equal(b, total);
        total = e;
    }
    assert_int_equal(total, 100);
    assert_int_equal(kern_ctx_reserve(ctx, 1 << 20), 0);
    kern_ctx_free(ctx);
    kern_ctx_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_threads),       cmocka_unit_test(test_bias_relu_add),
        cmocka_unit_test(test_bias_relu_gradient), cmocka_unit_test(test_pooling),
        cmocka_unit_test(test_batchnorm),          cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_softmax_xent),       cmocka_unit_test(test_optimisers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
