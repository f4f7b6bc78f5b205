/* Tests of model/target_detect: hwloc 2 XML (this kind of machine's, and a synthetic
 * 2-package 4-NUMA topology where NUMA nodes are memory children matched by cpuset),
 * nvidia-smi XML (a hand-written 4 x V100 node), malformed XML, XML declaring entities
 * (XXE, billion laughs, external parameter entity: refused, never resolved), and detection
 * of this host through /proc and /sys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mk_fs.h"
#include "target_detect.h"

static char *golden(const char *rel)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    char *dir = mk_path_join(src ? src : ".", "tests/golden/targets");
    char *p = mk_path_join(dir, rel);
    free(dir);
    return p;
}

static target *detect_files(const char *hwloc, const char *nvsmi, const char *cpuinfo, mk_err *e)
{
    char *h = hwloc ? golden(hwloc) : NULL, *n = nvsmi ? golden(nvsmi) : NULL;
    char *c = golden(cpuinfo);
    target_detect_opts o = {.hwloc_xml = h,
                            .nvidia_smi_xml = n,
                            .cpuinfo = c,
                            .machine = "x86_64",
                            .name = "fixture",
                            .no_tools = 1};
    mk_err_clear(e);
    target *t = target_detect(&o, e);
    free(h);
    free(n);
    free(c);
    return t;
}

static void test_hwloc_this_kind_of_machine(void **state)
{
    mk_err e;
    target *t = detect_files("hwloc/epyc_kvm_2cpu.xml", NULL, "cpuinfo/epyc_genoa_kvm.txt", &e);
    if (!t) fail_msg("%s", e.msg);
    assert_string_equal(t->cpu.microarch, "zen4");
    assert_int_equal(t->cpu.sockets, 1);
    assert_int_equal(t->cpu.cores, 2);
    assert_int_equal(t->cpu.threads, 2);
    assert_int_equal(t->nnuma, 1);
    assert_int_equal(t->numa[0].cores, 2);
    assert_string_equal(t->numa[0].cpus, "0-1");
    assert_true(t->memory == 4792213504.0);
    /* caches: L1d, L1i, L2 per core; L3 shared by both */
    int l3 = 0, l1i = 0;
    for (size_t i = 0; i < t->cpu.ncaches; i++) {
        if (t->cpu.caches[i].level == 3) {
            l3 = 1;
            assert_true(t->cpu.caches[i].size == 33554432.0);
            assert_int_equal(t->cpu.caches[i].shared_by, 2);
            assert_int_equal(t->cpu.caches[i].count, 1);
        }
        if (t->cpu.caches[i].level == 1 && !strcmp(t->cpu.caches[i].type, "instruction")) {
            l1i = 1;
            assert_int_equal(t->cpu.caches[i].count, 2);
        }
    }
    assert_true(l3 && l1i);
    assert_string_equal(t->cpu.openblas_coretype, "SkylakeX");
    /* the VM hides flags: the target says so */
    int said = 0;
    for (size_t i = 0; i < t->nassumptions; i++)
        said |= strstr(t->assumptions[i], "flush_l1d") != NULL;
    assert_true(said);
    /* 2596 MHz from cpuinfo x 2 cores x 32 fp32 FLOP/cycle */
    assert_true(fabs(t->cpu.peak[TARGET_FP32] - 2 * t->cpu.freq * 32) < 1);
    target_free(t);
}

static void test_hwloc_numa_by_cpuset(void **state)
{
    mk_err e;
    target *t =
        detect_files("hwloc/synthetic_2pack_4numa.xml", NULL, "cpuinfo/xeon_gold_6148.txt", &e);
    if (!t) fail_msg("%s", e.msg);
    assert_string_equal(t->cpu.microarch, "skylake_avx512");
    assert_int_equal(t->cpu.sockets, 2);
    assert_int_equal(t->cpu.cores, 16);
    assert_int_equal(t->cpu.threads, 32);
    assert_int_equal(t->nnuma, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(t->numa[i].cores, 4); /* matched by cpuset, not by nesting */
        assert_int_equal(t->numa[i].pus, 8);
        assert_true(t->numa[i].memory == 1073741824.0);
    }
    assert_string_equal(t->numa[1].cpus, "8-15");
    assert_true(t->memory == 4 * 1073741824.0);
    assert_true(t->cpu.freq == 2.4e9); /* "@ 2.40GHz" in the model name */
    /* the JSON it writes loads back as a target */
    mk_buf b;
    mk_buf_init(&b);
    target_to_json(t, &b);
    target *u = target_load_json("detected.json", b.s, b.len, NULL, &e);
    if (!u) fail_msg("%s\n%s", e.msg, b.s);
    assert_int_equal(u->nnuma, 4);
    target_free(u);
    mk_buf_fini(&b);
    target_free(t);
}

static void test_nvidia_smi(void **state)
{
    mk_err e;
    target *t = detect_files("hwloc/synthetic_2pack_4numa.xml", "nvidia-smi/dgx1_4xV100.xml",
                             "cpuinfo/xeon_gold_6148.txt", &e);
    if (!t) fail_msg("%s", e.msg);
    assert_int_equal(t->naccels, 1);
    assert_int_equal(t->accels[0].count, 4);
    assert_string_equal(t->accels[0].model, "Tesla V100-SXM2-16GB");
    assert_true(t->accels[0].memory == 16384.0 * 1048576);
    assert_true(fabs(t->accels[0].peak[TARGET_FP32] - 15.7e12) < 1e6);
    assert_string_equal(t->accels[0].link, "pcie3");
    assert_true(fabs(t->accels[0].link_bandwidth - 15.76e9) < 0.01e9);
    assert_true(fabs(target_node_peak(t, TARGET_FP16, 1) - 4 * 125e12) < 1e6);
    target_free(t);
}

static void test_bad_xml(void **state)
{
    static const struct {
        const char *hwloc, *nvsmi, *want;
        int line;
    } cases[] = {
        {"hwloc/bad_xxe.xml", NULL, "references external entity 'xxe'", 7},
        {"hwloc/bad_billion_laughs.xml", NULL, "declares entities (<!ENTITY lol", 0},
        {"hwloc/bad_parameter_entity.xml", NULL, "declares entities", 0},
        {"hwloc/bad_malformed.xml", NULL, "malformed XML", 0},
        {"hwloc/bad_root.xml", NULL, "not an hwloc topology: the root element is <nvidia_smi_log>",
         2},
        {"hwloc/bad_cache_size.xml", NULL,
         "<object type=\"L2Cache\">: attribute cache_size: '-1MB' is not a non-negative number", 5},
        {"hwloc/bad_cpuset.xml", NULL, "attribute cpuset: 'cpus 0-3' is not an hwloc bitmap", 4},
        {NULL, "nvidia-smi/bad_unknown_gpu.xml",
         "<product_name> 'NVIDIA GeForce GT 710' is not in modak's accelerator catalogue", 6},
        {NULL, "nvidia-smi/bad_no_product.xml", "<gpu>: missing <product_name>", 4},
        {NULL, "nvidia-smi/bad_memory.xml", "<fb_memory_usage><total>: 'lots' is not a size", 5},
        {NULL, "nvidia-smi/bad_truncated.xml", "malformed XML", 0},
        {NULL, "nvidia-smi/bad_xxe.xml", "declares entities (<!ENTITY gpu", 0},
        {NULL, "hwloc/synthetic_2pack_4numa.xml", "not nvidia-smi -q -x output", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mk_err e;
        target *t = detect_files(cases[i].hwloc ? cases[i].hwloc : "hwloc/epyc_kvm_2cpu.xml",
                                 cases[i].nvsmi, "cpuinfo/epyc_genoa_kvm.txt", &e);
        const char *file = cases[i].nvsmi ? cases[i].nvsmi : cases[i].hwloc;
        if (t) fail_msg("%s was accepted", file);
        if (!strstr(e.msg, cases[i].want))
            fail_msg("%s:\n  got:  %s\n  want: %s", file, e.msg, cases[i].want);
        if (!strstr(e.file, file)) fail_msg("%s: the error names '%s'", file, e.file);
        if (cases[i].line && e.line != cases[i].line)
            fail_msg("%s: line %d, expected %d", file, e.line, cases[i].line);
        assert_int_equal(e.code, MK_EINVAL);
    }
}

static void test_xxe_never_read(void **state)
{
    /* Even the parser alone never substitutes the entity: the text of /etc/passwd would
     * contain "root:"; the document is refused before anything reads its values. */
    char *p = golden("hwloc/bad_xxe.xml");
    char *text;
    size_t len;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(mk_file_read(p, 0, &text, &len, &e), 0);
    assert_null(target_xml_read(p, text, len, &e));
    assert_null(strstr(e.msg, "root:"));
    free(text);
    free(p);
}

static void test_detect_this_host(void **state)
{
    /* /proc and /sys (no_tools: lstopo is not run) */
    target_detect_opts o = {.no_tools = 1};
    mk_err e;
    mk_err_clear(&e);
    target *t = target_detect(&o, &e);
    if (!t) fail_msg("%s", e.msg);
    assert_true(t->cpu.cores >= 1 && t->cpu.threads >= t->cpu.cores);
    assert_true(t->memory > 0);
    assert_non_null(t->cpu.ma);
    assert_true(t->cpu.peak[TARGET_FP32] > 0);
    target_free(t);
    /* with lstopo when installed */
    o.no_tools = 0;
    t = target_detect(&o, &e);
    if (!t) fail_msg("%s", e.msg);
    assert_true(t->cpu.cores >= 1);
    target_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hwloc_this_kind_of_machine),
        cmocka_unit_test(test_hwloc_numa_by_cpuset),
        cmocka_unit_test(test_nvidia_smi),
        cmocka_unit_test(test_bad_xml),
        cmocka_unit_test(test_xxe_never_read),
        cmocka_unit_test(test_detect_this_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
