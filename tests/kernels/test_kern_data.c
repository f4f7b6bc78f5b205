/* test_kern_data — the data loaders (IDX plain and gzip, CIFAR-10, synthetic, folder
 * discovery) on tiny files written here, every header/size error they must report, the
 * shuffle, and checkpoints: round trip, resume state, and each verification failure. */
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "kt.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kern-data-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Writes bytes to tmpdir/name, gzip-compressed when gz. */
static void write_file(const char *name, const unsigned char *data, size_t n, int gz)
{
    char path[512];
    path_of(path, sizeof path, name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, data, (unsigned)n), (int)n);
        assert_int_equal(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        fclose(f);
    }
}

/* An IDX image file of n images rows x cols (pixel = (i*7 + j) & 255), cut to `keep` bytes
 * (or whole when keep is 0), and a label file (label = i % 10). */
static size_t make_idx_images(unsigned char **out, uint32_t magic, uint32_t n, uint32_t rows,
                              uint32_t cols)
{
    size_t size = 16 + (size_t)n * rows * cols;
    unsigned char *b = malloc(size);
    put_be32(b, magic);
    put_be32(b + 4, n);
    put_be32(b + 8, rows);
    put_be32(b + 12, cols);
    for (size_t i = 0; i < (size_t)n * rows * cols; i++)
        b[16 + i] = (unsigned char)((i / (rows * cols)) * 7 + i);
    *out = b;
    return size;
}

static size_t make_idx_labels(unsigned char **out, uint32_t magic, uint32_t n)
{
    size_t size = 8 + n;
    unsigned char *b = malloc(size);
    put_be32(b, magic);
    put_be32(b + 4, n);
    for (uint32_t i = 0; i < n; i++)
        b[8 + i] = (unsigned char)(i % 10);
    *out = b;
    return size;
}

static void test_idx_plain_and_gzip(void **state)
{
    (void)state;
    unsigned char *img, *lab;
    size_t is = make_idx_images(&img, 0x803, 5, 4, 3), ls = make_idx_labels(&lab, 0x801, 5);
    for (int gz = 0; gz < 2; gz++) {
        write_file("i", img, is, gz);
        write_file("l", lab, ls, gz);
        char ip[512], lp[512];
        path_of(ip, sizeof ip, "i");
        path_of(lp, sizeof lp, "l");
        kern_dataset ds;
        kern_err err = {0};
        assert_int_equal(kern_idx_load(ip, lp, 10, &ds, &err), 0);
        assert_int_equal(ds.n, 5);
        assert_int_equal(ds.c, 1);
        assert_int_equal(ds.h, 4);
        assert_int_equal(ds.w, 3);
        assert_memory_equal(ds.pixels, img + 16, 60);
        /* a batch in a given order, scaled to [0, 1] */
        int32_t idx[2] = {3, 1}, labels[2];
        float x[24];
        kern_dataset_batch(&ds, idx, 2, x, labels);
        assert_int_equal(labels[0], 3);
        assert_int_equal(labels[1], 1);
        assert_float_equal(x[0], img[16 + 36] / 255.0f, 1e-7);
        assert_float_equal(x[12 + 5], img[16 + 12 + 5] / 255.0f, 1e-7);
        kern_dataset_free(&ds);
    }
    free(img);
    free(lab);
}

/* Each broken file must fail with its file named and the expected vs found values. */
static void expect_idx_error(const unsigned char *img, size_t is, const unsigned char *lab,
                             size_t ls, int gz, int code, const char *needle1, const char *needle2)
{
    write_file("bi", img, is, gz);
    write_file("bl", lab, ls, gz);
    char ip[512], lp[512];
    path_of(ip, sizeof ip, "bi");
    path_of(lp, sizeof lp, "bl");
    kern_dataset ds;
    kern_err err = {0};
    assert_int_equal(kern_idx_load(ip, lp, 10, &ds, &err), -1);
    assert_int_equal(err.code, code);
    if (!strstr(err.msg, needle1) || (needle2 && !strstr(err.msg, needle2)))
        fail_msg("message '%s' lacks '%s' / '%s'", err.msg, needle1, needle2 ? needle2 : "");
    assert_null(ds.pixels);
}

static void test_idx_errors(void **state)
{
    (void)state;
    unsigned char *img, *lab, *lab4, *img_bad;
    size_t is = make_idx_images(&img, 0x803, 5, 4, 3), ls = make_idx_labels(&lab, 0x801, 5);
    size_t ls4 = make_idx_labels(&lab4, 0x801, 4);
    for (int gz = 0; gz < 2; gz++) {
        /* truncated pixels: expected 60 bytes, found 50 */
        expect_idx_error(img, is - 10, lab, ls, gz, KERN_EINVAL, "truncated",
                         "expected 60 bytes of pixels");
        expect_idx_error(img, is - 10, lab, ls, gz, KERN_EINVAL, "found 50", "/bi");
        /* truncated header */
        expect_idx_error(img, 10, lab, ls, gz, KERN_EINVAL, "truncated", "header");
        /* swapped files: an image file given as labels and vice versa */
        expect_idx_error(lab, ls, img, is, gz, KERN_EINVAL, "magic number 0x00000801",
                         "looks like a label file");
        /* label count differs from the image count */
        expect_idx_error(img, is, lab4, ls4, gz, KERN_EINVAL, "4 labels", "has 5 images");
        /* extra bytes after the data */
        unsigned char *longer = malloc(is + 3);
        memcpy(longer, img, is);
        memset(longer + is, 0, 3);
        expect_idx_error(longer, is + 3, lab, ls, gz, KERN_EINVAL, "found 3 more", NULL);
        free(longer);
    }
    /* a label out of range */
    lab[8 + 2] = 12;
    expect_idx_error(img, is, lab, ls, 0, KERN_EINVAL, "label 12 of image 2", "10 classes");
    /* implausible dimensions */
    size_t bs = make_idx_images(&img_bad, 0x803, 1, 0, 3);
    expect_idx_error(img_bad, bs, lab, ls, 0, KERN_EINVAL, "implausible dimensions", NULL);
    /* a gzip stream cut in the middle */
    char path[512];
    path_of(path, sizeof path, "cut.gz");
    write_file("cut.gz", img, is, 1);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(truncate(path, sb.st_size / 2), 0);
    char lp[512];
    path_of(lp, sizeof lp, "bl");
    write_file("bl", lab, ls, 0);
    kern_dataset ds;
    kern_err err = {0};
    assert_int_equal(kern_idx_load(path, lp, 10, &ds, &err), -1);
    assert_int_equal(err.code, KERN_EINVAL);
    assert_non_null(strstr(err.msg, "cut.gz"));
    /* a missing file is an I/O error */
    kern_err err2 = {0};
    assert_int_equal(kern_idx_load("/nonexistent/x", lp, 10, &ds, &err2), -1);
    assert_int_equal(err2.code, KERN_EIO);
    assert_non_null(strstr(err2.msg, "/nonexistent/x: cannot open"));
    free(img), free(lab), free(lab4), free(img_bad);
}

static void test_open_dir(void **state)
{
    (void)state;
    unsigned char *img, *lab;
    size_t is = make_idx_images(&img, 0x803, 6, 28, 28), ls = make_idx_labels(&lab, 0x801, 6);
    write_file("train-images-idx3-ubyte.gz", img, is, 1);
    write_file("train-labels-idx1-ubyte.gz", lab, ls, 1);
    write_file("t10k-images-idx3-ubyte", img, is, 0);
    kern_dataset ds;
    kern_err err = {0};
    assert_int_equal(kern_data_open_dir(tmpdir, 1, 10, &ds, &err), 0);
    assert_int_equal(ds.n, 6);
    assert_int_equal(ds.kind, KERN_DATA_IDX);
    kern_dataset_free(&ds);
    /* test images without labels */
    kern_err err2 = {0};
    assert_int_equal(kern_data_open_dir(tmpdir, 0, 10, &ds, &err2), -1);
    assert_non_null(strstr(err2.msg, "t10k-labels-idx1-ubyte"));
    /* an empty folder names what it looked for */
    char empty[512];
    path_of(empty, sizeof empty, "empty");
    mkdir(empty, 0755);
    kern_err err3 = {0};
    assert_int_equal(kern_data_open_dir(empty, 1, 10, &ds, &err3), -1);
    assert_int_equal(err3.code, KERN_EIO);
    assert_non_null(strstr(err3.msg, "train-images-idx3-ubyte"));
    assert_non_null(strstr(err3.msg, "data_batch_"));
    free(img), free(lab);
}

static void test_cifar10(void **state)
{
    (void)state;
    size_t n = 3, rs = 3073;
    unsigned char *b = malloc(n * rs);
    for (size_t i = 0; i < n; i++) {
        b[i * rs] = (unsigned char)(i + 4);
        for (size_t j = 0; j < 3072; j++)
            b[i * rs + 1 + j] = (unsigned char)(i + j);
    }
    /* the batches inside a cifar-10-batches-bin/ subfolder are found too */
    char sub[512];
    path_of(sub, sizeof sub, "cifar-sub");
    mkdir(sub, 0755);
    path_of(sub, sizeof sub, "cifar-sub/cifar-10-batches-bin");
    mkdir(sub, 0755);
    write_file("cifar-sub/cifar-10-batches-bin/data_batch_2.bin", b, 2 * rs, 0);
    path_of(sub, sizeof sub, "cifar-sub");
    kern_dataset ds;
    kern_err err = {0};
    assert_int_equal(kern_data_open_dir(sub, 1, 10, &ds, &err), 0);
    assert_int_equal(ds.n, 2);
    kern_dataset_free(&ds);
    char dir[512];
    path_of(dir, sizeof dir, "cifar-only");
    mkdir(dir, 0755);
    write_file("cifar-only/data_batch_1.bin", b, n * rs, 0);
    write_file("cifar-only/data_batch_3.bin", b, 2 * rs, 0);
    kern_err err1 = {0};
    assert_int_equal(kern_data_open_dir(dir, 1, 10, &ds, &err1), 0);
    assert_int_equal(ds.n, 5);
    assert_int_equal(ds.c, 3);
    assert_int_equal(ds.h, 32);
    assert_int_equal(ds.labels[4], 5);
    assert_int_equal(ds.pixels[3072 * 2 + 100], (unsigned char)(2 + 100));
    kern_dataset_free(&ds);
    /* a truncated batch */
    write_file("cifar-only/test_batch.bin", b, rs + 100, 0);
    kern_err err2 = {0};
    assert_int_equal(kern_data_open_dir(dir, 0, 10, &ds, &err2), -1);
    assert_int_equal(err2.code, KERN_EINVAL);
    assert_non_null(strstr(err2.msg, "test_batch.bin"));
    assert_non_null(
        strstr(err2.msg, "3173 bytes is not a positive multiple of the 3073-byte record"));
    /* a bad label */
    b[0] = 10;
    write_file("cifar-only/test_batch.bin", b, rs, 0);
    kern_err err3 = {0};
    assert_int_equal(kern_data_open_dir(dir, 0, 10, &ds, &err3), -1);
    assert_non_null(strstr(err3.msg, "label 10"));
    free(b);
}

static void test_synthetic_and_shuffle(void **state)
{
    (void)state;
    kern_dataset ds;
    kern_data_synthetic(&ds, 1000, 3, 8, 8, 10, 5);
    int32_t idx[4] = {0, 1, 999, 1}, lab[4];
    float x[4 * 192];
    kern_dataset_batch(&ds, idx, 4, x, lab);
    assert_memory_equal(x + 192, x + 3 * 192, 192 * 4); /* same index, same image */
    assert_int_equal(lab[1], lab[3]);
    for (int i = 0; i < 4 * 192; i++)
        assert_true(x[i] >= 0.0f && x[i] <= 1.0f);
    int hist[10] = {0};
    for (int32_t i = 0; i < 1000; i++) {
        int32_t l;
        float img[192];
        kern_dataset_batch(&ds, &i, 1, img, &l);
        assert_true(l >= 0 && l < 10);
        hist[l]++;
    }
    for (int c = 0; c < 10; c++)
        assert_true(hist[c] > 50);
    kern_dataset_free(&ds);
    /* the shuffle is a permutation, a function of (seed, epoch) only */
    int32_t a[500], b[500], c[500];
    kern_shuffle(a, 500, 1, 0);
    kern_shuffle(b, 500, 1, 0);
    kern_shuffle(c, 500, 1, 1);
    assert_memory_equal(a, b, sizeof a);
    assert_true(memcmp(a, c, sizeof a) != 0);
    char seen[500] = {0};
    for (int i = 0; i < 500; i++)
        seen[a[i]]++;
    for (int i = 0; i < 500; i++)
        assert_int_equal(seen[i], 1);
}

/* ---- checkpoints ---- */

static int no_step(kern_ctx *ctx, const kern_net *net, kern_step *s)
{
    (void)ctx, (void)net, (void)s;
    return 0;
}

static const kern_param net_params[] = {
    {"w", 100, KERN_INIT_HE_NORMAL, 10, 10, 1},
    {"b", 10, KERN_INIT_ZEROS, 0, 0, 1},
    {"rv", 10, KERN_INIT_ONES, 0, 0, 0},
    {"u", 33, KERN_INIT_GLOROT_UNIFORM, 3, 11, 1},
};
static const kern_net ck_net = {.abi_version = KERN_ABI_VERSION,
                                .name = "cknet",
                                .batch = 4,
                                .in_c = 1,
                                .in_h = 2,
                                .in_w = 2,
                                .classes = 10,
                                .nparams = 4,
                                .params = net_params,
                                .forward_backward = no_step,
                                .infer = no_step};

static void test_state_init(void **state)
{
    (void)state;
    kern_state st, st2;
    kern_opt opt = kern_opt_default(KERN_OPT_ADAM);
    assert_int_equal(kern_state_new(&st, &ck_net, &opt, 7, 4, NULL), 0);
    assert_int_equal(kern_state_new(&st2, &ck_net, &opt, 7, 4, NULL), 0);
    assert_memory_equal(st.params, st2.params, st.total * 4); /* same seed, same weights */
    for (int i = 0; i < 4; i++)
        assert_int_equal((uintptr_t)st.param_ptr[i] % 64, 0);
    assert_null(st.grad_ptr[2]);
    double s = 0, s2 = 0;
    for (int i = 0; i < 100; i++)
        s += st.param_ptr[0][i], s2 += (double)st.param_ptr[0][i] * st.param_ptr[0][i];
    double var = s2 / 100 - (s / 100) * (s / 100);
    assert_true(var > 0.2 * 0.5 && var < 0.2 * 1.5); /* he_normal: 2 / fan_in = 0.2 */
    for (int i = 0; i < 100; i++)
        assert_true(fabsf(st.param_ptr[0][i]) <= 2 * sqrtf(0.2f) / 0.8796f + 1e-6f);
    for (int i = 0; i < 10; i++)
        assert_true(st.param_ptr[1][i] == 0 && st.param_ptr[2][i] == 1);
    float lim = sqrtf(6.0f / 14);
    for (int i = 0; i < 33; i++)
        assert_true(fabsf(st.param_ptr[3][i]) <= lim);
    /* an update moves trainable parameters only, and counts the step */
    kern_ctx *ctx = kern_ctx_new(1);
    for (size_t i = 0; i < st.total; i++)
        st.grads[i] = 1.0f;
    kern_state_update(ctx, &st);
    assert_int_equal(st.step, 1);
    assert_true(st.param_ptr[2][0] == 1.0f);
    assert_float_equal(st.param_ptr[1][0], -1e-3, 1e-6);
    kern_ctx_free(ctx);
    kern_state_free(&st);
    kern_state_free(&st2);
}

static void test_checkpoint_roundtrip(void **state)
{
    (void)state;
    char path[512];
    path_of(path, sizeof path, "ck.bin");
    for (int kind = 0; kind < KERN_OPT_COUNT; kind++) {
        kern_opt opt = kern_opt_default((kern_opt_kind)kind);
        kern_state st, back;
        assert_int_equal(kern_state_new(&st, &ck_net, &opt, 3, 4, NULL), 0);
        if (st.opt_m) kt_fill(st.opt_m, st.total, 9, -1, 1);
        if (st.opt_v) kt_fill(st.opt_v, st.total, 10, 0, 1);
        st.step = 123, st.epoch = 2, st.epoch_step = 17;
        kern_err err = {0};
        assert_int_equal(kern_ckpt_save(path, &st, &err), 0);
        /* load into a state made with another optimiser and seed: the file wins */
        kern_opt other = kern_opt_default(KERN_OPT_SGD);
        assert_int_equal(kern_state_new(&back, &ck_net, &other, 99, 8, NULL), 0);
        assert_int_equal(kern_ckpt_load(path, &back, 0, &err), 0);
        assert_int_equal(back.opt.kind, kind);
        assert_int_equal(back.step, 123);
        assert_int_equal(back.epoch, 2);
        assert_int_equal(back.epoch_step, 17);
        assert_int_equal(back.seed, 3);
        assert_int_equal(back.batch, 4);
        assert_true(back.opt.lr == opt.lr);
        for (int i = 0; i < 4; i++) {
            assert_memory_equal(back.param_ptr[i], st.param_ptr[i], net_params[i].count * 4);
            if (st.opt_m)
                assert_memory_equal(back.opt_m + back.offset[i], st.opt_m + st.offset[i],
                                    net_params[i].count * 4);
            if (st.opt_v)
                assert_memory_equal(back.opt_v + back.offset[i], st.opt_v + st.offset[i],
                                    net_params[i].count * 4);
        }
        kern_state_free(&back);
        kern_state_free(&st);
    }
    /* no temporary file is left behind */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", tmpdir);
    assert_int_not_equal(system(cmd), 0);
}

static void expect_ckpt_error(const char *path, const kern_net *net, const char *needle)
{
    kern_state st;
    kern_opt opt = kern_opt_default(KERN_OPT_ADAM);
    assert_int_equal(kern_state_new(&st, net, &opt, 1, 4, NULL), 0);
    kern_err err = {0};
    assert_int_equal(kern_ckpt_load(path, &st, 0, &err), -1);
    if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
    kern_state_free(&st);
}

static void test_checkpoint_errors(void **state)
{
    (void)state;
    char path[512], bad[512];
    path_of(path, sizeof path, "good.ckpt");
    path_of(bad, sizeof bad, "bad.ckpt");
    kern_state st;
    kern_opt opt = kern_opt_default(KERN_OPT_ADAM);
    assert_int_equal(kern_state_new(&st, &ck_net, &opt, 1, 4, NULL), 0);
    assert_int_equal(kern_ckpt_save(path, &st, NULL), 0);
    kern_state_free(&st);
    FILE *f = fopen(path, "rb");
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 100 && n < sizeof buf);
    /* one flipped bit in the weights */
    buf[n - 40] ^= 1;
    f = fopen(bad, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    expect_ckpt_error(bad, &ck_net, "checksum mismatch");
    buf[n - 40] ^= 1;
    /* truncated */
    f = fopen(bad, "wb");
    fwrite(buf, 1, n - 100, f);
    fclose(f);
    expect_ckpt_error(bad, &ck_net, "checksum mismatch");
    /* not a checkpoint */
    f = fopen(bad, "wb");
    fwrite("hello world, not a checkpoint", 1, 29, f);
    fclose(f);
    expect_ckpt_error(bad, &ck_net, "not a modak checkpoint");
    /* another network */
    kern_net other = ck_net;
    other.name = "othernet";
    expect_ckpt_error(path, &other,
                      "checkpoint of network 'cknet', this program trains 'othernet'");
    /* same name, another parameter table */
    kern_param p2[4];
    memcpy(p2, net_params, sizeof p2);
    p2[3].count = 34;
    other = ck_net;
    other.params = p2;
    expect_ckpt_error(path, &other, "has 4 parameters (153 floats)");
    p2[3].count = 33;
    p2[3].name = "v";
    expect_ckpt_error(path, &other, "parameter 3 is 'u' (33 floats) in the checkpoint, 'v'");
    /* a missing file */
    kern_state s2;
    assert_int_equal(kern_state_new(&s2, &ck_net, &opt, 1, 4, NULL), 0);
    kern_err err = {0};
    assert_int_equal(kern_ckpt_load("/nonexistent/ck", &s2, 1, &err), -1);
    assert_int_equal(err.code, KERN_EIO);
    kern_err err2 = {0};
    assert_int_equal(kern_ckpt_save("/nonexistent/dir/ck", &s2, &err2), -1);
    assert_int_equal(err2.code, KERN_EIO);
    kern_state_free(&s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_plain_and_gzip),
        cmocka_unit_test(test_idx_errors),
        cmocka_unit_test(test_open_dir),
        cmocka_unit_test(test_cifar10),
        cmocka_unit_test(test_synthetic_and_shuffle),
        cmocka_unit_test(test_state_init),
        cmocka_unit_test(test_checkpoint_roundtrip),
        cmocka_unit_test(test_checkpoint_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
