/* Golden tests for the job-document rules: one cmocka test per folder of tests/golden/dsl/.
 *
 * A folder holds `input.json` (a whole document: read with dsl_read_file, checked with
 * dsl_check_job) or `input.yaml` (a map of section name to section, the way a blueprint
 * carries them: each checked with dsl_check_section, then dsl_check_cross), and `expected`:
 * the diagnostics, one per line, `line:col: severity: rule: pointer: message | hint: hint`
 * (pointer "-" when there is none). A read failure is one `json.syntax` error line. Every
 * diagnostic must carry a hint. MODAK_GOLDEN_UPDATE=1 rewrites the expected files (review the
 * diff). The last test checks that the folders together cover every rule id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "doc.h"
#include "dsl.h"
#include "mk_buf.h"
#include "mk_fs.h"

/* Every rule the DSL checks can emit; each must be shown by at least one folder. */
static const char *const rules[] = {
    "json.syntax",     "dsl.fragment",     "dsl.document", "dsl.section",     "dsl.unknown-key",
    "dsl.type",        "dsl.required",     "dsl.range",    "dsl.enum",        "dsl.case",
    "dsl.placeholder", "dsl.value",        "dsl.format",   "dsl.whitespace",  "dsl.coercion",
    "dsl.empty",       "dsl.modak-compat", "dsl.legacy",   "dsl.cross-field", "dsl.unused-section",
};

static char *golden_dir(void)
{
    const char *src = getenv("MODAK_SOURCE_DIR");
    return mk_path_join(src ? src : ".", "tests/golden/dsl");
}

static void format_diags(mk_buf *b, const diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const diag *d = &l->v[i];
        mk_buf_printf(b, "%d:%d: %s: %s: %s: %s | hint: %s\n", d->line, d->col,
                      diag_sev_name(d->sev), d->rule, d->pointer ? d->pointer : "-", d->msg,
                      d->hint ? d->hint : "");
    }
}

/* Runs the checks of one folder into l. */
static void run_case(const char *dir, diag_list *l)
{
    char *json = mk_path_join(dir, "input.json");
    char *yaml = mk_path_join(dir, "input.yaml");
    mk_err err;
    mk_err_clear(&err);
    if (mk_is_file(json)) {
        doc *d = dsl_read_file(json, NULL, l, &err);
        if (d)
            dsl_check_job(d->root, l);
        else
            diag_hint(diag_add_err(l, &err, "json.syntax"), "fix the JSON syntax");
        doc_free(d);
    } else if (mk_is_file(yaml)) {
        doc *d = doc_read_file(yaml, NULL, &err);
        assert_non_null(d);
        mk_arena a;
        mk_arena_init(&a);
        const doc_node *jo = NULL, *app = NULL;
        const char *jo_ptr = NULL, *app_ptr = NULL;
        for (size_t i = 0; d->root && d->root->kind == DOC_MAP && i < d->root->n; i++) {
            const char *name = d->root->pairs[i].key->text;
            const char *ptr = doc_ptr_append(&a, "", name);
            dsl_check_section(name, d->root->pairs[i].val, ptr, l);
            if (!strcmp(name, "job_options")) jo = d->root->pairs[i].val, jo_ptr = ptr;
            if (!strcmp(name, "application")) app = d->root->pairs[i].val, app_ptr = ptr;
        }
        dsl_check_cross(jo, jo_ptr, app, app_ptr, l);
        mk_arena_fini(&a);
        doc_free(d);
    } else {
        fail_msg("%s has neither input.json nor input.yaml", dir);
    }
    free(json);
    free(yaml);
}

static void test_case(void **state)
{
    const char *dir = *state;
    diag_list l;
    diag_list_init(&l);
    run_case(dir, &l);
    for (size_t i = 0; i < l.n; i++) {
        if (!l.v[i].hint || !*l.v[i].hint)
            fail_msg("%s: diagnostic without a hint: %s", dir, l.v[i].msg);
        assert_non_null(l.v[i].msg);
        assert_true(*l.v[i].msg);
    }
    mk_buf got;
    mk_buf_init(&got);
    format_diags(&got, &l);
    char *exp_path = mk_path_join(dir, "expected");
    const char *update = getenv("MODAK_GOLDEN_UPDATE");
    if (update && !strcmp(update, "1")) {
        mk_err err;
        mk_err_clear(&err);
        assert_int_equal(mk_file_write_atomic(exp_path, got.s ? got.s : "", got.len, 0, &err), 0);
    }
    char *want = NULL;
    size_t want_len = 0;
    mk_err err;
    mk_err_clear(&err);
    if (mk_file_read(exp_path, 0, &want, &want_len, &err))
        fail_msg("%s: cannot read expected: %s", dir, err.msg);
    if (strcmp(want, got.s ? got.s : "")) {
        print_error("--- expected (%s)\n%s--- got\n%s", exp_path, want, got.s ? got.s : "");
        fail_msg("%s: diagnostics differ from expected", dir);
    }
    free(want);
    free(exp_path);
    mk_buf_fini(&got);
    diag_list_fini(&l);
}

/* Every rule appears in some expected file. */
static void test_rules_covered(void **state)
{
    char **dirs = *state;
    mk_buf all;
    mk_buf_init(&all);
    for (size_t i = 0; dirs[i]; i++) {
        char *p = mk_path_join(dirs[i], "expected");
        char *t;
        size_t n;
        mk_err err;
        mk_err_clear(&err);
        if (!mk_file_read(p, 0, &t, &n, &err)) {
            mk_buf_put(&all, t, n);
            free(t);
        }
        free(p);
    }
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, ": %s: ", rules[i]);
        if (!all.s || !strstr(all.s, pat)) fail_msg("no golden folder shows rule %s", rules[i]);
    }
    mk_buf_fini(&all);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    char *root = golden_dir();
    DIR *dp = opendir(root);
    if (!dp) {
        fprintf(stderr, "no golden folder at %s\n", root);
        free(root);
        return 1;
    }
    size_t n = 0, cap = 64;
    char **dirs = mk_xmalloc(cap * sizeof *dirs);
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.') continue;
        char *p = mk_path_join(root, e->d_name);
        if (!mk_is_dir(p)) {
            free(p);
            continue;
        }
        if (n + 1 >= cap) dirs = mk_xrealloc(dirs, (cap *= 2) * sizeof *dirs);
        dirs[n++] = p;
    }
    closedir(dp);
    dirs[n] = NULL;
    qsort(dirs, n, sizeof *dirs, cmp_str);
    struct CMUnitTest *tests = mk_xcalloc(n + 1, sizeof *tests);
    for (size_t i = 0; i < n; i++) {
        tests[i].name = strrchr(dirs[i], '/') + 1;
        tests[i].test_func = test_case;
        tests[i].initial_state = dirs[i];
    }
    tests[n].name = "rules_covered";
    tests[n].test_func = test_rules_covered;
    tests[n].initial_state = dirs;
    int rc = _cmocka_run_group_tests("dsl_golden", tests, n + 1, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
    free(tests);
    free(root);
    return rc;
}
