/* Tests of model/microarch: the table against archspec's microarchitectures.json (when
 * $MODAK_REFERENCE_DIR has it), ancestry, compiler flags per version, vector facts, the
 * OpenBLAS core type, and detection from /proc/cpuinfo fixtures (tests/golden/targets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microarch.h"
#include "mk_fs.h"

static char *fixture(const char *name)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/targets/cpuinfo/%s", src ? src : ".", name);
    char *text = NULL;
    size_t len;
    mk_err e;
    mk_err_clear(&e);
    if (mk_file_read(path, 0, &text, &len, &e) != 0) fail_msg("cannot read %s: %s", path, e.msg);
    return text;
}

static size_t count(const char *const *v)
{
    size_t n = 0;
    while (v[n])
        n++;
    return n;
}

/* Every row of archspec's table is in modak's with the same vendor, parents (in order),
 * features (as a set) and compiler rows; and modak has no row archspec lacks. */
static void test_table_matches_archspec(void **state)
{
    const char *ref = getenv("MODAK_REFERENCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/archspec/microarchitectures.json", ref ? ref : "");
    if (!ref || !mk_is_file(path)) {
        print_message("SKIP: archspec's microarchitectures.json not found "
                      "($MODAK_REFERENCE_DIR=%s); the table was not compared\n",
                      ref ? ref : "(unset)");
        skip();
    }
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    assert_non_null(root);
    json_t *table = json_object_get(root, "microarchitectures");
    assert_true(json_is_object(table));
    assert_int_equal(json_object_size(table), microarch_table_len);
    const char *name;
    json_t *m;
    size_t checked = 0;
    json_object_foreach(table, name, m)
    {
        const microarch *ma = microarch_find(name);
        if (!ma) fail_msg("archspec's '%s' is missing from modak's table", name);
        assert_string_equal(ma->vendor, json_string_value(json_object_get(m, "vendor")));
        json_t *from = json_object_get(m, "from");
        if (json_is_string(from)) {
            assert_int_equal(count(ma->parents), 1);
            assert_string_equal(ma->parents[0], json_string_value(from));
        } else {
            assert_int_equal(count(ma->parents), json_array_size(from));
            for (size_t i = 0; i < json_array_size(from); i++)
                assert_string_equal(ma->parents[i], json_string_value(json_array_get(from, i)));
        }
        json_t *feats = json_object_get(m, "features");
        assert_int_equal(count(ma->features), json_array_size(feats));
        for (size_t i = 0; i < json_array_size(feats); i++) {
            const char *f = json_string_value(json_array_get(feats, i));
            int found = 0;
            for (const char *const *p = ma->features; *p; p++)
                found |= !strcmp(*p, f);
            if (!found) fail_msg("%s: feature %s missing", name, f);
        }
        json_t *comps = json_object_get(m, "compilers");
        size_t rows = 0;
        const char *cname;
        json_t *list;
        json_object_foreach(comps, cname, list)
        {
            size_t n = json_is_array(list) ? json_array_size(list) : 1;
            for (size_t i = 0; i < n; i++) {
                json_t *e = json_is_array(list) ? json_array_get(list, i) : list;
                /* the same row, in the same order within its compiler */
                size_t k = 0, idx = 0;
                for (; k < ma->ncflags; k++)
                    if (!strcmp(ma->cflags[k].compiler, cname) && idx++ == i) break;
                if (k == ma->ncflags) fail_msg("%s: %s row %zu missing", name, cname, i);
                assert_string_equal(ma->cflags[k].versions,
                                    json_string_value(json_object_get(e, "versions")));
                json_t *fl = json_object_get(e, "flags");
                if (fl) assert_string_equal(ma->cflags[k].flags, json_string_value(fl));
                json_t *nm = json_object_get(e, "name");
                if (nm)
                    assert_string_equal(ma->cflags[k].name, json_string_value(nm));
                else
                    assert_null(ma->cflags[k].name);
                rows++;
            }
        }
        assert_int_equal(rows, ma->ncflags);
        json_t *gen = json_object_get(m, "generation");
        assert_int_equal(ma->generation, gen ? json_integer_value(gen) : 0);
        checked++;
    }
    assert_int_equal(checked, microarch_table_len);
    json_decref(root);
}

static void test_ancestry(void **state)
{
    const microarch *m = microarch_find("cascadelake");
    assert_non_null(m);
    assert_true(microarch_is_a(m, "skylake_avx512"));
    assert_true(microarch_is_a(m, "x86_64_v4"));
    assert_true(microarch_is_a(m, "x86_64"));
    assert_false(microarch_is_a(m, "zen2"));
    assert_string_equal(microarch_family(m)->name, "x86_64");
    assert_string_equal(microarch_family(microarch_find("neoverse_v1"))->name, "aarch64");
    const microarch *anc[64];
    size_t n = microarch_ancestors(microarch_find("zen4"), anc, 64);
    assert_true(n >= 5);
    assert_string_equal(anc[0]->name, "zen3"); /* archspec's order: first parent first */
    assert_null(microarch_find("skylake-avx512"));
    assert_string_equal(microarch_suggest("skylake-avx512"), "skylake_avx512");
    assert_string_equal(microarch_suggest("Zen4"), "zen4");
    assert_null(microarch_suggest("completely-unknown-cpu"));
}

static void test_cflags(void **state)
{
    char buf[512];
    const char *warn;
    mk_err e;
    mk_err_clear(&e);
    const microarch *z4 = microarch_find("zen4");
    /* gcc 12.2 (Debian 12) is in "10.3:12.2": znver3 plus the AVX-512 flags */
    assert_int_equal(microarch_cflags_for(z4, "gcc", "12.2.0", buf, sizeof buf, &warn, &e), 0);
    assert_non_null(strstr(buf, "-march=znver3 -mtune=znver3 -mavx512f"));
    assert_int_equal(microarch_cflags_for(z4, "gcc", "13.1", buf, sizeof buf, &warn, &e), 0);
    assert_string_equal(buf, "-march=znver4 -mtune=znver4");
    assert_int_equal(microarch_cflags_for(microarch_find("skylake_avx512"), "gcc", "12.2", buf,
                                          sizeof buf, &warn, &e),
                     0);
    assert_string_equal(buf, "-march=skylake-avx512 -mtune=skylake-avx512");
    /* too old a compiler */
    assert_int_equal(microarch_cflags_for(z4, "gcc", "4.8", buf, sizeof buf, &warn, &e), -1);
    assert_non_null(strstr(e.msg, "supported versions"));
    mk_err_clear(&e);
    /* an unknown compiler */
    assert_int_equal(microarch_cflags_for(z4, "tcc", "0.9", buf, sizeof buf, &warn, &e), -1);
    assert_non_null(strstr(e.msg, "tcc"));
    /* a warning row */
    mk_err_clear(&e);
    assert_int_equal(microarch_cflags_for(z4, "aocc", "3.2", buf, sizeof buf, &warn, &e), 0);
    assert_non_null(warn);
}

static void test_vectors_and_openblas(void **state)
{
    microarch_vec v = microarch_vector(microarch_find("skylake_avx512"));
    assert_int_equal(v.simd_bits, 512);
    assert_true(v.fp32 == 64 && v.fp64 == 32);
    v = microarch_vector(microarch_find("cascadelake")); /* inherited */
    assert_string_equal(v.from, "skylake_avx512");
    assert_true(v.int8 == 256); /* avx512_vnni */
    v = microarch_vector(microarch_find("zen4"));
    assert_true(v.fp32 == 32 && v.bf16 == 64);
    v = microarch_vector(microarch_find("haswell"));
    assert_true(v.fp32 == 32 && v.fp64 == 16 && v.bf16 == 0);
    v = microarch_vector(microarch_find("sapphirerapids"));
    assert_true(v.bf16 == 1024);
    assert_string_equal(microarch_openblas_core(microarch_find("zen4")), "SkylakeX");
    assert_string_equal(microarch_openblas_core(microarch_find("icelake")), "SkylakeX");
    assert_string_equal(microarch_openblas_core(microarch_find("haswell")), "Haswell");
    assert_string_equal(microarch_openblas_core(microarch_find("zen2")), "Zen");
    assert_string_equal(microarch_openblas_core(microarch_find("sandybridge")), "Sandybridge");
    assert_string_equal(microarch_openblas_core(microarch_find("neoverse_n1")), "NeoverseN1");
    assert_string_equal(microarch_openblas_core(microarch_find("power9le")), "POWER9");
}

static void test_detect_fixtures(void **state)
{
    static const struct {
        const char *file, *machine, *best, *strict, *missing;
    } cases[] = {
        /* this kind of machine: KVM hides flush_l1d and pku from a Zen 4 (EPYC 9004), so archspec's
           strict answer is the generic x86_64_v4 */
        {"epyc_genoa_kvm.txt", "x86_64", "zen4", "x86_64_v4", "pku flush_l1d"},
        {"xeon_gold_6148.txt", "x86_64", "skylake_avx512", "skylake_avx512", ""},
        {"haswell_e5_2680v3.txt", "x86_64", "haswell", "haswell", ""},
        {"graviton2.txt", "aarch64", "neoverse_n1", "neoverse_n1", ""},
        {"power9.txt", "ppc64le", "power9le", "power9le", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = fixture(cases[i].file);
        microarch_host h;
        mk_err e;
        mk_err_clear(&e);
        if (microarch_detect(text, cases[i].machine, &h, &e) != 0)
            fail_msg("%s: %s", cases[i].file, e.msg);
        if (strcmp(h.best->name, cases[i].best) || strcmp(h.strict->name, cases[i].strict))
            fail_msg("%s: best %s strict %s", cases[i].file, h.best->name, h.strict->name);
        assert_string_equal(h.missing, cases[i].missing);
        free(text);
    }
    microarch_host h;
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(microarch_detect("processor : 0\n", "riscv32", &h, &e), -1);
    assert_non_null(strstr(e.msg, "riscv32"));
}

static void test_detect_this_host(void **state)
{
    microarch_host h;
    mk_err e;
    mk_err_clear(&e);
    /* Whatever the host is, detection succeeds and yields a row of its family. */
    assert_int_equal(microarch_detect_host(&h, &e), 0);
    assert_non_null(h.best);
    assert_true(microarch_is_a(h.best, microarch_family(h.best)->name));
    assert_true(microarch_is_a(h.best, h.strict->name) || h.best == h.strict);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_archspec),
        cmocka_unit_test(test_ancestry),
        cmocka_unit_test(test_cflags),
        cmocka_unit_test(test_vectors_and_openblas),
        cmocka_unit_test(test_detect_fixtures),
        cmocka_unit_test(test_detect_this_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
