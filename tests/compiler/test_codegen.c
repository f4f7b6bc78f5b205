/* Unit tests for compiler/codegen.c, march.c and the parts of build.c that need no compile:
 * archspec's flags per compiler version (with fallback to ancestors), host detection from
 * CPU flags, the cache directory's precedence, and the generated program's structure for
 * every zoo network, optimised and generic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "gfile.h"
#include "mk_buf.h"
#include "zoo.h"

static void flags_are(const char *arch, const char *cc, const char *ver, const char *want)
{
    char out[512];
    mk_err e;
    mk_err_clear(&e);
    if (graph_march_cflags(arch, cc, ver, out, sizeof out, &e)) fail_msg("%s: %s", arch, e.msg);
    if (strcmp(out, want)) fail_msg("%s %s %s: got '%s', want '%s'", arch, cc, ver, out, want);
}

static void test_march_flags(void **state)
{
    /* archspec: zen4 needs gcc 12.3 for -march=znver4; before, znver3 plus AVX-512 */
    flags_are("zen4", "gcc", "12.2.0",
              "-march=znver3 -mtune=znver3 -mavx512f -mavx512dq -mavx512ifma -mavx512cd "
              "-mavx512bw -mavx512vl -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg");
    flags_are("zen4", "gcc", "13.1.0", "-march=znver4 -mtune=znver4");
    flags_are("zen4", "clang", "16.0.6", "-march=znver4 -mtune=znver4");
    flags_are("skylake_avx512", "gcc", "12.2.0", "-march=skylake-avx512 -mtune=skylake-avx512");
    flags_are("icelake", "clang", "14.0.6", "-march=icelake-client -mtune=icelake-client");
    flags_are("x86_64_v3", "gcc", "12.2.0", "-march=x86-64-v3 -mtune=generic");
    flags_are("x86_64_v3", "gcc", "10.2.1",
              "-march=x86-64 -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 "
              "-mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave");
    flags_are("x86_64", "gcc", "12.2.0", "-march=x86-64 -mtune=generic");
    flags_are("neoverse_v1", "gcc", "12.2.0", "-mcpu=neoverse-v1");
    /* too old for zen4 and zen3: archspec's answer is the nearest ancestor's flags */
    flags_are("zen4", "gcc", "9.3.0", "-march=znver2 -mtune=znver2");
    char out[64];
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(graph_march_cflags("pentium5", "gcc", "12", out, sizeof out, &e), -1);
    assert_non_null(strstr(e.msg, "unknown micro-architecture 'pentium5'"));
}

static void test_vector_floats(void **state)
{
    (void)state;
    assert_int_equal(graph_march_vector_floats("skylake_avx512"), 16);
    assert_int_equal(graph_march_vector_floats("zen4"), 16);
    assert_int_equal(graph_march_vector_floats("haswell"), 8);
    assert_int_equal(graph_march_vector_floats("x86_64_v3"), 8);
    assert_int_equal(graph_march_vector_floats("x86_64"), 4);
    assert_int_equal(graph_march_vector_floats("neoverse_v1"), 4);
    assert_int_equal(graph_march_vector_floats("no-such-cpu"), 4);
    int host = graph_march_vector_floats("native");
    assert_true(host == 4 || host == 8 || host == 16);
}

static void test_version_ranges(void **state)
{
    assert_true(graph_march_version_in("12.2.0", "10.3:12.2"));
    assert_true(graph_march_version_in("10.3", "10.3:12.2"));
    assert_false(graph_march_version_in("10.2.1", "10.3:12.2"));
    assert_false(graph_march_version_in("12.3.0", "10.3:12.2"));
    assert_true(graph_march_version_in("14.1.0", "12.3:"));
    assert_true(graph_march_version_in("4.1.2", ":4.1.2"));
    assert_true(graph_march_version_in("99", ":"));
    assert_true(graph_march_version_in("10.2.5", "10.2:10.2.99"));
}

static void test_host_detect(void **state)
{
    /* this machine's flags: AMD EPYC 9004 under KVM (no pku, no flush_l1d) */
    const char *epyc =
        "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
        "sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl "
        "xtopology nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid "
        "sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor "
        "lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext vmmcall "
        "fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap "
        "avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 "
        "xsaves avx512_bf16 clzero xsaveerptr arat avx512vbmi umip avx512_vbmi2 gfni vaes "
        "vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid fsrm\n";
    assert_string_equal(graph_march_detect("AuthenticAMD", epyc), "zen4");
    /* the same flags from an Intel CPU: the newest Intel model they cover */
    assert_string_equal(graph_march_detect("GenuineIntel", epyc), "icelake");
    const char *hsw = "fpu mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt abm lahf_lm xsave cx16 aes "
                      "pclmulqdq avx rdrand f16c movbe fma avx2 bmi1 bmi2";
    assert_string_equal(graph_march_detect("GenuineIntel", hsw), "haswell");
    assert_string_equal(graph_march_detect("GenuineIntel", "fpu sse sse2"), "x86_64");
    int n;
    const graph_march *t = graph_march_table(&n);
    assert_true(n >= 16);
    assert_non_null(graph_march_find(graph_march_host()));
    assert_string_equal(t[0].name, "x86_64");
}

static void test_cache_dir(void **state)
{
    setenv("MODAK_CACHE_DIR", "/tmp/mc", 1);
    setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
    char *d = graph_cache_dir();
    assert_string_equal(d, "/tmp/mc");
    free(d);
    unsetenv("MODAK_CACHE_DIR");
    d = graph_cache_dir();
    assert_string_equal(d, "/tmp/xdg/modak");
    free(d);
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/u", 1);
    d = graph_cache_dir();
    assert_string_equal(d, "/home/u/.cache/modak");
    free(d);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_codegen_zoo(void **state)
{
    const char *nets[] = {"mnist_cnn", "resnet20", "resnet50"};
    for (int k = 0; k < 3; k++)
        for (int generic = 0; generic < 2; generic++) {
            mk_err e;
            mk_err_clear(&e);
            graph *g = graph_zoo_build(nets[k], k == 2 ? 8 : 128, &e);
            graph_options o = {.generic = generic, .threads = 2, .target = "test", .build = "cc"};
            graph_compiled c;
            if (graph_codegen(g, &o, &c, &e)) fail_msg("%s: %s", nets[k], e.msg);
            assert_non_null(c.c_source);
            assert_non_null(strstr(c.c_source, "return kern_main(argc, argv, nn);"));
            assert_non_null(strstr(c.c_source, ".abi_version = KERN_ABI_VERSION"));
            assert_true(c.flops_train > 2.5 * c.flops_fwd && c.flops_train < 3.1 * c.flops_fwd);
            if (generic) {
                assert_int_equal(c.folded, 0);
                assert_true(c.arena_train == c.arena_unplanned);
                assert_int_equal(count(c.c_source, ".algo = KERN_CONV_IM2COL, .algo_bwd_data = "
                                                   "KERN_CONV_IM2COL, .algo_bwd_weights = "
                                                   "KERN_CONV_IM2COL}"),
                                 c.nconv);
            } else {
                assert_true(c.folded > 0);
                /* reuse: ResNets keep under half of their tensors' bytes; mnist_cnn's few large
                 * tensors are mostly alive at once */
                assert_true(k == 0 ? c.arena_train < c.arena_unplanned * 9 / 10
                                   : c.arena_train < c.arena_unplanned / 2);
            }
            if (k == 0) {
                assert_int_equal(c.param_elems, 1199882);
                assert_int_equal(c.nparams, 8);
                assert_int_equal(c.nconv, 2);
                /* one forward per convolution in each step function */
                assert_int_equal(count(c.c_source, "kern_conv2d_fwd(ctx"), 4);
                assert_int_equal(count(c.c_source, "kern_dropout_fwd(ctx"), 2);
                assert_int_equal(count(c.c_source, "kern_dropout_bwd(ctx"), 2);
                if (!generic) {
                    /* the whole backward of a conv in one call, its relu mask included
                     * (the y argument), and no data gradient for conv1 */
                    assert_int_equal(count(c.c_source, "kern_conv2d_bwd(ctx"), 2);
                    assert_int_equal(count(c.c_source, "kern_conv2d_bwd_weights(ctx"), 0);
                    assert_int_equal(count(c.c_source, "kern_relu_bwd("), 1); /* dense1's */
                    assert_non_null(strstr(c.c_source, "kern_conv2d_bwd(ctx, &cv0, s->x, A("));
                    assert_non_null(strstr(c.c_source, ", NULL, G[0], G[1])) return -1;"));
                    assert_int_equal(count(c.c_source, "kern_relu_fwd("), 0);
                    assert_int_equal(count(c.c_source, ".algo = KERN_CONV_"), 2);
                    assert_int_equal(count(c.c_source, ".algo_bwd_weights = KERN_CONV_"), 2);
                } else {
                    /* two backward calls per convolution, less conv1's data gradient */
                    assert_int_equal(count(c.c_source, "kern_conv2d_bwd_weights(ctx"), 2);
                    assert_int_equal(count(c.c_source, "kern_conv2d_bwd_data(ctx"), 1);
                    assert_int_equal(count(c.c_source, "kern_conv2d_bwd(ctx"), 0);
                    assert_int_equal(count(c.c_source, "kern_relu_fwd("), 6);
                    assert_int_equal(count(c.c_source, "kern_bias_fwd("), 8);
                }
            }
            if (k == 1) {
                assert_int_equal(c.param_elems, 269722);
                assert_int_equal(c.nconv, 19);
                assert_non_null(strstr(c.c_source, "static void pad_fwd("));
                assert_int_equal(count(c.c_source, "kern_bn_fwd_train("), 19);
                assert_int_equal(count(c.c_source, "kern_bn_fwd_infer("), 19);
                assert_int_equal(count(c.c_source, "kern_bn_bwd("), 19);
            }
            if (k == 2) {
                assert_int_equal(c.param_elems, 25557032);
                assert_int_equal(c.nconv, 53);
                if (!generic) assert_non_null(strstr(c.c_source, "KERN_CONV_1X1"));
                /* parameters + running statistics: 161 tensors */
                assert_int_equal(c.nparams, 53 + 53 * 4 + 2);
            }
            assert_non_null(c.summary);
            graph_compiled_fini(&c);
            graph_free(g);
        }
}

/* A graph with a flatten right after a fused relu: the view must follow the fusion. */
static void test_codegen_view_after_fusion(void **state)
{
    const char *text =
        "{\"format\": \"modak-graph\", \"version\": 1, \"input\": {\"shape\": [1, 8, 8]},"
        " \"layers\": [{\"name\": \"c\", \"op\": \"conv2d\", \"filters\": 3, "
        "\"kernel\": 3, \"activation\": \"relu\"}, {\"op\": \"flatten\"}, "
        "{\"op\": \"dense\", \"units\": 4}]}";
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_load_text(text, strlen(text), "t.json", 4, &e);
    assert_non_null(g);
    graph_options o = {.threads = 1};
    graph_compiled c;
    if (graph_codegen(g, &o, &c, &e)) fail_msg("%s", e.msg);
    assert_int_equal(c.folded, 3); /* bias and relu into the conv, bias into the dense */
    graph_compiled_fini(&c);
    graph_free(g);
}

static void test_codegen_refuses_twice(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_zoo_build("mnist_cnn", 4, &e);
    graph_options o = {0};
    graph_compiled c;
    assert_int_equal(graph_codegen(g, &o, &c, &e), 0);
    graph_compiled_fini(&c);
    assert_int_equal(graph_codegen(g, &o, &c, NULL), -1);
    assert_int_equal(graph_codegen(g, &o, &c, &e), -1);
    assert_non_null(strstr(e.msg, "not yet differentiated"));
    graph_free(g);
}

/* A batch of one image on a 64-core target: the convolutions split the batch (one image:
 * one thread), the largest element-wise pass is 21632 floats, and dense1's backward (4.7
 * MFLOP) is worth two threads: the threading pass makes 2 the binary's default. */
static void test_threads_default(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    graph *g = graph_zoo_build("mnist_cnn", 1, &e);
    graph_options o = {.threads = 64};
    graph_compiled c;
    assert_int_equal(graph_codegen(g, &o, &c, &e), 0);
    assert_int_equal(c.threads, 2);
    assert_non_null(strstr(c.c_source, "threading pass: 2 of the target's 64 cores"));
    graph_compiled_fini(&c);
    graph_free(g);
    g = graph_zoo_build("resnet20", 128, &e);
    assert_int_equal(graph_codegen(g, &o, &c, &e), 0);
    assert_int_equal(c.threads, 64); /* 128 images: every core */
    assert_null(strstr(c.c_source, "threading pass:"));
    graph_compiled_fini(&c);
    graph_free(g);
}

static void test_embedded(void **state)
{
    int has_header = 0;
    for (const graph_embedded_file *f = graph_kernel_sources; f->name; f++) {
        assert_true(f->size > 0);
        if (!strcmp(f->name, "kern.h")) {
            has_header = 1;
            char *text = mk_xasprintf("%.*s", (int)f->size, (const char *)f->data);
            assert_non_null(strstr(text, "KERN_ABI_VERSION"));
            free(text);
        }
    }
    assert_true(has_header);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_march_flags),
        cmocka_unit_test(test_version_ranges),
        cmocka_unit_test(test_vector_floats),
        cmocka_unit_test(test_host_detect),
        cmocka_unit_test(test_cache_dir),
        cmocka_unit_test(test_codegen_zoo),
        cmocka_unit_test(test_codegen_view_after_fusion),
        cmocka_unit_test(test_codegen_refuses_twice),
        cmocka_unit_test(test_threads_default),
        cmocka_unit_test(test_embedded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
