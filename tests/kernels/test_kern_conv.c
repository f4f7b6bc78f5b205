/* test_kern_conv — GEMM, dense and convolution kernels against their naive references
 * (NMSE) for every algorithm, thread count, stride and padding in a table of shapes, and
 * their gradients against finite differences. */
#include "kt.h"

/* ---- GEMM ---- */

static void test_sgemm(void **state)
{
    (void)state;
    kern_ctx *ctx = kern_ctx_new(3);
    assert_non_null(ctx);
    const int shapes[][3] = {{1, 1, 1}, {7, 13, 5}, {64, 100, 33}, {130, 47, 129}, {16, 512, 9}};
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                int m = shapes[si][0], n = shapes[si][1], k = shapes[si][2];
                int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                float *a = kt_rand((size_t)(ta ? k : m) * lda, 1 + si, -1, 1);
                float *b = kt_rand((size_t)(tb ? n : k) * ldb, 2 + si, -1, 1);
                float *c0 = kt_rand((size_t)m * ldc, 3 + si, -1, 1);
                float *c1 = kt_alloc((size_t)m * ldc), *c2 = kt_alloc((size_t)m * ldc);
                memcpy(c1, c0, sizeof(float) * m * ldc);
                memcpy(c2, c0, sizeof(float) * m * ldc);
                kern_sgemm_ref(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c0, ldc);
                kern_sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c1, ldc);
                kern_sgemm_par(ctx, ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c2, ldc);
                KT_ASSERT_NMSE(c1, c0, (size_t)m * ldc, 1e-11);
                KT_ASSERT_NMSE(c2, c0, (size_t)m * ldc, 1e-11);
                free(a), free(b), free(c0), free(c1), free(c2);
            }
    kern_ctx_free(ctx);
}

/* ---- dense ---- */

struct dense_arg {
    kern_ctx *ctx;
    int n, in, out;
    float *x, *w, *b, *y, *r;
};

static double dense_loss(void *p)
{
    struct dense_arg *a = p;
    kern_dense_fwd(a->ctx, a->n, a->in, a->out, a->x, a->w, a->b, 0, a->y);
    double l = 0;
    for (int i = 0; i < a->n * a->out; i++)
        l += (double)a->y[i] * a->r[i];
    return l;
}

static void test_dense(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        kern_ctx *ctx = kern_ctx_new(threads);
        int n = 37, in = 300, out = 70;
        float *x = kt_rand((size_t)n * in, 11, -1, 1),
              *w = kt_rand((size_t)out * in, 12, -0.1f, 0.1f);
        float *b = kt_rand(out, 13, -1, 1), *r = kt_rand((size_t)n * out, 14, -1, 1);
        float *y0 = kt_alloc((size_t)n * out), *y1 = kt_alloc((size_t)n * out);
        for (int relu = 0; relu < 2; relu++) {
            kern_dense_fwd_ref(n, in, out, x, w, b, relu, y0);
            kern_dense_fwd(ctx, n, in, out, x, w, b, relu, y1);
            KT_ASSERT_NMSE(y1, y0, (size_t)n * out, 1e-11);
        }
        float *dx0 = kt_alloc((size_t)n * in), *dx1 = kt_alloc((size_t)n * in);
        float *dw0 = kt_alloc((size_t)out * in), *dw1 = kt_alloc((size_t)out * in);
        float *db0 = kt_alloc(out), *db1 = kt_alloc(out);
        kern_dense_bwd_ref(n, in, out, x, w, r, dx0, dw0, db0);
        kern_dense_bwd(ctx, n, in, out, x, w, r, dx1, dw1, db1);
        KT_ASSERT_NMSE(dx1, dx0, (size_t)n * in, 1e-11);
        KT_ASSERT_NMSE(dw1, dw0, (size_t)out * in, 1e-11);
        KT_ASSERT_NMSE(db1, db0, out, 1e-11);
        struct dense_arg a = {ctx, n, in, out, x, w, b, y1, r};
        kt_grad_check("dense dx", dense_loss, &a, x, dx1, (size_t)n * in, 60, 1e-2f, 2e-3, 2e-3);
        kt_grad_check("dense dw", dense_loss, &a, w, dw1, (size_t)out * in, 60, 1e-2f, 2e-3, 2e-3);
        kt_grad_check("dense db", dense_loss, &a, b, db1, out, 70, 1e-2f, 2e-3, 2e-3);
        free(x), free(w), free(b), free(r), free(y0), free(y1), free(dx0), free(dx1), free(dw0);
        free(dw1), free(db0), free(db1);
        kern_ctx_free(ctx);
    }
}

/* ---- convolution ---- */

/* The three passes' algorithms of an initialised descriptor. */
static void expect_algos(const kern_conv *cv, kern_conv_algo fwd, kern_conv_algo bwd_data,
                         kern_conv_algo bwd_weights)
{
    assert_int_equal(cv->algo, fwd);
    assert_int_equal(cv->algo_bwd_data, bwd_data);
    assert_int_equal(cv->algo_bwd_weights, bwd_weights);
}

struct conv_case {
    int n, c, h, w, k, r, s, sh, sw, ph, pw;
};

static const struct conv_case conv_cases[] = {
    {3, 1, 28, 28, 8, 3, 3, 1, 1, 0, 0},   /* mnist_cnn conv1 (direct) */
    {4, 8, 13, 11, 12, 3, 3, 1, 1, 1, 1},  /* 'same' padding, odd sizes */
    {3, 5, 17, 15, 6, 3, 3, 2, 2, 1, 1},   /* stride 2 */
    {2, 3, 20, 20, 8, 7, 7, 2, 2, 3, 3},   /* resnet50 stem */
    {5, 16, 7, 7, 24, 1, 1, 1, 1, 0, 0},   /* 1x1 */
    {3, 16, 9, 9, 8, 1, 1, 2, 2, 0, 0},    /* 1x1 stride 2 (downsample) */
    {4, 6, 10, 9, 5, 2, 3, 1, 2, 0, 1},    /* rectangular kernel, mixed strides */
    {2, 2, 5, 5, 3, 5, 5, 1, 1, 2, 2},     /* kernel as large as the input */
    {17, 4, 6, 6, 7, 3, 3, 1, 1, 1, 1},    /* many images: batching across them */
    {2, 3, 96, 90, 4, 7, 7, 2, 2, 3, 3},   /* unfolded image > 512 KiB: im2col in row blocks */
    {2, 5, 9, 8, 6, 3, 3, 1, 1, 2, 1},     /* 3x3, padding 2 and 1: winograd's widest */
    {3, 24, 40, 38, 20, 3, 3, 1, 1, 1, 1}, /* winograd: blocks of tile rows, a short last one */
};

static void run_conv_case(const struct conv_case *cc, kern_conv_algo algo, int threads)
{
    const kern_conv_algo wa = algo;
    kern_conv cv = {cc->n,  cc->c,  cc->h, cc->w, cc->k, cc->r, cc->s, cc->sh, cc->sw,
                    cc->ph, cc->pw, 0,     0,     algo,  algo,  wa,    0};
    kern_err err = {0};
    if ((algo == KERN_CONV_1X1 && (cc->r != 1 || cc->s != 1 || cc->sh != 1 || cc->ph != 0)) ||
        (algo == KERN_CONV_DIRECT &&
         (cc->sh != 1 || cc->sw != 1 || cc->ph >= cc->r || cc->pw >= cc->s)) ||
        (algo == KERN_CONV_WINOGRAD &&
         (cc->r != 3 || cc->s != 3 || cc->sh != 1 || cc->sw != 1 || cc->ph > 2 || cc->pw > 2))) {
        assert_int_equal(kern_conv_init(&cv, &err), -1);
        assert_int_equal(err.code, KERN_EINVAL);
        assert_non_null(strstr(err.msg, kern_conv_algo_name(algo)));
        return;
    }
    assert_int_equal(kern_conv_init(&cv, &err), 0);
    expect_algos(&cv, algo, algo, wa);
    kern_ctx *ctx = kern_ctx_new(threads);
    size_t xs = (size_t)cv.n * cv.c * cv.h * cv.w, ws = (size_t)cv.k * cv.c * cv.r * cv.s;
    size_t ys = (size_t)cv.n * cv.k * cv.p * cv.q;
    float *x = kt_rand(xs, 21, -1, 1), *w = kt_rand(ws, 22, -1, 1), *b = kt_rand(cv.k, 23, -1, 1);
    float *dy = kt_rand(ys, 24, -1, 1);
    float *y0 = kt_alloc(ys), *y1 = kt_alloc(ys);
    for (int relu = 0; relu < 2; relu++) {
        kern_conv2d_fwd_ref(&cv, x, w, relu ? b : NULL, relu, y0);
        assert_int_equal(kern_conv2d_fwd(ctx, &cv, x, w, relu ? b : NULL, relu, y1), 0);
        KT_ASSERT_NMSE(y1, y0, ys, 1e-11);
    }
    float *dx0 = kt_alloc(xs), *dx1 = kt_rand(xs, 99, -5, 5);
    kern_conv2d_bwd_data_ref(&cv, dy, w, dx0);
    assert_int_equal(kern_conv2d_bwd_data(ctx, &cv, dy, w, dx1), 0);
    KT_ASSERT_NMSE(dx1, dx0, xs, 1e-11);
    float *dw0 = kt_alloc(ws), *dw1 = kt_rand(ws, 98, -5, 5), *db0 = kt_alloc(cv.k),
          *db1 = kt_alloc(cv.k);
    kern_conv2d_bwd_weights_ref(&cv, x, dy, dw0, db0);
    assert_int_equal(kern_conv2d_bwd_weights(ctx, &cv, x, dy, dw1, db1), 0);
    KT_ASSERT_NMSE(dw1, dw0, ws, 1e-11);
    KT_ASSERT_NMSE(db1, db0, cv.k, 1e-11);
    /* The fused backward: dy masked by the forward's ReLU output, then db, dw and dx. */
    assert_int_equal(kern_conv2d_fwd(ctx, &cv, x, w, b, 1, y1), 0);
    float *dym = kt_alloc(ys), *dyc = kt_alloc(ys);
    for (size_t i = 0; i < ys; i++)
        dym[i] = y1[i] > 0 ? dy[i] : 0.0f;
    kern_conv2d_bwd_data_ref(&cv, dym, w, dx0);
    kern_conv2d_bwd_weights_ref(&cv, x, dym, dw0, db0);
    for (int with_dx = 0; with_dx < 2; with_dx++) {
        memcpy(dyc, dy, ys * sizeof *dy);
        kt_fill(dx1, xs, 97, -5, 5);
        assert_int_equal(kern_conv2d_bwd(ctx, &cv, x, y1, dyc, w, with_dx ? dx1 : NULL, dw1, db1),
                         0);
        KT_ASSERT_NMSE(dyc, dym, ys, 0);
        if (with_dx) KT_ASSERT_NMSE(dx1, dx0, xs, 1e-11);
        KT_ASSERT_NMSE(dw1, dw0, ws, 1e-11);
        KT_ASSERT_NMSE(db1, db0, cv.k, 1e-11);
    }
    /* without the mask and the bias */
    memcpy(dyc, dy, ys * sizeof *dy);
    kern_conv2d_bwd_data_ref(&cv, dy, w, dx0);
    kern_conv2d_bwd_weights_ref(&cv, x, dy, dw0, NULL);
    assert_int_equal(kern_conv2d_bwd(ctx, &cv, x, NULL, dyc, w, dx1, dw1, NULL), 0);
    KT_ASSERT_NMSE(dx1, dx0, xs, 1e-11);
    KT_ASSERT_NMSE(dw1, dw0, ws, 1e-11);
    free(dym), free(dyc);
    /* A smaller last batch reuses the same descriptor. */
    if (cv.n > 1) {
        kern_conv small = cv;
        small.n = cv.n - 1;
        kern_conv2d_fwd_ref(&small, x, w, b, 0, y0);
        assert_int_equal(kern_conv2d_fwd(ctx, &small, x, w, b, 0, y1), 0);
        KT_ASSERT_NMSE(y1, y0, ys / cv.n * small.n, 1e-11);
    }
    free(x), free(w), free(b), free(dy), free(y0), free(y1), free(dx0), free(dx1), free(dw0);
    free(dw1), free(db0), free(db1);
    kern_ctx_free(ctx);
}

static void test_conv_vs_reference(void **state)
{
    (void)state;
    const kern_conv_algo algos[] = {KERN_CONV_AUTO, KERN_CONV_IM2COL, KERN_CONV_IM2COL_BATCHED,
                                    KERN_CONV_1X1,  KERN_CONV_DIRECT, KERN_CONV_WINOGRAD};
    for (size_t i = 0; i < sizeof conv_cases / sizeof *conv_cases; i++)
        for (size_t a = 1; a < sizeof algos / sizeof *algos; a++)
            for (int threads = 1; threads <= 3; threads += 2)
                run_conv_case(&conv_cases[i], algos[a], threads);
}

/* AUTO's choice for a target with `vec` floats per vector register. */
static void expect_at_width(kern_conv cv, int vec, kern_conv_algo fwd, kern_conv_algo bwd_data,
                            kern_conv_algo bwd_weights)
{
    cv.vec = vec;
    assert_int_equal(kern_conv_init(&cv, NULL), 0);
    expect_algos(&cv, fwd, bwd_data, bwd_weights);
}

static void test_conv_auto_choice(void **state)
{
    (void)state;
    /* (mnist_cnn's rows fill DIRECT's blocks differently for each width: these two are
     * chosen for AVX-512, whatever this build's own) */
    kern_conv c1 = {.n = 128, .c = 1, .h = 28, .w = 28, .k = 32, .r = 3, .s = 3, .vec = 16};
    kern_conv c2 = {.n = 128, .c = 32, .h = 26, .w = 26, .k = 64, .r = 3, .s = 3, .vec = 16};
    kern_conv c3 = {.n = 8, .c = 256, .h = 56, .w = 56, .k = 64, .r = 1, .s = 1};
    kern_conv c4 = {
        .n = 128, .c = 64, .h = 8, .w = 8, .k = 64, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
    assert_int_equal(kern_conv_init(&c1, NULL), 0);
    assert_int_equal(kern_conv_init(&c2, NULL), 0);
    assert_int_equal(kern_conv_init(&c3, NULL), 0);
    assert_int_equal(kern_conv_init(&c4, NULL), 0);
    /* The choices between DIRECT and GEMM depend on the target's vector width (DIRECT only
     * with AVX or wider); the GEMM choices do not. */
#if defined(__AVX512F__)
    const kern_conv_algo direct = KERN_CONV_DIRECT;
#elif defined(__AVX__)
    const kern_conv_algo direct = KERN_CONV_DIRECT;
#else
    const kern_conv_algo direct = KERN_CONV_IM2COL;
#endif
    /* mnist_cnn: one input channel, and 24-pixel rows in 32-wide blocks: GEMM everywhere
     * (with AVX's 8-float blocks the 24-pixel rows fill them: DIRECT forward for c2) */
    expect_algos(&c1, KERN_CONV_IM2COL, KERN_CONV_IM2COL, KERN_CONV_IM2COL);
    /* ... but WINOGRAD for the second layer (32 -> 64 channels), every pass */
    expect_algos(&c2, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD);
    /* resnet50's 56x56x64 3x3 layer and resnet20's 32-channel stage: WINOGRAD */
    const kern_conv r50_1 = {
        .n = 8, .c = 64, .h = 56, .w = 56, .k = 64, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
    const kern_conv r20_2 = {
        .n = 128, .c = 32, .h = 16, .w = 16, .k = 32, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
    expect_at_width(r50_1, 16, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD);
    expect_at_width(r20_2, 16, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD);
    assert_string_equal(kern_conv_algo_name(KERN_CONV_WINOGRAD), "winograd");
    assert_int_equal(c3.algo, KERN_CONV_1X1);
    assert_int_equal(c3.algo_bwd_data, KERN_CONV_1X1);
    /* resnet20's 8x8 stage: 64 pixels per image, WINOGRAD; with 4-float vectors the images
     * batched in every pass */
    const kern_conv r20_3 = {
        .n = 128, .c = 64, .h = 8, .w = 8, .k = 64, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
    expect_at_width(r20_3, 16, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD, KERN_CONV_WINOGRAD);
    expect_at_width(r20_3, 4, KERN_CONV_IM2COL_BATCHED, KERN_CONV_IM2COL_BATCHED,
                    KERN_CONV_IM2COL_BATCHED);
    /* resnet50's last stage: 7x7 images, batched */
    kern_conv c7 = {
        .n = 8, .c = 512, .h = 7, .w = 7, .k = 512, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
    assert_int_equal(kern_conv_init(&c7, NULL), 0);
    assert_int_equal(c7.algo, KERN_CONV_IM2COL_BATCHED);
    assert_int_equal(c7.algo_bwd_data, KERN_CONV_IM2COL_BATCHED);
    assert_string_equal(kern_conv_algo_name(c7.algo), "im2col-batched");
    /* resnet20's first stage: 16 channels, direct everywhere */
    kern_conv c5 = {
        .n = 128, .c = 16, .h = 32, .w = 32, .k = 16, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
    assert_int_equal(kern_conv_init(&c5, NULL), 0);
    expect_algos(&c5, direct, direct, direct);
    /* a compiler choosing for another target names its vector width: the choice follows it,
     * whatever this build's own */
    const kern_conv r20_1 = {
        .n = 128, .c = 16, .h = 32, .w = 32, .k = 16, .r = 3, .s = 3, .pad_h = 1, .pad_w = 1};
    expect_at_width(r20_1, 16, KERN_CONV_DIRECT, KERN_CONV_DIRECT, KERN_CONV_DIRECT);
    expect_at_width(r20_1, 4, KERN_CONV_IM2COL, KERN_CONV_IM2COL, KERN_CONV_IM2COL);
    /* a strided convolution never goes direct */
    kern_conv c6 = {.n = 8,
                    .c = 3,
                    .h = 224,
                    .w = 224,
                    .k = 64,
                    .r = 7,
                    .s = 7,
                    .stride_h = 2,
                    .stride_w = 2,
                    .pad_h = 3,
                    .pad_w = 3};
    assert_int_equal(kern_conv_init(&c6, NULL), 0);
    assert_int_equal(c6.algo, KERN_CONV_IM2COL);
    assert_int_equal(c2.p, 24);
    assert_int_equal(c4.q, 8);
    assert_true(kern_conv_flops(&c2) == 2.0 * 128 * 64 * 24 * 24 * 32 * 9);
}

static void test_conv_bad_shapes(void **state)
{
    (void)state;
    kern_err err = {0};
    kern_conv big = {.n = 1, .c = 1, .h = 2, .w = 2, .k = 1, .r = 3, .s = 3};
    assert_int_equal(kern_conv_init(&big, &err), -1);
    assert_non_null(strstr(err.msg, "larger than the padded input"));
    kern_err err2 = {0};
    kern_conv neg = {.n = 1, .c = 0, .h = 2, .w = 2, .k = 1, .r = 1, .s = 1};
    assert_int_equal(kern_conv_init(&neg, &err2), -1);
    assert_int_equal(err2.code, KERN_EINVAL);
}

struct conv_arg {
    kern_ctx *ctx;
    kern_conv *cv;
    float *x, *w, *b, *y, *r;
};

static double conv_loss(void *p)
{
    struct conv_arg *a = p;
    assert_int_equal(kern_conv2d_fwd(a->ctx, a->cv, a->x, a->w, a->b, 0, a->y), 0);
    size_t ys = (size_t)a->cv->n * a->cv->k * a->cv->p * a->cv->q;
    double l = 0;
    for (size_t i = 0; i < ys; i++)
        l += (double)a->y[i] * a->r[i];
    return l;
}

static void test_conv_gradients(void **state)
{
    (void)state;
    const kern_conv_algo algos[] = {KERN_CONV_IM2COL, KERN_CONV_IM2COL_BATCHED, KERN_CONV_DIRECT,
                                    KERN_CONV_WINOGRAD};
    for (size_t ai = 0; ai < sizeof algos / sizeof *algos; ai++) {
        const int stride1 = algos[ai] == KERN_CONV_DIRECT || algos[ai] == KERN_CONV_WINOGRAD;
        kern_conv cv = {.n = 2,
                        .c = 3,
                        .h = 7,
                        .w = 6,
                        .k = 4,
                        .r = 3,
                        .s = 3,
                        .stride_h = stride1 ? 1 : 2,
                        .stride_w = 1,
                        .pad_h = 1,
                        .pad_w = 1,
                        .algo = algos[ai],
                        .algo_bwd_data = algos[ai],
                        .algo_bwd_weights = algos[ai]};
        assert_int_equal(kern_conv_init(&cv, NULL), 0);
        kern_ctx *ctx = kern_ctx_new(2);
        size_t xs = (size_t)cv.n * cv.c * cv.h * cv.w, ws = (size_t)cv.k * cv.c * cv.r * cv.s;
        size_t ys = (size_t)cv.n * cv.k * cv.p * cv.q;
        float *x = kt_rand(xs, 31, -1, 1), *w = kt_rand(ws, 32, -1, 1),
              *b = kt_rand(cv.k, 33, -1, 1);
        float *r = kt_rand(ys, 34, -1, 1), *y = kt_alloc(ys);
        float *dx = kt_alloc(xs), *dw = kt_alloc(ws), *db = kt_alloc(cv.k);
        assert_int_equal(kern_conv2d_bwd_data(ctx, &cv, r, w, dx), 0);
        assert_int_equal(kern_conv2d_bwd_weights(ctx, &cv, x, r, dw, db), 0);
        struct conv_arg a = {ctx, &cv, x, w, b, y, r};
        kt_grad_check("conv dx", conv_loss, &a, x, dx, xs, 400, 1e-2f, 1e-3, 1e-3);
        kt_grad_check("conv dw", conv_loss, &a, w, dw, ws, 400, 1e-2f, 1e-3, 1e-3);
        kt_grad_check("conv db", conv_loss, &a, b, db, cv.k, 10, 1e-2f, 1e-3, 1e-3);
        free(x), free(w), free(b), free(r), free(y), free(dx), free(dw), free(db);
        kern_ctx_free(ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgemm),
        cmocka_unit_test(test_dense),
        cmocka_unit_test(test_conv_vs_reference),
        cmocka_unit_test(test_conv_auto_choice),
        cmocka_unit_test(test_conv_bad_shapes),
        cmocka_unit_test(test_conv_gradients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
