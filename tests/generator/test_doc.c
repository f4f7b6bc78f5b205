/* Unit tests for the document readers: YAML 1.1 resolution (PyYAML's), marks, limits,
 * duplicate keys, aliases, JSON values with lent marks, JSON pointers, text checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "doc.h"

static doc *yaml(const char *text, mk_err *e)
{
    mk_err_clear(e);
    return doc_read_yaml("t.yaml", text, strlen(text), NULL, e);
}

/* One row per plain scalar: its text and the type PyYAML gives it. */
static const struct {
    const char *text;
    doc_type type;
} resolution[] = {
    {"~", DOC_T_NULL},         {"null", DOC_T_NULL},        {"NULL", DOC_T_NULL},
    {"yes", DOC_T_BOOL},       {"Off", DOC_T_BOOL},         {"TRUE", DOC_T_BOOL},
    {"y", DOC_T_STR},          {"0", DOC_T_INT},            {"-17", DOC_T_INT},
    {"0x1F", DOC_T_INT},       {"0o17", DOC_T_STR},         {"017", DOC_T_INT},
    {"0b101", DOC_T_INT},      {"1_000", DOC_T_INT},        {"12:00:00", DOC_T_INT},
    {"1.5", DOC_T_FLOAT},      {"1.", DOC_T_FLOAT},         {".5", DOC_T_FLOAT},
    {"1e3", DOC_T_STR},        {"1.0e+3", DOC_T_FLOAT},     {"1.0e3", DOC_T_STR},
    {".inf", DOC_T_FLOAT},     {"-.Inf", DOC_T_FLOAT},      {".NaN", DOC_T_FLOAT},
    {"190:20:30.15", DOC_T_FLOAT}, {"2001-12-14", DOC_T_TIMESTAMP},
    {"2001-12-14t21:59:43.10-05:00", DOC_T_TIMESTAMP}, {"2001-12-14 21:59:43.10 -5", DOC_T_TIMESTAMP},
    {"2001-1-4", DOC_T_STR},   {"1.2.3", DOC_T_STR},        {"abc", DOC_T_STR},
    {"99999999999999999999", DOC_T_STR}, {"+", DOC_T_STR}, {"-1_0", DOC_T_INT},
};

static void test_resolution(void **state)
{
    for (size_t i = 0; i < sizeof resolution / sizeof *resolution; i++) {
        char text[128];
        snprintf(text, sizeof text, "v: %s\n", resolution[i].text);
        mk_err e;
        doc *d = yaml(text, &e);
        if (!d) fail_msg("'%s' does not parse: %s", resolution[i].text, e.msg);
        doc_node *v = doc_map_get(d->root, "v");
        if (v->type != resolution[i].type)
            fail_msg("'%s' resolved to %s, expected %s", resolution[i].text, doc_type_name(v->type),
                     doc_type_name(resolution[i].type));
        doc_free(d);
    }
    mk_err e;
    doc *d = yaml("a: 0x10\nb: 12:30\nc: '12'\nd: !!str 12\ne: !!float 3\n", &e);
    assert_int_equal(doc_map_get(d->root, "a")->v.i, 16);
    assert_int_equal(doc_map_get(d->root, "b")->v.i, 750);
    assert_int_equal(doc_map_get(d->root, "c")->type, DOC_T_STR);
    assert_int_equal(doc_map_get(d->root, "d")->type, DOC_T_STR);
    assert_int_equal(doc_map_get(d->root, "e")->type, DOC_T_FLOAT);
    doc_free(d);
}

static void test_marks_and_errors(void **state)
{
    mk_err e;
    doc *d = yaml("top:\n  - a\n  - key: value\n", &e);
    assert_non_null(d);
    doc_node *top = doc_map_get(d->root, "top");
    assert_int_equal(top->kind, DOC_SEQ);
    assert_int_equal(top->n, 2);
    doc_node *v = doc_map_get(top->items[1], "value") ? NULL : doc_map_get(top->items[1], "key");
    assert_non_null(v);
    assert_int_equal(v->mark.line, 3);
    assert_int_equal(v->mark.col, 10);
    size_t n;
    const char *line = doc_source_line(d->text, d->text_len, 3, &n);
    assert_int_equal(n, strlen("  - key: value"));
    assert_memory_equal(line, "  - key: value", n);
    doc_free(d);

    assert_null(yaml("a: 1\nb: 2\na: 3\n", &e));
    assert_int_equal(e.line, 3);
    assert_string_equal(e.rule, "yaml.duplicate-key");
    assert_null(yaml("a: [1, 2\n", &e));
    assert_string_equal(e.rule, "yaml.syntax");
    assert_null(yaml("a: 1\n---\nb: 2\n", &e));
    assert_null(yaml("a: *nothing\n", &e));
    assert_null(yaml("a: &x [1, *x]\n", &e));
    assert_non_null(strstr(e.msg, "recursive"));
    assert_null(yaml("a: !!int abc\n", &e));
    assert_null(yaml("a: !custom x\n", &e));
    assert_string_equal(e.rule, "yaml.tag");
}

static void test_limits(void **state)
{
    /* 10^9 nodes after expansion, refused from a few hundred events */
    char text[4096] = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n";
    for (int i = 1; i < 10; i++) {
        char line[256];
        snprintf(line, sizeof line, "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n",
                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        strcat(text, line);
    }
    mk_err e;
    assert_null(yaml(text, &e));
    assert_string_equal(e.rule, "input.alias-budget");
    /* a few aliases are fine and share the node */
    doc *d = yaml("base: &b {x: 1}\nuse: *b\n", &e);
    assert_non_null(d);
    assert_ptr_equal(doc_map_get(d->root, "base"), doc_map_get(d->root, "use"));
    doc_free(d);
    char deep[1200];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    deep[600] = 0;
    assert_null(yaml(deep, &e));
    assert_string_equal(e.rule, "input.depth");
    doc_limits lim = {.max_bytes = 10};
    mk_err_clear(&e);
    assert_null(doc_read_yaml("t", "a: 123456789", 12, &lim, &e));
    assert_int_equal(e.code, MK_ELIMIT);
}

static void test_text_checks(void **state)
{
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(doc_check_text("t", "a\xc3\xa9", 3, &e), 0);
    assert_int_equal(doc_check_text("t", "a\n\xc3", 3, &e), -1);
    assert_int_equal(e.line, 2);
    assert_string_equal(e.rule, "input.encoding");
    mk_err_clear(&e);
    assert_int_equal(doc_check_text("t", "\xed\xa0\x80", 3, &e), -1); /* a surrogate */
    mk_err_clear(&e);
    assert_int_equal(doc_check_text("t", "\xc0\xaf", 2, &e), -1); /* overlong */
    mk_err_clear(&e);
    assert_int_equal(doc_check_text("t", "ab\0c", 4, &e), -1);
    assert_string_equal(e.rule, "input.binary");
    mk_err_clear(&e);
    assert_int_equal(doc_check_text("t", " \n\t\n", 4, &e), -1);
    assert_string_equal(e.rule, "input.empty");
}

static void test_json(void **state)
{
    const char *text = "{\n  \"job\": {\n    \"n\": 1e3,\n    \"s\": \"yes\",\n    \"l\": [true, null]\n  }\n}\n";
    mk_err e;
    mk_err_clear(&e);
    doc *d = doc_read_json("t.json", text, strlen(text), NULL, &e);
    assert_non_null(d);
    doc_node *job = doc_map_get(d->root, "job");
    doc_node *n = doc_map_get(job, "n");
    assert_int_equal(n->type, DOC_T_FLOAT); /* JSON, not YAML 1.1 */
    assert_true(n->v.f == 1000.0);
    assert_int_equal(doc_map_get(job, "s")->type, DOC_T_STR);
    assert_int_equal(n->mark.line, 3); /* marks lent from the YAML reading */
    assert_int_equal(n->mark.col, 10);
    doc_node *l = doc_map_get(job, "l");
    assert_int_equal(l->items[0]->type, DOC_T_BOOL);
    assert_int_equal(l->items[1]->type, DOC_T_NULL);
    doc_free(d);
    assert_null(doc_read_json("t.json", "{\"a\": 1,\n \"a\": 2}", 17, NULL, &e));
    mk_err_clear(&e);
    assert_null(doc_read_json("t.json", "{\"a\": [1,}", 10, NULL, &e));
    assert_int_equal(e.line, 1);
    assert_string_equal(e.rule, "json.syntax");
}

static void test_pointers(void **state)
{
    mk_arena a;
    mk_arena_init(&a);
    const char *p = doc_ptr_append(&a, "", "job");
    p = doc_ptr_append(&a, p, "a/b~c");
    p = doc_ptr_index(&a, p, 3);
    assert_string_equal(p, "/job/a~1b~0c/3");
    mk_arena_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolution), cmocka_unit_test(test_marks_and_errors),
        cmocka_unit_test(test_limits),     cmocka_unit_test(test_text_checks),
        cmocka_unit_test(test_json),       cmocka_unit_test(test_pointers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
