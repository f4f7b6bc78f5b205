/* Unit tests for common/: errors, buffers, arena, atomic files and directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mk_arena.h"
#include "mk_buf.h"
#include "mk_err.h"
#include "mk_fs.h"

static void test_err_first_wins(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(mk_err_set(&e, MK_EINVAL, "a.yaml", 3, 7, "bad %s", "thing"), -1);
    mk_err_set(&e, MK_EIO, "b.yaml", 1, 1, "later");
    char buf[256];
    assert_string_equal(mk_err_str(&e, buf, sizeof buf), "a.yaml:3:7: bad thing");
    assert_int_equal(e.code, MK_EINVAL);
    assert_int_equal(mk_err_set(NULL, MK_EIO, NULL, 0, 0, "x"), -1);
}

static void test_buf_escapes(void **state)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_put_json_str(&b, "a\"b\\c\n\x01");
    assert_string_equal(b.s, "\"a\\\"b\\\\c\\n\\u0001\"");
    mk_buf_reset(&b);
    mk_buf_put_xml(&b, "<a href='x'>&\"");
    assert_string_equal(b.s, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;");
    mk_buf_reset(&b);
    for (int i = 0; i < 1000; i++) mk_buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.s));
    char *s = mk_buf_detach(&b);
    assert_non_null(strstr(s, "999,"));
    free(s);
    mk_buf_fini(&b);
}

static void test_arena(void **state)
{
    mk_arena a;
    mk_arena_init(&a);
    for (int i = 0; i < 10000; i++) {
        int *p = mk_arena_alloc(&a, sizeof(int) * 7);
        assert_int_equal(((uintptr_t)p) % _Alignof(max_align_t), 0);
        assert_int_equal(p[6], 0);
    }
    char *big = mk_arena_alloc(&a, 1 << 20);
    big[(1 << 20) - 1] = 1;
    assert_string_equal(mk_arena_printf(&a, "%s-%d", "x", 5), "x-5");
    assert_string_equal(mk_arena_strndup(&a, "hello", 3), "hel");
    mk_arena_fini(&a);
}

static void test_atomic_file_and_dir(void **state)
{
    char tmpl[] = "/tmp/modak-test-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    mk_err e;
    mk_err_clear(&e);
    char *f = mk_path_join(tmpl, "sub/dir/file.txt");
    char *d = mk_path_dirname(f);
    assert_int_equal(mk_mkdir_p(d, &e), 0);
    assert_int_equal(mk_file_write_atomic(f, "hello", 5, 0, &e), 0);
    char *data;
    size_t len;
    assert_int_equal(mk_file_read(f, 0, &data, &len, &e), 0);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    free(data);
    /* the size limit is enforced */
    assert_int_equal(mk_file_read(f, 4, &data, &len, &e), -1);
    assert_int_equal(e.code, MK_ELIMIT);
    mk_err_clear(&e);

    /* a directory swap keeps the previous output until the new one is in place */
    char *final = mk_path_join(tmpl, "out");
    for (int round = 0; round < 2; round++) {
        char *tmp = mk_dir_tmp_sibling(final, &e);
        assert_non_null(tmp);
        char *g = mk_path_join(tmp, "x");
        assert_int_equal(mk_file_write_atomic(g, round ? "2" : "1", 1, 0, &e), 0);
        assert_int_equal(mk_dir_commit(tmp, final, &e), 0);
        free(g);
        free(tmp);
    }
    char *x = mk_path_join(final, "x");
    assert_int_equal(mk_file_read(x, 0, &data, &len, &e), 0);
    assert_string_equal(data, "2");
    free(data);
    char *stem = mk_path_stem("/a/b/service.yaml", 1);
    assert_string_equal(stem, "service");
    free(stem);
    free(x);
    free(final);
    free(d);
    free(f);
    assert_int_equal(mk_rm_rf(tmpl), 0);
    assert_int_equal(access(tmpl, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_first_wins),
        cmocka_unit_test(test_buf_escapes),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_atomic_file_and_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
